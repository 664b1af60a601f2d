"""The header row of an inventory sheet: which row names the columns, the headers of other
tables beside it, and what a header must name."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InventoryStructureError
from ..findings import Finding
from ..settings import HEADER_SCAN_ROWS
from .columns import ELEMENT_LABELS, ELEMENTS, HeaderAliases
from .extent import column_letter
from .readers import Sheet
from .text import cell_text


@dataclass
class Header:
    grid_row: int  # 0-based
    mapping: dict[int, str]  # column index → canonical id
    duplicates: dict[str, list[int]]  # canonical id → column indexes, where more than one
    texts: dict[int, str]  # column index → header text as written
    last_row: int = -1  # the header's last grid row: below grid_row when its cells are merged
                        # down over a row of sub-headers (サービス名 | 種別 under ①)
    # Other rows naming all four elements, none of them in this header's columns: the header
    # of a second table beside this one (grid row, the columns of its elements).
    beside: list[tuple[int, list[int]]] = field(default_factory=list)

    @property
    def first_data_row(self) -> int:
        return max(self.grid_row, self.last_row) + 1

    @property
    def elements(self) -> list[str]:
        found = set(self.mapping.values())
        return [element for element in ELEMENTS if element in found]


def find_header(sheet: Sheet, aliases: HeaderAliases) -> Header | None:
    """The row within the first HEADER_SCAN_ROWS that names the most elements (then columns).
    A header cell merged down from a row above (No, 自治体 beside a grouped 4要素 header) names
    its column in each row it spans."""
    best: Header | None = None
    best_score = (0, 0)
    above = _merged_down(sheet)
    complete: list[Header] = []  # rows naming all four elements
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
            header = Header(index, mapping, duplicates, texts)
            if elements == len(ELEMENTS):
                complete.append(header)
            if score > best_score:
                best, best_score = header, score
    if best is None:
        return None
    # header cells merged down over the row(s) of sub-headers below them
    best.last_row = max((r2 for r1, c1, r2, _ in sheet.merged
                         if r1 == best.grid_row < r2 < HEADER_SCAN_ROWS
                         and c1 in best.mapping), default=-1)
    best.beside = [(other.grid_row, element_columns(other)) for other in complete
                   if _apart(best, other)]
    return best


def element_columns(header: Header) -> list[int]:
    return sorted(c for c, canonical in header.mapping.items() if canonical in ELEMENTS)


def _apart(header: Header, other: Header) -> bool:
    """Whether `other` names the four elements in columns outside `header`'s table: the run
    of header cells around its elements (a note far right of the header row is not part of
    the table)."""
    columns = element_columns(header)
    first, last = columns[0], columns[-1]
    while first - 1 in header.texts:
        first -= 1
    while last + 1 in header.texts:
        last += 1
    return other.grid_row != header.grid_row and all(
        c < first or c > last for c in element_columns(other))


def _merged_down(sheet: Sheet) -> dict[int, dict[int, object]]:
    """Grid row → column → the value of a cell merged down into it from a row above, for the
    rows a header is looked for in."""
    spanned: dict[int, dict[int, object]] = {}
    for r1, c1, r2, _ in sheet.merged:
        if r2 > r1 and r1 < min(HEADER_SCAN_ROWS, len(sheet.rows)) and c1 < len(sheet.rows[r1]):
            for r in range(r1 + 1, min(r2, HEADER_SCAN_ROWS - 1) + 1):
                spanned.setdefault(r, {})[c1] = sheet.rows[r1][c1]
    return spanned


def _describe_header(header: Header | None, sheet: Sheet) -> str:
    if header is None or not header.mapping:
        return "no header row naming any of the four elements was found in the first " \
               f"{HEADER_SCAN_ROWS} rows"
    found = ", ".join(f"{header.texts[c]!r} → {canonical}"
                      for c, canonical in sorted(header.mapping.items()))
    return f"the header row is row {sheet.row_number(header.grid_row)}; it names {found}"


def require_elements(sheet: Sheet, header: Header | None, aliases: HeaderAliases,
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
            cells = [cell_ref(sheet, column, header.grid_row) for column in columns]
            parts.append(f"{canonical} is named by {len(columns)} columns ({', '.join(cells)})")
        message = (f"{where}duplicated columns in the header row: {'; '.join(parts)}. "
                   "Rename or remove one of each so it is clear which to read")
        findings.append(Finding("error", "duplicate-column", message, file=path, sheet=sheet.name,
                                row=sheet.row_number(header.grid_row)))
        raise InventoryStructureError(message, path=path, sheet=sheet.name,
                                      code="duplicate-column", findings=findings)


def cell_ref(sheet: Sheet, column: int, grid_row: int) -> str:
    if not sheet.has_cells:
        return f"key {cell_text(sheet.rows[0][column])!r}"
    return f"{column_letter(sheet.column_index(column))}{sheet.row_number(grid_row)}"


def names_every_element(header: Header | None) -> bool:
    return header is not None and len(header.elements) == len(ELEMENTS)


def has_rows(sheet: Sheet, header: Header) -> bool:
    """Whether a row under the header has one of the four elements."""
    columns = element_columns(header)
    return any(cell_text(row[c]).strip() for row in sheet.rows[header.first_data_row:]
               for c in columns if c < len(row))
