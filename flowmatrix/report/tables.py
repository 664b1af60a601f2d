"""The rows every format shows, built once from an Analysis so the numbers cannot differ."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..classifier import explain_terms
from ..columns import ELEMENTS
from .labels import CASE_COLUMNS

if TYPE_CHECKING:
    from ..analysis import Analysis

CASE_FIELDS = ["case_id", "municipality", "prefecture", "title", *ELEMENTS, "theme_label",
               "theme_source", "declared_theme", "secondary_themes", "score", "matched_terms",
               "fiscal_year", "notes"]
PROVENANCE = ["file", "sheet", "row"]


def case_rows(analysis: Analysis) -> tuple[list[str], list[str], list[dict]]:
    """(field ids, column headings, rows) for the classified-cases table: the inventory's own
    columns, the classification, then provenance. Computed once per analysis."""
    from ..classifier import CLASSIFICATION_COLUMNS
    from ..columns import CANONICAL_COLUMNS
    from ..inventory import PROVENANCE_COLUMNS, item_column

    if analysis.case_table is not None:
        return analysis.case_table
    lang, taxonomy = analysis.lang, analysis.taxonomy
    labels = {t.id: t.label(lang) for t in taxonomy.themes}
    known = {*CANONICAL_COLUMNS, *CLASSIFICATION_COLUMNS, *PROVENANCE_COLUMNS,
             *(item_column(e) for e in ELEMENTS)}
    extras = [c for c in analysis.cases.columns if c not in known]
    fields = CASE_FIELDS + extras + PROVENANCE
    headings = [CASE_COLUMNS[lang].get(f, f) for f in fields]
    rows = []
    for case in analysis.cases.to_dict("records"):
        row = {f: case.get(f, "") for f in fields}
        row["theme_label"] = labels[case["theme_id"]]
        row["declared_theme"] = case["theme"]
        row["secondary_themes"] = "、".join(labels[t] for t in case["secondary_theme_ids"])
        row["matched_terms"] = explain_terms(case["matched_terms"], taxonomy, lang)
        row["score"] = float(case["score"])
        row["row"] = int(case["row"])
        rows.append(row)
    analysis.case_table = (fields, headings, rows)
    return analysis.case_table


def finding_rows(analysis: Analysis) -> list[list]:
    return [[f.severity, f.code, _where(f), f.message] for f in analysis.findings]


def _where(finding) -> str:
    from pathlib import Path

    place = finding.location
    name = Path(finding.file).name if finding.file else ""
    return f"{name} {place}".strip() if name else place
