"""Flow charts, representative flows, municipality pages and the checks counted on integer
codes (#17): what the numpy counting could get wrong — several items per element, empty
elements, ties at a stage's cut-off, a theme of one case, the example a flow names, each
check's finding on a planted row, and rows repeated many times."""

from __future__ import annotations

import csv

import pytest

import flowmatrix as fm
from flowmatrix.model.dimensions import OTHER

ELEMENTS_JA = ["①データ共有元サービス", "②流通データ", "③データ共有先サービス", "④データ連携サービス"]
HEADER = ["No", "自治体", *ELEMENTS_JA, "テーマ"]


def write_csv(tmp_path, rows, header=HEADER, name="cases.csv"):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    return path


def nodes_of(stages, stage):
    part = stages.nodes[stages.nodes["stage"] == stage].sort_values("order")
    return list(zip(part["value"], part["weight"], strict=True))


def links_of(stages, stage):
    part = stages.links[stages.links["stage"] == stage]
    return list(part[["source", "target", "theme_id", "weight"]].itertuples(index=False,
                                                                             name=None))


# Several items in each element, a case without a target, a tie at the cut-off (C and D
# both weigh 1 after A), and tourism with one case.
FLOW_ROWS = [
    [1, "市", "A、B", "x、y、z", "T", "β、γ", "health"],
    [2, "市", "A", "x", "T", "β", "health"],
    [3, "市", "C", "x", "", "β", "tourism"],
    [4, "市", "D", "y", "U", "γ", "health"],
]


@pytest.fixture
def flow_inventory(tmp_path):
    return write_csv(tmp_path, FLOW_ROWS)


def test_stage_weights_split_items_and_skip_an_empty_element(flow_inventory):
    analysis = fm.analyze(flow_inventory, fm.Settings(chart_top=10))
    flow = analysis.flows["flow"]
    assert flow.cases == 4 and not flow.folded
    assert nodes_of(flow, 0) == [("A", 1.5), ("C", 1.0), ("D", 1.0), ("B", 0.5)]
    assert nodes_of(flow, 1) == [("x", 2.333333333), ("y", 1.333333333), ("z", 0.333333333)]
    assert nodes_of(flow, 2) == [("T", 2.0), ("U", 1.0)]  # the third case has no target
    assert nodes_of(flow, 3) == [("β", 2.5), ("γ", 1.5)]
    # a case's weight between two stages is split over its item pairs: 1 / (3 × 1)
    assert links_of(flow, 1) == [("x", "T", "health", 1.333333333),
                                 ("y", "T", "health", 0.333333333),
                                 ("y", "U", "health", 1.0),
                                 ("z", "T", "health", 0.333333333)]
    # no link into or out of the missing target
    assert sum(w for *_, w in links_of(flow, 2)) == pytest.approx(3.0)
    assert ("T", "β", "health", 1.5) in links_of(flow, 2)


def test_a_tie_at_the_cut_off_keeps_the_earlier_text_and_folds_the_rest(flow_inventory):
    flow = fm.analyze(flow_inventory, fm.Settings(chart_top=2)).flows["flow"]
    assert flow.folded
    # C and D tie at 1.0 for the second place: C (by its text) is kept, D and B fold
    assert nodes_of(flow, 0) == [("A", 1.5), ("C", 1.0), (OTHER, 1.5)]
    assert nodes_of(flow, 1) == [("x", 2.333333333), ("y", 1.333333333), (OTHER, 0.333333333)]
    # links join the folded nodes, OTHER last on both sides
    assert links_of(flow, 0) == [
        ("A", "x", "health", 1.166666667), ("A", "y", "health", 0.166666667),
        ("A", OTHER, "health", 0.166666667), ("C", "x", "tourism", 1.0),
        (OTHER, "x", "health", 0.166666667), (OTHER, "y", "health", 1.166666667),
        (OTHER, OTHER, "health", 0.166666667)]


def test_a_theme_with_one_case(flow_inventory):
    analysis = fm.analyze(flow_inventory)
    tourism = analysis.flows["flow_tourism"]
    assert tourism.cases == 1 and tourism.theme == "tourism"
    assert [(s, v, w) for s, v, w, _ in tourism.nodes.itertuples(index=False)] == [
        (0, "C", 1.0), (1, "x", 1.0), (3, "β", 1.0)]
    assert links_of(tourism, 0) == [("C", "x", "tourism", 1.0)]
    assert links_of(tourism, 1) == [] and links_of(tourism, 2) == []
    # the health chart counts only its three cases, not tourism's C
    health = analysis.flows["flow_health"]
    assert health.cases == 3
    assert nodes_of(health, 0) == [("A", 1.5), ("D", 1.0), ("B", 0.5)]


def test_flows_by_kind_split_a_case_over_its_kinds(tmp_path):
    path = write_csv(tmp_path, [[1, "市", "A、B", "d", "T", "v", "health"]],
                     header=[*HEADER, "共有元サービス種別"])
    # no type column value: the keywords type A and B; by kind each stage sums to the cases
    flow = fm.flow_stages(fm.classify(path).cases, fm.load_taxonomies(fm.DEFAULTS), by_type=True)
    assert flow.by_type and flow.cases == 1
    assert flow.nodes.groupby("stage")["weight"].sum().tolist() == [1.0, 1.0, 1.0, 1.0]


TYPED_HEADER = [*HEADER, "共有元サービス種別", "データ分類", "共有先サービス種別", "価値の種別"]
PORTAL, CURRENCY, MEDICAL = "ポータルアプリ・公式LINE", "地域通貨・ポイント", "医療機関・薬局"
GUIDANCE, NOTICE = "個別の健康指導・健康づくり", "個別通知・プッシュ型の情報提供"


def test_representative_flows_name_their_example_cases(tmp_path):
    path = write_csv(tmp_path, [
        ["T-1", "市", "アプリ", "履歴", "ポータル", "通知", "tourism", CURRENCY, "購買履歴",
         PORTAL, NOTICE],
        ["H-1", "市", "アプリ", "健診", "薬局", "指導", "health", PORTAL, "健診結果", MEDICAL,
         GUIDANCE],
        ["H-2", "市", "アプリ", "履歴", "ポータル", "通知", "health", CURRENCY, "購買履歴",
         PORTAL, NOTICE],
        ["H-3", "市", "アプリ2", "健診", "薬局", "指導", "health", PORTAL, "健診結果", MEDICAL,
         GUIDANCE],
        ["H-4", "市", "アプリ3", "健診", "薬局", "指導", "health", PORTAL, "健診結果", MEDICAL,
         GUIDANCE],
    ], header=TYPED_HEADER)
    flows = fm.analyze(path).representative_flows
    assert list(flows) == ["tourism", "health"]
    (tourism,) = flows["tourism"]  # a theme of one case: one row, that case its example
    assert (tourism["source_type"], tourism["data_category"], tourism["target_type"],
            tourism["value_type"]) == ("currency", "purchase", "portal", "notification")
    assert (tourism["cases"], tourism["case_ids"], tourism["positions"]) == (1, ["T-1"], [0])
    first, second = flows["health"]
    assert (first["source_type"], first["data_category"], first["target_type"],
            first["value_type"], first["cases"]) == ("portal", "health_check", "medical",
                                                     "health_guidance", 3)
    assert first["case_ids"] == ["H-1", "H-3", "H-4"] and first["positions"] == [1, 3, 4]
    assert (second["source_type"], second["cases"], second["case_ids"]) == ("currency", 1,
                                                                           ["H-2"])
    # examples are cut at `examples`, in inventory order
    cases = fm.classify(path).cases
    two = fm.representative_flows(cases, fm.load_taxonomies(fm.DEFAULTS), top=1, examples=2)
    assert two["health"][0]["case_ids"] == ["H-1", "H-3"] and len(two["health"]) == 1


CHECK_HEADER = [*HEADER, "共有元サービス種別", "同意"]
CHECK_ROWS = [  # CSV row 2 onwards
    ["1", "市", "地域通貨", "購買履歴", "クーポン配信", "商店街振興", "tourism", "", ""],  # 2
    ["１", "市", "観光アプリ", "位置", "ポータル", "回遊促進", "tourism", "", ""],  # 3: id 1 again
    ["3", "町", "地域通貨", "購買履歴", "ｸｰﾎﾟﾝ配信", "商店街振興", "tourism", "", ""],  # 4: row 2
    ["4", "市", "", "購買履歴", "X", "Y", "tourism", "", ""],  # 5: no source
    ["5", "市", "〃", "購買履歴", "X2", "Y", "tourism", "", ""],  # 6: only punctuation
    ["6", "市", "S6", "D6", "T6", "V6", "宇宙開発", "", ""],  # 7: an unknown theme
    ["7", "市", "S7", "D7", "T7", "V7", "tourism", "謎の種別", ""],  # 8: an unknown type
    ["8", "市", "A、B", "D8", "T8", "V8", "tourism", f"{PORTAL}、{CURRENCY}、{MEDICAL}", ""],  # 9
    ["9", "市", "健診システム", "特定健診の結果", "PHR", "保健指導", "health", "", ""],  # 10
    ["10", "市", "健診システム2", "特定健診の結果", "PHR", "保健指導", "health", "", "済"],  # 11
    ["11", "市", "S12", "D12", "#REF!", "V12", "tourism", "", ""],  # 12: an error value
]


def test_each_check_names_its_planted_row(tmp_path):
    path = write_csv(tmp_path, CHECK_ROWS, header=CHECK_HEADER)
    findings = fm.classify(path).findings
    assert [(f.code, f.cell, f.row, f.column) for f in findings] == [
        ("duplicate-case-id", "A2", 2, "case_id"),
        ("missing-element", "C5", 5, "source_service"),
        ("duplicate-case", "C2", 2, "source_service"),
        ("suspicious-cell", "C6", 6, "source_service"),
        ("unknown-theme", "G7", 7, "theme"),
        ("unknown-item-type", "H8", 8, "source_service_type"),
        ("unknown-item-type", "H9", 9, "source_service_type"),
        ("sensitive-without-consent", "D10", 10, "data"),
        ("suspicious-cell", "E12", 12, "target_service"),
        ("sensitive-flow", "D11", 11, "data"),
    ]
    by_code = {f.code: f for f in findings}
    assert "case id '1' is used by 2 rows: 2, 3;" in by_code["duplicate-case-id"].message
    assert by_code["duplicate-case"].message.startswith("2 rows hold the same four elements: "
                                                        "2, 4;")
    assert "②" not in by_code["missing-element"].message
    assert "①データ共有元サービス" in by_code["missing-element"].message
    punctuation, error_value = [f for f in findings if f.code == "suspicious-cell"]
    assert dict(punctuation.params)["reason"] == "punctuation"
    assert dict(error_value.params)["reason"] == "error-value"
    assert "'#REF!'" in error_value.message
    assert "宇宙開発" in by_code["unknown-theme"].message
    unknown, count = [f for f in findings if f.code == "unknown-item-type"]
    assert dict(unknown.params)["labels"] == "謎の種別"
    assert (dict(count.params)["labels"], dict(count.params)["items"]) == (3, 2)
    assert "特定健診の結果" in by_code["sensitive-flow"].message


def test_repeated_rows_are_one_group_and_every_bad_row_a_finding(tmp_path):
    block = [["", "市", "地域通貨", "購買履歴", "クーポン配信", "商店街振興", "tourism"],
             ["", "市", "防災アプリ", "", "避難所", "避難支援", "disaster"]]
    rows = [[str(n), *row[1:]] for n, row in enumerate(block * 60, start=1)]
    path = write_csv(tmp_path, rows)
    analysis = fm.analyze(path)
    findings = analysis.findings
    missing = [f.row for f in findings if f.code == "missing-element"]
    assert missing == list(range(3, 123, 2))  # one per offending row, in sheet order
    (duplicates,) = [f for f in findings if f.code == "duplicate-case"]
    assert duplicates.row == 2
    assert duplicates.message.startswith("60 rows hold the same four elements: "
                                         "2, 4, 6, 8, 10, … (the first 5)")
    flow = analysis.flows["flow"]
    assert nodes_of(flow, 0) == [("地域通貨", 60.0), ("防災アプリ", 60.0)]
    assert nodes_of(flow, 1) == [("購買履歴", 60.0)]
    (tourism,) = analysis.representative_flows["tourism"]
    assert tourism["cases"] == 60 and tourism["case_ids"] == ["1", "3", "5"]


PAGE_HEADER = ["No", "都道府県", "自治体", *ELEMENTS_JA, "テーマ", "共有元サービス種別",
               "データ分類", "共有先サービス種別"]


def test_municipality_pages_group_names_and_prefectures(tmp_path):
    path = write_csv(tmp_path, [
        ["1", "埼玉県", "熊谷市", "A、B", "d", "T", "v", "health", f"{PORTAL}、{CURRENCY}",
         "健診結果", MEDICAL],
        ["2", "東京都", "府中市", "A", "d", "T", "v", "health", PORTAL, "健診結果", MEDICAL],
        ["3", "", " 熊谷市 ", "C", "d", "T", "v", "health", CURRENCY, "購買履歴", PORTAL],
        ["4", "広島県", "府中市", "A", "d", "T", "v", "health", PORTAL, "健診結果", MEDICAL],
        ["5", "", "府中市", "A", "d", "T", "v", "health", PORTAL, "購買履歴", PORTAL],
        ["6", "", "", "A", "d", "T", "v", "health", PORTAL, "健診結果", MEDICAL],
    ], header=PAGE_HEADER)
    analysis = fm.analyze(path, fm.Settings(municipality_pages=True))
    pages = analysis.municipalities
    # 熊谷市 without a prefecture is 埼玉県's (its only one); 府中市 without one is neither
    assert [(p.name, p.prefecture, p.positions) for p in pages] == [
        ("熊谷市", "埼玉県", [0, 2]), ("府中市", "東京都", [1]), ("府中市", "広島県", [3]),
        ("府中市", "", [4])]
    kumagaya = pages[0]
    assert kumagaya.overview[0]["source_service"] == [("portal", ["A"]), ("currency", ["B"])]
    assert kumagaya.overview[1]["data"] == [("purchase", ["d"])]
    assert [(t["theme_id"], t["cases"], t["share"]) for t in kumagaya.themes] == [
        ("health", 2, 1.0)]
    # portal → health_check → medical is held by 東京都 and 広島県's 府中市 and 熊谷市 itself
    fuchu = pages[3]
    assert [(f["source_type"], f["data_category"], f["target_type"], f["peers"])
            for f in fuchu.peer_flows][:1] == [("portal", "health_check", "medical", 3)]
    assert fuchu.peer_flows[0]["example"]["case_id"] == "1"
    assert fuchu.peers == 3
    assert kumagaya.flows is not None and kumagaya.flows.cases == 2


def test_a_frame_built_by_hand_with_lists_counts_as_with_tuples(flow_inventory):
    taxonomies = fm.load_taxonomies(fm.DEFAULTS)
    cases = fm.classify(flow_inventory).cases
    by_hand = cases.copy()
    by_hand["source_service_items"] = [list(items) for items in cases["source_service_items"]]
    by_hand["source_types"] = [list(ids) for ids in cases["source_types"]]
    for by_type in (False, True):
        expected = fm.flow_stages(cases, taxonomies, top=2, by_type=by_type)
        counted = fm.flow_stages(by_hand, taxonomies, top=2, by_type=by_type)
        assert counted.nodes.equals(expected.nodes) and counted.links.equals(expected.links)
    assert (fm.representative_flows(by_hand, taxonomies, top=3)
            == fm.representative_flows(cases, taxonomies, top=3))


def test_an_inventory_without_cases_counts_nothing(tmp_path):
    path = write_csv(tmp_path, [], header=PAGE_HEADER)
    analysis = fm.analyze(path, fm.Settings(municipality_pages=True))
    assert analysis.municipalities == [] and analysis.representative_flows == {}
    assert analysis.flows["flow"].cases == 0 and analysis.flows["flow"].nodes.empty
    assert [f.code for f in analysis.findings if f.severity != "info"] == []
