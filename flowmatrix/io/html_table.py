"""The tables of an HTML page, one below the other as LibreOffice shows them, as rows of cell
texts with their rowspans as merged ranges. Text outside the tables is not read (LibreOffice
shows it in rows of its own, so row numbers differ on a page with a title above its table).

Japanese web systems export "Excel" files that are HTML pages with an .xls name; Excel opens
them, so planners have them. A system that pages its export writes a table a page, each with
its header: the tables are read one below the other, as LibreOffice shows adjacent tables,
and where each starts is kept, so the inventory reads on over a repeated header and stops at a
table of other rows (a summary). A cell spanning rows becomes a merged range (its value belongs
to every row it spans, as in a workbook); a cell spanning columns is followed by empty cells so
the columns below it stay aligned, and is a merged range too. Tables inside a cell are read as
that cell's text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_SPAN = 1_000  # what browsers allow for colspan; a larger span is read as this
# Empty cells made by spans and empty rows, past which the table is refused: per cell of text,
# and at least this many (a span-made grid must not cost more than the text it holds).
_PADDING_PER_CELL = 16
_MIN_PADDING = 1_000_000
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses these, not U+3000 or U+00A0
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


_SHIFT_JIS = {"shift_jis", "shift-jis", "sjis", "x-sjis", "windows-31j", "ms932", "cp932"}


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag near its start, if any. Pages that say
    Shift_JIS are written by Windows, in its superset cp932 (①, 髙)."""
    match = _CHARSET.search(data[:4096])
    if not match:
        return None
    charset = match.group(1).decode("ascii")
    return "cp932" if charset.lower() in _SHIFT_JIS else charset


class TableTooLarge(ValueError):
    """The table holds more rows than allowed (`rows` set: the rows with content seen), or its
    spans make far more cells than it holds."""

    def __init__(self, message: str, rows: int | None = None):
        super().__init__(message)
        self.rows = rows


class _Tables(HTMLParser):
    def __init__(self, max_rows: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_rows = max_rows
        self.filled = self.cells = self.padding = 0
        self.rows: list[list[str]] = []
        self.merged: list[tuple[int, int, int, int]] = []
        self.depth = 0  # tables open; only depth 1 (a table of the page) makes rows
        self.cell: list[str] | None = None
        self.spans: tuple[int, int] = (1, 1)
        self.below: dict[int, int] = {}  # column → last row a rowspan from above covers
        self.starts: list[int] = []  # the row each table starts at
        self.spanned_from = 0  # the first of `merged` that the table read now made

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.depth += 1
            if self.depth == 1:  # a table of the page: below the last, where it starts kept
                self._end_cell()
                self.starts.append(len(self.rows))
                self.spanned_from = len(self.merged)
                self.below.clear()
        elif self.depth != 1:
            if tag == "br" and self.cell is not None:
                self.cell.append("\n")
        elif tag == "tr":
            self._end_cell()
            self._new_row()
        elif tag in ("td", "th"):
            self._end_cell()
            if not self.rows:
                self._new_row()
            values = dict(attrs)
            self.spans = (_span(values.get("rowspan")), _span(values.get("colspan")))
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag != "table":
            if tag in ("td", "th") and self.depth == 1:
                self._end_cell()
            return
        if self.depth == 1:  # a rowspan ends with its table, not in the next one
            self._end_cell()
            last = len(self.rows) - 1
            self.merged[self.spanned_from:] = [(r1, c1, min(r2, last), c2) for r1, c1, r2, c2
                                               in self.merged[self.spanned_from:]]
        self.depth = max(self.depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(_HTML_SPACE.sub(" ", data))

    def _new_row(self) -> None:
        if self.rows and any(self.rows[-1]):
            self.filled += 1
            if self.filled > self.max_rows:
                raise TableTooLarge(f"the table has more than {self.max_rows:,} rows with "
                                    "content", rows=self.filled)
        elif self.rows:
            self._pad(1)
        self.rows.append([])

    def _pad(self, cells: int) -> None:
        self.padding += cells
        if self.padding > max(_MIN_PADDING, _PADDING_PER_CELL * self.cells):
            raise TableTooLarge(f"the table's rowspan/colspan and empty rows make over "
                                f"{self.padding:,} empty cells for {self.cells:,} cells of "
                                "text; this is not an inventory table")

    def _end_cell(self) -> None:
        if self.cell is None:
            return
        text = "\n".join(line.strip(" ") for line in "".join(self.cell).split("\n")).strip()
        self.cell = None
        self.cells += 1
        r, row = len(self.rows) - 1, self.rows[-1]
        start = len(row)
        while self.below.get(len(row), -1) >= r:  # skip the cells a rowspan above covers
            row.append("")
        rowspan, colspan = self.spans
        c = len(row)
        row.append(text)
        if colspan > 1:
            row.extend([""] * (colspan - 1))
        self._pad(len(row) - start - 1)
        if rowspan > 1 or colspan > 1:  # a heading over two columns is a merged cell too
            self.merged.append((r, c, r + rowspan - 1, c + colspan - 1))
        if rowspan > 1:
            for column in range(c, c + colspan):
                self.below[column] = r + rowspan - 1


def _span(value: str | None) -> int:
    digits = re.match(r"\s*(\d+)", value or "")
    return min(max(int(digits.group(1)), 1), MAX_SPAN) if digits else 1


def page_tables(text: str, max_rows: int
                ) -> tuple[list[list[str]], list[tuple[int, int, int, int]], list[int]] | None:
    """(rows, merged ranges, the row each table starts at) of the <table>s in `text`, one below
    the other; None if it has no table. Raises TableTooLarge past `max_rows` rows with content
    or when spans make a grid of holes."""
    parser = _Tables(max_rows)
    parser.feed(text)
    parser.close()
    if parser.depth:  # a table never closed: what was read is the table
        parser._end_cell()
    return (parser.rows, parser.merged, parser.starts) if parser.rows else None
