"""report.xlsx (and `matrix -o X.xlsx`), written with XlsxWriter in constant-memory mode.

Rows stream to disk as they are written, so a 100,000-case report needs neither every cell
object in memory nor minutes; the long sheets (cases, sensitive flows, findings) go straight
into that stream as XML (_rows). Every string is written as a string, escaped: text from the
inventory is never a formula, even when it starts with = + - @, and never markup.
"""

from __future__ import annotations

import datetime
import io
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .labels import FINDING_COLUMNS, HEADINGS, TALLY_COLUMNS, dimension_label, sensitive_rows
from .tables import (
    case_values,
    finding_rows,
    matrix_frames,
    municipality_tables,
    summary_rows,
    tally_sections,
    theme_tally_frame,
    typical_rows,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..model.analysis import Analysis

SHEETS = {
    "ja": {"summary": "概要", "cases": "事例", "tally": "テーマ集計",
           "representative": "代表的なデータ連携", "flow": "データフロー",
           "types": "種別フロー", "sensitive": "要配慮",
           "data_linked": "データ×連携サービス", "theme_source": "テーマ×共有元",
           "theme_target": "テーマ×共有先", "tallies": "その他の集計", "findings": "指摘事項"},
    "en": {"summary": "Summary", "cases": "Cases", "tally": "Theme tally",
           "representative": "Typical flows", "flow": "Data flow",
           "types": "Flow by type", "sensitive": "Sensitive flows",
           "data_linked": "Data x linked service", "theme_source": "Theme x source",
           "theme_target": "Theme x target", "tallies": "Other tallies", "findings": "Findings"},
}
HEADER_FILL = "#1F4E78"
SHADES = ["#FFFFFF", "#DEEBF7", "#C6DBEF", "#9ECAE1", "#6BAED6"]
MAX_CELL_CHARS = 32767  # Excel's limit, in UTF-16 units: more makes Excel "repair" the book
# not allowed in XML (lone surrogates cannot even be encoded)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def excel_text(text: str) -> str:
    """Text a workbook can hold: line breaks as XML reads them back (a line feed), characters
    XML forbids as U+FFFD, and text over Excel's 32,767-unit limit (𠮷 and other characters
    beyond the BMP count two) cut with a note (cases.csv keeps the whole text)."""
    if text.isprintable() and (len(text) <= MAX_CELL_CHARS // 2
                               or _utf16_units(text) <= MAX_CELL_CHARS):
        return text  # the usual case, checked in C
    text = _ILLEGAL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    if _utf16_units(text) > MAX_CELL_CHARS:
        note = f"…（{len(text):,}字、全文は cases.csv）"
        keep = MAX_CELL_CHARS - _utf16_units(note)
        end = keep
        while (excess := _utf16_units(text[:end]) - keep) > 0:
            end -= (excess + 1) // 2  # a character is one or two units
        text = text[:end] + note
    return text


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


CREATED = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # see _Book
PORTRAIT_WIDTH = 100  # column-width units a portrait A4 page shows at 100 %
LINE_HEIGHT = 15.0  # points per line of the default 11-point font
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def text_width(text: str) -> int:
    """The columns a line of text takes: East Asian characters (three bytes in UTF-8) count
    two, the rest one — computed in C, as report rows are many."""
    return len(text) + (len(text.encode("utf-8")) - len(text)) // 2


def row_height(values, widths: list[float], wrapped: list[bool]) -> float | None:
    """The height a row of wrapped cells needs to show its text (None: one line, the default).
    Excel grows such rows when it opens the file, LibreOffice does not: it clips them."""
    lines = 1
    for value, width, wrap in zip(values, widths, wrapped, strict=False):
        if wrap and value.__class__ is str:
            lines = max(lines, _lines(value, width))
    return None if lines == 1 else min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines)


def _lines(text: str, width: float) -> int:
    """The lines `text` takes in a wrapped cell `width` columns wide (one, under half the
    width: no character is wider than two columns)."""
    if len(text) * 2 <= width:
        return 1
    per_line = max(1, int(width) - 1)
    return sum(-(-text_width(part) // per_line) or 1 for part in text.split("\n"))


class _Book:
    """An XlsxWriter workbook in memory with the few formats the report uses."""

    def __init__(self, path: Path | None = None):
        """Into `path` (rows stream to temporary files: constant memory), or into memory."""
        import xlsxwriter

        self.buffer = io.BytesIO() if path is None else None
        options = {"constant_memory": True} if path is not None else {"in_memory": True}
        self.book = xlsxwriter.Workbook(str(path) if path is not None else self.buffer, options)
        # A fixed creation time: the same input gives the same workbook, byte for byte.
        self.book.set_properties({"created": CREATED})
        add = self.book.add_format
        self.header = add({"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL,
                           "text_wrap": True, "valign": "top", "border": 1,
                           "border_color": "#BFBFBF"})
        self.bold = add({"bold": True})
        self.label = add({"bold": True, "text_wrap": True, "valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.percent = add({"num_format": "0.0%"})
        self.shades = [add({"text_wrap": True, "valign": "top", "bg_color": c}) for c in SHADES]
        self.widths: dict[str, list[float]] = {}  # sheet name → column widths

    def sheet(self, name: str, widths: list[float], *, header_rows: int = 0,
              one_page: bool = False):
        """A sheet with its column widths, set up for paper: A4, landscape when wider than a
        portrait page, one page wide (one page in all with `one_page`), the first
        `header_rows` rows repeated on every page, file, sheet and page numbers in the
        footer."""
        sheet = self.book.add_worksheet(name)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        self.widths[name] = widths
        sheet.set_paper(9)  # A4
        if sum(widths) > PORTRAIT_WIDTH:
            sheet.set_landscape()
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        sheet.fit_to_pages(1, 1 if one_page else 0)
        if header_rows:
            sheet.repeat_rows(0, header_rows - 1)
        sheet.set_footer("&L&F — &A&R&P / &N")
        return sheet

    def done(self) -> bytes | None:
        self.book.close()
        return self.buffer.getvalue() if self.buffer is not None else None


def _put(sheet, row: int, column: int, value, fmt=None) -> None:
    """One cell: numbers as numbers, everything else as text (never a formula)."""
    if value is None or value == "":
        if fmt is not None:
            sheet.write_blank(row, column, None, fmt)
        return
    if hasattr(value, "item"):  # numpy numbers
        value = value.item()
    if isinstance(value, bool):
        _text(sheet, row, column, str(value), fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, fmt)
    else:
        _text(sheet, row, column, excel_text(str(value)), fmt)


def _text(sheet, row: int, column: int, text: str, fmt=None) -> None:
    if text.startswith("<r>") and text.endswith("</r>"):
        # XlsxWriter copies a string that looks like rich text (<r>…</r>) into the XML as it
        # is; written as plain runs (it wants three) it is escaped and reads the same.
        sheet.write_rich_string(row, column, text[:1], text[1:2], text[2:],
                                *([fmt] if fmt else []))
    else:
        sheet.write_string(row, column, text, fmt)


def _row(sheet, row: int, values, fmt=None) -> None:
    for column, value in enumerate(values):
        _put(sheet, row, column, value, fmt)


def _rows(sheet, first: int, rows, formats: list, widths: list[float] | None = None,
          wrapped: list[bool] | None = None) -> None:
    """Many rows of plain cells (text or numbers), from row `first` on: straight into the
    constant-memory row stream of XlsxWriter, as the XML it writes for such cells, one string
    per row — 2.4 million cells take seconds instead of a quarter of a minute. Falls back to
    a call per cell where that stream is not available (a workbook in memory). With the
    column `widths` and which columns `wrapped`, rows get the height their text needs."""
    stream = getattr(sheet, "row_data_fh", None)
    heights = widths is not None and wrapped is not None and any(wrapped)
    if not (getattr(sheet, "constant_memory", False) and stream is not None
            and getattr(sheet, "fh", None) is stream and hasattr(sheet, "_write_single_row")):
        for number, values in enumerate(rows, start=first):
            if heights and (height := row_height(values, widths, wrapped)):
                sheet.set_row(number, height)
            for column, value in enumerate(values):
                _put(sheet, number, column, value, formats[column])
        return
    from xlsxwriter.utility import xl_col_to_name

    refs = [f"<c r=\"{xl_col_to_name(c)}" for c in range(len(formats))]
    styles = [f'" s="{f._get_xf_index()}"' if f is not None else '"' for f in formats]
    # Per column, a cell's text → the XML after its row number and the lines it takes (in a
    # wrapped column): inventories repeat their texts. Bounded, as a national inventory's
    # titles are distinct: past _CACHED texts in all, every column starts again.
    known: list[dict[str, tuple[str, int]]] = [{} for _ in formats]
    lines_in = [widths[c] if heights and c < min(len(widths), len(wrapped)) and wrapped[c]
                else None for c in range(len(formats))]  # the width, where lines count
    cached = 0
    sheet._write_single_row(first)  # flush the rows written so far; the stream is at `first`
    last, chunk = first - 1, []
    for number, values in enumerate(rows, start=first):
        if number >= MAX_ROWS:
            break
        row = str(number + 1)
        cells, lines = [], 1
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            if value.__class__ is not str:
                if hasattr(value, "item"):  # numpy numbers
                    value = value.item()
                if isinstance(value, int) and not isinstance(value, bool) \
                        and abs(value) < 10**15 \
                        or isinstance(value, float) and math.isfinite(value):
                    cells.append(f"{refs[column]}{row}{styles[column]}><v>{value:.16G}</v></c>")
                    continue
                cells.append(f"{refs[column]}{row}{_inline(styles[column], str(value))}")
                continue  # as row_height, a height for text only
            entry = known[column].get(value)
            if entry is None:
                if cached >= _CACHED:
                    for texts in known:
                        texts.clear()
                    cached = 0
                width = lines_in[column]
                entry = known[column][value] = (_inline(styles[column], value),
                                                 1 if width is None else _lines(value, width))
                cached += 1
            cells.append(f"{refs[column]}{row}{entry[0]}")
            if entry[1] > lines:
                lines = entry[1]
        last = number
        size = (f' ht="{min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines):g}" customHeight="1"'
                if lines > 1 else "")
        chunk.append(f'<row r="{row}"{size}>{"".join(cells)}</row>')
        if len(chunk) == 1000:
            stream.write("".join(chunk))
            chunk = []
    stream.write("".join(chunk))
    if last >= first:
        sheet._check_dimensions(last, len(formats) - 1)
        sheet.previous_row = last + 1


_CACHED = 200_000  # texts remembered while streaming rows, all columns together


MAX_ROWS = 1_048_576  # Excel's last row; a bigger inventory's cases are all in cases.csv
_ESCAPE_LIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")  # text Excel would read as an escape
_XML_SPECIAL = re.compile(r"[&<>]|_x[0-9a-fA-F]{4}_")


def _inline(style: str, text: str) -> str:
    """A text cell's XML after its reference: its style, and the text as an inline string."""
    return f'{style} t="inlineStr"><is>{_xml_text(excel_text(text))}</is></c>'


def _xml_text(text: str) -> str:
    """<t>text</t> for an inline string, escaped as XlsxWriter escapes it."""
    if _XML_SPECIAL.search(text):
        text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def _shade(count: int, peak: int) -> int:
    if count <= 0 or peak <= 0:
        return 0
    return 1 + min(3, int(3 * count / peak))


def _write_matrix(out: _Book, title: str, table: pd.DataFrame, counts: pd.DataFrame, lang: str,
                  heading: str | None = None) -> None:
    widths = [30] + [24] * len(table.columns)
    sheet = out.sheet(title, widths, header_rows=2 if heading else 1)
    sheet.repeat_columns(0)
    wrapped = [True] * len(widths)
    row = 0
    if heading:
        _put(sheet, 0, 0, heading, out.bold)
        row = 1
    sheet.freeze_panes(row + 1, 1)
    corner = f"{dimension_label(table.index.name, lang)} ＼ " \
             f"{dimension_label(table.columns.name, lang)}"
    header = [corner, *[str(c) for c in table.columns]]
    if height := row_height(header, widths, wrapped):
        sheet.set_row(row, height)
    _row(sheet, row, header, out.header)
    peak = int(counts.to_numpy().max()) if counts.size else 0
    for label, texts, numbers in zip(table.index, table.to_numpy().tolist(),
                                     counts.to_numpy().tolist(), strict=True):
        row += 1
        if height := row_height([str(label), *texts], widths, wrapped):
            sheet.set_row(row, height)
        _put(sheet, row, 0, str(label), out.label)
        for column, (text, number) in enumerate(zip(texts, numbers, strict=True), start=1):
            shade = out.shades[_shade(int(number), peak)]
            _put(sheet, row, column, None if number == 0 else text, shade)


def matrix_workbook(table: pd.DataFrame, counts: pd.DataFrame, *, lang: str = "ja") -> bytes:
    """A workbook with one matrix sheet, cells coloured by count."""
    out = _Book()
    _write_matrix(out, "matrix", table, counts, lang)
    return out.done()


MAX_SHEET_NAME = 31  # characters, Excel's limit
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    """A municipality's sheet name: its name without the characters Excel forbids, at most
    31 characters, unique in the book (Excel compares sheet names without case)."""
    base = _SHEET_FORBIDDEN.sub("_", excel_text(name))
    taken = {u.casefold() for u in used}
    n = 1
    while True:
        suffix = f" ({n})" if n > 1 else ""
        # cut before the suffix, then trim: Excel refuses a name that ends in an apostrophe
        candidate = (base[:MAX_SHEET_NAME - len(suffix)].strip("' ") or "_") + suffix
        if candidate.casefold() not in taken:
            used.add(candidate)
            return candidate
        n += 1


def _municipality_sheet(out: _Book, page, words: dict, name: str, lang: str) -> None:
    """One municipality page: heading, データ連携の概要, themes against the inventory, KPIs
    with a native chart (actual as columns, target as a line), and what peers do."""
    from .kpi_chart import period_label, plain_number
    from .labels import MUNICIPALITY_WORDS

    w = MUNICIPALITY_WORDS[lang]
    widths = [22, 26, 30, 30, 30, 30, 16]  # A: No, a theme, an indicator, a service type
    sheet = out.sheet(name, widths)
    _put(sheet, 0, 0, f"{words['heading']} — {words['count']}", out.bold)
    row = 2

    def block(title: str, headings: list[str], rows: list[list], note: str = "") -> None:
        nonlocal row
        _put(sheet, row, 0, title + (f" — {note}" if note else ""), out.bold)
        _row(sheet, row + 1, headings, out.header)
        row += 2
        for values in rows:
            if height := row_height(values, widths, [True] * len(values)):
                sheet.set_row(row, height)
            _row(sheet, row, values, out.wrap)
            row += 1
        row += 1

    block(w["overview"], *words["overview"], w["overview_note"])
    _put(sheet, row, 0, w["themes"], out.bold)
    _row(sheet, row + 1, w["theme_columns"], out.header)
    row += 2
    for label, theme in zip((r[0] for r in words["themes"][1]), page.themes, strict=True):
        _row(sheet, row, [label, theme["cases"]])
        _put(sheet, row, 2, theme["share"], out.percent)
        _put(sheet, row, 3, theme["inventory_share"], out.percent)
        row += 1
    row += 1
    _put(sheet, row, 0, w["kpis"], out.bold)
    if not page.kpis:
        _put(sheet, row + 1, 0, w["no_kpis"])
        row += 3
    else:
        _row(sheet, row + 1, [*w["kpi_columns"], w["as_written"]], out.header)
        row += 2
        for kpi in page.kpis:
            first = row
            labels = []  # the actual as published (6万人超), where it is more than a number
            for point in kpi["points"]:
                written = [point[f"{what}_text"] for what in ("target", "actual")
                           if not plain_number(point[f"{what}_text"])]
                _row(sheet, row, [kpi["indicator"], period_label(point, lang), point["target"],
                                  point["actual"], kpi["unit"], point["source"],
                                  " / ".join(written)], out.wrap)
                labels.append({"value": point["actual_text"]}
                              if not plain_number(point["actual_text"]) else None)
                row += 1
            charts = []
            for what, column, kind in (("actual", 3, "column"), ("target", 2, "line")):
                if all(p[what] is None for p in kpi["points"]):
                    continue
                chart = out.book.add_chart({"type": kind})
                series = {"name": w[what], "categories": [name, first, 1, row - 1, 1],
                          "values": [name, first, column, row - 1, column]}
                chart.add_series({**series, "fill": {"color": "#2E75B6"},
                                  "data_labels": {"value": True, "custom": labels}}
                                 if kind == "column" else
                                 {**series, "line": {"color": "#C0504D"},
                                  "marker": {"type": "circle"}})
                charts.append(chart)
            chart = charts[0]  # actual as columns, the target line drawn over them
            for other in charts[1:]:
                chart.combine(other)
            values = [p[what] for p in kpi["points"] for what in ("target", "actual")
                      if p[what] is not None]
            chart.set_y_axis({"min": min(0, *values)})
            chart.set_title({"name": kpi["indicator"]})
            chart.set_size({"width": 480, "height": 260})
            sheet.insert_chart(first, 7, chart)
            row = max(row, first + 14)
        row += 1
    block(w["peer_flows"], *words["peer_flows"], words["peer_note"])


def write_report_workbook(analysis: Analysis, case_table: tuple, path: Path) -> Path:
    """report.xlsx, streamed to `path`; case_table: tables.case_columns."""
    lang = analysis.settings.lang
    names, h = SHEETS[lang], HEADINGS[lang]
    out = _Book(path)

    summary = out.sheet(names["summary"], [20, 76], one_page=True)
    _put(summary, 0, 0, f"{h['title']}: {analysis.name}", out.bold)
    for row, (label, value) in enumerate(summary_rows(analysis), start=1):
        _put(summary, row, 0, label, out.bold)
        _put(summary, row, 1, value)

    fields, headings, columns = case_table
    wide = {"title": 28, "source_service": 28, "data": 28, "target_service": 28,
            "linked_service": 30, "matched_terms": 50, "notes": 30, "file": 24}
    widths = [wide.get(f, 12) for f in fields]
    cases = out.sheet(names["cases"], widths, header_rows=1)
    cases.freeze_panes(1, 1)
    cases.autofilter(0, 0, max(1, len(columns[fields[0]])), len(fields) - 1)
    if height := row_height(headings, widths, [True] * len(widths)):
        cases.set_row(0, height)
    _row(cases, 0, headings, out.header)
    formats = [out.wrap if f in wide else None for f in fields]
    _rows(cases, 1, case_values(case_table), formats, widths, [f in wide for f in fields])

    tally = out.sheet(names["tally"], [28, 10, 10, 20], header_rows=1, one_page=True)
    tally.set_landscape()  # the chart stands beside the table
    t = TALLY_COLUMNS[lang]
    tally.freeze_panes(1, 0)
    _row(tally, 0, [t["theme"], t["cases"], t["share"], t["touching"]], out.header)
    records = theme_tally_frame(analysis.theme_tally, analysis.taxonomies.themes,
                                lang).to_dict("records")
    for row, r in enumerate(records, start=1):
        _put(tally, row, 0, r["theme"])
        _put(tally, row, 1, int(r["cases"]))
        _put(tally, row, 2, float(r["share"]), out.percent)
        _put(tally, row, 3, int(r["touching"]))
    chart = out.book.add_chart({"type": "bar"})
    chart.add_series({"name": t["cases"],
                      "categories": [names["tally"], 1, 0, len(records), 0],
                      "values": [names["tally"], 1, 1, len(records), 1],
                      "fill": {"color": "#2E75B6"}, "data_labels": {"value": True}})
    chart.set_title({"name": h["theme_tally"]})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})  # largest at the top, as in the table
    chart.set_size({"width": 640, "height": 360})
    tally.insert_chart("F2", chart)

    widths = [22, 30, 30, 30, 30, 8, 60]
    typical = out.sheet(names["representative"], widths, header_rows=2)
    _put(typical, 0, 0, h["representative"] + " — " + h["representative_note"], out.bold)
    typical.freeze_panes(2, 0)
    row = 1
    for _, theme, headings, rows in typical_rows(analysis):
        if row == 1:
            _row(typical, row, [TALLY_COLUMNS[lang]["theme"], *headings], out.header)
        for values in rows:
            row += 1
            if height := row_height([theme, *values], widths, [True] * len(widths)):
                typical.set_row(row, height)
            _row(typical, row, [theme, *values], out.wrap)

    for key, matrix in analysis.matrices.items():
        _write_matrix(out, names[key], *matrix_frames(matrix, analysis.taxonomies, lang), lang,
                      heading=h[key] + " — " + h["top_note"].format(top=analysis.top))

    headings, rows = sensitive_rows(analysis)
    widths = [8, 8, 30, 34, 22, 30]
    sensitive = out.sheet(names["sensitive"], widths, header_rows=2)
    _put(sensitive, 0, 0, h["sensitive"] + " — " + h["sensitive_note"], out.bold)
    sensitive.freeze_panes(2, 0)
    _row(sensitive, 1, headings, out.header)
    _rows(sensitive, 2, rows or [[h["no_sensitive"]]], [out.wrap] * max(6, len(headings)),
          widths, [True] * len(widths))

    tallies = out.sheet(names["tallies"], [28] + [14] * 12)
    row = 0
    for heading, frame, columns in tally_sections(analysis):
        _put(tallies, row, 0, h[heading], out.bold)
        _row(tallies, row + 1, columns, out.header)
        row += 2
        for values in frame.to_numpy().tolist():
            for column, (name, value) in enumerate(zip(frame.columns, values, strict=True)):
                _put(tallies, row, column, value, out.percent if name == "share" else None)
            row += 1
        row += 1

    used = {name for name in names.values()}
    for page, words in zip(analysis.municipalities, municipality_tables(analysis), strict=True):
        _municipality_sheet(out, page, words, _sheet_name(page.name, used), lang)

    widths = [10, 20, 28, 100]
    findings = out.sheet(names["findings"], widths, header_rows=1)
    findings.freeze_panes(1, 0)
    _row(findings, 0, FINDING_COLUMNS[lang], out.header)
    _rows(findings, 1, finding_rows(analysis), [None, None, None, out.wrap], widths,
          [False, False, False, True])

    out.done()
    return path
