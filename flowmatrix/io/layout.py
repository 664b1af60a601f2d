"""What the layout of a sheet says about its cases: rows that are not cases (a repeated
header, a second table, rows without the elements), tables beside or after the one read,
merged cells over rows or columns, hidden rows, formulas without a value. Each is a finding, so
no case is lost or invented without a word."""

from __future__ import annotations

from ..findings import Finding, row_list
from .columns import ELEMENTS, HeaderAliases
from .extent import column_letter
from .header import Header, cell_ref, element_columns
from .readers import Sheet
from .text import cell_text

SHOWN_ROWS = 10  # rows a finding about many rows names
PAGE_TITLE_ROWS = 3  # rows a page's table may have above its repeated header (a title)


def formulas_without_value(sheet: Sheet, header: Header, first: int, count: int,
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
        cell = cell_ref(sheet, grid_column, grid_row)
        message = (f"{sheet.name}!{cell} is a formula with no saved value (under "
                   f"{header.texts[grid_column].strip()!r}); open the file in Excel and save it, "
                   "so the values are saved with the formulas")
        found[grid_row - first] = Finding(
            "warning", "formula-without-value", message, file=path, sheet=sheet.name, cell=cell,
            row=sheet.row_number(grid_row), column=header.mapping.get(grid_column),
            params=(("where", f"{sheet.name}!"), ("cell", cell),
                    ("header", header.texts[grid_column].strip())))
    return found


def rows_without_elements(sheet: Sheet, texts: dict[str, list[str]], first: int,
                           unread: list[int], path: str) -> list[Finding]:
    """One warning naming the `unread` rows of the table (indexes from `first`) with text in
    its other columns (a No, a title, a note) but none of the four elements: not cases, and
    not lost without a word."""
    others = [column for canonical, column in texts.items() if canonical not in ELEMENTS]
    rows = [sheet.row_number(first + i) for i in unread if any(c[i] for c in others)]
    if not rows:
        return []
    shown = row_list(rows, SHOWN_ROWS)
    where = f"sheet {sheet.name!r}: " if sheet.name else ""
    rows_have = (f"1 row of the table has text but none of ①–④ (row {shown}): it is" if
                 len(rows) == 1 else f"{len(rows):,} rows of the table have text but none of "
                 f"①–④ (rows {shown}): they are")
    message = (f"{where}{rows_have} not read as cases. Fill in the four elements of a case; "
               "move a note out of the table")
    return [Finding("warning", "row-without-elements", message, file=path, sheet=sheet.name,
                    row=rows[0], params=(("where", f"シート「{sheet.name}」の" if sheet.name
                                          else ""), ("count", f"{len(rows):,}"),
                                         ("rows", shown)))]


BESIDE_CASES = 2  # rows of cases that make a table beside the one read worth a word


def tables_beside(sheet: Sheet, header: Header, path: str) -> list[Finding]:
    """A finding for the first table beside the one read (its own header naming ①–④ in other
    columns, in another row) with rows of cases under it, which are not read: an error when it
    holds as many as the table read or more (the inventory itself may be the one left: a 記入例
    block above it was read), else a warning. One row beside a table of more is passed over:
    a legend explaining the columns, a 記入例 block."""
    if not header.beside:  # the usual sheet: no row of the table read is looked at
        return []
    read_rows = case_rows(sheet, header.grid_row, element_columns(header))
    for grid_row, columns in header.beside:
        count = case_rows(sheet, grid_row, columns)
        if not count or count < BESIDE_CASES and count < read_rows:
            continue
        first = cell_ref(sheet, columns[0], grid_row)
        last = cell_ref(sheet, columns[-1], grid_row)
        read = cell_ref(sheet, min(header.texts), header.grid_row)
        where, apart = ((f"sheet {sheet.name!r} has", "on a sheet of its own (and choose it "
                         "with --sheet)") if sheet.name else ("the file has", "in a file of "
                                                               "its own"))
        rows = "the row of a case under it is" if count == 1 else \
            f"the {count:,} rows of cases under it are"
        message = (f"{where} a second table beside the one read: its header {first}:{last} "
                   f"names ①–④ again, and {rows} not read (only the table with its header at "
                   f"{read} is, with {read_rows:,}). Put the second table {apart}")
        return [Finding("error" if count >= read_rows else "warning", "table-beside", message,
                        file=path, sheet=sheet.name, cell=first, row=sheet.row_number(grid_row),
                        params=(("where", f"シート「{sheet.name}」" if sheet.name else "ファイル"),
                                ("cells", f"{first}:{last}"), ("count", f"{count:,}"),
                                ("read", read), ("read_rows", f"{read_rows:,}"),
                                ("apart", "別のシートに移し、--sheet で選んで" if sheet.name
                                 else "別のファイルに移して")))]
    return []


def case_rows(sheet: Sheet, grid_row: int, columns: list[int]) -> int:
    """Rows under `grid_row` with a word (two characters or more, with a letter) in all but one
    of `columns` at least: cases, one element maybe still open (検討中); not a count, a
    placeholder (－) or an empty form."""
    least = len(columns) - 1
    return sum(1 for row in sheet.rows[grid_row + 1:]
               if sum(1 for c in columns if _word(row, c)) >= least)


def _word(row: list, column: int) -> bool:
    text = cell_text(row[column]).strip() if column < len(row) else ""
    return len(text) > 1 and any(ch.isalpha() for ch in text)


def headings_over_columns(sheet: Sheet, header: Header, path: str) -> list[Finding]:
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
        heading = cell_ref(sheet, c1, header.grid_row)
        span = f"{heading}:{cell_ref(sheet, c2, r2)}"
        cells = row_list([cell_ref(sheet, c, r) for r, c in filled[:SHOWN_ROWS + 1]],
                         SHOWN_ROWS)
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


def _sub_header(sheet: Sheet, header: Header, column: int) -> bool:
    return any(column < len(sheet.rows[r]) and cell_text(sheet.rows[r][column]).strip()
               for r in range(header.grid_row + 1, min(header.first_data_row, len(sheet.rows))))


def cases_over_rows(sheet: Sheet, header: Header, case_rows: list[int],
                     texts: dict[str, list[str]], first: int, path: str) -> list[Finding]:
    """One warning for the cells of the No or title column merged down over rows that are
    each read as a case: Excel shows one case (one No, one title) where they count several.
    A case written over rows (an item a row beside a merged title) is common in forms. A No
    merged over rows whose titles differ, or a title over rows whose Nos differ, groups cases
    that Excel shows apart: nothing to say. Merged cells that overlap (No over three rows, the
    title over two of them) are one case."""
    from bisect import bisect_left, bisect_right

    columns = {c: canonical for c, canonical in header.mapping.items()
               if canonical in ("case_id", "title")}
    other = {"case_id": texts.get("title"), "title": texts.get("case_id")}
    merges = []
    for r1, c1, r2, _ in sorted(sheet.merged):
        if c1 not in columns or not r2 > r1 >= header.first_data_row:
            continue
        beside = other[columns[c1]]
        if beside is not None and len({t for t in beside[r1 - first:r2 - first + 1] if t}) > 1:
            continue  # cases grouped under one No (or title), each with a title (or No)
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
    cells = [f"{cell_ref(sheet, c1, r1)}:{cell_ref(sheet, c1, r2)}" for r1, r2, c1, _ in spans]
    shown = row_list(cells, SHOWN_ROWS)
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
                    cell=cell_ref(sheet, c1, r1), row=sheet.row_number(r1),
                    column=columns[c1],
                    params=(("where", f"シート「{sheet.name}」で、" if sheet.name else ""),
                            ("spans", f"{len(spans):,}"), ("cells", shown),
                            ("counted", f"{counted:,}")))]


def page_tables(sheet: Sheet, texts: dict[str, list[str]], headers_at: dict[int, Finding],
                 first: int, end: int, path: str) -> tuple[int, set[int], list[Finding]]:
    """Where reading stops among an HTML page's tables, and the title rows passed over: it
    reads on into a table that starts with the header again, maybe under a title row of its
    own (事例一覧 2/2, a page of a paged export), and stops at one that does not (a summary
    under the data), naming it when its rows hold text under ①–④."""
    starts = [start - first for start in sheet.table_starts]
    titles: set[int] = set()
    for i, after in zip(starts, [*starts[1:], end], strict=True):
        if not 0 < i < end:
            continue
        again = next((j for j in range(i, min(i + PAGE_TITLE_ROWS, after))
                      if j in headers_at and headers_at[j].code == "repeated-header"), None)
        if again is not None:
            titles.update(range(i, again))
            continue
        rest = sum(1 for j, values in enumerate(zip(*(texts[e][i:end] for e in ELEMENTS),
                                                    strict=True), start=i)
                   if any(values) and j not in headers_at)
        if not rest:
            return i, titles, []
        row = sheet.row_number(first + i)
        rows = "its 1 row with text under ①–④ is" if rest == 1 else \
            f"its {rest:,} rows with text under ①–④ are"
        message = (f"row {row} starts another table of the page, whose first row is not the "
                   f"header: {rows} not read as cases "
                   "(a summary, or a table of other columns). If they are cases, give the table "
                   "the inventory's header row")
        return i, titles, [Finding("warning", "page-table", message, file=path, row=row,
                                   params=(("row", row), ("rest", f"{rest:,}")))]
    return end, titles, []


def hidden_cases(sheet: Sheet, rows: list[int], path: str) -> list[Finding]:
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


def header_rows(sheet: Sheet, header: Header, aliases: HeaderAliases,
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


def other_sheets(names: list[str], read: str, path: str) -> Finding:
    sheets = ("the sheet " if len(names) == 1 else "the sheets ") + ", ".join(
        repr(name) for name in names)
    holds = "also holds" if len(names) == 1 else "also hold"
    message = (f"{sheets} {holds} cases under the four element columns, but only "
               f"sheet {read!r} is read: choose another with --sheet, or put the cases on one "
               "sheet")
    return Finding("warning", "other-inventory-sheets", message, file=path, sheet=read,
                   params=(("sheets", "、".join(f"「{name}」" for name in names)),
                           ("sheet", read)))
