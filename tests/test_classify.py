"""Theme classification: the article's cases, the purpose rule, explanations, taxonomies."""

import json

import pandas as pd
import pytest
from conftest import JA_HEADER, ROOT

import flowmatrix
from flowmatrix import load_taxonomies, load_taxonomy, read_inventory
from flowmatrix.classification.themes import classify_themes
from flowmatrix.errors import TaxonomyError
from flowmatrix.settings import DEFAULTS


def classify(source, taxonomy=None, *, ignore_declared=False):
    """Themes only, as the pipeline's first classification step gives them."""
    cases = source.cases if isinstance(source, flowmatrix.Inventory) else source
    return classify_themes(cases, taxonomy or load_taxonomy(), ignore_declared=ignore_declared)


def cases(*rows, theme=None):
    """A DataFrame of cases from (source, data, target, linked) tuples."""
    frame = pd.DataFrame(rows, columns=["source_service", "data", "target_service",
                                        "linked_service"])
    frame["title"] = ""
    frame["theme"] = theme or ""
    frame["row"] = range(2, len(rows) + 2)
    return frame


# Every case of the article, with the theme the article gives it (the theme column is ignored).
ARTICLE_THEMES = {
    5: "health", 6: "health", 7: "disaster", 8: "disaster", 9: "administration",
    10: "mobility", 12: "tourism", 15: "tourism",
    # flows the article's text describes: 熊谷市's event and coupon data for tourism and shopping
    # streets, 会津若松市's AI segments for coupons, health and bus data for evacuation plans
    11: "disaster", 13: "tourism", 14: "tourism", 16: "tourism",
}


def test_every_article_case_gets_the_article_theme_from_text_alone():
    inventory = read_inventory(ROOT / "data" / "cases.xlsx")
    classified = classify(inventory, ignore_declared=True)
    got = dict(zip(classified["row"], classified["theme_id"], strict=True))
    assert {row: got[row] for row in ARTICLE_THEMES} == ARTICLE_THEMES
    assert (classified["theme_source"] == "keywords").all()


def test_theme_follows_the_purpose_of_the_flow():
    result = classify(cases(("介護支援アプリ", "安否情報", "防災アプリ", "避難行動支援"),
                            ("地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス")))
    assert list(result["theme_id"]) == ["disaster", "health"]
    # the source's own theme is still seen, just weighed less
    assert ("source_service", "介護", "health") in result.loc[0, "matched_terms"]
    assert ("source_service", "地域通貨", "tourism") in result.loc[1, "matched_terms"]


def test_matching_is_on_nfkc_text():
    result = classify(cases(("ＭａａＳアプリ", "ﾙｰﾄ検索", "ｵﾝﾃﾞﾏﾝﾄﾞ交通", "配車"),))
    assert result.loc[0, "theme_id"] == "mobility"
    terms = [term for _, term, _ in result.loc[0, "matched_terms"]]
    assert "maas" in terms and "オンデマンド交通" in terms


def test_a_longer_keyword_hides_shorter_ones_of_its_theme_but_not_of_others():
    result = classify(cases(("A", "B", "C", "健康ポイント"), ("A", "B", "C", "避難所")))
    linked = [(t, th) for e, t, th in result.loc[0, "matched_terms"] if e == "linked_service"]
    assert ("健康ポイント", "health") in linked and ("ポイント", "tourism") in linked
    assert ("健康", "health") not in linked
    shelter = [t for e, t, _ in result.loc[1, "matched_terms"] if e == "linked_service"]
    assert shelter == ["避難所"]


def test_scores_weight_linked_and_target_over_data_and_source():
    # the same keyword scores more in ④ than in ①
    in_linked = classify(cases(("A", "B", "C", "避難所"),)).loc[0, "scores"]["disaster"]
    in_source = classify(cases(("避難所", "B", "C", "D"),)).loc[0, "scores"]["disaster"]
    assert in_linked == 4 * in_source


def test_cross_domain_case_keeps_secondary_themes():
    result = classify(cases(("ヘルスケアアプリ/バスアプリ", "健康状態/バス利用履歴", "避難計画システム",
                             "災害時の避難計画への反映"),))
    assert result.loc[0, "theme_id"] == "disaster"
    assert set(result.loc[0, "secondary_theme_ids"]) >= {"mobility"}


def test_a_case_matching_nothing_is_other():
    result = classify(cases(("システムA", "データX", "システムB", "連携"),))
    assert result.loc[0, "theme_id"] == "other"
    assert result.loc[0, "matched_terms"] == ()
    assert result.loc[0, "score"] == 0


def test_declared_theme_is_kept_and_a_clear_disagreement_is_a_warning(make_xlsx):
    path = make_xlsx([JA_HEADER,
                      [1, "市", "介護支援アプリ", "安否情報", "防災アプリ", "避難行動支援", "行政"],
                      [2, "市", "地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス", "健康・医療"]])
    inventory = read_inventory(path)
    classified = classify(inventory)
    assert list(classified["theme_id"]) == ["administration", "health"]
    assert list(classified["theme_source"]) == ["declared", "declared"]
    assert list(classified["keyword_theme_id"]) == ["disaster", "health"]
    (finding,) = [f for f in flowmatrix.classify(inventory).findings
                  if f.code == "theme-disagrees"]
    assert (finding.code, finding.severity, finding.cell) == ("theme-disagrees", "warning", "G2")
    # English in the core, Japanese from the catalogue (it was Japanese labels in English)
    assert "Disaster / crime prevention" in finding.message and "避難行動支援" in finding.message
    from flowmatrix.render.labels import finding_text
    ja = finding_text(finding, "ja", load_taxonomies(DEFAULTS))
    assert ja.startswith("テーマ列は「行政」ですが、キーワードは「防災／防犯」を示しています")
    from typer.testing import CliRunner

    from flowmatrix.cli import app

    said = CliRunner().invoke(app, ["classify", str(path)]).output  # it was the English
    assert "G2: テーマ列は「行政」ですが、キーワードは「防災／防犯」を示しています" in said
    ignored = classify(inventory, ignore_declared=True)
    assert list(ignored["theme_id"]) == ["disaster", "health"]


def test_user_taxonomy_replaces_or_extends(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text('[[theme]]\nid = "culture"\nja = "文化"\nen = "Culture"\n'
                   'keywords = ["図書館", { term = "博物館", weight = 2 }]\n', encoding="utf-8")
    taxonomy = load_taxonomy(own)
    assert taxonomy.ids == ["culture", "other"]
    result = classify(cases(("A", "B", "図書館", "貸出"), ("A", "B", "防災アプリ", "避難")), taxonomy)
    assert list(result["theme_id"]) == ["culture", "other"]

    extra = tmp_path / "extra.toml"
    extra.write_text('extends = "default"\n[[theme]]\nid = "culture"\nja = "文化"\nen = "Culture"\n'
                     'keywords = ["図書館"]\n[[theme]]\nid = "tourism"\nkeywords = ["クマpay"]\n',
                     encoding="utf-8")
    taxonomy = load_taxonomy(extra)
    assert taxonomy.ids[:5] == ["tourism", "health", "disaster", "administration", "mobility"]
    assert taxonomy.ids[-2:] == ["culture", "other"]
    result = classify(cases(("A", "B", "図書館", "貸出"), ("クマPAY", "B", "C", "D")), taxonomy)
    assert list(result["theme_id"]) == ["culture", "tourism"]


@pytest.mark.parametrize("text, message", [
    ("[[theme]\nid=1", "not valid TOML"),
    ('[[theme]]\nid = "a"\nja = "A"\nen = "A"\nkeywords = ["x"]\n'
     '[[theme]]\nid = "a"\nja = "B"\nen = "B"\nkeywords = ["y"]\n', 'theme[2] (id "a"): duplicate id'),
    ('[[theme]]\nid = "a"\nja = "A"\nen = "A"\n', 'theme[1] (id "a"): no keywords'),
    ('[[theme]]\nid = "a"\nja = "A"\nen = "A"\nkeywords = ["x"]\npatterns = [{ regex = "(" }]\n',
     'theme[1] (id "a").patterns[1]: invalid regular expression'),
    ('[[theme]]\nid = "a"\nja = "A"\nen = "A"\nkeywords = [{ term = "x", weight = -1 }]\n',
     "keywords[1]: weight must be a positive number"),
    ('extends = "other"\n', 'extends: expected "default"'),
    # keywords are matched over all texts joined by control marks: one inside a keyword
    # would reach across two cells (it crashed the matcher)
    ('[[theme]]\nid = "a"\nja = "A"\nen = "A"\nkeywords = ["避難\\u0000所", "安否確認"]\n',
     "keywords[1]: '避難\\x00所' holds the control character U+0000"),
])
def test_malformed_taxonomy_names_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=None) as caught:
        load_taxonomy(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_a_keyword_written_with_a_tab_or_line_break_matches_the_words_spaced(tmp_path):
    """Cells are matched with their spaces collapsed, so a keyword is too: 避難<tab>所 and a
    TOML multi-line 避難<line break>所 find 避難 所 (they loaded, and never matched)."""
    path = tmp_path / "themes.toml"
    path.write_text('[[theme]]\nid = "a"\nja = "A"\nen = "A"\n'
                    'keywords = ["避難\\t所", """安否\n確認"""]\n', encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert [t.text for t in taxonomy.themes[0].terms] == ["避難 所", "安否 確認"]
    result = classify_themes(cases(("A", "避難  所", "安否 確認", "D"), ("A", "B", "C", "D")),
                             taxonomy)
    assert list(result["theme_id"]) == ["a", "other"]


def test_default_taxonomy_has_the_dsa_themes_first_with_exact_labels():
    taxonomy = load_taxonomy()
    assert [(t.id, t.ja) for t in taxonomy.themes[:5]] == [
        ("tourism", "観光／地域経済活性化"), ("health", "健康／医療"), ("disaster", "防災／防犯"),
        ("administration", "行政"), ("mobility", "モビリティ")]
    assert taxonomy.ids[-1] == "other"
    assert {"childcare", "environment", "agriculture"} <= set(taxonomy.ids)


def test_cli_classify_json(cli):
    result = cli("classify", ROOT / "data" / "cases.xlsx", "--format", "json", "--ignore-declared")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert len(records) == 31
    first = records[0]
    assert {"case_id", "row", "theme_id", "theme", "secondary_theme_ids", "score",
            "matched_terms", "theme_source"} <= set(first)
    assert (first["case_id"], first["row"], first["theme_id"], first["theme"]) == (
        "1", 5, "health", "健康／医療")
    assert first["theme_source"] == "keywords"
    assert {"element": "linked_service", "term": "健康指導", "theme_id": "health"} in \
        first["matched_terms"]


def test_cli_classify_csv_to_a_file_opens_in_excel(cli, tmp_path):
    out = tmp_path / "themes.csv"
    result = cli("classify", ROOT / "data" / "cases.csv", "-o", out, "--lang", "en")
    assert result.exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(table) == 31
    assert table.loc[0, "theme"] == "Health / medical"
    assert table.loc[0, "theme_source"] == "declared"
    assert "④ 生活習慣, 健康指導 → Health / medical" in table.loc[0, "matched_terms"]


def test_cli_classify_table_explain_and_lang(cli):
    result = cli("classify", ROOT / "data" / "cases.xlsx", "--explain")
    assert result.exit_code == 0
    assert "避難行動支援 → 防災／防犯" in result.stdout
    english = cli("classify", ROOT / "data" / "cases.xlsx", "--lang", "en")
    assert "Disaster / crime prevention" in english.stdout


def test_cli_classify_refuses_to_write_over_its_input(cli, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes((ROOT / "data" / "cases.csv").read_bytes())
    before = path.read_bytes()
    result = cli("classify", path, "-o", path)
    assert result.exit_code == 2 and "over the input file" in result.output
    assert path.read_bytes() == before


def test_cli_themes(cli, tmp_path):
    table = cli("themes")
    assert table.exit_code == 0 and "観光／地域経済活性化" in table.stdout
    listing = json.loads(cli("themes", "--format", "json").stdout)
    ids = [t["id"] for t in listing["themes"]]
    assert ids[:5] == ["tourism", "health", "disaster", "administration", "mobility"]
    assert all(t["keywords"] > 0 for t in listing["themes"] if t["id"] != "other")
    bad = tmp_path / "bad.toml"
    bad.write_text("nope = [", encoding="utf-8")
    result = cli("themes", "--themes", bad)
    assert result.exit_code == 2 and "not valid TOML" in result.output


@pytest.mark.parametrize("kind, first, count", [("service_type", "portal", 18),
                                               ("data_category", "activity_vital", 15)])
def test_the_other_packaged_taxonomies_load_with_the_same_machinery(kind, first, count):
    taxonomy = load_taxonomy(kind=kind)
    assert taxonomy.ids[0] == first and taxonomy.ids[-1] == "other"
    assert len(taxonomy.ids) == count
    assert all(t.terms for t in taxonomy.themes if t.id != "other")


def test_pattern_anchors_are_the_start_and_end_of_each_text(tmp_path):
    # texts are matched in one joined string; ^ and $ must still mean one text's edges
    path = tmp_path / "themes.toml"
    path.write_text('[[theme]]\nid = "city"\nja = "市"\nen = "City"\nkeywords = []\n'
                    'patterns = [{ regex = "^[^ ]+市$", weight = 5.0 }]\n'
                    '[[theme]]\nid = "other"\nja = "その他"\nen = "Other"\nkeywords = []\n',
                    encoding="utf-8")
    taxonomy = load_taxonomy(path)
    classified = classify(cases(("足利市", "x", "y", "z"), ("足利市観光協会", "x", "y", "z"),
                                ("a", "b", "c", "飛騨市")), taxonomy)
    assert list(classified["theme_id"]) == ["city", "other", "city"]
