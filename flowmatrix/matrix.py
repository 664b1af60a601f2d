"""Data-flow matrices: which services feed which, with what data.

Dimensions are the four elements (counted per item: a case with two sources and one target gives
two source→target pairs), the theme, and single-valued columns such as municipality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .columns import ELEMENT_LABELS, ELEMENTS
from .inventory import item_column
from .tally import BLANK
from .taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    import pandas as pd

DIMENSIONS = (*ELEMENTS, "theme", "municipality", "prefecture", "fiscal_year")
VALUES = ("count", "data", "linked_service", "cases")
OTHER = {"ja": "その他", "en": "Other"}
CELL_ITEMS = 6  # items listed in one matrix cell; the rest are counted ("…ほか3件")
_MORE = {"ja": "…ほか{n}件", "en": "… +{n} more"}
_OTHER_DIMENSIONS = {
    "ja": {"theme": "テーマ", "municipality": "自治体", "prefecture": "都道府県",
           "fiscal_year": "年度"},
    "en": {"theme": "Theme", "municipality": "Municipality", "prefecture": "Prefecture",
           "fiscal_year": "Fiscal year"},
}


def dimension_label(dimension: str, lang: str = "ja") -> str:
    """"source_service" → "①データ共有元サービス" / "① source service"; unknown ids as they are."""
    return ELEMENT_LABELS[lang].get(dimension) or _OTHER_DIMENSIONS[lang].get(dimension, dimension)


def _items(classified: pd.DataFrame, dimension: str, taxonomy: Taxonomy, lang: str) -> list:
    """For each case, the tuple of values it has in `dimension`."""
    if dimension in ELEMENTS:
        return list(classified[item_column(dimension)])
    if dimension == "theme":
        labels = {t.id: t.label(lang) for t in taxonomy.themes}
        return [(labels[t],) for t in classified["theme_id"]]
    if dimension not in classified:
        raise KeyError(dimension)
    return [(str(v).strip() or BLANK[lang],) for v in classified[dimension].fillna("")]


def flow_pairs(classified: pd.DataFrame, rows: str = "source_service",
               cols: str = "target_service", *, theme: str | None = None,
               taxonomy: Taxonomy | None = None, lang: str = "ja") -> pd.DataFrame:
    """One line per (row value, column value) pair with: count (item pairs), cases (distinct
    cases), data and linked_service (the items flowing, most frequent first), case_ids."""
    import pandas as pd

    taxonomy = taxonomy or load_taxonomy()
    if theme is not None:
        if theme not in taxonomy.ids:
            raise KeyError(theme)
        classified = classified[classified["theme_id"] == theme]
    row_items = _items(classified, rows, taxonomy, lang)
    col_items = _items(classified, cols, taxonomy, lang)
    records = []
    for position, (case_id, data, linked, row_values, col_values) in enumerate(zip(
            classified["case_id"], classified[item_column("data")],
            classified[item_column("linked_service")], row_items, col_items, strict=True)):
        for row_value in row_values:
            for col_value in col_values:
                records.append((row_value, col_value, position, case_id, data, linked))
    frame = pd.DataFrame(records, columns=["row", "col", "position", "case_id", "data", "linked"])
    return _summarise(frame)


def _summarise(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    out = []
    for (row, col), group in frame.groupby(["row", "col"], sort=False):
        out.append({"row": row, "col": col, "count": len(group),
                    "cases": group["position"].nunique(),
                    "data": _ranked(group["data"]), "linked_service": _ranked(group["linked"]),
                    "case_ids": sorted({str(c) for c in group["case_id"] if str(c)},
                                       key=_natural)})
    return pd.DataFrame(out, columns=["row", "col", "count", "cases", "data", "linked_service",
                                      "case_ids"])


def _ranked(item_tuples) -> list[str]:
    counts: dict[str, int] = {}
    for items in item_tuples:
        for item in items:
            counts[item] = counts.get(item, 0) + 1
    return sorted(counts, key=lambda item: (-counts[item], item))


def _natural(text: str):
    return (0, int(text), "") if text.isdecimal() else (1, 0, text)


def fold_top(pairs: pd.DataFrame, top: int | None, *, lang: str = "ja") -> pd.DataFrame:
    """Keep the `top` rows and columns with the largest totals; fold the rest into その他/Other."""
    if top is None or pairs.empty:
        return pairs
    folded = pairs.copy()
    for axis in ("row", "col"):
        totals = folded.groupby(axis)["count"].sum()
        ordered = sorted(totals.index, key=lambda v: (-totals[v], v))
        if len(ordered) > top:
            keep = set(ordered[:top])
            folded[axis] = [v if v in keep else OTHER[lang] for v in folded[axis]]
    if len(folded) == len(pairs) and (folded[["row", "col"]] == pairs[["row", "col"]]).all().all():
        return pairs
    merged = []
    for (row, col), group in folded.groupby(["row", "col"], sort=False):
        if len(group) == 1:
            merged.append(group.iloc[0].to_dict())
            continue
        merged.append({"row": row, "col": col, "count": int(group["count"].sum()),
                       "cases": int(group["cases"].sum()),
                       "data": _merge_lists(group["data"]),
                       "linked_service": _merge_lists(group["linked_service"]),
                       "case_ids": sorted({c for ids in group["case_ids"] for c in ids},
                                          key=_natural)})
    return type(pairs)(merged, columns=pairs.columns)


def _merge_lists(lists) -> list[str]:
    seen: list[str] = []
    for items in lists:
        seen.extend(item for item in items if item not in seen)
    return seen


def axis_order(pairs: pd.DataFrame, axis: str, *, lang: str = "ja") -> list[str]:
    """Values of `axis` by total count, then name; その他/Other last."""
    totals = pairs.groupby(axis)["count"].sum()
    values = sorted(totals.index, key=lambda v: (v == OTHER[lang], -totals[v], v))
    return values


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
    import pandas as pd

    if values not in VALUES:
        raise ValueError(values)
    pairs = fold_top(flow_pairs(classified, rows, cols, theme=theme, taxonomy=taxonomy,
                                lang=lang), top, lang=lang)
    row_order = axis_order(pairs, "row", lang=lang) if not pairs.empty else []
    col_order = axis_order(pairs, "col", lang=lang) if not pairs.empty else []
    if values == "count":
        table = pairs.pivot(index="row", columns="col", values="count") if not pairs.empty \
            else pd.DataFrame()
        table = table.reindex(index=row_order, columns=col_order).fillna(0).astype(int)
    else:
        cells = {(r, c): _cell_text(record, values, lang)
                 for r, c, record in zip(pairs["row"], pairs["col"],
                                         pairs.to_dict("records"), strict=True)}
        table = pd.DataFrame([[cells.get((r, c), "") for c in col_order] for r in row_order],
                             index=row_order, columns=col_order, dtype=object)
    table.index.name = rows
    table.columns.name = cols
    return table


def _cell_text(record: dict, values: str, lang: str = "ja") -> str:
    if values == "cases":
        return ", ".join(record["case_ids"])
    items = record[values]
    shown = "、".join(items[:CELL_ITEMS])
    if len(items) > CELL_ITEMS:
        shown += _MORE[lang].format(n=len(items) - CELL_ITEMS)
    return f"{shown} ({record['count']})"
