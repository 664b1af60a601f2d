"""What an xlsx sheet holds, read from its XML before calamine is given it.

calamine allocates the whole rectangle from A1 to the farthest cell with a value: one value at
XFD1048576 asks for 512 GiB and aborts the process, and one note in XFD5 makes 3,000 rows
16,384 cells wide (1.9 GB). So the sheet part is streamed first, in chunks, with regular
expressions (a full XML parse per cell would cost more than calamine's whole read):

1. a cheap pass over every chunk finds the rectangle the cell references claim, the cells
   holding an error value (#N/A, which calamine reads as empty) and the formulas saved without
   a value (a workbook written by a program and never opened in Excel);
2. only when that rectangle is large, a second pass looks at each cell and counts the rows and
   cells that hold a value, and where the farthest of them is.

`fits_calamine` then says whether calamine may read the sheet; otherwise readers.py reads only
the cells with content (`read_sparse`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import re2

from ..errors import InputFileError

# A rectangle of this many cells costs calamine and the Python rows under 100 MB: read it
# directly, whatever it holds.
DENSE_CELLS = 2_000_000
# A larger rectangle is read by calamine when cells with content fill at least 1/DENSE_FACTOR
# of it (memory then follows content); sparser sheets are read cell by cell.
DENSE_FACTOR = 8
_CHUNK = 4 * 2**20

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY")
_ROW_NUMBER = re.compile(rb' r="([0-9]+)"')  # <row r="5">: rows are numbered, cells lettered
_ELEMENT_START = re.compile(rb"<(?:\w+:)?(?:c|row)\b")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*\bt="e"[^>]*>')
_FORMULA_ONLY = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b(?:[^>]*/>|[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_EMPTY_VALUE = re.compile(rb"<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>")
_CACHED_VALUE = re.compile(
    rb"(?:<(?:\w+:)?f\b[^>]*/>|<(?:\w+:)?f\b[^>]*>.*?</(?:\w+:)?f>)?\s*<(?:\w+:)?v>([^<]*)<", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_PART = re.compile(rb"<(?:\w+:)?row\b([^>]*)>|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)",
                   re.S)
_HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v>[^<]|is\b)")
_BYTES = re2.Options()
_BYTES.encoding = re2.Options.Encoding.LATIN1  # a byte is a character, as re reads bytes
_BYTES.log_errors = False  # a pattern RE2 refuses is an exception, not a line on stderr
# Anything a piece may hold that scan_sheet looks at more closely: an error value, a formula
# or a hidden row (by hand or by a filter)
_LOOK_CLOSER = re2.compile(rb't="e"|<f|:f|hidden=["\'](?:1|true)["\']', _BYTES)
_QUOTED_ROW_NUMBER = re.compile(rb"""\sr=["']([0-9]+)["']""")
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden=["\'](?:1|true)["\'][^>]*>')
# The start of a cell element, with or without a namespace prefix: <c>, <c r=…>, <x:c …/>.
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s/>]")


@dataclass
class SheetExtent:
    """What a sheet's cells claim and hold. Positions are 0-based (row, column)."""

    member: str  # the sheet's part in the zip, for messages
    rows: int = 0  # the rectangle claimed: farthest row + 1 …
    columns: int = 0  # … and farthest column + 1 (of any cell, with content or not)
    content_rows: int | None = None  # rows holding a value (None: not counted, small sheet)
    content_cells: int | None = None
    # the cells with a value in the farthest row and in the farthest column, when counted
    far_cells: list[tuple[int, int]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # cell → "#N/A"
    formulas: list[tuple[int, int]] = field(default_factory=list)  # formulas without a value
    hidden_rows: list[int] = field(default_factory=list)  # rows hidden, as Excel numbers them

    @property
    def counted(self) -> bool:
        return self.content_cells is not None

    def fits_calamine(self) -> bool:
        """True when calamine's rectangle costs memory in proportion to the content."""
        claimed = self.rows * self.columns
        if not self.counted:
            return claimed <= DENSE_CELLS
        return claimed <= max(DENSE_CELLS, DENSE_FACTOR * self.content_cells)


def column_index(letters: bytes | str) -> int:
    """b"A" → 0, b"XFD" → 16383."""
    index = 0
    for letter in letters.encode() if isinstance(letters, str) else letters:
        index = index * 26 + letter - 64
    return index - 1


def refuse_dtd(data: bytes, part: str, path: Path) -> None:
    """Spreadsheets never declare a DTD; one in a part is a trick (entity expansion)."""
    if _DOCTYPE.search(data[:4096] if len(data) > 4096 else data):
        raise InputFileError(
            f"{part} declares a DTD or XML entities (<!DOCTYPE …>), which spreadsheet programs "
            "never write; refused. Open the file in Excel and save it again",
            path=str(path), code="corrupt-workbook")


def sheet_members(archive: zipfile.ZipFile, path: Path) -> dict[str, str]:
    """Sheet name → the zip member holding it, from workbook.xml and its relations (read once
    per workbook: once per sheet, a workbook of 1,000 sheets parsed them a million times)."""
    from defusedxml import DefusedXmlException, ElementTree

    parts = {}
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        try:
            data = archive.read(part)
        except KeyError:
            return {}
        refuse_dtd(data, part, path)
        try:
            parts[part] = ElementTree.fromstring(data)
        except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
            raise InputFileError(f"cannot read the workbook: {part} is not valid XML ({exc})",
                                 path=str(path), code="corrupt-workbook") from exc
    targets = {r.get("Id"): r.get("Target", "") for r in parts["xl/_rels/workbook.xml.rels"]}
    members: dict[str, str] = {}
    for sheet in parts["xl/workbook.xml"].iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"))
        if target and sheet.get("name") not in members:
            members[sheet.get("name")] = (target.lstrip("/") if target.startswith("/")
                                          else f"xl/{target}")
    return members


def _chunks(archive: zipfile.ZipFile, member: str, path: Path):
    """The part in pieces that each end before the start of a cell or row element, so no cell
    reference is ever cut in two. The first piece is checked for a DTD."""
    with archive.open(member) as stream:
        carry = b""
        first = True
        while True:
            chunk = stream.read(_CHUNK)
            buffer = carry + chunk
            if first:
                refuse_dtd(buffer, member, path)
                first = False
            if not chunk:
                if buffer:
                    yield buffer
                return
            cut = len(buffer)
            while cut > 0:
                cut = buffer.rfind(b"<", 0, cut)
                if cut <= 0 or _ELEMENT_START.match(buffer, cut):
                    break
            cut = max(cut, 0)
            if cut:
                yield buffer[:cut]
            carry = buffer[cut:]


def scan_sheet(path: Path, archive: zipfile.ZipFile, member: str, max_rows: int) -> SheetExtent:
    """The extent, error values and value-less formulas of one sheet part. Rows with content
    are counted when the rectangle is large or claims more than `max_rows` rows.

    The farthest row is the largest <row r="…"> number, unless a cell reference points
    farther; the farthest column is the largest cell reference. Both are kept as they grow, and
    each piece is searched (in C, by a regular expression built from them) only for references
    beyond them: a sheet whose cells sit in their rows costs a few scans of its XML, not a
    Python object per cell."""
    extent = SheetExtent(member)
    last_row, last_column = 0, -1  # the farthest row (1-based) and column (0-based) so far
    unreferenced = False
    for piece in _chunks(archive, member, path):
        numbers = _ROW_NUMBER.findall(piece)
        if numbers:
            last_row = max(last_row, max(map(int, numbers)))
        beyond = _search(_rows_beyond(last_row)).search(piece)
        if beyond:  # cells placed below their row (or rows without numbers): every such one
            last_row = max(last_row, *map(int, _rows_beyond(last_row).findall(piece,
                                                                                beyond.start())))
        beyond = _search(_columns_beyond(last_column)).search(piece)
        if beyond:
            last_column = max(map(column_index, set(_columns_beyond(last_column).findall(
                piece, beyond.start()))))
        # cells placed by order: only the cell-by-cell pass knows where (a <c without a
        # reference). Only cell tags count: <cols>, <cfRule>, <color> … are not cells.
        if not unreferenced and _unreferenced_cells(piece):
            unreferenced = True
        if not _LOOK_CLOSER.search(piece):  # the usual piece: one scan, not four
            continue
        for match in _HIDDEN_ROW.finditer(piece):  # not hidden="false" (LibreOffice: all)
            number = _QUOTED_ROW_NUMBER.search(match.group(0))
            if number:  # a row without its number is hidden where no cell can be told
                extent.hidden_rows.append(int(number.group(1)))
        if b't="e"' in piece:
            _find_errors(piece, extent.errors)
        if b"<f" in piece or b":f" in piece:
            for match in _FORMULA_ONLY.finditer(piece):
                if b't="str"' in match.group(1) and _EMPTY_VALUE.search(match.group(0)):
                    continue  # a string result saved empty (=IF(A5="","",…)): a blank cell
                ref = _CELL_REF.search(match.group(1))
                if ref:
                    extent.formulas.append((int(ref.group(2)) - 1, column_index(ref.group(1))))
    extent.rows, extent.columns = last_row, last_column + 1
    if unreferenced or extent.rows > max_rows or not extent.fits_calamine():
        _count_content(path, archive, extent)
    return extent


def _unreferenced_cells(piece: bytes) -> bool:
    """True when the piece has more cell tags than ` r="` references (rows' and cells'). Every
    cell tag starts with "<c" unless it has a namespace prefix, so when no ":c" is there and
    "<c" occurs no more often than the references, no cell can lack one: two counts in C,
    where listing every cell tag by a regular expression cost a third of the whole scan."""
    references = piece.count(b' r="')
    if b":c" not in piece and piece.count(b"<c") <= references:
        return False
    return len(_CELL_START.findall(piece)) > references


@lru_cache(maxsize=64)
def _rows_beyond(row: int) -> re.Pattern:
    """Cell references to a row after `row` (1-based), capturing the row number."""
    return re.compile(rb' r="[A-Z]{1,3}0*(' + _greater(str(row), "0123456789") + rb')"')


@lru_cache(maxsize=64)
def _columns_beyond(column: int) -> re.Pattern:
    """Cell references to a column after `column` (0-based), capturing its letters."""
    letters = column_letter(column) if column >= 0 else ""
    return re.compile(rb' r="(' + _greater(letters, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + rb')[0-9]')


@lru_cache(maxsize=128)
def _search(pattern: re.Pattern):
    """`pattern` for searching every piece of a sheet: RE2 (a DFA) reads them three times as
    fast as re does, while re lists the matches faster (findall, where a search found one).
    re itself where RE2 refuses the pattern: past a row numbered with 1,000 digits (a hostile
    sheet), RE2's repetition counts run out."""
    try:
        return re2.compile(pattern.pattern, _BYTES)
    except re2.error:
        return pattern


def _greater(value: str, digits: str) -> bytes:
    """A regular expression for the numerals (no leading zero) greater than `value`, written
    in `digits` (the decimal digits, or A–Z as column letters count, at most three): a longer
    numeral, or one as long that is greater at the first place where the two differ."""
    first = 1 if digits[0] == "0" else 0  # a decimal numeral does not start with 0
    most = "" if first else "2"  # column references have at most three letters (XFD)
    alternatives = [f"[{digits[first]}-{digits[-1]}][{digits[0]}-{digits[-1]}]"
                    f"{{{len(value)},{most}}}"] if first or len(value) < 3 else []
    for i, digit in enumerate(value):
        above = digits.index(digit) + 1
        if above < len(digits):
            alternatives.append(f"{value[:i]}[{digits[above]}-{digits[-1]}]"
                                f"[{digits[0]}-{digits[-1]}]{{{len(value) - i - 1}}}")
    return "|".join(alternatives).encode()


def _find_errors(piece: bytes, errors: dict[tuple[int, int], str]) -> None:
    for match in _ERROR_CELL.finditer(piece):
        ref = _CELL_REF.search(match.group(0))
        value = _CACHED_VALUE.match(piece, match.end())
        if ref and value:
            errors[(int(ref.group(2)) - 1, column_index(ref.group(1)))] = \
                value.group(1).decode("utf-8", "replace")


def _count_content(path: Path, archive: zipfile.ZipFile, extent: SheetExtent) -> None:
    """Cell by cell: the rows and cells holding a value and the farthest of them."""
    rows = cells = 0
    last_row = -1
    far_row = far_column = -1
    far_cells = [(-1, -1), (-1, -1)]  # farthest down, farthest right
    for row, column, _, _ in _valued_cells(_chunks(archive, extent.member, path)):
        cells += 1
        if row != last_row:
            rows, last_row = rows + 1, row
        if row > far_row:
            far_row, far_cells[0] = row, (row, column)
        if column > far_column:
            far_column, far_cells[1] = column, (row, column)
    extent.content_rows, extent.content_cells = rows, cells
    extent.rows, extent.columns = far_row + 1, far_column + 1
    extent.far_cells = sorted(set(far_cells)) if cells else []


def _valued_cells(pieces):
    """(row, column, attributes, body) of each cell that holds a value, 0-based, from the
    pieces of a sheet's XML. Cells without a reference are placed the way spreadsheet programs
    place them (next column, next row)."""
    row = column = -1
    for piece in pieces:
        for match in _PART.finditer(piece):
            attributes = match.group(2)
            if attributes is None:  # a <row> element
                number = _ROW_NUMBER.search(match.group(1))
                row = int(number.group(1)) - 1 if number else row + 1
                column = -1
                continue
            ref = _CELL_REF.search(attributes)
            if ref:
                row, column = int(ref.group(2)) - 1, column_index(ref.group(1))
            else:
                column += 1
            body = match.group(3)
            if body and _HAS_VALUE.search(body):
                yield row, column, attributes, body


@dataclass
class SparseCells:
    """The rows and columns of a sheet that hold a value, packed: `rows[i][j]` is the cell in
    sheet row `row_numbers[i]` (as Excel shows it) and column `column_numbers[j]` (0-based)."""

    rows: list[list[object]]
    row_numbers: list[int]
    column_numbers: list[int]
    merged: list[tuple[int, int, int, int]]  # in packed positions


def read_sparse(path: Path, name: str, extent: SheetExtent) -> SparseCells:
    """Read only the cells with a value of a sheet too sparse for calamine: the same pass over
    the sheet's XML as `_count_content`, decoding values as calamine does (shared and inline
    strings, numbers, dates by their number format, booleans, error values). Memory and time
    follow the XML and the cells with content, never the rectangle they span."""
    from bisect import bisect_left, bisect_right

    with zipfile.ZipFile(path) as archive:
        decode = _Decoder(archive, path)
        cells: dict[int, dict[int, object]] = {}
        merges: list[bytes] = []

        def pieces():
            for piece in _chunks(archive, extent.member, path):
                merges.extend(_MERGE.findall(piece))
                yield piece

        for row, column, attributes, body in _valued_cells(pieces()):
            value = decode(attributes, body)
            if value is not None and value != "":
                cells.setdefault(row + 1, {})[column] = value
    for row, column in extent.formulas:  # empty, but part of the table: reported at the cell
        cells.setdefault(row + 1, {}).setdefault(column, "")
    row_numbers = sorted(cells)
    column_numbers = sorted({c for row in cells.values() for c in row})
    position = {column: j for j, column in enumerate(column_numbers)}
    widths = [position[max(cells[r])] + 1 for r in row_numbers]
    budget = max(DENSE_CELLS, DENSE_FACTOR * sum(len(row) for row in cells.values()))
    if sum(widths) > budget:
        raise InputFileError(
            f"sheet {name!r}: {far_outside(name, extent)}; the few cells with content are spread "
            f"over {len(row_numbers):,} rows and {len(column_numbers):,} columns",
            path=str(path), code="too-large")
    rows = []
    for number, width in zip(row_numbers, widths, strict=True):
        row_values: list[object] = [""] * width
        for column, value in cells[number].items():
            row_values[position[column]] = value
        rows.append(row_values)
    merged = []
    for first, last in merges:
        (r1, c1), (r2, c2) = _position(first), _position(last)
        top = bisect_left(row_numbers, r1 + 1)
        if top < len(row_numbers) and row_numbers[top] == r1 + 1 and c1 in position:
            bottom = bisect_right(row_numbers, r2 + 1) - 1
            right = bisect_right(column_numbers, c2) - 1
            merged.append((top, position[c1], bottom, right))
    return SparseCells(rows, row_numbers, column_numbers, merged)


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3}[0-9]+):([A-Z]{1,3}[0-9]+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_STYLE = re.compile(rb'\bs="([0-9]+)"')
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)<")
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


def _position(ref: bytes) -> tuple[int, int]:
    match = re.match(rb"([A-Z]+)([0-9]+)", ref)
    return int(match.group(2)) - 1, column_index(match.group(1))


def _text(xml: bytes) -> str:
    """The text of a string item: its <t> runs, without the phonetic guide (ルビ), with the
    characters Excel writes as _xHHHH_ (a carriage return is _x000D_; _x005F_ is "_")."""
    import html

    text = html.unescape(b"".join(_TEXT.findall(_PHONETIC.sub(b"", xml))).decode("utf-8"))
    return _ESCAPED.sub(_unescaped, text) if "_x" in text else text


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescaped(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # as calamine leaves it


class _Decoder:
    """Turns one cell's XML into the value calamine would give (see `read_sparse`)."""

    def __init__(self, archive: zipfile.ZipFile, path: Path):
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        def part(name: str) -> bytes:
            try:
                data = archive.read(name)
            except KeyError:
                return b""
            refuse_dtd(data, name, path)
            return data

        self.strings = [_text(item) for item in re.findall(
            rb"<(?:\w+:)?si\b[^>]*>(.*?)</(?:\w+:)?si>", part("xl/sharedStrings.xml"), re.S)]
        styles = part("xl/styles.xml")
        formats = {int(i): _text(b"<t>" + code + b"</t>") for i, code in re.findall(
            rb'<(?:\w+:)?numFmt\b[^>]*numFmtId="([0-9]+)"[^>]*formatCode="([^"]*)"', styles)}
        cell_formats = re.search(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", styles, re.S)
        self.dates = set()
        for index, xf in enumerate(re.findall(rb"<(?:\w+:)?xf\b[^>]*>",
                                              cell_formats.group(0) if cell_formats else b"")):
            number = re.search(rb'numFmtId="([0-9]+)"', xf)
            code = number and (formats.get(int(number.group(1)))
                               or BUILTIN_FORMATS.get(int(number.group(1))))
            if code and is_date_format(code):
                self.dates.add(index)
        self.epoch = CALENDAR_MAC_1904 if re.search(
            rb'date1904="(?:1|true)"', part("xl/workbook.xml")) else CALENDAR_WINDOWS_1900

    def __call__(self, attributes: bytes, body: bytes) -> object:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        kind = _TYPE.search(attributes)
        kind = kind.group(1) if kind else b"n"
        if kind == b"inlineStr":
            return _text(body)
        value = _V.search(body)
        if value is None:
            return None
        raw = value.group(1)
        if kind == b"s":
            index = int(raw)
            return self.strings[index] if index < len(self.strings) else None
        if kind in (b"str", b"e"):
            return _text(b"<t>" + raw + b"</t>")
        if kind == b"b":
            return raw.strip() == b"1"
        if kind == b"d":
            return from_ISO8601(raw.decode())
        number = float(raw)
        style = _STYLE.search(attributes)
        if style and int(style.group(1)) in self.dates:
            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError):
                return number
        return number


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """(0, 0) → "A1"."""
    return f"{column_letter(column)}{row + 1}"


def far_outside(sheet: str, extent: SheetExtent) -> str:
    """"事例一覧!XFD1048576 holds a value far outside the table; delete it and save"."""
    cells = ", ".join(f"{sheet}!{cell_name(*cell)}" for cell in extent.far_cells)
    return (f"{cells or 'a cell'} {'hold values' if len(extent.far_cells) > 1 else 'holds a value'}"
            " far outside the table; delete what is not part of the table and save")
