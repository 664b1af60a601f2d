"""Everything a report shows, computed once into one `Analysis` that every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..classification.taxonomy import Taxonomy, load_taxonomy
from ..findings import Finding, sort_findings

if TYPE_CHECKING:
    import pandas as pd

    from ..io.inventory import Inventory

DEFAULT_TOP = 12  # rows/columns kept in report matrices before folding into その他

# The matrices of a report: key → (rows, cols, values).
REPORT_MATRICES = {
    "flow": ("source_service", "target_service", "data"),
    "types": ("source_type", "target_type", "data_category"),
    "data_linked": ("data", "linked_service", "linked_service"),
    "theme_source": ("theme", "source_service", "count"),
    "theme_target": ("theme", "target_service", "count"),
}


@dataclass
class Matrix:
    key: str
    rows: str
    cols: str
    values: str
    table: pd.DataFrame  # what the cells say (text for data/linked_service, numbers for count)
    counts: pd.DataFrame  # the same shape, numbers: for colour and charts


@dataclass
class Analysis:
    """One inventory (or several combined), classified, checked, counted."""

    name: str  # the report's name: the input file's stem, or "combined"
    sources: list[str]  # input file(s)
    sheet: str | None
    lang: str
    taxonomy: Taxonomy
    cases: pd.DataFrame  # classified cases (classifier.classify columns)
    findings: list[Finding]
    theme_tally: pd.DataFrame
    matrices: dict[str, Matrix]
    tallies: dict[str, pd.DataFrame]  # by municipality, fiscal_year, file, theme × municipality
    top_flows: list[dict]  # the largest source → target pairs, with data and counts
    top: int = DEFAULT_TOP
    themes_present: list[str] = field(default_factory=list)  # theme ids with cases, in tally order
    sensitive_flows: list[dict] = field(default_factory=list)  # cases carrying 要配慮個人情報
    case_table: tuple | None = field(default=None, repr=False)  # report.tables.case_rows, once

    @property
    def counts(self) -> dict[str, int]:
        from ..findings import count_by_severity

        return count_by_severity(self.findings)


def analyze_inventory(inventory: Inventory, *, taxonomy: Taxonomy | None = None,
                      lang: str = "ja", top: int = DEFAULT_TOP,
                      ignore_declared: bool = False, service_types: Taxonomy | None = None,
                      data_categories: Taxonomy | None = None) -> Analysis:
    """Classify, check and count one inventory (themes from `taxonomy`, item types from
    `service_types` and `data_categories`; the built-in ones by default)."""
    from ..checks import validate
    from ..classification.kinds import type_items
    from ..classification.themes import classify, disagreement_findings

    taxonomy = taxonomy or load_taxonomy()
    cases = type_items(classify(inventory, taxonomy, ignore_declared=ignore_declared),
                       service_types, data_categories)
    # The report lists sensitive flows in a section of their own, so their notes are left out
    # of its findings (the consent warnings stay).
    findings = [f for f in validate(inventory, taxonomy, typed=cases,
                                    service_types=service_types,
                                    data_categories=data_categories)
                if f.code != "sensitive-flow"]
    findings += disagreement_findings(inventory, cases, taxonomy, lang)
    return build_analysis(Path(inventory.path).stem, [inventory.path], inventory.sheet, cases,
                          sort_findings(findings), taxonomy, lang, top)


def combine(analyses: list[Analysis], *, name: str = "combined") -> Analysis:
    """One analysis over the cases of several: every case keeps the file it came from."""
    import pandas as pd

    first = analyses[0]
    cases = pd.concat([a.cases for a in analyses], ignore_index=True)
    for column in cases.columns:  # a column only some inventories have is empty elsewhere
        if any(column not in a.cases.columns for a in analyses):
            cases[column] = cases[column].astype(object).where(cases[column].notna(), "")
    findings = sort_findings([f for a in analyses for f in a.findings])
    return build_analysis(name, [s for a in analyses for s in a.sources], None, cases, findings,
                          first.taxonomy, first.lang, first.top)


def build_analysis(name: str, sources: list[str], sheet: str | None, cases: pd.DataFrame,
                   findings: list[Finding], taxonomy: Taxonomy, lang: str, top: int) -> Analysis:
    from .matrix import flow_tables, largest_flows
    from .tally import tally_by, theme_cross_table, theme_tally

    tally = theme_tally(cases, taxonomy, lang=lang)
    matrices = {}
    for key, (rows, cols, values) in REPORT_MATRICES.items():
        table, counts = flow_tables(cases, rows, cols, values=values, top=top,
                                    taxonomy=taxonomy, lang=lang)
        matrices[key] = Matrix(key, rows, cols, values, table, counts)
    tallies = {
        "municipality": tally_by(cases, "municipality", lang=lang),
        "fiscal_year": tally_by(cases, "fiscal_year", lang=lang),
        "theme_municipality": theme_cross_table(cases, "municipality", taxonomy, lang=lang),
    }
    if cases["file"].nunique() > 1:
        tallies["file"] = tally_by(cases, "file", lang=lang)
    top_flows = [{"source_service": p["row"], "target_service": p["col"], "count": p["count"],
                  "cases": p["cases"], "data": p["data"]}
                 for p in largest_flows(cases, 10, taxonomy=taxonomy, lang=lang)]
    present = [row["theme_id"] for row in tally.to_dict("records") if row["cases"]]
    return Analysis(name, sources, sheet, lang, taxonomy, cases, findings, tally, matrices,
                    tallies, top_flows, top, present, sensitive_flows(cases, lang))


def sensitive_flows(cases: pd.DataFrame, lang: str) -> list[dict]:
    """The cases whose data includes 要配慮個人情報, with the data items and categories."""
    from ..classification.kinds import sensitive_ids, type_labels
    from ..io.inventory import item_column

    if "sensitive" not in cases or not cases["sensitive"].any():
        return []
    labels = type_labels(cases, "data_category", lang)
    sensitive = sensitive_ids(cases)
    flagged = cases[cases["sensitive"]]
    columns = ("case_id", "file", "row", "source_service", item_column("data"),
               "data_categories", "target_service", "linked_service")
    flows = []
    for case_id, file, row, source, items, categories, target, linked in zip(
            *(flagged[c].tolist() for c in columns), strict=True):
        data = [(item, labels.get(c, c)) for item, c in zip(items, categories, strict=True)
                if c in sensitive]
        flows.append({"case_id": case_id, "file": file, "row": int(row),
                      "source_service": source, "data": [item for item, _ in data],
                      "categories": list(dict.fromkeys(label for _, label in data)),
                      "target_service": target, "linked_service": linked})
    return flows
