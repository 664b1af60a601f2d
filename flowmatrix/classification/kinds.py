"""Service types and data categories of items, with the same keyword machinery as themes.

Raw service names differ from city to city (クマPAY, 会津コイン, さるぼぼコイン are all a regional
currency): typing every source and target item, and every data item, makes matrices comparable
across municipalities, and the data categories say which flows carry 要配慮個人情報.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..io.inventory import item_column
from ..io.text import split_items
from .taxonomy import FALLBACK_ID, Taxonomy, load_taxonomy

if TYPE_CHECKING:
    import pandas as pd

MIN_ITEM_SCORE = 1.0  # an item scoring less is `other`
# Service names are noun phrases whose head names the service; data items are lists
# (住所・氏名・生年月日), so only service types weigh the head phrase more.
HEAD_WEIGHT = {"service_type": 1.5, "data_category": 1.0}
# element → (taxonomy kind, column of ids added to the cases, explicit column that wins)
TYPED_ELEMENTS = {
    "source_service": ("service_type", "source_types", "source_service_type"),
    "data": ("data_category", "data_categories", "data_category"),
    "target_service": ("service_type", "target_types", "target_service_type"),
}
TYPE_COLUMNS = ("source_types", "data_categories", "target_types", "sensitive")
KIND_OPTION = {"service_type": "service", "data_category": "data"}  # `themes --kind` values


def type_ids(items: list[str], taxonomy: Taxonomy, *, head_weight: float = 1.0) -> list[str]:
    """The best-scoring entry of `taxonomy` for each item (ties to the earlier entry).

    head_weight: how much more the keywords of the item's head phrase weigh. A Japanese noun
    phrase names what it is last: 市民バスの「車載センサー」, 観光施設に設置した「Wi-Fiセンサ」.
    """
    import numpy as np

    from .themes import matcher_for

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


def type_items(cases: pd.DataFrame, service_types: Taxonomy | None = None,
               data_categories: Taxonomy | None = None) -> pd.DataFrame:
    """The cases with source_types, target_types and data_categories (one id per item, aligned
    with the <element>_items tuples) and sensitive (a data item is 要配慮個人情報) added.

    An explicit column (source_service_type, target_service_type, data_category) wins: one
    label per item in the same order, or one label for all items of the cell.
    """
    taxonomies = _taxonomies(service_types, data_categories)
    result = cases.copy()
    for element, (kind, column, explicit) in TYPED_ELEMENTS.items():
        taxonomy = taxonomies[kind]
        items = result[item_column(element)].tolist()
        distinct = list(dict.fromkeys(i for case in items for i in case))
        typed = dict(zip(distinct, type_ids(distinct, taxonomy, head_weight=HEAD_WEIGHT[kind]),
                         strict=True))
        declared = result[explicit].tolist() if explicit in result else [""] * len(items)
        result[column] = [_with_declared(tuple(typed[i] for i in case), text, taxonomy)
                          for case, text in zip(items, declared, strict=True)]
    sensitive = {t.id for t in taxonomies["data_category"].themes if t.attribute("sensitive")}
    result["sensitive"] = [bool(sensitive.intersection(c)) for c in result["data_categories"]]
    # Labels and sensitive ids for matrices and reports, as small plain data: pandas copies
    # attrs on every operation, so whole taxonomies there would make everything slow.
    result.attrs["item_types"] = {
        "labels": {kind: {lang: {t.id: t.label(lang) for t in taxonomy.themes}
                          for lang in ("ja", "en")} for kind, taxonomy in taxonomies.items()},
        "sensitive": sorted(sensitive)}
    return result


def _taxonomies(service_types: Taxonomy | None,
                data_categories: Taxonomy | None) -> dict[str, Taxonomy]:
    """kind → the taxonomy given, or the built-in one."""
    return {"service_type": service_types or load_taxonomy(kind="service_type"),
            "data_category": data_categories or load_taxonomy(kind="data_category")}


def type_labels(typed: pd.DataFrame, kind: str, lang: str) -> dict[str, str]:
    """id → label of the service types or data categories the cases were typed with."""
    known = typed.attrs.get("item_types", {}).get("labels", {}).get(kind)
    if known:
        return known[lang]
    return load_taxonomy(kind=kind).labels(lang)


def sensitive_ids(typed: pd.DataFrame) -> set[str]:
    """The data categories that are 要配慮個人情報, as the cases were typed."""
    known = typed.attrs.get("item_types", {}).get("sensitive")
    if known is not None:
        return set(known)
    return {t.id for t in load_taxonomy(kind="data_category").themes
            if t.attribute("sensitive")}


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


def declared_type_findings(inventory, service_types: Taxonomy | None = None,
                           data_categories: Taxonomy | None = None) -> list:
    """A warning for each cell of an explicit type column (source_service_type, data_category,
    target_service_type) that the keywords had to stand in for: a label the taxonomy does not
    know, or a number of labels that is neither one nor the number of items."""
    from ..findings import Finding

    taxonomies = _taxonomies(service_types, data_categories)
    findings = []
    for element, (kind, _, explicit) in TYPED_ELEMENTS.items():
        if explicit not in inventory.columns:
            continue
        taxonomy = taxonomies[kind]
        where = inventory.headers.get(explicit, explicit)
        cases = inventory.cases
        for row, text, items in zip(cases["row"], cases[explicit], cases[item_column(element)],
                                    strict=True):
            if not text:
                continue
            labels = declared_labels(text, taxonomy)
            if None in labels:  # then the labels are the cell's items, in order
                unknown = list(dict.fromkeys(
                    label for label, entry in zip(split_items(text, unique=False), labels,
                                                  strict=True) if entry is None))
                message = (f"{where}: {'、'.join(unknown)} is not a {kind.replace('_', ' ')} of "
                           f"the taxonomy ({taxonomy.source}); the keywords decide instead. "
                           f"`flowmatrix themes --kind {KIND_OPTION[kind]}` lists them")
            elif len(labels) not in (1, len(items)):
                noun = "item" if len(items) == 1 else "items"
                message = (f"{where}: {len(labels)} labels for {len(items)} {noun}; write one "
                           "label per item in the same order, or one for the whole cell")
            else:
                continue
            findings.append(Finding("warning", "unknown-item-type", message, file=inventory.path,
                                    sheet=inventory.sheet, cell=inventory.cell(explicit, int(row)),
                                    row=int(row), column=explicit))
    return findings


def sensitive_findings(inventory, typed: pd.DataFrame) -> list:
    """A note for each case whose data includes 要配慮個人情報 — a warning when the inventory
    has a consent column (consent, 同意, 同意の有無 … see headers.toml) that is empty for that
    case. An aid to review, not legal advice."""
    from ..findings import Finding

    labels = type_labels(typed, "data_category", "ja")
    sensitive = {i: labels.get(i, i) for i in sensitive_ids(typed)}
    consent = inventory.headers.get("consent")  # the header as written, if the column exists
    if not typed["sensitive"].any():
        return []
    flagged = typed[typed["sensitive"]]
    consents = flagged["consent"].tolist() if "consent" in flagged else [""] * len(flagged)
    findings = []
    for row, data, categories, given in zip(
            flagged["row"].tolist(), flagged[item_column("data")].tolist(),
            flagged["data_categories"].tolist(), consents, strict=True):
        items = [f"{item}（{sensitive[c]}）" for item, c in zip(data, categories, strict=True)
                 if c in sensitive]
        cell = inventory.cell("data", row)
        if consent is not None and not str(given or "").strip():
            findings.append(Finding(
                "warning", "sensitive-without-consent",
                f"the flow carries special care-required personal information (要配慮個人情報: "
                f"{'、'.join(items)}) and the {consent!r} column is empty",
                file=inventory.path, sheet=inventory.sheet, cell=cell, row=row, column="data"))
        else:
            findings.append(Finding(
                "info", "sensitive-flow",
                f"the flow carries special care-required personal information (要配慮個人情報: "
                f"{'、'.join(items)}); check consent and the legal basis",
                file=inventory.path, sheet=inventory.sheet, cell=cell, row=row, column="data"))
    return findings
