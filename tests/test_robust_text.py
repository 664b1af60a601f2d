"""Text-format readers under quirks and attacks (#14): CSV/TSV quotes, delimiters, blank lines
and wide lines; JSON keys and numbers; encodings; pipes; .xls files that are really HTML or
text; Excel error values in cells. Each case: exit code, message phrase and case count."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from test_bad_input import run

HEADER = ["No", "自治体", "①データ共有元サービス", "②流通データ", "③データ共有先サービス", "④データ連携サービス"]


def case_lines(n, delimiter=","):
    return [delimiter.join([str(i), "市", f"A{i}", f"B{i}", f"C{i}", f"D{i}"]) for i in range(1, n + 1)]


def write_csv(path, lines, encoding="utf-8"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def cases(cli, path, *args):
    """validate as JSON: (exit code, number of cases read)."""
    result = run(cli, path, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    (entry,) = json.loads(result.stdout)["files"]
    return result.exit_code, entry["cases"]


def refused(cli, path, *args):
    result = run(cli, path, *args)
    assert result.exit_code == 2, result.output
    assert str(path) in result.output
    return " ".join(result.output.split())  # rich may wrap a long message


def peak_memory_mib(code: str) -> float:
    """Peak resident memory of a child Python running `code` with this worktree's flowmatrix."""
    probe = (f"{code}\nimport resource\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    return float(out.split()[-1])


# --- 1. a quote that runs past a line end ---------------------------------------------------------

@pytest.mark.parametrize("broken", ['7,市,"A7,B7,C7,D7', '7,市,A7,B7,C7,"D7'])
def test_an_unclosed_quote_is_refused_at_its_line_not_read_as_one_cell(cli, tmp_path, broken):
    lines = [",".join(HEADER), *case_lines(31)]
    lines[7] = broken  # data row 7 is line 8
    message = refused(cli, write_csv(tmp_path / "quote.csv", lines))
    assert 'line 8: a quote (") opens a cell here that runs on to line 32' in message
    assert "24 lines after it that look like rows of their own" in message
    assert "Close the quote on line 8" in message


def test_an_unclosed_quote_is_refused_in_a_csv_whose_lines_end_in_cr_alone(cli, tmp_path):
    """Excel's "CSV (Macintosh)": the delimiter was guessed from LF-ended lines, so the file
    was one line, the check never fired, and cases 8 to 31 vanished into one cell."""
    lines = [",".join(HEADER), *case_lines(31)]
    lines[7] = '7,市,A7,B7,C7,"D7'
    path = tmp_path / "mac.csv"
    path.write_bytes(("\r".join(lines) + "\r").encode("utf-8"))
    message = refused(cli, path)
    assert 'line 8: a quote (") opens a cell here that runs on to line 32' in message


def test_a_quoted_cell_with_line_breaks_is_still_one_cell(cli, tmp_path):
    lines = [",".join(HEADER), *case_lines(3), '4,市,"A4\nA4b","B4, b, c","C4",D4']
    assert cases(cli, write_csv(tmp_path / "multi.csv", lines)) == (0, 4)


# --- 2. the delimiter is guessed from several lines ----------------------------------------------

def test_a_tab_separated_csv_with_a_title_line(cli, tmp_path):
    lines = ["事例一覧（令和6年度, 速報）", "", "\t".join(HEADER), *case_lines(31, "\t")]
    assert cases(cli, write_csv(tmp_path / "title.csv", lines, "cp932")) == (0, 31)


# --- 3. bounded by content: wide empty lines, blank lines and the row limit ---------------------

def test_a_line_of_millions_of_commas_costs_nothing(tmp_path):
    path = write_csv(tmp_path / "commas.csv",
                     [",".join(HEADER), *case_lines(6), "," * 8_000_000, *case_lines(2)])
    peak = peak_memory_mib("from flowmatrix.io.inventory import read_inventory\n"
                           f"assert len(read_inventory({str(path)!r})) == 8")
    assert peak < 600  # 1.5 GB before


def test_a_million_blank_lines_and_31_cases_are_31_cases(cli, tmp_path):
    """Blank lines after the cases (an export of a used range); between cases they cost a
    pointer each, see the next test."""
    lines = [",".join(HEADER), *case_lines(31), *[""] * 1_000_000]
    assert cases(cli, write_csv(tmp_path / "blank.csv", lines)) == (0, 31)


def test_the_row_limit_counts_cases(cli, tmp_path):
    """Blank rows and the header are no cases (#17: the header line was counted)."""
    path = write_csv(tmp_path / "blank.csv", [",".join(HEADER), *[""] * 1_000, *case_lines(31)])
    assert cases(cli, path, "--max-rows", "31") == (0, 31)
    message = refused(cli, path, "--max-rows", "30")
    assert "事例が 31 件あり、上限の 30 件を超えています" in message


def test_a_file_of_blank_lines_is_refused(cli, tmp_path):
    path = write_csv(tmp_path / "newlines.csv", [",".join(HEADER), *[""] * 3_000_000, "1,市,A,B,C,D"])
    assert "3,000,000 blank rows before line 3,000,002 and only 2 with content" in refused(cli, path)


def test_a_runaway_quote_in_a_tsv(cli, tmp_path):
    lines = ["\t".join(HEADER), *case_lines(10, "\t")]
    lines[3] = '3\t市\t"A3\tB3\tC3\tD3'
    assert 'line 4: a quote (")' in refused(cli, write_csv(tmp_path / "quote.tsv", lines))


# --- 4. JSON: keys in linear time and bounded memory, integers past Python's limit ------------

ELEMENTS = {"source_service": "A", "data": "B", "target_service": "C", "linked_service": "D"}


def write_json(path, records):
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_with_many_keys_in_one_record_is_refused_with_the_count(cli, tmp_path):
    path = write_json(tmp_path / "keys.json", [{**ELEMENTS, **{f"k{j}": 1 for j in range(120_000)}}])
    message = refused(cli, path)
    assert "the records use 120,004 different keys, over the limit of 1,024" in message


def test_json_records_each_with_their_own_key_are_refused(cli, tmp_path):
    path = write_json(tmp_path / "own.json", [{**ELEMENTS, f"k{i}": 1} for i in range(8_000)])
    assert "the records use 8,004 different keys, over the limit of 1,024" in refused(cli, path)


def test_json_records_with_scattered_keys_are_refused_in_bounded_memory(tmp_path):
    """Under the key limit, but as a table mostly holes: 20,000 rows of 1,004 columns."""
    records = [{**ELEMENTS, f"k{i % 1_000}": 1} for i in range(20_000)]
    path = write_json(tmp_path / "scattered.json", records)
    peak = peak_memory_mib(
        "from flowmatrix.io.inventory import read_inventory\n"
        "from flowmatrix.errors import InputFileError\n"
        f"try:\n    read_inventory({str(path)!r})\nexcept InputFileError as exc:\n"
        "    assert 'most of them in few records' in exc.message, exc.message\n"
        "    assert 'cells for 100,000 values' in exc.message, exc.message\n"
        "else:\n    raise AssertionError('read')")
    assert peak < 500


def test_json_with_a_thousand_keys_is_read(cli, tmp_path):
    records = [{**ELEMENTS, **{f"k{j}": j for j in range(1_000)}} for _ in range(50)]
    assert cases(cli, write_json(tmp_path / "wide.json", records)) == (0, 50)


def test_a_5001_digit_case_id_is_read_as_text(cli, tmp_path):
    from flowmatrix.io.inventory import read_inventory

    path = tmp_path / "id.json"
    path.write_text('[{"case_id": ' + "9" * 5001 + ', "source_service": "A", "data": "B", '
                    '"target_service": "C", "linked_service": "D", "fiscal_year": 2024}]',
                    encoding="utf-8")
    assert cases(cli, path) == (0, 1)
    case = read_inventory(path).cases.iloc[0]
    assert (case["case_id"], case["fiscal_year"]) == ("9" * 5001, "2024")


# --- 5. --encoding that is not a text encoding ---------------------------------------------------

@pytest.mark.parametrize("codec", ["rot13", "zlib", "base64"])
def test_an_encoding_that_is_not_text_is_a_usage_error(cli, tmp_path, codec):
    path = write_csv(tmp_path / "cases.csv", [",".join(HEADER), *case_lines(3)])
    message = refused(cli, path, "--encoding", codec)
    assert f"--encoding {codec} is not a text encoding; use utf-8, cp932" in message


def test_a_text_encoding_is_still_used(cli, tmp_path):
    header = ",".join(HEADER).translate(str.maketrans("", "", "①②③④"))  # not in EUC-JP
    path = write_csv(tmp_path / "cases.csv", [header, *case_lines(3)], "euc_jp")
    assert cases(cli, path, "--encoding", "euc_jp") == (0, 3)


# --- 6. pipes, devices and sockets are refused before they are opened ---------------------------

def test_a_named_pipe_is_refused_without_waiting(english_messages, tmp_path):
    import os

    fifo = tmp_path / "cases.csv"
    os.mkfifo(fifo)
    # A child, so that a regression blocks the child (killed by the timeout), not the suite.
    result = subprocess.run([sys.executable, "-m", "flowmatrix", "validate", str(fifo)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert f"{fifo}: is not a regular file (a pipe, device or socket)" in " ".join(
        result.stderr.split() + result.stdout.split())


def test_a_device_is_refused(english_messages, cli):
    assert "is not a regular file" in refused(cli, "/dev/zero")


# --- 7. an .xls that is really an HTML page or text ----------------------------------------------

def html_page(charset: str, rows: str) -> str:
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            "</head><body><h2>事例一覧</h2><table border=1>\n<tr>"
            + "".join(f"<th>{h.replace('サービス', '<br>サービス')}</th>" for h in HEADER)
            + f"</tr>\n{rows}</table><table><tr><td>集計</td></tr></table></body></html>")


def test_an_xls_that_is_an_html_table_in_cp932_is_read(cli, tmp_path):
    from flowmatrix.io.inventory import read_inventory

    rows = ('<tr><td>1</td><td rowspan="2">髙松市</td><td>地域通貨&amp;ポイント</td><td>購買履歴</td>'
            "<td>健康アプリ</td><td>健康ポイント</td></tr>\n"
            "<tr><td>2</td><td>バス</td><td>運行情報</td><td>MaaS</td><td>①乗換案内</td></tr>\n"
            + "".join(f"<tr>{''.join(f'<td>{v}</td>' for v in line.split(','))}</tr>\n"
                      for line in case_lines(30)[2:]))
    path = tmp_path / "export.xls"
    path.write_bytes(html_page("Shift_JIS", rows).encode("cp932"))
    assert cases(cli, path) == (0, 30)
    inventory = read_inventory(path)
    assert list(inventory.cases["municipality"][:3]) == ["髙松市", "髙松市", "市"]
    assert inventory.cases["source_service"][0] == "地域通貨&ポイント"
    assert inventory.cases["linked_service"][1] == "①乗換案内"


def test_an_xls_that_is_an_html_table_in_utf8_is_read(cli, tmp_path):
    rows = "".join(f"<tr>{''.join(f'<td>{v}</td>' for v in line.split(','))}</tr>"
                   for line in case_lines(5))
    path = tmp_path / "export.xls"
    path.write_text(html_page("utf-8", rows), encoding="utf-8")
    assert cases(cli, path) == (0, 5)


def test_an_xls_that_is_tab_separated_text_is_read(cli, tmp_path):
    path = write_csv(tmp_path / "export.xls", ["\t".join(HEADER), *case_lines(12, "\t")], "cp932")
    assert cases(cli, path) == (0, 12)


@pytest.mark.parametrize("content, phrase", [
    ("<html><body><p>ログインしてください</p></body></html>", "is an HTML page without a table"),
    ('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
     "</Workbook>", "is an XML Spreadsheet 2003 file"),
    ("<table>" + '<tr><td colspan="1000">x</td><td>y</td></tr>' * 2_000 + "</table>",
     "make over 1,000,998 empty cells for 2,003 cells of text"),
])
def test_an_xls_page_that_is_not_an_inventory_table_is_refused(cli, tmp_path, content, phrase):
    path = tmp_path / "page.xls"
    path.write_text(content, encoding="utf-8")
    message = refused(cli, path)
    assert phrase in message and "Cfb error" not in message


def test_a_damaged_xls_is_still_reported_as_a_workbook(cli, tmp_path):
    path = tmp_path / "damaged.xls"
    path.write_bytes(bytes(range(256)) * 4)
    assert "cannot read the workbook (corrupt or truncated?)" in refused(cli, path)


# --- 8. Excel error values are one item, and still reported ------------------------------------

@pytest.mark.parametrize("cell, items", [
    ("#N/A", ("#N/A",)), ("＃Ｎ／Ａ", ("#N/A",)), ("#DIV/0!", ("#DIV/0!",)),
    ("#REF!/#NAME?", ("#REF!", "#NAME?")), ("購買データ/#N/A、#GETTING_DATA", ("購買データ", "#N/A", "#GETTING_DATA")),
    ("#NULL!;#NUM!;#VALUE!", ("#NULL!", "#NUM!", "#VALUE!")), ("運行情報/利用履歴", ("運行情報", "利用履歴")),
])
def test_an_excel_error_value_is_one_item(cell, items):
    from flowmatrix.io.text import split_items

    assert split_items(cell) == items


def test_an_error_value_in_a_csv_is_one_item_and_a_finding(cli, tmp_path):
    from flowmatrix.io.inventory import read_inventory

    path = write_csv(tmp_path / "errors.csv", [",".join(HEADER), "1,市,A,#N/A,C,D", "2,市,A,#DIV/0!,C,D"])
    assert list(read_inventory(path).cases["data_items"]) == [("#N/A",), ("#DIV/0!",)]
    result = run(cli, path)
    assert result.exit_code == 0 and "事例 2 件" in result.output
    assert "D2: 警告 [suspicious-cell]" in result.output
    assert "Excel のエラー値「#N/A」があります" in result.output


def test_cached_error_values_in_an_xlsx_are_one_item():
    from conftest import FIXTURES

    from flowmatrix.io.inventory import read_inventory

    cases = read_inventory(FIXTURES / "formula_errors.xlsx").cases
    assert list(cases["data_items"]) == [("購買データ",), ("#N/A",)]
    assert list(cases["source_service_items"]) == [("#DIV/0!",), ("バスアプリ",)]


def test_a_runaway_quote_that_swallows_one_row(cli, tmp_path):
    lines = [",".join(HEADER), *case_lines(31)]
    lines[30] = '30,市,A30,B30,C30,"D30'
    message = refused(cli, write_csv(tmp_path / "quote.csv", lines))
    assert "line 31: a quote" in message and "a line after it that looks like a row" in message


def test_a_stray_tab_in_a_quoted_multiline_field_does_not_make_a_csv_a_tsv(tmp_path):
    """Found by test_properties: physical lines split a quoted record, and the two halves'
    tabs outvoted the commas of every line, so the header was not found."""
    import flowmatrix
    from flowmatrix.io.delimited import guess_delimiter

    text = ("No,自治体,①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス\n"
            '1,A市,アプリ\t1,"購買\n履歴",\tポータル,分析\n')
    assert guess_delimiter(text)[0] == ","
    path = tmp_path / "tab.csv"
    path.write_text(text, encoding="utf-8")
    assert len(flowmatrix.read_inventory(path)) == 1


def test_excels_sep_line_names_the_delimiter_and_is_not_a_row(cli, tmp_path):
    """Excel reads "sep=;" as the delimiter and hides the line: rows were numbered one too
    high, and a semicolon CSV was refused."""
    path = tmp_path / "semicolon.csv"
    path.write_bytes(("sep=;\r\n" + "\r\n".join([";".join(HEADER), *case_lines(3, ";")])
                      + "\r\n").encode("utf-8"))
    assert cases(cli, path) == (0, 3)
    from flowmatrix import read_inventory

    cases_read = read_inventory(path).cases
    assert cases_read["row"].tolist() == [2, 3, 4] and cases_read["case_id"][0] == "1"
    lines = ["sep=,", ",".join(HEADER), *case_lines(31)]
    lines[8] = '7,市,A7,B7,C7,"D7'  # line 9 of the file: a message counts the sep line
    assert 'line 9: a quote (") opens a cell here' in refused(cli, write_csv(path, lines))


def test_an_xls_page_of_two_tables_reads_both_as_libreoffice_shows_them(cli, tmp_path):
    """A web system paged its export into two tables, each with the header: only the first
    was read (3 of 5 cases, no finding). LibreOffice shows them one below the other."""
    from flowmatrix import classify

    def table(lines):
        return ("<table><tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>"
                + "".join(f"<tr>{''.join(f'<td>{v}</td>' for v in line.split(','))}</tr>"
                          for line in lines) + "</table>")
    lines = case_lines(5)
    path = tmp_path / "paged.xls"
    path.write_text(f"<html><body>{table(lines[:3])}<p>2 / 2</p>{table(lines[3:])}</body></html>",
                    encoding="utf-8")
    classified = classify(path)
    assert classified.cases["case_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert classified.cases["row"].tolist() == [2, 3, 4, 6, 7]  # as LibreOffice shows them
    assert [(f.code, f.row) for f in classified.findings] == [("repeated-header", 5)]
    # a summary table under the data is no page of cases: not read, and said
    summary = ("<table><tr><td>観光</td><td>3件</td><td>健康</td><td>2件</td></tr>"
               "<tr><td>合計</td><td>5件</td></tr></table>")
    path.write_text(f"<html><body>{table(lines)}{summary}</body></html>", encoding="utf-8")
    classified = classify(path)
    assert len(classified.cases) == 5
    assert [(f.code, f.row) for f in classified.findings] == [("page-table", 7)]
    assert "its 1 row with text under ①–④ is not read" in classified.findings[0].message
    # each page under a title row (事例一覧 2/2), and a rowspan in page 1's last row: page 2 is
    # read on, and the span ends with its table (it made case 4's No a 3: found by review)
    spanned = table(lines[:3]).replace("<td>3</td>", '<td rowspan="3">3</td>')
    titled = table(lines[3:]).replace("<table><tr>", "<table><tr><td>事例一覧 2/2</td></tr><tr>", 1)
    path.write_text(f"<html><body>{spanned}{titled}</body></html>", encoding="utf-8")
    classified = classify(path)
    assert classified.cases["case_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert [(f.code, f.row) for f in classified.findings] == [("repeated-header", 6)]
    # a 小計 table of its own just above the next page is no title row of that page: reading
    # stops there (found by the second red-team pass)
    subtotal = ("<table><tr><td>小計</td><td>3件</td><td>A</td><td>B</td><td>C</td><td>D</td>"
                "</tr></table>")
    path.write_text(f"<html><body>{table(lines[:3])}{subtotal}{table(lines[3:])}</body></html>",
                    encoding="utf-8")
    classified = classify(path)
    assert classified.cases["case_id"].tolist() == ["1", "2", "3"]
    assert [(f.code, f.row) for f in classified.findings] == [("page-table", 5)]
    # a heading over two columns (colspan) is a merged heading, as in a workbook
    wide = table(lines[:2]).replace("<th>①データ共有元サービス</th>",
                                    '<th colspan="2">①データ共有元サービス</th>')
    wide = wide.replace("<td>A1</td>", "<td>A1</td><td>公式LINE</td>")
    wide = wide.replace("<td>A2</td>", "<td>A2</td><td></td>")
    path.write_text(f"<html><body>{wide}</body></html>", encoding="utf-8")
    assert [(f.code, f.cell) for f in classify(path).findings] == [("merged-heading", "C1")]


def test_a_row_is_named_in_japanese_where_a_file_has_no_cells(cli, tmp_path):
    """A finding about a row of an HTML page (no cell to name) was placed "row 3" in the
    Japanese lines, the report and the terminal summary."""
    page = ("<html><body><table><tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>"
            + "<tr><td>1</td><td>甲市</td><td>A</td><td>B</td><td>C</td><td>D</td></tr></table>"
            "<table><tr><td>観光</td><td>3件</td><td>健康</td><td>2件</td></tr></table>"
            "</body></html>")
    path = tmp_path / "page.xls"
    path.write_text(page, encoding="utf-8")
    japanese = cli("validate", path).output
    assert "page.xls:3 行目: 警告 [page-table]" in japanese and "row 3" not in japanese
    assert "page.xls:row 3: Warning [page-table]" in cli("validate", path, "--lang", "en").output
    analyzed = cli("analyze", path, "--out", tmp_path / "out", "--format", "md")
    assert "row 3" not in analyzed.output
    assert "3 行目" in (tmp_path / "out" / "page" / "report.md").read_text("utf-8")
