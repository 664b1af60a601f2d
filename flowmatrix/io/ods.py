"""OpenDocument spreadsheets (.ods), streamed from content.xml.

An .ods compresses a sheet by repeating: LibreOffice ends every row with an empty cell repeated
to column 16,384 and every sheet with an empty row repeated a million times, and one row can
claim to repeat 200,000 times in 1 KB. calamine expands all of it when it opens the file (a 1 KB
file took > 60 s and 4.7 GB). Here repeated empty rows and cells cost nothing, and repeated rows
with content count toward the row limit before anything is expanded.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError
from ..settings import HEADER_SCAN_ROWS, Limits

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
# Cells built in Python lists per sheet at most (rows with content × their width, repeats
# expanded): beyond this a sheet is refused, whatever the row limit says.
MAX_CELLS = 50_000_000


@dataclass
class OdsSheet:
    name: str
    rows: list[list[object]] = field(default_factory=list)  # rows with content only
    row_numbers: list[int] = field(default_factory=list)  # as LibreOffice shows them
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # sheet positions
    hidden: bool = False  # a sheet LibreOffice hides (its table style: display false)
    hidden_rows: list[int] = field(default_factory=list)  # rows with content hidden or filtered


def read_ods(path: Path, limits: Limits) -> list[OdsSheet]:
    """Every sheet of the file, rows with content only, merged ranges in sheet positions."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, iterparse

    sheets: list[OdsSheet] = []
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
            sheet: OdsSheet | None = None
            row = cells = 0
            hidden: set[str] = set()  # table styles that hide a sheet (before the tables)
            style = None
            for event, element in iterparse(stream, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == f"{_TABLE}table":
                        sheet = OdsSheet(element.get(f"{_TABLE}name", f"Sheet{len(sheets) + 1}"),
                                         hidden=element.get(f"{_TABLE}style-name") in hidden)
                        sheets.append(sheet)
                        row = cells = 0
                    elif tag == f"{_STYLE}style":
                        style = element.get(f"{_STYLE}name")
                    continue
                if tag == f"{_STYLE}table-properties" \
                        and element.get(f"{_TABLE}display") == "false":
                    hidden.add(style)
                    continue
                if tag == f"{_TABLE}table-row" and sheet is not None:
                    repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                    values = _row_values(element, row, sheet.merged)
                    if values:
                        if len(sheet.rows) + repeat > limits.max_rows + HEADER_SCAN_ROWS:
                            raise InputFileError(
                                f"sheet {sheet.name!r} has over {limits.max_rows:,} rows with "
                                f"content (row {row + 1:,} repeats {repeat:,} times), over the "
                                "limit (raise it with --max-rows)", path=str(path),
                                code="too-large")
                        cells += len(values) * repeat
                        if cells > MAX_CELLS:
                            raise InputFileError(
                                f"sheet {sheet.name!r} expands to over {MAX_CELLS:,} cells "
                                f"(row {row + 1:,} repeats {repeat:,} times); refused",
                                path=str(path), code="too-large")
                        for i in range(repeat):
                            sheet.rows.append(values if i == 0 else list(values))
                            sheet.row_numbers.append(row + i + 1)
                        if element.get(f"{_TABLE}visibility", "visible") != "visible":
                            sheet.hidden_rows.extend(range(row + 1, row + repeat + 1))
                    row += repeat
                    element.clear()
                elif tag == f"{_TABLE}table":
                    element.clear()
    except InputFileError:
        raise
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, ParseError,
            DefusedXmlException) as exc:
        raise InputFileError(f"cannot read the spreadsheet (corrupt or truncated?): {exc}",
                             path=str(path), code="corrupt-workbook") from exc
    return sheets


def _row_values(row_element, row: int, merged: list) -> list[object]:
    """The row's values up to its last cell with content; repeated cells expanded only
    before content (trailing repeated empties cost nothing)."""
    values: list[object] = []
    width = 0  # columns seen, content or not
    for cell in row_element:
        if cell.tag not in _CELLS:
            continue
        repeat = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
        value = _value(cell) if cell.tag == _CELLS[0] else ""
        rows_spanned = int(cell.get(f"{_TABLE}number-rows-spanned", "1"))
        columns_spanned = int(cell.get(f"{_TABLE}number-columns-spanned", "1"))
        if (rows_spanned > 1 or columns_spanned > 1) and value != "":
            merged.append((row, width, row + rows_spanned - 1, width + columns_spanned - 1))
        if value != "":
            values.extend([""] * (width - len(values)))
            values.extend([value] * min(repeat, 16_384))
        width += repeat
    return values


def _value(cell) -> object:
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        return float(cell.get(f"{_OFFICE}value", "nan"))
    if kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    if kind == "date":
        text = cell.get(f"{_OFFICE}date-value", "")
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    # the cell's paragraphs, not a comment's (office:annotation holds its own)
    spaces = [MAX_CELL_SPACES]  # what runs of spaces may add to the cell, in all
    return "\n".join(_text(p, spaces) for p in cell.findall(f"{_TEXT}p"))


_SPECIAL = {f"{_TEXT}line-break": "\n", f"{_TEXT}tab": "\t"}
_SKIPPED = f"{_OFFICE}annotation"
MAX_CELL_SPACES = 32_767  # a cell of Excel holds this many characters


def _text(paragraph, spaces: list[int]) -> str:
    """The text of a paragraph as LibreOffice shows it, its spans and links included: a line
    break and a tab are elements of their own, a run of spaces one element with a count
    (text:s), bounded by `spaces` for the whole cell so that a small file cannot claim
    gigabytes. Walked with a list, not recursion (spans may nest thousands deep)."""
    parts: list[str] = []
    stack = [(paragraph, True)]
    while stack:
        node, opening = stack.pop()
        if not opening:
            if node is not paragraph and node.tail:
                parts.append(node.tail)
            continue
        stack.append((node, False))  # its tail, after what it holds
        if node.tag == f"{_TEXT}s":
            count = max(0, min(int(node.get(f"{_TEXT}c", "1")), spaces[0]))
            spaces[0] -= count
            parts.append(" " * count)
        elif node.tag in _SPECIAL:
            parts.append(_SPECIAL[node.tag])
        elif node.tag != _SKIPPED:
            parts.append(node.text or "")
            stack.extend((child, True) for child in reversed(node))
    return "".join(parts)
