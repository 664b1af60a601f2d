"""Data-flow matrices: which services feed which, with what data — as ids and counts.

Rows and columns are the values of two dimensions (dimensions.py): the four elements are
counted per item (a case with two sources and one target gives two source→target pairs), the
theme and the kinds by id, single-valued columns by their text. A cell holds the number of
item pairs, the cases in it, the data items (or data categories) and linked services flowing
in it, most frequent first, and its case ids. Words are added by the renderers.

Counted on integer codes (coded.py): the cases that share their texts form one group,
counted once with its number of cases; every item pair of every group is numpy index
arithmetic; Python objects are made only for the cells and what they list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..classification.taxonomy import FALLBACK_ID
from ..coded import Items, distinct_rows, factorize_keys, runs
from ..errors import FlowmatrixError
from .dimensions import DIMENSIONS, OTHER, CodedCases, coded_cases, value_order

if TYPE_CHECKING:
    import numpy as np
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


def check_dimensions(rows: str, cols: str, values: str = "count") -> None:
    """A usage error naming the choices when a dimension or value kind is unknown."""
    for name, value, allowed in (("rows", rows, DIMENSIONS), ("cols", cols, DIMENSIONS),
                                 ("values", values, VALUES)):
        if value not in allowed:
            raise FlowmatrixError(f"--{name} {value!r}: choose one of " + ", ".join(allowed),
                                  code="usage")


def flow_matrix(cases: pd.DataFrame | CodedCases, rows: str = "source_service",
                cols: str = "target_service", *, values: str = "data",
                theme: str | None = None, top: int | None = None,
                taxonomies: Taxonomies | None = None) -> Matrix:
    """The matrix of `cases` (classified and typed, or CodedCases of them) for two dimensions.

    theme: only the cases of this primary theme id. top: keep the `top` rows and columns with
    the largest totals, fold the rest into OTHER. values: what the cells list — "data" (data
    items), "data_category" (data category ids), "linked_service", "cases", or "count" (counts
    only, much faster). `taxonomies` order tied ids (else they are ordered as text).

    Counted on codes: the cases that share their texts (rows, columns and, for the detail,
    data and linked services) form one group counted once with its weight, and Python
    objects are made only for the cells and what they list.
    """
    import numpy as np

    check_dimensions(rows, cols, values)
    if top is not None and top < 0:
        raise ValueError(f"top={top}: keep 0 or more rows and columns (None: all)")
    cases = coded_cases(cases)
    if theme is not None:
        cases = CodedCases(cases.frame[cases.frame["theme_id"] == theme])
    detail = values != "count"
    data_dimension = "data_category" if values == "data_category" else "data"
    coded = [cases.dimension(d)
             for d in (rows, cols, *((data_dimension, "linked_service") if detail else ()))]
    groups = _Groups([codes for codes, _ in coded])
    pairs = _Pairs(groups, coded[0][1], coded[1][1])
    row_key, col_key = value_order(rows, taxonomies), value_order(cols, taxonomies)
    row_slots, row_values = _axis(pairs.rows, coded[0][1].values, pairs.weights, top, row_key)
    col_slots, col_values = _axis(pairs.cols, coded[1][1].values, pairs.weights, top, col_key)
    cells = pairs.cells(row_slots[pairs.rows] * len(col_values) + col_slots[pairs.cols])
    del pairs  # its arrays, a few per item pair (60 MB at 1,000,000 cases), are counted
    count, in_cases = cells.count(), cells.cases()
    row_of, col_of = (v.tolist() for v in np.divmod(cells.keys, len(col_values)))
    keys = [(row_values[r], col_values[c]) for r, c in zip(row_of, col_of, strict=True)]
    data, linked, ids = ([[] for _ in keys] for _ in range(3))  # a list of each per cell
    if detail:
        data = cells.listed(*coded[2], value_order(data_dimension, taxonomies))
        linked = cells.listed(*coded[3], value_order("linked_service", None))
        if "case_id" in cases.frame:
            ids = cells.case_ids(*cases.once("case_ids", lambda: _case_ids(cases.frame)))
    return Matrix(
        rows, cols, values,
        _axis_order(zip(row_values, np.bincount(row_of, count, len(row_values)).tolist(),
                        strict=True), row_key),
        _axis_order(zip(col_values, np.bincount(col_of, count, len(col_values)).tolist(),
                        strict=True), col_key),
        {key: Cell(*cell) for key, *cell in zip(keys, count, in_cases, data, linked, ids,
                                                strict=True)})


class _Groups:
    """The cases as groups of equal texts in some coded columns: a group per distinct
    combination of text codes, in the order of its first case, with how many cases it has."""

    def __init__(self, columns: list[np.ndarray]):
        # the group of each case, the first case of each group, its number of cases
        self.of_case, self.first, self.weights = distinct_rows(columns)
        self.texts = [codes[self.first] for codes in columns]  # the text codes of each group


class _Pairs:
    """Every (row value, column value) pair of every group, in reading order: the group,
    the row and column value codes of each."""

    def __init__(self, groups: _Groups, row_items: Items, col_items: Items):
        import numpy as np

        self.groups = groups
        row_texts, col_texts = groups.texts[0], groups.texts[1]
        row_first, col_first = row_items.starts[row_texts], col_items.starts[col_texts]
        row_lengths = row_items.starts[row_texts + 1] - row_first
        col_lengths = col_items.starts[col_texts + 1] - col_first
        lengths = row_lengths * col_lengths
        self.group, within = runs(lengths)
        row_at, col_at = np.divmod(within, col_lengths[self.group])
        self.rows = row_items.codes[row_first[self.group] + row_at]
        self.cols = col_items.codes[col_first[self.group] + col_at]
        self.weights = groups.weights[self.group]  # the cases behind each pair

    def cells(self, keys: np.ndarray) -> _Cells:
        """The pairs counted into cells by a key per pair (equal keys, one cell)."""
        return _Cells(self, keys)


class _Cells:
    """Cells while counting: each in the order its first pair is read, and the distinct
    (group, cell) with how many of the group's pairs fall in the cell ("times")."""

    def __init__(self, pairs: _Pairs, pair_keys: np.ndarray):
        import numpy as np

        self.groups = pairs.groups
        cell, self.keys = factorize_keys(pair_keys)
        group = pairs.group
        n = len(self.keys)
        both, distinct = factorize_keys(group * max(n, 1) + cell)
        self.group, self.cell = np.divmod(distinct, max(n, 1))
        self.times = np.bincount(both, minlength=len(distinct))
        self.size = n

    def count(self) -> list[int]:
        """Item pairs per cell."""
        import numpy as np

        weights = self.groups.weights[self.group] * self.times
        return np.bincount(self.cell, weights, self.size).astype("int64").tolist()

    def cases(self) -> list[int]:
        """Cases per cell: a case counts once in each cell its pairs fall in."""
        import numpy as np

        weights = self.groups.weights[self.group]
        return np.bincount(self.cell, weights, self.size).astype("int64").tolist()

    def listed(self, codes: np.ndarray, items: Items, key,
               only: list[int] | None = None) -> list[list[tuple]]:
        """Per cell, (value, item pairs) of what the cells' cases carry in a coded column
        (data items, linked services …), most first, ties in `key` order: every pair of a
        case carries all of the case's values. `only`: these cells (the others get [])."""
        import numpy as np

        texts = codes[self.groups.first]
        chosen = (np.flatnonzero(np.isin(self.cell, only)) if only is not None
                  else np.arange(len(self.group)))
        row, value = items.of_cases(texts[self.group[chosen]])
        row = chosen[row]  # the (group, cell) of each value
        n = max(len(items.values), 1)
        both, distinct = factorize_keys(self.cell[row] * n + value)
        weights = (self.groups.weights[self.group] * self.times)[row]
        totals = np.bincount(both, weights, len(distinct)).astype("int64")
        cell, value = np.divmod(distinct, n)
        order = np.lexsort((_ranks(items.values, key)[value], -totals, cell))
        names = [items.values[v] for v in value[order].tolist()]
        return _split(list(zip(names, totals[order].tolist(), strict=True)), cell[order],
                      self.size)

    def case_ids(self, ranks: np.ndarray, texts: np.ndarray) -> list[list[str]]:
        """Per cell, the ids of its cases (see _case_ids), each once, in natural order."""
        import numpy as np

        by_group = np.argsort(self.group, kind="stable")
        starts = np.searchsorted(self.group[by_group], np.arange(len(self.groups.weights) + 1))
        case, cell = Items(starts, self.cell[by_group], []).of_cases(self.groups.of_case)
        ranks = ranks[case]
        n = max(len(texts), 1)
        keys = np.sort(cell[ranks >= 0] * n + ranks[ranks >= 0])
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
        cell, ranks = np.divmod(keys, n)
        return _split(texts[ranks].tolist(), cell, self.size)


def _case_ids(cases: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rank of each case's id in natural order (-1: an empty id, left out) and the ids
    as text in that order (an object array)."""
    import numpy as np

    from ..coded import factorize

    raw_codes, raw = factorize(cases["case_id"])
    texts = [str(v) if v else None for v in raw]
    if all(v.__class__ is str for v in raw):  # distinct already: no two raw ids give one text
        distinct = [t for t in texts if t is not None]
        text_codes = np.arange(len(distinct), dtype="int64")
    else:
        text_codes, distinct = factorize([t for t in texts if t is not None])
    rank = _natural_ranks(distinct)
    of_raw = np.full(len(texts), -1, dtype="int64")
    of_raw[[i for i, t in enumerate(texts) if t is not None]] = rank[text_codes]
    ordered = np.empty(len(distinct), dtype=object)
    ordered[rank] = distinct
    return of_raw[raw_codes], ordered


def _split(values: list, cells: np.ndarray, size: int) -> list[list]:
    """`values` (sorted by cell) as one list per cell."""
    import numpy as np

    bounds = np.searchsorted(cells, np.arange(size + 1)).tolist()
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _ranks(values: list, key) -> np.ndarray:
    """The position of each value when all are sorted by `key`."""
    import numpy as np

    order = sorted(range(len(values)), key=lambda i: key(values[i]))
    rank = np.empty(len(values), dtype="int64")
    rank[order] = np.arange(len(values), dtype="int64")
    return rank


def _axis(codes: np.ndarray, values: list, weights: np.ndarray, top: int | None,
          key) -> tuple[np.ndarray, list]:
    """The slot of each value code on an axis and the value of each slot: every value its
    own slot, or, when more than `top` values have pairs, the `top` largest (by item pairs,
    ties in the dimension's order) and one OTHER slot for the rest."""
    import numpy as np

    totals = np.bincount(codes, weights, len(values))
    present = np.flatnonzero(totals)
    kept = present
    if top is not None and len(present) > top:
        counts = totals[present]
        least = np.partition(counts, len(counts) - top)[len(counts) - top] if top else np.inf
        candidates = present[counts >= least].tolist()
        kept = np.array(sorted(candidates, key=lambda v: (-totals[v], key(values[v])))[:top],
                        dtype="int64")
    slots = np.full(len(values), len(kept), dtype="int64")
    slots[kept] = np.arange(len(kept), dtype="int64")
    folded = len(kept) < len(present)
    return slots, [values[v] for v in kept.tolist()] + ([OTHER] if folded else [])


def _axis_order(value_counts, key) -> list:
    """Values by total count, ties in the dimension's order; the folded rest last."""
    totals: dict = {}
    for value, count in value_counts:
        if count:
            totals[value] = totals.get(value, 0) + int(count)
    return sorted(totals, key=lambda v: (v is OTHER, -totals[v], key(v)))


def natural(text: str):
    """A sort key: numbers by value (2 before 10), then text; ties ("1", "01", "１") by text."""
    return (0, int(text), text) if text.isdecimal() else (1, 0, text)


def _natural_ranks(texts: list[str]) -> np.ndarray:
    """The position of each text when all are sorted by `natural`: the numbers sorted as
    int64 in numpy (a national inventory's case ids are 10^5 numbers), the rest — numbers
    that tie or overflow, other text — by the key itself."""
    import numpy as np

    decimal = np.fromiter(map(str.isdecimal, texts), dtype=bool, count=len(texts))
    other = sorted(np.flatnonzero(~decimal).tolist(), key=texts.__getitem__)
    decimal = np.flatnonzero(decimal)
    try:
        numbers = np.fromiter(map(int, (texts[i] for i in decimal.tolist())), dtype="int64",
                              count=len(decimal))
    except OverflowError:
        numbers = None
    if numbers is not None:
        by_number = np.argsort(numbers, kind="stable")
        ordered = numbers[by_number]
    if numbers is None or (ordered[1:] == ordered[:-1]).any():  # "1", "01", "１": by text
        decimal = sorted(decimal.tolist(), key=lambda i: natural(texts[i]))
    else:
        decimal = decimal[by_number].tolist()
    rank = np.empty(len(texts), dtype="int64")
    rank[decimal + other] = np.arange(len(texts), dtype="int64")
    return rank


def largest_flows(cases: pd.DataFrame | CodedCases, n: int, rows: str = "source_service",
                  cols: str = "target_service", *,
                  taxonomies: Taxonomies | None = None) -> list[dict]:
    """The n (row value, column value) pairs with most item pairs, each with count, cases and
    its data items (most frequent first). Ties go to the pair whose row and column values are
    more common over all pairs, then to the dimensions' order — never simply to the name
    that sorts first. Counts every pair on codes and makes Python objects for the n largest
    only, so a national inventory's tens of thousands of distinct pairs cost little."""
    import numpy as np

    cases = coded_cases(cases)
    coded = [cases.dimension(d) for d in (rows, cols, "data")]
    pairs = _Pairs(_Groups([codes for codes, _ in coded]), coded[0][1], coded[1][1])
    row_names, col_names = coded[0][1].values, coded[1][1].values
    cells = pairs.cells(pairs.rows * max(len(col_names), 1) + pairs.cols)
    count = np.asarray(cells.count(), dtype="int64")
    row_of, col_of = np.divmod(cells.keys, max(len(col_names), 1))
    common = (np.bincount(pairs.rows, pairs.weights, len(row_names))[row_of]
              + np.bincount(pairs.cols, pairs.weights, len(col_names))[col_of]).astype("int64")
    del pairs  # counted: its arrays are not needed for the largest
    if not n or not len(count):
        return []
    by_size = np.lexsort((-common, -count))
    last = by_size[min(n, len(count)) - 1]  # the pairs tied with the n-th are candidates too
    candidates = np.flatnonzero((count > count[last])
                                | ((count == count[last]) & (common >= common[last])))
    row_key, col_key = value_order(rows, taxonomies), value_order(cols, taxonomies)
    largest = sorted(candidates.tolist(), key=lambda k: (
        -count[k], -common[k], row_key(row_names[row_of[k]]), col_key(col_names[col_of[k]])))[:n]
    in_cases = cells.cases()
    data = cells.listed(*coded[2], value_order("data", None), only=largest)
    return [{"row": row_names[row_of[k]], "col": col_names[col_of[k]], "count": int(count[k]),
             "cases": in_cases[k], "data": [item for item, _ in data[k]]} for k in largest]
