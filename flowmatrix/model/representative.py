"""代表的なデータ連携の例: for each theme, its typical flows written in kinds — the DSA's table
(① service type, ② data category, ③ service type, ④ value type), ranked by cases.

Each case is read as one flow of kinds: per element, the kind most of its items have (a real
kind before `other`; ties to the earlier item). Flows with the same four kinds are one row;
rows rank by their cases, ties by how common their kinds are within the theme, then in
taxonomy order. Each row keeps a few example cases (their ids, in inventory order).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..classification.taxonomy import FALLBACK_ID
from ..coded import distinct_rows, factorize, factorize_cells
from .dimensions import KIND_OF_ELEMENT, TYPE_DIMENSIONS, value_order

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies

# the four columns of a row: kind dimension → (column of kind ids on the typed cases, dimension)
FLOW_KINDS = {dimension: (TYPE_DIMENSIONS[dimension][0], dimension)
              for dimension in KIND_OF_ELEMENT.values()}
EXAMPLES = 3


def main_kind(ids: tuple) -> str:
    """The kind most items of an element have, a real kind before `other`, ties to the
    earlier item; `other` for an element without items."""
    counts = Counter(ids)
    real = [i for i in dict.fromkeys(ids) if i != FALLBACK_ID]
    if not real:
        return FALLBACK_ID
    return max(real, key=lambda i: (counts[i], -ids.index(i)))


def representative_flows(cases: pd.DataFrame, taxonomies: Taxonomies, *, top: int,
                         examples: int = EXAMPLES) -> dict[str, list[dict]]:
    """theme id → its `top` typical flows, each {source_type, data_category, target_type,
    value_type (ids), cases, case_ids (examples), positions (of the examples in `cases`)},
    for every primary theme with cases, in taxonomy order.

    Counted on codes: each distinct tuple of kind ids is judged once, each case's flow is a
    code, and only the distinct flows of a theme are ranked in Python."""
    import numpy as np

    keys = list(FLOW_KINDS)
    themes, theme_ids = factorize(cases["theme_id"])
    kinds, kind_ids = [], []  # per element: the main kind's code for every case, the ids
    for column, _ in FLOW_KINDS.values():
        codes, distinct = factorize_cells(cases[column])
        mains, ids = factorize([main_kind(k) for k in distinct])
        kinds.append(mains[codes])
        kind_ids.append(ids)
    # a flow: a theme and four kinds; where each first appears; its number of cases
    flows, first, sizes = distinct_rows([themes, *kinds])
    # each flow's cases in inventory order, one flow after another
    members = np.argsort(flows, kind="stable")
    starts = np.cumsum(sizes) - sizes
    orders = {key: value_order(dimension, taxonomies) for key, (_, dimension)
              in FLOW_KINDS.items()}
    case_ids = cases["case_id"].tolist() if "case_id" in cases else None
    result = {}
    for theme_id in taxonomies.themes.ids:
        if theme_id not in theme_ids:
            continue
        here = np.flatnonzero(themes[first] == theme_ids.index(theme_id))
        rows = {f: tuple(kind_ids[i][kinds[i][first[f]]] for i in range(len(keys)))
                for f in here.tolist()}
        common = {key: Counter() for key in keys}  # how many of the theme's cases have a kind
        for f, row in rows.items():
            for key, kind in zip(keys, row, strict=True):
                common[key][kind] += int(sizes[f])
        ranked = sorted(rows, key=lambda f: (
            -sizes[f], sum(kind == FALLBACK_ID for kind in rows[f]),
            -sum(common[key][kind] for key, kind in zip(keys, rows[f], strict=True)),
            tuple(orders[key](kind) for key, kind in zip(keys, rows[f], strict=True))))
        result[theme_id] = []
        for f in ranked[:top]:
            positions = members[starts[f]:starts[f] + min(examples, sizes[f])].tolist()
            result[theme_id].append({
                **dict(zip(keys, rows[f], strict=True)), "cases": int(sizes[f]),
                "case_ids": [str(case_ids[p]) if case_ids is not None else ""
                             for p in positions],
                "positions": positions})
    return result
