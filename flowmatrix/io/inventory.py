"""Read an inventory file into cases with canonical columns, items and provenance."""

from __future__ import annotations

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
from ..findings import Finding
from ..settings import DEFAULTS, Settings
from .columns import (
    CANONICAL_COLUMNS,
    ELEMENTS,
    HeaderAliases,
    load_header_aliases,
)
from .extent import column_letter
from .header import Header, cell_ref, find_header, has_rows, names_every_element, require_elements
from .layout import (
    cases_over_rows,
    formulas_without_value,
    header_rows,
    headings_over_columns,
    hidden_cases,
    other_sheets,
    page_tables,
    rows_without_elements,
    tables_beside,
)
from .readers import Sheet, open_workbook, too_many_rows
from .text import cell_text, display, split_cells

if TYPE_CHECKING:
    import pandas as pd

SHEETS_NAMED = 5  # a message about sheets without the header names this many of them
OTHER_SHEETS = 50  # sheets after the one read looked at for other-inventory-sheets
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
            header = find_header(chosen, aliases)
            require_elements(chosen, header, aliases, display_path)
        else:
            chosen, header, others = _choose_sheet(book, aliases, display_path)
    inventory = _build(chosen, header, aliases, display_path, settings.separators, book.encoding)
    if others:
        inventory.findings.append(other_sheets(others, chosen.name, display_path))
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


def _choose_sheet(book, aliases: HeaderAliases,
                  path: str) -> tuple[Sheet, Header, list[str]]:
    """The first visible sheet whose header has the four elements and a row under it with one
    of them (an empty form before the inventory is passed over), else the first with the
    header; and the names of the other sheets with such a header and rows, which are not
    read (a workbook of one sheet a year): the caller says so."""
    tried, chosen, others = [], None, []
    names = iter(book.sheet_names)
    for name in names:
        sheet = book.load(name)
        header = find_header(sheet, aliases)
        if names_every_element(header):
            require_elements(sheet, header, aliases, path)  # raises on duplicated columns
            if has_rows(sheet, header):
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
            header = find_header(sheet, aliases)
            if names_every_element(header) and has_rows(sheet, header):
                others.append(name)
        return (*chosen, others)
    if len(tried) == 1:
        sheet, header = tried[0]
        require_elements(sheet, header, aliases, path)
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


def _build(sheet: Sheet, header: Header, aliases: HeaderAliases, path: str, separators: str,
           encoding: str | None) -> Inventory:
    import pandas as pd

    first = header.first_data_row
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
    formulas = formulas_without_value(sheet, header, first, len(data), path)
    findings += formulas.values()
    findings += tables_beside(sheet, header, path)
    findings += headings_over_columns(sheet, header, path)
    headers_at = header_rows(sheet, header, aliases, texts, first, path)
    end = next((i for i, f in headers_at.items() if f.code == "second-table"), len(data))
    titles: set[int] = set()  # title rows above a page's repeated header (HTML pages)
    if sheet.table_starts:
        end, titles, other = page_tables(sheet, texts, headers_at, first, end, path)
        findings += other
    findings += [f for i, f in headers_at.items()
                 if i < end or i == end and f.code == "second-table"]
    # A case has at least one of the four elements filled (or a formula saved without its
    # value, reported above); other rows (blank, notes, repeated headers) are not.
    elements = [texts[e] for e in ELEMENTS if e in texts]
    keep = [i for i, values in enumerate(zip(*elements, strict=True))
            if i < end and i not in headers_at and i not in titles
            and (any(values) or i in formulas)]
    if len(keep) < end:  # rows of the table that are not cases: any with text is said
        read = set(keep) | set(headers_at) | titles
        findings += rows_without_elements(sheet, texts, first,
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
        findings += hidden_cases(sheet, provenance_rows, path)
    if sheet.merged:
        findings += cases_over_rows(sheet, header, [first + i for i in keep], texts, first,
                                    path)

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
    duplicates = {canonical: [cell_ref(sheet, column, header.grid_row) for column in positions]
                  for canonical, positions in header.duplicates.items()}
    return Inventory(path=path, sheet=sheet.name, cases=cases, header_row=header_row,
                     columns=columns, headers=headers, extra_columns=list(extras.values()),
                     encoding=encoding, duplicate_headers=duplicates, findings=findings)
