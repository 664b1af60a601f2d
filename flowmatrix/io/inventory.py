"""Read an inventory file into cases with canonical columns, items and provenance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import (
    FlowmatrixError,
    InventoryStructureError,
    SheetNotFoundError,
    shown_path,
    whole_text,
)
from ..findings import Finding, row_list
from ..settings import DEFAULTS, HEADER_SCAN_ROWS, Settings
from .columns import (
    CANONICAL_COLUMNS,
    ELEMENT_LABELS,
    ELEMENTS,
    HeaderAliases,
    load_header_aliases,
)
from .extent import column_letter
from .readers import Sheet, open_workbook, too_many_rows
from .text import cell_text, display, split_cells

if TYPE_CHECKING:
    import pandas as pd

SHEETS_NAMED = 5  # a message about sheets without the header names this many of them
PROVENANCE_COLUMNS = ("file", "sheet", "row")


def item_column(element: str) -> str:
    """The column holding an element's items: "source_service" → "source_service_items"."""
    return f"{element}_items"


@dataclass
class Inventory:
    """The cases of one inventory file, and how they were found in it.

    `cases` has every canonical column (empty text where the file has no such column), one
    `<element>_items` column per element (a tuple of normalised items), the file's other columns
    under their own headers, and provenance: `file`, `sheet`, `row` (the row as Excel shows it).
    """

    path: str
    sheet: str | None
    cases: pd.DataFrame
    header_row: int | None = None  # as Excel shows it; None for JSON
    columns: dict[str, str] = field(default_factory=dict)  # canonical id → column letter or key
    headers: dict[str, str] = field(default_factory=dict)  # canonical id → header as written
    extra_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    # canonical id → the header cells naming it, for columns named twice (the first is read)
    duplicate_headers: dict[str, list[str]] = field(default_factory=dict)
    # the file as it was opened, where `path` shows it otherwise (errors.shown_path: a name
    # with bytes the system could not decode); None: `path` opens it
    opened: str | None = None
    # what reading noticed at a row or cell: repeated header rows, a second table, formulas
    # saved without their value (checks.check reports them with the rest)
    findings: list[Finding] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.cases)

    def cell(self, column: str, row: int) -> str | None:
        """`E12` for a canonical column and an Excel row; None for JSON input."""
        letter = self.columns.get(column)
        if letter is None or self.header_row is None:
            return None
        return f"{letter}{row}"


def read_inventory(path: str | Path, settings: Settings | None = None,
                   **reading) -> Inventory:
    """Read an inventory (.xlsx/.xlsm/.xls/.ods/.csv/.tsv/.json) into an `Inventory`.

    The reading settings apply: sheet (default: the first visible sheet whose header has the
    four elements and a case under it; other such sheets get a warning), encoding of
    CSV/TSV/JSON (default: detected — BOM, UTF-8, else cp932), separators of items in one
    cell, headers (a TOML file of extra header aliases, the form of
    flowmatrix/data/headers.toml) and limits (see flowmatrix.settings); each can also be given
    as a keyword: read_inventory("cases.xlsx", sheet="事例一覧").
    """
    settings = (settings or DEFAULTS).replace(**reading)
    sheet = settings.sheet
    aliases = load_header_aliases(settings.headers)
    display_path = shown_path(path)  # the file column, findings and messages
    with open_workbook(path, encoding=settings.encoding, limits=settings.limits) as book:
        if sheet is not None and book.sheet_names == [""]:
            raise SheetNotFoundError(f"--sheet {sheet!r} was given, but a "
                                     f"{Path(path).suffix} file has no sheets",
                                     path=display_path)
        others: list[str] = []
        if sheet is not None:
            chosen = book.load(sheet)
            header = _find_header(chosen, aliases)
            _require_elements(chosen, header, aliases, display_path)
        else:
            chosen, header, others = _choose_sheet(book, aliases, display_path)
    inventory = _build(chosen, header, aliases, display_path, settings.separators, book.encoding)
    if others:
        inventory.findings.append(_other_sheets(others, chosen.name, display_path))
    inventory.opened = _opened(path)
    if len(inventory) > settings.limits.max_rows:
        raise too_many_rows(display_path, len(inventory), settings.limits, "the inventory",
                            "cases")
    return inventory


def whole_inventory(inventory: Inventory) -> Inventory:
    """An Inventory built by hand, maybe, as a reader would have made it: text no report can
    write (lone surrogates, from text decoded with surrogateescape) as U+FFFD in its cases
    (whole_cases), path and sheet, the path it opens by kept in `opened`. The inventory
    given is left as it was."""
    return replace(inventory, cases=whole_cases(inventory.cases),
                   path=shown_path(inventory.path),
                   sheet=inventory.sheet and whole_text(inventory.sheet),
                   opened=inventory.opened or _opened(inventory.path))


def _opened(path: str | Path) -> str | None:
    """Inventory.opened for a file opened by `path`: the path, where shown_path shows it
    otherwise; None where the shown path opens it."""
    return str(path) if shown_path(path) != str(path) else None


def whole_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """`cases` with every lone surrogate in their text — cells and items alike — as U+FFFD
    (errors.whole_text), since no report can write one: a frame built by hand may hold them
    (text decoded with surrogateescape), the readers never leave one. A shallow copy with
    those columns replaced, or `cases` itself when none has one."""
    import pandas as pd

    fixed = {}
    for column in cases.columns:
        if not (cases[column].dtype == object or isinstance(cases[column].dtype,
                                                            pd.StringDtype)):
            continue
        cells = cases[column].to_numpy(dtype=object)
        texts = "\x00".join([v for v in cells if v.__class__ is str] + [
            i for v in cells if v.__class__ is tuple for i in v if i.__class__ is str])
        if whole_text(texts) is not texts:
            fixed[column] = [whole_text(v) if v.__class__ is str else
                             tuple(whole_text(i) if i.__class__ is str else i for i in v)
                             if v.__class__ is tuple else v for v in cells]
    if not fixed:
        return cases
    cases = cases.copy(deep=False)
    for column, values in fixed.items():
        cases[column] = pd.Series(values, index=cases.index, dtype=object)
    return cases


@dataclass
class _Header:
    grid_row: int  # 0-based
    mapping: dict[int, str]  # column index → canonical id
    duplicates: dict[str, list[int]]  # canonical id → column indexes, where more than one
    texts: dict[int, str]  # column index → header text as written
    last_row: int = -1  # the header's last grid row: below grid_row when its cells are merged
                        # down over a row of sub-headers (サービス名 | 種別 under ①)
    # Other rows naming all four elements, none of them in this header's columns: the header
    # of a second table beside this one (grid row, the columns of its elements).
    beside: list[tuple[int, list[int]]] = field(default_factory=list)
    beside_read: int | None = None  # the grid row of a header passed over for this one

    @property
    def first_data_row(self) -> int:
        return max(self.grid_row, self.last_row) + 1

    @property
    def elements(self) -> list[str]:
        found = set(self.mapping.values())
        return [element for element in ELEMENTS if element in found]


def _find_header(sheet: Sheet, aliases: HeaderAliases) -> _Header | None:
    """The row within the first HEADER_SCAN_ROWS that names the most elements (then columns).
    A header cell merged down from a row above (No, 自治体 beside a grouped 4要素 header) names
    its column in each row it spans."""
    best: _Header | None = None
    best_score = (0, 0)
    above = _merged_down(sheet)
    complete: list[_Header] = []  # rows naming all four elements
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        texts: dict[int, str] = {}
        positions: dict[str, list[int]] = {}
        spanned = above.get(index, {})
        for column, value in enumerate([*row, *[None] * (max(spanned, default=-1) + 1 - len(row))]):
            text = cell_text(value)
            if not text.strip() and column in spanned:
                text = cell_text(spanned[column])
            canonical = aliases.match(text) if text.strip() else None
            if canonical:
                positions.setdefault(canonical, []).append(column)
                if canonical not in mapping.values():
                    mapping[column] = canonical
            if text.strip():
                texts[column] = text
        elements = sum(1 for e in ELEMENTS if e in positions)
        score = (elements, len(positions))
        if score > best_score or elements == len(ELEMENTS):
            duplicates = {c: cols for c, cols in positions.items() if len(cols) > 1}
            header = _Header(index, mapping, duplicates, texts)
            if elements == len(ELEMENTS):
                complete.append(header)
            if score > best_score:
                best, best_score = header, score
    if best is None:
        return None
    if len(complete) > 1:  # tables side by side: the one with the most cases is the inventory
        best = _fullest(sheet, best, complete)
    # header cells merged down over the row(s) of sub-headers below them
    best.last_row = max((r2 for r1, c1, r2, _ in sheet.merged
                         if r1 == best.grid_row < r2 < HEADER_SCAN_ROWS
                         and c1 in best.mapping), default=-1)
    best.beside = [(other.grid_row, _element_columns(other)) for other in complete
                   if _apart(best, other)]
    return best


def _element_columns(header: _Header) -> list[int]:
    return sorted(c for c, canonical in header.mapping.items() if canonical in ELEMENTS)


def _apart(header: _Header, other: _Header) -> bool:
    """Whether `other` names the four elements in columns outside `header`'s table: the run
    of header cells around its elements (a note far right of the header row is not part of
    the table)."""
    columns = _element_columns(header)
    first, last = columns[0], columns[-1]
    while first - 1 in header.texts:
        first -= 1
    while last + 1 in header.texts:
        last += 1
    return other.grid_row != header.grid_row and all(
        c < first or c > last for c in _element_columns(other))


def _fullest(sheet: Sheet, best: _Header, complete: list[_Header]) -> _Header:
    """`best`, unless it has fewer than BESIDE_CASES rows of cases, all above the header of a
    table apart from it that has more: a 記入例 block above and beside the inventory was read
    as the inventory. A one-case inventory beside a legend of two rows stays the one read; of
    two tables of cases, the first does."""
    columns = _element_columns(best)
    most = _case_rows(sheet, best.grid_row, columns)
    if most >= BESIDE_CASES:
        return best
    below = _last_case_row(sheet, best.grid_row, columns)
    fullest = best
    for other in complete:
        if _apart(best, other) and other.grid_row > below:
            rows = _case_rows(sheet, other.grid_row, _element_columns(other))
            if rows > most:
                fullest, most = other, rows
    if fullest is not best:
        fullest.beside_read = best.grid_row  # the block passed over is named (table-beside)
    return fullest


def _last_case_row(sheet: Sheet, grid_row: int, columns: list[int]) -> int:
    return max((r for r in range(grid_row + 1, len(sheet.rows))
                if all(_word(sheet.rows[r], c) for c in columns)), default=grid_row)


def _case_rows(sheet: Sheet, grid_row: int, columns: list[int]) -> int:
    """Rows under `grid_row` whose `columns` all hold a word of two characters or more, with
    a letter: a case; not a legend's explanations (one row), a count or a placeholder (－)."""
    return sum(1 for row in sheet.rows[grid_row + 1:] if all(_word(row, c) for c in columns))


def _word(row: list, column: int) -> bool:
    text = cell_text(row[column]).strip() if column < len(row) else ""
    return len(text) > 1 and any(ch.isalpha() for ch in text)


def _merged_down(sheet: Sheet) -> dict[int, dict[int, object]]:
    """Grid row → column → the value of a cell merged down into it from a row above, for the
    rows a header is looked for in."""
    spanned: dict[int, dict[int, object]] = {}
    for r1, c1, r2, _ in sheet.merged:
        if r2 > r1 and r1 < min(HEADER_SCAN_ROWS, len(sheet.rows)) and c1 < len(sheet.rows[r1]):
            for r in range(r1 + 1, min(r2, HEADER_SCAN_ROWS - 1) + 1):
                spanned.setdefault(r, {})[c1] = sheet.rows[r1][c1]
    return spanned


def _describe_header(header: _Header | None, sheet: Sheet) -> str:
    if header is None or not header.mapping:
        return "no header row naming any of the four elements was found in the first " \
               f"{HEADER_SCAN_ROWS} rows"
    found = ", ".join(f"{header.texts[c]!r} → {canonical}"
                      for c, canonical in sorted(header.mapping.items()))
    return f"the header row is row {sheet.row_number(header.grid_row)}; it names {found}"


def _require_elements(sheet: Sheet, header: _Header | None, aliases: HeaderAliases,
                      path: str) -> None:
    where = f"sheet {sheet.name!r}: " if sheet.name else ""
    missing = [e for e in ELEMENTS if header is None or e not in header.elements]
    if missing:
        accepted = "; ".join(f"{e}: " + ", ".join(aliases.written[e][:8]) for e in missing)
        message = (f"{where}required element columns missing: {', '.join(missing)}. "
                   f"{_describe_header(header, sheet)}. Accepted headers include — {accepted} "
                   "(add your own with --headers FILE)")
        named = header is not None and bool(header.mapping)
        params = {"reason": "missing" if named else "no-header",
                  "where": f"シート「{sheet.name}」：" if sheet.name else "",
                  "missing": "、".join(ELEMENT_LABELS["ja"][e] for e in missing),
                  "header_row": sheet.row_number(header.grid_row) if named else "",
                  "rows": HEADER_SCAN_ROWS,
                  "accepted": "；".join("、".join(sorted(aliases.written[e], key=str.isascii)[:6])
                                        for e in missing)}
        finding = Finding("error", "missing-columns", message, file=path, sheet=sheet.name,
                          row=sheet.row_number(header.grid_row) if header else None,
                          params=tuple(params.items()))
        raise InventoryStructureError(message, path=path, sheet=sheet.name, findings=[finding],
                                      params=params)
    assert header is not None
    ambiguous = {c: cols for c, cols in header.duplicates.items() if c in ELEMENTS}
    if ambiguous:
        findings = []
        parts = []
        for canonical, columns in ambiguous.items():
            cells = [_cell_ref(sheet, column, header.grid_row) for column in columns]
            parts.append(f"{canonical} is named by {len(columns)} columns ({', '.join(cells)})")
        message = (f"{where}duplicated columns in the header row: {'; '.join(parts)}. "
                   "Rename or remove one of each so it is clear which to read")
        findings.append(Finding("error", "duplicate-column", message, file=path, sheet=sheet.name,
                                row=sheet.row_number(header.grid_row)))
        raise InventoryStructureError(message, path=path, sheet=sheet.name,
                                      code="duplicate-column", findings=findings)


def _cell_ref(sheet: Sheet, column: int, grid_row: int) -> str:
    if not sheet.has_cells:
        return f"key {cell_text(sheet.rows[0][column])!r}"
    return f"{column_letter(sheet.column_index(column))}{sheet.row_number(grid_row)}"


def _choose_sheet(book, aliases: HeaderAliases,
                  path: str) -> tuple[Sheet, _Header, list[str]]:
    """The first visible sheet whose header has the four elements and a row under it with one
    of them (an empty form before the inventory is passed over), else the first with the
    header; and the names of the other sheets with such a header and rows, which are not
    read (a workbook of one sheet a year): the caller says so."""
    tried, chosen, others = [], None, []
    names = iter(book.sheet_names)
    for name in names:
        sheet = book.load(name)
        header = _find_header(sheet, aliases)
        if _names_every_element(header):
            _require_elements(sheet, header, aliases, path)  # raises on duplicated columns
            if _has_rows(sheet, header):
                chosen = (sheet, header)
                break
            chosen = chosen or (sheet, header)
            continue
        if chosen is None:
            tried.append((sheet, header))
    if chosen is not None:
        # The sheets after the one read are only looked at, for the warning: one that cannot
        # be read, or is not an inventory, is none of its business; at most OTHER_SHEETS.
        for name in islice(names, OTHER_SHEETS):
            try:
                sheet = book.load(name)
            except FlowmatrixError:
                continue
            header = _find_header(sheet, aliases)
            if _names_every_element(header) and _has_rows(sheet, header):
                others.append(name)
        return (*chosen, others)
    if len(tried) == 1:
        sheet, header = tried[0]
        _require_elements(sheet, header, aliases, path)
    details = "; ".join(
        f"{sheet.name!r}: "
        + (", ".join(header.elements) + " only" if header and header.elements else "none of them")
        for sheet, header in tried[:SHEETS_NAMED])
    if len(tried) > SHEETS_NAMED:
        details += f"; and {len(tried) - SHEETS_NAMED:,} more sheets"
    message = ("no sheet has a header row with all four elements (①データ共有元サービス, "
               "②流通データ, ③データ共有先サービス, ④データ連携サービス). "
               f"Found — {details or 'no visible sheets'}. "
               "Name the sheet with --sheet to see what is missing there")
    params = {"reason": "no-sheet", "details": details or "（表示されているシートなし）"}
    finding = Finding("error", "missing-columns", message, file=path,
                      params=tuple(params.items()))
    raise InventoryStructureError(message, path=path, findings=[finding], params=params)


def _names_every_element(header: _Header | None) -> bool:
    return header is not None and len(header.elements) == len(ELEMENTS)


def _has_rows(sheet: Sheet, header: _Header) -> bool:
    """Whether a row under the header has one of the four elements."""
    columns = [c for c, canonical in header.mapping.items() if canonical in ELEMENTS]
    return any(cell_text(row[c]).strip() for row in sheet.rows[header.first_data_row:]
               for c in columns if c < len(row))


def _other_sheets(names: list[str], read: str, path: str) -> Finding:
    sheets = ", ".join(repr(name) for name in names)
    message = (f"the sheets {sheets} also hold cases under the four element columns, but only "
               f"sheet {read!r} is read: choose another with --sheet, or put the cases on one "
               "sheet")
    return Finding("warning", "other-inventory-sheets", message, file=path, sheet=read,
                   params=(("sheets", "、".join(f"「{name}」" for name in names)),
                           ("sheet", read)))


def _shown(value: object, cache: dict[tuple, str]) -> str:
    key = (value.__class__, value)  # True and 1 are equal keys, but read TRUE and 1
    text = cache.get(key)
    if text is None:
        text = cache[key] = display(cell_text(value))
    return text


def _fill_merged(sheet: Sheet, first_data_row: int) -> list[list[object]]:
    """A value merged down several rows belongs to each of them (the top-left cell holds it)."""
    rows = sheet.rows
    for r1, c1, r2, _c2 in sheet.merged:
        if r2 <= r1 or r2 < first_data_row or r1 >= len(rows):
            continue
        value = rows[r1][c1] if c1 < len(rows[r1]) else None
        for r in range(max(r1 + 1, first_data_row), min(r2, len(rows) - 1) + 1):
            row = rows[r]
            if c1 >= len(row):
                row.extend([None] * (c1 + 1 - len(row)))
            row[c1] = value
    return rows


def _build(sheet: Sheet, header: _Header, aliases: HeaderAliases, path: str, separators: str,
           encoding: str | None) -> Inventory:
    import pandas as pd

    first = header.first_data_row
    if sheet.quoted:
        _check_swallowed_rows(sheet, header, path)
    rows = _fill_merged(sheet, first)
    canonical_at = header.mapping  # column index → canonical id
    used_names = set(CANONICAL_COLUMNS) | set(PROVENANCE_COLUMNS) | {
        item_column(e) for e in ELEMENTS}
    extras: dict[int, str] = {}
    for column, text in sorted(header.texts.items()):
        if column in canonical_at:
            continue
        name = display(text).replace("\n", " ")
        base, n = name, 2
        while name in used_names:
            name, n = f"{base} ({n})", n + 1
        used_names.add(name)
        extras[column] = name

    # Only the columns under a header are read: cells right of the table (a stray note in
    # XFD5) never widen the rows that are built below.
    width = max(header.texts, default=-1) + 1
    data = rows[first:]
    if any(len(row) != width for row in data):  # readers pad rows; merged fills may not
        data = [row[:width] if len(row) >= width else row + [""] * (width - len(row))
                for row in data]
    grid = list(zip(*data, strict=True)) if data else []  # column by column, in C

    def column_text(column: int) -> list[str]:
        """The displayed text of one column for every data row."""
        if column >= len(grid):
            return [""] * len(data)
        cells = grid[column]
        # A text repeated down a column (a municipality, a service) is kept once: each cell
        # of a CSV is a string of its own, and 1,000,000 cases hold 11,000,000.
        if set(map(type, cells)) <= {str}:  # every cell text (a CSV): mapped in C, no frame
            texts = list(map(str.strip, cells))
        else:
            shown: dict[tuple, str] = {}  # numbers and dates repeat (years, ids): convert once
            texts = [v.strip() if v.__class__ is str else _shown(v, shown) for v in cells]
        return list(map({}.setdefault, texts, texts))

    texts = {canonical: column_text(c) for c, canonical in canonical_at.items()}
    findings = []
    formulas = _formulas_without_value(sheet, header, first, len(data), path)
    findings += formulas.values()
    findings += _tables_beside(sheet, header, path)
    findings += _headings_over_columns(sheet, header, path)
    headers_at = _header_rows(sheet, header, aliases, texts, first, path)
    end = next((i for i, f in headers_at.items() if f.code == "second-table"), len(data))
    if sheet.table_starts:
        end, other = _page_tables(sheet, texts, headers_at, first, end, path)
        findings += other
    findings += [f for i, f in headers_at.items()
                 if i < end or i == end and f.code == "second-table"]
    # A case has at least one of the four elements filled (or a formula saved without its
    # value, reported above); other rows (blank, notes, repeated headers) are not.
    elements = [texts[e] for e in ELEMENTS if e in texts]
    keep = [i for i, values in enumerate(zip(*elements, strict=True))
            if i < end and i not in headers_at and (any(values) or i in formulas)]
    if len(keep) < end:  # rows of the table that are not cases: any with text is said
        read = set(keep) | set(headers_at)
        findings += _rows_without_elements(sheet, texts, first,
                                           [i for i in range(end) if i not in read], path)
    every = len(keep) == len(data)
    blank = [""] * len(keep)

    def kept(values: list[str]) -> list[str]:
        return values if every else [values[i] for i in keep]

    records: dict[str, list] = {
        canonical: kept(texts[canonical]) if canonical in texts else blank
        for canonical in CANONICAL_COLUMNS}
    for column, name in extras.items():
        records[name] = kept(column_text(column))
    split = split_cells({text for e in ELEMENTS for text in set(records[e])}, separators)
    items = {item_column(e): list(map(split.__getitem__, records[e])) for e in ELEMENTS}
    provenance_rows = ([first + i + sheet.row_base for i in keep] if sheet.row_numbers is None
                       else [sheet.row_number(first + i) for i in keep])
    if sheet.hidden_rows:
        findings += _hidden_cases(sheet, provenance_rows, path)
    if sheet.merged:
        findings += _cases_over_rows(sheet, header, [first + i for i in keep],
                                     texts.get("title"), first, path)

    # file and sheet: one string for every case (as a column of its own, pandas would store a
    # copy per case, as Arrow text)
    cases = pd.DataFrame({**records, **items, "file": [path] * len(keep),
                          "sheet": [sheet.name or ""] * len(keep)}, dtype=object)
    cases["row"] = pd.Series(provenance_rows, dtype="int64")
    if sheet.has_cells:
        columns = {canonical: column_letter(sheet.column_index(c))
                   for c, canonical in canonical_at.items()}
        header_row = sheet.row_number(header.grid_row)
    else:
        columns = {canonical: cell_text(sheet.rows[0][c]) for c, canonical in canonical_at.items()}
        header_row = None
    headers = {canonical: header.texts[c] for c, canonical in canonical_at.items()}
    duplicates = {canonical: [_cell_ref(sheet, column, header.grid_row) for column in positions]
                  for canonical, positions in header.duplicates.items()}
    return Inventory(path=path, sheet=sheet.name, cases=cases, header_row=header_row,
                     columns=columns, headers=headers, extra_columns=list(extras.values()),
                     encoding=encoding, duplicate_headers=duplicates, findings=findings)


def _formulas_without_value(sheet: Sheet, header: _Header, first: int, count: int,
                            path: str) -> dict[int, Finding]:
    """Data row (index from `first`) → a finding for the first formula saved without its value
    under a header there (a workbook written by a program and never opened in Excel reads empty;
    Excel computes and saves the value when the file is opened and saved)."""
    if not sheet.formulas:
        return {}
    grid_rows = {sheet.row_number(g): g for g in range(first, first + count)}
    grid_columns = {sheet.column_index(c): c for c in header.texts}
    found: dict[int, Finding] = {}
    for row, column in sorted(sheet.formulas):
        grid_row, grid_column = grid_rows.get(row + 1), grid_columns.get(column)
        if grid_row is None or grid_column is None or grid_row - first in found:
            continue
        cell = _cell_ref(sheet, grid_column, grid_row)
        message = (f"{sheet.name}!{cell} is a formula with no saved value (under "
                   f"{header.texts[grid_column].strip()!r}); open the file in Excel and save it, "
                   "so the values are saved with the formulas")
        found[grid_row - first] = Finding(
            "warning", "formula-without-value", message, file=path, sheet=sheet.name, cell=cell,
            row=sheet.row_number(grid_row), column=header.mapping.get(grid_column),
            params=(("where", f"{sheet.name}!"), ("cell", cell),
                    ("header", header.texts[grid_column].strip())))
    return found


SHOWN_ROWS = 10  # rows a finding about many rows names
BESIDE_CASES = 2  # rows of cases that make a table beside another one a table of cases
PAGE_TITLE_ROWS = 3  # rows a page's table may have above its repeated header (a title)
OTHER_SHEETS = 50  # sheets after the one read looked at for other-inventory-sheets


def _rows_without_elements(sheet: Sheet, texts: dict[str, list[str]], first: int,
                           unread: list[int], path: str) -> list[Finding]:
    """One warning naming the `unread` rows of the table (indexes from `first`) with text in
    its other columns (a No, a title, a note) but none of the four elements: not cases, and
    not lost without a word."""
    others = [column for canonical, column in texts.items() if canonical not in ELEMENTS]
    rows = [sheet.row_number(first + i) for i in unread if any(c[i] for c in others)]
    if not rows:
        return []
    where = f"{sheet.name}!" if sheet.name else ""
    shown = row_list(rows, SHOWN_ROWS)
    message = (f"{where}{len(rows):,} rows of the table have text but none of ①–④ (rows "
               f"{shown}): they are not read as cases. Fill in the four elements of a case; "
               "move a note out of the table")
    return [Finding("warning", "row-without-elements", message, file=path, sheet=sheet.name,
                    row=rows[0], params=(("where", where), ("count", f"{len(rows):,}"),
                                         ("rows", shown)))]


def _check_swallowed_rows(sheet: Sheet, header: _Header, path: str) -> None:
    """A CSV record over several lines whose cell holds lines shaped like the cases: a quote
    opened in it ran on over them. The reader's own check compares with the usual width of a
    row, which misses rows that leave off their trailing empty fields (a file written by hand);
    here the header and the rows say what a case looks like: a line is one when it reaches
    the last element column but one, fills three element columns or more, and starts as the
    record does (its first field the same but for its digits: 3 and 12, R6-003 and R6-012) or
    names a municipality or prefecture of the rows. A note listing words with commas does
    neither."""
    from .delimited import swallowed_rows

    columns = _element_columns(header)
    need = max(columns)  # fields: the last element column may be what a ragged row leaves off
    filled = min(3, len(columns))
    known = {c: {cell_text(row[c]).strip() for row in sheet.rows[header.first_data_row:]
                 if c < len(row)} - {""}
             for c, canonical in header.mapping.items()
             if canonical in ("municipality", "prefecture")}

    def case_line(text: str, start: str) -> bool:
        fields = [field.strip(' "') for field in text.split(sheet.delimiter)]
        return (len(fields) >= need
                and sum(1 for c in columns if c < len(fields) and fields[c]) >= filled
                and (_DIGITS.sub("0", fields[0]) == start
                     or any(c < len(fields) and fields[c] in names
                            for c, names in known.items())))

    for grid_row, first_line, last_line in sheet.quoted:
        if grid_row >= header.first_data_row:
            record = sheet.rows[grid_row]
            start = _DIGITS.sub("0", cell_text(record[0]).strip())
            swallowed_rows(record, first_line, last_line,
                           lambda text, start=start: case_line(text, start), path)


_DIGITS = re.compile(r"\d")


def _tables_beside(sheet: Sheet, header: _Header, path: str) -> list[Finding]:
    """A warning for the first table beside the one read (its own header naming ①–④ in other
    columns, in another row) with rows of cases under it: those rows are not read. One row is
    passed over (a legend explaining the columns, a 記入例 block) unless it is the block the
    read table was chosen over."""
    for grid_row, columns in header.beside:
        count = _case_rows(sheet, grid_row, columns)
        if count < (1 if grid_row == header.beside_read else BESIDE_CASES):
            continue
        first = _cell_ref(sheet, columns[0], grid_row)
        last = _cell_ref(sheet, columns[-1], grid_row)
        read = _cell_ref(sheet, min(header.texts), header.grid_row)
        where, apart = ((f"sheet {sheet.name!r} has", "on a sheet of its own (and choose it "
                         "with --sheet)") if sheet.name else ("the file has", "in a file of "
                                                               "its own"))
        rows = "the row of a case under it is" if count == 1 else \
            f"the {count:,} rows of cases under it are"
        message = (f"{where} a second table beside the one read: its header {first}:{last} "
                   f"names ①–④ again, and {rows} not read (only the table with its header at "
                   f"{read} is). Put the second table {apart}")
        return [Finding("warning", "table-beside", message, file=path, sheet=sheet.name,
                        cell=first, row=sheet.row_number(grid_row),
                        params=(("where", f"シート「{sheet.name}」" if sheet.name else "ファイル"),
                                ("cells", f"{first}:{last}"), ("count", f"{count:,}"),
                                ("read", read),
                                ("apart", "別のシートに移し、--sheet で選んで" if sheet.name
                                 else "別のファイルに移して")))]
    return []


def _headings_over_columns(sheet: Sheet, header: _Header, path: str) -> list[Finding]:
    """A warning for each element whose heading is merged over more columns (① over C1:D1)
    with text under the others: only the heading's own column is read as the element, and
    what the others hold is not (a second source a column, or a type, a code, a helper column:
    which, no reader can tell). A column a row of sub-headers names on its own (サービス名 |
    種別) says what it holds and is left alone."""
    found = []
    rows = sheet.rows
    first = header.first_data_row
    for r1, c1, r2, c2 in sorted(sheet.merged):
        canonical = header.mapping.get(c1)
        if c2 <= c1 or not r1 <= header.grid_row <= r2 or canonical not in ELEMENTS:
            continue
        others = [c for c in range(c1 + 1, c2 + 1)
                  if c not in header.texts and not _sub_header(sheet, header, c)]
        filled = [(r, c) for r in range(first, len(rows)) for c in others
                  if c < len(rows[r]) and cell_text(rows[r][c]).strip()]
        if not filled:
            continue
        heading = _cell_ref(sheet, c1, header.grid_row)
        span = f"{heading}:{_cell_ref(sheet, c2, r2)}"
        cells = ", ".join(_cell_ref(sheet, c, r) for r, c in filled[:SHOWN_ROWS]) + (
            ", …" if len(filled) > SHOWN_ROWS else "")
        where = f"sheet {sheet.name!r}: " if sheet.name else ""
        held = "1 cell under it beside column {} holds" if len(filled) == 1 else \
            f"{len(filled):,} cells under it beside column {{}} hold"
        message = (f"{where}the heading {header.texts[c1].strip()!r} is merged over {span}, "
                   f"and {held.format(column_letter(sheet.column_index(c1)))} text ({cells}) "
                   "that is not read: only the heading's own column is the element. Write the "
                   "items in one cell (separated by 、 or /), or give the other column a heading")
        found.append(Finding(
            "warning", "merged-heading", message, file=path, sheet=sheet.name, cell=heading,
            row=sheet.row_number(header.grid_row), column=canonical,
            params=(("where", f"シート「{sheet.name}」の" if sheet.name else ""),
                    ("heading", header.texts[c1].strip()), ("span", span),
                    ("count", f"{len(filled):,}"), ("cells", cells))))
    return found


def _sub_header(sheet: Sheet, header: _Header, column: int) -> bool:
    return any(column < len(sheet.rows[r]) and cell_text(sheet.rows[r][column]).strip()
               for r in range(header.grid_row + 1, min(header.first_data_row, len(sheet.rows))))


def _cases_over_rows(sheet: Sheet, header: _Header, case_rows: list[int],
                     titles: list[str] | None, first: int, path: str) -> list[Finding]:
    """One warning for the cells of the No or title column merged down over rows that are
    each read as a case: Excel shows one case (one No, one title) where they count several.
    A case written over rows (an item a row beside a merged title) is common in forms. A No
    merged over rows whose titles differ groups sub-cases: nothing to say. Merged cells that
    overlap (No over three rows, the title over two of them) are one case."""
    from bisect import bisect_left, bisect_right

    columns = {c: canonical for c, canonical in header.mapping.items()
               if canonical in ("case_id", "title")}
    merges = []
    for r1, c1, r2, _ in sorted(sheet.merged):
        if c1 not in columns or not r2 > r1 >= header.first_data_row:
            continue
        if columns[c1] == "case_id" and titles is not None and len(
                {t for t in titles[r1 - first:r2 - first + 1] if t}) > 1:
            continue  # sub-cases grouped under one No, each with its title
        merges.append((r1, r2, c1))
    spans: list[list[int]] = []  # [first row, last row, column] of overlapping merges joined
    for r1, r2, c1 in merges:
        if spans and r1 <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], r2)
        else:
            spans.append([r1, r2, c1])
    counts = [bisect_right(case_rows, r2) - bisect_left(case_rows, r1) for r1, r2, _ in spans]
    spans = [(*span, n) for span, n in zip(spans, counts, strict=True) if n > 1]
    if not spans:
        return []
    cells = [f"{_cell_ref(sheet, c1, r1)}:{_cell_ref(sheet, c1, r2)}" for r1, r2, c1, _ in spans]
    shown = ", ".join(cells[:SHOWN_ROWS]) + (", …" if len(cells) > SHOWN_ROWS else "")
    counted = sum(n for *_, n in spans)
    cells_are = ("1 No or title cell is" if len(spans) == 1 else
                 f"{len(spans):,} No or title cells are")
    where = f"sheet {sheet.name!r}: " if sheet.name else ""
    message = (f"{where}{cells_are} merged over rows that are each counted as a case "
               f"({shown}): {counted:,} cases where Excel shows {len(spans):,}. If the rows "
               "are one case, write its items in one cell (separated by 、 or /); if not, "
               "unmerge the cells")
    r1, _, c1, _ = spans[0]
    return [Finding("warning", "case-over-rows", message, file=path, sheet=sheet.name,
                    cell=_cell_ref(sheet, c1, r1), row=sheet.row_number(r1),
                    column=columns[c1],
                    params=(("where", f"シート「{sheet.name}」で、" if sheet.name else ""),
                            ("spans", f"{len(spans):,}"), ("cells", shown),
                            ("counted", f"{counted:,}")))]


def _page_tables(sheet: Sheet, texts: dict[str, list[str]], headers_at: dict[int, Finding],
                 first: int, end: int, path: str) -> tuple[int, list[Finding]]:
    """Where reading stops among an HTML page's tables: it reads on into a table that starts
    with the header again, maybe under a title row (a page of a paged export), and stops at one
    that does not (a summary under the data), naming it when its rows hold text under ①–④."""
    for start in sheet.table_starts:
        i = start - first
        if not 0 < i < end:
            continue
        if any(headers_at[j].code == "repeated-header" for j in range(i, i + PAGE_TITLE_ROWS)
               if j in headers_at):
            continue  # the header again, maybe under a title row (事例一覧 2/2)
        rest = sum(1 for j, values in enumerate(zip(*(texts[e][i:end] for e in ELEMENTS),
                                                    strict=True), start=i)
                   if any(values) and j not in headers_at)
        if not rest:
            return i, []
        row = sheet.row_number(start)
        rows = "its 1 row with text under ①–④ is" if rest == 1 else \
            f"its {rest:,} rows with text under ①–④ are"
        message = (f"row {row} starts another table of the page, whose first row is not the "
                   f"header: {rows} not read as cases "
                   "(a summary, or a table of other columns). If they are cases, give the table "
                   "the inventory's header row")
        return i, [Finding("warning", "page-table", message, file=path, row=row,
                           params=(("row", row), ("rest", f"{rest:,}")))]
    return end, []


def _hidden_cases(sheet: Sheet, rows: list[int], path: str) -> list[Finding]:
    """One warning naming the cases in rows the sheet hides (by hand, or a filter's): Excel
    shows fewer rows than the cases counted, and a planner comparing the two is told why."""
    hidden = [row for row in rows if row in sheet.hidden_rows]
    if not hidden:
        return []
    shown = row_list(hidden, SHOWN_ROWS)
    count = "1 case is in a hidden row" if len(hidden) == 1 else \
        f"{len(hidden):,} cases are in hidden rows"
    rows = "row" if len(hidden) == 1 else "rows"
    message = (f"{count} of sheet {sheet.name!r} ({rows} {shown}: hidden by hand "
               "or by a filter); they are read and counted like the others. Show the rows to "
               "see what is counted; delete those that are not cases")
    return [Finding("warning", "hidden-rows", message, file=path, sheet=sheet.name,
                    row=hidden[0], params=(("sheet", sheet.name), ("count", f"{len(hidden):,}"),
                                           ("rows", shown)))]


def _header_rows(sheet: Sheet, header: _Header, aliases: HeaderAliases,
                 texts: dict[str, list[str]], first: int, path: str) -> dict[int, Finding]:
    """Data rows (index from `first`) that are header rows, by the header matcher: a row naming
    each element in its own column again is a repeated header (a print-style export repeats it
    every page; two tables with the same columns): skipped, with a warning. A row naming two or
    more columns elsewhere starts a second table with other columns: reading stops there, with
    an error, since its rows cannot be read as cases of the first table."""
    element_texts = [texts[e] for e in ELEMENTS]  # all four: the header has them
    named = {text: aliases.match(text) for column in element_texts for text in set(column)
             if text}
    named = {text: canonical for text, canonical in named.items() if canonical}
    found: dict[int, Finding] = {}
    if not named:  # no cell below the header names a column: no row to look at
        return found
    for i, values in enumerate(zip(*element_texts, strict=True)):
        matches = [named.get(text) for text in values]
        if sum(1 for m in matches if m) < 2 or not any(m in ELEMENTS for m in matches):
            continue  # a header names an element: 市区町村 and 都道府県 as services are data
        row = sheet.row_number(first + i)
        where = f"{sheet.name}!" if sheet.name else ""
        if matches == list(ELEMENTS):
            found[i] = Finding(
                "warning", "repeated-header",
                f"{where}row {row} repeats the header row (row "
                f"{sheet.row_number(header.grid_row)}); it is skipped, not read as a case",
                file=path, sheet=sheet.name, row=row,
                params=(("where", where), ("row", row),
                        ("header_row", sheet.row_number(header.grid_row))))
            continue
        rest = sum(1 for below in zip(*(t[i + 1:] for t in element_texts), strict=True)
                   if any(below))
        found[i] = Finding(
            "error", "second-table",
            f"{where}row {row} looks like the header of a second table (its cells name columns "
            "other than those of the header row above); reading stops there, so the "
            f"{rest:,} rows with data below it are not read as cases. Put the second table on "
            "a sheet of its own (and choose it with --sheet)",
            file=path, sheet=sheet.name, row=row,
            params=(("where", where), ("row", row), ("rest", f"{rest:,}")))
        break
    return found
