"""Classification at native speed (#17): texts matched all at once (one matching form, one trie
walk, one RE2 pass per pattern), per-case work on integer codes. These tests pin what the
batching could get wrong: a match across two texts, ties, declared themes, empty cases, items
shared by texts, and the exact matching form and hits of the text-by-text way it replaced."""

from __future__ import annotations

import random
import re
import unicodedata

import pandas as pd
import pytest
from conftest import JA_HEADER

from flowmatrix.classification.kinds import type_items
from flowmatrix.classification.matcher import Matcher, Trie, _code_points, match_text_joined
from flowmatrix.classification.patterns import MAX_MATCHES, SEPARATORS, compile_pattern
from flowmatrix.classification.taxonomy import load_taxonomies, load_taxonomy
from flowmatrix.classification.themes import classify_themes
from flowmatrix.coded import first_cases, row_codes
from flowmatrix.io.inventory import read_inventory
from flowmatrix.settings import DEFAULTS

TAXONOMY = """
[[theme]]
id = "alpha"
ja = "アルファ"
en = "Alpha"
aliases = ["アルファ分野"]
keywords = ["防災", "避難", "避難所", {{ term = "重み", weight = 2.0 }}]
patterns = [{patterns}]

[[theme]]
id = "beta"
ja = "ベータ"
en = "Beta"
keywords = ["災害", "健康", "重み"]
"""


def taxonomy(tmp_path, *patterns: str):
    """A taxonomy of two themes (and `other`) with the given patterns on the first."""
    path = tmp_path / "themes.toml"
    listed = ", ".join(f"'{p}'" for p in patterns)
    path.write_text(TAXONOMY.format(patterns=listed), encoding="utf-8")
    return load_taxonomy(path)


def hits_of(matcher: Matcher, texts: list[str]) -> list[tuple[int, str, int, int]]:
    hits = matcher.match(texts)
    return [(int(t), term, int(s), int(e)) for t, term, s, e
            in zip(hits.text, hits.term, hits.start, hits.end, strict=True)]


def read_cases(tmp_path, rows: list[list[str]], name: str = "cases.csv"):
    """The cases of a CSV inventory written here, as read_inventory gives them."""
    path = tmp_path / name
    path.write_text("\n".join(",".join(row) for row in [JA_HEADER, *rows]) + "\n",
                    encoding="utf-8")
    return read_inventory(path, DEFAULTS).cases


def with_an_empty_case(cases: pd.DataFrame) -> pd.DataFrame:
    """The cases after a first case "0" whose elements are all empty (None, NaN, "", " "): the
    reader drops such a row, a library caller's DataFrame may hold one."""
    empty = cases.iloc[:1].copy()
    empty["case_id"] = "0"
    for column, value in zip(("source_service", "data", "target_service", "linked_service"),
                             (None, float("nan"), "", " "), strict=True):
        empty[column] = value
        empty[f"{column}_items"] = [()]
    return pd.concat([empty, cases], ignore_index=True)


# --- no match reaches from one text into the next ------------------------------------------------

def test_a_keyword_split_over_the_end_of_one_text_and_the_start_of_the_next_is_no_hit(tmp_path):
    matcher = Matcher(taxonomy(tmp_path))
    texts = ["地域の防", "災訓練", "避難", "所", "防災"]
    assert hits_of(matcher, texts) == [(2, "避難", 0, 2), (4, "防災", 0, 2)]


@pytest.mark.parametrize(("pattern", "separator"), [
    ("a.*z", "\n"), (r"(?<![a-z])bus(?![a-z])", "\n"), (r"スタンプ\s*ラリー", "\x00"),
    (r"a\S+z", "\n"), ("a[^x]", None), ("(?s)a.z", None), ("^a", None), ("a$", None),
    ("a[[:space:]]z", None), (r"a\pNz", None), (r"a[\x00-\x7f]z", None), (r"a\Wz", None),
    ("(?i)BUS", "\n"), ("(?i)A[^x]", None),
])
def test_a_pattern_is_joined_only_by_a_character_it_cannot_match(tmp_path, pattern, separator):
    assert compile_pattern(pattern).separator == separator
    matcher = Matcher(taxonomy(tmp_path, pattern))
    texts = ["xa", "z bus", "スタンプ", "ラリー", "ab", "a z", "スタンプ ラリー", "aqz"]
    found = {(t, term) for t, term, _, _ in hits_of(matcher, texts)}
    # every hit lies inside one text, and is what the pattern finds in that text alone
    alone = {(t, matched) for t, text in enumerate(texts)
             for _, _, matched in compile_pattern(pattern).finditer(text)}
    keywords = {(t, term) for t, term in found if term in ("防災", "避難", "避難所", "重み")}
    assert found - keywords == alone
    if separator == "\n":
        assert (0, "a") not in {(t, term[:1]) for t, term in found}  # "xa" + "z bus" is no "az"


def test_the_matching_form_never_holds_a_separator():
    form = match_text_joined(["a\nb\r\n\tc", "d\x00e", "f\u2028g"])
    assert form == "a b c\x00d e\x00f g"
    assert set(SEPARATORS) == {"\n", "\x00"}
    assert "\n" not in form


def test_each_text_gets_the_first_matches_re2_finds_in_it_alone(tmp_path):
    # a joined pass reads on into the next texts: a text with more matches than the cap must
    # still give exactly its first MAX_MATCHES, and the next text all of its own
    matcher = Matcher(taxonomy(tmp_path, "(?<!x)a"))
    texts = ["a" * (MAX_MATCHES + 500), "xaa", "", "a"]
    hits = matcher.match(texts)
    # within one text a term counts once, so the hits are deduplicated: look at the raw pass
    joined = match_text_joined(texts)
    raw = matcher._pattern_hits(joined, _separators(joined))
    per_text = [sum(1 for start, *_ in raw if _text_of(joined, start) == t) for t in range(4)]
    assert per_text == [MAX_MATCHES, 1, 0, 1]
    assert sorted(set(hits.text.tolist())) == [0, 1, 3]


@pytest.mark.parametrize("pattern", [r"(?<![a-z])bus(?![a-z])", "^a.", "a.$"])
def test_a_lone_surrogate_is_matched_as_a_replacement_character(tmp_path, pattern):
    """Half a character (a frame built by hand; readers replace it) cannot be given to RE2 as
    UTF-8: it is U+FFFD, so patterns joined over all texts and run text by text both work."""
    matcher = Matcher(taxonomy(tmp_path, pattern))
    texts = ["a\ud800 bus 防災", "\udfffa\ud800", "避難所 a\ud83d"]
    replaced = [re.sub("[\ud800-\udfff]", "\ufffd", text) for text in texts]
    assert hits_of(matcher, texts) == hits_of(matcher, replaced)
    terms = {term for _, term, _, _ in hits_of(matcher, texts)}
    assert terms >= {"防災", "避難所"}
    assert terms - {"防災", "避難", "避難所"}  # the pattern matched too


def _separators(joined: str):
    import numpy as np

    return np.flatnonzero(_code_points(joined) == 0)


def _text_of(joined: str, position: int) -> int:
    return joined.count("\x00", 0, position)


# --- the matching form and the trie give what the text-by-text way gave ----------------------------

_SPACES = re.compile(r"[^\S\x00]+")
NASTY = list("aAbΣσİI \t\n\u3000\u00a0\u2028\x85\x00ｶﾞﾟか\u3099\u309a\u0301\u0327e…㈱①ﬁ㍻ＡＢ（）／ｱ"
             "한\u1100\u1161\u11a8\u0f73\u0345\u00a8\u02dc\u1e9b\ud800") + \
    [chr(c) for c in range(0x300, 0x370)]


def text_by_text(texts: list[str]) -> str:
    """The matching form as it was built before #17: NFKC text by text, then spaces, then case
    (and since then a lone surrogate is U+FFFD)."""
    texts = [re.sub("[\ud800-\udfff]", "\ufffd", t.replace("\x00", " ")) for t in texts]
    joined = "\x00".join(t if unicodedata.is_normalized("NFKC", t) else
                         unicodedata.normalize("NFKC", t) for t in texts)
    return _SPACES.sub(" ", joined).lower()


def test_the_matching_form_of_all_texts_at_once_is_the_text_by_text_one():
    rng = random.Random(17)
    for _ in range(2000):
        texts = ["".join(rng.choice(NASTY) for _ in range(rng.randint(0, 8)))
                 for _ in range(rng.randint(0, 5))]
        assert match_text_joined(texts) == text_by_text(texts), texts
    for _ in range(1000):  # any code point, full-width and compatibility ones more often
        texts = ["".join(chr(rng.choice([rng.randint(0, 0x10FFFF), rng.randint(0, 0x3400),
                                         rng.randint(0xFF00, 0xFFEF)]))
                         for _ in range(rng.randint(0, 10))) for _ in range(rng.randint(1, 4))]
        assert match_text_joined(texts) == text_by_text(texts), texts
    # concrete: full-width to ASCII, ㈱ to three characters, ｶﾞ composed, final sigma
    assert match_text_joined(["ＡＢＣ（株）", "㈱ｶﾞｽ", "ΟΔΟΣ  ΟΔΟΣ"]) == \
        "abc(株)\x00(株)ガス\x00οδος οδος"


@pytest.mark.parametrize("dense_cells", [1_000, 0])  # the second step as a table, or not
def test_the_trie_finds_every_occurrence_a_search_finds(dense_cells):
    rng = random.Random(5)
    words = ["ab", "abc", "b", "bca", "ca", "aaa", "避難", "避難所", "所", "c" * 6]
    trie = Trie(words, dense_cells=dense_cells)
    assert (trie.second is None) == (dense_cells == 0)
    for _ in range(300):
        text = "".join(rng.choice("abc避難所\x00") for _ in range(rng.randint(0, 40)))
        starts, found = trie.find(_code_points(text))
        expected = sorted((i, w) for w, word in enumerate(words)
                          for i in range(len(text)) if text.startswith(word, i))
        assert sorted(zip(starts.tolist(), found.tolist(), strict=True)) == expected
    assert Trie([]).find(_code_points("abc"))[0].tolist() == []


def test_a_text_that_keeps_the_walks_alive_goes_to_the_automaton():
    # "aaaa…" with a keyword "aaa…a": every position walks the keyword's length, so the trie
    # hands the text to an Aho-Corasick automaton, with the same hits
    words = ["a" * 20, "a", "ab"]
    text = "a" * 300 + "b" + "a" * 25
    expected = sorted((i, w) for w, word in enumerate(words)
                      for i in range(len(text)) if text.startswith(word, i))
    for walk_steps, automaton in ((32, False), (4, True)):
        trie = Trie(words, walk_steps=walk_steps)
        starts, found = trie.find(_code_points(text))
        assert sorted(zip(starts.tolist(), found.tolist(), strict=True)) == expected
        assert (trie.automaton is not None) == automaton


# --- themes per case, from an inventory read here ------------------------------------------------

def test_themes_of_cases_read_from_a_file(tmp_path):
    cases = with_an_empty_case(read_cases(tmp_path, [
        # ① ② ③ ④ and the theme column
        ["2", "A市", "", "災害情報", "", "防災", ""],  # ④ 防災 alpha 4.0, ② 災害 beta 2.0
        ["3", "A市", "", "重み", "", "", ""],  # alpha 2×2.0 = 4.0 over beta 2×1.0
        ["4", "A市", "", "防災", "", "", "ベータ"],  # keywords say alpha, the column beta
        ["5", "A市", "", "健康と防災", "", "", "アルファ分野"],  # a tie: the earlier theme
        ["6", "A市", "", "災害情報", "", "防災", ""],  # the same texts as case 2
        ["7", "A市", "", "避難所", "", "", "不明なテーマ"],  # 避難 inside 避難所 counts once
    ]))
    result = classify_themes(cases, taxonomy(tmp_path))
    by_row = result.set_index("case_id")
    assert list(result["theme_id"]) == ["other", "alpha", "alpha", "beta", "alpha", "alpha",
                                        "alpha"]
    assert list(result["theme_source"]) == ["keywords", "keywords", "keywords", "declared",
                                            "declared", "keywords", "keywords"]
    assert list(result["keyword_theme_id"]) == ["other", "alpha", "alpha", "alpha", "alpha",
                                                "alpha", "alpha"]
    declared = result["declared_theme_id"]
    assert [d if isinstance(d, str) else None for d in declared] == [None, None, None, "beta",
                                                                     "alpha", None, None]
    # case 0, all empty: other, no terms, no scores
    assert by_row.loc["0", "scores"] == {} and by_row.loc["0", "matched_terms"] == ()
    assert by_row.loc["0", "score"] == 0.0 and by_row.loc["0", "secondary_theme_ids"] == ()
    assert by_row.loc["2", "scores"] == {"alpha": 4.0, "beta": 2.0}
    assert by_row.loc["2", "secondary_theme_ids"] == ("beta",)  # half the top, and leads ②
    assert by_row.loc["2", "matched_terms"] == (("linked_service", "防災", "alpha"),
                                                ("data", "災害", "beta"))
    assert by_row.loc["6", "matched_terms"] == by_row.loc["2", "matched_terms"]
    assert by_row.loc["3", "scores"] == {"alpha": 4.0, "beta": 2.0}
    assert by_row.loc["4", "score"] == 0.0  # the declared theme's keyword score
    assert by_row.loc["4", "secondary_theme_ids"] == ("alpha",)
    assert by_row.loc["5", "scores"] == {"alpha": 2.0, "beta": 2.0}
    assert by_row.loc["5", "secondary_theme_ids"] == ("beta",)
    assert by_row.loc["7", "matched_terms"] == (("data", "避難所", "alpha"),)
    assert by_row.loc["7", "scores"] == {"alpha": 2.0}
    assert result["score"].dtype == "float64"
    assert result["secondary_theme_ids"].dtype == object
    # the ids are the taxonomy's own strings in object columns, not a copy per case (pandas 3
    # would store them as Arrow text: 16 MB a column at 1,000,000 cases)
    for column in ("theme_id", "theme_source", "keyword_theme_id", "declared_theme_id"):
        assert result[column].dtype == object, column
        values = result[column].tolist()
        assert len({id(v) for v in values}) == len(set(values)), column  # one string each

    ignored = classify_themes(cases, taxonomy(tmp_path), ignore_declared=True)
    assert list(ignored["theme_id"]) == list(result["keyword_theme_id"])
    assert set(ignored["theme_source"]) == {"keywords"}
    assert ignored["declared_theme_id"].isna().all()


def test_cases_share_a_scores_dict_only_when_their_scores_are_equal(tmp_path):
    """Equal score rows share one dict; rows that differ, however large the scores (the
    largest weight allowed), keep their own."""
    path = tmp_path / "big.toml"
    path.write_text(TAXONOMY.format(patterns="").replace('"避難所", ', '"避難所", '
                    '{ term = "巨大", weight = 1e9 }, '), encoding="utf-8")
    cases = read_cases(tmp_path, [["1", "A市", "", "巨大", "", "", ""],
                                  ["2", "A市", "", "巨大", "", "巨大", ""],
                                  ["3", "B市", "", "巨大", "", "", ""]])
    scores = classify_themes(cases, load_taxonomy(path))["scores"].tolist()
    assert scores[0] == scores[2] and scores[0]["alpha"] > 1e9  # ② only, in two cases
    assert scores[1]["alpha"] > 2 * scores[0]["alpha"]  # ② and ④
    assert scores[0] is scores[2] and scores[0] is not scores[1]


@pytest.mark.parametrize("weight", ["nan", "inf", "-inf", "0", "1e306", "1_000_000_001"])
def test_a_weight_that_is_not_a_positive_number_is_refused(tmp_path, weight):
    from flowmatrix.errors import TaxonomyError

    path = tmp_path / "themes.toml"
    path.write_text(TAXONOMY.format(patterns="").replace(
        "weight = 2.0", f"weight = {weight}"), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="weight must be a positive number"):
        load_taxonomy(path)


def test_a_tie_between_themes_goes_to_the_earlier_theme(tmp_path):
    cases = read_cases(tmp_path, [["1", "A市", "", "健康", "", "防災", ""],
                                  ["2", "A市", "", "防災", "", "健康", ""]])
    result = classify_themes(cases, taxonomy(tmp_path))
    # ④ weighs 4, ② weighs 2: the flow's purpose decides, and a real tie goes to alpha
    assert list(result["theme_id"]) == ["alpha", "beta"]
    tie = read_cases(tmp_path, [["1", "A市", "", "健康 防災", "", "", ""]], name="tie.csv")
    assert classify_themes(tie, taxonomy(tmp_path))["theme_id"].tolist() == ["alpha"]


def test_no_cases_and_no_element_columns():
    frame = pd.DataFrame({"case_id": pd.Series([], dtype=object)})
    result = classify_themes(frame, load_taxonomy())
    assert len(result) == 0 and "matched_terms" in result
    two = pd.DataFrame({"case_id": ["1", "2"]})
    result = classify_themes(two, load_taxonomy())
    assert list(result["theme_id"]) == ["other", "other"]
    assert list(result["matched_terms"]) == [(), ()]


# --- kinds per case -----------------------------------------------------------------------------

def test_the_same_item_in_two_texts_gets_one_kind_in_both(tmp_path):
    cases = with_an_empty_case(read_cases(tmp_path, [
        ["1", "A市", "地域通貨アプリ", "住所、健診結果", "防災アプリ", "避難支援", ""],
        ["2", "A市", "防災アプリ", "購買履歴／住所", "", "見守り", ""],
        ["4", "A市", "地域通貨アプリ", "住所、健診結果", "防災アプリ", "避難支援", ""],
    ]))
    taxonomies = load_taxonomies(DEFAULTS)
    typed = type_items(classify_themes(cases, taxonomies.themes), taxonomies)
    empty, first, second, again = typed.to_dict("records")
    assert first["data_items"] == ("住所", "健診結果")
    assert second["data_items"] == ("購買履歴", "住所")
    assert first["data_categories"] == ("resident", "health_check")
    assert second["data_categories"] == ("purchase", "resident")
    assert first["source_types"] == ("currency",) and first["value_types"] == ("evacuation",)
    assert first["data_sensitive"] == (False, True) and first["sensitive"]
    assert second["data_sensitive"] == (False, False) and not second["sensitive"]
    assert first["target_types"] == second["source_types"]  # 防災アプリ, typed once
    assert empty["source_types"] == empty["data_categories"] == empty["data_sensitive"] == ()
    assert not empty["sensitive"]
    assert {k: again[k] for k in ("source_types", "data_categories", "target_types",
                                  "value_types", "data_sensitive")} == \
        {k: first[k] for k in ("source_types", "data_categories", "target_types",
                               "value_types", "data_sensitive")}
    assert typed["sensitive"].dtype == bool


def test_classifying_adds_columns_and_leaves_the_frame_it_was_given_as_it_was(tmp_path):
    """Themes and kinds share the given frame's columns (no copy of 100,000 cells per stage):
    the frame given, and a frame classified once and given again, keep their values."""
    cases = read_cases(tmp_path, [
        ["1", "A市", "地域通貨アプリ", "住所、健診結果", "防災アプリ", "避難支援", ""],
        ["2", "A市", "防災アプリ", "購買履歴／住所", "", "見守り", "観光"],
    ])
    before = cases.copy(deep=True)
    taxonomies = load_taxonomies(DEFAULTS)
    themed = classify_themes(cases, taxonomies.themes)
    typed = type_items(themed, taxonomies)
    themed_before, typed_before = themed.copy(deep=True), typed.copy(deep=True)
    again = type_items(classify_themes(typed, taxonomies.themes, ignore_declared=True),
                       taxonomies)
    assert list(again["theme_source"]) == ["keywords", "keywords"]
    assert list(typed["theme_source"]) == ["keywords", "declared"]
    for frame, copy in ((cases, before), (themed, themed_before), (typed, typed_before)):
        pd.testing.assert_frame_equal(frame, copy)
    assert "source_types" not in themed and "theme_id" not in cases


def test_an_explicit_type_is_applied_per_distinct_cell_and_label(tmp_path):
    cases = read_cases(tmp_path, [
        ["1", "A市", "謎A/謎B", "購買履歴", "分析", "", ""],
        ["2", "A市", "謎A/謎B", "購買履歴", "分析", "", ""],
        ["3", "A市", "謎A/謎B", "購買履歴", "分析", "", ""],
        ["4", "A市", "謎A/謎B", "購買履歴", "分析", "", ""],
    ])
    cases["source_service_type"] = ["portal/地域通貨・ポイント", "", None, "地域通貨・ポイント"]
    cases["data_category"] = ["健診結果", float("nan"), "健診結果", ""]
    taxonomies = load_taxonomies(DEFAULTS)
    typed = type_items(classify_themes(cases, taxonomies.themes), taxonomies)
    # one label per item, none (empty, None), one label for every item of the cell
    assert typed["source_types"].tolist() == [("portal", "currency"), ("other", "other"),
                                              ("other", "other"), ("currency", "currency")]
    # a missing label (NaN) is no label: the keywords' category
    assert typed["data_categories"].tolist() == [("health_check",), ("purchase",),
                                                 ("health_check",), ("purchase",)]
    assert typed["sensitive"].tolist() == [True, False, True, False]


def test_aliases_are_applied_before_the_items_are_typed(tmp_path):
    from dataclasses import replace

    from flowmatrix.pipeline import classify

    path = tmp_path / "cases.csv"
    path.write_text("\n".join(",".join(row) for row in [
        JA_HEADER, ["1", "A市", "ほげほげ", "住所", "謎の窓口", "", ""],
        ["2", "A市", "地域通貨", "住所", "ほげほげ", "", ""]]) + "\n", encoding="utf-8")
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[service]\n"地域通貨" = ["ほげほげ"]\n', encoding="utf-8")
    plain = classify(path, DEFAULTS).cases
    assert plain["source_types"].tolist() == [("other",), ("currency",)]
    mapped = classify(path, replace(DEFAULTS, aliases=aliases)).cases
    assert mapped["source_service_items"].tolist() == [("地域通貨",), ("地域通貨",)]
    assert mapped["source_types"].tolist() == [("currency",), ("currency",)]
    assert plain["target_types"].tolist() == [("online_application",), ("other",)]
    assert mapped["target_types"].tolist() == [("online_application",), ("currency",)]


def test_distinct_rows_are_numbered_in_order_of_first_appearance():
    import numpy as np

    rows = row_codes([np.array([3, 0, 3, -1, 0, 3]), np.array([-1, 2, -1, 2, 2, 0])])
    first = first_cases(rows)
    assert rows.tolist() == [0, 1, 0, 2, 1, 3]
    assert first.tolist() == [0, 1, 3, 5]
    rows = row_codes([np.zeros(0, dtype=np.int64)])
    first = first_cases(rows)
    assert rows.tolist() == [] and first.tolist() == []


def test_texts_matched_in_batches_give_the_hits_of_one_pass(monkeypatch):
    """Matching holds ~55 bytes per character while it runs, so texts go in batches of about
    MATCH_BATCH characters: the hits, their texts and their places must not change."""
    import numpy as np

    from flowmatrix.classification import matcher as matching

    taxonomy = load_taxonomies(DEFAULTS).themes
    texts = ["", "避難所の安否確認", "地域通貨", "", "健診結果と避難行動要支援者名簿の連携",
             "バス", "ヘルスケアアプリ・ウェアラブルデバイス", "観光"] * 3
    engine = matching.Matcher(taxonomy)
    whole = engine.match(texts)
    monkeypatch.setattr(matching, "MATCH_BATCH", 8)  # a batch or two per text
    batched = engine.match(texts)
    assert len(whole.term) > 10
    assert batched.n_texts == whole.n_texts == len(texts)
    for field in ("text", "theme", "weight", "start", "end"):
        assert np.array_equal(getattr(batched, field), getattr(whole, field)), field
    assert batched.term == whole.term
    assert np.array_equal(batched.scores(), whole.scores())
