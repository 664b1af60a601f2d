"""The municipality page (analyze --by municipality): what the DSA article's 熊谷市 and 会津若松市
sections show, for every municipality of an inventory.

Per municipality: its cases; its データ連携の概要 (the four elements of each case, by kind with
the names beside); its themes against the whole inventory's shares; its typed flows; its KPIs
(io/kpis.py); and the typed flows (① type → ② category → ③ type) that its peers — the other
municipalities, or those of a reference inventory — have and it has not yet. Ids, counts and
the inventory's own text only: the renderers add the words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import product
from typing import TYPE_CHECKING

from ..classification.taxonomy import FALLBACK_ID
from ..io.columns import ELEMENTS
from ..io.inventory import item_column
from ..io.kpis import name_key
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

    name: str  # as the inventory writes it, trimmed
    prefecture: str
    positions: list[int]  # its cases: positions in the analysis's cases, inventory order
    # per case, per element: [(kind id, [items of that kind])], kinds in order of first item
    overview: list[dict[str, list[tuple[str, list[str]]]]]
    themes: list[dict]  # theme_id, cases, share (here), inventory_share
    flows: FlowStages | None  # its cases' flow chart, by kind (None: a page without charts)
    kpis: list[dict] = field(default_factory=list)  # indicator, unit, points (_kpis)
    peer_flows: list[dict] = field(default_factory=list)  # see _peer_flow
    peers: int = 0  # the municipalities compared with


def municipality_pages(cases: pd.DataFrame, taxonomies: Taxonomies, theme_tally: pd.DataFrame,
                       *, kpis: list[Kpi], peers: pd.DataFrame | None, chart_top: int,
                       peer_flows: int, peer_min: int, charts: int) -> list[MunicipalityPage]:
    """A page for every municipality with cases, in the order the inventory first names them.
    A municipality is its name as written (trimmed, as `tally --by municipality` counts it)
    within its prefecture: 府中市 of 東京都 and of 広島県 are two pages. `peers`: the typed
    cases of a reference inventory (None: the other municipalities of `cases` are the
    peers). The `charts` pages with the most cases (ties in page order) get their flow chart's
    numbers; the others have none. Time and memory grow with the cases and the distinct typed
    flows, not with the square of the municipalities."""
    groups = _groups(cases)
    if not groups:
        return []
    reference_cases = cases if peers is None else peers
    reference = groups if peers is None else _groups(peers)
    reference_kinds = _kind_columns(reference_cases)
    held = {key: _typed_flows(reference_kinds, positions)
            for key, (_, _, positions) in reference.items()}
    holders: dict[tuple, list[str]] = {}  # flow → the peers having it, in inventory order
    for key, flows in held.items():
        for flow in flows:
            holders.setdefault(flow, []).append(key)
    orders = [value_order(k, taxonomies) for k in PEER_KINDS]
    common = sorted((f for f, keys in holders.items() if len(keys) >= peer_min),
                    key=lambda f: (-len(holders[f]),
                                   *(o(v) for o, v in zip(orders, f, strict=True))))
    shares = {r["theme_id"]: float(r["share"]) for r in theme_tally.to_dict("records")}
    order = list(shares)
    columns, kinds = _element_columns(cases), _kind_columns(cases)
    kpis_of: dict[str, list[Kpi]] = {}
    for kpi in kpis:
        kpis_of.setdefault(name_key(kpi.municipality), []).append(kpi)
    sizes = [len(positions) for _, _, positions in groups.values()]
    charted = set(sorted(range(len(sizes)), key=lambda i: -sizes[i])[:charts])
    pages = []
    theme_ids = cases["theme_id"].tolist()
    for index, (key, (name, prefecture, positions)) in enumerate(groups.items()):
        here = _typed_flows(kinds, positions)
        peers_here = len(reference) - (key in reference)
        missing = []
        for flow in common:
            count = len(holders[flow]) - (key in held and flow in held[key])
            if flow not in here and count >= peer_min:
                missing.append((flow, count))
        missing.sort(key=lambda pair: -pair[1])  # stable: taxonomy order within a count
        pages.append(MunicipalityPage(
            name=name, prefecture=prefecture, positions=positions,
            overview=[_overview(columns, p) for p in positions],
            themes=_themes([theme_ids[p] for p in positions], order, shares),
            flows=(flow_stages(cases.iloc[positions], taxonomies, top=chart_top, by_type=True)
                   if index in charted else None),
            kpis=_kpis(kpis_of.pop(name_key(name), [])),
            peer_flows=[_peer_flow(flow, count, holders[flow], key, held, reference,
                                   reference_cases) for flow, count in missing[:peer_flows]],
            peers=peers_here))
    return pages


def _groups(cases: pd.DataFrame) -> dict[str, tuple[str, str, list[int]]]:
    """page key → (name, prefecture, positions of its cases), in inventory order. A case
    without a prefecture belongs to the prefecture its name has elsewhere, when it has one
    only; cases without a municipality have no page."""
    groups: dict[str, tuple[str, str, list[int]]] = {}
    if "municipality" not in cases:
        return groups
    names = [str(n).strip() for n in cases["municipality"].fillna("").tolist()]
    prefectures = ([str(p).strip() for p in cases["prefecture"].fillna("").tolist()]
                   if "prefecture" in cases else [""] * len(names))
    seen: dict[str, set[str]] = {}
    for name, prefecture in zip(names, prefectures, strict=True):
        if name and prefecture:
            seen.setdefault(name, set()).add(prefecture)
    for position, (name, prefecture) in enumerate(zip(names, prefectures, strict=True)):
        if not name:
            continue
        if not prefecture and len(seen.get(name, ())) == 1:
            prefecture = next(iter(seen[name]))
        groups.setdefault(f"{name}\x1f{prefecture}", (name, prefecture, []))[2].append(position)
    return groups


def _element_columns(cases: pd.DataFrame) -> dict[str, tuple[list, list | None]]:
    """element → (items of every case, kind ids of every case), read once."""
    columns = {}
    for element in ELEMENTS:
        kinds = TYPE_DIMENSIONS[KIND_OF_ELEMENT[element]][0]
        columns[element] = (cases[item_column(element)].tolist(),
                            cases[kinds].tolist() if kinds in cases else None)
    return columns


def _overview(columns: dict[str, tuple[list, list | None]],
              p: int) -> dict[str, list[tuple[str, list[str]]]]:
    """The four elements of the case at `p`, each as [(kind id, items)], grouped by kind."""
    row = {}
    for element, (items, kinds) in columns.items():
        grouped: dict[str, list[str]] = {}
        for item, kind in zip(items[p], kinds[p] if kinds is not None
                              else (FALLBACK_ID,) * len(items[p]), strict=True):
            grouped.setdefault(kind, []).append(item)
        row[element] = list(grouped.items())
    return row


def _themes(theme_ids: list[str], order: list[str], inventory_share: dict[str, float]
            ) -> list[dict]:
    """The themes of the inventory with cases here or anywhere, in the inventory's order:
    cases and share here (of `theme_ids`, one per case) beside the inventory's share."""
    counts = Counter(theme_ids)
    total = len(theme_ids)
    return [{"theme_id": t, "cases": counts[t],
             "share": round(counts[t] / total, 4) if total else 0.0,
             "inventory_share": inventory_share.get(t, 0.0)}
            for t in order if counts[t] or inventory_share.get(t, 0.0)]


def _kind_columns(cases: pd.DataFrame) -> list[list[tuple]]:
    """The kind ids of ①②③ of every case, read once."""
    return [cases[TYPE_DIMENSIONS[k][0]].tolist() for k in PEER_KINDS]


def _typed_flows(columns: list[list[tuple]], positions: list[int]) -> dict[tuple, int]:
    """The typed flows the cases at `positions` have → the first of them having it. A case
    has every combination of the real kinds of its items (`other` says nothing about what
    a municipality does)."""
    flows: dict[tuple, int] = {}
    for p in positions:
        kinds = [dict.fromkeys(k for k in column[p] if k != FALLBACK_ID) for column in columns]
        for flow in product(*kinds):
            flows.setdefault(flow, p)
    return flows


def _peer_flow(flow: tuple, count: int, holders: list[str], key: str,
               held: dict[str, dict[tuple, int]], reference: dict, cases: pd.DataFrame) -> dict:
    """One flow the page lacks: its kinds, how many peers have it, and the first peer's
    first case having it (its municipality, id, title, file and row)."""
    first = next(k for k in holders if k != key)
    p = held[first][flow]
    return {**dict(zip(PEER_KINDS, flow, strict=True)), "peers": count,
            "example": {"municipality": reference[first][0],
                        "case_id": _text(cases, "case_id", p),
                        "title": _text(cases, "title", p),
                        "file": _text(cases, "file", p),
                        "row": int(cases["row"].iat[p])}}


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
