"""#16 items 3–5: the municipality pages (analyze --by municipality), KPIs and peers, and
--municipality on the counting commands. Inventories are real xlsx/CSV files made here; the
KPI figures of the fixtures below are MADE UP for the tests (the sample's are published ones)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, write_xlsx
from openpyxl import load_workbook

import flowmatrix
from flowmatrix.io.kpis import fiscal_year, parse_number
from flowmatrix.render.registry import chart_keys, draw_chart

HEADER = ["No", "自治体", "事例名", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
          "④データ連携サービス"]
CURRENCY = ["地域通貨", "購買履歴", "データ分析基盤", "商店街振興"]  # currency → purchase → analytics
BUS = ["バスアプリ", "乗降履歴", "運行管理システム", "路線の見直し"]  # mobility → usage → operations
HEALTH = ["健康アプリ", "歩数", "保健指導サービス", "健康づくり"]
# Made-up KPI figures, for the tests only.
KPI_ROWS = [["自治体", "指標", "年度", "目標", "実績", "単位", "出典"],
            ["A市", "アプリ利用者数", "令和5年度", "20,000", "2.5万", "人", "テスト用の架空の値"],
            ["A市", "アプリ利用者数", 2022, 10000, 12000, "人", "テスト用の架空の値"],
            ["A市", "アプリ利用者数", "2025年11月時点", None, "3万人超", "人", "テスト用の架空の値"],
            ["A市", "加盟店数", "R4", 300, "たくさん", "店舗", "テスト用の架空の値"],
            ["Z村", "アプリ利用者数", 2023, 1, 1, "人", "テスト用の架空の値"]]


def inventory(path, rows, kpis=None):
    sheets = {"事例一覧": [HEADER, *rows]}
    if kpis is not None:
        sheets["KPI"] = kpis
    return write_xlsx(path, sheets)


@pytest.fixture(scope="module")
def three_cities(tmp_path_factory):
    """A lacks the currency flow that B and C have; only C has the health flow."""
    folder = tmp_path_factory.mktemp("three")
    return inventory(folder / "three.xlsx", [
        [1, "A市", "バス", *BUS],
        [2, "B市", "通貨", *CURRENCY],
        [3, "C市", "通貨", *CURRENCY],
        [4, "C市 ", "健康", *HEALTH],
        [5, None, "自治体なし", *CURRENCY],
    ], KPI_ROWS)


@pytest.fixture(scope="module")
def sample_pages(tmp_path_factory):
    """The bundled sample with its municipality pages, rendered once in every format by the
    library (the charts are named, not drawn: drawing is tested on the small inventories)."""
    from flowmatrix.render.html import report_html
    from flowmatrix.render.markdown import report_markdown
    from flowmatrix.render.registry import chart_keys
    from flowmatrix.render.serialise import json_bytes
    from flowmatrix.render.summary import summary_dict
    from flowmatrix.render.tables import case_columns
    from flowmatrix.render.xlsx import write_report_workbook

    out = tmp_path_factory.mktemp("pages")
    analysis = flowmatrix.analyze(ROOT / "data" / "cases.xlsx",
                                  flowmatrix.Settings(municipality_pages=True))
    rows = case_columns(analysis)
    charts = {key: f"charts/{key}.png" for key in chart_keys(analysis)}
    (out / "report.md").write_bytes(report_markdown(analysis, rows, charts))
    (out / "report.html").write_bytes(report_html(analysis, rows, {}))
    (out / "summary.json").write_bytes(json_bytes(summary_dict(analysis)))
    write_report_workbook(analysis, rows, out / "report.xlsx")
    return out, analysis


def test_the_sample_pages_read_like_the_article_in_every_format(sample_pages):
    sample_pages, analysis = sample_pages
    summary = json.loads((sample_pages / "summary.json").read_text("utf-8"))
    pages = {p["name"]: p for p in summary["municipalities"]}
    assert list(pages) == ["熊谷市", "会津若松市", "サンプル市", "モデル町"]
    kumagaya = pages["熊谷市"]
    assert kumagaya["prefecture"] == "埼玉県" and kumagaya["cases"] == 3
    first = kumagaya["overview"][0]  # the article's table: タッチポイント/ 地域通貨/ バスアプリ …
    assert [g["kind"] for g in first["source_service"]] == ["portal", "currency",
                                                            "mobility_service"]
    assert first["data"] == [{"kind": "purchase", "label": "購買履歴",
                              "items": ["購買属性情報", "購買データ"]}]
    assert {g["kind"] for g in first["target_service"]} == {"analytics", "coupon"}
    themes = {t["theme_id"]: t for t in kumagaya["themes"]}
    assert themes["tourism"]["share"] == 1.0 and 0.2 < themes["tourism"]["inventory_share"] < 0.3
    assert kumagaya["flows"]["cases"] == 3
    line = kumagaya["kpis"][0]  # 0.5万人 → 3.5万人 in one year, as the article says
    assert line["indicator"] == "市公式LINE登録者数"
    assert [(p["period"], p["actual"]) for p in line["points"]] == [("施策前", 5000.0),
                                                                    ("1年後", 35000.0)]
    assert all("data-society-alliance.org" in p["source"] for p in line["points"])
    assert kumagaya["peers"] == 3
    md = (sample_pages / "report.md").read_text("utf-8")
    assert "### 熊谷市（埼玉県）" in md and "#### データ連携の概要" in md
    assert "地域通貨・ポイント（地域通貨）" in md and "| 市公式LINE登録者数 | 施策前 |  | 0.5万 | 人 |" in md
    assert "![熊谷市: KPI の推移（目標と実績）](charts/municipality_01_kpi.png)" in md
    html = (sample_pages / "report.html").read_text("utf-8")
    assert '<article id="municipality_02"><h3>会津若松市（福島県）</h3>' in html
    assert "<h4>他の自治体にあって、まだない流れ</h4>" in html
    charts = [key for key in chart_keys(analysis) if key.startswith("municipality_")]
    assert charts == ["municipality_01_flow", "municipality_01_kpi", "municipality_02_flow",
                      "municipality_02_kpi", "municipality_03_flow", "municipality_04_flow"]
    assert len(draw_chart(analysis, "municipality_02_kpi").axes) == 2  # two indicators
    book = load_workbook(sample_pages / "report.xlsx")
    sheet = book["熊谷市"]
    assert sheet["A1"].value == "熊谷市（埼玉県） — 事例 3 件"
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert 35000 in values and 60000 in values and "1年後" in values
    assert "6万人超" in values  # a number for the chart, the figure as published beside it
    assert "クーポン利用データによる商店街振興" in values


def test_without_by_the_report_has_no_pages(sample_report):
    folder, _ = sample_report
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert "municipalities" not in summary
    assert "自治体別のページ" not in (folder / "report.md").read_text("utf-8")
    assert not list((folder / "charts").glob("municipality_*"))


def test_peers_are_the_other_municipalities(cli, three_cities, tmp_path):
    result = cli("analyze", three_cities, "--by", "municipality", "--format", "json",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "自治体別のページ（3）: A市、B市、C市" in result.output
    summary = json.loads((tmp_path / "three" / "summary.json").read_text("utf-8"))
    pages = {p["name"]: p for p in summary["municipalities"]}
    assert list(pages) == ["A市", "B市", "C市"]  # "C市 " is C市, as tally counts it
    assert pages["C市"]["cases"] == 2
    a = pages["A市"]
    assert a["peers"] == 2
    assert [(f["source_type"], f["data_category"], f["target_type"], f["peers"])
            for f in a["peer_flows"]] == [("currency", "purchase", "analytics", 2)]
    assert a["peer_flows"][0]["example"] == {"municipality": "B市", "case_id": "2",
                                             "title": "通貨", "file": str(three_cities),
                                             "row": 3}
    # the health flow only one peer has is not "common"; B has nothing two others lack
    assert pages["B市"]["peer_flows"] == []


def test_kpis_in_year_order_with_their_findings(cli, three_cities, tmp_path):
    result = cli("analyze", three_cities, "--by", "municipality", "--format", "json,xlsx",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "three" / "summary.json").read_text("utf-8"))
    kpis = {k["indicator"]: k for k in summary["municipalities"][0]["kpis"]}
    users = kpis["アプリ利用者数"]
    assert [(p["period"], p["year"], p["target"], p["actual"]) for p in users["points"]] == [
        ("2022", 2022, 10000.0, 12000.0), ("令和5年度", 2023, 20000.0, 25000.0),
        ("2025年11月時点", None, None, 30000.0)]
    assert [(p["target"], p["actual"]) for p in kpis["加盟店数"]["points"]] == [(300.0, None)]
    codes = {(f["code"], f["cell"]) for f in summary["findings"] if f["code"].startswith("kpi")}
    assert ("kpi-not-a-number", "E5") in codes  # たくさん, on the KPI sheet's row 5
    assert ("kpi-unknown-municipality", "A6") in codes  # Z村 has no cases
    sheet = load_workbook(tmp_path / "three" / "report.xlsx")["A市"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["アプリ利用者数", "2023年度", 20000, 25000, "人", "テスト用の架空の値"] in \
        [row[:6] for row in rows]


def test_kpis_from_a_csv_given_with_kpis(cli, tmp_path):
    cases = inventory(tmp_path / "b.xlsx", [[1, "B市", "通貨", *CURRENCY]])
    kpis = tmp_path / "kpis.csv"  # cp932, as Japanese Excel saves it; made-up figures
    kpis.write_bytes("自治体,指標,年度,実績,単位\nB市,加盟店数,R6,\"1,200\",店舗\n".encode("cp932"))
    result = cli("analyze", cases, "--kpis", kpis, "--format", "json", "--out", tmp_path)
    assert result.exit_code == 0, result.output  # --kpis implies the pages
    page = json.loads((tmp_path / "b" / "summary.json").read_text("utf-8"))["municipalities"][0]
    assert page["kpis"][0]["points"][0] == {"period": "R6", "year": 2024, "target": None,
                                            "actual": 1200.0, "target_text": "",
                                            "actual_text": "1,200", "source": ""}


def test_a_kpi_file_without_a_kpi_table_is_refused(cli, tmp_path):
    cases = inventory(tmp_path / "b.xlsx", [[1, "B市", "通貨", *CURRENCY]])
    not_kpis = tmp_path / "other.csv"
    not_kpis.write_text("名前,値\na,1\n", encoding="utf-8")
    result = cli("analyze", cases, "--kpis", not_kpis, "--out", tmp_path)
    assert result.exit_code == 2
    assert "other.csv" in result.output and "KPI の表がありません" in result.output


def test_peers_from_a_reference_inventory(cli, tmp_path):
    mine = inventory(tmp_path / "mine.xlsx", [[1, "A市", "バス", *BUS]])
    reference = inventory(tmp_path / "national.xlsx", [
        [1, "D町", "通貨", *CURRENCY], [2, "E町", "通貨", *CURRENCY], [3, "A市", "通貨", *CURRENCY],
        [4, "E町", "バス", *BUS]])
    result = cli("analyze", mine, "--peers", reference, "--format", "json,html",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    page = json.loads((tmp_path / "mine" / "summary.json").read_text("utf-8"))[
        "municipalities"][0]
    assert page["peers"] == 2  # D and E: the reference's own A市 is not its own peer
    assert [(f["source_type"], f["peers"], f["example"]["municipality"])
            for f in page["peer_flows"]] == [("currency", 2, "D町")]
    html = (tmp_path / "mine" / "report.html").read_text("utf-8")
    assert '<td class="n">2 / 2</td><td>D町「通貨」（No 1）</td>' in html


def test_a_reference_without_municipalities_is_refused(cli, tmp_path):
    mine = inventory(tmp_path / "mine.xlsx", [[1, "A市", "バス", *BUS]])
    reference = inventory(tmp_path / "nameless.xlsx", [[1, None, "通貨", *CURRENCY]])
    result = cli("analyze", mine, "--peers", reference, "--out", tmp_path)
    assert result.exit_code == 2
    assert "nameless.xlsx" in result.output and "自治体名がない" in result.output


def test_an_inventory_without_municipalities_says_so(cli, tmp_path):
    cases = inventory(tmp_path / "n.xlsx", [[1, None, "通貨", *CURRENCY]])
    result = cli("analyze", cases, "--by", "municipality", "--format", "md,json",
                 "--out", tmp_path)  # md: its charts are drawn too
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "n" / "summary.json").read_text("utf-8"))[
        "municipalities"] == []
    assert "自治体別のページはありません" in (tmp_path / "n" / "report.md").read_text("utf-8")


def test_a_batch_compares_across_its_inventories(cli, tmp_path):
    (tmp_path / "in").mkdir()
    first = inventory(tmp_path / "in" / "x.xlsx", [[1, "A市", "バス", *BUS]])
    inventory(tmp_path / "in" / "y.xlsx", [[1, "B市", "通貨", *CURRENCY],
                                          [2, "C市", "通貨", *CURRENCY]])
    result = cli("analyze", first.parent, "--by", "municipality", "--format", "json",
                 "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    combined = json.loads((tmp_path / "out" / "_combined" / "summary.json").read_text("utf-8"))
    a = combined["municipalities"][0]
    assert a["name"] == "A市" and a["peers"] == 2
    assert a["peer_flows"][0]["example"]["file"].endswith("y.xlsx")
    alone = json.loads((tmp_path / "out" / "x" / "summary.json").read_text("utf-8"))
    assert alone["municipalities"][0]["peers"] == 0


def test_pages_in_english_with_their_charts(cli, three_cities, tmp_path):
    result = cli("analyze", three_cities, "--by", "municipality", "--lang", "en",
                 "--format", "md,png", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    md = (tmp_path / "three" / "report.md").read_text("utf-8")
    assert "## Municipality pages" in md and "#### What peers do that it does not yet" in md
    assert "| Regional currency / points | Purchase history |" in md
    assert "| アプリ利用者数 | FY2023 | 20,000 | 2.5万 | 人 |" in md
    assert "![A市: KPIs (target and actual)](charts/municipality_01_kpi.png)" in md
    assert {p.name for p in (tmp_path / "three" / "charts").glob("municipality_*")} == {
        "municipality_01_flow.png", "municipality_01_kpi.png", "municipality_02_flow.png",
        "municipality_03_flow.png"}


def test_pages_are_byte_identical_run_to_run(cli, three_cities, tmp_path):
    for out in ("a", "b"):
        assert cli("analyze", three_cities, "--by", "municipality", "--format", "json,xlsx",
                   "--out", tmp_path / out).exit_code == 0
    for name in ("summary.json", "report.xlsx"):
        assert (tmp_path / "a" / "three" / name).read_bytes() == \
            (tmp_path / "b" / "three" / name).read_bytes(), name


def test_municipality_option_counts_only_its_cases(cli, three_cities):
    result = cli("tally", three_cities, "--municipality", "ｃ市", "--format", "json")
    assert result.exit_code == 0, result.output
    tally = json.loads(result.output)
    assert tally["cases"] == 2  # C市 and "C市 " are both ｃ市 as typed
    assert {r["theme_id"] for r in tally["theme_tally"] if r["cases"]} == {"tourism",
                                                                          "health"}
    result = cli("matrix", three_cities, "--municipality", "A市", "--by-type", "--values",
                 "count", "--format", "json")
    assert result.exit_code == 0, result.output
    matrix = json.loads(result.output)
    assert matrix["row_labels"] == ["オンデマンド交通・バス・MaaS"]
    assert [(c["col"], c["count"]) for c in matrix["cells"]] == [("運行管理", 1)]
    result = cli("flows", three_cities, "--municipality", "B市", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"purchase"' in result.output and '"mobility_usage"' not in result.output


def test_an_unknown_municipality_is_a_usage_error_with_the_nearest(cli, three_cities):
    result = cli("tally", three_cities, "--municipality", "B町")
    assert result.exit_code == 2
    assert "「B町」の事例はありません" in result.output and "「B市」ではありませんか" in result.output


def test_the_template_kpi_sheet_is_read(cli, tmp_path):
    path = tmp_path / "t.xlsx"
    assert cli("template", path).exit_code == 0
    book = load_workbook(path)
    book["事例一覧"].append([2, "B市", None, "通貨", *CURRENCY])
    book["KPI"].append(["B市", "利用者数", "令和6年度", 100, 80, "人", "テスト用の架空の値"])
    book.save(path)
    result = cli("analyze", path, "--by", "municipality", "--format", "json", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    pages = json.loads((tmp_path / "t" / "summary.json").read_text("utf-8"))["municipalities"]
    kpi = next(p for p in pages if p["name"] == "B市")["kpis"][0]
    assert kpi["points"][0]["year"] == 2024 and kpi["points"][0]["actual"] == 80.0


@pytest.mark.parametrize(("text", "number", "unit"), [
    ("3.5万人", 35000.0, "人"), ("6万人超", 60000.0, "人"), ("1,200", 1200.0, ""),
    ("約1200件", 1200.0, "件"), ("５００店舗以上", 500.0, "店舗"), ("たくさん", None, ""),
    ("12a3", None, ""), ("", None, "")])
def test_parse_number(text, number, unit):
    assert parse_number(text) == (number, unit)


@pytest.mark.parametrize(("text", "year"), [
    ("2023", 2023), ("2023年度", 2023), ("FY2023", 2023), ("令和5年度", 2023), ("R5", 2023),
    ("Ｒ５年度", 2023), ("平成30年度", 2018), ("令和元年度", 2019), ("2025年11月時点", None),
    ("1年後", None)])
def test_fiscal_year(text, year):
    assert fiscal_year(text) == year


def test_sheet_names_stay_legal_and_unique(cli, tmp_path):
    names = ["あ" * 31 + str(i) for i in range(10)] + ["a" * 27 + "'bcd", "A/B", "A:B", "概要"]
    cases = inventory(tmp_path / "n.xlsx", [[i, n, "通貨", *CURRENCY] for i, n in enumerate(
        names, start=1)])
    result = cli("analyze", cases, "--by", "municipality", "--format", "xlsx", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    sheets = load_workbook(tmp_path / "n" / "report.xlsx").sheetnames
    pages = sheets[sheets.index("その他の集計") + 1:sheets.index("指摘事項")]
    assert len(pages) == len(names) and len({p.casefold() for p in sheets}) == len(sheets)
    assert all(len(p) <= 31 and not p.startswith("'") and not p.endswith("'") for p in pages)
    assert "A_B" in pages and "A_B (2)" in pages and "概要 (2)" in pages


def test_names_from_the_inventory_stay_text_in_every_format(cli, tmp_path):
    hostile = ["@SUM(A1)", "<script>alert(1)</script>", "[x](http://evil)"]
    cases = inventory(tmp_path / "h.xlsx", [[i, n, n, *CURRENCY]
                                            for i, n in enumerate(hostile, start=1)])
    result = cli("analyze", cases, "--by", "municipality", "--format", "xlsx,html,md",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "h" / "report.html").read_text("utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = (tmp_path / "h" / "report.md").read_text("utf-8")
    assert "### \\[x\\](http\\://evil)" in md and "<script>" not in md
    book = load_workbook(tmp_path / "h" / "report.xlsx")
    sheet = book["@SUM(A1)"]
    assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith("@SUM(A1)")
    assert "<script>alert(1)<_script>" in book.sheetnames


def test_one_name_in_two_prefectures_is_two_pages(tmp_path):
    cases = write_xlsx(tmp_path / "p.xlsx", {"事例一覧": [
        ["No", "自治体", "都道府県", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
         "④データ連携サービス"],
        [1, "府中市", "東京都", *CURRENCY], [2, "府中市", "広島県", *BUS],
        [3, "熊谷市", "埼玉県", *BUS], [4, "熊谷市", None, *CURRENCY],  # 埼玉県's, as above
        [5, "熊谷市（埼玉県）", "埼玉県", *HEALTH]]})
    analysis = flowmatrix.analyze(cases, flowmatrix.Settings(municipality_pages=True))
    assert [(p.name, p.prefecture, len(p.positions)) for p in analysis.municipalities] == [
        ("府中市", "東京都", 1), ("府中市", "広島県", 1), ("熊谷市", "埼玉県", 2),
        ("熊谷市（埼玉県）", "埼玉県", 1)]
    from flowmatrix.render.tables import municipality_tables

    headings = [p["heading"] for p in municipality_tables(analysis)]
    assert headings[-1] == "熊谷市（埼玉県）"  # not 熊谷市（埼玉県）（埼玉県）


def test_kpi_cells_merged_numeric_and_incomplete(cli, tmp_path):
    cases = inventory(tmp_path / "k.xlsx", [[1, "A市", "バス", *BUS]], [
        ["自治体", "指標", "年度", "目標", "実績", "単位"],  # made-up figures
        ["A市", "利用率", 2022, None, 0.000001, "%"],
        [None, None, 2023, None, 1 / 3, "%"],  # A市 / 利用率 merged down
        ["A市", "人数", 2023, None, "9" * 400, "人"],
        ["A市", None, 2024, 1, 2, "人"],
        ["A市", "人数", 2024, None, None, "人"]])
    book = load_workbook(cases)
    book["KPI"].merge_cells("A2:A3")
    book["KPI"].merge_cells("B2:B3")
    book.save(cases)
    result = cli("analyze", cases, "--by", "municipality", "--format", "json,png",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "k" / "summary.json").read_text("utf-8"))
    (rate,) = [k for k in summary["municipalities"][0]["kpis"] if k["indicator"] == "利用率"]
    assert [(p["year"], p["actual_text"]) for p in rate["points"]] == [
        (2022, "0.000001"), (2023, "0.333333333333333")]  # not 1e-06, not 17 digits
    found = sorted((f["code"], f["cell"]) for f in summary["findings"])
    assert found == [("kpi-incomplete", "B5"), ("kpi-incomplete", "E4"),
                     ("kpi-incomplete", "E6"), ("kpi-not-a-number", "E4")]
    assert "Infinity" not in (tmp_path / "k" / "summary.json").read_text("utf-8")


def test_a_batch_keeps_the_kpis_of_one_municipality_inventories(cli, tmp_path):
    (tmp_path / "in").mkdir()
    inventory(tmp_path / "in" / "x.xlsx", [[1, "A市", "バス", *BUS]],
              [["自治体", "指標", "年度", "実績"], [None, "利用者数", 2024, 100]])  # made up
    inventory(tmp_path / "in" / "y.xlsx", [[1, "B市", "通貨", *CURRENCY]])
    result = cli("analyze", tmp_path / "in", "--by", "municipality", "--format", "json",
                 "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    combined = json.loads((tmp_path / "out" / "_combined" / "summary.json").read_text("utf-8"))
    a = next(p for p in combined["municipalities"] if p["name"] == "A市")
    assert a["kpis"][0]["points"][0]["actual"] == 100.0
    assert not [f for f in combined["findings"] if f["code"].startswith("kpi")]


def test_validate_checks_the_kpi_sheet(cli, three_cities):
    result = cli("validate", three_cities, "--format", "json")
    codes = {(f["code"], f["cell"]) for f in json.loads(result.output)["files"][0]["findings"]}
    assert {("kpi-not-a-number", "E5"), ("kpi-unknown-municipality", "A6")} <= codes


def test_municipality_option_refuses_a_blank_name_and_names_itself(cli, three_cities, tmp_path):
    result = cli("tally", three_cities, "--municipality", "  ")
    assert result.exit_code == 2 and "の事例はありません" in result.output
    result = cli("flows", three_cities, "--municipality", "B市", "--format", "json")
    assert json.loads(result.output)["municipality"] == "B市"
    out = tmp_path / "a.svg"
    result = cli("chart", three_cities, "--kind", "flow", "--by-type", "--municipality", "A市",
                 "-o", out)
    assert result.exit_code == 0, result.output
    svg = out.read_text("utf-8")
    assert "運行管理" in svg and "データ分析" not in svg  # A市's bus flow only
    assert "A市: データ連携の流れ" in svg  # the title says whose cases


def test_a_peer_example_without_title_or_id_names_its_row(cli, tmp_path):
    rows = [["自治体", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
             "④データ連携サービス"], ["A市", *BUS], ["B市", *CURRENCY], ["C市", *CURRENCY]]
    cases = write_xlsx(tmp_path / "noid.xlsx", {"事例一覧": rows})
    result = cli("analyze", cases, "--by", "municipality", "--format", "html", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "<td>B市（3 行目）</td>" in (tmp_path / "noid" / "report.html").read_text("utf-8")
