"""The terminal summary of `flowmatrix analyze`: the tally, the largest flows, the sensitive
flows, the first findings and where the report went."""

from __future__ import annotations

from pathlib import Path

from .console import console, escape


def print_analysis(analysis, folder) -> None:
    """The terminal summary: tally, largest flows (by name and by type), sensitive flows and
    the first findings."""
    from rich.table import Table

    from ..render.labels import (
        ANALYZE_WORDS,
        LIST_SEPARATOR,
        SEVERITY_WORDS,
        counted,
        finding_place,
        finding_text,
    )
    from ..render.tables import matrix_frames, shown_findings, theme_tally_frame

    lang = analysis.settings.lang
    out = console()
    counts = analysis.counts
    words = ANALYZE_WORDS[lang]
    sep = LIST_SEPARATOR[lang]
    out.print(f"[bold]{escape(analysis.name)}[/bold]: " + escape(sep.join(
        counted(n, noun, lang) for n, noun in ((len(analysis.cases), "case"),
                                               (counts["error"], "error"),
                                               (counts["warning"], "warning")))))
    tally = Table(pad_edge=False, title=words["tally"])
    for heading, justify in zip(words["tally_columns"], ("left", "right", "right"), strict=True):
        tally.add_column(heading, justify=justify)
    frame = theme_tally_frame(analysis.theme_tally, analysis.taxonomies.themes, lang)
    for row in frame.to_dict("records"):
        if row["cases"]:
            tally.add_row(escape(row["theme"]), str(row["cases"]), f"{row['share']:.1%}")
    out.print(tally)
    types = analysis.matrices.get("types")
    if types is not None and types.cells:  # the type-level matrix, largest cells first
        table, _ = matrix_frames(types, analysis.taxonomies, lang)
        out.print(escape(words["by_type"]))
        for row, col in types.largest_cells(5):
            i, j = types.row_values.index(row), types.col_values.index(col)
            out.print(f"  {escape(str(table.index[i]))} → {escape(str(table.columns[j]))}: "
                      f"{escape(str(table.iat[i, j]))}")
    repeated = [flow for flow in analysis.top_flows if flow["count"] > 1]
    if repeated:  # pairs of names seen once say little: the typed view above says more
        out.print(escape(words["by_name"]))
        for flow in repeated[:5]:
            out.print(f"  {escape(flow['source_service'])} → {escape(flow['target_service'])}"
                      f" ({flow['count']}): {escape(sep.join(flow['data']))}")
    flows = analysis.sensitive_flows
    several = len(analysis.sources) > 1  # a batch's combined report: rows name their file
    if flows:
        label = words["sensitive_label"]
        rows = ", ".join(f"{Path(f['file']).name}:{f['row']}" if several else str(f["row"])
                         for f in flows[:10]) + (", …" if len(flows) > 10 else "")
        out.print(escape(words["sensitive"].format(label=label, n=counted(len(flows), "case",
                                                                          lang), rows=rows)))
    problems = [f for f in shown_findings(analysis) if f.severity != "info"]
    for finding in problems[:5]:
        where = finding_place(finding, lang)  # a finding about another file (--kpis) names it
        if finding.file and (several or finding.file not in analysis.sources):
            where = f"{Path(finding.file).name} {where}".strip()
        out.print(f"  [yellow]{SEVERITY_WORDS[lang][finding.severity]}[/yellow] "
                  f"{escape(where)}: "
                  f"{escape(finding_text(finding, lang, analysis.taxonomies))}")
    if len(problems) > 5:
        out.print(escape(words["more"].format(n=len(problems) - 5)))
    pages = [page.name for page in analysis.municipalities]
    if pages:
        out.print(escape(words["pages"].format(n=len(pages), names=sep.join(
            pages[:8]) + (sep + "…" if len(pages) > 8 else ""))))
    out.print(escape(words["report"].format(folder=folder)))
