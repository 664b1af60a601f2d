"""Classify cases by theme from keyword hits, weighted by element, explainably.

Every distinct text is matched once by the taxonomy's trie (matcher.py), and scores are
summed with numpy, so 100,000 cases take a fraction of a second.

Scoring: each element has a weight (④ linked service and ③ target most, then ② data, then the
title, then ① source: a theme follows the purpose of the flow). A keyword hit adds
element weight × keyword weight to its theme. Within one element and theme, a keyword counts
once, and a keyword lying inside a longer hit of the same theme (避難 inside 避難所) does not
count again (the longer keyword weighs at least as much as those inside it). Keywords of other
themes inside a longer hit do count: 健康ポイント is health, and its ポイント is still tourism.
"""

from __future__ import annotations

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

    Everything is worked out once per distinct combination of a case's texts and declared
    theme (an inventory repeats them), as numpy rows, and given to the cases by code.
    """
    import numpy as np
    import pandas as pd

    from ..coded import first_cases, row_codes, spread

    ids = taxonomy.ids
    fallback = ids.index(FALLBACK_ID)
    n_themes = len(ids)

    # Every distinct text is matched once, whichever element it is in.
    present = [element for element in ELEMENT_WEIGHTS if element in cases]
    texts: dict[str, int] = {}
    text_codes = [_text_codes(cases[element], texts) for element in present]
    declared_codes = np.full(len(cases), -1, dtype=np.int64) if ignore_declared else \
        _declared_theme_indexes(cases, taxonomy)
    combination = row_codes([*text_codes, declared_codes])
    first = first_cases(combination)
    rows = dict(zip(present, (codes[first] for codes in text_codes), strict=True))
    declared = declared_codes[first]
    n = len(first)
    del text_codes, declared_codes
    hits = matcher_for(taxonomy).match(list(texts))
    # each step frees what the next ones do not need: at 100,000 distinct cases classifying
    # peaked at 162 MB of Python objects with all of them alive to the end, now 78 MB
    del texts
    scores, leads = _scores(hits.scores(), rows, n, n_themes)

    # The keywords' own verdict: highest score, ties to the earlier theme; too little is `other`.
    best = scores.argmax(axis=1) if n_themes else np.zeros(n, dtype=int)
    top = scores[np.arange(n), best] if n else np.zeros(0)
    keyword_theme = np.where(top >= MIN_SCORE, best, fallback)
    use_declared = declared >= 0
    primary = np.where(use_declared, declared, keyword_theme)
    secondary = _secondary(scores, leads, top, primary, fallback, ids)
    del leads
    matched = _matched_terms(hits, rows, n, ids)
    del hits, rows
    score_codes, by_scores = _score_dicts(scores, ids)

    result = cases.copy(deep=False)  # columns shared; df[c] = … never writes into one
    theme_ids = np.array(ids + [None], dtype=object)  # declared -1: None
    # object columns of the taxonomy's own strings: pandas 3 would store each id again per
    # case as Arrow text (16 MB a column at 1,000,000 cases), and make a new string per case
    # on every .tolist()
    for column, values in (
            ("theme_id", theme_ids[primary]),
            ("theme_source", np.array(["keywords", "declared"], dtype=object)[
                use_declared.astype(np.int8)]),
            ("keyword_theme_id", theme_ids[keyword_theme]),
            ("declared_theme_id", theme_ids[declared])):
        result[column] = pd.Series(values[combination], index=result.index, dtype=object)
    result["secondary_theme_ids"] = spread(secondary, combination)
    result["score"] = np.round(scores[np.arange(n), primary], 2)[combination] if n else []
    result["scores"] = spread(by_scores, score_codes[combination])
    result["matched_terms"] = spread(matched, combination)
    return result


def _scores(text_scores, rows: dict, n: int, n_themes: int) -> tuple:
    """Each combination's score per theme (element weight × keyword weight, summed, rounded
    to 6 places), and whether the theme leads one of the four elements."""
    import numpy as np

    scores = np.zeros((n, n_themes))
    leads = np.zeros((n, n_themes), dtype=bool)
    for element, codes in rows.items():
        element_scores = text_scores[codes]
        scores += ELEMENT_WEIGHTS[element] * element_scores
        if element in ELEMENTS:
            best_in_element = element_scores.max(axis=1, keepdims=True)
            leads |= (element_scores == best_in_element) & (element_scores > 0)
    return np.round(scores, 6), leads


def _secondary(scores, leads, top, primary, fallback: int, ids: list[str]) -> list[tuple]:
    """Secondary themes: close to the top score, or leading one of the four elements (a
    cross-domain flow: バス利用履歴 + 健康状態 → 避難計画 is 防災 with モビリティ and 健康
    secondary), highest score first."""
    import numpy as np

    n = len(scores)
    threshold = np.maximum(MIN_SCORE, SECONDARY_RATIO * top)
    candidate = (scores >= threshold[:, None]) | (leads & (scores >= MIN_SCORE))
    candidate[np.arange(n), primary] = False
    candidate[:, fallback] = False
    secondary = [()] * n
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
    return secondary


def _matched_terms(hits, rows: dict, n: int, ids: list[str]) -> list[tuple]:
    """A combination's terms, element by element: a text's terms are a slice of its hits, and
    each (element, term, theme) is built once and shared by every hit of it."""
    import numpy as np

    from ..coded import spread

    pair_of_hit, pairs = _term_pairs(hits)
    labelled = []
    for element, codes in rows.items():
        used = np.unique(codes)
        mine = np.zeros(hits.n_texts + 1, dtype=bool)
        mine[used] = True
        of_mine = np.flatnonzero(mine[hits.text])  # the hits of this element's texts
        flat = spread([(element, term, ids[theme]) for term, theme in pairs],
                      pair_of_hit[of_mine]).tolist()
        bounds = np.searchsorted(hits.text[of_mine], used, side="left").tolist() + [len(flat)]
        found = [()] * (hits.n_texts + 1)
        for code, start, end in zip(used.tolist(), bounds[:-1], bounds[1:], strict=True):
            found[code] = tuple(flat[start:end])
        labelled.append(spread(found, codes))
    return [sum(parts, ()) for parts in zip(*labelled, strict=True)] if labelled else [()] * n


def _score_dicts(scores, ids: list[str]) -> tuple:
    """({theme_id: score} rounded to 2 places, for every theme with hits) of each row of
    `scores`, as (a code per row, the distinct dicts): rows with the same scores share one
    dict (100,000 cases with distinct texts have 30,000 distinct score rows)."""
    import numpy as np

    from ..coded import factorize_keys, first_cases, row_codes

    rounded = np.round(scores, 2)
    bits = (rounded + 0.0).view(np.int64)  # exact for any float (+ 0.0: -0.0 is 0.0)
    codes = row_codes([factorize_keys(column)[0] for column in bits.T]) if len(ids) \
        else np.zeros(len(scores), dtype=np.int64)
    distinct = rounded[first_cases(codes)]
    hit_rows, hit_columns = np.nonzero(distinct)
    names = np.array(ids, dtype=object)[hit_columns].tolist()
    values = distinct[hit_rows, hit_columns].tolist()
    bounds = np.searchsorted(hit_rows, np.arange(len(distinct) + 1)).tolist()
    return codes, [dict(zip(names[a:b], values[a:b], strict=True))
                   for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _term_pairs(hits) -> tuple:
    """(the code of each hit's (term, theme), the distinct (term, theme index) pairs)."""
    from ..coded import factorize, factorize_keys

    term_codes, terms = factorize(hits.term)
    pair_of_hit, pair_keys = factorize_keys(term_codes * hits.n_themes + hits.theme)
    pairs = [(terms[key // hits.n_themes], key % hits.n_themes) for key in pair_keys.tolist()]
    return pair_of_hit, pairs


def _text_codes(column, texts: dict[str, int]):
    """Each case's text as a code into `texts` (which grows): the column is factorized first,
    so the Python work is per distinct value (column by column: smaller tables, faster)."""
    import numpy as np

    from ..coded import factorize

    codes, values = factorize(column)
    known = np.fromiter((texts.setdefault(_cell(v), len(texts)) for v in values),
                        dtype=np.int64, count=len(values))
    return known[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _cell(value: object) -> str:
    """A cell as the text matched: missing values are empty."""
    if value.__class__ is str:
        return value
    return "" if value is None or value != value else str(value)


def _declared_theme_indexes(cases: pd.DataFrame, taxonomy: Taxonomy):
    """Each case's declared theme as an index into taxonomy.ids, -1 where none is known;
    each distinct label is looked up once."""
    import numpy as np

    from ..coded import factorize

    if "theme" not in cases:
        return np.full(len(cases), -1, dtype=np.int64)
    ids = taxonomy.ids
    codes, labels = factorize(cases["theme"])
    found = [taxonomy.find_label(label) if label.strip() else None
             for label in map(_cell, labels)]
    index = np.array([ids.index(theme.id) if theme else -1 for theme in found], dtype=np.int64)
    return index[codes] if len(codes) else np.zeros(0, dtype=np.int64)
