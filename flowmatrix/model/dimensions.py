"""Dimensions: what a case is counted by, and the markers that are not text from the inventory.

A dimension gives each case a tuple of values: its items for the four elements (a case with
two sources has two), its theme id, its service-type or data-category ids, or the text of a
single-valued column (municipality, fiscal year …). Values are ids and the inventory's own
text, never display words: the rest folded beyond the top N is the marker OTHER and an empty
cell the marker BLANK, so a real service named その他 is never mistaken for either. Renderers
look up the words for ids and markers (render/labels.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..classification.kinds import TYPED_ELEMENTS
from ..coded import Coded
from ..errors import FlowmatrixError
from ..io.columns import ELEMENTS
from ..io.inventory import item_column

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..classification.taxonomy import Taxonomies
    from ..coded import Items


class Marker:
    """A value that is not text from the inventory. Compared by identity."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __reduce__(self):  # a copy in another process is the same marker
        return (_marker, (self.name,))


OTHER = Marker("other")  # the rest, folded beyond the top N of an axis
BLANK = Marker("blank")  # an empty cell of a single-valued column
TOTAL = Marker("total")  # the total column of a cross table
MARKERS = {m.name: m for m in (OTHER, BLANK, TOTAL)}


def _marker(name: str) -> Marker:
    return MARKERS[name]


def is_marker(value: object) -> bool:
    return value.__class__ is Marker


# The kind dimension of each element, and each kind dimension → (column of ids on the typed
# cases, taxonomy kind), from the classification's own table (kinds.TYPED_ELEMENTS).
KIND_OF_ELEMENT = {"source_service": "source_type", "data": "data_category",
                   "target_service": "target_type", "linked_service": "value_type"}
TYPE_DIMENSIONS = {KIND_OF_ELEMENT[element]: (column, kind)
                   for element, (kind, column, _) in TYPED_ELEMENTS.items()}
TAXONOMY_DIMENSIONS = {"theme": "theme", **{d: kind for d, (_, kind) in TYPE_DIMENSIONS.items()}}
DIMENSIONS = (*ELEMENTS, "theme", "municipality", "prefecture", "fiscal_year", *TYPE_DIMENSIONS)


def dimension_values(cases: pd.DataFrame, dimension: str) -> list[tuple]:
    """For each case, the tuple of values it has in `dimension` (dimension_codes, laid out
    case by case)."""
    codes, items = dimension_codes(cases, dimension)
    bounds = items.starts.tolist()
    texts = [tuple(items.values[c] for c in items.codes[a:b].tolist())
             for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return [texts[c] for c in codes.tolist()]


class CodedCases(Coded):
    """Cases whose dimensions are worked out as codes once: an analysis counts the same
    columns in several matrices and tallies. Pass it where a count takes `cases`."""

    def dimension(self, dimension: str) -> tuple[np.ndarray, Items]:
        """dimension_codes of the cases, made once."""
        return self.once(("dimension", dimension), lambda: dimension_codes(self.frame, dimension))


def coded_cases(cases: pd.DataFrame | CodedCases) -> CodedCases:
    """`cases` as CodedCases: the codes a caller already made are used, not made again."""
    return cases if isinstance(cases, CodedCases) else CodedCases(cases)


def dimension_codes(cases: pd.DataFrame, dimension: str) -> tuple[np.ndarray, Items]:
    """The values of `dimension` as codes: each case's text code and the Items of the distinct
    texts (coded.py), so a case's values are those of its text and the work on values is
    done once per distinct text."""
    from ..coded import Items, factorize, first_cases

    if dimension in ELEMENTS:
        return _coded(cases[item_column(dimension)], tuple)
    if dimension == "theme":
        return _coded(cases["theme_id"], lambda t: (t,))
    if dimension in TYPE_DIMENSIONS:
        column, _ = TYPE_DIMENSIONS[dimension]
        if column not in cases:
            raise FlowmatrixError(
                f"{dimension}: the cases have no item types; classify them with "
                "flowmatrix.classify (which types every item) first", code="usage")
        # one value per type per case: two regional currencies of a case are one currency
        return _coded(cases[column], lambda ids: tuple(dict.fromkeys(ids)))
    if dimension not in cases:
        raise FlowmatrixError(f"no column {dimension!r} in the cases", code="usage")
    # the text of each distinct cell (a column repeats its municipalities), then the texts
    # that strip to one text merged
    column = cases[dimension]
    try:
        cell_codes, _ = factorize(column)
        column = column.take(first_cases(cell_codes))
    except TypeError:  # unhashable cells (a frame built by hand): made text one by one
        cell_codes = None
    codes, distinct = factorize(column.fillna("").astype(str).str.strip())
    return (codes if cell_codes is None else codes[cell_codes],
            Items.of([(text or BLANK,) for text in distinct]))


def _coded(column: pd.Series, values_of) -> tuple[np.ndarray, Items]:
    """(text codes, Items) of a column, `values_of` giving the values of one distinct text."""
    from ..coded import Items, factorize_cells

    codes, distinct = factorize_cells(column)
    return codes, Items.of([values_of(text) for text in distinct])


def value_order(dimension: str, taxonomies: Taxonomies | None):
    """A sort key for the values of `dimension` that breaks ties between equal counts: ids in
    taxonomy order, text by its characters, markers last."""
    kind = TAXONOMY_DIMENSIONS.get(dimension)
    rank = ({id_: i for i, id_ in enumerate(taxonomies.of_kind(kind).ids)}
            if kind and taxonomies is not None else None)

    def key(value) -> tuple:
        if value.__class__ is Marker:
            return (2, 0, value.name)
        if rank is not None:
            return (0, rank.get(value, len(rank)), str(value))
        return (1, 0, str(value))
    return key
