"""Reading a sheet faster must read the same cells (#17): the extent scan's cheap test for
cells without a reference (two counts instead of listing every cell tag) still sends each
sheet that has such cells to the cell-by-cell pass, which places them by order."""

import zipfile

import pytest
from test_robust_workbook import cell, inventory_rows, raw_xlsx

from flowmatrix.io.extent import _CELL_START, _unreferenced_cells, scan_sheet
from flowmatrix.io.inventory import read_inventory


def _extent(path):
    with zipfile.ZipFile(path) as archive:
        return scan_sheet(path, archive, "xl/worksheets/sheet1.xml", 1_000_000)


def _rewrite(path, old: bytes, new: bytes):
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert old in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(old, new)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_cells_without_references_are_counted_and_placed_by_order(tmp_path):
    """The cases' cells lose their references (more cells than rows are numbered): the scan
    must notice and count the content cell by cell; each row is still read as a case, in A–D."""
    path = raw_xlsx(tmp_path / "order.xlsx", {"事例一覧": inventory_rows(3)})
    for row in "234":
        for column in "ABCD":
            _rewrite(path, f'<c r="{column}{row}" '.encode(), b"<c ")
    extent = _extent(path)
    assert extent.counted and extent.content_cells == 16
    cases = read_inventory(path).cases
    assert list(cases["row"]) == [2, 3, 4]
    assert cases.iloc[1]["source_service"] == "サービス0-3"
    assert cases.iloc[1]["linked_service"] == "サービス3-3"


def test_prefixed_cells_without_references_are_noticed(tmp_path):
    """<x:c> tags do not start with "<c": the cheap test must not take their absence from
    the counts as proof that every cell has a reference."""
    piece = (b'<x:row r="1"><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>'
             b'<x:c t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c></x:row>')
    assert _unreferenced_cells(piece)
    assert not _unreferenced_cells(b'<x:row r="1"><x:c r="A1" t="inlineStr"></x:c></x:row>')


@pytest.mark.parametrize("piece", [
    b'<cols><col min="1" max="2"/></cols><row r="1"><c r="A1"><v>1</v></c><c><v>2</v></c></row>',
    b'<row r="1"><c r="A1"/><c/><c/></row>',
    b'<row><c r="A1"><v>1</v></c><c>\n<v>2</v></c></row>',
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2" s="1"/></row>',
    b'<row r="1"><c\tr="A1"><v>1</v></c><c\n><v>2</v></c></row>',
])
def test_the_cheap_test_says_what_listing_every_cell_tag_says(piece):
    """The answer of the two counts is the answer of the regular expression it replaces."""
    assert _unreferenced_cells(piece) == (len(_CELL_START.findall(piece)) > piece.count(b' r="'))


def test_a_sheet_whose_cells_all_have_references_is_not_counted(tmp_path):
    """The common case stays cheap: no cell-by-cell pass for a small sheet."""
    rows = inventory_rows(5)
    rows[7] = [cell("A7", 2021.0), cell("B7", ("e", "#N/A")), *rows[6][2:]]
    path = raw_xlsx(tmp_path / "plain.xlsx", {"事例一覧": rows})
    extent = _extent(path)
    assert not extent.counted
    assert extent.errors == {(6, 1): "#N/A"}
    cases = read_inventory(path).cases
    assert cases.iloc[-1]["source_service"] == "2021"
    assert cases.iloc[-1]["data"] == "#N/A"
    assert list(cases["row"]) == [2, 3, 4, 5, 6, 7]


def test_items_are_the_cells_strings_not_copies(tmp_path):
    """An item that is a whole cell is that cell's string, and an item of several cells is
    one string (a national inventory's items were a second copy of its cells); the items are
    what split_items gives."""
    from flowmatrix.io.text import split_items

    path = tmp_path / "cases.csv"
    path.write_text("①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス\n"
                    "住民基本台帳,健診結果/住民基本台帳,ヘルスケアアプリ,健康ポイント\n"
                    "ヘルスケアアプリ,健診結果,住民基本台帳,ＡＩ分析など\n", encoding="utf-8")
    cases = read_inventory(path).cases
    for element in ("source_service", "data", "target_service", "linked_service"):
        for text, items in zip(cases[element], cases[f"{element}_items"], strict=True):
            assert items == split_items(text)
    assert cases["source_service_items"][0][0] is cases["source_service"][0]
    assert cases["data_items"][0][1] is cases["source_service"][0]  # 住民基本台帳, twice
    assert cases["data_items"][0][0] is cases["data"][1]  # 健診結果
    assert cases["linked_service_items"][1] == ("AI分析",)
    # the file and sheet of every case are one string each, not a copy per case
    assert cases["file"][0] == str(path) and cases["file"][1] is cases["file"][0]
    assert cases["sheet"][1] is cases["sheet"][0]


def test_the_scans_searches_find_what_re_finds_in_any_bytes():
    """scan_sheet searches every piece with RE2 (io/extent._search) and lists with re: both
    must read bytes alike, whatever the bytes (a damaged part is not UTF-8)."""
    import random

    from flowmatrix.io.extent import _LOOK_CLOSER, _columns_beyond, _rows_beyond, _search

    rng = random.Random(17)
    parts = [b' r="A1"', b' r="XFD1048576"', b' r="C12"', b' r="AA7"', b'<f>', b'x:f', b't="e"', b'hidden="', b'1"', b'true"',
             b'\xe3\x81\x82', b'\xff', b'\x80', b' r="', b'"', b'9', b'Z',
             b' r="B' + b"9" * 1002 + b'"']
    patterns = [_rows_beyond(n) for n in (0, 9, 12, 99, 1048575, 10**1001)] + \
        [_columns_beyond(n) for n in (-1, 0, 2, 26, 16383)]
    for _ in range(150):
        piece = b"".join(rng.choice(parts) for _ in range(rng.randrange(1, 12)))
        for pattern in patterns:
            found, expected = _search(pattern).search(piece), pattern.search(piece)
            assert (found and found.start()) == (expected and expected.start()), (pattern, piece)
        assert bool(_LOOK_CLOSER.search(piece)) == any(
            s in piece for s in (b't="e"', b"<f", b":f", b'hidden="1"', b'hidden="true"'))


def test_a_row_numbered_with_1002_digits_is_refused_as_before(tmp_path):
    """RE2 refuses the search for references beyond such a row (a repetition over 1,000): the
    scan searches with re there, and the sheet gets calamine's verdict as it always did, a
    clean refusal naming the file — not an internal error."""
    from flowmatrix.errors import InputFileError

    rows = inventory_rows(3)
    rows[10**1001] = []
    with pytest.raises(InputFileError, match="cannot read sheet"):
        read_inventory(raw_xlsx(tmp_path / "long.xlsx", {"事例一覧": rows}))
