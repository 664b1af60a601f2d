"""The numbers behind the four-stage flow chart ① → ② → ③ → ④: nodes and links, as values
(items, kind ids, OTHER) and weights. Charts draw them; summary.json lists them."""

from __future__ import annotations

from collections import Counter
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
    `theme=ID` keeps only the cases whose primary theme is ID; `by_type` draws ①–④ as kinds
    (ids).
    """
    return report_flow_stages(cases, taxonomies, top=top, themes=[theme] if theme else [],
                              overall=theme is None, by_type=by_type)[
        f"flow_{theme}" if theme else "flow_types" if by_type else "flow"]


def report_flow_stages(cases: pd.DataFrame, taxonomies: Taxonomies, *, top: int | None,
                       themes: list[str], overall: bool = True,
                       by_type: bool | None = None) -> dict[str, FlowStages]:
    """The flow stages a report draws, reading the cases once: "flow" (items) and
    "flow_types" (kinds) over all cases when `overall` (only the one `by_type` names when it
    is given), and "flow_<theme id>" (items) for each of `themes`."""
    taxonomy = taxonomies.themes
    for theme in themes:
        if theme not in taxonomy.ids:
            raise FlowmatrixError(f"theme {theme!r}: choose one of " + ", ".join(taxonomy.ids),
                                  code="usage")
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    theme_ids = cases["theme_id"].tolist()
    cells: dict[str, list] = {}

    def stage_cells(dimension: str) -> list:
        """Each case's values at a stage, without blanks and repeats: once per dimension for
        every chart that draws it."""
        if dimension not in cells:
            cells[dimension] = _cleaned(dimension_values(cases, dimension))
        return cells[dimension]

    result = {}
    if overall:
        for kinds in ((True, False) if by_type is None else (by_type,)):
            dims = [KIND_OF_ELEMENT[e] if kinds else e for e in ELEMENTS]
            result["flow_types" if kinds else "flow"] = _stages(
                [stage_cells(d) for d in dims], dims, theme_ids, None, taxonomies, top, kinds)
    positions: dict[str, list[int]] = {theme: [] for theme in themes}
    for i, theme_id in enumerate(theme_ids):
        if theme_id in positions:
            positions[theme_id].append(i)
    for theme in themes:
        result[f"flow_{theme}"] = _stages(
            [[stage_cells(e)[i] for i in positions[theme]] for e in ELEMENTS], list(ELEMENTS),
            [theme] * len(positions[theme]), theme, taxonomies, top, False)
    return result


def _cleaned(raw: list[tuple]) -> list[tuple]:
    """The cells without blank values or repeats, each distinct cell cleaned once."""
    clean: dict[tuple, tuple] = {}
    cells = []
    for cell in raw:
        cleaned = clean.get(cell)
        if cleaned is None:
            cleaned = clean[cell] = tuple(dict.fromkeys(i for i in cell if str(i).strip()))
        cells.append(cleaned)
    return cells


def _stages(stage_cells: list[list[tuple]], dimensions: list[str], theme_ids: list[str],
            theme: str | None, taxonomies: Taxonomies, top: int | None,
            by_type: bool) -> FlowStages:
    """The nodes and links of one chart from each case's cleaned cells (_cleaned) per stage."""
    import pandas as pd

    taxonomy = taxonomies.themes

    # Count each distinct cell (and pair of cells) once: cases repeat their cells.
    folds: list[dict] = []
    node_rows: list[tuple] = []
    for stage, (dimension, cells) in enumerate(zip(dimensions, stage_cells, strict=True)):
        key = value_order(dimension, taxonomies)
        counts = Counter(cells)
        totals = _item_weights(counts, {})
        ranked = sorted(totals, key=lambda v: (-round(totals[v], 9), key(v)))
        kept = set(ranked[:top]) if top is not None and len(ranked) > top else None
        fold = {v: v if v in kept else OTHER for v in ranked} if kept is not None else {}
        if fold:
            totals = _item_weights(counts, fold)
        order = sorted(totals, key=lambda v: (v is OTHER, -round(totals[v], 9), key(v)))
        node_rows += [(stage, v, round(float(totals[v]), 9), rank)
                      for rank, v in enumerate(order)]
        folds.append(fold)
    nodes = pd.DataFrame(node_rows, columns=["stage", "value", "weight", "order"])
    nodes = nodes.astype({"stage": int, "order": int, "weight": float})

    rank = {(s, v): o for s, v, _, o in node_rows}
    theme_rank = {t: i for i, t in enumerate(taxonomy.ids)}
    link_rows = []
    for stage in range(len(ELEMENTS) - 1):
        fold_a, fold_b = folds[stage], folds[stage + 1]
        weights: dict[tuple, float] = {}
        pairs = Counter(zip(stage_cells[stage], stage_cells[stage + 1], theme_ids,
                            strict=True))
        for (cell_a, cell_b, theme_id), n in pairs.items():
            if not cell_a or not cell_b:
                continue
            share = n / (len(cell_a) * len(cell_b))
            for a in cell_a:
                for b in cell_b:
                    k = (fold_a.get(a, a), fold_b.get(b, b), theme_id)
                    weights[k] = weights.get(k, 0.0) + share
        link_rows += [(stage, a, b, t, round(w, 9)) for (a, b, t), w in weights.items()]
    link_rows.sort(key=lambda r: (r[0], rank[(r[0], r[1])], rank[(r[0] + 1, r[2])],
                                  theme_rank.get(r[3], len(theme_rank)), r[3]))
    links = pd.DataFrame(link_rows, columns=["stage", "source", "target", "theme_id", "weight"])
    links = links.astype({"stage": int, "weight": float})
    return FlowStages(nodes, links, len(theme_ids), theme, top, by_type)


def _item_weights(cells: Counter, fold: dict) -> dict:
    """Each item's weight at a stage: a case weighs 1, split evenly over its items; items
    mapped through `fold` (the rest folded into OTHER)."""
    totals: dict = {}
    for cell, n in cells.items():
        if cell:
            share = n / len(cell)
            for item in cell:
                item = fold.get(item, item)
                totals[item] = totals.get(item, 0.0) + share
    return totals
