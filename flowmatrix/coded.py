"""Columns as integer codes: the text work done once per distinct value, the counting in numpy.

An inventory repeats its texts (a municipality, a service, a theme label down thousands of
rows), so every stage that looks at text works on a column's distinct values and carries the
answer back to the cases by code, in C:

    codes, values = factorize(cases["data"])      # values[codes[i]] == cases["data"][i]
    kinds = spread([classify(v) for v in values], codes)   # one answer per case, by code

Counting works on the codes too: `count_rows` counts the distinct rows of several code
columns at once, and `Items` keeps the items of each distinct text as flat arrays, so the
items of every case are a numpy gather rather than a Python loop over the cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def factorize(values: Sequence) -> tuple[np.ndarray, list]:
    """(codes, distinct values): `values[i] == distinct[codes[i]]`, the distinct values in the
    order they first appear, codes as int64. Values must be hashable; a missing value (None,
    NaN) is a distinct value of its own, not -1."""
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    return codes.astype("int64", copy=False), list(uniques)


def spread(per_value: Sequence, codes: np.ndarray) -> np.ndarray:
    """An object array holding per_value[codes[i]] for every case: the answers worked out once
    per distinct value, given to every case that has it (the objects are shared, not copied)."""
    import numpy as np

    table = np.empty(len(per_value), dtype=object)
    table[:] = list(per_value) if not isinstance(per_value, list) else per_value
    return table[codes] if len(codes) else np.empty(0, dtype=object)


def count_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of several equally long integer code columns and how often each
    occurs: (rows, counts), rows an (n, k) int64 array in ascending order of the rows."""
    import numpy as np

    if not columns or not len(columns[0]):
        return np.empty((0, len(columns)), dtype="int64"), np.empty(0, dtype="int64")
    stacked = np.stack([np.asarray(c, dtype="int64") for c in columns], axis=1)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return rows, counts


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
        first, last = self.starts[text_codes], self.starts[text_codes + 1]
        lengths = last - first
        cases = np.repeat(np.arange(len(text_codes), dtype="int64"), lengths)
        # the position of each item within its case, added to the case's first item
        offsets = np.arange(len(cases), dtype="int64") - np.repeat(np.cumsum(lengths) - lengths,
                                                                     lengths)
        return cases, self.codes[np.repeat(first, lengths) + offsets]
