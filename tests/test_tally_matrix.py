"""Tallies and matrices: numbers checked against hand-computed expectations."""

import json

import pandas as pd
import pytest
from conftest import JA_HEADER, ROOT

from flowmatrix import read_inventory
from flowmatrix.classification.themes import classify
from flowmatrix.model.matrix import flow_matrix, flow_pairs
from flowmatrix.model.tally import tally_by, theme_cross_table, theme_tally


@pytest.fixture
def small(make_xlsx):
    """4 cases: two tourism (one with two sources), one health, one mobility."""
    path = make_xlsx([JA_HEADER + ["年度"],
                      [1, "熊谷市", "地域通貨/バスアプリ", "購買データ", "クーポン配信", "レコメンド配信", None, 2024],
                      [2, "熊谷市", "地域通貨", "購買履歴", "クーポン配信", "商店街振興", None, 2024],
                      [3, "会津若松市", "地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス", None, 2023],
                      [4, None, "オンデマンドバス", "運行情報/利用履歴", "運行管理システム", "ダイヤ編成最適化", None, None]])
    return classify(read_inventory(path))


def test_theme_tally_counts_shares_touching_and_zero_rows(small):
    assert list(small["theme_id"]) == ["tourism", "tourism", "health", "mobility"]
    tally = theme_tally(small)
    assert list(tally["theme_id"][:3]) == ["tourism", "health", "mobility"]  # ties: taxonomy order
    assert list(tally["cases"][:3]) == [2, 1, 1]
    assert list(tally["share"][:3]) == [0.5, 0.25, 0.25]
    touching = dict(zip(tally["theme_id"], tally["touching"], strict=True))
    assert touching["tourism"] == 3  # the health case's 地域通貨/購買履歴 make tourism secondary
    assert len(tally) == 9 and tally["cases"].sum() == 4
    assert set(theme_tally(small, include_empty=False)["theme_id"]) == {"tourism", "health",
                                                                         "mobility"}


def test_tally_by_column_and_cross_table(small):
    by_city = tally_by(small, "municipality")
    assert by_city.to_dict("records") == [
        {"municipality": "熊谷市", "cases": 2, "share": 0.5},
        {"municipality": "会津若松市", "cases": 1, "share": 0.25},
        {"municipality": "（空欄）", "cases": 1, "share": 0.25}]
    cross = theme_cross_table(small, "municipality")
    assert list(cross.columns) == ["municipality", "観光／地域経済活性化", "健康／医療", "モビリティ", "合計"]
    assert cross.iloc[0].tolist() == ["熊谷市", 2, 0, 0, 2]


def test_multi_item_cells_count_per_item_pair(small):
    pairs = flow_pairs(small, "source_service", "target_service")
    counts = {(r, c): n for r, c, n in zip(pairs["row"], pairs["col"], pairs["count"], strict=True)}
    # case 1 has two sources and one target: two pairs
    assert counts == {("地域通貨", "クーポン配信"): 2, ("バスアプリ", "クーポン配信"): 1,
                      ("地域通貨", "ヘルスケアアプリ"): 1, ("オンデマンドバス", "運行管理システム"): 1}
    matrix = flow_matrix(small)  # the default: data α in the cells
    assert matrix.loc["地域通貨", "クーポン配信"] == "購買データ、購買履歴 (2)"
    assert list(matrix.index) == ["地域通貨", "オンデマンドバス", "バスアプリ"]  # by total, then name
    counts = flow_matrix(small, values="count")
    assert counts.to_numpy().sum() == 5
    data_linked = flow_matrix(small, "data", "linked_service", values="count")
    assert data_linked.loc["運行情報", "ダイヤ編成最適化"] == 1


def test_top_folds_the_rest_into_other(small):
    folded = flow_matrix(small, values="count", top=1)
    assert list(folded.index) == ["地域通貨", "その他"] and list(folded.columns) == ["クーポン配信", "その他"]
    assert folded.loc["地域通貨", "クーポン配信"] == 2
    assert folded.loc["その他", "その他"] == 1 and folded.loc["その他", "クーポン配信"] == 1
    assert folded.to_numpy().sum() == 5
    english = flow_matrix(small, values="count", top=1, lang="en")
    assert "Other" in english.index


def test_theme_filter_and_other_dimensions(small):
    health = flow_matrix(small, theme="health", values="count")
    assert health.to_dict() == {"ヘルスケアアプリ": {"地域通貨": 1}}
    by_theme = flow_matrix(small, "theme", "municipality", values="count")
    assert by_theme.loc["観光／地域経済活性化", "熊谷市"] == 2
    cases = flow_matrix(small, values="cases")
    assert cases.loc["地域通貨", "クーポン配信"] == "1, 2"


def test_cli_tally_table_json_csv(cli, tmp_path):
    result = cli("tally", ROOT / "data" / "cases.xlsx")
    assert result.exit_code == 0 and "観光／地域経済活性化" in result.stdout
    data = json.loads(cli("tally", ROOT / "data" / "cases.xlsx", "--format", "json").stdout)
    assert data["cases"] == 31 and sum(r["cases"] for r in data["theme_tally"]) == 31
    assert data["theme_tally"][0] == {"theme_id": "tourism", "theme": "観光／地域経済活性化",
                                      "cases": 8, "share": 0.2581, "touching": 10}
    out = tmp_path / "by_city.csv"
    assert cli("tally", ROOT / "data" / "cases.xlsx", "--cross", "municipality", "-o", out).exit_code == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table["合計"].sum() == 31
    by_origin = json.loads(cli("tally", ROOT / "data" / "cases.xlsx", "--by", "出典区分",
                               "--format", "json").stdout)
    assert {r["出典区分"]: r["cases"] for r in by_origin["tally"]} == {"記事": 12, "例示": 19}
    text = cli("tally", ROOT / "data" / "cases.xlsx", "-o", tmp_path / "tally.txt")
    assert text.exit_code == 2 and "name it .csv, .json or pass --format" in text.output
    bad = cli("tally", ROOT / "data" / "cases.xlsx", "--by", "nope")
    assert bad.exit_code == 2 and "no column 'nope'" in bad.output and "municipality" in bad.output


def test_cli_matrix_formats(cli, tmp_path):
    table = cli("matrix", ROOT / "data" / "cases.xlsx", "--top", "5")
    assert table.exit_code == 0 and "その他" in table.stdout
    data = json.loads(cli("matrix", ROOT / "data" / "cases.xlsx", "--format", "json",
                          "--values", "count").stdout)
    assert data["rows"] == "source_service" and data["cols"] == "target_service"
    cases = read_inventory(ROOT / "data" / "cases.xlsx").cases
    pairs = sum(len(s) * len(t) for s, t in zip(cases["source_service_items"],
                                                 cases["target_service_items"], strict=True))
    assert sum(c["count"] for c in data["cells"]) == pairs == 49
    out = tmp_path / "m.xlsx"
    result = cli("matrix", ROOT / "data" / "cases.xlsx", "--theme", "health", "-o", out)
    assert result.exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert sheet["A1"].value == "①データ共有元サービス ＼ ③データ共有先サービス"
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row[1:] if c.value]
    assert "服薬履歴 (1)" in values
    bad = cli("matrix", ROOT / "data" / "cases.xlsx", "--rows", "colour")
    assert bad.exit_code == 2 and "choose one of" in bad.output
    bad = cli("matrix", ROOT / "data" / "cases.xlsx", "--theme", "space")
    assert bad.exit_code == 2 and "health" in bad.output


def test_a_cell_lists_at_most_six_items_then_counts_the_rest(make_xlsx):
    rows = [[n, "市", "地域通貨", f"データ{n}", "クーポン配信", "配信"] for n in range(1, 10)]
    classified = classify(read_inventory(make_xlsx([JA_HEADER[:6], *rows])))
    cell = flow_matrix(classified).loc["地域通貨", "クーポン配信"]
    assert cell == "データ1、データ2、データ3、データ4、データ5、データ6…ほか3件 (9)"
    english = flow_matrix(classified, lang="en").loc["地域通貨", "クーポン配信"]
    assert english.endswith("… +3 more (9)")


def test_case_ids_sort_naturally_and_odd_digits_do_not_break(make_xlsx):
    rows = [[case_id, "市", "地域通貨", "購買履歴", "クーポン配信", "配信"] for case_id in ("10", "2", "²", "K1")]
    classified = classify(read_inventory(make_xlsx([JA_HEADER[:6], *rows])))
    assert flow_matrix(classified, values="cases").iloc[0, 0] == "2, 10, K1, ²"
