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
    for every primary theme with cases, in taxonomy order."""
    main: dict[tuple, str] = {}  # cases repeat their kinds: judge each tuple once
    kinds = {key: [main.get(ids) or main.setdefault(ids, main_kind(ids))
                   for ids in cases[column].tolist()]
             for key, (column, _) in FLOW_KINDS.items()}
    keys = list(FLOW_KINDS)
    orders = {key: value_order(dimension, taxonomies) for key, (_, dimension)
              in FLOW_KINDS.items()}
    by_theme: dict[str, list[int]] = {}
    for position, theme_id in enumerate(cases["theme_id"].tolist()):
        by_theme.setdefault(theme_id, []).append(position)
    case_ids = cases["case_id"].tolist() if "case_id" in cases else [""] * len(cases)
    result = {}
    for theme_id in taxonomies.themes.ids:
        positions = by_theme.get(theme_id)
        if not positions:
            continue
        rows: dict[tuple, list[int]] = {}
        common = {key: Counter(kinds[key][p] for p in positions) for key in keys}
        for p in positions:
            rows.setdefault(tuple(kinds[key][p] for key in keys), []).append(p)
        ranked = sorted(rows, key=lambda row: (
            -len(rows[row]), sum(row[i] == FALLBACK_ID for i in range(len(keys))),
            -sum(common[key][row[i]] for i, key in enumerate(keys)),
            tuple(orders[key](row[i]) for i, key in enumerate(keys))))
        result[theme_id] = [
            {**dict(zip(keys, row, strict=True)), "cases": len(rows[row]),
             "case_ids": [str(case_ids[p]) for p in rows[row][:examples]],
             "positions": rows[row][:examples]}
            for row in ranked[:top]]
    return result
