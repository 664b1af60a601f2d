"""④ typed and the DSA's 代表的なデータ連携の例: value types, typical flows per theme in kinds,
in every report format and as `flowmatrix flows`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import JA_HEADER, ROOT
from openpyxl import load_workbook

import flowmatrix as fm
from flowmatrix.model.representative import main_kind

# The ④ cells of the DSA article's tables and the value type each names.
ARTICLE_VALUES = [
    ("生活習慣データに基づく健康指導", "health_guidance"),
    ("購買データに基づく健康アドバイス", "health_guidance"),
    ("避難行動支援", "evacuation"),
    ("避難所管理の効率化", "shelter"),
    ("個別通知", "notification"),
    ("手続き削減", "procedure"),
    ("ダイヤ編成最適化", "operation"),
    ("ポイント連携", "points"),
    ("レコメンド配信", "coupon"),
    ("サービス・政策 の改善", "policy"),
    ("業務効率化", "efficiency"),
]


@pytest.fixture(scope="module")
def sample():
    return fm.analyze(ROOT / "data" / "cases.xlsx")


def test_the_articles_values_get_their_value_types(make_xlsx):
    rows = [[n, "市", "アプリ", "データ", "サービス", text] for n, (text, _) in
            enumerate(ARTICLE_VALUES, start=1)]
    cases = fm.classify(make_xlsx([JA_HEADER[:6], *rows])).cases
    assert [ids[0] for ids in cases["value_types"]] == [kind for _, kind in ARTICLE_VALUES]


def test_a_value_type_column_wins_and_an_unknown_label_is_a_warning(make_xlsx):
    path = make_xlsx([[*JA_HEADER[:6], "価値の種別"],
                      [1, "市", "アプリ", "データ", "サービス", "業務効率化", "見守り・捜索"],
                      [2, "市", "アプリ", "データ", "サービス", "業務効率化", "謎の価値"]])
    classified = fm.classify(path)
    assert [ids[0] for ids in classified.cases["value_types"]] == ["watch", "efficiency"]
    (warning,) = [f for f in classified.findings if f.code == "unknown-item-type"]
    assert warning.cell == "G3" and "謎の価値" in warning.message


def test_main_kind_prefers_real_kinds_and_the_majority():
    assert main_kind(("other", "currency")) == "currency"
    assert main_kind(("portal", "currency", "currency")) == "currency"
    assert main_kind(("portal", "currency")) == "portal"  # a tie: the earlier item
    assert main_kind(()) == "other"


def test_typical_flows_rank_by_cases_with_examples(sample):
    mobility = sample.representative_flows["mobility"]
    first = mobility[0]
    assert (first["source_type"], first["data_category"], first["target_type"],
            first["value_type"]) == ("mobility_service", "mobility_usage", "operations",
                                     "operation")
    assert first["cases"] == 3 and len(first["case_ids"]) == 3
    assert [f["cases"] for f in mobility] == sorted((f["cases"] for f in mobility),
                                                    reverse=True)
    # every case of a theme counts in exactly one row (when all rows are listed)
    full = fm.analyze(ROOT / "data" / "cases.xlsx", fm.Settings(representative=50))
    tally = dict(zip(full.theme_tally["theme_id"], full.theme_tally["cases"], strict=True))
    for theme_id, flows in full.representative_flows.items():
        assert sum(f["cases"] for f in flows) == tally[theme_id]


def test_typical_flows_in_every_report_format(sample_report):
    folder, _ = sample_report
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    health = summary["representative_flows"]["health"]
    assert {"source_type", "data_category", "target_type", "value_type", "cases",
            "examples"} == set(health[0])
    assert {"case_id", "title", "municipality", "file", "row"} == set(health[0]["examples"][0])
    markdown = (folder / "report.md").read_text("utf-8")
    section = markdown.split("## 代表的なデータ連携の例", 1)[1].split("\n## ", 1)[0]
    assert "### 健康／医療" in section and "| 運行管理 | 運行最適化・ダイヤ編成 | 3 |" in section
    assert markdown.index("## 代表的なデータ連携の例") < markdown.index("## 主なデータの流れ")
    # the typed matrix is the headline: it comes before the name-level one
    assert markdown.index("## 種別のデータフローマトリクス") < markdown.index("## データフローマトリクス")
    html = (folder / "report.html").read_text("utf-8")
    assert 'id="representative"' in html and "運行最適化・ダイヤ編成" in html
    sheet = load_workbook(folder / "report.xlsx")["代表的なデータ連携"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert ("モビリティ", "オンデマンド交通・バス・MaaS", "交通利用履歴", "運行管理",
            "運行最適化・ダイヤ編成", 3) == rows[[r[0] for r in rows].index("モビリティ")][:6]


def test_flows_command_formats(cli, tmp_path):
    table = cli("flows", ROOT / "data" / "cases.xlsx", "--theme", "モビリティ")
    assert table.exit_code == 0 and "運行最適化・ダイヤ編成" in table.stdout
    assert "健康／医療" not in table.stdout
    data = json.loads(cli("flows", ROOT / "data" / "cases.xlsx", "--top", "1", "--format",
                          "json").stdout)
    assert data["cases"] == 31
    assert all(len(flows) == 1 for flows in data["representative_flows"].values())
    assert data["representative_flows"]["mobility"][0]["value_type"] == "operation"
    out = tmp_path / "flows.csv"
    assert cli("flows", ROOT / "data" / "cases.xlsx", "--lang", "en", "-o", out).exit_code == 0
    records = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert records[0]["Theme"] == "Tourism / regional economy"
    assert set(records[0]) >= {"① Source service", "④ Linked service", "Cases", "Examples"}
    bad = cli("flows", ROOT / "data" / "cases.xlsx", "--theme", "宇宙")
    assert bad.exit_code == 2 and "health" in bad.output


def test_themes_lists_the_value_types(cli):
    result = cli("themes", "--kind", "value", "--format", "json")
    ids = [t["id"] for t in json.loads(result.stdout)["themes"]]
    assert ids[0] == "health_guidance" and ids[-1] == "other" and 12 <= len(ids) <= 21


def test_sensitive_only_on_strong_evidence(make_xlsx):
    """A sensitive category's item that is only about the fact or the plan — 受診の有無, a
    vaccination schedule — is not 要配慮 (PPC guideline: having had a check-up is not); the
    results themselves are."""
    path = make_xlsx([JA_HEADER[:6],
                      [1, "市", "健診システム", "特定健診の結果", "PHR", "保健指導"],
                      [2, "市", "健診システム", "健診の受診の有無", "ポータル", "受診勧奨"],
                      [3, "市", "母子手帳アプリ", "予防接種の予定", "子育てアプリ", "通知"],
                      [4, "市", "母子手帳アプリ", "予防接種歴", "子育てアプリ", "通知"]])
    cases = fm.classify(path).cases
    assert cases["sensitive"].tolist() == [True, False, False, True]
    assert [c[0] for c in cases["data_categories"]][:2] == ["health_check", "health_check"]
    flows = fm.analyze(path).sensitive_flows
    assert [f["row"] for f in flows] == [2, 5]


def test_a_missing_sensitive_flag_in_a_frame_built_by_hand_is_no_flag(make_xlsx):
    """sensitive_flows reads the flagged cases' columns only; a nullable flag (pd.NA, a frame
    built by hand) counts as not flagged, as it did before."""
    import pandas as pd

    from flowmatrix.model.analysis import sensitive_flows

    path = make_xlsx([JA_HEADER[:6],
                      [1, "市", "健診システム", "特定健診の結果", "PHR", "保健指導"],
                      [2, "市", "健診システム", "特定健診の結果", "PHR", "保健指導"],
                      [3, "市", "健診システム", "特定健診の結果", "PHR", "保健指導"]])
    cases = fm.classify(path).cases.set_index(pd.Index(["a", "b", "c"]))
    cases["sensitive"] = pd.array([True, pd.NA, True], dtype="boolean")
    flows = sensitive_flows(cases)
    assert [f["row"] for f in flows] == [2, 4]
    assert flows[0]["data"] == ["特定健診の結果"] and flows[0]["categories"] == ["health_check"]


def test_content_words_keep_the_flag(make_xlsx):
    """A phrase about the fact or plan does not hide the content it comes with."""
    path = make_xlsx([JA_HEADER[:6],
                      [1, "市", "健診システム", "特定健診の受診結果", "PHR", "保健指導"],
                      [2, "市", "医療機関", "透析患者の居住地・通院予定", "防災アプリ", "避難支援"],
                      [3, "市", "病院", "救急搬送の受入可否", "消防", "搬送"]])
    assert fm.classify(path).cases["sensitive"].tolist() == [True, True, False]


def test_a_cross_table_of_kinds_counts_each_kind(cli):
    data = json.loads(cli("tally", ROOT / "data" / "cases.xlsx", "--cross", "data_category",
                          "--format", "json").stdout)
    rows = {r["data_category"]: r for r in data["tally"]}
    assert rows["交通利用履歴"]["モビリティ"] == 4
    assert sum(r["合計"] for r in data["tally"]) >= 31  # a case with two categories counts twice


def test_sensitive_flows_read_like_a_list_of_dicts_made_when_read(make_xlsx):
    """Hundreds of thousands of flagged cases are not held as dicts: each flow is made when it
    is read, and reads as the list of dicts it stands for."""
    import pickle

    path = make_xlsx([JA_HEADER[:6],
                      [1, "市", "健診システム", "特定健診の結果", "PHR", "保健指導"],
                      [2, "市", "地域通貨", "購買履歴", "クーポン", "配信"],
                      [3, "市", "母子手帳アプリ", "予防接種歴", "子育てアプリ", "通知"]])
    flows = fm.analyze(path).sensitive_flows
    as_list = list(flows)
    assert len(flows) == 2 and [f["row"] for f in as_list] == [2, 4]
    assert flows[-1] == as_list[1] and flows[0:1] == as_list[:1] and flows[5:] == []
    assert flows == as_list and as_list == list(pickle.loads(pickle.dumps(flows)))
    assert flows != tuple(as_list) and flows != ""  # equal to lists only, as a list is
    assert as_list[1]["data"] == ["予防接種歴"] and as_list[1]["case_id"] == "3"
    assert not any(isinstance(v, dict) for column in flows.columns for v in column)
    assert not fm.analyze(make_xlsx([JA_HEADER[:6], [1, "市", "地域通貨", "購買履歴", "クーポン",
                                                     "配信"]], name="none.xlsx")).sensitive_flows
