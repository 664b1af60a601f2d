"""report.md: the report's sections as Markdown tables, charts linked as the chart files of the
report folder (SVG, or PNG when only PNG was chosen, none when neither: registry.chart_files)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..settings import FLOW_CHART_MIN_CASES
from .labels import (
    FINDING_COLUMNS,
    HEADINGS,
    MUNICIPALITY_WORDS,
    TALLY_COLUMNS,
    chart_caption,
    dimension_label,
    sensitive_rows,
)
from .registry import HEATMAP_OF
from .tables import (
    case_values,
    finding_rows,
    matrix_frames,
    municipality_tables,
    summary_rows,
    tally_sections,
    theme_tally_frame,
    top_flow_rows,
    typical_rows,
)

if TYPE_CHECKING:
    from ..model.analysis import Analysis

MAX_CASE_ROWS = 200  # a longer case list is in cases.csv and report.xlsx
MAX_FINDING_ROWS = 200


# What can start Markdown markup inside a line (CommonMark and GFM: HTML and autolinks <…>,
# links and images […], code, emphasis, strikethrough, table pipes, a heading's closing #s), an
# & that would read as an entity, and the ":" of "://" and "." of "www." that GFM turns into
# links: each gets a backslash, which every CommonMark renderer shows as the character itself.
# ( ) and ! act only next to [ ], so with those escaped they stay as written; a run of _ between
# letters or digits (case_id) cannot start emphasis, so it stays too.
_MARKUP = re.compile(r"[\\`*\[\]<>#|~]|_+|&(?=#?[0-9a-z]+;)|:(?=//)|(?<=www)\.", re.IGNORECASE)


def cell(value: object) -> str:
    """Inventory text (cells, sheet and file names, labels) shown as itself in a Markdown table
    cell, heading or alt text: markup escaped, line breaks as spaces. A cell holding
    `<script>` or `![t](http://tracker…)` must not become HTML or an image when a wiki or
    repository viewer renders report.md."""
    text = "" if value is None else str(value)
    text = " ".join(text.splitlines()).strip()

    def escaped(found: re.Match) -> str:
        start, end = found.span()
        if (found.group(0)[0] == "_" and start > 0 and end < len(text)
                and text[start - 1].isalnum() and text[end].isalnum()):
            return found.group(0)
        return "".join("\\" + char for char in found.group(0))

    return _MARKUP.sub(escaped, text)


def table(headings: list[str], rows: list[list], align: list[str] | None = None) -> str:
    align = align or ["l"] * len(headings)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(cell(h) for h in headings) + " |",
             "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def report_markdown(analysis: Analysis, case_table: tuple, charts: dict[str, str], *,
                    stamp: str | None = None) -> bytes:
    """case_table: tables.case_columns; charts: chart key → chart file (SVG or PNG) relative to
    the report folder (tally, heatmap, flow, flow_<theme id>)."""
    lang = analysis.settings.lang
    h, t = HEADINGS[lang], TALLY_COLUMNS[lang]
    out = [f"# {h['title']}: {cell(analysis.name)}", ""]
    if stamp:
        out += [cell(stamp), ""]
    out += [f"## {h['summary']}", ""]
    out.append(table(["", ""], summary_rows(analysis)))
    out += ["", f"## {h['theme_tally']}", ""]
    out.append(table([t["theme"], t["cases"], t["share"], t["touching"]],
                     [[r["theme"], r["cases"], f"{r['share']:.1%}", r["touching"]]
                      for r in theme_tally_frame(analysis.theme_tally, analysis.taxonomies.themes,
                                               lang).to_dict("records")], ["l", "r", "r", "r"]))
    if "tally" in charts:
        out += ["", _image(h["theme_tally"], charts["tally"])]
    out += ["", f"## {h['representative']}", "", h["representative_note"]]
    for _, theme, headings, rows in typical_rows(analysis):
        out += ["", f"### {cell(theme)}", ""]
        out.append(table(headings, rows, ["l", "l", "l", "l", "r", "l"]))
    out += ["", f"## {h['top_flows']}", ""]
    headings, rows = top_flow_rows(analysis)
    out.append(table(headings, rows, ["l", "l", "r", "l"]))
    for key, matrix in analysis.matrices.items():
        out += ["", f"## {h[key]}", "", h["top_note"].format(top=analysis.top), ""]
        frame = matrix_frames(matrix, analysis.taxonomies, lang)[0]
        corner = f"{dimension_label(matrix.rows, lang)} ＼ {dimension_label(matrix.cols, lang)}"
        out.append(table([corner,
                          *[str(c) for c in frame.columns]],
                         [[str(i), *[_value(v) for v in row]]
                          for i, row in zip(frame.index, frame.to_numpy().tolist(),
                                            strict=True)]))
        if HEATMAP_OF.get(key) in charts:
            out += ["", _image(h[key], charts[HEATMAP_OF[key]])]
    flow_charts = [(k, v) for k, v in charts.items() if k.startswith("flow")]
    if flow_charts:
        out += ["", f"## {h['flows']}", "", h["flows_note"].format(min=FLOW_CHART_MIN_CASES),
                ""]
        for key, path in flow_charts:
            out += [_image(chart_caption(key, analysis, lang), path), ""]
    out += [f"## {h['sensitive']}", "", h["sensitive_note"], ""]
    headings, rows = sensitive_rows(analysis)
    out += [table(headings, rows, ["l", "r", "l", "l", "l", "l"]) if rows
            else h["no_sensitive"], ""]
    out += _municipality_pages(analysis, charts)
    out += [f"## {h['tallies']}"]
    for heading, frame, columns in tally_sections(analysis):
        out += ["", f"### {h[heading]}", ""]
        out.append(table(columns,
                         [[_value(v, share=c == "share") for c, v in zip(
                             frame.columns, row, strict=True)]
                          for row in frame.to_numpy().tolist()]))
    out += ["", f"## {h['findings']}", ""]
    rows = finding_rows(analysis)
    if rows:
        out.append(table(FINDING_COLUMNS[lang], rows[:MAX_FINDING_ROWS]))
        if len(rows) > MAX_FINDING_ROWS:
            out += ["", f"… {len(rows) - MAX_FINDING_ROWS} more: summary.json"]
    else:
        out.append(h["no_findings"])
    out += ["", f"## {h['cases']}", ""]
    fields, headings, columns = case_table
    shown = ["case_id", "municipality", "title", "source_service", "data", "target_service",
             "linked_service", "theme_label", "secondary_themes"]
    if len(columns[fields[0]]) <= MAX_CASE_ROWS:
        out.append(table([headings[fields.index(f)] for f in shown],
                         [list(map(_value, case)) for case in case_values(case_table, shown)]))
        out.append("")
    out.append(h["cases_in_csv"])
    return ("\n".join(out) + "\n").encode("utf-8")


def _municipality_pages(analysis: Analysis, charts: dict[str, str]) -> list[str]:
    """The municipality pages (--by municipality), one ### section each."""
    if not analysis.settings.municipality_pages:
        return []
    lang = analysis.settings.lang
    w = MUNICIPALITY_WORDS[lang]
    out = [f"## {w['section']}", "", w["section_note"], ""]
    pages = municipality_tables(analysis)
    if not pages:
        out += [w["no_municipality"], ""]
    for page in pages:
        out += [f"### {cell(page['heading'])}", "", cell(page["count"]), "",
                f"#### {w['overview']}", "", w["overview_note"], "",
                table(*page["overview"]), "",
                f"#### {w['themes']}", "", table(*page["themes"], ["l", "r", "r", "r"]), ""]
        if page["charts"]["flow"] in charts:
            out += [f"#### {w['flows']}", "",
                    _image(chart_caption(page["charts"]["flow"], analysis, lang),
                           charts[page["charts"]["flow"]]), ""]
        headings, rows = page["kpis"]
        out += [f"#### {w['kpis']}", "", table(headings, rows, ["l", "l", "r", "r", "l", "l"])
                if rows else w["no_kpis"], ""]
        if page["charts"]["kpi"] in charts:
            out += [_image(chart_caption(page["charts"]["kpi"], analysis, lang),
                           charts[page["charts"]["kpi"]]), ""]
        headings, rows = page["peer_flows"]
        out += [f"#### {w['peer_flows']}", "", page["peer_note"], ""]
        if rows:
            out += [table(headings, rows, ["l", "l", "l", "r", "l"]), ""]
    return out


_CHART_PATH = re.compile(r"charts/[A-Za-z0-9_.-]+")


def _image(caption: str, path: str) -> str:
    """A chart of the report: the only links report.md has, so they point inside it."""
    if not _CHART_PATH.fullmatch(path):
        raise ValueError(f"not a chart in the report folder: {path!r}")
    return f"![{cell(caption)}]({path})"


def _value(value: object, share: bool = False) -> str:
    if share and isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value == 0 and not isinstance(value, bool):
        return ""
    return str(value)
