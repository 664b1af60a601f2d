"""The numbers behind the four-stage flow chart ① → ② → ③ → ④: nodes and links, as values
(items, kind ids, OTHER) and weights. Charts draw them; summary.json lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError
from ..io.columns import ELEMENTS
from .dimensions import KIND_OF_ELEMENT, OTHER, dimension_values, value_order

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies


@dataclass
class FlowStages:
    """nodes: stage (0–3 for ①–④), value, weight, order. links: stage (of the source side),
    source, target, theme_id, weight. See flow_stages."""

    nodes: pd.DataFrame
    links: pd.DataFrame
    cases: int  # the cases drawn (those of `theme`, if given)
    theme: str | None = None  # a theme id: only its cases
    top: int | None = None  # items kept per stage before the rest is folded into OTHER
    by_type: bool = False  # ①②③ as kind ids rather than items

    @property
    def folded(self) -> bool:
        return any(v is OTHER for v in self.nodes["value"]) if len(self.nodes) else False





def flow_stages(cases: pd.DataFrame, taxonomies: Taxonomies, *, theme: str | None = None,
                top: int | None = None, by_type: bool = False) -> FlowStages:
    """The numbers behind the flow chart: nodes and links.

    nodes: stage (0–3 for ①–④), value, weight, order. A case weighs 1 at every stage where it has
    items, split evenly over them (two source items: 0.5 each), so each stage sums to the number
    of cases with items there. Per stage the `top` items by weight are kept and the rest folded
    into OTHER (ordered last); order is by weight, then value.

    links: stage (of the source side), source, target, theme_id, weight. A case's weight between
    consecutive stages is split over its item pairs (1 / (n_a × n_b) each); links keep the case's
    primary theme and are summed per (stage, source, target, theme_id).
    `theme=ID` keeps only the cases whose primary theme is ID; `by_type` draws ①②③ as service
    types and data categories (ids).
    """
    import pandas as pd

    taxonomy = taxonomies.themes
    if theme is not None:
        if theme not in taxonomy.ids:
            raise FlowmatrixError(f"theme {theme!r}: choose one of " + ", ".join(taxonomy.ids),
                                  code="usage")
        cases = cases[cases["theme_id"] == theme]
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    theme_ids = list(cases["theme_id"])

    stages: list[pd.DataFrame] = []
    node_frames: list[pd.DataFrame] = []
    for stage, element in enumerate(ELEMENTS):
        dimension = KIND_OF_ELEMENT[element] if by_type else element
        cells = dimension_values(cases, dimension)
        key = value_order(dimension, taxonomies)
        distinct: dict[tuple, tuple] = {}  # cases repeat their cells: clean each once
        items = pd.Series([distinct[c] if c in distinct else distinct.setdefault(
            c, tuple(dict.fromkeys(i for i in c if str(i).strip())))
            for c in (tuple(cell) for cell in cells)], dtype=object)
        share = items.map(len)
        frame = pd.DataFrame({"position": range(len(items)), "item": items,
                              "part": 1.0 / share.where(share > 0)}).explode("item")
        frame = frame.dropna(subset=["item"])
        frame["part"] = frame["part"].astype(float)
        totals = frame.groupby("item", sort=False)["part"].sum().to_dict()
        ranked = sorted(totals, key=lambda v: (-round(totals[v], 9), key(v)))
        if top is not None and len(ranked) > top:
            keep = set(ranked[:top])
            frame["item"] = [v if v in keep else OTHER for v in frame["item"]]
            totals = frame.groupby("item", sort=False)["part"].sum().to_dict()
        order = sorted(totals, key=lambda v: (v is OTHER, -round(totals[v], 9), key(v)))
        node_frames.append(pd.DataFrame({"stage": stage, "value": order,
                                         "weight": [round(float(totals[v]), 9) for v in order],
                                         "order": range(len(order))}))
        stages.append(frame)
    nodes = pd.concat(node_frames, ignore_index=True) if node_frames else pd.DataFrame()
    nodes = nodes.astype({"stage": int, "order": int, "weight": float})

    rank = {(int(s), label): int(o) for s, label, o
            in zip(nodes["stage"], nodes["value"], nodes["order"], strict=True)}
    theme_rank = {t: i for i, t in enumerate(taxonomy.ids)}
    link_frames = []
    for stage in range(len(ELEMENTS) - 1):
        pairs = stages[stage].merge(stages[stage + 1], on="position", suffixes=("_a", "_b"))
        if pairs.empty:
            continue
        pairs["weight"] = pairs["part_a"] * pairs["part_b"]
        pairs["theme_id"] = [theme_ids[p] for p in pairs["position"]]
        grouped = pairs.groupby(["item_a", "item_b", "theme_id"], sort=False)["weight"].sum()
        link_frames.append(pd.DataFrame({
            "stage": stage, "source": grouped.index.get_level_values(0),
            "target": grouped.index.get_level_values(1),
            "theme_id": grouped.index.get_level_values(2),
            "weight": [round(float(w), 9) for w in grouped.to_numpy()]}))
    columns = ["stage", "source", "target", "theme_id", "weight"]
    links = (pd.concat(link_frames, ignore_index=True) if link_frames
             else pd.DataFrame(columns=columns))
    if not links.empty:
        links["_key"] = [(rank[(s, a)], rank[(s + 1, b)], theme_rank.get(t, len(theme_rank)), t)
                         for s, a, b, t in zip(links["stage"], links["source"], links["target"],
                                               links["theme_id"], strict=True)]
        links = links.sort_values(["stage", "_key"], kind="stable").drop(columns="_key")
    links = links[columns].reset_index(drop=True).astype({"stage": int, "weight": float})
    return FlowStages(nodes.reset_index(drop=True), links, len(cases), theme, top, by_type)
