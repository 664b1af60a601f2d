"""The everyday situations of a Japanese Windows desk (issue 15): a cp932 console or output
redirected to a file, Japanese throughout in --lang ja, a workbook that prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "cases.xlsx"


def run_cp932(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """The command with stdout and stderr redirected to files, as `> 結果.txt` does on a
    Japanese Windows console: Python then writes them in cp932."""
    env = {**os.environ, "PYTHONIOENCODING": "cp932"}
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as o, err.open("wb") as e:
        code = subprocess.run([sys.executable, "-m", "flowmatrix", *args], stdout=o, stderr=e,
                              env=env, cwd=tmp_path, timeout=120).returncode
    return code, out.read_bytes().decode("cp932"), err.read_bytes().decode("cp932")


@pytest.mark.parametrize(("command", "shown"), [
    (["validate"], "31 "), (["analyze", "--format", "json"], "観光／地域経済活性化"),
    (["tally"], "防災／防犯"), (["flows"], "モビリティ")])
def test_a_cp932_console_gets_the_output_and_the_jobs_exit_code(tmp_path, command, shown):
    code, out, err = run_cp932(tmp_path, command[0], str(SAMPLE), *command[1:])
    assert code == 0, err
    assert "Traceback" not in err and "internal error" not in err
    text = out + err
    assert shown in text
    if command[0] == "validate":
        assert text.startswith("OK ")  # ✓ has no cp932 code: the plain form stands in


def test_a_cp932_console_gets_tables_whose_borders_line_up(tmp_path):
    """✓ has no cp932 code and is printed OK, one column wider: rich measured the ✓ and the
    border of its row stood out by one."""
    import unicodedata

    code, out, err = run_cp932(tmp_path, "themes", "--kind", "data")
    assert (code, err) == (0, "")
    rows = [line for line in out.splitlines() if line.startswith("|")]
    widths = {sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
              for line in rows}
    assert len(rows) > 10 and "OK" in out and len(widths) == 1, widths


def test_a_cp932_console_gets_the_help(tmp_path):
    """The help holds — and · (no cp932 code): it ended in 内部エラー there until 2026-12."""
    for args in (["--help"], ["analyze", "--help"]):
        code, out, err = run_cp932(tmp_path, *args)
        assert (code, err) == (0, ""), args
        assert "分析と報告書" in out and "Exit codes" in out


def _ascii_words(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z][A-Za-z_]{2,}", text))


def test_a_usage_error_is_said_in_the_asked_language(entry_point, monkeypatch):
    """A mistyped option was click's English alone ("Error: No such option"), whatever the
    language: now the usage line, a hint and the error, in Japanese unless English is asked
    for (by --lang, even after the mistake, or FLOWMATRIX_LANG)."""
    code, out, err = entry_point("tally", SAMPLE, "--bogus")
    assert (code, out) == (2, "")
    assert err.startswith("Usage: flowmatrix tally [OPTIONS] ") and "FILE" in err.split("\n")[0]
    assert "「flowmatrix tally --help」で使い方を表示します。" in err
    assert "エラー: 指定に誤りがあります（No such option" in err and "--bogus" in err
    code, _, err = entry_point("matrix", SAMPLE, "--top", "0", "--lang", "en")
    assert code == 2 and "error: Invalid value for '--top': 0 is not in the range x>=1" in err
    assert "Try 'flowmatrix matrix --help' for help." in err and "エラー" not in err
    monkeypatch.setenv("FLOWMATRIX_LANG", "en")
    assert "error: No such command 'talley'" in entry_point("talley", SAMPLE)[2]
    code, out, err = entry_point()  # no command: the help, as a usage error
    assert code == 2 and "Commands:" in out
    from flowmatrix import __version__

    assert entry_point("--version")[:2] == (0, f"flowmatrix {__version__}\n")
    import flowmatrix

    def input_ended(*args, **kwargs):
        raise EOFError  # what typer turns into Abort (input that ended), outside its own mode

    monkeypatch.setattr(flowmatrix, "load_taxonomy", input_ended)
    code, _, err = entry_point("themes")
    assert code == 1 and "Aborted." in err and "internal error" not in err


def test_a_japanese_report_has_no_english_words_but_the_inventorys(sample_report):
    """Every word of report.xlsx, report.html and report.md in --lang ja comes from the
    catalogue in Japanese; Latin letters appear only where the inventory has them (LINE, MaaS,
    Tableau …), in matched terms, and in file names."""
    import html
    import re

    from openpyxl import load_workbook

    from flowmatrix import load_taxonomies, read_inventory
    from flowmatrix.settings import DEFAULTS

    folder, _ = sample_report
    inventory = read_inventory(SAMPLE)
    allowed = {"data", "cases", "xlsx", "csv", "png", "svg", "report", "charts", "html"}
    for row in inventory.cases.astype(str).itertuples(index=False):
        for value in row:
            allowed |= _ascii_words(value) | _ascii_words(value.lower())
    taxonomies = load_taxonomies(DEFAULTS)
    for kind in ("theme", "service_type", "data_category", "value_type"):
        for entry in taxonomies.of_kind(kind).themes:
            for term in entry.terms:
                allowed |= _ascii_words(term.text)
            allowed |= _ascii_words(entry.ja)  # a Japanese label may hold IoT, BI, PDS
    book = load_workbook(folder / "report.xlsx", read_only=True)
    seen = {}
    for sheet in book:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    for word in _ascii_words(value) - allowed:
                        seen.setdefault(word, f"report.xlsx {sheet.title}: {value[:60]}")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", (folder / "report.html").read_text(),
                  flags=re.S)
    page = html.unescape(re.sub(r"<[^>]*>", " ", page))
    for word in _ascii_words(page) - allowed:
        seen.setdefault(word, "report.html")
    markdown = re.sub(r"\]\([^)]*\)", "]", (folder / "report.md").read_text())  # link targets
    for word in _ascii_words(markdown) - allowed:
        seen.setdefault(word, "report.md")
    assert not seen, seen


def test_no_year_sheet_section_without_a_year_column_and_english_lists_in_english(cli, tmp_path):
    """An inventory without 年度 gets no 年度別 tally (it was one row "（空欄） 2"); in --lang en
    the items of a cell are joined with ", ", not "、"."""
    import json

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["共有元サービス", "流通データ", "共有先サービス", "データ連携サービス", "自治体"])
    sheet.append(["公式LINE", "住所・氏名", "防災アプリ", "避難支援", "A市"])
    sheet.append(["地域通貨", "購買履歴/ポイント履歴", "クーポン配信", "クーポン配信", "B町"])
    path = tmp_path / "inv.xlsx"
    book.save(path)
    result = cli("analyze", path, "--out", tmp_path / "r", "--format", "json,md", "--lang", "en",
                 "--quiet")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "r" / "inv" / "summary.json").read_text())
    assert "fiscal_year" not in summary["tallies"] and "municipality" in summary["tallies"]
    markdown = (tmp_path / "r" / "inv" / "report.md").read_text()
    assert "By fiscal year" not in markdown and "By municipality" in markdown
    assert "、" not in markdown.split("## Findings")[0]


def test_the_report_workbook_is_set_up_for_paper(sample_report):
    """Every sheet: A4, one page wide, file/sheet/page in the footer; the summary and the
    tally with its chart on one page; header rows repeated; the cases sheet filters; rows of
    wrapped text tall enough to show it (LibreOffice clips them otherwise)."""
    from openpyxl import load_workbook

    folder, _ = sample_report
    book = load_workbook(folder / "report.xlsx")
    for sheet in book:
        setup = sheet.page_setup
        assert setup.paperSize == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (setup.fitToWidth or 1) == 1, sheet.title  # absent means 1 in OOXML
        assert "&P" in sheet.oddFooter.right.text and "&F" in sheet.oddFooter.left.text
    assert (book["概要"].page_setup.fitToHeight or 1) == 1
    assert book["概要"].page_setup.orientation != "landscape"
    assert (book["テーマ集計"].page_setup.fitToHeight or 1) == 1
    assert book["テーマ集計"].page_setup.orientation == "landscape"
    cases = book["事例"]
    assert cases.print_title_rows == "$1:$1"
    assert cases.auto_filter.ref == f"A1:{cases.cell(1, cases.max_column).column_letter}32"
    assert cases.page_setup.orientation == "landscape" and cases.page_setup.fitToHeight == 0
    # a case whose ④ needs three lines in its column gets three lines' height
    tall = [row for row in range(2, 33) if (cases.row_dimensions[row].height or 0) >= 30]
    assert len(tall) >= 10
    types = book["種別フロー"]
    assert types.print_title_rows == "$1:$2" and types.print_title_cols == "$A:$A"


def test_the_html_report_explains_itself_and_reads_on_a_phone(sample_report):
    """A 読み方 section right after the summary says how themes and types are assigned, what
    副テーマを含む事例数 counts and why flow charts show 0.5; the page has phone and print
    styles, and tables scroll sideways instead of wrapping a character per line."""
    folder, _ = sample_report
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.index('id="summary"') < page.index('id="guide"') < page.index('id="tally"')
    guide = page[page.index('id="guide"'):page.index('id="tally"')]
    for phrase in ("記載テーマ", "キーワード", "副テーマを含む事例数", "0.5", "法的な判断ではありません"):
        assert phrase in guide
    assert "@media (max-width:640px)" in page and "@media print" in page
    assert "td{min-width:5em" in page and ".scroll{overflow-x:auto" in page


def test_tally_by_the_inventorys_own_header_or_an_alias(cli):
    """`--by 自治体名` (an alias of the sample's 自治体 column), `--by 年度` (its header as
    written) and `--by municipality` count the same; a misspelt name gets the nearest one and
    the choices as the inventory wrote them."""
    import json

    def tally(*args):
        result = cli("tally", SAMPLE, "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["tally"]

    assert tally("--by", "自治体名") == tally("--by", "municipality") == tally("--by", "自治体")
    assert tally("--by", "年度") == tally("--by", "fiscal_year")
    assert tally("--by", "出典 区分")[0]["出典区分"] == "例示"
    bad = cli("tally", SAMPLE, "--by", "自治休")
    assert bad.exit_code == 2
    assert "「自治体」ではありませんか" in bad.output and "年度 (fiscal_year)" in bad.output
    assert cli("tally", SAMPLE, "--cross", "自治体名").exit_code == 0


def test_a_misspelt_file_gets_the_nearest_name_and_a_lock_file_is_explained(cli, tmp_path):
    import shutil

    shutil.copy(SAMPLE, tmp_path / "事例一覧2024.xlsx")
    (tmp_path / "~$事例一覧2024.xlsx").write_bytes(b"\x00" * 165)  # what Excel leaves beside it
    typo = cli("validate", tmp_path / "事例一覧2023.xlsx")
    assert typo.exit_code == 2 and "ファイルが見つかりません" in typo.output
    assert "事例一覧2024.xlsx」ではありませんか" in typo.output
    assert "did you mean" in cli("validate", tmp_path / "事例一覧2023.xlsx", "--lang", "en").output
    lock = cli("validate", tmp_path / "~$事例一覧2024.xlsx", "--lang", "en")
    assert lock.exit_code == 2 and "lock file Excel keeps while" in lock.output
    assert "renamed" not in lock.output
    assert "ロックファイル" in cli("validate", tmp_path / "~$事例一覧2024.xlsx").output
    assert "ではありませんか" not in cli("validate", tmp_path / "zzz.xlsx").output


def test_terminal_lines_follow_the_language(cli, tmp_path):
    ja = cli("classify", SAMPLE, "-o", tmp_path / "c.csv")
    assert ja.exit_code == 0 and "c.csv を書き出しました（事例 31 件）" in ja.output
    en = cli("classify", SAMPLE, "-o", tmp_path / "c.csv", "--lang", "en")
    assert en.exit_code == 0 and "c.csv (31 cases)" in en.output and "事例" not in en.output
    tally = cli("tally", SAMPLE, "--lang", "en")
    assert "Cases incl. secondary" in tally.output and "31 cases" in tally.output
    assert "事例 31 件" in cli("tally", SAMPLE).output


def test_findings_read_in_japanese_in_a_japanese_report(cli, tmp_path):
    """An inventory with one of each common problem: the 指摘事項 of the Japanese report say
    each in Japanese (the codes stay as ids); the English report keeps the English words."""
    import re

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["No", "共有元サービス", "流通データ", "共有先サービス", "データ連携サービス",
                  "テーマ", "データ分類", "同意"])
    rows = [
        [1, "介護支援アプリ", "安否情報", "防災アプリ", "避難行動支援", "行政", "", "済"],
        [1, "公式LINE", "住所", "", "通知", "", "", ""],           # id again, no ③
        [3, "地域通貨", "購買履歴", "クーポン配信", "クーポン", "宇宙", "購買", "済"],
        [4, "地域通貨", "購買履歴", "クーポン配信", "クーポン", "", "謎の分類", "済"],
        [5, "地域通貨", "購買履歴", "クーポン配信", "クーポン", "", "", "済"],
        [6, "健診システム", "特定健診結果", "保健指導", "健康指導", "", "", ""],
        [7, "〃", "#N/A", "分析基盤", "効果測定", "", "", "済"],
    ]
    for row in rows:
        sheet.append(row)
    path = tmp_path / "inv.xlsx"
    book.save(path)
    for lang in ("ja", "en"):
        cli("analyze", path, "--out", tmp_path / lang, "--format", "json,md", "--lang", lang,
            "--quiet")
    summary = (tmp_path / "ja" / "inv" / "summary.json").read_text(encoding="utf-8")
    codes = set(re.findall(r'"code": "([a-z-]+)"', summary))
    assert {"duplicate-case-id", "missing-element", "unknown-theme", "theme-disagrees",
            "unknown-item-type", "suspicious-cell", "sensitive-without-consent",
            "duplicate-case"} <= codes
    ja = (tmp_path / "ja" / "inv" / "report.md").read_text(encoding="utf-8")
    findings = ja.split("## 指摘事項")[1]
    lines = [line for line in findings.splitlines() if line.startswith("| ") and "エラー" in line
             or "警告" in line]
    assert len(lines) >= len(codes) - 1
    for line in lines:
        message = line.split(" | ")[3]
        english = [w for w in _ascii_words(message)
                   if w not in {"themes", "kind", "data", "FILE", "flowmatrix", "Excel"}]
        assert not english, line
    en = (tmp_path / "en" / "inv" / "report.md").read_text(encoding="utf-8")
    assert "is used by 2 rows" in en and "the case has no" in en


def test_errors_are_said_in_the_commands_language(cli, tmp_path, monkeypatch):
    """The everyday errors — a misspelt file, a lock file, a file that is no inventory, a
    workbook without the four columns, an unknown theme — in Japanese by default, in English
    with --lang en or FLOWMATRIX_LANG=en."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["事例名", "共有元サービス", "メモ"])
    book.active.append(["x", "y", "z"])
    book.save(tmp_path / "no_columns.xlsx")
    (tmp_path / "notes.md").write_text("# notes", encoding="utf-8")
    cases = [
        (["tally", tmp_path / "cases2024.xlsx"], 2, "ファイルが見つかりません", "file not found"),
        (["tally", tmp_path / "notes.md"], 2, "読めない種類のファイルです（.md）",
         "unsupported file type"),
        (["tally", tmp_path / "no_columns.xlsx"], 1, "必要な要素の列がありません：②流通データ",
         "required element columns missing"),
        (["flows", SAMPLE, "--theme", "宇宙"], 2, "--theme「宇宙」というテーマはありません",
         "--theme '宇宙': choose one of"),
    ]
    for args, code, ja, en in cases:
        result = cli(*args)
        assert result.exit_code == code and "エラー:" in result.output and ja in result.output, \
            result.output
        english = cli(*args, "--lang", "en")
        assert english.exit_code == code and en in english.output
        assert "エラー" not in english.output
    monkeypatch.setenv("FLOWMATRIX_LANG", "en")
    assert "file not found" in cli("tally", tmp_path / "cases2024.xlsx").output


def test_help_shows_flags_as_flags_and_names_each_command_in_japanese(cli):
    top = cli("--help")
    assert "台帳の検査：" in top.output and "分析と報告書：" in top.output
    assert "台帳の比較：" in top.output and "名寄せ：" in top.output
    for command in ("analyze", "validate", "tally", "classify"):
        text = cli(command, "--help").output
        assert "<bool>" not in text and "--help" in text, command
    assert "FLOWMATRIX_LANG" in cli("analyze", "--help").output


def test_an_error_without_its_own_japanese_words_leads_in_japanese(cli, tmp_path):
    """A rarer error (broken JSON) names its kind in Japanese before the exact details."""
    (tmp_path / "bad.json").write_text('{"a": [', encoding="utf-8")
    result = cli("tally", tmp_path / "bad.json")
    assert result.exit_code == 2
    assert "bad.json: JSON として読めません（invalid JSON at line 1" in result.output


def test_an_encoding_error_says_what_was_wrong_in_japanese(cli, tmp_path):
    """"文字コードを判別できません（--encoding で指定できます）" was said even of the --encoding
    given: each case now has its own words."""
    path = tmp_path / "latin.csv"
    path.write_bytes("source service,data,target service,linked service\ncafé,é,à,ü\n"
                     .encode("latin-1"))
    said = {args: cli("tally", path, *args).output for args in
            ((), ("--encoding", "nope"), ("--encoding", "ascii"))}
    assert "UTF-8 でも cp932（Shift_JIS）でもありません" in said[()]
    assert "文字コード「nope」はありません" in said[("--encoding", "nope")]
    assert "ascii として読めません（54 バイト目が" in said[("--encoding", "ascii")]


def test_a_missing_alias_file_is_named_in_japanese(cli, tmp_path):
    result = cli("tally", SAMPLE, "--aliases", tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert "nope.toml: 名寄せの対応表（--aliases）に誤りがあります（file not found）" in result.output


def test_matrix_rows_and_cols_by_the_inventorys_headers(cli):
    """`--rows 自治体名 --cols テーマ` is `--rows municipality --cols theme`."""
    import json

    def matrix(*args):
        result = cli("matrix", SAMPLE, "--values", "count", "--format", "json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert matrix("--rows", "自治体名", "--cols", "テーマ") == \
        matrix("--rows", "municipality", "--cols", "theme")
    assert matrix("--rows", "共有元サービス")["rows"] == "source_service"
    bad = cli("matrix", SAMPLE, "--rows", "自治休")
    assert bad.exit_code == 2 and "--rows「自治休」という列はありません" in bad.output
