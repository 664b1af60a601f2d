"""Counting on integer codes (#17): matrices, top flows and tallies of real inventories
written here, with the cells worked out by hand."""

import csv

import pytest

import flowmatrix as fm
from flowmatrix.model.dimensions import BLANK, OTHER, TOTAL, CodedCases
from flowmatrix.model.matrix import Cell, flow_matrix, largest_flows, natural
from flowmatrix.model.tally import tally_by, theme_cross_table, theme_tally

HEADER = ["No", "自治体", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
          "④データ連携サービス", "年度"]


@pytest.fixture
def inventory(tmp_path):
    """classify(rows written to a CSV under HEADER)."""
    def make(rows, name="cases.csv"):
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([HEADER, *rows])
        return fm.classify(path)
    return make


def matrix(classified, rows="source_service", cols="target_service", **kwargs):
    return flow_matrix(classified.cases, rows, cols, taxonomies=classified.taxonomies, **kwargs)


def test_a_case_with_several_items_on_both_sides_counts_each_pair_once(inventory):
    classified = inventory([
        ["1", "熊谷市", "地域通貨/バスアプリ", "購買履歴/決済データ", "クーポン配信/運行管理システム", "配信", "2024"],
        ["2", "熊谷市", "地域通貨", "購買履歴", "クーポン配信", "配信", "2024"]])
    counted = matrix(classified, values="data")
    assert counted.row_values == ["地域通貨", "バスアプリ"]  # 3 and 2 item pairs
    assert counted.col_values == ["クーポン配信", "運行管理システム"]
    # the cells in the order their first pair is read: case 1, row item by row item
    assert list(counted.cells) == [("地域通貨", "クーポン配信"), ("地域通貨", "運行管理システム"),
                                   ("バスアプリ", "クーポン配信"), ("バスアプリ", "運行管理システム")]
    assert counted.cells[("地域通貨", "クーポン配信")] == Cell(
        2, 2, [("購買履歴", 2), ("決済データ", 1)], [("配信", 2)], ["1", "2"])
    # a tie between data items goes to text order: 決 (U+6C7A) before 購 (U+8CFC)
    assert counted.cells[("バスアプリ", "運行管理システム")] == Cell(
        1, 1, [("決済データ", 1), ("購買履歴", 1)], [("配信", 1)], ["1"])
    assert counted.counts() == [[2, 1], [1, 1]]
    only_counts = matrix(classified, values="count").cells[("地域通貨", "クーポン配信")]
    assert only_counts == Cell(2, 2, [], [], [])


def test_an_item_repeated_within_a_cell(inventory):
    classified = inventory([["1", "市", "地域通貨/地域通貨", "購買履歴", "クーポン配信", "配信", ""]])
    assert classified.cases["source_service_items"][0] == ("地域通貨",)  # read once
    assert matrix(classified).cells[("地域通貨", "クーポン配信")].count == 1
    # cases built by hand may repeat it (as a list): then it is two item pairs of one case
    cases = classified.cases.copy()
    cases.at[0, "source_service_items"] = ["地域通貨", "地域通貨"]
    cell = flow_matrix(cases, taxonomies=classified.taxonomies).cells[("地域通貨", "クーポン配信")]
    assert (cell.count, cell.cases, cell.data, cell.case_ids) == (2, 1, [("購買履歴", 2)], ["1"])


def test_empty_elements_count_in_no_cell_but_in_the_tallies(inventory):
    classified = inventory([
        ["1", "熊谷市", "地域通貨", "購買履歴", "クーポン配信", "配信", "2024"],
        ["2", "", "地域通貨", "", "", "", "2024"],  # no target: no pair
        ["", "", "", "購買履歴", "クーポン配信", "配信", ""],  # no source, no id
        ["4", "熊谷市", "地域通貨", "", "クーポン配信", "", "2023"]])
    counted = matrix(classified, values="cases")
    assert list(counted.cells) == [("地域通貨", "クーポン配信")]
    assert counted.cells[("地域通貨", "クーポン配信")] == Cell(
        2, 2, [("購買履歴", 1)], [("配信", 1)], ["1", "4"])
    by_data = matrix(classified, rows="data", cols="linked_service", values="linked_service")
    # the case without an id is counted, and listed under no id
    assert by_data.cells[("購買履歴", "配信")] == Cell(2, 2, [("購買履歴", 2)], [("配信", 2)], ["1"])
    assert tally_by(classified.cases, "municipality").to_dict("records") == [
        {"municipality": "熊谷市", "cases": 2, "share": 0.5},  # a tie: the marker last
        {"municipality": BLANK, "cases": 2, "share": 0.5}]
    years = tally_by(classified.cases, "fiscal_year")
    assert years.to_dict("list") == {"fiscal_year": ["2024", "2023", BLANK],
                                     "cases": [2, 1, 1], "share": [0.5, 0.25, 0.25]}
    # a name dimension counts a case by its first item; a case without one counts nowhere
    assert tally_by(classified.cases, "source_service")["cases"].tolist() == [3]
    # a frame built by hand may hold a list in a cell: counted by its text
    cases = classified.cases.copy()
    cases.at[0, "municipality"] = ["熊谷市"]
    assert tally_by(cases, "municipality").to_dict("list") == {
        "municipality": [BLANK, "['熊谷市']", "熊谷市"], "cases": [2, 1, 1],
        "share": [0.5, 0.25, 0.25]}


def test_ties_at_the_top_cut_off_go_to_the_dimension_order(inventory):
    classified = inventory([
        ["1", "市", "サービスA", "購買履歴", "クーポン配信", "配信", ""],
        ["2", "市", "サービスA", "購買履歴", "クーポン配信", "配信", ""],
        ["3", "市", "サービスC", "購買履歴", "クーポン配信", "配信", ""],
        ["4", "市", "サービスB", "購買履歴", "クーポン配信", "配信", ""]])
    counted = matrix(classified, top=2)
    assert counted.row_values == ["サービスA", "サービスB", OTHER]  # B and C tie: B sorts first
    assert counted.counts() == [[2], [1], [1]]
    assert counted.cells[(OTHER, "クーポン配信")].case_ids == ["3"]
    assert matrix(classified, top=3).row_values == ["サービスA", "サービスB", "サービスC"]


def test_the_rest_is_folded_into_other_and_two_folded_items_are_two_pairs(inventory):
    classified = inventory([
        ["1", "市", "地域通貨", "購買履歴", "クーポン配信", "配信", ""],
        ["2", "市", "地域通貨", "決済データ", "クーポン配信", "配信", ""],
        ["3", "市", "サービスC/サービスD", "購買履歴", "クーポン配信", "配信", ""],
        ["4", "市", "その他", "位置情報", "クーポン配信", "配信", ""]])
    counted = matrix(classified, top=1)
    assert counted.row_values == ["地域通貨", OTHER]
    # case 3's two folded sources are two item pairs of one case
    assert counted.cells[(OTHER, "クーポン配信")] == Cell(
        3, 2, [("購買履歴", 2), ("位置情報", 1)], [("配信", 3)], ["3", "4"])
    # a real service named その他 is text, not the folded rest
    assert "その他" in matrix(classified, top=4).row_values
    assert OTHER not in matrix(classified, top=4).row_values


def test_typed_dimensions_count_a_kind_once_per_case_names_each_item(inventory):
    classified = inventory([
        ["1", "市", "地域通貨/電子地域通貨/バスアプリ", "購買履歴", "クーポン配信", "配信", ""]])
    assert classified.cases["source_types"][0] == ("currency", "currency", "mobility_service")
    names = matrix(classified)
    assert names.counts() == [[1], [1], [1]]
    types = matrix(classified, "source_type", "target_type", values="data_category")
    assert types.row_values == ["currency", "mobility_service"]  # tie: taxonomy order
    target = classified.cases["target_types"][0][0]
    assert types.cells[("currency", target)] == Cell(1, 1, [("purchase", 1)], [("配信", 1)],
                                                     ["1"])
    tally = tally_by(classified.cases, "source_type", taxonomies=classified.taxonomies)
    assert tally.to_dict("list") == {"source_type": ["currency", "mobility_service"],
                                     "cases": [1, 1], "share": [1.0, 1.0]}


def test_largest_flows_break_ties_by_how_common_the_values_are(inventory):
    classified = inventory([
        ["1", "市", "サービスA", "購買履歴", "クーポン配信", "", ""],
        ["2", "市", "サービスB/サービスC", "決済データ/購買履歴", "運行管理システム", "", ""],
        ["3", "市", "サービスB", "位置情報", "クーポン配信", "", ""]])
    flows = largest_flows(classified.cases, 2, taxonomies=classified.taxonomies)
    # every pair is 1; サービスB is in two pairs and each target in two, so B's pairs lead
    # (4 against 3), the tie between them to text order: ク (U+30AF) before 運
    assert [(f["row"], f["col"], f["count"], f["cases"]) for f in flows] == [
        ("サービスB", "クーポン配信", 1, 1), ("サービスB", "運行管理システム", 1, 1)]
    assert flows[0]["data"] == ["位置情報"]
    assert flows[1]["data"] == ["決済データ", "購買履歴"]
    assert largest_flows(classified.cases, 0) == []
    everything = largest_flows(classified.cases, 10)
    assert [(f["row"], f["col"]) for f in everything][2:] == [
        ("サービスA", "クーポン配信"), ("サービスC", "運行管理システム")]


def test_repeated_rows_count_as_often_as_they_occur_and_list_an_id_once(inventory):
    rows = [["1", "熊谷市", "地域通貨/バスアプリ", "購買履歴", "クーポン配信", "配信", "2024"],
            ["2", "会津若松市", "地域通貨", "決済データ", "ヘルスケアアプリ", "健康アドバイス", "2023"]]
    once, often = inventory(rows, "once.csv"), inventory(rows * 50, "often.csv")
    assert len(often.cases) == 100
    for key in (("地域通貨", "クーポン配信"), ("地域通貨", "ヘルスケアアプリ")):
        cell, repeated = matrix(once).cells[key], matrix(often).cells[key]
        assert repeated.count == cell.count * 50 and repeated.cases == cell.cases * 50
        assert repeated.data == [(item, n * 50) for item, n in cell.data]
        assert repeated.case_ids == cell.case_ids  # the same id in 50 cases, listed once
    cross = theme_cross_table(often.cases, "municipality", often.taxonomies.themes)
    assert cross[TOTAL].tolist() == [50, 50]
    # one CodedCases shared by several counts gives what each count of the frame gives
    shared = CodedCases(often.cases)
    for rows_, cols, values in (("source_type", "target_type", "data_category"),
                                ("data", "linked_service", "linked_service"),
                                ("theme", "source_service", "count")):
        alone = flow_matrix(often.cases, rows_, cols, values=values, top=1,
                            taxonomies=often.taxonomies)
        assert flow_matrix(shared, rows_, cols, values=values, top=1,
                           taxonomies=often.taxonomies) == alone
    assert theme_tally(shared, often.taxonomies.themes).equals(
        theme_tally(often.cases, often.taxonomies.themes))


def test_case_ids_in_natural_order_even_when_numbers_tie_or_overflow(inventory):
    ids = ["10", "2", "01", "１", "K1", "²", "1"]
    classified = inventory([[i, "市", "地域通貨", "購買履歴", "クーポン配信", "配信", ""] for i in ids])
    listed = matrix(classified, values="cases").cells[("地域通貨", "クーポン配信")].case_ids
    assert listed == ["01", "1", "１", "2", "10", "K1", "²"]
    assert listed == sorted(ids, key=natural)
    huge = inventory([[i, "市", "地域通貨", "購買履歴", "クーポン配信", "配信", ""]
                      for i in ("99999999999999999999", "3", "x")], "huge.csv")
    assert matrix(huge, values="cases").cells[("地域通貨", "クーポン配信")].case_ids == [
        "3", "99999999999999999999", "x"]
