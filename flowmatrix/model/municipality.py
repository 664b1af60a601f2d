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
from ..coded import factorize, factorize_cells, first_cases, row_codes
from ..io.columns import ELEMENTS
from ..io.inventory import item_column
from ..io.kpis import name_key
from .dimensions import KIND_OF_ELEMENT, TYPE_DIMENSIONS, value_order
from .flows import FlowStages, chart_cases, chart_stages

if TYPE_CHECKING:
    import numpy as np
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
    numbers; the others have none. Time and memory grow with the distinct names, cells and
    typed flows, not with the square of the municipalities: the cases are read as codes."""
    import numpy as np

    groups = _groups(cases)
    if not groups:
        return []
    reference_cases = cases if peers is None else peers
    reference = groups if peers is None else _groups(peers)
    held = _held_flows(reference_cases, reference)
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
    overview = _overviews(cases)
    has = held if peers is None else _held_flows(cases, groups)
    kpis_of: dict[str, list[Kpi]] = {}
    for kpi in kpis:
        kpis_of.setdefault(name_key(kpi.municipality), []).append(kpi)
    sizes = [len(positions) for _, _, positions in groups.values()]
    charted = set(sorted(range(len(sizes)), key=lambda i: -sizes[i])[:charts])
    coded = (chart_cases(cases, [KIND_OF_ELEMENT[e] for e in ELEMENTS]) if charted
             else None)
    themes, theme_ids = factorize(cases["theme_id"])
    examples = _Examples(reference_cases)
    pages = []
    for index, (key, (name, prefecture, positions)) in enumerate(groups.items()):
        here = np.asarray(positions, dtype="int64")
        missing = _missing(common, holders, has.get(key, {}), held.get(key, {}), peer_min,
                           peer_flows)
        counts = np.bincount(themes[here], minlength=len(theme_ids)).tolist()
        pages.append(MunicipalityPage(
            name=name, prefecture=prefecture, positions=positions,
            overview=overview(here),
            themes=_themes(dict(zip(theme_ids, counts, strict=True)), len(positions), order,
                           shares),
            flows=(chart_stages(coded, taxonomies, top=chart_top, by_type=True, positions=here)
                   if index in charted else None),
            kpis=_kpis(kpis_of.pop(name_key(name), [])),
            peer_flows=[_peer_flow(flow, count, holders[flow], key, held, reference, examples)
                        for flow, count in missing],
            peers=len(reference) - (key in reference)))
    return pages


def _missing(common: list[tuple], holders: dict[tuple, list[str]], here: dict, held: dict,
             peer_min: int, wanted: int) -> list[tuple[tuple, int]]:
    """The first `wanted` flows of `common` a page lacks, with the peers having them, most
    peers first (`common` order within a count). A peer is any holder but the page itself
    (`held`: its flows as a peer). `common` runs from the most holders down and a flow's
    peers are its holders or one fewer, so the walk stops once no later flow can rank
    among the first `wanted`."""
    missing = []
    for flow in common:
        holding = len(holders[flow])
        if len(missing) >= wanted and sum(c >= holding for _, c in missing) >= wanted:
            break
        count = holding - (flow in held)
        if flow not in here and count >= peer_min:
            missing.append((flow, count))
    missing.sort(key=lambda pair: -pair[1])  # stable: taxonomy order within a count
    return missing[:wanted]


def _groups(cases: pd.DataFrame) -> dict[str, tuple[str, str, list[int]]]:
    """page key → (name, prefecture, positions of its cases), in inventory order. A case
    without a prefecture belongs to the prefecture its name has elsewhere, when it has one
    only; cases without a municipality have no page. Each distinct (name, prefecture) is
    read once."""
    import numpy as np

    if "municipality" not in cases:
        return {}
    names, name_codes = _trimmed(cases["municipality"])
    prefectures, prefecture_codes = (_trimmed(cases["prefecture"]) if "prefecture" in cases
                                     else ([""], np.zeros(len(cases), dtype="int64")))
    pairs = row_codes([name_codes, prefecture_codes])
    first = first_cases(pairs)  # each distinct pair's first case
    written = [(names[n], prefectures[p]) for n, p in zip(
        name_codes[first].tolist(), prefecture_codes[first].tolist(), strict=True)]
    seen: dict[str, set[str]] = {}
    for name, prefecture in written:
        if name and prefecture:
            seen.setdefault(name, set()).add(prefecture)
    keys, named = [], {}  # per pair its page key ("": no page); key → (name, prefecture)
    for name, prefecture in written:
        if not prefecture and len(seen.get(name, ())) == 1:
            prefecture = next(iter(seen[name]))
        key = f"{name}\x1f{prefecture}" if name else ""
        named.setdefault(key, (name, prefecture))
        keys.append(key)
    page_of_pair, page_keys = factorize(keys)
    page = page_of_pair[pairs]
    sizes = np.bincount(page, minlength=len(page_keys))
    members = (np.split(np.argsort(page, kind="stable"), np.cumsum(sizes)[:-1]) if len(page)
               else [])
    return {key: (*named[key], positions.tolist())
            for key, positions in zip(page_keys, members, strict=True) if key}


def _trimmed(column: pd.Series) -> tuple[list[str], np.ndarray]:
    """(distinct texts, code of each case): a column's values as trimmed text, an empty cell
    as "", each distinct value trimmed once."""
    import pandas as pd

    def text(value) -> str:
        return "" if pd.api.types.is_scalar(value) and pd.isna(value) else str(value).strip()

    try:
        codes, distinct = factorize(column)
    except TypeError:  # unhashable cells (a frame built by hand): made text one by one
        codes, texts = factorize([text(v) for v in column])
        return texts, codes
    text_of, texts = factorize([text(v) for v in distinct])
    return texts, text_of[codes]


def _overviews(cases: pd.DataFrame):
    """positions → the four elements of each case there, each as [(kind id, items)], grouped
    by kind. Each distinct (items, kinds) of an element is grouped once and each distinct
    row of the four once; cases with the same cells share those (read-only) rows."""
    elements = []
    for element in ELEMENTS:
        kinds = TYPE_DIMENSIONS[KIND_OF_ELEMENT[element]][0]
        items_codes, items = factorize_cells(cases[item_column(element)])
        kind_codes, kind_ids = (factorize_cells(cases[kinds]) if kinds in cases
                                else (items_codes, [(FALLBACK_ID,) * len(i) for i in items]))
        elements.append((element, row_codes([items_codes, kind_codes]), items_codes,
                         kind_codes, items, kind_ids))
    rows = row_codes([pairs for _, pairs, *_ in elements])
    elements = [(element, *(codes.tolist() for codes in (pairs, items_codes, kind_codes)),
                 items, kind_ids)
                for element, pairs, items_codes, kind_codes, items, kind_ids in elements]
    first = first_cases(rows).tolist()  # each distinct row's first case
    grouped: list[dict[int, list]] = [{} for _ in elements]
    distinct = []
    for p in first:
        row = {}
        for (element, pairs, items_codes, kind_codes, items, kind_ids), done in zip(
                elements, grouped, strict=True):
            pair = pairs[p]
            if pair not in done:
                by_kind: dict[str, list[str]] = {}
                for item, kind in zip(items[items_codes[p]], kind_ids[kind_codes[p]],
                                      strict=True):
                    by_kind.setdefault(kind, []).append(item)
                done[pair] = list(by_kind.items())
            row[element] = done[pair]
        distinct.append(row)
    return lambda positions: [distinct[r] for r in rows[positions].tolist()]


def _themes(counts: dict[str, int], total: int, order: list[str],
            inventory_share: dict[str, float]) -> list[dict]:
    """The themes of the inventory with cases here or anywhere, in the inventory's order:
    cases and share here (`counts` of `total` cases) beside the inventory's share."""
    return [{"theme_id": t, "cases": counts.get(t, 0),
             "share": round(counts.get(t, 0) / total, 4) if total else 0.0,
             "inventory_share": inventory_share.get(t, 0.0)}
            for t in order if counts.get(t, 0) or inventory_share.get(t, 0.0)]


def _held_flows(cases: pd.DataFrame, groups: dict) -> dict[str, dict[tuple, int]]:
    """page key → the typed flows its cases have → the first of them having it. A case
    has every combination of the real kinds of its items (`other` says nothing about what
    a municipality does). Each distinct combination of kinds is expanded once, and once per
    page at its first case."""
    import numpy as np

    columns = [factorize_cells(cases[TYPE_DIMENSIONS[k][0]]) for k in PEER_KINDS]
    combos = row_codes([codes for codes, _ in columns])
    page = np.full(len(cases), -1, dtype="int64")
    for code, (_, _, positions) in enumerate(groups.values()):
        page[positions] = code
    where = np.flatnonzero(page >= 0)
    pairs = row_codes([page[where], combos[where]])
    first = where[first_cases(pairs)]  # each (page, combination) once
    expanded: dict[int, list[tuple]] = {}
    keys = list(groups)
    held: dict[str, dict[tuple, int]] = {key: {} for key in keys}
    for p, combo, code in zip(first.tolist(), combos[first].tolist(), page[first].tolist(),
                              strict=True):
        if combo not in expanded:
            kinds = [dict.fromkeys(k for k in distinct[codes[p]] if k != FALLBACK_ID)
                     for codes, distinct in columns]
            expanded[combo] = list(product(*kinds))
        flows = held[keys[code]]
        for flow in expanded[combo]:
            flows.setdefault(flow, p)
    return held


class _Examples:
    """The columns a peer flow's example reads, each taken from the cases once."""

    def __init__(self, cases: pd.DataFrame):
        self.cases = cases
        self.columns: dict[str, object] = {}

    def text(self, column: str, p: int) -> str:
        if column not in self.cases:
            return ""
        if column not in self.columns:
            self.columns[column] = self.cases[column].to_numpy(dtype=object)
        value = self.columns[column][p]
        return "" if value is None or value != value else str(value).strip()

    def row(self, p: int) -> int:
        if "row" not in self.columns:
            self.columns["row"] = self.cases["row"].to_numpy()
        return int(self.columns["row"][p])


def _peer_flow(flow: tuple, count: int, holders: list[str], key: str,
               held: dict[str, dict[tuple, int]], reference: dict, examples: _Examples) -> dict:
    """One flow the page lacks: its kinds, how many peers have it, and the first peer's
    first case having it (its municipality, id, title, file and row)."""
    first = next(k for k in holders if k != key)
    p = held[first][flow]
    return {**dict(zip(PEER_KINDS, flow, strict=True)), "peers": count,
            "example": {"municipality": reference[first][0],
                        "case_id": examples.text("case_id", p),
                        "title": examples.text("title", p),
                        "file": examples.text("file", p),
                        "row": examples.row(p)}}


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
