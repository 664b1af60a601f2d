"""Delimited text (CSV/TSV) into rows of fields, bounded by the fields that hold something.

The delimiter is guessed from several lines, not the first one alone (a title line above the
header has no delimiter at all). Trailing empty fields and blank lines cost nothing (one line of
4 million commas is an empty row), and the row limit counts rows that hold something. A quote
that opens a cell and runs on over lines that look like rows of their own is refused at the line
where it opens: read as one cell, those rows would vanish as cases.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from itertools import islice

from ..errors import InputFileError
from ..settings import HEADER_SCAN_ROWS

DELIMITERS = (",", "\t")  # the first is the default
GUESS_LINES = 20  # non-empty lines the delimiter is guessed from
# A blank row costs one pointer to this shared row (readers never change a row in place). A
# file that is almost all blank rows is still refused, past this many blank rows per row that
# holds something (and at least twice the rows of an Excel sheet), so that a file of newlines
# cannot take the memory.
_BLANK: list[str] = []
# a line with content, from its start (lines end in CR LF, LF or CR alone, as a Mac's): tried
# from the start of each line only, so a line of 16,383 tabs costs its length, not its square
_FILLED_LINE = re.compile(r"(?<![^\r\n])[^\r\n]*[^\s][^\r\n]*")
BLANK_ROWS_PER_ROW = 16
_MIN_BLANK_ROWS = 2 * 1_048_576


def guess_delimiter(text: str, candidates: tuple[str, ...] = DELIMITERS) -> tuple[str, int]:
    """The delimiter found on the most of the first non-empty lines, then splitting them into
    the same number of fields (over one) most often; and that number. Ties go to the first
    candidate. (Lines are physical: a quoted line break splits a record, so a stray tab on
    two halves of one record must not outvote the commas of every line.)"""
    sample = [match.group() for match in islice(_FILLED_LINE.finditer(text), GUESS_LINES)]
    best, best_score = candidates[0], (0, 0, 0)
    for delimiter in candidates:
        counts = Counter(line.count(delimiter) + 1 for line in sample)
        counts.pop(1, None)
        if counts:
            width, lines_with_it = counts.most_common(1)[0]
            score = (sum(counts.values()), lines_with_it, width)
            if score > best_score:
                best, best_score = delimiter, score
    return best, best_score[2]


def read_rows(text: str, delimiter: str, width: int, max_rows: int, path: str, *,
              skip: int = 0) -> list[list[str]]:
    """The file's records as Excel shows them (one row per record, a quoted cell with line
    breaks taking one row), without trailing empty fields. `width` is the usual number of
    fields of a row; raises InputFileError for a runaway quote, or as soon as the rows with
    content are more than `max_rows` cases and the rows above them can be (the header is
    looked for in the first settings.HEADER_SCAN_ROWS rows; the cases are counted exactly
    once it is found). The first `skip` records are not rows (Excel's "sep=;" line), though
    the lines a message names count them."""
    budget = max_rows + HEADER_SCAN_ROWS
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    pending_blank = 0  # blank rows are added only when a row with content follows them
    with_content = blank = 0
    line = 0
    # Every field is a new string; one repeated down the file (a municipality, a service, a
    # year) is kept once, which roughly halves the memory of a national inventory's rows. A
    # dict of this file's texts, not sys.intern: interned strings live for ever on CPython
    # 3.12.0-3.12.5, and a batch worker reads file after file.
    keep = {}.setdefault  # mapped over the fields: in C, no Python frame per field
    try:
        for record in reader:
            first_line, line = line + 1, reader.line_num
            if skip:
                skip -= 1
                continue
            if line > first_line:
                _check_runaway_quote(record, first_line, line, delimiter, width, path)
            end = len(record)
            while end and not record[end - 1].strip():
                end -= 1
            if not end:
                pending_blank += 1
                continue
            with_content += 1
            if with_content > budget:
                raise InputFileError(
                    f"the file has more than {max_rows:,} cases (over {budget:,} rows with "
                    f"content, a title and header block of up to {budget - max_rows:,} rows "
                    f"included), over the limit of {max_rows:,} (raise it with --max-rows)",
                    path=path, code="too-large",
                    params={"reason": "cases-while-reading", "limit": f"{max_rows:,}",
                            "rows": f"{budget:,}", "header": f"{budget - max_rows:,}"})
            blank += pending_blank
            if blank > max(_MIN_BLANK_ROWS, BLANK_ROWS_PER_ROW * with_content):
                raise InputFileError(
                    f"{blank:,} blank rows before line {first_line:,} and only {with_content:,} "
                    "with content: remove the blank rows", path=path, code="too-large")
            rows.extend([_BLANK] * pending_blank)
            pending_blank = 0
            fields = record[:end] if end < len(record) else record
            rows.append(list(map(keep, fields, fields)))
    except csv.Error as exc:
        raise InputFileError(f"cannot parse as CSV at line {reader.line_num:,}: {exc}",
                             path=path, code="bad-csv") from exc
    return rows


def _check_runaway_quote(record: list[str], first_line: int, last_line: int, delimiter: str,
                         width: int, path: str) -> None:
    """A cell with line breaks is fine; one whose lines look like whole rows (as many fields as
    a row has) is a quote that was never closed where it should have been."""
    if width < 3:
        return
    line = first_line
    for field in record:
        inner = field.splitlines()
        rowlike = sum(1 for text in inner[1:] if text.count(delimiter) >= width - 1)
        if rowlike:
            raise InputFileError(
                f'line {line:,}: a quote (") opens a cell here that runs on to line '
                f"{last_line:,}, so "
                + (f"{rowlike:,} lines after it that look like rows of their own"
                   if rowlike > 1 else "a line after it that looks like a row of its own")
                + " would be read as one cell and lost as cases. "
                f'Close the quote on line {line:,} (a quote inside a cell is written "") and '
                "run again", path=path, code="bad-csv")
        line += field.count("\n") + field.count("\r") - field.count("\r\n")
