"""report.xlsx (and `matrix -o X.xlsx`): streamed with openpyxl's write-only mode.

Every string from the inventory is written as text, never as a formula, even when it starts
with = + - @ (the cell type is forced to string).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ..matrix import dimension_label
from .labels import FINDING_COLUMNS, HEADINGS, SUMMARY_LABELS, TALLY_COLUMNS
from .tables import case_rows, finding_rows

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis import Analysis

SHEETS = {
    "ja": {"summary": "概要", "cases": "事例", "tally": "テーマ集計", "flow": "データフロー",
           "data_linked": "データ×連携サービス", "theme_source": "テーマ×共有元",
           "theme_target": "テーマ×共有先", "tallies": "その他の集計", "findings": "指摘事項"},
    "en": {"summary": "Summary", "cases": "Cases", "tally": "Theme tally", "flow": "Data flow",
           "data_linked": "Data x linked service", "theme_source": "Theme x source",
           "theme_target": "Theme x target", "tallies": "Other tallies", "findings": "Findings"},
}
HEADER_FILL = "1F4E78"
MAX_CELL_CHARS = 32767  # Excel's limit: a longer text makes Excel "repair" the workbook
SHADES = ["FFFFFF", "DEEBF7", "C6DBEF", "9ECAE1", "6BAED6"]


class _Writer:
    """Cells for one write-only sheet, with the few styles the report uses."""

    def __init__(self, sheet):
        from openpyxl.styles import Alignment, Font, PatternFill

        self.sheet = sheet
        self.header_font = Font(bold=True, color="FFFFFF")
        self.header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.fills = [PatternFill("solid", fgColor=c) for c in SHADES]

    def cell(self, value, *, header=False, bold=False, wrap=False, shade: int | None = None,
             number_format: str | None = None):
        from openpyxl.cell import WriteOnlyCell

        if isinstance(value, str):
            value = excel_text(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: "=1+2" is not a formula
        if header:
            cell.font, cell.fill = self.header_font, self.header_fill
            cell.alignment = self.wrap
        elif bold:
            cell.font = self.bold
        if wrap:
            cell.alignment = self.wrap
        if shade is not None:
            cell.fill = self.fills[shade]
        if number_format:
            cell.number_format = number_format
        return cell

    def row(self, values, **style):
        self.sheet.append([self.cell(v, **style) for v in values])

    def widths(self, widths: list[float]):
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width


def excel_text(text: str) -> str:
    """Text a workbook can hold: line breaks as XML reads them back (\\n), control characters
    XML forbids as U+FFFD, and text over Excel's 32,767-character limit cut with a note
    (cases.csv keeps the whole text)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > MAX_CELL_CHARS:
        note = f"…（{len(text):,}字、全文は cases.csv）"
        text = text[: MAX_CELL_CHARS - len(note)] + note
    return text


def _plain(value):
    """Values a cell can hold: numpy numbers become Python numbers, None stays empty."""
    if value is None:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _shade(count: int, peak: int) -> int:
    if count <= 0 or peak <= 0:
        return 0
    return 1 + min(3, int(3 * count / peak))


def _write_matrix(book, title: str, table: pd.DataFrame, counts: pd.DataFrame, lang: str,
                  heading: str | None = None) -> None:
    sheet = book.create_sheet(title)
    out = _Writer(sheet)
    out.widths([30] + [24] * len(table.columns))
    sheet.freeze_panes = "B3" if heading else "B2"
    if heading:
        out.row([heading], bold=True)
    corner = f"{dimension_label(table.index.name, lang)} ＼ " \
             f"{dimension_label(table.columns.name, lang)}"
    out.row([corner, *[str(c) for c in table.columns]], header=True)
    peak = int(counts.to_numpy().max()) if counts.size else 0
    for label, texts, numbers in zip(table.index, table.to_numpy().tolist(),
                                     counts.to_numpy().tolist(), strict=True):
        cells = [out.cell(str(label), bold=True, wrap=True)]
        for text, number in zip(texts, numbers, strict=True):
            value = _plain(text)
            if number == 0:
                value = None
            cells.append(out.cell(value, wrap=True, shade=_shade(int(number), peak)))
        sheet.append(cells)


def matrix_workbook(table: pd.DataFrame, counts: pd.DataFrame, *, lang: str = "ja") -> bytes:
    """A workbook with one matrix sheet, cells coloured by count."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    _write_matrix(book, "matrix", table, counts, lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_workbook(analysis: Analysis) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    lang = analysis.lang
    names, h = SHEETS[lang], HEADINGS[lang]
    book = Workbook(write_only=True)

    summary = book.create_sheet(names["summary"])
    out = _Writer(summary)
    out.widths([22, 80])
    s, counts = SUMMARY_LABELS[lang], analysis.counts
    out.row([f"{h['title']}: {analysis.name}"], bold=True)
    for label, value in ([s["inputs"], ", ".join(analysis.sources)],
                         *([[s["sheet"], analysis.sheet]] if analysis.sheet else []),
                         [s["cases"], len(analysis.cases)],
                         [s["themes"], len(analysis.themes_present)],
                         [s["errors"], counts["error"]], [s["warnings"], counts["warning"]]):
        summary.append([out.cell(label, bold=True), out.cell(value)])

    cases = book.create_sheet(names["cases"])
    out = _Writer(cases)
    fields, headings, rows = case_rows(analysis)
    wide = {"title": 28, "source_service": 28, "data": 28, "target_service": 28,
            "linked_service": 30, "matched_terms": 50, "notes": 30, "file": 24}
    out.widths([wide.get(f, 12) for f in fields])
    cases.freeze_panes = "B2"
    out.row(headings, header=True)
    for row in rows:
        cases.append([out.cell(_plain(row[f]), wrap=f in wide) for f in fields])

    tally = book.create_sheet(names["tally"])
    out = _Writer(tally)
    t = TALLY_COLUMNS[lang]
    out.widths([28, 10, 10, 20])
    tally.freeze_panes = "A2"
    out.row([t["theme"], t["cases"], t["share"], t["touching"]], header=True)
    records = analysis.theme_tally.to_dict("records")
    for r in records:
        tally.append([out.cell(r["theme"]), out.cell(int(r["cases"])),
                      out.cell(float(r["share"]), number_format="0.0%"),
                      out.cell(int(r["touching"]))])
    chart = BarChart()
    chart.type, chart.style, chart.title = "bar", 10, h["theme_tally"]
    chart.y_axis.title, chart.legend = t["cases"], None
    chart.add_data(Reference(tally, min_col=2, min_row=1, max_row=len(records) + 1),
                   titles_from_data=True)
    chart.set_categories(Reference(tally, min_col=1, min_row=2, max_row=len(records) + 1))
    chart.x_axis.scaling.orientation = "maxMin"  # largest at the top, as in the table
    chart.width, chart.height = 18, 9
    tally.add_chart(chart, "F2")

    for key, matrix in analysis.matrices.items():
        _write_matrix(book, names[key], matrix.table, matrix.counts, lang,
                      heading=h[key] + " — " + h["top_note"].format(top=analysis.top))

    tallies = book.create_sheet(names["tallies"])
    out = _Writer(tallies)
    out.widths([28] + [14] * 12)
    for key, heading in (("municipality", "by_municipality"), ("fiscal_year", "by_fiscal_year"),
                         ("file", "by_file"), ("theme_municipality", "theme_municipality")):
        if key not in analysis.tallies:
            continue
        frame = analysis.tallies[key]
        out.row([h[heading]], bold=True)
        out.row([str(c) for c in frame.columns], header=True)
        for row in frame.to_numpy().tolist():
            tallies.append([out.cell(_plain(v), number_format="0.0%" if c == "share" else None)
                            for c, v in zip(frame.columns, row, strict=True)])
        tallies.append([])

    findings = book.create_sheet(names["findings"])
    out = _Writer(findings)
    out.widths([10, 20, 28, 100])
    findings.freeze_panes = "A2"
    out.row(FINDING_COLUMNS[lang], header=True)
    for row in finding_rows(analysis):
        findings.append([out.cell(v, wrap=i == 3) for i, v in enumerate(row)])

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
