"""`flowmatrix analyze`: one file or many, every format, the same numbers, deterministic."""

import csv
import io
import json
import re

import pandas as pd
import pytest
from conftest import JA_HEADER, ROOT, write_xlsx
from openpyxl import load_workbook

from flowmatrix import analyze
from flowmatrix.render import folder as report_folder


def test_one_file_writes_every_format(sample_report):
    folder, result = sample_report
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"report.xlsx", "report.html", "report.md", "summary.json", "cases.csv"} <= names
    # each chart once, as SVG; a flow chart of each theme with 5 cases or more
    assert {n for n in names if n.startswith("charts/")} == {
        f"charts/{chart}.svg" for chart in ("tally", "heatmap", "heatmap_types", "flow",
                                            "flow_types", "flow_health", "flow_disaster",
                                            "flow_tourism")}
    assert "事例 31 件、エラー 0 件、警告 0 件" in result.stdout
    assert "観光／地域経済活性化" in result.stdout and f"報告書: {folder}/" in result.stdout


def test_the_same_numbers_in_every_format(sample_report):
    folder, _ = sample_report
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    from_json = {r["theme"]: r["cases"] for r in summary["theme_tally"]}
    assert summary["cases"] == 31 == sum(from_json.values())
    sheet = load_workbook(folder / "report.xlsx")["テーマ集計"]
    from_xlsx = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert from_xlsx == from_json
    markdown = (folder / "report.md").read_text("utf-8")
    tally_section = markdown.split("## テーマ別の事例数", 1)[1].split("\n## ", 1)[0]
    from_md = {m[0]: int(m[1]) for m in re.findall(r"^\| (\S+) \| (\d+) \|", tally_section, re.M)}
    assert from_md == from_json
    html = (folder / "report.html").read_text("utf-8")
    for theme, cases in from_json.items():
        assert f"<td>{theme}</td><td class=\"n\">{cases}</td>" in html
    cases = pd.read_csv(folder / "cases.csv", encoding="utf-8-sig", dtype=str)
    assert len(cases) == 31
    assert cases["テーマ"].value_counts().to_dict() == {k: v for k, v in from_json.items() if v}
    flow = load_workbook(folder / "report.xlsx")["データフロー"]
    counts = summary["matrices"]["flow"]["counts"]
    filled = sum(1 for row in flow.iter_rows(min_row=3, min_col=2, values_only=True)
                 for v in row if v)
    assert filled == sum(1 for row in counts for v in row if v)


def test_type_matrix_and_sensitive_flows_in_every_format(sample_report):
    folder, result = sample_report
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    types = summary["matrices"]["types"]
    assert (types["rows"], types["cols"], types["values"]) == ("source_type", "target_type",
                                                             "data_category")
    assert "地域通貨・ポイント" in types["row_labels"]
    rows = [f["row"] for f in summary["sensitive_flows"]]
    assert rows == [5, 19, 20, 21, 26, 31, 32]
    assert summary["sensitive_flows"][0]["categories"] == ["健診結果"]
    markdown = (folder / "report.md").read_text("utf-8")
    section = markdown.split("## 要配慮個人情報を含む流れ", 1)[1].split("\n## ", 1)[0]
    assert section.count("\n| ") - 2 == len(rows)  # heading and rule rows, then one per flow
    sheet = load_workbook(folder / "report.xlsx")["要配慮"]
    assert [r[1] for r in sheet.iter_rows(min_row=3, values_only=True)] == rows
    html = (folder / "report.html").read_text("utf-8")
    assert 'id="sensitive"' in html and "予防接種記録" in html
    assert "要配慮個人情報を含む流れ: 事例 7 件" in result.stdout
    # the type-level matrix in the terminal: its largest cells, ties in taxonomy order (地域通貨
    # before オンデマンド交通), その他 after real types
    lines = result.stdout.split("種別で見た主な流れ", 1)[1].splitlines()[1:6]
    assert [line.strip().split(":")[0] for line in lines[:2]] == [
        "地域通貨・ポイント → データ分析・BI・PDS", "オンデマンド交通・バス・MaaS → 運行管理"]
    assert len(lines) == 5 and all(" → " in line for line in lines)
    assert not any(line.strip().startswith("その他") for line in lines[:2])


def test_workbook_layout(sample_report):
    folder, _ = sample_report
    book = load_workbook(folder / "report.xlsx")
    assert book.sheetnames == ["概要", "事例", "テーマ集計", "代表的なデータ連携", "種別フロー",
                               "データフロー", "データ×連携サービス", "テーマ×共有元", "テーマ×共有先", "要配慮",
                               "その他の集計", "指摘事項"]
    assert book["事例"].freeze_panes == "B2"
    assert book["テーマ集計"]._charts  # the bar chart of the tally
    header = [c.value for c in book["事例"][1]]
    assert header[:8] == ["No", "自治体", "都道府県", "事例名", "①データ共有元サービス", "②流通データ",
                          "③データ共有先サービス", "④データ連携サービス"]
    assert {"テーマ", "副テーマ", "一致した語", "ファイル", "シート", "行", "出典区分"} <= set(header)


def test_deterministic_outputs(sample_report, tmp_path, monkeypatch):
    first, _ = sample_report  # the session's report of the sample, and a second run now
    monkeypatch.chdir(ROOT)  # as the session's report was made
    second = report_folder.write_report(analyze("data/cases.xlsx"), tmp_path / "cases")
    compared = ["summary.json", "report.md", "cases.csv", "report.xlsx", "charts/tally.svg",
                "charts/heatmap.svg", "charts/flow.svg", "charts/flow_health.svg"]
    for name in compared:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_english_and_format_subsets(cli, tmp_path):
    result = cli("analyze", ROOT / "data" / "cases.csv", "--out", tmp_path, "--lang", "en",
                 "--format", "json,md,png")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "cases"
    assert sorted(p.name for p in folder.iterdir()) == ["charts", "report.md", "summary.json"]
    assert not list((folder / "charts").glob("*.svg"))
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["theme_tally"][0]["theme"] == "Tourism / regional economy"
    assert "## Cases by theme" in (folder / "report.md").read_text("utf-8")
    bad = cli("analyze", ROOT / "data" / "cases.csv", "--out", tmp_path, "--format", "pdf")
    assert bad.exit_code == 2 and "xlsx,html,md,json,csv,png,svg" in bad.output


def test_batch_with_a_bad_file(cli, tmp_path):
    inbox = tmp_path / "inventories"
    (inbox / "2024").mkdir(parents=True)
    # the sample's first four cases: three HTML reports with every chart each cost seconds
    sample = (ROOT / "data" / "cases.csv").read_text("utf-8").splitlines(keepends=True)
    (inbox / "2024" / "kumagaya.csv").write_text("".join(sample[:5]), encoding="utf-8")
    write_xlsx(inbox / "aizu.xlsx", {"Sheet1": [JA_HEADER, [1, "会津若松市", "地域ウォレット",
                                                           "アンケートデータ", "クーポン配信",
                                                           "配信クーポンのカスタマイズ"]]})
    (inbox / "broken.xlsx").write_bytes(b"not a workbook")
    (inbox / "~$aizu.xlsx").write_bytes(b"excel lock file")
    out = tmp_path / "reports"
    result = cli("analyze", inbox, "--out", out, "--format", "json,html")
    assert result.exit_code == 1
    assert "broken.xlsx: ブックが壊れているか、読めない形式です（not a valid .xlsx workbook" in result.output
    assert (out / "kumagaya" / "summary.json").exists() and (out / "aizu" / "summary.json").exists()
    assert not (out / "broken").exists()
    combined = json.loads((out / "_combined" / "summary.json").read_text("utf-8"))
    assert combined["cases"] == 5
    assert {r["file"]: r["cases"] for r in combined["tallies"]["file"]} == {
        str(inbox / "2024" / "kumagaya.csv"): 4, str(inbox / "aizu.xlsx"): 1}
    index = (out / "index.html").read_text("utf-8")
    assert 'href="aizu/report.html"' in index and 'href="_combined/report.html"' in index
    assert "ブックが壊れているか、読めない形式です（not a valid .xlsx workbook" in index  # the run's words
    assert "3 件中 1 件は読めませんでした。" in index
    assert "[1/3]" in result.stdout  # plain progress when not a terminal


def test_stamp_adds_the_time_only_when_asked(cli, sample_report, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the session's report of the sample: the same run without --stamp
    result = cli("analyze", "data/cases.xlsx", "--out", tmp_path, "--format", "json,md", "--stamp")
    assert result.exit_code == 0, result.output
    plain = json.loads((sample_report[0] / "summary.json").read_text("utf-8"))
    stamped = json.loads((tmp_path / "cases" / "summary.json").read_text("utf-8"))
    assert "generated" not in plain
    when = stamped.pop("generated")
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", when)
    assert stamped == plain
    assert when in (tmp_path / "cases" / "report.md").read_text("utf-8")
    assert when not in (sample_report[0] / "report.md").read_text("utf-8")


def test_glob_and_exit_codes(cli, tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"S": [JA_HEADER, [1, "市", "A", None, "C", "D"]]})
    result = cli("analyze", tmp_path / "a.xlsx", "--out", tmp_path / "r", "--format", "json")
    assert result.exit_code == 1  # the report is written, but the inventory has an error
    assert (tmp_path / "r" / "a" / "summary.json").exists()
    write_xlsx(tmp_path / "b.xlsx", {"S": [JA_HEADER, [1, "市", "A", "B", "C", "D"]]})
    batch = cli("analyze", tmp_path / "b.xlsx", tmp_path / "a.xlsx", "--out", tmp_path / "r",
                "--format", "json")
    assert batch.exit_code == 1  # in a batch too (it was 0 when no input failed to be read)
    assert "エラー a.xlsx S!D2: " in batch.stdout  # the combined summary names the file
    assert (tmp_path / "r" / "_combined" / "summary.json").exists()
    assert cli("analyze", tmp_path / "nope.xlsx", "--out", tmp_path / "r").exit_code == 2
    none = cli("analyze", str(tmp_path / "*.ods"), "--out", tmp_path / "r")
    assert none.exit_code == 2 and "no files match" in none.output


def test_a_failed_run_leaves_the_previous_report(tmp_path, monkeypatch):
    analysis = analyze(ROOT / "data" / "cases.csv")
    folder = report_folder.write_report(analysis, tmp_path / "cases", formats=("json", "md"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("flowmatrix.render.markdown.report_markdown", broken)
    with pytest.raises(RuntimeError):
        report_folder.write_report(analysis, tmp_path / "cases", formats=("json", "md"))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases"]  # no partial folder left


def test_text_from_the_inventory_is_data(tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", {"S": [JA_HEADER, [
        1, "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "a|b\nc", "@SUM(A1)",
        "<img src=x onerror=alert(1)>"]]}, text_cells={"S": ["C2"]})
    analysis = analyze(path)
    folder = report_folder.write_report(analysis, tmp_path / "out",
                                        formats=("xlsx", "html", "md"))
    html = (folder / "report.html").read_text("utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    markdown = (folder / "report.md").read_text("utf-8")
    assert "a\\|b c" in markdown
    cells = [c for row in load_workbook(folder / "report.xlsx")["事例"].iter_rows() for c in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == []
    assert '=HYPERLINK("http://x")' in [c.value for c in cells]


def test_batch_whose_inventories_have_different_columns(cli, tmp_path):
    # cases.csv has an origin column the other inventory lacks: the combined workbook and CSV
    # show it empty for that inventory's cases (it once failed on the missing values)
    inbox = tmp_path / "inventories"
    inbox.mkdir()
    (inbox / "kumagaya.csv").write_bytes((ROOT / "data" / "cases.csv").read_bytes())
    write_xlsx(inbox / "aizu.xlsx", {"Sheet1": [JA_HEADER, [1, "会津若松市", "地域ウォレット",
                                                           "アンケートデータ", "クーポン配信",
                                                           "配信クーポンのカスタマイズ"]]})
    out = tmp_path / "reports"
    result = cli("analyze", inbox, "--out", out, "--format", "xlsx,csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(
        (out / "_combined" / "cases.csv").read_text("utf-8-sig"))))
    origins: dict[str, set] = {}
    for r in rows:
        origins.setdefault(r["ファイル"].rsplit("/", 1)[-1], set()).add(r["origin"])
    assert origins == {"aizu.xlsx": {""}, "kumagaya.csv": {"article", "illustrative"}}
    book = load_workbook(out / "_combined" / "report.xlsx", read_only=True)
    assert book.sheetnames[1] == "事例" and book["事例"].max_row == 33


@pytest.mark.parametrize(("formats", "page"), [("md,json", "report.md"), ("json", "")])
def test_the_batch_index_links_the_pages_that_were_written(cli, tmp_path, formats, page):
    (tmp_path / "in").mkdir()
    for name in ("a", "b"):
        write_xlsx(tmp_path / "in" / f"{name}.xlsx", {"Sheet1": [
            JA_HEADER, [1, "市", "アプリ", "購買履歴", "分析基盤", "商店街振興", "観光"]]})
    result = cli("analyze", tmp_path / "in", "--format", formats, "--out", tmp_path / "out",
                 "--quiet")
    assert result.exit_code == 0, result.output
    index = (tmp_path / "out" / "index.html").read_text("utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert links == [f"_combined/{page}", f"a/{page}", f"b/{page}"]
    assert all((tmp_path / "out" / link).exists() for link in links)


def test_a_batch_report_is_the_report_of_that_input_alone(cli, tmp_path):
    """A batch prepares drawing once in its own process (render/charts.prepare), so the
    workers it forks for each report start with matplotlib and the font loaded: the charts
    they draw are the same bytes as a single run's."""
    sample = (ROOT / "data" / "cases.csv").read_text("utf-8").splitlines(keepends=True)
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name, rows in (("a", sample[:8]), ("b", sample[:1] + sample[8:12])):
        (inbox / f"{name}.csv").write_text("".join(rows), encoding="utf-8")
    both, alone = tmp_path / "batch", tmp_path / "alone"
    assert cli("analyze", inbox, "--out", both, "--format", "svg,md").exit_code == 0
    assert cli("analyze", inbox / "a.csv", "--out", alone, "--format", "svg,md").exit_code == 0
    charts = sorted(p.name for p in (alone / "a" / "charts").iterdir())
    assert charts and charts == sorted(p.name for p in (both / "a" / "charts").iterdir())
    for name in [*(f"charts/{c}" for c in charts), "report.md"]:
        assert (both / "a" / name).read_bytes() == (alone / "a" / name).read_bytes(), name


def test_preparing_to_draw_finds_the_japanese_font(recwarn):
    from flowmatrix.render.charts import prepare

    prepare()
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


@pytest.mark.parametrize(("inputs", "formats", "prepared"), [
    (2, "svg,md", 1), (1, "svg,md", 0), (2, "json,md", 0)])
def test_a_batch_prepares_drawing_once_and_only_to_draw(cli, tmp_path, monkeypatch, inputs,
                                                        formats, prepared):
    """render/charts.prepare runs once a batch (its reports' workers are forked after it),
    never for a single input (whose process does not draw) or a batch without charts."""
    import flowmatrix.render.charts as charts
    from flowmatrix.processes import FORKS

    calls = []
    monkeypatch.setattr(charts, "prepare", lambda: calls.append(1))
    sample = (ROOT / "data" / "cases.csv").read_text("utf-8").splitlines(keepends=True)
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i in range(inputs):
        (inbox / f"c{i}.csv").write_text("".join(sample[:1] + sample[1 + 3 * i:4 + 3 * i]),
                                         encoding="utf-8")
    assert cli("analyze", inbox, "--out", tmp_path / "out", "--format", formats).exit_code == 0
    assert len(calls) == (prepared if FORKS else 0)
