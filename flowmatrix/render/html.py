"""report.html: one self-contained page (charts inline, no network requests), every inventory
string escaped."""

from __future__ import annotations

import base64
from html import escape
from itertools import islice
from typing import TYPE_CHECKING

from ..settings import FLOW_CHART_MIN_CASES
from .labels import (
    FINDING_COLUMNS,
    HEADINGS,
    MUNICIPALITY_WORDS,
    READING_GUIDE,
    SUMMARY_LABELS,
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

MAX_CASE_ROWS = 2000

STYLE = """
body{font-family:"Hiragino Kaku Gothic ProN","Hiragino Sans","Yu Gothic UI","Yu Gothic",Meiryo,
"Noto Sans CJK JP","Noto Sans JP","IPAexGothic",sans-serif;margin:0;color:#1f2933;background:#fff;
line-height:1.6}
header{background:#1f4e78;color:#fff;padding:1.2rem 2rem}header h1{margin:0;font-size:1.5rem}
header p{margin:.2rem 0 0;opacity:.85}
nav{padding:.6rem 2rem;background:#eef3f8;font-size:.9rem}nav a{margin-right:1rem;color:#1f4e78}
main{padding:0 2rem 3rem;max-width:1400px}
h2{border-bottom:2px solid #2e75b6;padding-bottom:.2rem;margin-top:2.2rem;font-size:1.25rem}
h3{font-size:1.05rem}h4{font-size:.95rem;margin:1rem 0 .3rem}
article{border-top:1px solid #cbd2d9;margin-top:1.6rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #cbd2d9;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f0f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto;max-width:100%}
.matrix td{min-width:6rem}.matrix th:first-child{min-width:11rem}
.note{color:#52606d;font-size:.85rem}td,th{overflow-wrap:anywhere}
td{min-width:5em;max-width:30em}
.guide{font-size:.9rem;max-width:60em}.guide li{margin:.3rem 0}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #e4e7eb}
.error{color:#b42318;font-weight:bold}.warning{color:#b54708}.info{color:#175cd3}
@media (max-width:640px){header,nav,main{padding-left:.8rem;padding-right:.8rem}
nav a{display:inline-block;margin:.1rem .6rem .1rem 0}table{font-size:.8rem}
figure{overflow-x:auto}figure img{max-width:none;width:640px}}
@media print{nav{display:none}header{background:none;color:#000;padding:0}
.scroll{overflow:visible}section{break-inside:auto}figure,tr{break-inside:avoid}
h2,h3{break-after:avoid}main{max-width:none;padding:0}}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(headings: list[str], rows: list[list], numeric: set[int] = frozenset(),
           css: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{_e(v)}</td>' if i in numeric else f"<td>{_e(v)}</td>"
                         for i, v in enumerate(row)) + "</tr>" for row in rows)
    return (f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _pairs(rows: list[list]) -> str:
    """A two-column table of labels and values, without a heading row."""
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table><tbody>{body}</tbody></table>"


def _figure(svg: bytes | None, caption: str) -> str:
    if not svg:
        return ""
    # As an <img> data URI: a self-contained file, and an SVG shown this way cannot run scripts.
    data = base64.b64encode(svg).decode("ascii")
    return (f'<figure><img alt="{_e(caption)}" src="data:image/svg+xml;base64,{data}">'
            f"<figcaption class=note>{_e(caption)}</figcaption></figure>")


def _matrix_table(matrix, taxonomies, lang: str) -> str:
    table, counts = matrix_frames(matrix, taxonomies, lang)
    peak = max(int(counts.to_numpy().max()) if counts.size else 0, 1)
    corner = f"{dimension_label(matrix.rows, lang)} ＼ {dimension_label(matrix.cols, lang)}"
    head = f"<th>{_e(corner)}</th>" + "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    body = []
    for label, texts, numbers in zip(table.index, table.to_numpy().tolist(),
                                     counts.to_numpy().tolist(), strict=True):
        cells = []
        for text, number in zip(texts, numbers, strict=True):
            shade = _shade(number / peak) if number else "#ffffff"
            shown = "" if number == 0 else text
            cells.append(f'<td style="background:{shade}">{_e(shown)}</td>')
        body.append(f"<tr><th>{_e(label)}</th>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table class="matrix"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _shade(fraction: float) -> str:
    """White to a light blue (text stays readable)."""
    low, high = (255, 255, 255), (158, 202, 225)
    rgb = [round(a + (b - a) * fraction) for a, b in zip(low, high, strict=True)]
    return "#" + "".join(f"{v:02x}" for v in rgb)


def _municipality_pages(analysis: Analysis, charts: dict[str, bytes]) -> str:
    """The municipality pages (--by municipality), one <article> each."""
    lang = analysis.settings.lang
    w = MUNICIPALITY_WORDS[lang]
    pages = municipality_tables(analysis)
    out = [f'<p class="note">{_e(w["section_note"])}</p>']
    if not pages:
        out.append(f"<p>{_e(w['no_municipality'])}</p>")
    for page in pages:
        flow, kpi = page["charts"]["flow"], page["charts"]["kpi"]
        headings, kpi_rows = page["kpis"]
        out.append(
            f'<article id="{page["key"]}"><h3>{_e(page["heading"])}</h3>'
            f'<p class="note">{_e(page["count"])}</p>'
            f"<h4>{_e(w['overview'])}</h4><p class=note>{_e(w['overview_note'])}</p>"
            + _table(*page["overview"])
            + f"<h4>{_e(w['themes'])}</h4>" + _table(*page["themes"], {1, 2, 3})
            + (f"<h4>{_e(w['flows'])}</h4>"
               + _figure(charts.get(flow), chart_caption(flow, analysis, lang))
               if flow in charts else "")
            + f"<h4>{_e(w['kpis'])}</h4>"
            + (_table(headings, kpi_rows, {2, 3}) if kpi_rows else f"<p>{_e(w['no_kpis'])}</p>")
            + (_figure(charts.get(kpi), chart_caption(kpi, analysis, lang))
               if kpi in charts else "")
            + f"<h4>{_e(w['peer_flows'])}</h4><p class=note>{_e(page['peer_note'])}</p>"
            + (_table(*page["peer_flows"], {3}) if page["peer_flows"][1] else "")
            + "</article>")
    return "".join(out)


def report_html(analysis: Analysis, case_table: tuple, charts: dict[str, bytes], *,
                stamp: str | None = None) -> bytes:
    """case_table: tables.case_columns; charts: chart key (tally, heatmap, flow, flow_<theme id>)
    → SVG bytes."""
    lang = analysis.settings.lang
    h, t = HEADINGS[lang], TALLY_COLUMNS[lang]
    sections: list[tuple[str, str, str]] = []
    summary = _pairs(summary_rows(analysis))
    sections.append(("summary", h["summary"], summary))
    guide = READING_GUIDE[lang]
    sections.append(("guide", guide["heading"], '<ul class="guide">' + "".join(
        f"<li>{_e(point)}</li>" for point in guide["points"]) + "</ul>"))
    tally = _table([t["theme"], t["cases"], t["share"], t["touching"]],
                   [[r["theme"], r["cases"], f"{r['share']:.1%}", r["touching"]]
                    for r in theme_tally_frame(analysis.theme_tally, analysis.taxonomies.themes,
                                             lang).to_dict("records")], {1, 2, 3})
    sections.append(("tally", h["theme_tally"], tally + _figure(charts.get("tally"),
                                                                  h["theme_tally"])))
    typical = f'<p class="note">{_e(h["representative_note"])}</p>' + "".join(
        f"<h3>{_e(theme)}</h3>" + _table(headings, rows, {4})
        for _, theme, headings, rows in typical_rows(analysis))
    sections.append(("representative", h["representative"], typical))
    flows = _table(*top_flow_rows(analysis), {2})
    sections.append(("top-flows", h["top_flows"], flows))
    note = f'<p class="note">{_e(h["top_note"].format(top=analysis.top))}</p>'
    for key, matrix in analysis.matrices.items():
        body = note + _matrix_table(matrix, analysis.taxonomies, lang)
        if key in HEATMAP_OF:
            body += _figure(charts.get(HEATMAP_OF[key]), h[key])
        sections.append((f"matrix-{key}", h[key], body))
    flow_figures = "".join(_figure(svg, chart_caption(key, analysis, lang))
                           for key, svg in charts.items() if key.startswith("flow"))
    if flow_figures:
        note = h["flows_note"].format(min=FLOW_CHART_MIN_CASES)
        sections.append(("flows", h["flows"], f'<p class="note">{_e(note)}</p>' + flow_figures))
    headings, rows = sensitive_rows(analysis)
    listing = _table(headings, rows, {1}) if rows else f"<p>{_e(h['no_sensitive'])}</p>"
    sections.append(("sensitive", h["sensitive"],
                     f'<p class="note">{_e(h["sensitive_note"])}</p>' + listing))
    if analysis.settings.municipality_pages:
        sections.append(("municipalities", MUNICIPALITY_WORDS[lang]["section"],
                         _municipality_pages(analysis, charts)))
    tallies = []
    for heading, frame, columns in tally_sections(analysis):
        numeric = {i for i, c in enumerate(frame.columns) if frame[c].dtype.kind in "iuf"}
        rows = [[f"{v:.1%}" if c == "share" else v for c, v in zip(frame.columns, row,
                                                                      strict=True)]
                for row in frame.to_numpy().tolist()]
        tallies.append(f"<h3>{_e(h[heading])}</h3>"
                       + _table(columns, rows, numeric))
    sections.append(("tallies", h["tallies"], "".join(tallies)))
    rows = finding_rows(analysis)
    findings = (_table(FINDING_COLUMNS[lang], rows) if rows
                else f"<p>{_e(h['no_findings'])}</p>")
    sections.append(("findings", h["findings"], findings))
    fields, headings, columns = case_table
    shown = list(islice(case_values(case_table), MAX_CASE_ROWS))
    case_table = _table(headings, shown, {fields.index("score"), fields.index("row")})
    more = (f'<p class="note">{_e(h["cases_in_csv"])}</p>'
            if len(columns[fields[0]]) > len(shown) else "")
    sections.append(("cases", h["cases"], case_table + more))

    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{_e(title)}</h2>{html}</section>'
                   for key, title, html in sections)
    page = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(h['title'])}: {_e(analysis.name)}</title><style>{STYLE}</style></head>"
            f"<body><header><h1>{_e(h['title'])}</h1><p>{_e(analysis.name)} · "
            f"{_e(SUMMARY_LABELS[lang]['cases'])} {len(analysis.cases)}"
            + (f" · {_e(stamp)}" if stamp else "") + f"</p></header><nav>{nav}</nav>"
            f"<main>{body}</main></body></html>\n")
    return page.encode("utf-8")
