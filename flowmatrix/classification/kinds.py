"""Service types and data categories of items, with the same keyword machinery as themes.

Raw service names differ from city to city (クマPAY, 会津コイン, さるぼぼコイン are all a regional
currency): typing every source and target item, and every data item, makes matrices comparable
across municipalities, and the data categories say which flows carry 要配慮個人情報.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..io.inventory import item_column
from ..io.text import normalise, split_items
from .taxonomy import FALLBACK_ID, Taxonomies, Taxonomy

if TYPE_CHECKING:
    import pandas as pd

MIN_ITEM_SCORE = 1.0  # an item scoring less is `other`
# Service names are noun phrases whose head names the service; data items are lists
# (住所・氏名・生年月日), so only service types weigh the head phrase more.
HEAD_WEIGHT = {"service_type": 1.5, "data_category": 1.0, "value_type": 1.0}
# element → (taxonomy kind, column of ids added to the cases, explicit column that wins)
TYPED_ELEMENTS = {
    "source_service": ("service_type", "source_types", "source_service_type"),
    "data": ("data_category", "data_categories", "data_category"),
    "target_service": ("service_type", "target_types", "target_service_type"),
    "linked_service": ("value_type", "value_types", "value_type"),
}
TYPE_COLUMNS = ("source_types", "data_categories", "target_types", "value_types",
                "data_sensitive", "sensitive")
# `themes --kind` values
KIND_OPTION = {"service_type": "service", "data_category": "data", "value_type": "value"}


def type_ids(items: list[str], taxonomy: Taxonomy, *, head_weight: float = 1.0) -> list[str]:
    """The best-scoring entry of `taxonomy` for each item (ties to the earlier entry).

    head_weight: how much more the keywords of the item's head phrase weigh. A Japanese noun
    phrase names what it is last: 市民バスの「車載センサー」, 観光施設に設置した「Wi-Fiセンサ」.
    """
    import numpy as np

    from .matcher import matcher_for

    if not items:
        return []
    hits = matcher_for(taxonomy).match(items)
    weight = hits.weight
    if head_weight != 1.0:
        bounds = np.array([head_phrase(item) for item in items], dtype=np.int64).reshape(-1, 2)
        first, last = bounds[hits.text, 0], bounds[hits.text, 1]
        weight = weight * np.where((hits.end > first) & (hits.start < last), head_weight, 1.0)
    scores = np.zeros((len(items), len(taxonomy.themes)))
    np.add.at(scores, (hits.text, hits.theme), weight)
    best = scores.argmax(axis=1)
    ids = taxonomy.ids
    return [ids[b] if scores[i, b] >= MIN_ITEM_SCORE else FALLBACK_ID
            for i, b in enumerate(best.tolist())]


_HEAD_AFTER = re.compile(r"の|に設置した|に搭載した|に載せた|に配布した|による|を活用した|を使った")


def head_phrase(item: str) -> tuple[int, int]:
    """(start, end) of the head phrase of a service name: after its last の (or に設置した,
    による …) and before a bracketed note: 予約アプリ(KDDI総合研究所) → 予約アプリ."""
    end = item.find("(")
    end = end if end > 0 else len(item)
    start = max((m.end() for m in _HEAD_AFTER.finditer(item, 0, end)), default=0)
    return (start, end) if start < end else (0, end)


def type_items(cases: pd.DataFrame, taxonomies: Taxonomies) -> pd.DataFrame:
    """The cases with source_types, data_categories, target_types and value_types (one id per
    item, aligned with the <element>_items tuples), data_sensitive (per data item: is it
    要配慮個人情報, see sensitive_items) and sensitive (any of them) added.

    An explicit column (source_service_type, data_category, target_service_type, value_type)
    wins: one label per item in the same order, or one label for all items of the cell.

    Each distinct item is typed once, and each distinct cell (with its explicit label) gets
    its tuple once, given to the cases by code.
    """
    import numpy as np

    from ..coded import Items, factorize, first_cases, row_codes, spread

    result = cases.copy(deep=False)  # columns shared; df[c] = … never writes into one
    data_cells = None
    for element, (kind, column, explicit) in TYPED_ELEMENTS.items():
        taxonomy = taxonomies.of_kind(kind)
        cell_codes, cells = factorize(result[item_column(element)])
        items = Items.of(cells)
        typed = np.array(type_ids(items.values, taxonomy, head_weight=HEAD_WEIGHT[kind]),
                         dtype=object)[items.codes].tolist()
        bounds = items.starts.tolist()
        found = [tuple(typed[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        if explicit in result:  # each distinct (cell, label) once
            label_codes, labels = factorize(result[explicit])
            labels = [_label(label) for label in labels]
            combination = row_codes([cell_codes, label_codes])
            first = first_cases(combination)
            cell_codes = cell_codes[first]
            found = [_with_declared(found[cell], labels[label], taxonomy)
                     if labels[label] else found[cell]
                     for cell, label in zip(cell_codes.tolist(),
                                            label_codes[first].tolist(), strict=True)]
            cells = [cells[cell] for cell in cell_codes.tolist()]
            cell_codes = combination
        result[column] = spread(found, cell_codes)
        if element == "data":
            data_cells = (cells, found, cell_codes)
    cells, categories, codes = data_cells
    flags = sensitive_items(cells, categories, taxonomies.data_categories)
    result["data_sensitive"] = spread(flags, codes)
    result["sensitive"] = np.array([any(f) for f in flags], dtype=bool)[codes]
    return result


def _label(value: object) -> str:
    """An explicit column's cell as text: a missing value (None, NaN) is no label."""
    if value.__class__ is str:
        return value
    return "" if value is None or value != value else str(value)


def sensitive_items(items: list[tuple], categories: list[tuple],
                    taxonomy: Taxonomy) -> list[tuple[bool, ...]]:
    """For each case, whether each data item is 要配慮個人情報: its category is sensitive and
    the item is about the content, not only the fact or the plan (the category's
    not_sensitive phrases: 受診の有無, 予防接種の予定 …, unless a sensitive_content word such as
    結果 or 記録 is there too). Judged once per distinct item."""
    weak = {t.id: (t.attribute("not_sensitive", ()), t.attribute("sensitive_content", ()))
            for t in taxonomy.themes if t.attribute("sensitive")}
    done: dict[tuple[str, str], bool] = {}

    def flag(item: str, category: str) -> bool:
        key = (item, category)
        if key not in done:
            text = normalise(item).lower()
            if category not in weak:
                done[key] = False
            else:
                phrases, content = weak[category]
                done[key] = (not any(p in text for p in phrases)
                             or any(w in text for w in content))
        return done[key]

    flags: dict[tuple, tuple[bool, ...]] = {}  # (items, categories) repeat: judged once
    for cell in zip(items, categories, strict=True):
        if cell not in flags:
            flags[cell] = tuple(flag(i, c) for i, c in zip(*cell, strict=True))
    return [flags[cell] for cell in zip(items, categories, strict=True)]


def declared_labels(text: str, taxonomy: Taxonomy) -> list:
    """The entries a type column's cell names: the whole text if it is one label (English
    labels hold a /), else each item of it; None where a label is unknown."""
    whole = taxonomy.find_label(text)
    if whole is not None:
        return [whole]
    return [taxonomy.find_label(label) for label in split_items(text, unique=False)]


def _with_declared(found: tuple[str, ...], text: str, taxonomy: Taxonomy) -> tuple[str, ...]:
    if not text or not found:
        return found
    labels = declared_labels(text, taxonomy)
    if len(labels) == 1 and labels[0] is not None:
        return (labels[0].id,) * len(found)
    if len(labels) == len(found):
        return tuple(lab.id if lab is not None else f for lab, f in zip(labels, found,
                                                                         strict=True))
    return found
