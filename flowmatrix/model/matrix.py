"""Data-flow matrices: which services feed which, with what data — as ids and counts.

Rows and columns are the values of two dimensions (dimensions.py): the four elements are
counted per item (a case with two sources and one target gives two source→target pairs), the
theme and the kinds by id, single-valued columns by their text. A cell holds the number of
item pairs, the cases in it, the data items (or data categories) and linked services flowing
in it, most frequent first, and its case ids. Words are added by the renderers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

from ..classification.taxonomy import FALLBACK_ID
from ..errors import FlowmatrixError
from .dimensions import DIMENSIONS, OTHER, dimension_values, value_order

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies

VALUES = ("count", "data", "data_category", "linked_service", "cases")


@dataclass
class Cell:
    """What flows between one row value and one column value."""

    count: int  # item pairs
    cases: int  # distinct cases
    data: list[tuple[object, int]]  # (data item or category id, item pairs), most first
    linked: list[tuple[object, int]]  # (linked service item, item pairs), most first
    case_ids: list[str]  # in natural order: 2 before 10


@dataclass
class Matrix:
    """rows × cols: the values of each axis by total count (ties in the dimension's order,
    the folded rest last) and a Cell for every pair that occurs."""

    rows: str  # dimension ids
    cols: str
    values: str  # what the cells list: see VALUES
    row_values: list = field(default_factory=list)
    col_values: list = field(default_factory=list)
    cells: dict[tuple, Cell] = field(default_factory=dict)

    def count(self, row, col) -> int:
        cell = self.cells.get((row, col))
        return cell.count if cell else 0

    def largest_cells(self, n: int) -> list[tuple]:
        """The (row value, column value) of the n cells with most item pairs; ties in axis
        order, cells on the folded rest or the fallback kind (other) after the rest."""
        def vague(value) -> bool:
            return value is OTHER or value == FALLBACK_ID

        rows = {v: i for i, v in enumerate(self.row_values)}
        cols = {v: i for i, v in enumerate(self.col_values)}
        return sorted(self.cells, key=lambda k: (-self.cells[k].count, vague(k[0]),
                                                 vague(k[1]), rows[k[0]], cols[k[1]]))[:n]

    def counts(self) -> list[list[int]]:
        """The count of every cell, row by row (0 where nothing flows)."""
        return [[self.count(r, c) for c in self.col_values] for r in self.row_values]


class _Pair:
    """A cell while counting."""

    __slots__ = ("count", "cases", "data", "linked", "case_ids")

    def __init__(self):
        self.count = 0
        self.cases = 0
        self.data: dict = {}
        self.linked: dict = {}
        self.case_ids: set[str] = set()


def _combinations(row_items: list, col_items: list) -> dict[tuple, list[int]]:
    """The positions of the cases sharing each combination of row and column values, in the
    order each combination first occurs. Cases repeat combinations (a whole inventory folded
    to the top rows and columns has a few hundred), so the pairs are counted per combination,
    and what the cases of one combination carry is gathered in one pass in C."""
    groups: dict[tuple, list[int]] = {}
    for position, key in enumerate(zip(row_items, col_items, strict=True)):
        try:
            group = groups.get(key)
        except TypeError:  # values given as lists (cases built by hand)
            key = (tuple(key[0]), tuple(key[1]))
            group = groups.get(key)
        if group is None:
            groups[key] = [position]
        else:
            group.append(position)
    return groups


def _pairs_of(row_values: tuple, col_values: tuple) -> dict[tuple, int]:
    """Each (row value, column value) pair of one combination, with how often it occurs in
    it (two items folded into OTHER make one pair twice), in reading order."""
    pairs: dict[tuple, int] = {}
    for row_value in row_values:
        for col_value in col_values:
            pairs[(row_value, col_value)] = pairs.get((row_value, col_value), 0) + 1
    return pairs


def _add(counts: dict, found: Counter, times: int) -> None:
    for item, n in found.items():
        counts[item] = counts.get(item, 0) + n * times


def check_dimensions(rows: str, cols: str, values: str = "count") -> None:
    """A usage error naming the choices when a dimension or value kind is unknown."""
    for name, value, allowed in (("rows", rows, DIMENSIONS), ("cols", cols, DIMENSIONS),
                                 ("values", values, VALUES)):
        if value not in allowed:
            raise FlowmatrixError(f"--{name} {value!r}: choose one of " + ", ".join(allowed),
                                  code="usage")


def flow_matrix(cases: pd.DataFrame, rows: str = "source_service",
                cols: str = "target_service", *, values: str = "data",
                theme: str | None = None, top: int | None = None,
                taxonomies: Taxonomies | None = None) -> Matrix:
    """The matrix of `cases` (classified and typed) for two dimensions.

    theme: only the cases of this primary theme id. top: keep the `top` rows and columns with
    the largest totals, fold the rest into OTHER. values: what the cells list — "data" (data
    items), "data_category" (data category ids), "linked_service", "cases", or "count" (counts
    only, much faster). `taxonomies` order tied ids (else they are ordered as text).
    """
    check_dimensions(rows, cols, values)
    if theme is not None:
        cases = cases[cases["theme_id"] == theme]
    row_key, col_key = value_order(rows, taxonomies), value_order(cols, taxonomies)
    combinations = _combinations(dimension_values(cases, rows), dimension_values(cases, cols))
    if top is not None:
        combinations = _folded(combinations, top, row_key, col_key)
    detail = values != "count"
    data = dimension_values(cases, "data_category" if values == "data_category" else "data") \
        if detail else None
    linked = dimension_values(cases, "linked_service") if detail else None
    case_ids = cases["case_id"].tolist() if detail and "case_id" in cases else None
    pairs: dict[tuple, _Pair] = {}
    for (row_values, col_values), positions in combinations.items():
        in_combination = _pairs_of(row_values, col_values)
        if not in_combination:
            continue
        n = len(positions)
        if detail:  # every pair of the combination carries all that its cases carry
            data_items = Counter(chain.from_iterable(data[p] for p in positions))
            linked_items = Counter(chain.from_iterable(linked[p] for p in positions))
            ids = {str(case_ids[p]) for p in positions if case_ids[p]} \
                if case_ids is not None else ()
        for key, times in in_combination.items():
            pair = pairs.get(key)
            if pair is None:
                pair = pairs[key] = _Pair()
            pair.count += n * times
            pair.cases += n
            if detail:
                _add(pair.data, data_items, times)
                _add(pair.linked, linked_items, times)
                pair.case_ids.update(ids)
    data_key = value_order("data_category" if values == "data_category" else "data",
                           taxonomies)
    return Matrix(
        rows, cols, values,
        _axis_order(((r, p.count) for (r, _), p in pairs.items()), row_key),
        _axis_order(((c, p.count) for (_, c), p in pairs.items()), col_key),
        {key: Cell(p.count, p.cases, ranked(p.data, data_key),
                   ranked(p.linked, value_order("linked_service", None)),
                   sorted(p.case_ids, key=natural)) for key, p in pairs.items()})


def _folded(combinations: dict[tuple, list[int]], top: int, row_key,
            col_key) -> dict[tuple, list[int]]:
    """The combinations (see _combinations) with the values outside the `top` largest of
    their axis (by item pairs, ties in the dimension's order) replaced by OTHER; those that
    become one combination are merged, in the order they first occur."""
    totals: tuple[dict, dict] = ({}, {})
    for (row_values, col_values), positions in combinations.items():
        for values, others, axis in ((row_values, col_values, 0), (col_values, row_values, 1)):
            n = len(others) * len(positions)
            for value in values:
                totals[axis][value] = totals[axis].get(value, 0) + n
    keep = []
    for axis, key in ((0, row_key), (1, col_key)):
        counts = totals[axis]
        ordered = sorted((v for v, n in counts.items() if n), key=lambda v: (-counts[v], key(v)))
        keep.append(set(ordered[:top]) if len(ordered) > top else None)
    if keep == [None, None]:
        return combinations
    def fold(values: tuple, kept: set | None, cache: dict) -> tuple:
        if kept is None:
            return values
        # not deduplicated: two folded items are two item pairs
        mapped = cache[values] = tuple(v if v in kept else OTHER for v in values)
        return mapped

    row_folds: dict[tuple, tuple] = {}
    col_folds: dict[tuple, tuple] = {}
    folded: dict[tuple, list[int]] = {}
    for (row_values, col_values), positions in combinations.items():
        key = (row_folds.get(row_values) or fold(row_values, keep[0], row_folds),
               col_folds.get(col_values) or fold(col_values, keep[1], col_folds))
        merged = folded.get(key)
        if merged is None:
            folded[key] = list(positions)
        else:
            merged.extend(positions)
    return folded


def _axis_order(value_counts, key) -> list:
    """Values by total count, ties in the dimension's order; the folded rest last."""
    totals: dict = {}
    for value, count in value_counts:
        totals[value] = totals.get(value, 0) + int(count)
    return sorted(totals, key=lambda v: (v is OTHER, -totals[v], key(v)))


def ranked(counts: dict, key=None) -> list[tuple[object, int]]:
    """(value, count) most frequent first, ties in `key` order (text order by default)."""
    key = key or value_order("data", None)
    return sorted(counts.items(), key=lambda item: (-item[1], key(item[0])))


def natural(text: str):
    """A sort key: numbers by value (2 before 10), then text; ties ("1", "01", "１") by text."""
    return (0, int(text), text) if text.isdecimal() else (1, 0, text)


def largest_flows(cases: pd.DataFrame, n: int, rows: str = "source_service",
                  cols: str = "target_service", *,
                  taxonomies: Taxonomies | None = None) -> list[dict]:
    """The n (row value, column value) pairs with most item pairs, each with count, cases and
    its data items (most frequent first). Ties go to the pair whose row and column values are
    more common over all pairs, then to the dimensions' order — never simply to the name
    that sorts first. Counts every pair first and gathers the data of the n largest only, so
    a national inventory's tens of thousands of distinct pairs cost little."""
    row_items = dimension_values(cases, rows)
    col_items = dimension_values(cases, cols)
    row_key, col_key = value_order(rows, taxonomies), value_order(cols, taxonomies)
    combinations = _combinations(row_items, col_items)
    counts: dict[tuple, int] = {}
    for (row_values, col_values), positions in combinations.items():
        for key, times in _pairs_of(row_values, col_values).items():
            counts[key] = counts.get(key, 0) + times * len(positions)
    row_totals: dict = {}
    col_totals: dict = {}
    for (row, col), count in counts.items():
        row_totals[row] = row_totals.get(row, 0) + count
        col_totals[col] = col_totals.get(col, 0) + count
    largest = sorted(counts, key=lambda k: (-counts[k], -(row_totals[k[0]] + col_totals[k[1]]),
                                            row_key(k[0]), col_key(k[1])))[:n]
    wanted = {key: _Pair() for key in largest}
    data = dimension_values(cases, "data")
    for (row_values, col_values), positions in combinations.items():
        found = None
        for key, times in _pairs_of(row_values, col_values).items():
            pair = wanted.get(key)
            if pair is not None:
                if found is None:
                    found = Counter(chain.from_iterable(data[p] for p in positions))
                pair.count += times * len(positions)
                pair.cases += len(positions)
                _add(pair.data, found, times)
    return [{"row": row, "col": col, "count": wanted[(row, col)].count,
             "cases": wanted[(row, col)].cases,
             "data": [item for item, _ in ranked(wanted[(row, col)].data)]}
            for row, col in largest]
