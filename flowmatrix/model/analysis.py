"""Everything a report shows, counted once into one `Analysis` that every renderer reads.

The analysis holds ids and counts only: theme and kind ids, the inventory's own text, and the
markers of dimensions.py. The words of a report are looked up by the renderers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..findings import Finding, count_by_severity, sort_findings
from ..io.inventory import item_column
from .dimensions import CodedCases
from .flows import FlowStages, report_flow_stages
from .matrix import Matrix, flow_matrix, largest_flows
from .municipality import MunicipalityPage, municipality_pages
from .representative import representative_flows
from .tally import tally_by, theme_cross_table, theme_tally

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies
    from ..io.kpis import Kpi
    from ..settings import Settings

# The matrices of a report: key → (rows, cols, values).
REPORT_MATRICES = {  # the typed view is the headline; name-level views follow
    "types": ("source_type", "target_type", "data_category"),
    "flow": ("source_service", "target_service", "data"),
    "data_linked": ("data", "linked_service", "linked_service"),
    "theme_source": ("theme", "source_service", "count"),
    "theme_target": ("theme", "target_service", "count"),
}


@dataclass
class Analysis:
    """One inventory (or several combined): classified, checked, counted."""

    name: str  # the report's name: the input file's stem, or "_combined"
    sources: list[str]  # input file(s)
    sheet: str | None
    settings: Settings
    taxonomies: Taxonomies
    cases: pd.DataFrame  # classified and typed cases (pipeline.classify)
    findings: list[Finding]
    theme_tally: pd.DataFrame  # theme_id, cases, share, touching
    matrices: dict[str, Matrix]  # REPORT_MATRICES, the largest `settings.top` rows/columns
    tallies: dict[str, pd.DataFrame]  # by municipality, fiscal_year, file, theme × municipality
    top_flows: list[dict]  # the largest source → target pairs, with data and counts
    # chart key (flow, flow_types, flow_<theme id> for each theme with cases) → stages
    flows: dict[str, FlowStages]
    # theme id → its typical flows in kinds (model/representative.py)
    representative_flows: dict[str, list[dict]] = field(default_factory=dict)
    themes_present: list[str] = field(default_factory=list)  # theme ids with cases
    sensitive_flows: Sequence[dict] = field(default_factory=list)  # cases carrying 要配慮個人情報
    kpis: list[Kpi] = field(default_factory=list)  # the KPI rows read (io/kpis.py)
    # with settings.municipality_pages: one page per municipality (model/municipality.py)
    municipalities: list[MunicipalityPage] = field(default_factory=list)
    peers: pd.DataFrame | None = None  # the reference inventory's typed cases (--peers)

    @property
    def counts(self) -> dict[str, int]:
        return count_by_severity(self.findings)

    @property
    def top(self) -> int:
        return self.settings.top


def build_analysis(name: str, sources: list[str], sheet: str | None, cases: pd.DataFrame,
                   findings: list[Finding], settings: Settings,
                   taxonomies: Taxonomies, *, kpis: list[Kpi] = (),
                   peers: pd.DataFrame | None = None) -> Analysis:
    """Count everything the report shows of `cases` (classified and typed); with
    `settings.municipality_pages`, a page per municipality with its `kpis`, compared with
    the municipalities of `peers` (a reference inventory's typed cases) or, without it, with
    the others of `cases`."""
    from ..settings import PAGE_CHARTS, PEER_MIN

    top = settings.top
    coded = CodedCases(cases)  # each column the counts share is coded once
    tally = theme_tally(coded, taxonomies.themes)
    matrices = {key: flow_matrix(coded, rows, cols, values=values, top=top,
                                 taxonomies=taxonomies)
                for key, (rows, cols, values) in REPORT_MATRICES.items()}
    # A tally of a column no case fills would be one row "(blank) N": left out.
    filled = {c for c in ("municipality", "fiscal_year")  # each distinct value looked at once
              if c in cases and any(str(v).strip() for v in coded.column(c)[1])}
    tallies = {}
    if "municipality" in filled:
        tallies["municipality"] = tally_by(coded, "municipality")
    if "fiscal_year" in filled:
        tallies["fiscal_year"] = tally_by(coded, "fiscal_year")
    if "municipality" in filled:
        tallies["theme_municipality"] = theme_cross_table(coded, "municipality",
                                                          taxonomies.themes)
    if cases["file"].nunique() > 1:
        tallies["file"] = tally_by(coded, "file")
    top_flows = [{"source_service": p["row"], "target_service": p["col"], "count": p["count"],
                  "cases": p["cases"], "data": p["data"]}
                 for p in largest_flows(coded, settings.top_flows, taxonomies=taxonomies)]
    present = [row["theme_id"] for row in tally.to_dict("records") if row["cases"]]
    flows = report_flow_stages(cases, taxonomies, top=settings.chart_top,
                               themes=[t for t in present if t != "other"])
    pages = (municipality_pages(cases, taxonomies, tally, kpis=list(kpis), peers=peers,
                                chart_top=settings.chart_top, peer_flows=settings.peer_flows,
                                peer_min=PEER_MIN, charts=PAGE_CHARTS)
             if settings.municipality_pages else [])
    return Analysis(name, sources, sheet, settings, taxonomies, cases, findings, tally,
                    matrices, tallies, top_flows, flows,
                    representative_flows(cases, taxonomies, top=settings.representative),
                    present, sensitive_flows(cases), list(kpis), pages, peers)


def combine(analyses: list[Analysis], *, name: str) -> Analysis:
    """One analysis over the cases of several: every case keeps the file it came from."""
    import pandas as pd

    first = analyses[0]
    cases = pd.concat([a.cases for a in analyses], ignore_index=True)
    for column in cases.columns:  # a column only some inventories have is empty elsewhere
        if any(column not in a.cases.columns for a in analyses):
            cases[column] = cases[column].astype(object).where(cases[column].notna(), "")
    # A finding about no inventory in particular (an alias file's conflict) is said once.
    findings = sort_findings(list(dict.fromkeys(f for a in analyses for f in a.findings)))
    return build_analysis(name, [s for a in analyses for s in a.sources], None, cases, findings,
                          first.settings, first.taxonomies,
                          kpis=list(dict.fromkeys(k for a in analyses for k in a.kpis)),
                          peers=first.peers)


def sensitive_flows(cases: pd.DataFrame) -> SensitiveFlows:
    """The cases whose data includes 要配慮個人情報, with the data items and their category ids
    (a dict per case, made when it is read: see SensitiveFlows)."""
    columns = list(SensitiveFlows.COLUMNS)
    if "sensitive" not in cases or not cases["sensitive"].any():
        return SensitiveFlows([[] for _ in columns])
    # the flagged cases' nine columns, not a copy of every column (a missing flag is no flag)
    flagged = cases.loc[cases["sensitive"].to_numpy(dtype=bool, na_value=False), columns]
    return SensitiveFlows([flagged[c].tolist() for c in columns])


class SensitiveFlows(Sequence):
    """The flows of sensitive_flows, each a dict made when it is read from the flagged cases'
    columns: a national inventory has hundreds of thousands, which as dicts held 80 MB for
    the whole run (at 1,000,000 cases). A list of dicts to everything that reads it: len,
    an index or a slice, iteration, ==."""

    # the flagged cases' columns it keeps, a list each, in the order __getitem__ reads them
    COLUMNS = ("case_id", "file", "row", "source_service", item_column("data"),
               "data_categories", "data_sensitive", "target_service", "linked_service")

    def __init__(self, columns: list[list]):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        case_id, file, row, source, items, categories, flags, target, linked = (
            column[index] for column in self.columns)
        data = [(item, c) for item, c, flag in zip(items, categories, flags, strict=True)
                if flag]
        return {"case_id": case_id, "file": file, "row": int(row),
                "source_service": source, "data": [item for item, _ in data],
                "categories": list(dict.fromkeys(c for _, c in data)),
                "target_service": target, "linked_service": linked}

    def __eq__(self, other) -> bool:
        if not isinstance(other, list | SensitiveFlows):
            return NotImplemented
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"SensitiveFlows({list(self)!r})"
