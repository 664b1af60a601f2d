"""The municipality page (analyze --by municipality): what the DSA article's 熊谷市 and 会津若松市
sections show, for every municipality of an inventory.

Per municipality: its cases; its データ連携の概要 (the four elements of each case, by kind with
the names beside); its themes against the whole inventory's shares; its typed flows; its KPIs
(io/kpis.py); and the typed flows (① type → ② category → ③ type) that its peers — the other
municipalities, or those of a reference inventory — have and it has not yet. Ids, counts and
the inventory's own text only: the renderers add the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import TYPE_CHECKING

from ..classification.taxonomy import FALLBACK_ID
from ..io.columns import ELEMENTS
from ..io.inventory import item_column
from ..io.kpis import municipality_key
from .dimensions import KIND_OF_ELEMENT, TYPE_DIMENSIONS, value_order
from .flows import FlowStages, flow_stages

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies
    from ..io.kpis import Kpi

# A peer flow: ① service type → ② data category → ③ service type.
PEER_KINDS = ("source_type", "data_category", "target_type")


@dataclass
class MunicipalityPage:
    """One municipality of the inventory, as its page shows it."""

    name: str  # as the inventory writes it (its first spelling)
    prefecture: str
    positions: list[int]  # its cases: positions in the analysis's cases, inventory order
    # per case, per element: [(kind id, [items of that kind])], kinds in order of first item
    overview: list[dict[str, list[tuple[str, list[str]]]]]
    themes: list[dict]  # theme_id, cases, share (here), inventory_share
    flows: FlowStages  # its cases' flow chart, by kind
    kpis: list[dict] = field(default_factory=list)  # indicator, unit, points (_kpis)
    peer_flows: list[dict] = field(default_factory=list)  # see peer_flows()
    peers: int = 0  # the municipalities compared with


def municipality_pages(cases: pd.DataFrame, taxonomies: Taxonomies, theme_tally: pd.DataFrame,
                       *, kpis: list[Kpi], peers: pd.DataFrame | None, chart_top: int,
                       peer_flows: int, peer_min: int) -> list[MunicipalityPage]:
    """A page for every municipality with cases, in the order the inventory first names them.
    `peers`: the typed cases of a reference inventory (None: the other municipalities of
    `cases` are the peers)."""
    groups = _groups(cases)
    if not groups:
        return []
    reference = _groups(peers) if peers is not None else groups
    held = {key: _typed_flows(peers if peers is not None else cases, positions)
            for key, (_, positions) in reference.items()}
    inventory_share = {r["theme_id"]: float(r["share"]) for r in theme_tally.to_dict("records")}
    inventory_order = [r["theme_id"] for r in theme_tally.to_dict("records")]
    single = len(groups) == 1
    pages = []
    for key, (name, positions) in groups.items():
        mine = cases.iloc[positions]
        here = _typed_flows(cases, positions)
        others = {k: flows for k, flows in held.items() if k != key}
        pages.append(MunicipalityPage(
            name=name,
            prefecture=_first_text(mine, "prefecture"),
            positions=positions,
            overview=[_overview(mine, i) for i in range(len(mine))],
            themes=_themes(mine, inventory_order, inventory_share),
            flows=flow_stages(mine, taxonomies, top=chart_top, by_type=True),
            kpis=_kpis([k for k in kpis if municipality_key(k.municipality) == key
                        or (single and not k.municipality.strip())]),
            peer_flows=_peer_flows(here, others, peers if peers is not None else cases,
                                   reference, taxonomies, top=peer_flows, peer_min=peer_min),
            peers=len(others)))
    return pages


def _groups(cases: pd.DataFrame) -> dict[str, tuple[str, list[int]]]:
    """municipality key → (its first spelling, positions of its cases); cases without a
    municipality have no page."""
    groups: dict[str, tuple[str, list[int]]] = {}
    if "municipality" not in cases:
        return groups
    for position, name in enumerate(cases["municipality"].fillna("").astype(str).tolist()):
        key = municipality_key(name)
        if key:
            groups.setdefault(key, (name.strip(), []))[1].append(position)
    return groups


def _first_text(cases: pd.DataFrame, column: str) -> str:
    if column not in cases:
        return ""
    return next((str(v).strip() for v in cases[column].fillna("").tolist() if str(v).strip()),
                "")


def _overview(cases: pd.DataFrame, i: int) -> dict[str, list[tuple[str, list[str]]]]:
    """The four elements of one case, each as [(kind id, items)], items grouped by kind."""
    row = {}
    for element in ELEMENTS:
        items = cases[item_column(element)].iat[i]
        column = TYPE_DIMENSIONS[KIND_OF_ELEMENT[element]][0]
        kinds = cases[column].iat[i] if column in cases else (FALLBACK_ID,) * len(items)
        grouped: dict[str, list[str]] = {}
        for item, kind in zip(items, kinds, strict=True):
            grouped.setdefault(kind, []).append(item)
        row[element] = list(grouped.items())
    return row


def _themes(cases: pd.DataFrame, order: list[str], inventory_share: dict[str, float]
            ) -> list[dict]:
    """The themes of the inventory with cases here or anywhere, in the inventory's order:
    cases and share here beside the inventory's share."""
    counts = cases["theme_id"].value_counts()
    total = len(cases)
    return [{"theme_id": t, "cases": int(counts.get(t, 0)),
             "share": round(int(counts.get(t, 0)) / total, 4) if total else 0.0,
             "inventory_share": inventory_share.get(t, 0.0)}
            for t in order if counts.get(t, 0) or inventory_share.get(t, 0.0)]


def _typed_flows(cases: pd.DataFrame, positions: list[int]) -> dict[tuple, int]:
    """The typed flows the cases at `positions` have → the first of them having it. A case
    has every combination of the real kinds of its items (`other` says nothing about what
    a municipality does)."""
    columns = [cases[TYPE_DIMENSIONS[k][0]].tolist() for k in PEER_KINDS]
    flows: dict[tuple, int] = {}
    for p in positions:
        kinds = [dict.fromkeys(k for k in column[p] if k != FALLBACK_ID) for column in columns]
        for flow in product(*kinds):
            flows.setdefault(flow, p)
    return flows


def _peer_flows(here: dict[tuple, int], others: dict[str, dict[tuple, int]],
                cases: pd.DataFrame, groups: dict[str, tuple[str, list[int]]],
                taxonomies: Taxonomies, *, top: int, peer_min: int) -> list[dict]:
    """The typed flows at least `peer_min` peers have and this municipality has not, most
    peers first (ties in taxonomy order): {source_type, data_category, target_type, peers,
    example: {municipality, case_id, title, file, row}} (the first peer's first such case)."""
    counts: dict[tuple, list[str]] = {}
    for key in others:  # in inventory order, so the example is the first peer's
        for flow in others[key]:
            if flow not in here:
                counts.setdefault(flow, []).append(key)
    orders = [value_order(k, taxonomies) for k in PEER_KINDS]
    ranked = sorted((f for f, keys in counts.items() if len(keys) >= peer_min),
                    key=lambda f: (-len(counts[f]), *(o(v) for o, v in zip(orders, f,
                                                                           strict=True))))
    result = []
    for flow in ranked[:top]:
        first = counts[flow][0]
        p = others[first][flow]
        result.append({**dict(zip(PEER_KINDS, flow, strict=True)), "peers": len(counts[flow]),
                       "example": {"municipality": groups[first][0],
                                   "case_id": _text(cases, "case_id", p),
                                   "title": _text(cases, "title", p),
                                   "file": _text(cases, "file", p),
                                   "row": int(cases["row"].iat[p])}})
    return result


def _text(cases: pd.DataFrame, column: str, p: int) -> str:
    if column not in cases:
        return ""
    value = cases[column].iat[p]
    return "" if value is None or value != value else str(value).strip()


def _kpis(rows: list[Kpi]) -> list[dict]:
    """The KPI rows of one municipality by indicator (in the order the table first names
    them): {indicator, unit, points: [{period, year, target, actual, target_text,
    actual_text, source}]}, points in year order, periods that are not a year after them as
    the table orders them."""
    by_indicator: dict[str, list[Kpi]] = {}
    for kpi in rows:
        by_indicator.setdefault(kpi.indicator, []).append(kpi)
    result = []
    for indicator, kpis in by_indicator.items():
        ordered = sorted(enumerate(kpis), key=lambda pair: (
            pair[1].year is None, pair[1].year or 0, pair[0]))
        result.append({
            "indicator": indicator,
            "unit": next((k.unit for k in kpis if k.unit), ""),
            "points": [{"period": k.period, "year": k.year, "target": k.target,
                        "actual": k.actual, "target_text": k.target_text,
                        "actual_text": k.actual_text, "source": k.source}
                       for _, k in ordered]})
    return result
