"""Columns as integer codes: the text work done once per distinct value, the counting in numpy.

An inventory repeats its texts (a municipality, a service, a theme label down thousands of
rows), so every stage that looks at text works on a column's distinct values and carries the
answer back to the cases by code, in C:

    codes, values = factorize(cases["data"])      # values[codes[i]] == cases["data"][i]
    kinds = spread([classify(v) for v in values], codes)   # one answer per case, by code

Counting works on the codes too: `row_codes` numbers the distinct rows of several code
columns (a case's group), and `Items` keeps the items of each distinct text as flat arrays,
so the items of every case are a numpy gather rather than a Python loop over the cases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def factorize(values: Sequence) -> tuple[np.ndarray, list]:
    """(codes, distinct values): `values[i] == distinct[codes[i]]`, the distinct values in the
    order they first appear, codes as int64. Values must be hashable (a list raises
    TypeError). Texts and tuples (what a reader gives) are hashed as they are, in C, so
    tuples compare as Python compares them ((1,) == (True,)); other values by type and value,
    so 1, 1.0 and True stay three values (pandas alone would merge them), 0.0 and -0.0 two,
    None and pd.NA stay themselves and every NaN is one value."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    cells = series.to_numpy(dtype=object)
    if set(map(type, cells)) <= {str, tuple}:
        codes, distinct = pd.factorize(cells, use_na_sentinel=False)
        return codes.astype("int64", copy=False), list(distinct)
    keys = pd.Series([_key(v) for v in cells], dtype=object)
    codes = pd.factorize(keys, use_na_sentinel=False)[0].astype("int64", copy=False)
    return codes, cells[first_cases(codes)].tolist()


def _key(value: object) -> tuple:
    """What tells a value apart from the others: its type and value, a float's sign too."""
    if isinstance(value, float):
        return (value.__class__, "NaN") if value != value else \
            (value.__class__, value, math.copysign(1.0, value))
    return (value.__class__, value)  # pd.NA: its own; an array: unhashable, a TypeError


def spread(per_value: Sequence, codes: np.ndarray) -> np.ndarray:
    """An object array holding per_value[codes[i]] for every case: the answers worked out once
    per distinct value, given to every case that has it (the objects are shared, not copied)."""
    import numpy as np

    table = np.empty(len(per_value), dtype=object)
    table[:] = list(per_value) if not isinstance(per_value, list) else per_value
    return table[codes] if len(codes) else np.empty(0, dtype=object)


def factorize_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct keys) of integer keys (combined codes): the distinct keys in the
    order they first appear, both int64. Hashed, no sort."""
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(np.asarray(keys, dtype="int64"))
    return codes.astype("int64", copy=False), np.asarray(distinct, dtype="int64")


def factorize_cells(column: Sequence) -> tuple[np.ndarray, list]:
    """factorize of a column of tuples (items, kind ids): lists in it (a frame built by
    hand) are read as tuples."""
    try:
        return factorize(column)
    except TypeError:
        return factorize([tuple(cell) for cell in column])


def row_codes(columns: Sequence[np.ndarray]) -> np.ndarray:
    """The distinct rows of several equally long code columns (codes ≥ -1: pandas' code of
    a missing value is -1), numbered in the order they first appear. The columns are combined
    one at a time and renumbered at each step (hashed, no sort: O(cases)), so a key never
    exceeds cases × distinct codes and fits in int64."""
    import numpy as np
    import pandas as pd

    rows = np.zeros(len(columns[0]) if len(columns) else 0, dtype="int64")
    for column in columns:
        rows = pd.factorize(rows * (int(column.max(initial=-1)) + 2) + (column + 1))[0]
    return rows.astype("int64", copy=False)


def first_cases(codes: np.ndarray) -> np.ndarray:
    """The first case of each code, for codes numbered in the order they first appear
    (factorize's, row_codes'): where the highest code so far goes up."""
    import numpy as np

    if not len(codes):
        return np.empty(0, dtype="int64")
    highest = np.maximum.accumulate(codes)
    return np.flatnonzero(np.concatenate(([True], highest[1:] > highest[:-1])))


def distinct_rows(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """(each case's row code, the first case of each distinct row, how many cases have it):
    the distinct rows of code columns as a count weighs them (row_codes, first_cases)."""
    import numpy as np

    of_case = row_codes(columns)
    first = first_cases(of_case)
    return of_case, first, np.bincount(of_case, minlength=len(first))


def runs(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of the given lengths laid end to end: for each element, the run it is in and its
    position within that run (lengths [2, 0, 3] → runs [0, 0, 2, 2, 2], positions
    [0, 1, 0, 1, 2]). How one row per case becomes one row per item, or per item pair."""
    import numpy as np

    lengths = np.asarray(lengths, dtype="int64")
    which = np.repeat(np.arange(len(lengths), dtype="int64"), lengths)
    within = np.arange(len(which), dtype="int64") - np.repeat(np.cumsum(lengths) - lengths,
                                                              lengths)
    return which, within


@dataclass
class Items:
    """The items of each distinct text of a column, flat: text t holds
    item codes `codes[starts[t]:starts[t + 1]]`, item code j names `values[j]`."""

    starts: np.ndarray  # int64, len(texts) + 1
    codes: np.ndarray  # int64, every item of every distinct text, in order
    values: list  # the distinct items

    @classmethod
    def of(cls, per_text: Sequence[Sequence]) -> Items:
        """From each distinct text's items (a tuple per text)."""
        import numpy as np

        lengths = np.fromiter((len(items) for items in per_text), dtype="int64",
                              count=len(per_text))
        starts = np.zeros(len(per_text) + 1, dtype="int64")
        np.cumsum(lengths, out=starts[1:])
        flat = [item for items in per_text for item in items]
        codes, values = factorize(flat) if flat else (np.empty(0, dtype="int64"), [])
        return cls(starts, codes, values)

    def of_cases(self, text_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every item of every case: (case index, item code) pairs, the cases in order and
        each case's items in the order written."""
        import numpy as np

        text_codes = np.asarray(text_codes, dtype="int64")
        first = self.starts[text_codes]
        cases, within = runs(self.starts[text_codes + 1] - first)
        return cases, self.codes[first[cases] + within]


class Coded:
    """A frame's columns as codes (factorize), each made once for every reader, and other
    answers made from them once (`once`), for as long as the Coded lives: one check or one
    count, so the same column is not factorized by every step that reads it."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._made: dict = {}

    def column(self, name: str) -> tuple[np.ndarray, list]:
        """factorize of the column `name`: (codes, distinct values)."""
        return self.once(("column", name), lambda: factorize(self.frame[name]))

    def once(self, key, make):
        """What make() gives, made at the first call for `key`."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]
