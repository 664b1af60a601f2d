"""Tallies: how many cases per theme (the DSA's table), per municipality, year or any column —
as ids and counts; the renderers add the words. Counted once per distinct text (or distinct
combination of texts) with its number of cases, so repeated rows cost nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..coded import distinct_rows, factorize_cells
from .dimensions import (
    BLANK,
    TOTAL,
    TYPE_DIMENSIONS,
    CodedCases,
    coded_cases,
    value_order,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..classification.taxonomy import Taxonomies, Taxonomy
    from ..coded import Items


def theme_tally(cases: pd.DataFrame | CodedCases, taxonomy: Taxonomy, *,
                include_empty: bool = True) -> pd.DataFrame:
    """Cases per primary theme, like the DSA's table.

    Columns: theme_id, cases, share (of all cases, 0–1), touching (cases whose primary or
    secondary themes include it). Sorted by cases, ties in taxonomy order; themes without
    cases are kept (cases 0) unless include_empty is False.
    """
    import pandas as pd

    cases = coded_cases(cases)
    total = len(cases.frame)
    primary = cases.frame["theme_id"].value_counts()
    themes, theme_ids = cases.column("theme_id")
    secondary, secondary_ids = factorize_cells(cases.frame["secondary_theme_ids"])
    touching: dict[str, int] = {}
    for theme, others, n in _distinct(themes, secondary):  # once per distinct combination
        for touched in {theme_ids[theme], *secondary_ids[others]}:
            touching[touched] = touching.get(touched, 0) + n
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


def tally_by(cases: pd.DataFrame | CodedCases, column: str, *,
             taxonomies: Taxonomies | None = None) -> pd.DataFrame:
    """Cases per value of any column (municipality, prefecture, fiscal_year, …), or per
    source_type, target_type or data_category (a case counts once for each of its types).

    Columns: <column>, cases, share (of all cases). Sorted by cases, ties in the column's order
    (text, or taxonomy order for ids); blank cells count as BLANK.
    """
    import numpy as np
    import pandas as pd

    cases = coded_cases(cases)
    codes, items = cases.dimension(column)
    texts, values = _counted(items, column)
    per_value = np.bincount(values, np.bincount(codes, minlength=len(items.starts) - 1)[texts],
                            len(items.values)).astype("int64").tolist()
    counts = {items.values[v]: n for v, n in enumerate(per_value) if n}
    key = value_order(column, taxonomies)
    ordered = sorted(counts, key=lambda v: (-counts[v], key(v)))
    total = len(cases.frame)
    return pd.DataFrame({column: pd.Series(ordered, dtype=object),
                         "cases": pd.Series([counts[v] for v in ordered], dtype="int64"),
                         "share": pd.Series([round(counts[v] / total, 4) if total else 0.0
                                             for v in ordered], dtype=float)})


def theme_cross_table(cases: pd.DataFrame | CodedCases, column: str,
                      taxonomy: Taxonomy) -> pd.DataFrame:
    """Cases per value of `column` (rows) and primary theme (one column per theme id with
    cases, in taxonomy order), then a TOTAL column; rows sorted by total, then value. For a
    kind (source_type, data_category …) a case counts once for each of its kinds."""
    import pandas as pd

    cases = coded_cases(cases)
    themes, theme_values = cases.column("theme_id")
    present = set(theme_values)
    theme_ids = [t.id for t in taxonomy.themes if t.id in present]
    codes, items = cases.dimension(column)
    texts, values = _counted(items, column)
    of_text: dict[int, list] = {}
    for text, value in zip(texts.tolist(), values.tolist(), strict=True):
        of_text.setdefault(text, []).append(items.values[value])
    counts: dict = {}
    for text, theme, n in _distinct(codes, themes):  # each distinct (text, theme) once
        for value in of_text.get(text, ()):
            row = counts.setdefault(value, dict.fromkeys(theme_ids, 0))
            row[theme_values[theme]] += n
    key = value_order(column, None)
    ordered = sorted(counts, key=lambda v: (-sum(counts[v].values()), key(v)))
    table = pd.DataFrame({column: pd.Series(ordered, dtype=object),
                          **{t: pd.Series([counts[v][t] for v in ordered], dtype="int64")
                             for t in theme_ids}})
    table[TOTAL] = table[theme_ids].sum(axis=1).astype("int64") if theme_ids else 0
    return table


def _distinct(*columns: np.ndarray) -> zip:
    """(code, code …, cases) of each distinct row of the code columns."""
    _, first, cases = distinct_rows(list(columns))
    return zip(*(c[first].tolist() for c in columns), cases.tolist(), strict=True)


def _counted(items: Items, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(text, value code) of each value a case with that text counts once for: every kind of
    a kind column, the first value of any other (a text without values counts for none)."""
    import numpy as np

    lengths = np.diff(items.starts)
    if column in TYPE_DIMENSIONS:
        return np.repeat(np.arange(len(lengths), dtype="int64"), lengths), items.codes
    texts = np.flatnonzero(lengths)
    return texts, items.codes[items.starts[texts]]


__all__ = ["theme_tally", "tally_by", "theme_cross_table", "BLANK", "TOTAL"]
