"""Tallies and matrices: numbers checked against hand-computed expectations."""

import json

import pandas as pd
import pytest
from conftest import JA_HEADER, ROOT

import flowmatrix as fm
from flowmatrix import read_inventory
from flowmatrix.errors import FlowmatrixError
from flowmatrix.model.dimensions import BLANK, OTHER, TOTAL
from flowmatrix.model.matrix import flow_matrix
from flowmatrix.model.tally import tally_by, theme_cross_table, theme_tally
from flowmatrix.render.tables import matrix_frames, tally_frame


@pytest.fixture
def small(make_xlsx):
    """4 cases: two tourism (one with two sources), one health, one mobility."""
    path = make_xlsx([JA_HEADER + ["年度"],
                      [1, "熊谷市", "地域通貨/バスアプリ", "購買データ", "クーポン配信", "レコメンド配信", None, 2024],
                      [2, "熊谷市", "地域通貨", "購買履歴", "クーポン配信", "商店街振興", None, 2024],
                      [3, "会津若松市", "地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス", None, 2023],
                      [4, None, "オンデマンドバス", "運行情報/利用履歴", "運行管理システム", "ダイヤ編成最適化", None, None]])
    return fm.classify(path)


def table(classified, *args, lang="ja", **kwargs):
    """The matrix as the reports show it: (cell texts, counts) with labels."""
    matrix = flow_matrix(classified.cases, *args, taxonomies=classified.taxonomies, **kwargs)
    return matrix_frames(matrix, classified.taxonomies, lang)


def test_theme_tally_counts_shares_touching_and_zero_rows(small):
    cases, themes = small.cases, small.taxonomies.themes
    assert list(cases["theme_id"]) == ["tourism", "tourism", "health", "mobility"]
    tally = theme_tally(cases, themes)
    assert list(tally["theme_id"][:3]) == ["tourism", "health", "mobility"]  # ties: taxonomy order
    assert list(tally["cases"][:3]) == [2, 1, 1]
    assert list(tally["share"][:3]) == [0.5, 0.25, 0.25]
    touching = dict(zip(tally["theme_id"], tally["touching"], strict=True))
    assert touching["tourism"] == 3  # the health case's 地域通貨/購買履歴 make tourism secondary
    assert len(tally) == 9 and tally["cases"].sum() == 4
    assert "theme" not in tally  # ids and counts: the words come with rendering
    assert set(theme_tally(cases, themes, include_empty=False)["theme_id"]) == {
        "tourism", "health", "mobility"}


def test_tally_by_column_and_cross_table(small):
    by_city = tally_by(small.cases, "municipality")
    assert by_city.to_dict("records") == [
        {"municipality": "熊谷市", "cases": 2, "share": 0.5},
        {"municipality": "会津若松市", "cases": 1, "share": 0.25},
        {"municipality": BLANK, "cases": 1, "share": 0.25}]
    assert tally_frame(by_city, small.taxonomies, "ja")["municipality"].iloc[2] == "（空欄）"
    cross = theme_cross_table(small.cases, "municipality", small.taxonomies.themes)
    assert list(cross.columns) == ["municipality", "tourism", "health", "mobility", TOTAL]
    assert cross.iloc[0].tolist() == ["熊谷市", 2, 0, 0, 2]
    labelled = tally_frame(cross, small.taxonomies, "ja")
    assert list(labelled.columns) == ["municipality", "観光／地域経済活性化", "健康／医療", "モビリティ", "合計"]


def test_multi_item_cells_count_per_item_pair(small):
    matrix = flow_matrix(small.cases, "source_service", "target_service")
    counts = {key: cell.count for key, cell in matrix.cells.items()}
    # case 1 has two sources and one target: two pairs
    assert counts == {("地域通貨", "クーポン配信"): 2, ("バスアプリ", "クーポン配信"): 1,
                      ("地域通貨", "ヘルスケアアプリ"): 1, ("オンデマンドバス", "運行管理システム"): 1}
    cells, _ = table(small)  # the default: data α in the cells
    assert cells.loc["地域通貨", "クーポン配信"] == "購買データ、購買履歴 (2)"
    assert list(cells.index) == ["地域通貨", "オンデマンドバス", "バスアプリ"]  # by total, then name
    _, numbers = table(small, values="count")
    assert numbers.to_numpy().sum() == 5
    _, data_linked = table(small, "data", "linked_service", values="count")
    assert data_linked.loc["運行情報", "ダイヤ編成最適化"] == 1


def test_top_folds_the_rest_into_other(small):
    _, folded = table(small, values="count", top=1)
    assert list(folded.index) == ["地域通貨", "上記以外"] and list(folded.columns) == ["クーポン配信", "上記以外"]
    assert folded.loc["地域通貨", "クーポン配信"] == 2
    assert folded.loc["上記以外", "上記以外"] == 1 and folded.loc["上記以外", "クーポン配信"] == 1
    assert folded.to_numpy().sum() == 5
    _, english = table(small, values="count", top=1, lang="en")
    assert "All others" in english.index


def test_a_real_service_named_sonota_is_not_the_folded_rest(make_xlsx):
    """Five cases whose ① is a service really written その他: it is the largest row, kept as
    such, and never merged with the rows folded away (it used to show 7 and sort last)."""
    rows = [[n, "市", "その他", "データ", "共有先A", "連携"] for n in range(1, 6)]
    rows += [[6, "市", "サービスB", "データ", "共有先A", "連携"],
             [7, "市", "サービスC", "データ", "共有先A", "連携"]]
    classified = fm.classify(make_xlsx([JA_HEADER[:6], *rows]))
    matrix = flow_matrix(classified.cases, values="count", top=2)
    assert matrix.row_values == ["その他", "サービスB", OTHER]
    assert [matrix.count(r, "共有先A") for r in matrix.row_values] == [5, 1, 1]
    _, counts = matrix_frames(matrix, classified.taxonomies, "ja")
    assert list(counts.index) == ["その他", "サービスB", "上記以外"]


def test_type_dimensions_without_types_are_a_clear_error(small):
    from flowmatrix.classification.themes import classify_themes

    themes_only = classify_themes(small.inventory.cases, small.taxonomies.themes)
    with pytest.raises(FlowmatrixError, match="no item types"):
        flow_matrix(themes_only, "source_type", "target_type")


def test_theme_filter_and_other_dimensions(small):
    _, health = table(small, theme="health", values="count")
    assert health.to_dict() == {"ヘルスケアアプリ": {"地域通貨": 1}}
    _, by_theme = table(small, "theme", "municipality", values="count")
    assert by_theme.loc["観光／地域経済活性化", "熊谷市"] == 2
    cases, _ = table(small, values="cases")
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
    assert bad.exit_code == 2 and "--by「nope」という列はありません" in bad.output \
        and "municipality" in bad.output


def test_cli_matrix_formats(cli, tmp_path):
    table = cli("matrix", ROOT / "data" / "cases.xlsx", "--top", "5")
    assert table.exit_code == 0 and "上記以外" in table.stdout
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
    assert bad.exit_code == 2 and "次から選んでください" in bad.output
    bad = cli("matrix", ROOT / "data" / "cases.xlsx", "--theme", "space")
    assert bad.exit_code == 2 and "health" in bad.output


def test_a_matrix_wider_than_the_terminal_is_printed_whole():
    """Squeezed into 80 columns, rich cut the matrix's 30 columns to a character or two and
    dropped the Japanese text they could not hold (exit 0, nothing said)."""
    from typer.testing import CliRunner

    from flowmatrix.cli import app

    sample = ROOT / "data" / "cases.xlsx"
    table = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["matrix", str(sample)])
    csv = CliRunner().invoke(app, ["matrix", str(sample), "--format", "csv"]).stdout
    assert table.exit_code == 0
    names = [line.split(",", 1)[0] for line in csv.splitlines()[1:]]
    assert len(names) > 10 and all(name in table.stdout for name in names)
    assert "服薬履歴 (1)" in table.stdout


def test_a_cell_lists_at_most_six_items_then_counts_the_rest(make_xlsx):
    rows = [[n, "市", "地域通貨", f"データ{n}", "クーポン配信", "配信"] for n in range(1, 10)]
    classified = fm.classify(make_xlsx([JA_HEADER[:6], *rows]))
    cell = table(classified)[0].loc["地域通貨", "クーポン配信"]
    assert cell == "データ1、データ2、データ3、データ4、データ5、データ6…ほか3件 (9)"
    english = table(classified, lang="en")[0].loc["地域通貨", "クーポン配信"]
    assert english.endswith("… +3 more (9)")


def test_case_ids_sort_naturally_and_odd_digits_do_not_break(make_xlsx):
    rows = [[case_id, "市", "地域通貨", "購買履歴", "クーポン配信", "配信"] for case_id in ("10", "2", "²", "K1")]
    classified = fm.classify(make_xlsx([JA_HEADER[:6], *rows]))
    assert table(classified, values="cases")[0].iloc[0, 0] == "2, 10, K1, ²"
