"""Classify cases by theme from keyword hits, weighted by element, explainably.

Every distinct text is matched once by the taxonomy's automaton (matcher.py), and scores are
summed with numpy, so 100,000 cases take a fraction of a second.

Scoring: each element has a weight (④ linked service and ③ target most, then ② data, then the
title, then ① source: a theme follows the purpose of the flow). A keyword hit adds
element weight × keyword weight to its theme. Within one element and theme, a keyword counts
once, and a keyword lying inside a longer hit of the same theme (避難 inside 避難所) does not
count again (the longer keyword weighs at least as much as those inside it). Keywords of other
themes inside a longer hit do count: 健康ポイント is health, and its ポイント is still tourism.
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING

from ..io.columns import ELEMENTS
from .matcher import matcher_for
from .taxonomy import FALLBACK_ID, Taxonomy

if TYPE_CHECKING:
    import pandas as pd

# The elements (and title) that are scored, with their weights.
ELEMENT_WEIGHTS = {
    "linked_service": 4.0,
    "target_service": 3.0,
    "data": 2.0,
    "title": 1.5,
    "source_service": 1.0,
}
MIN_SCORE = 1.0  # below this, a case matches nothing: `other`
SECONDARY_RATIO = 0.5  # another theme scoring at least this share of the top score is secondary
MAX_SECONDARY = 3

CLASSIFICATION_COLUMNS = ("theme_id", "theme_source", "keyword_theme_id", "declared_theme_id",
                          "secondary_theme_ids", "score", "scores", "matched_terms")


def classify_themes(cases: pd.DataFrame, taxonomy: Taxonomy, *,
                    ignore_declared: bool = False) -> pd.DataFrame:
    """The cases with theme columns added.

    theme_id: the primary theme (the declared one where the theme column names a known theme,
    unless ignore_declared); theme_source: "declared" or "keywords"; keyword_theme_id: the theme
    the keywords point to; declared_theme_id: the theme the theme column names (or None);
    secondary_theme_ids: other themes scoring at least half the top score, or leading one of the
    four elements (cross-domain flows), highest score first; score: the keyword
    score of the primary theme; scores: {theme_id: score} for every theme with hits;
    matched_terms: ((element, term, theme_id), ...) in element order.
    """
    import numpy as np

    matcher = matcher_for(taxonomy)
    ids = taxonomy.ids
    fallback = ids.index(FALLBACK_ID)
    n_cases, n_themes = len(cases), len(ids)

    # Match every distinct text once, whichever element it is in: each case's text becomes
    # the code of its text (a dict lookup per cell; pandas would copy the column to Arrow).
    present = [e for e in ELEMENT_WEIGHTS if e in cases]
    uniques: dict[str, int] = {}
    codes_of = {}
    for element in present:
        codes_of[element] = np.fromiter(
            (uniques.setdefault(text, len(uniques)) for text in map(_cell, cases[element])),
            dtype=np.int64, count=n_cases)
    texts = list(uniques)
    hits = matcher.match(texts)
    text_scores = hits.scores()
    terms_of_text = hits.terms_by_text(ids)
    scores = np.zeros((n_cases, n_themes))
    leads = np.zeros((n_cases, n_themes), dtype=bool)  # the theme leads one of the 4 elements
    element_codes = {}
    for element in present:
        codes = codes_of[element]
        element_scores = text_scores[codes]
        scores += ELEMENT_WEIGHTS[element] * element_scores
        if element in ELEMENTS:
            best_in_element = element_scores.max(axis=1, keepdims=True)
            leads |= (element_scores == best_in_element) & (element_scores > 0)
        element_codes[element] = codes
    scores = np.round(scores, 6)

    # The keywords' own verdict: highest score, ties to the earlier theme; too little is `other`.
    best = scores.argmax(axis=1) if n_themes else np.zeros(n_cases, dtype=int)
    top = scores[np.arange(n_cases), best] if n_cases else np.zeros(0)
    keyword_theme = np.where(top >= MIN_SCORE, best, fallback)

    declared = _declared_theme_indexes(cases, taxonomy) if not ignore_declared else \
        np.full(n_cases, -1)
    use_declared = (declared >= 0) & (not ignore_declared)
    primary = np.where(use_declared, declared, keyword_theme)

    # Secondary: close to the top score, or leading one of the four elements (a cross-domain
    # flow: バス利用履歴 + 健康状態 → 避難計画 is 防災 with モビリティ and 健康 secondary).
    threshold = np.maximum(MIN_SCORE, SECONDARY_RATIO * top)
    candidate = (scores >= threshold[:, None]) | (leads & (scores >= MIN_SCORE))
    candidate[np.arange(n_cases), primary] = False
    candidate[:, fallback] = False
    secondary = [()] * n_cases
    with_any = np.flatnonzero(candidate.any(axis=1))  # most cases have no secondary theme
    if len(with_any):
        sub = candidate[with_any]
        ranked = np.argsort(np.where(sub, -scores[with_any], np.inf), axis=1, kind="stable")
        ranked = ranked[:, :MAX_SECONDARY]
        ranked = np.where(np.take_along_axis(sub, ranked, axis=1), ranked, -1)
        combinations, which = np.unique(ranked, axis=0, return_inverse=True)
        as_ids = [tuple(ids[j] for j in row if j >= 0) for row in combinations.tolist()]
        for i, k in zip(with_any.tolist(), which.ravel().tolist(), strict=True):
            secondary[i] = as_ids[k]

    # A case's terms, element by element: built once per distinct combination of texts.
    labelled = [{code: tuple((element, term, theme) for term, theme in terms_of_text[code])
                 for code in np.unique(element_codes[element]).tolist() if terms_of_text[code]}
                for element in ELEMENT_WEIGHTS if element in element_codes]
    combined: dict[tuple, tuple] = {}
    matched = []
    for key in zip(*(element_codes[e].tolist() for e in ELEMENT_WEIGHTS if e in element_codes),
                   strict=True):
        terms = combined.get(key)
        if terms is None:
            terms = combined[key] = tuple(chain.from_iterable(
                found[code] for found, code in zip(labelled, key, strict=True) if code in found))
        matched.append(terms)
    if not element_codes:
        matched = [()] * n_cases

    result = cases.copy()
    result["theme_id"] = [ids[j] for j in primary]
    result["theme_source"] = np.where(use_declared, "declared", "keywords")
    result["keyword_theme_id"] = [ids[j] for j in keyword_theme]
    result["declared_theme_id"] = [ids[j] if j >= 0 else None for j in declared]
    result["secondary_theme_ids"] = secondary
    result["score"] = np.round(scores[np.arange(n_cases), primary], 2) if n_cases else []
    rounded = np.round(scores, 2)
    by_case: list[dict[str, float]] = [{} for _ in range(n_cases)]
    rows, columns = np.nonzero(rounded)
    for i, j, value in zip(rows.tolist(), columns.tolist(), rounded[rows, columns].tolist(),
                           strict=True):
        by_case[i][ids[j]] = value
    result["scores"] = by_case
    result["matched_terms"] = matched
    return result


def _cell(value: object) -> str:
    """A cell as the text matched: missing values are empty."""
    if value.__class__ is str:
        return value
    return "" if value is None or value != value else str(value)


def _declared_theme_indexes(cases: pd.DataFrame, taxonomy: Taxonomy):
    import numpy as np

    if "theme" not in cases:
        return np.full(len(cases), -1)
    ids = taxonomy.ids
    labels = [_cell(label) for label in cases["theme"].tolist()]
    lookup: dict[str, int] = {}
    for label in dict.fromkeys(labels):
        theme = taxonomy.find_label(label) if label.strip() else None
        lookup[label] = ids.index(theme.id) if theme else -1
    return np.array([lookup[label] for label in labels], dtype=int)
