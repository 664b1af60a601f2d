"""Tallies: how many cases per theme (the DSA's table), per municipality, year or any column —
as ids and counts; the renderers add the words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dimensions import BLANK, TOTAL, TYPE_DIMENSIONS, dimension_values, value_order

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies, Taxonomy


def theme_tally(cases: pd.DataFrame, taxonomy: Taxonomy, *,
                include_empty: bool = True) -> pd.DataFrame:
    """Cases per primary theme, like the DSA's table.

    Columns: theme_id, cases, share (of all cases, 0–1), touching (cases whose primary or
    secondary themes include it). Sorted by cases, ties in taxonomy order; themes without
    cases are kept (cases 0) unless include_empty is False.
    """
    import pandas as pd

    total = len(cases)
    primary = cases["theme_id"].value_counts()
    touching: dict[str, int] = {}
    for theme_id, secondary in zip(cases["theme_id"], cases["secondary_theme_ids"],
                                   strict=True):
        for touched in {theme_id, *secondary}:
            touching[touched] = touching.get(touched, 0) + 1
    rows = []
    for order, theme in enumerate(taxonomy.themes):
        count = int(primary.get(theme.id, 0))
        if count or include_empty:
            rows.append({"theme_id": theme.id, "cases": count,
                         "share": round(count / total, 4) if total else 0.0,
                         "touching": touching.get(theme.id, 0), "_order": order})
    table = pd.DataFrame(rows, columns=["theme_id", "cases", "share", "touching", "_order"])
    table = table.sort_values(["cases", "_order"], ascending=[False, True], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def tally_by(cases: pd.DataFrame, column: str, *,
             taxonomies: Taxonomies | None = None) -> pd.DataFrame:
    """Cases per value of any column (municipality, prefecture, fiscal_year, …), or per
    source_type, target_type or data_category (a case counts once for each of its types).

    Columns: <column>, cases, share (of all cases). Sorted by cases, ties in the column's order
    (text, or taxonomy order for ids); blank cells count as BLANK.
    """
    import pandas as pd

    per_case = dimension_values(cases, column)
    counts: dict = {}
    for values in per_case:
        for value in values if column in TYPE_DIMENSIONS else values[:1]:
            counts[value] = counts.get(value, 0) + 1
    key = value_order(column, taxonomies)
    ordered = sorted(counts, key=lambda v: (-counts[v], key(v)))
    total = len(cases)
    return pd.DataFrame({column: pd.Series(ordered, dtype=object),
                         "cases": pd.Series([counts[v] for v in ordered], dtype="int64"),
                         "share": pd.Series([round(counts[v] / total, 4) if total else 0.0
                                             for v in ordered], dtype=float)})


def theme_cross_table(cases: pd.DataFrame, column: str, taxonomy: Taxonomy) -> pd.DataFrame:
    """Cases per value of `column` (rows) and primary theme (one column per theme id with
    cases, in taxonomy order), then a TOTAL column; rows sorted by total, then value. For a
    kind (source_type, data_category …) a case counts once for each of its kinds."""
    import pandas as pd

    present = set(cases["theme_id"])
    theme_ids = [t.id for t in taxonomy.themes if t.id in present]
    counts: dict = {}
    for values, theme_id in zip(dimension_values(cases, column), cases["theme_id"],
                                strict=True):
        for value in values if column in TYPE_DIMENSIONS else values[:1]:
            row = counts.setdefault(value, dict.fromkeys(theme_ids, 0))
            row[theme_id] += 1
    key = value_order(column, None)
    ordered = sorted(counts, key=lambda v: (-sum(counts[v].values()), key(v)))
    table = pd.DataFrame({column: pd.Series(ordered, dtype=object),
                          **{t: pd.Series([counts[v][t] for v in ordered], dtype="int64")
                             for t in theme_ids}})
    table[TOTAL] = table[theme_ids].sum(axis=1).astype("int64") if theme_ids else 0
    return table


__all__ = ["theme_tally", "tally_by", "theme_cross_table", "BLANK", "TOTAL"]
