"""Readers: one per file format, each turning a file into sheets of raw cell values.

A `Sheet` is a grid of values where grid row 0 is what Excel shows as row 1, with the merged
ranges of the sheet. The inventory module finds the header and the cases in it; readers only
open files and decode them, and turn every failure into an `InputFileError` that names the file.
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError, SheetNotFoundError, shown_path, whole_text
from ..settings import HEADER_SCAN_ROWS, Limits, MiB
from .delimited import DELIMITERS, guess_delimiter, read_rows
from .extent import SheetExtent, read_sparse, scan_sheet, sheet_members
from .html_table import TableTooLarge, declared_charset, page_tables
from .ods import read_ods

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
JSON_SUFFIXES = (".json",)
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES + TEXT_SUFFIXES + JSON_SUFFIXES

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and encrypted xlsx/xlsm


@dataclass
class Sheet:
    name: str | None  # None for CSV and JSON
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    has_cells: bool = True  # False for JSON: no cell references, rows are list positions
    row_base: int = 1  # row number shown to people = grid index + row_base
    # A sparse sheet is read packed, only its rows and columns with content: the row number
    # shown to people of each grid row, and the sheet column (0-based) of each grid column.
    row_numbers: list[int] | None = None
    column_numbers: list[int] | None = None
    # An HTML page's tables, read one below the other: the grid row each starts at.
    table_starts: list[int] = field(default_factory=list)
    # Cells (0-based sheet row, column) holding a formula saved without its value.
    formulas: list[tuple[int, int]] = field(default_factory=list)
    # Rows hidden in the sheet (by hand, or by a filter), as people number them.
    hidden_rows: frozenset[int] = frozenset()

    def row_number(self, grid_row: int) -> int:
        """The row number people see (Excel's, or the CSV record number)."""
        if self.row_numbers is not None:
            return self.row_numbers[grid_row]
        return grid_row + self.row_base

    def column_index(self, grid_column: int) -> int:
        """The sheet column (0-based, A = 0) of a grid column."""
        if self.column_numbers is not None:
            return self.column_numbers[grid_column]
        return grid_column


@dataclass
class Workbook:
    path: Path
    sheet_names: list[str]  # the sheets worth looking at, in workbook order
    all_sheet_names: list[str]  # every sheet, for messages
    load: Callable[[str], Sheet]
    encoding: str | None = None  # the encoding a text file was decoded with
    close: Callable[[], None] = lambda: None  # let go of the file (an xlsx's zip)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_workbook(path: str | Path, *, encoding: str | None = None,
                  limits: Limits | None = None) -> Workbook:
    """Open any supported inventory file. Raises InputFileError with a planner-readable reason."""
    limits = limits or Limits()
    path = Path(path)
    if path.name.startswith("~$"):
        name = shown_path(path.name[2:])
        raise InputFileError(
            f"is the lock file Excel keeps while {name!r} is open, not an inventory; "
            f"pass {name!r} itself", path=str(path), code="lock-file", params={"name": name})
    if not path.exists() and path.is_symlink():  # its name is there: no "did you mean" it
        raise InputFileError("is a link to a file that does not exist", path=str(path),
                             code="file-not-found", params={"reason": "dangling-link"})
    if not path.exists():
        near = _nearest_file(path)
        raise InputFileError("file not found" + (f"; did you mean {near!r}?" if near else ""),
                             path=str(path), code="file-not-found",
                             params={"reason": "near" if near else None, "near": near})
    if path.is_dir():
        raise InputFileError("is a folder, not an inventory file", path=str(path),
                             code="not-a-file", params={"reason": "folder"})
    if not path.is_file():  # opening a pipe waits for a writer; a device never ends
        raise InputFileError("is not a regular file (a pipe, device or socket); save the "
                             "inventory as a file and pass that", path=str(path),
                             code="not-a-file", params={"reason": "special"})
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputFileError(
            f"unsupported file type {suffix or '(no extension)'!r}; flowmatrix reads "
            + ", ".join(SUPPORTED_SUFFIXES), path=str(path), code="unsupported-format",
            params={"suffix": suffix or "（拡張子なし）",
                    "supported": ", ".join(SUPPORTED_SUFFIXES)})
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:  # read-only: the input is never opened for writing
            head = handle.read(8)
    except OSError as exc:
        raise InputFileError(f"cannot open: {exc.strerror or exc}", path=str(path)) from exc
    if size == 0:
        raise InputFileError("the file is empty (0 bytes)", path=str(path), code="empty-file",
                             params={"size": 0})
    if size > limits.max_file_bytes:
        raise InputFileError(
            f"the file is {size / MiB:,.0f} MiB, over the limit of "
            f"{limits.max_file_bytes / MiB:,.0f} MiB (raise it with --max-file-size)",
            path=str(path), code="too-large",
            params={"reason": "file-size", "size": f"{size / MiB:,.0f}",
                    "limit": f"{limits.max_file_bytes / MiB:,.0f}"})
    if suffix == ".xls" and not head.startswith((_OLE_MAGIC, _ZIP_MAGIC)):
        book = _open_xls_text(path, encoding, limits)
        if book is not None:
            return book
    if suffix in EXCEL_SUFFIXES:
        return _open_excel(path, suffix, head, limits)
    if suffix in JSON_SUFFIXES:
        return _single_sheet(path, _read_json(path, encoding, limits), None)
    rows, used = _read_delimited(path, suffix, encoding, limits)
    return _single_sheet(path, Sheet(None, rows), used)


def _nearest_file(path: Path) -> str:
    """The inventory in the same folder whose name is closest to a misspelt one, as a message
    can show it (errors.shown_path); '' when none is close."""
    import difflib

    try:
        names = sorted(p.name for p in path.parent.iterdir()
                       if p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("~$"))
    except OSError:  # no such folder, or not allowed to list it
        return ""
    near = difflib.get_close_matches(path.name, names[:10_000], n=1, cutoff=0.6)
    return shown_path(path.with_name(near[0])) if near else ""


def too_many_rows(path: Path | str, rows: int, limits: Limits, what: str = "rows",
                  counted: str = "rows") -> InputFileError:
    """The file holds more than --max-rows cases: counted as cases (JSON records, or once the
    header is found), or as rows with content while a sheet is read, when even the title and
    header block (settings.HEADER_SCAN_ROWS rows) cannot account for the excess."""
    if counted == "cases":
        return InputFileError(f"{what} has {rows:,} cases, over the limit of "
                              f"{limits.max_rows:,} (raise it with --max-rows)", path=str(path),
                              code="too-large", params={"reason": "cases", "rows": f"{rows:,}",
                                                        "limit": f"{limits.max_rows:,}"})
    return InputFileError(
        f"{what} has {rows:,} {counted}: more than {limits.max_rows:,} cases (the limit) below "
        f"a title and header block of up to {HEADER_SCAN_ROWS} rows (raise it with --max-rows)",
        path=str(path), code="too-large",
        params={"reason": "cases-while-reading", "limit": f"{limits.max_rows:,}",
                "rows": f"{row_budget(limits):,}", "header": f"{HEADER_SCAN_ROWS}"})


def row_budget(limits: Limits) -> int:
    """The rows with content a sheet may hold while it is read: the cases the limit allows and
    the rows above them (settings.HEADER_SCAN_ROWS); the cases are counted once the header is
    found (inventory.read_inventory)."""
    return limits.max_rows + HEADER_SCAN_ROWS


def _check_zip(path: Path, limits: Limits) -> None:
    """Refuse a zip bomb before anything inflates it: compare the sizes the archive declares."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"cannot read the workbook (corrupt or truncated?): {exc}",
                             path=str(path), code="corrupt-workbook") from exc
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise InputFileError(
            f"the workbook inflates to {total / MiB:,.0f} MiB, over the limit of "
            f"{limits.max_uncompressed_bytes / MiB:,.0f} MiB (a zip bomb? raise it with "
            "--max-uncompressed-size)", path=str(path), code="too-large")
    for member in members:
        if member.file_size > 16 * MiB and \
                member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise InputFileError(
                f"{member.filename} inflates {member.file_size // max(member.compress_size, 1):,}"
                f" times (over {limits.max_ratio}); this looks like a zip bomb",
                path=str(path), code="too-large")


def _single_sheet(path: Path, sheet: Sheet, used_encoding: str | None) -> Workbook:
    def load(name: str) -> Sheet:
        return sheet

    return Workbook(path, [""], [""], load, used_encoding)


# --- Excel and OpenDocument (python-calamine) ---------------------------------------------------

def _open_excel(path: Path, suffix: str, head: bytes, limits: Limits) -> Workbook:
    import python_calamine as calamine

    if suffix in (".xlsx", ".xlsm", ".ods"):
        if head.startswith(_OLE_MAGIC) and suffix != ".ods":
            raise InputFileError(
                "the workbook is password-protected (encrypted); open it in Excel and save a copy "
                "without a password", path=str(path), code="encrypted-workbook")
        if not head.startswith(_ZIP_MAGIC):
            raise InputFileError(
                f"not a valid {suffix} workbook (it does not start like one; is it a CSV or "
                "another file renamed?)", path=str(path), code="corrupt-workbook")
        _check_zip(path, limits)
    if suffix == ".ods":
        return _open_ods(path, limits)
    try:
        if shown_path(path) == str(path):
            book = calamine.CalamineWorkbook.from_path(str(path))
        else:  # a name with bytes the system could not decode: calamine cannot be given it
            with path.open("rb") as handle:
                book = calamine.CalamineWorkbook.from_filelike(handle)
        metadata = book.sheets_metadata
    except calamine.PasswordError as exc:
        raise InputFileError("the workbook is password-protected; save a copy without a password",
                             path=str(path), code="encrypted-workbook") from exc
    except Exception as exc:  # calamine raises several types for damaged files
        raise InputFileError(f"cannot read the workbook (corrupt or truncated?): {exc}",
                             path=str(path), code="corrupt-workbook") from exc
    all_names = [m.name for m in metadata]
    usable = [m.name for m in metadata
              if m.typ == calamine.SheetTypeEnum.WorkSheet
              and m.visible == calamine.SheetVisibleEnum.Visible]

    parts = _XlsxParts(path) if suffix in (".xlsx", ".xlsm") else None

    def load(name: str) -> Sheet:
        if name not in all_names:
            raise SheetNotFoundError(
                f"no sheet named {name!r}; the workbook has: "
                + ", ".join(repr(n) for n in all_names), path=str(path))
        extent = parts.extent(name, limits) if parts is not None else None
        try:
            if extent is not None and not extent.fits_calamine():
                return _sparse_sheet(path, name, extent)
            sheet = _parsed(book, name)
            end = sheet.end
            if extent is None and end is not None and end[0] + 1 > row_budget(limits):
                raise too_many_rows(path, end[0] + 1, limits, f"sheet {name!r}")
            rows = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
        except InputFileError:
            raise
        except Exception as exc:
            raise InputFileError(f"cannot read sheet {name!r} (corrupt or truncated?): {exc}",
                                 path=str(path), code="corrupt-workbook") from exc
        spans = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in merged]
        if extent is None:
            return Sheet(name, rows, spans)
        _restore_error_values(rows, extent.errors)
        if extent.formulas:  # a row of formulas without values is still a row of the table
            rows.extend([] for _ in range(max(r for r, _ in extent.formulas) + 1 - len(rows)))
        return Sheet(name, rows, spans, formulas=extent.formulas,
                     hidden_rows=frozenset(extent.hidden_rows))

    def close() -> None:  # calamine's file too: a stored error's traceback keeps `book`
        book.close()
        if parts is not None:
            parts.close()

    return Workbook(path, usable, all_names, load, close=close)


def _parsed(book, name: str):
    """calamine's parse of a sheet, with pandas imported meanwhile on a thread: calamine
    parses with the GIL released, and every step after reading needs pandas (its import is
    0.3 s). On two cores the two overlap. The thread has ended when this returns, unless a
    signal interrupts the wait (the run is ending then; the thread is a daemon)."""
    import sys
    import threading

    if "pandas" in sys.modules:
        return book.get_sheet_by_name(name)
    warm = threading.Thread(target=_import_quietly, args=("pandas",), daemon=True)
    warm.start()
    try:
        return book.get_sheet_by_name(name)
    finally:
        warm.join()


def _import_quietly(name: str) -> None:
    try:
        __import__(name)
    except Exception:  # noqa: BLE001  (the import where it is used says what is wrong)
        pass


def _open_ods(path: Path, limits: Limits) -> Workbook:
    """An .ods is read by io/ods.py, not calamine, which expands every repeated row and cell
    (a 1 KB file repeating one row 200,000 times took > 60 s and 4.7 GB)."""
    from bisect import bisect_right

    sheets = {sheet.name: sheet for sheet in read_ods(path, limits)}
    names = list(sheets)
    visible = [name for name, sheet in sheets.items() if not sheet.hidden]

    def load(name: str) -> Sheet:
        if name not in sheets:
            raise SheetNotFoundError(
                f"no sheet named {name!r}; the workbook has: "
                + ", ".join(repr(n) for n in names), path=str(path))
        sheet = sheets[name]
        numbers = sheet.row_numbers
        merged = []
        for r1, c1, r2, c2 in sheet.merged:
            top = bisect_right(numbers, r1 + 1) - 1
            if top >= 0 and numbers[top] == r1 + 1:
                merged.append((top, c1, bisect_right(numbers, r2 + 1) - 1, c2))
        return Sheet(name, sheet.rows, merged, row_numbers=numbers,
                     hidden_rows=frozenset(sheet.hidden_rows))

    return Workbook(path, visible, names, load)


class _XlsxParts:
    """An xlsx's zip, opened at the first sheet scanned and kept for the next, and its sheets'
    parts, read once from workbook.xml: a workbook of 1,000 sheets opened the zip and parsed
    workbook.xml again for each sheet (validate took 13.9 s). Closed by Workbook.close."""

    def __init__(self, path: Path):
        self.path = path
        self.archive: zipfile.ZipFile | None = None
        self.members: dict[str, str] = {}

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def extent(self, name: str, limits: Limits) -> SheetExtent | None:
        """Stream the sheet's XML before calamine reads it (see io/extent.py): refuse it when
        more rows hold content than the limit allows. None when the sheet part cannot be
        found (calamine then says what is wrong)."""
        path = self.path
        try:
            if self.archive is None:
                archive = zipfile.ZipFile(path)
                try:
                    self.members = sheet_members(archive, path)
                except BaseException:
                    archive.close()
                    raise
                self.archive = archive
            member = self.members.get(name)
            if member is None:
                return None
            extent = scan_sheet(path, self.archive, member, row_budget(limits))
        except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise InputFileError(f"cannot read sheet {name!r} (corrupt or truncated?): {exc}",
                                 path=str(path), code="corrupt-workbook") from exc
        if extent.content_rows is not None and extent.content_rows > row_budget(limits):
            raise too_many_rows(path, extent.content_rows, limits, f"sheet {name!r}",
                                "rows with content")
        return extent


def _sparse_sheet(path: Path, name: str, extent: SheetExtent) -> Sheet:
    """A sheet whose cells with content are few for the rectangle they span (a stray value in
    XFD1048576): read packed, only the rows and columns with content."""
    try:
        cells = read_sparse(path, name, extent)
    except InputFileError:
        raise
    except Exception as exc:
        raise InputFileError(f"cannot read sheet {name!r} (corrupt or truncated?): {exc}",
                             path=str(path), code="corrupt-workbook") from exc
    return Sheet(name, cells.rows, cells.merged, row_numbers=cells.row_numbers,
                 column_numbers=cells.column_numbers, formulas=extent.formulas,
                 hidden_rows=frozenset(extent.hidden_rows))


def _restore_error_values(rows: list[list[object]], errors: dict[tuple[int, int], str]) -> None:
    for (r, c), value in errors.items():
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if len(row) <= c:
            row.extend([""] * (c + 1 - len(row)))
        if row[c] in ("", None):
            row[c] = value


# --- CSV / TSV ----------------------------------------------------------------------------------

def decode_text(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode a text file: a BOM decides, else UTF-8, else cp932 (what Japanese Excel writes).
    `encoding` overrides the detection. Returns (text, encoding used)."""
    if encoding:
        try:
            codec = codecs.lookup(encoding)
        except (LookupError, UnicodeError) as exc:  # a name of bytes that are not text too
            raise InputFileError(f"unknown encoding {encoding!r}", path=str(path),
                                 code="bad-encoding",
                                 params={"reason": "unknown", "encoding": encoding}) from exc
        if not getattr(codec, "_is_text_encoding", True):  # rot13, zlib, base64, …
            raise InputFileError(
                f"--encoding {encoding} is not a text encoding; use utf-8, cp932, euc_jp or "
                "another text encoding, or leave --encoding out to detect it",
                path=str(path), code="usage")
        try:
            return data.decode(encoding), encoding
        except UnicodeError as exc:
            byte = exc.start if isinstance(exc, UnicodeDecodeError) else None
            where = "the text" if byte is None else f"byte {byte}"
            raise InputFileError(
                f"cannot decode as {encoding}: {where} is not valid in that encoding",
                path=str(path), code="bad-encoding",
                params={} if byte is None else {"reason": "invalid", "encoding": encoding,
                                                "byte": f"{byte + 1:,}"}) from exc
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                if name == "utf-8-sig":  # Excel's "CSV UTF-8": say where, as without the mark
                    try:
                        data.decode("utf-8")  # for the byte counted from the file's start
                    except UnicodeDecodeError as whole:
                        _refuse_stray_bytes(data, whole, path, certain=True)
                raise InputFileError(f"the file starts with a {name} byte-order mark but is not "
                                     f"valid {name}", path=str(path), code="bad-encoding") from exc
    if data.count(b"\x00") > len(data) // 10:  # binary, or UTF-16 without a byte-order mark
        raise InputFileError("this is not a text file (it is full of NUL bytes; UTF-16 text "
                             "needs a byte-order mark)", path=str(path), code="bad-encoding")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_stray_bytes(data, exc, path)
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError:
        pass
    raise InputFileError(
        "the text is neither UTF-8 nor cp932 (Shift_JIS); save it as UTF-8 or pass "
        "--encoding (e.g. --encoding euc_jp)", path=str(path), code="bad-encoding",
        params={"reason": "undetected"})


# A text that is UTF-8 but for a few places: its multi-byte UTF-8 characters outnumber the
# places this many times, in its first MiB and in all (cp932 text read as UTF-8 is mostly
# places that fail).
_UTF8_MAJORITY = 5  # cp932 text read as UTF-8 comes to about 0.12
_UTF8_MIN_CHARACTERS = 8
_UTF8_SAMPLE = 2**20


def _refuse_stray_bytes(data: bytes, error: UnicodeDecodeError, path: Path, *,
                        certain: bool = False) -> None:
    """Refuse a UTF-8 text with a few bytes that are not UTF-8 (a character pasted in from a
    cp932 file), or cut off in the middle of a character: decoded as cp932 it would be read
    whole, every Japanese cell mojibake. The counts are made in C (bytes minus characters is
    the extra bytes of multi-byte ones), on the first MiB first, so a cp932 file costs a
    millisecond more. `certain`: the text says it is UTF-8 (its byte-order mark)."""
    first_bad = error.start
    line = (data.count(b"\n", 0, first_bad) or data.count(b"\r", 0, first_bad)) + 1
    if error.reason == "unexpected end of data" and error.end == len(data) and \
            len(data) - first_bad < 4:
        raise InputFileError(
            f"the text is UTF-8 but ends in the middle of a character (line {line:,}): was the "
            "file cut off while copying? Copy or save it again", path=str(path),
            code="bad-encoding", params={"reason": "truncated", "line": f"{line:,}"})
    for part in (data[:_UTF8_SAMPLE], data) if len(data) > _UTF8_SAMPLE else (data,):
        text = part.decode("utf-8", "replace")
        bad = text.count("\ufffd") - part.count("\ufffd".encode())
        wide = (len(part) - len(text)) // 2
        if not certain and (wide < _UTF8_MIN_CHARACTERS or wide < _UTF8_MAJORITY * bad):
            return
    where = (f"at byte {first_bad + 1:,} (line {line:,}): a character" if bad == 1 else
             f"at {bad:,} places, the first at byte {first_bad + 1:,} (line {line:,}): "
             "characters")
    raise InputFileError(
        f"the text is UTF-8 except {where} pasted from a file in another encoding? Read as "
        "cp932 instead, every Japanese cell would be garbled. Retype "
        f"{'that character' if bad == 1 else 'them'} and save the file as UTF-8",
        path=str(path), code="bad-encoding",
        params={"reason": "stray", "count": f"{bad:,}", "byte": f"{first_bad + 1:,}",
                "line": f"{line:,}"})


_SEP_LINE = re.compile(r'"?sep=([^\r\n"])"?[ \t]*(?:\r\n|\r|\n)')


def _read_delimited(path: Path, suffix: str, encoding: str | None,
                    limits: Limits) -> tuple[list[list], str]:
    text, used = decode_text(path.read_bytes(), encoding, path)
    stated = _SEP_LINE.match(text)  # Excel's "sep=;" first line: the delimiter, not a row
    delimiter, width = guess_delimiter(
        text, (stated.group(1),) if stated else ("\t",) if suffix == ".tsv" else DELIMITERS)
    return read_rows(text, delimiter, width, limits.max_rows, str(path),
                     skip=1 if stated else 0), used


def _open_xls_text(path: Path, encoding: str | None, limits: Limits) -> Workbook | None:
    """Web systems save an HTML table or tab-separated text under an .xls name (Excel opens
    both): read the tables of the page (one below the other, as LibreOffice shows them), or
    the text as TSV/CSV. None when it is neither, for the workbook reader to report."""
    data = path.read_bytes()
    start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"\x00" in data[:4096]:
        return None
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in start:
        raise InputFileError("this .xls is an XML Spreadsheet 2003 file, which flowmatrix does "
                             "not read; open it in Excel and save it as .xlsx",
                             path=str(path), code="unsupported-format")
    if start.startswith(b"<"):
        charset = encoding or declared_charset(data)
        try:
            text, used = decode_text(data, charset, path)
        except InputFileError:
            if encoding or not charset:
                raise
            text, used = decode_text(data, None, path)  # the page's charset was wrong
        try:
            table = page_tables(text, row_budget(limits))
        except TableTooLarge as exc:
            if exc.rows is not None:
                raise too_many_rows(path, exc.rows, limits, "this .xls (an HTML page)",
                                    "rows with content") from exc
            raise InputFileError(f"this .xls is an HTML page: {exc}", path=str(path),
                                 code="too-large") from exc
        if table is None:
            raise InputFileError("this .xls is an HTML page without a table; open it in Excel "
                                 "and save it as .xlsx", path=str(path), code="unsupported-format")
        rows, merged, starts = table
        return _single_sheet(path, Sheet(None, rows, merged, table_starts=starts), used)
    try:
        text, used = decode_text(data, encoding, path)
    except InputFileError:
        return None  # not text either: a damaged workbook
    delimiter, width = guess_delimiter(text)
    if width < 2:
        return None
    return _single_sheet(path, Sheet(None, read_rows(text, delimiter, width, limits.max_rows,
                                                     str(path))), used)


# --- JSON ---------------------------------------------------------------------------------------

# A JSON inventory is a table: one key per column, tens of them. Over a thousand keys, or
# records whose keys differ so much that the table would be mostly holes, are refused: every
# key becomes a column of the reports.
MAX_JSON_KEYS = 1_024
_JSON_HOLES_PER_VALUE = 8  # cells of the table per value held, past a floor of _JSON_MIN_CELLS
_JSON_MIN_CELLS = 4_000_000
_INT_DIGITS = 4_000  # longer integers stay text (Python refuses to convert over 4,300 digits)


def _json_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _INT_DIGITS else digits


def _read_json(path: Path, encoding: str | None, limits: Limits) -> Sheet:
    text, _ = decode_text(path.read_bytes(), encoding, path)
    try:
        data = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                             path=str(path), code="bad-json") from exc
    except RecursionError as exc:
        raise InputFileError("the JSON is nested too deeply", path=str(path),
                             code="bad-json") from exc
    try:
        return _json_sheet(data, path, limits)
    except RecursionError as exc:
        raise InputFileError("the JSON is nested too deeply", path=str(path),
                             code="bad-json") from exc


def _json_sheet(data: object, path: Path, limits: Limits) -> Sheet:
    """Row 0 holds every key, in the order first seen; each record's row runs to its last key,
    so the table costs what the records hold, and a key is found in a dict, not a list."""
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
    if not isinstance(data, list):
        raise InputFileError('expected a JSON list of objects (or {"cases": [...]})',
                             path=str(path), code="bad-json")
    column: dict[str, int] = {}
    values = cells = with_content = 0
    for index, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise InputFileError(f"item {index} of the list is not an object", path=str(path),
                                 code="bad-json")
        if record:
            with_content += 1
            values += len(record)
            cells += 1 + max(column.setdefault(key, len(column)) for key in record)
    if with_content > limits.max_rows:
        raise too_many_rows(path, with_content, limits, "the list", "cases")
    if len(column) > MAX_JSON_KEYS:
        raise InputFileError(
            f"the records use {len(column):,} different keys, over the limit of "
            f"{MAX_JSON_KEYS:,}; an inventory has one key per column (source_service, data, "
            "target_service, linked_service, …) and the same keys in every record",
            path=str(path), code="bad-json")
    if cells > max(_JSON_MIN_CELLS, _JSON_HOLES_PER_VALUE * values):
        raise InputFileError(
            f"the {len(data):,} records use {len(column):,} different keys, most of them in few "
            f"records: as a table that is {cells:,} cells for {values:,} values. An inventory "
            "has the same keys (columns) in every record; write the rest as one key, e.g. "
            '"notes"', path=str(path), code="bad-json")
    # JSON can spell half of a character ("\\ud800"), which no file can hold: whole_text
    rows: list[list[object]] = [[whole_text(key) for key in column]]
    for record in data:
        row: list[object] = [None] * (1 + max((column[key] for key in record), default=-1))
        for key, value in record.items():
            row[column[key]] = _json_value(value)
        rows.append(row)
    return Sheet(None, rows, has_cells=False, row_base=0)


def _json_value(value: object) -> object:
    """Lists become one item per line; objects stay visible as JSON text."""
    if isinstance(value, list):
        return "\n".join(str(_json_value(v)) for v in value if v is not None)
    if isinstance(value, dict):
        return whole_text(json.dumps(value, ensure_ascii=False))
    return whole_text(value) if isinstance(value, str) else value
