"""The numbers behind the four-stage flow chart ① → ② → ③ → ④: nodes and links, as values
(items, kind ids, OTHER) and weights. Charts draw them; summary.json lists them.

Counted on integer codes (coded.py): each distinct cell of a stage is cleaned once, the items
of every case are a numpy gather, and the weights are summed by np.bincount in the order the
cases first give them — the order a loop over the cases would add them in, so every weight is
the same float to the last bit. Python objects are made only for the nodes and links listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..coded import Items, factorize, factorize_cells, factorize_keys, runs
from ..errors import FlowmatrixError
from ..io.columns import ELEMENTS
from ..io.inventory import item_column
from .dimensions import KIND_OF_ELEMENT, OTHER, TYPE_DIMENSIONS, dimension_values, value_order

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..classification.taxonomy import Taxonomies

# A weight is rounded to this many decimals when listed and when ranked.
DECIMALS = 9


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


@dataclass
class StageColumn:
    """One dimension of every case as codes: case i's cell (its values without blanks and
    repeats) is distinct cell `cells[i]`, whose values are `items` of that cell."""

    dimension: str
    cells: np.ndarray  # int64, one per case
    items: Items  # per distinct cleaned cell


@dataclass
class ChartCases:
    """The columns a set of charts reads, coded once: the stage columns by dimension and each
    case's primary theme."""

    columns: dict[str, StageColumn]
    themes: np.ndarray  # int64 code of each case's primary theme id
    theme_ids: list[str]  # the distinct theme ids


def chart_cases(cases: pd.DataFrame, dimensions: list[str]) -> ChartCases:
    """Code the cases' `dimensions` (elements or kind dimensions) and primary themes."""
    themes, theme_ids = factorize(cases["theme_id"])
    return ChartCases({d: stage_column(cases, d) for d in dict.fromkeys(dimensions)}, themes,
                      theme_ids)


def stage_column(cases: pd.DataFrame, dimension: str) -> StageColumn:
    """The cells of an element (its items) or a kind dimension (its kind ids), each distinct
    cell cleaned once: blank values and repeats dropped."""
    column = item_column(dimension) if dimension in ELEMENTS else TYPE_DIMENSIONS[dimension][0]
    if column not in cases:
        dimension_values(cases, dimension)  # raises the error that names what is missing
    raw, distinct = factorize_cells(cases[column])
    cleaned = [tuple(dict.fromkeys(i for i in cell if str(i).strip())) for cell in distinct]
    cell_of_raw, cells = factorize(cleaned)
    return StageColumn(dimension, cell_of_raw[raw], Items.of(cells))


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
    """The flow stages a report draws, coding the cases once: "flow" (items) and
    "flow_types" (kinds) over all cases when `overall` (only the one `by_type` names when it
    is given), and "flow_<theme id>" (items) for each of `themes`."""
    import numpy as np

    taxonomy = taxonomies.themes
    for theme in themes:
        if theme not in taxonomy.ids:
            raise FlowmatrixError(f"theme {theme!r}: choose one of " + ", ".join(taxonomy.ids),
                                  code="usage")
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    charts = [kinds for kinds in ((True, False) if by_type is None else (by_type,))
              if overall]
    dimensions = [KIND_OF_ELEMENT[e] if kinds else e
                  for kinds in (*charts, *([False] if themes else [])) for e in ELEMENTS]
    coded = chart_cases(cases, dimensions)
    result = {}
    for kinds in charts:
        result["flow_types" if kinds else "flow"] = chart_stages(
            coded, taxonomies, top=top, by_type=kinds)
    for theme in themes:
        code = coded.theme_ids.index(theme) if theme in coded.theme_ids else -1
        result[f"flow_{theme}"] = chart_stages(
            coded, taxonomies, top=top, theme=theme,
            positions=np.flatnonzero(coded.themes == code))
    return result


def chart_stages(coded: ChartCases, taxonomies: Taxonomies, *, top: int | None,
                 by_type: bool = False, theme: str | None = None,
                 positions: np.ndarray | None = None) -> FlowStages:
    """The nodes and links of one chart of the cases at `positions` (all: None)."""
    import numpy as np
    import pandas as pd

    dimensions = [KIND_OF_ELEMENT[e] if by_type else e for e in ELEMENTS]
    columns = [coded.columns[d] for d in dimensions]
    themes = coded.themes if positions is None else coded.themes[positions]
    cells = [c.cells if positions is None else c.cells[positions] for c in columns]

    folds: list[np.ndarray] = []  # per stage: item code → node code (len(items) is OTHER)
    node_rows: list[tuple] = []
    for stage, (column, stage_cells) in enumerate(zip(columns, cells, strict=True)):
        items = column.items
        other = len(items.values)
        key = value_order(column.dimension, taxonomies)
        # each distinct cell once, in the order the cases first have it, weighing its cases
        # split over its items
        local, distinct = factorize_keys(stage_cells)
        cases_of = np.bincount(local, minlength=len(distinct)).astype("float64")
        lengths = items.starts[distinct + 1] - items.starts[distinct]
        which, item_codes = items.of_cases(distinct)
        shares = (cases_of / np.maximum(lengths, 1))[which]
        present = np.flatnonzero(np.bincount(item_codes, minlength=other))
        totals = np.bincount(item_codes, weights=shares, minlength=other)
        fold = np.arange(other + 1)
        if top is not None and len(present) > top:
            kept = _top_items(present, totals, top, items.values, key)
            fold[:] = other
            fold[kept] = kept
            totals = np.bincount(fold[item_codes], weights=shares, minlength=other + 1)
            present = np.append(np.sort(kept), other)
        weights = {int(c): round(float(totals[c]), DECIMALS) for c in present}
        order = sorted(weights, key=lambda c: (c == other, -weights[c],
                                               key(OTHER if c == other else items.values[c])))
        node_rows += [(stage, OTHER if c == other else items.values[c], weights[c], rank)
                      for rank, c in enumerate(order)]
        folds.append(fold)
    nodes = pd.DataFrame(node_rows, columns=["stage", "value", "weight", "order"])
    nodes = nodes.astype({"stage": int, "order": int, "weight": float})

    rank = {(s, v): o for s, v, _, o in node_rows}
    theme_rank = {t: i for i, t in enumerate(taxonomies.themes.ids)}
    link_rows = []
    for stage in range(len(ELEMENTS) - 1):
        link_rows += _links(stage, columns[stage].items, columns[stage + 1].items,
                            cells[stage], cells[stage + 1], themes, folds[stage],
                            folds[stage + 1], coded.theme_ids)
    link_rows.sort(key=lambda r: (r[0], rank[(r[0], r[1])], rank[(r[0] + 1, r[2])],
                                  theme_rank.get(r[3], len(theme_rank)), r[3]))
    links = pd.DataFrame(link_rows, columns=["stage", "source", "target", "theme_id", "weight"])
    links = links.astype({"stage": int, "weight": float})
    return FlowStages(nodes, links, len(themes), theme, top, by_type)


def _top_items(present: np.ndarray, totals: np.ndarray, top: int, values: list,
               key) -> np.ndarray:
    """The `top` items of `present` by rounded weight, ties by `key` of their value. Only
    the items whose weight can reach the cut-off are sorted in Python."""
    import numpy as np

    weights = totals[present]
    cutoff = -np.partition(-weights, top - 1)[top - 1]
    # rounding moves a weight by at most half a unit of the last decimal kept: a weight
    # further below the cut-off than two units cannot reach it
    near = present[weights >= cutoff - 2 * 10.0 ** -DECIMALS]
    ranked = sorted(near.tolist(), key=lambda c: (-round(float(totals[c]), DECIMALS),
                                                  key(values[c])))
    return np.asarray(ranked[:top], dtype="int64")


def _links(stage: int, items_a: Items, items_b: Items, cells_a: np.ndarray,
           cells_b: np.ndarray, themes: np.ndarray, fold_a: np.ndarray, fold_b: np.ndarray,
           theme_ids: list[str]) -> list[tuple]:
    """The links from one stage to the next: (stage, source, target, theme id, weight). Each
    distinct (cell, next cell, theme) once, in the order the cases first have it; its cases
    split over its item pairs, summed per (node, next node, theme)."""
    import numpy as np

    n_b, n_t = len(items_b.starts) - 1, max(len(theme_ids), 1)
    local, triples = factorize_keys((cells_a * n_b + cells_b) * n_t + themes)
    cases_of = np.bincount(local, minlength=len(triples)).astype("float64")
    a, b, t = triples // n_t // n_b, triples // n_t % n_b, triples % n_t
    len_a = items_a.starts[a + 1] - items_a.starts[a]
    len_b = items_b.starts[b + 1] - items_b.starts[b]
    pairs = len_a * len_b  # zero where either side has no items
    which, within = runs(pairs)
    source = fold_a[items_a.codes[items_a.starts[a][which] + within // len_b[which]]]
    target = fold_b[items_b.codes[items_b.starts[b][which] + within % len_b[which]]]
    shares = (cases_of / np.maximum(pairs, 1))[which]
    other_a, other_b = len(items_a.values), len(items_b.values)
    keys = (source * (other_b + 1) + target) * n_t + t[which]
    link_of, distinct = factorize_keys(keys)
    weights = np.bincount(link_of, weights=shares, minlength=len(distinct))
    source, target, theme = distinct // n_t // (other_b + 1), distinct // n_t % (other_b + 1), \
        distinct % n_t
    return [(stage, OTHER if s == other_a else items_a.values[s],
             OTHER if g == other_b else items_b.values[g], theme_ids[h], round(w, DECIMALS))
            for s, g, h, w in zip(source.tolist(), target.tolist(), theme.tolist(),
                                  weights.tolist(), strict=True)]
