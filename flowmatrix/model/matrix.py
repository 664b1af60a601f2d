"""Data-flow matrices: which services feed which, with what data.

Dimensions are the four elements (counted per item: a case with two sources and one target gives
two source→target pairs), the theme, and single-valued columns such as municipality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..classification.taxonomy import Taxonomy, load_taxonomy
from ..io.columns import ELEMENT_LABELS, ELEMENTS
from ..io.inventory import item_column
from .tally import BLANK

if TYPE_CHECKING:
    import pandas as pd

# Type dimensions need the item types (itemtypes.type_items) on the cases.
TYPE_DIMENSIONS = {"source_type": ("source_types", "service_type"),
                   "target_type": ("target_types", "service_type"),
                   "data_category": ("data_categories", "data_category")}
DIMENSIONS = (*ELEMENTS, "theme", "municipality", "prefecture", "fiscal_year", *TYPE_DIMENSIONS)
VALUES = ("count", "data", "data_category", "linked_service", "cases")
OTHER = {"ja": "その他", "en": "Other"}
CELL_ITEMS = 6  # items listed in one matrix cell; the rest are counted ("…ほか3件")
_MORE = {"ja": "…ほか{n}件", "en": "… +{n} more"}
_OTHER_DIMENSIONS = {
    "ja": {"theme": "テーマ", "municipality": "自治体", "prefecture": "都道府県",
           "fiscal_year": "年度", "source_type": "①データ共有元サービスの種別",
           "target_type": "③データ共有先サービスの種別", "data_category": "②流通データの種別"},
    "en": {"theme": "Theme", "municipality": "Municipality", "prefecture": "Prefecture",
           "fiscal_year": "Fiscal year", "source_type": "① source service type",
           "target_type": "③ target service type", "data_category": "② data category"},
}


def dimension_label(dimension: str, lang: str = "ja") -> str:
    """"source_service" → "①データ共有元サービス" / "① source service"; unknown ids as they are."""
    return ELEMENT_LABELS[lang].get(dimension) or _OTHER_DIMENSIONS[lang].get(dimension, dimension)


def dimension_values(classified: pd.DataFrame, dimension: str, taxonomy: Taxonomy,
                     lang: str) -> list:
    """For each case, the tuple of values it has in `dimension`."""
    if dimension in ELEMENTS:
        return list(classified[item_column(dimension)])
    if dimension == "theme":
        labels = taxonomy.labels(lang)
        return [(labels[t],) for t in classified["theme_id"]]
    if dimension in TYPE_DIMENSIONS:
        column, kind = TYPE_DIMENSIONS[dimension]
        if column not in classified:
            raise KeyError(dimension)
        from ..classification.kinds import type_labels

        labels = type_labels(classified, kind, lang)
        # one pair per type per case: two regional currencies of a case are one currency
        return [tuple(dict.fromkeys(labels.get(t, t) for t in ids)) for ids in classified[column]]
    if dimension not in classified:
        raise KeyError(dimension)
    return [(str(v).strip() or BLANK[lang],) for v in classified[dimension].fillna("")]


class _Pair:
    """What flows between one row value and one column value."""

    __slots__ = ("count", "positions", "data", "linked", "case_ids")

    def __init__(self):
        self.count = 0  # item pairs
        self.positions: set[int] = set()  # distinct cases
        self.data: dict[str, int] = {}
        self.linked: dict[str, int] = {}
        self.case_ids: set[str] = set()

    def add(self, other: _Pair) -> None:
        self.count += other.count
        self.positions |= other.positions
        for mine, theirs in ((self.data, other.data), (self.linked, other.linked)):
            for item, n in theirs.items():
                mine[item] = mine.get(item, 0) + n
        self.case_ids |= other.case_ids


def accumulate_pairs(classified: pd.DataFrame, rows: str, cols: str, theme: str | None,
                     taxonomy: Taxonomy, lang: str, detail: bool = True,
                     cell_values: str = "data", top: int | None = None,
                     ) -> dict[tuple[str, str], _Pair]:
    """Every (row value, column value) pair with what flows in it; without `detail`, only the
    counts (enough for a count matrix, and much faster). With `top`, rows and columns beyond
    the largest `top` are folded into その他/Other as the pairs are counted (see _fold)."""
    if theme is not None:
        if theme not in taxonomy.ids:
            raise KeyError(theme)
        classified = classified[classified["theme_id"] == theme]
    row_items = dimension_values(classified, rows, taxonomy, lang)
    col_items = dimension_values(classified, cols, taxonomy, lang)
    if top is not None:
        row_items, col_items = _folded_values(row_items, col_items, top, lang)
    pairs: dict[tuple[str, str], _Pair] = {}
    new_pair = _Pair
    for position, (case_id, data, linked, row_values, col_values) in enumerate(zip(
            classified["case_id"].tolist(),
            dimension_values(classified, cell_values, taxonomy, lang) if detail
            else row_items, classified[item_column("linked_service")].tolist(), row_items,
            col_items, strict=True)):
        for row_value in row_values:
            for col_value in col_values:
                pair = pairs.get((row_value, col_value))
                if pair is None:
                    pair = pairs[(row_value, col_value)] = new_pair()
                pair.count += 1
                pair.positions.add(position)
                if not detail:
                    continue
                counts = pair.data
                for item in data:
                    counts[item] = counts.get(item, 0) + 1
                counts = pair.linked
                for item in linked:
                    counts[item] = counts.get(item, 0) + 1
                if case_id:
                    pair.case_ids.add(str(case_id))
    return pairs


def _folded_values(row_items: list, col_items: list, top: int, lang: str) -> tuple[list, list]:
    """The values of each case with those outside the `top` largest of their axis replaced by
    その他/Other, ranked as _fold ranks them (item pairs, then name)."""
    keep = []
    for own, other in ((row_items, col_items), (col_items, row_items)):
        totals: dict[str, int] = {}
        for values, others in zip(own, other, strict=True):
            n = len(others)
            for value in values:
                totals[value] = totals.get(value, 0) + n
        ordered = sorted((v for v, n in totals.items() if n), key=lambda v: (-totals[v], v))
        keep.append(set(ordered[:top]) if len(ordered) > top else None)
    folded = []
    for items, kept in zip((row_items, col_items), keep, strict=True):
        if kept is None:
            folded.append(items)
            continue
        other = OTHER[lang]
        cache: dict[tuple, tuple] = {}
        column = []
        for values in items:
            values = values if values.__class__ is tuple else tuple(values)  # lists from callers
            mapped = cache.get(values)
            if mapped is None:
                # not deduplicated: two folded items are two item pairs, as in _fold
                mapped = cache[values] = tuple(v if v in kept else other for v in values)
            column.append(mapped)
        folded.append(column)
    return folded[0], folded[1]


def _fold(pairs: dict[tuple[str, str], _Pair], top: int | None,
          lang: str) -> dict[tuple[str, str], _Pair]:
    """Keep the `top` rows and columns with the largest totals; fold the rest into その他."""
    if top is None or not pairs:
        return pairs
    keep = []
    for axis in (0, 1):
        totals: dict[str, int] = {}
        for key, pair in pairs.items():
            totals[key[axis]] = totals.get(key[axis], 0) + pair.count
        ordered = sorted(totals, key=lambda v: (-totals[v], v))
        keep.append(set(ordered[:top]) if len(ordered) > top else None)
    if keep == [None, None]:
        return pairs
    folded: dict[tuple[str, str], _Pair] = {}
    for (row, col), pair in pairs.items():
        key = (row if keep[0] is None or row in keep[0] else OTHER[lang],
               col if keep[1] is None or col in keep[1] else OTHER[lang])
        folded.setdefault(key, _Pair()).add(pair)
    return folded


def _ranked(counts: dict[str, int]) -> list[str]:
    return sorted(counts, key=lambda item: (-counts[item], item))


def _natural(text: str):
    return (0, int(text), "") if text.isdecimal() else (1, 0, text)


def largest_flows(classified: pd.DataFrame, n: int = 10, rows: str = "source_service",
                  cols: str = "target_service", *, taxonomy: Taxonomy | None = None,
                  lang: str = "ja") -> list[dict]:
    """The n (row value, column value) pairs with most item pairs, ties by name, each with
    count, cases and its data items (most frequent first). Counts every pair first and
    gathers the data of the n largest only, so a national inventory's tens of thousands of
    distinct pairs cost little."""
    taxonomy = taxonomy or load_taxonomy()
    row_items = dimension_values(classified, rows, taxonomy, lang)
    col_items = dimension_values(classified, cols, taxonomy, lang)
    counts: dict[tuple[str, str], int] = {}
    for row_values, col_values in zip(row_items, col_items, strict=True):
        for row_value in row_values:
            for col_value in col_values:
                key = (row_value, col_value)
                counts[key] = counts.get(key, 0) + 1
    largest = sorted(counts, key=lambda k: (-counts[k], k))[:n]
    wanted = {key: _Pair() for key in largest}
    for position, (data, row_values, col_values) in enumerate(zip(
            dimension_values(classified, "data", taxonomy, lang), row_items, col_items,
            strict=True)):
        for row_value in row_values:
            for col_value in col_values:
                pair = wanted.get((row_value, col_value))
                if pair is not None:
                    pair.count += 1
                    pair.positions.add(position)
                    for item in data:
                        pair.data[item] = pair.data.get(item, 0) + 1
    return [{"row": row, "col": col, "count": wanted[(row, col)].count,
             "cases": len(wanted[(row, col)].positions),
             "data": _ranked(wanted[(row, col)].data)} for row, col in largest]


def flow_pairs(classified: pd.DataFrame, rows: str = "source_service",
               cols: str = "target_service", *, theme: str | None = None,
               top: int | None = None, taxonomy: Taxonomy | None = None,
               lang: str = "ja", cell_values: str = "data") -> pd.DataFrame:
    """One line per (row value, column value) pair with: count (item pairs), cases (distinct
    cases), data and linked_service (the items flowing, most frequent first), case_ids.
    With `top`, rows and columns beyond the largest `top` are folded into その他/Other;
    cell_values="data_category" lists data categories instead of data items."""
    taxonomy = taxonomy or load_taxonomy()
    return _pairs_frame(accumulate_pairs(classified, rows, cols, theme, taxonomy, lang,
                                         cell_values=cell_values, top=top))


def _pairs_frame(pairs: dict[tuple[str, str], _Pair]) -> pd.DataFrame:
    import pandas as pd

    records = [{"row": row, "col": col, "count": p.count, "cases": len(p.positions),
                "data": _ranked(p.data), "linked_service": _ranked(p.linked),
                "case_ids": sorted(p.case_ids, key=_natural)}
               for (row, col), p in pairs.items()]
    return pd.DataFrame(records, columns=["row", "col", "count", "cases", "data",
                                          "linked_service", "case_ids"])


def axis_order(pairs: pd.DataFrame, axis: str, *, lang: str = "ja") -> list[str]:
    """Values of `axis` by total count, then name; その他/Other last."""
    return _order(zip(pairs[axis], pairs["count"], strict=True), lang)


def _order(value_counts, lang: str) -> list[str]:
    totals: dict[str, int] = {}
    for value, count in value_counts:
        totals[value] = totals.get(value, 0) + int(count)
    return sorted(totals, key=lambda v: (v == OTHER[lang], -totals[v], v))


def flow_tables(classified: pd.DataFrame, rows: str = "source_service",
                cols: str = "target_service", *, values: str = "data",
                theme: str | None = None, top: int | None = None,
                taxonomy: Taxonomy | None = None,
                lang: str = "ja") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(what the cells say, their counts): the matrix for `values` and the count matrix of the
    same shape, from one pass over the cases. See flow_matrix."""

    if values not in VALUES:
        raise ValueError(values)
    taxonomy = taxonomy or load_taxonomy()
    accumulated = accumulate_pairs(classified, rows, cols, theme, taxonomy, lang,
                                   detail=values != "count",
                                   cell_values="data_category" if values == "data_category"
                                   else "data", top=top)
    return tables_from_pairs(accumulated, rows, cols, values=values, top=None, lang=lang)


def tables_from_pairs(accumulated: dict, rows: str, cols: str, *, values: str,
                      top: int | None, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """flow_tables from pairs already accumulated (see flow_tables)."""
    import pandas as pd

    pairs = _fold(accumulated, top, lang)
    row_order = _order(((row, p.count) for (row, _), p in pairs.items()), lang)
    col_order = _order(((col, p.count) for (_, col), p in pairs.items()), lang)
    count_table = pd.DataFrame([[pairs[(r, c)].count if (r, c) in pairs else 0
                                 for c in col_order] for r in row_order],
                               index=pd.Index(row_order, dtype=object),
                               columns=pd.Index(col_order, dtype=object), dtype=int)
    if values == "count":
        table = count_table.copy()
    else:
        table = pd.DataFrame([[_cell_text(pairs[(r, c)], values, lang) if (r, c) in pairs
                               else "" for c in col_order] for r in row_order],
                             index=pd.Index(row_order, dtype=object),
                             columns=pd.Index(col_order, dtype=object), dtype=object)
    for frame in (table, count_table):
        frame.index.name = rows
        frame.columns.name = cols
    return table, count_table


def flow_matrix(classified: pd.DataFrame, rows: str = "source_service",
                cols: str = "target_service", *, values: str = "data", theme: str | None = None,
                top: int | None = None, taxonomy: Taxonomy | None = None,
                lang: str = "ja") -> pd.DataFrame:
    """The matrix as a DataFrame: rows × columns, ordered by total then name.

    values="count": the number of item pairs; "data": the data α items in each cell with the
    count, e.g. "購買履歴、運動データ (3)"; "linked_service": the linked services likewise;
    "cases": the case ids. Empty cells are 0 or "". A cell lists at most CELL_ITEMS items,
    most frequent first, then how many more there are.
    """
    return flow_tables(classified, rows, cols, values=values, theme=theme, top=top,
                       taxonomy=taxonomy, lang=lang)[0]


def _cell_text(pair: _Pair, values: str, lang: str = "ja") -> str:
    if values == "cases":
        return ", ".join(sorted(pair.case_ids, key=_natural))
    items = _ranked(pair.linked if values == "linked_service" else pair.data)
    shown = "、".join(items[:CELL_ITEMS])
    if len(items) > CELL_ITEMS:
        shown += _MORE[lang].format(n=len(items) - CELL_ITEMS)
    return f"{shown} ({pair.count})"
