"""The rows every format shows, built once from an Analysis so the numbers cannot differ."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..classification.themes import explain_terms
from ..io.columns import ELEMENTS
from .labels import CASE_COLUMNS

if TYPE_CHECKING:
    from ..model.analysis import Analysis

CASE_FIELDS = ["case_id", "municipality", "prefecture", "title", *ELEMENTS, "theme_label",
               "theme_source", "declared_theme", "secondary_themes", "score", "matched_terms",
               "source_types", "data_categories", "target_types", "sensitive",
               "fiscal_year", "notes"]
TYPE_FIELDS = {"source_types": "service_type", "data_categories": "data_category",
               "target_types": "service_type"}
PROVENANCE = ["file", "sheet", "row"]


def case_rows(analysis: Analysis) -> tuple[list[str], list[str], list[dict]]:
    """(field ids, column headings, rows) for the classified-cases table: the inventory's own
    columns, the classification, then provenance. Computed once per analysis."""
    from ..classification.kinds import TYPE_COLUMNS, type_labels
    from ..classification.themes import CLASSIFICATION_COLUMNS
    from ..io.columns import CANONICAL_COLUMNS
    from ..io.inventory import PROVENANCE_COLUMNS, item_column

    if analysis.case_table is not None:
        return analysis.case_table
    lang, taxonomy = analysis.lang, analysis.taxonomy
    labels = taxonomy.labels(lang)
    cases = analysis.cases
    known = {*CANONICAL_COLUMNS, *CLASSIFICATION_COLUMNS, *PROVENANCE_COLUMNS, *TYPE_COLUMNS,
             *(item_column(e) for e in ELEMENTS)}
    # The item types already show what a type column declared; a consent column is shown
    # where the inventory has one.
    consent = ["consent"] if "consent" in cases and cases["consent"].astype(bool).any() else []
    extras = [c for c in cases.columns if c not in known]
    at = CASE_FIELDS.index("sensitive") + 1
    fields = CASE_FIELDS[:at] + consent + CASE_FIELDS[at:] + extras + PROVENANCE
    type_names = {kind: type_labels(cases, kind, lang) for kind in set(TYPE_FIELDS.values())}
    sensitive = "要配慮" if lang == "ja" else "sensitive"
    headings = _unique([CASE_COLUMNS[lang].get(f, f) for f in fields])
    n = len(cases)

    def column(field: str) -> list:
        return cases[field].tolist() if field in cases else [""] * n

    def mapped(values: list, text) -> list[str]:
        """text(value) for each value, computed once per distinct value."""
        done: dict = {}
        return [done[v] if v in done else done.setdefault(v, text(v)) for v in values]

    # Column by column (cases repeat the same types, themes and terms), then one dict per row.
    columns = {field: column(field) for field in fields}
    for field, kind in TYPE_FIELDS.items():
        names = type_names[kind]
        columns[field] = mapped(column(field), lambda ids, names=names: "、".join(
            dict.fromkeys(names.get(t, t) for t in ids)))
    columns["sensitive"] = [sensitive if s else "" for s in column("sensitive")]
    columns["theme_label"] = [labels[t] for t in column("theme_id")]
    columns["declared_theme"] = column("theme")
    columns["secondary_themes"] = mapped(column("secondary_theme_ids"),
                                         lambda ids: "、".join(labels[t] for t in ids))
    columns["matched_terms"] = mapped(column("matched_terms"),
                                      lambda terms: explain_terms(terms, taxonomy, lang))
    columns["score"] = [float(v) for v in column("score")]
    columns["row"] = [int(v) for v in column("row")]
    rows = [dict(zip(fields, values, strict=True))
            for values in zip(*(columns[f] for f in fields), strict=True)]
    analysis.case_table = (fields, headings, rows)
    return analysis.case_table


def _unique(headings: list[str]) -> list[str]:
    """An inventory column may be named like one of the report's own (a report's cases.csv
    read back in): number the later ones, so every heading names one column."""
    seen: set[str] = set()
    result = []
    for heading in headings:
        name, n = heading, 2
        while name in seen:
            name, n = f"{heading} ({n})", n + 1
        seen.add(name)
        result.append(name)
    return result


def finding_rows(analysis: Analysis) -> list[list]:
    return [[f.severity, f.code, _where(f), f.message] for f in analysis.findings]


def _where(finding) -> str:
    from pathlib import Path

    place = finding.location
    name = Path(finding.file).name if finding.file else ""
    return f"{name} {place}".strip() if name else place


def summary_rows(analysis: Analysis) -> list[list]:
    """[label, value] lines of the report's summary."""
    from .labels import SUMMARY_LABELS

    s, counts = SUMMARY_LABELS[analysis.lang], analysis.counts
    return [[s["inputs"], ", ".join(analysis.sources)],
            *([[s["sheet"], analysis.sheet]] if analysis.sheet else []),
            [s["cases"], len(analysis.cases)], [s["themes"], len(analysis.themes_present)],
            [s["errors"], counts["error"]], [s["warnings"], counts["warning"]]]


def top_flow_rows(analysis: Analysis) -> tuple[list[str], list[list]]:
    """(headings, rows) of the largest source → target flows."""
    headings = (["①データ共有元サービス", "③データ共有先サービス", "件数", "②流通データ"]
                if analysis.lang == "ja" else ["① Source", "③ Target", "Count", "② Data"])
    return headings, [[f["source_service"], f["target_service"], f["count"],
                       "、".join(f["data"])] for f in analysis.top_flows]


def tally_sections(analysis: Analysis):
    """(heading key, table) of the other tallies the analysis has, in report order."""
    for key, heading in (("municipality", "by_municipality"), ("fiscal_year", "by_fiscal_year"),
                         ("file", "by_file"), ("theme_municipality", "theme_municipality")):
        if key in analysis.tallies:
            yield heading, analysis.tallies[key]
