"""Workbooks that claim far more than they hold (#14): a value in XFD1048576, a note in XFD5,
a stray value in the last row, repeated header rows, formulas saved without a value, a DTD in
workbook.xml, hundreds of sheets without the header. The files are small and written by hand
(zip + minimal XML) where openpyxl cannot make the case; the ones that used to abort or take
gigabytes are read in one subprocess whose peak memory is measured."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import JA_HEADER, ROOT, write_xlsx

from flowmatrix.io.inventory import read_inventory

ELEMENTS = JA_HEADER[2:6]
GiB = 2**30

_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
          'package/2006/content-types"><Default Extension="rels" ContentType="application/'
          'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
          '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
          'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{}.xml" ContentType="application/vnd.'
               'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
         '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
         'formats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def cell(ref, value):
    """One cell's XML: text as an inline string, a float as a number, ("e", "#N/A") an error,
    ("f", "A1*2") a formula saved without its value."""
    if isinstance(value, tuple) and value[0] == "e":
        return f'<c r="{ref}" t="e"><v>{value[1]}</v></c>'
    if isinstance(value, tuple) and value[0] == "f":
        return f'<c r="{ref}"><f>{value[1]}</f></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def raw_xlsx(path, sheets, *, workbook_prolog=""):
    """A workbook written part by part: sheets is {name: {row number: [cell XML, ...]}}."""
    names = list(sheets)
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?>{workbook_prolog}<workbook xmlns="{_MAIN}" '
                f'xmlns:r="{_R}"><sheets>'
                + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>'
                          for i, n in enumerate(names, 1)) + "</sheets></workbook>")
    relations = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/relationships">'
                 + "".join(f'<Relationship Id="rId{i}" Type="{_R}/worksheet" '
                           f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
                 + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES.format(sheets="".join(
            _SHEET_TYPE.format(i) for i in range(1, len(names) + 1))))
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", relations)
        for i, name in enumerate(names, 1):
            rows = sheets[name]
            body = "".join(f'<row r="{r}">{"".join(rows[r])}</row>' if rows[r] else
                           f'<row r="{r}" ht="20" customHeight="1"/>' for r in sorted(rows))
            archive.writestr(f"xl/worksheets/sheet{i}.xml",
                             f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'
                             f"<sheetData>{body}</sheetData></worksheet>")
    return path


def inventory_rows(cases):
    """The header in A1:D1 and `cases` distinct cases below it."""
    rows = {1: [cell(f"{'ABCD'[i]}1", h) for i, h in enumerate(ELEMENTS)]}
    for r in range(2, cases + 2):
        rows[r] = [cell(f"{'ABCD'[i]}{r}", f"サービス{i}-{r}") for i in range(4)]
    return rows


def far_value():
    rows = inventory_rows(3)
    rows[1048576] = [cell("XFD1048576", "x")]
    return rows


def far_error():
    rows = inventory_rows(3)
    rows[3][1] = cell("B3", ("e", "#N/A"))
    rows[1048576] = [cell("XFD1048576", ("e", "#N/A"))]
    return rows


def far_note(cases):
    rows = inventory_rows(cases)
    rows[5].append(cell("XFD5", "備考"))
    return rows


def stray_last_row():
    """A real-sized inventory (31 cases) with one stray value in the last row Excel has, and
    100,000 styled blank rows between."""
    rows = inventory_rows(31)
    rows.update({r: [] for r in range(40, 100_040)})
    rows[1048576] = [cell("F1048576", "x")]
    return rows


def diagonal():
    """Few cells spread over every row and column: no packing helps, so it is refused."""
    rows = inventory_rows(1)
    for i in range(3, 16_384, 2):
        rows[i * 50] = [cell(f"{_letters(i)}{i * 50}", "x")]
    return rows


def openpyxl_far(path):
    import datetime as dt

    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "事例一覧"
    sheet.append(["No", *ELEMENTS, "年度"])
    for i in range(1, 31):
        sheet.append([i, "観光アプリ" if i == 1 else None, "位置情報", "交通事業者", "混雑回避",
                      dt.date(2024, 4, 1)])
    sheet.merge_cells("B2:B4")
    for i in range(5, 32):
        sheet.cell(row=i, column=2, value="観光アプリ")
    sheet.cell(row=5, column=16384, value="メモ")
    sheet.cell(row=1_048_576, column=1, value="x")
    book.save(path)
    return path


def repeated_ods(path, repeats):
    """A 1 KB .ods whose one case row repeats `repeats` times, each row padded with an empty
    cell repeated to column 1,024, and a million empty rows after (what LibreOffice writes)."""
    def text(value):
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    pad = '<table:table-cell table:number-columns-repeated="1020"/>'
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body>'
               '<office:spreadsheet><table:table table:name="事例一覧">'
               f'<table:table-row>{"".join(map(text, ELEMENTS))}{pad}</table:table-row>'
               f'<table:table-row table:number-rows-repeated="{repeats}">'
               f'{"".join(text(v) for v in ["観光アプリ", "位置情報", "交通事業者", "混雑回避"])}{pad}'
               '</table:table-row><table:table-row table:number-rows-repeated="1048000">'
               '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return path


def _letters(index):
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


HOSTILE = {
    "far_value": far_value,
    "far_error": far_error,
    "far_note_10000": lambda: far_note(10_000),
    "stray_last_row": stray_last_row,
    "diagonal": diagonal,
}

_READ_ALL = """
import json, resource, sys
from flowmatrix.errors import FlowmatrixError
from flowmatrix.io.inventory import read_inventory
out = {}
for path in sys.argv[1:]:
    try:
        inventory = read_inventory(path)
        cases = inventory.cases
        out[path] = {"cases": len(inventory), "data": list(cases["data"][:3]),
                     "source": list(cases["source_service"][:3]),
                     "rows": [int(r) for r in cases["row"][:3]],
                     "cell": inventory.cell("data", 7),
                     "years": sorted(set(cases["fiscal_year"]))}
    except FlowmatrixError as exc:
        out[path] = {"error": str(exc)}
out["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every hostile workbook, read in one child process: its results and its peak memory.
    A reader that aborts (exit 134) or takes all memory fails every test here."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {name: raw_xlsx(folder / f"{name}.xlsx", {"事例一覧": build()})
             for name, build in HOSTILE.items()}
    paths["openpyxl_far"] = openpyxl_far(folder / "openpyxl_far.xlsx")
    paths["repeated_ods"] = repeated_ods(folder / "repeated.ods", 20_000)
    for path in paths.values():
        assert path.stat().st_size < 400_000  # small files that claim a lot
    result = subprocess.run([sys.executable, "-c", _READ_ALL, *map(str, paths.values())],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout)
    return {name: out[str(path)] for name, path in paths.items()}, out["maxrss_kib"] * 1024


def test_hostile_workbooks_stay_under_a_gigabyte(hostile):
    _, peak = hostile
    assert peak < 1 * GiB  # before #14: abort (512 GiB asked), 1.9 GB and > 6 GB


def test_a_value_in_XFD1048576_is_read_around_not_allocated(hostile):
    result = hostile[0]["far_value"]
    assert result["cases"] == 3 and result["rows"] == [2, 3, 4]


def test_an_error_value_in_XFD1048576_and_in_the_table_are_kept(hostile):
    result = hostile[0]["far_error"]
    assert result["cases"] == 3
    assert result["data"] == ["サービス1-2", "#N/A", "サービス1-4"]


def test_a_note_in_XFD5_does_not_widen_every_row(hostile):
    """10,000 cases and a note in XFD5 (before #14: > 6 GB; 3,000 cases: 1.9 GB)."""
    assert hostile[0]["far_note_10000"]["cases"] == 10_000


def test_an_ods_row_repeated_20000_times_is_20000_cases_in_proportionate_memory(hostile):
    """Repeated empty cells and rows cost nothing (before #14 calamine expanded them all)."""
    result = hostile[0]["repeated_ods"]
    assert result["cases"] == 20_000 and result["rows"] == [2, 3, 4]


def test_an_ods_row_repeated_beyond_the_row_limit_is_refused_before_expanding(cli, tmp_path):
    path = repeated_ods(tmp_path / "repeated.ods", 200_000)
    assert path.stat().st_size < 2000
    result = cli("validate", path, "--max-rows", "1000")
    assert result.exit_code == 2
    assert "row 2 repeats 200,000 times), over the limit" in result.output
    assert str(path) in result.output


def test_the_row_limit_counts_rows_with_content(hostile):
    """31 cases, blank rows and one stray value in row 1,048,576: not over the
    limit of 1,000,000 rows (the stray value, outside the table's columns, is no case)."""
    assert hostile[0]["stray_last_row"]["cases"] == 31


def test_cells_spread_over_the_whole_sheet_are_refused_naming_the_far_cell(hostile):
    error = hostile[0]["diagonal"]["error"]
    assert "diagonal.xlsx" in error and "far outside the table" in error
    assert "事例一覧!XFC819150 holds a value" in error  # the farthest cell down and right


def test_the_row_limit_still_refuses_many_rows_with_content(english_messages, cli, tmp_path):
    rows = inventory_rows(4)
    rows.update({r: [] for r in range(6, 50)})  # blank rows do not count
    path = raw_xlsx(tmp_path / "five.xlsx", {"事例一覧": rows})
    assert cli("validate", path, "--max-rows", "4").exit_code == 0  # the header is no case
    result = cli("validate", path, "--max-rows", "3")
    assert result.exit_code == 2
    assert "has 4 cases, over the limit of 3" in result.output


def test_an_ordinary_far_cell_workbook_from_openpyxl(hostile):
    """Shared strings, a merged cell and dates (openpyxl writes them): the packed reader reads
    them as calamine does, with the rows and cells as Excel shows them."""
    result = hostile[0]["openpyxl_far"]
    assert result["cases"] == 30 and result["rows"] == [2, 3, 4]
    assert result["data"] == ["位置情報"] * 3 and result["cell"] == "C7"
    assert result["source"] == ["観光アプリ", "観光アプリ", "観光アプリ"]  # B2:B4 merged
    assert result["years"] == ["2024-04-01"]


def test_repeated_header_rows_are_skipped_with_a_warning(cli, tmp_path):
    rows = [JA_HEADER]
    for page in range(3):
        rows += [[f"{page}{i}", "A市", "観光アプリ", "位置情報", "交通事業者", "混雑回避", ""]
                 for i in range(4)]
        rows.append(JA_HEADER)  # a print-style export repeats the header every page
    path = write_xlsx(tmp_path / "pages.xlsx", {"事例一覧": rows[:-1]})
    inventory = read_inventory(path)
    assert len(inventory) == 12
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    assert "事例 12 件" in result.output
    assert "事例一覧!6 行目は見出し行（1 行目）の繰り返しです" in result.output
    assert "11 行目は見出し行" in result.output
    assert "その他" not in result.output and "missing-element" not in result.output


def test_a_second_table_with_other_columns_stops_reading_with_an_error(english_messages, cli, tmp_path):
    rows = [JA_HEADER]
    rows += [[i, "A市", "観光アプリ", "位置情報", "交通事業者", f"混雑回避{i}", ""] for i in range(3)]
    rows.append(["No", "③データ共有先サービス", "①データ共有元サービス", "④データ連携サービス",
                 "②流通データ"])
    rows += [[i, "B", "C", "D", "E"] for i in range(5)]
    path = write_xlsx(tmp_path / "two.xlsx", {"事例一覧": rows})
    assert len(read_inventory(path)) == 3
    result = cli("validate", path)
    assert result.exit_code == 1
    assert "事例一覧!row 5 looks like the header of a second table" in result.output
    assert "the 5 rows with data below it are not read as cases" in result.output
    # data that happens to be header words of other columns (市区町村, 都道府県 as services)
    # is a case, not a second table: three cases were lost behind a false error
    rows = [JA_HEADER, *[[i, "A市", "観光アプリ", "位置情報", "交通事業者", "混雑回避", ""]
                         for i in range(2)], [2, "A市", "市区町村", "住民情報", "都道府県", "報告", ""],
            [3, "A市", "観光アプリ", "位置情報", "交通事業者", "混雑回避", ""]]
    assert len(read_inventory(write_xlsx(tmp_path / "words.xlsx", {"事例一覧": rows}))) == 4


def test_a_formula_saved_without_its_value_is_named_at_its_cell(english_messages, cli, tmp_path):
    rows = inventory_rows(4)
    rows[5][2] = cell("C5", ("f", 'B5&amp;"先"'))
    rows[6] = [cell(f"{c}6", ("f", "A2")) for c in "ABCD"]  # a case made only of formulas
    path = raw_xlsx(tmp_path / "generated.xlsx", {"事例一覧": rows})
    inventory = read_inventory(path)
    assert inventory.cases["row"].tolist() == [2, 3, 4, 5, 6]
    result = cli("validate", path)
    assert result.exit_code == 1
    assert "事例一覧!C5 is a formula with no saved value" in result.output
    assert "open the file in Excel and save it" in result.output
    assert "事例一覧!A6 is a formula with no saved value" in result.output
    # a template's rows below the data, =IF($A7="","",…) saved by Excel with an empty string
    # result: blank rows, not cases without values (they were 2 cases and 8 warnings)
    for r in (7, 8):
        rows[r] = [f'<c r="{c}{r}" t="str"><f>IF($A{r}="","",A2)</f><v></v></c>' for c in "ABCD"]
    path = raw_xlsx(tmp_path / "template.xlsx", {"事例一覧": rows})
    assert read_inventory(path).cases["row"].tolist() == [2, 3, 4, 5, 6]


def test_a_dtd_in_workbook_xml_is_refused_naming_the_file(cli, tmp_path):
    path = raw_xlsx(tmp_path / "dtd.xlsx", {"事例一覧": inventory_rows(2)},
                    workbook_prolog='<!DOCTYPE workbook [<!ENTITY x "事例">]>')
    result = cli("validate", path)
    assert result.exit_code == 2, result.output
    assert str(path) in result.output
    assert "xl/workbook.xml declares a DTD or XML entities" in result.output
    assert "internal error" not in result.output


def test_hundreds_of_sheets_without_the_header_are_named_briefly(english_messages, cli, tmp_path):
    path = raw_xlsx(tmp_path / "many.xlsx",
                    {f"Sheet{i}": {1: [cell("A1", "メモ")]} for i in range(300)})
    result = cli("validate", path)
    assert result.exit_code == 1
    message = result.output
    assert "'Sheet0': none of them" in message and "'Sheet4'" in message
    assert "'Sheet5'" not in message and "and 295 more sheets" in message
    assert "①データ共有元サービス" in message  # what the header must contain
    assert len(message) < 1200


def test_a_workbook_of_many_sheets_is_opened_and_listed_once_per_read(tmp_path, monkeypatch):
    """Each sheet looked at opened the zip again and parsed workbook.xml again: validating
    an inventory followed by 1,000 small sheets took 13.9 s (now 0.9 s). The sheets' parts
    are read once each time the workbook is opened (the cases, then the KPI table)."""
    from flowmatrix import classify
    from flowmatrix.errors import InventoryStructureError
    from flowmatrix.io import readers

    sheets = {"事例一覧": inventory_rows(3)}
    sheets.update({f"メモ{i}": {1: [cell("A1", "メモ")]} for i in range(60)})
    path = raw_xlsx(tmp_path / "many.xlsx", sheets)
    listed, opened = [], []
    real_members, real_zip = readers.sheet_members, readers.zipfile.ZipFile
    monkeypatch.setattr(readers, "sheet_members", lambda *a: listed.append(1) or real_members(*a))

    class CountedZip(real_zip):
        def __init__(self, *args, **kwargs):
            opened.append(self)
            super().__init__(*args, **kwargs)
    monkeypatch.setattr(readers.zipfile, "ZipFile", CountedZip)
    classified = classify(path)
    assert len(classified.cases) == 3
    assert len(listed) == 2  # read_inventory, then read_kpis: each opens the workbook once
    assert len(opened) == 4  # per open: _check_zip's look at the archive, the scans' zip
    assert all(archive.fp is None for archive in opened)  # closed when the reading is done
    opened.clear()
    with pytest.raises(InventoryStructureError):  # a sheet without the header, scanned: the
        read_inventory(path, sheet="メモ1")           # zip is closed all the same
    assert len(opened) == 2 and all(archive.fp is None for archive in opened)


def test_an_ods_hidden_sheet_comment_and_line_break_read_as_libreoffice_shows_them(tmp_path):
    """A hidden first sheet was read instead of the visible inventory; a cell's comment was
    read as its text (a row holding only a comment became a case); a line break inside a
    paragraph joined two items into one."""
    def row(*values):
        return "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p>'
            "</table:table-cell>" for v in values) + "</table:table-row>"
    commented = ('<table:table-row><table:table-cell><office:annotation><text:p>要確認'
                 "</text:p></office:annotation></table:table-cell></table:table-row>")
    ns = " ".join(f'xmlns:{p}="urn:oasis:names:tc:opendocument:xmlns:{u}:1.0"' for p, u in (
        ("office", "office"), ("table", "table"), ("text", "text"), ("style", "style")))
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
        '<office:automatic-styles><style:style style:name="ta2" style:family="table">'
        '<style:table-properties table:display="false"/></style:style></office:automatic-styles>'
        '<office:body><office:spreadsheet>'
        f'<table:table table:name="旧" table:style-name="ta2">{row(*ELEMENTS)}'
        f'{row("古いアプリ", "古いデータ", "古い先", "古い連携")}</table:table>'
        f'<table:table table:name="事例一覧">{row(*ELEMENTS)}'
        + row("公式LINE<text:span><text:line-break/></text:span>地域通貨", "購買<text:tab/>履歴",
              "健康アプリ", '健康<text:s text:c="2"/>指導') +
        f"{commented}</table:table></office:spreadsheet></office:body></office:document-content>")
    path = tmp_path / "cases.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", content)
    inventory = read_inventory(path)
    assert inventory.sheet == "事例一覧" and len(inventory) == 1
    assert inventory.cases["source_service_items"][0] == ("公式LINE", "地域通貨")  # in a span
    assert inventory.cases[["data", "linked_service"]].values.tolist() == [["購買\t履歴", "健康  指導"]]
    assert read_inventory(path, sheet="旧").cases["source_service"].tolist() == ["古いアプリ"]


def test_the_sparse_read_decodes_excels_escapes_as_calamine_does(tmp_path):
    """A sheet with a far-off cell is read the sparse way, which kept _x000D_ as text."""
    rows = inventory_rows(3)
    rows[2][1] = cell("B2", "購買_x000D_履歴 _x005F_x0041_ _x0041_")
    dense = read_inventory(raw_xlsx(tmp_path / "dense.xlsx", {"事例一覧": rows}))
    rows[1048576] = [cell("XFD1048576", "x")]
    sparse = read_inventory(raw_xlsx(tmp_path / "sparse.xlsx", {"事例一覧": rows}))
    assert sparse.cases["data"].tolist() == dense.cases["data"].tolist()
    assert dense.cases["data"][0] == "購買\r履歴 _x0041_ A"


def test_an_ods_cell_cannot_claim_more_spaces_than_a_cell_holds():
    """<text:s text:c="32767"/> again and again: a 1 KB file claimed 98 million spaces."""
    from xml.etree.ElementTree import fromstring

    from flowmatrix.io.ods import MAX_CELL_SPACES, _value

    spaces = '<text:s text:c="32767"/>' * 300
    cell = fromstring('<c xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                      f"<text:p>a{spaces}b</text:p></c>")
    assert _value(cell) == "a" + " " * MAX_CELL_SPACES + "b"


def _hide_rows(path, rows):
    """The workbook at `path` with `rows` hidden, as Excel writes a hidden row (<row … hidden>)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for r in rows:  # one hidden in single quotes, which LibreOffice reads too
        hidden = "hidden='true'" if r == rows[-1] else 'hidden="1"'
        sheet = sheet.replace(f'<row r="{r}">', f'<row r="{r}" spans="1:4" {hidden}>')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_cases_in_hidden_and_filtered_rows_are_counted_and_named(tmp_path):
    """Excel showed "4 of 6 records" (a row hidden by hand, one by an autofilter) and
    flowmatrix counted 6 without a word: now one hidden-rows warning names them."""
    import openpyxl

    from flowmatrix import classify
    from flowmatrix.render.labels import finding_text

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "一覧"
    sheet.append(JA_HEADER)
    for i in range(1, 7):
        sheet.append([i, "甲市" if i != 5 else "乙市", f"事例{i}", f"アプリ{i}", "購買履歴",
                      "健康アプリ", "健康指導"])
    sheet.row_dimensions[3].hidden = True  # by hand
    sheet.auto_filter.ref = "A1:G7"
    sheet.auto_filter.add_filter_column(1, ["甲市"])
    sheet.row_dimensions[6].hidden = True  # by the filter
    book.save(tmp_path / "filtered.xlsx")
    classified = classify(tmp_path / "filtered.xlsx")
    assert len(classified.cases) == 6
    (found,) = [f for f in classified.findings if f.code == "hidden-rows"]
    assert (found.severity, found.sheet, found.row) == ("warning", "一覧", 3)
    assert "2 cases are in hidden rows of sheet '一覧' (rows 3, 6:" in found.message
    assert "シート「一覧」の非表示の行に事例が 2 件あります（3, 6 行目" in finding_text(found, "ja")

    # the sparse read (a far-off cell) knows hidden rows too; a hidden blank row is no case
    rows = far_value()
    rows[9] = []
    sparse = _hide_rows(raw_xlsx(tmp_path / "sparse.xlsx", {"事例一覧": rows}), [9, 3, 4])
    (found,) = [f for f in classify(sparse).findings if f.code == "hidden-rows"]
    assert "2 cases are in hidden rows of sheet '事例一覧' (rows 3, 4:" in found.message
    visible = raw_xlsx(tmp_path / "visible.xlsx", {"事例一覧": inventory_rows(3)})
    assert not [f for f in classify(visible).findings if f.code == "hidden-rows"]


def test_an_ods_hidden_or_filtered_row_is_named(tmp_path):
    def row(*values, visibility=""):
        return (f"<table:table-row{visibility}>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p>'
            "</table:table-cell>" for v in values) + "</table:table-row>")
    ns = " ".join(f'xmlns:{p}="urn:oasis:names:tc:opendocument:xmlns:{u}:1.0"' for p, u in (
        ("office", "office"), ("table", "table"), ("text", "text")))
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
               '<office:body><office:spreadsheet><table:table table:name="一覧">'
               + row(*ELEMENTS) + row("A", "B", "C", "D")
               + row("E", "F", "G", "H", visibility=' table:visibility="filter"')
               + row("I", "J", "K", "L", visibility=' table:visibility="collapse"')
               + "</table:table></office:spreadsheet></office:body></office:document-content>")
    path = tmp_path / "cases.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", content)
    inventory = read_inventory(path)
    assert len(inventory) == 3
    (found,) = [f for f in inventory.findings if f.code == "hidden-rows"]
    assert "2 cases are in hidden rows of sheet '一覧' (rows 3, 4:" in found.message


def test_a_second_table_beside_the_first_is_named_not_lost(make_xlsx):
    """Cases 1–3 in A1:G4 and another city's table with the same header in J2:P6 (its title
    in J1): the four cases beside were lost with no finding and exit 0. A legend or a 記入例
    row beside the table is no table of cases; of two tables side by side, the fuller is
    the inventory (a 記入例 block above and beside it was read instead)."""
    from flowmatrix import classify
    from flowmatrix.render.labels import finding_text

    header = JA_HEADER[:2] + ["事例名"] + JA_HEADER[2:6]

    def case(i, city):
        return [i, city, f"事例{i}", f"元{i}アプリ", f"データ{i}", f"先{i}", f"連携{i}"]
    rows = [header + [None, None, "【乙市】"]] + [case(i, "甲市") for i in (1, 2, 3)]
    beside = [header] + [case(i, "乙市") for i in (11, 12, 13, 14)]
    rows += [[None] * 7 for _ in range(2)]
    for r, values in enumerate(beside, start=1):
        rows[r] = (rows[r] + [None] * 9)[:9] + values
    classified = classify(make_xlsx(rows))
    assert len(classified.cases) == 3
    (found,) = [f for f in classified.findings if f.code == "table-beside"]
    assert (found.severity, found.cell, found.row) == ("error", "M2", 2)  # 4 cases, 3 read
    assert "header M2:P2 names ①–④ again, and the 4 rows of cases under it" in found.message
    assert "シート「Sheet1」には、読み込んだ表の横に 2 つ目の表" in finding_text(found, "ja")

    # a legend of the columns (one row of explanations), an example row, an empty form with
    # placeholders, a count table: nothing to say
    legend = [row[:9] for row in rows[:4]]
    legend[0] += ["【記入要領】"]
    legend[1] += header[3:]
    legend[2] += ["データを出すサービス", "流れるデータ", "受け取るサービス", "生まれるサービス"]
    legend[3] += ["－", "－", "－", "－"]
    assert not [f for f in classify(make_xlsx(legend, name="legend.xlsx")).findings
                if f.code == "table-beside"]
    counts = [row[:9] for row in rows[:4]]
    counts[1] += ["件数", *header[3:]]
    counts[2] += ["計", 3, 3, 3, 3]
    assert not [f for f in classify(make_xlsx(counts, name="counts.xlsx")).findings
                if f.code == "table-beside"]

    # the example block above and beside, the inventory below: the example's header comes
    # first and is read; the inventory left is an error, as it holds more cases
    example = [["調査票", *[None] * 7, "記入例"], [None] * 8 + header,
               [None] * 8 + ["例", "○○市", "子育て支援", "母子手帳アプリ", "健診記録", "保育所", "連携基盤"],
               header, *[case(i, "甲市") for i in (1, 2, 3, 4)]]
    read = classify(make_xlsx(example, name="example.xlsx"))
    (found,) = [f for f in read.findings if f.code == "table-beside"]
    assert (found.severity, found.cell) == ("error", "D4")
    assert "the 4 rows of cases under it are not read (only the table with its header at I2 " \
        "is, with 1)" in found.message
    # a table of four cases with ④ still open (検討中: one word short) is a table of cases
    open_four = [row[:] for row in rows]
    for r in range(2, 6):
        open_four[r][15] = None
    assert [f.severity for f in classify(make_xlsx(open_four, name="open.xlsx")).findings
            if f.code == "table-beside"] == ["error"]



def test_a_case_written_over_rows_beside_a_merged_title_is_named(make_xlsx):
    """自治体, 事例名, ③ and ④ merged over two rows, an item of ① and ② a row: a planner sees
    one case, flowmatrix counted two without a word. It still counts each row (which row is
    the case is not for it to guess), and says so once per merged cell."""
    from flowmatrix import classify
    from flowmatrix.render.labels import finding_text

    header = ["自治体", "事例名", *JA_HEADER[2:6]]
    rows = [header, ["甲市", "健康ポイント連携", "歩数計アプリ", "歩数データ", "健康管理システム", "健康指導"],
            [None, None, "地域通貨アプリ", "購買履歴", None, None],
            ["甲市", "防災連携", "介護アプリ", "安否情報", "防災アプリ", "避難支援"],
            ["甲市", "見出し結合", "A", "B", "C", "D"], [None, None, None, None, None, None]]
    merged = {"Sheet1": ["A2:A3", "B2:B3", "E2:E3", "F2:F3", "B5:B6"]}
    classified = classify(make_xlsx(rows, merged=merged))
    assert len(classified.cases) == 4
    (found,) = [f for f in classified.findings if f.code == "case-over-rows"]
    assert (found.severity, found.cell, found.column) == ("warning", "B2", "title")
    assert "1 No or title cell is merged over rows that are each counted as a case (B2:B3)" \
        in found.message  # B5:B6 spans a blank row: one case, nothing to say
    assert "2 cases where Excel shows 1" in found.message
    assert "Excel では 1 件に見える事例を 2 件と数えます" in finding_text(found, "ja")


def test_an_element_heading_merged_over_two_columns_names_what_is_not_read(make_xlsx):
    """① over C1:D1, one source a column: D was dropped without a word (case 2 got a
    missing-element error though its source sat in D). Reading D as more items invents
    sources where D holds a type or a code, so a warning names D's cells instead. Under a row
    of sub-headers that names D (サービス名 | 種別), D says what it holds: nothing to say. An
    empty form with such a heading crashed."""
    from flowmatrix import classify
    from flowmatrix.render.labels import finding_text

    header = ["No", "事例名", "①データ共有元サービス", None, "②流通データ", "③データ共有先サービス", "④データ連携サービス"]
    rows = [header, [1, "事例1", "地域通貨アプリ", "公式LINE", "購買履歴", "健康アプリ", "健康指導"],
            [2, "事例2", None, "介護アプリ", "安否情報", "防災アプリ", "避難支援"]]
    classified = classify(make_xlsx(rows, merged={"Sheet1": ["C1:D1"]}))
    assert classified.cases["source_service_items"].tolist() == [("地域通貨アプリ",), ()]
    codes = [(f.code, f.cell) for f in classified.findings]
    assert codes == [("missing-element", "C3"), ("merged-heading", "C1")]
    found = classified.findings[1]
    assert found.severity == "warning" and found.column == "source_service"
    assert "merged over C1:D1, and 2 cells under it beside column C hold text (D2, D3)" \
        in found.message
    assert "見出し「①データ共有元サービス」は C1:D1 に結合されていて" in finding_text(found, "ja")

    grouped = [header, [None, None, "サービス名", "種別", None, None, None],
               [1, "事例1", "地域通貨アプリ", "アプリ", "購買履歴", "健康アプリ", "健康指導"]]
    merged = ["C1:D1", "A1:A2", "B1:B2", "E1:E2", "F1:F2", "G1:G2"]
    grouped_read = classify(make_xlsx(grouped, name="grouped.xlsx", merged={"Sheet1": merged}))
    assert grouped_read.cases["source_service_items"].tolist() == [("地域通貨アプリ",)]
    assert not grouped_read.findings

    form = classify(make_xlsx(grouped[:1], name="form.xlsx",
                              merged={"Sheet1": ["C1:D2", "A1:A2", "B1:B2", "E1:E2"]}))
    assert len(form.cases) == 0


def test_merged_cells_over_sub_cases_and_overlapping_merges_are_counted_right(make_xlsx):
    """No merged over 事例a/b/c (sub-cases, each titled) was told 'Excel shows 1 … write its
    items in one cell'; No over three rows and the title over two of them gave '5 cases where
    Excel shows 2' (red-team pass on 29770df)."""
    from flowmatrix import classify

    header = ["No", "事例名", *JA_HEADER[2:6]]
    rows = [header, [1, "事例a", "A", "B", "C", "D"], [None, "事例b", "E", "F", "G", "H"],
            [None, "事例c", "I", "J", "K", "L"]]
    grouped = classify(make_xlsx(rows, merged={"Sheet1": ["A2:A4"]}))
    assert not [f for f in grouped.findings if f.code == "case-over-rows"]
    rows = [header, [1, "事例a", "A", "B", "C", "D"], [None, None, "E", "F", "G", "H"],
            [None, None, "I", "J", "K", "L"]]
    overlapping = classify(make_xlsx(rows, name="overlap.xlsx",
                                     merged={"Sheet1": ["A2:A4", "B2:B3"]}))
    (found,) = [f for f in overlapping.findings if f.code == "case-over-rows"]
    assert "(A2:A4): 3 cases where Excel shows 1" in found.message


def test_a_one_case_inventory_beside_a_legend_of_two_rows_stays_the_one_read(make_xlsx):
    """A legend (①–④, then 説明 and 例 rows) one row below the header of a one-case inventory
    was read instead of it: the case lost, two legend rows counted, no finding (review)."""
    from flowmatrix import classify

    rows = [["No", "事例名", *JA_HEADER[2:6], None, "【記入要領】"],
            [1, "健康連携", "歩数アプリ", "歩数", "健康管理", "保健指導", None, *JA_HEADER[2:6]],
            [None] * 7 + ["データを出すサービス", "流れるデータ", "受け取るサービス", "生まれるサービス"],
            [None] * 7 + ["例：母子手帳アプリ", "例：健診記録", "例：保育所", "例：連携基盤"]]
    classified = classify(make_xlsx(rows))
    assert classified.cases["title"].tolist() == ["健康連携"]
    # two rows of words under ①–④ look like cases, more than the one read: an error, which
    # errs on the side of saying it (no reader can tell a legend's words from cases)
    (found,) = [f for f in classified.findings if f.code == "table-beside"]
    assert found.cell == "H2" and "the 2 rows of cases under it are not read" in found.message


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_a_failed_read_keeps_no_file_open_while_its_error_is_kept(tmp_path):
    """A stored error's traceback kept the workbook, and with it calamine's handle on the file:
    an in-process batch held every failed workbook open (review, red-team pass)."""
    import os

    from flowmatrix import classify

    path = raw_xlsx(tmp_path / "cases.xlsx", {"事例一覧": inventory_rows(3)})
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b"\x00\x01garbage<<<"  # calamine fails on it
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    kept = []
    for _ in range(3):
        try:
            classify(path)
        except Exception as exc:  # noqa: BLE001  (the error is what is kept)
            kept.append(exc)

    def open_on(target):
        names = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                names.append(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                continue
        return names.count(str(target))

    assert len(kept) == 3 and open_on(path) == 0


def test_a_title_merged_over_cases_with_their_own_nos_says_nothing(make_xlsx):
    """One title over three rows each with its No: Excel shows three cases (three Nos), and
    case-over-rows said 'Excel shows 1' (second red-team pass)."""
    from flowmatrix import classify

    rows = [["No", "事例名", *JA_HEADER[2:6]], [1, "見守り", "A", "B", "C", "D"],
            [2, None, "E", "F", "G", "H"], [3, None, "I", "J", "K", "L"]]
    classified = classify(make_xlsx(rows, merged={"Sheet1": ["B2:B4"]}))
    assert len(classified.cases) == 3
    assert not [f for f in classified.findings if f.code == "case-over-rows"]
