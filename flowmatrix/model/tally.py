"""Tallies: how many cases per theme (the DSA's table), per municipality, year or any column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..classification.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    import pandas as pd

BLANK = {"ja": "（空欄）", "en": "(blank)"}


def theme_tally(classified: pd.DataFrame, taxonomy: Taxonomy | None = None, *,
                lang: str = "ja", include_empty: bool = True) -> pd.DataFrame:
    """Cases per primary theme, like the DSA's table.

    Columns: theme_id, theme (label), cases, share (of all cases, 0–1), touching (cases whose
    primary or secondary themes include it). Sorted by cases, ties in taxonomy order; themes
    without cases are kept (cases 0) unless include_empty is False.
    """
    import pandas as pd

    taxonomy = taxonomy or load_taxonomy()
    total = len(classified)
    primary = classified["theme_id"].value_counts()
    touching: dict[str, int] = {}
    for theme_id, secondary in zip(classified["theme_id"], classified["secondary_theme_ids"],
                                   strict=True):
        for touched in {theme_id, *secondary}:
            touching[touched] = touching.get(touched, 0) + 1
    rows = []
    for order, theme in enumerate(taxonomy.themes):
        cases = int(primary.get(theme.id, 0))
        if cases or include_empty:
            rows.append({"theme_id": theme.id, "theme": theme.label(lang), "cases": cases,
                         "share": round(cases / total, 4) if total else 0.0,
                         "touching": touching.get(theme.id, 0), "_order": order})
    table = pd.DataFrame(rows, columns=["theme_id", "theme", "cases", "share", "touching",
                                        "_order"])
    table = table.sort_values(["cases", "_order"], ascending=[False, True], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def tally_by(classified: pd.DataFrame, column: str, *, lang: str = "ja") -> pd.DataFrame:
    """Cases per value of any column (municipality, prefecture, fiscal_year, …), or per
    source_type, target_type or data_category (a case counts once for each of its types; the
    cases must have been typed with itemtypes.type_items).

    Columns: <column>, cases, share (of all cases). Sorted by cases, then value; blank cells
    count as （空欄）/(blank).
    """
    import pandas as pd

    from .matrix import TYPE_DIMENSIONS, dimension_values

    if column in TYPE_DIMENSIONS:  # several per case: a case counts once for each of its types
        per_case = dimension_values(classified, column, None, lang)
        values = pd.Series([v for case in per_case for v in case], dtype=object)
    elif column not in classified:
        raise KeyError(column)
    else:
        values = classified[column].fillna("").astype(str).str.strip().replace("", BLANK[lang])
    counts = values.value_counts()
    table = pd.DataFrame({column: counts.index, "cases": counts.to_numpy()})
    total = len(classified)
    table["share"] = (table["cases"] / total).round(4) if total else 0.0
    table = table.sort_values(["cases", column], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def theme_cross_table(classified: pd.DataFrame, column: str = "municipality",
                      taxonomy: Taxonomy | None = None, *, lang: str = "ja") -> pd.DataFrame:
    """Cases per value of `column` (rows) and primary theme (columns, in taxonomy order, themes
    without cases left out), with a total column; rows sorted by total, then value."""
    import pandas as pd

    taxonomy = taxonomy or load_taxonomy()
    values = classified[column].fillna("").astype(str).str.strip().replace("", BLANK[lang])
    table = pd.crosstab(values, classified["theme_id"])
    present = [t for t in taxonomy.themes if t.id in table.columns]
    table = table[[t.id for t in present]]
    table.columns = [t.label(lang) for t in present]
    table["total" if lang == "en" else "合計"] = table.sum(axis=1)
    table = table.reset_index().rename(columns={"row_0": column, column: column})
    table.columns.name = None
    table = table.sort_values([table.columns[-1], column], ascending=[False, True],
                              kind="stable")
    return table.reset_index(drop=True)
