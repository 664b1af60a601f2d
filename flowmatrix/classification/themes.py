"""Classify cases by theme from keyword hits, weighted by element, explainably.

One Aho-Corasick automaton holds every keyword of the taxonomy (all overlapping hits are found, so
a longer keyword never hides a shorter one of another theme); the rare regular-expression
patterns run as one combined expression. Texts are matched once per distinct text, and scores
are summed with numpy, so 100,000 cases take a fraction of a second.

Scoring: each element has a weight (④ linked service and ③ target most, then ② data, then the
title, then ① source: a theme follows the purpose of the flow). A keyword hit adds
element weight × keyword weight to its theme. Within one element and theme, a keyword counts
once, and a keyword lying inside a longer hit of the same theme (避難 inside 避難所) does not
count again (the longer keyword weighs at least as much as those inside it). Keywords of other
themes inside a longer hit do count: 健康ポイント is health, and its ポイント is still tourism.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

from ..findings import Finding
from ..io.columns import ELEMENTS
from .taxonomy import FALLBACK_ID, Taxonomy, load_taxonomy

if TYPE_CHECKING:
    import pandas as pd

    from ..io.inventory import Inventory

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
# A declared theme is kept; the keywords "clearly disagree" when their top theme scores at least
# DISAGREE_MIN and at least DISAGREE_RATIO times the declared theme's score.
DISAGREE_MIN = 3.0
DISAGREE_RATIO = 2.0

CLASSIFICATION_COLUMNS = ("theme_id", "theme_source", "keyword_theme_id", "declared_theme_id",
                          "secondary_theme_ids", "score", "scores", "matched_terms")


class Matcher:
    """Every keyword and pattern of a taxonomy, compiled for matching normalised text."""

    def __init__(self, taxonomy: Taxonomy):
        import ahocorasick
        import numpy as np

        self.taxonomy = taxonomy
        words: dict[str, list[tuple[int, float]]] = {}
        patterns: list[tuple[int, float, str]] = []
        for index, theme in enumerate(taxonomy.themes):
            keywords = {t.text: t.weight for t in theme.terms if not t.is_pattern}
            for term in theme.terms:
                if term.is_pattern:
                    patterns.append((index, term.weight, term.text))
                else:
                    # A longer keyword hides the shorter ones of its theme inside it (安否 in
                    # 安否確認), so it weighs at least as much as they do.
                    weight = max([term.weight] + [w for k, w in keywords.items()
                                                  if k != term.text and k in term.text])
                    words.setdefault(term.text, []).append((index, weight))
        self.words = list(words)
        self.word_lengths = np.array([len(w) for w in self.words], dtype=np.int64)
        # A word may belong to several themes: its owners are rows owner_offset[w] ... + count.
        owners = [owner for word in self.words for owner in words[word]]
        self.owner_count = np.array([len(words[w]) for w in self.words], dtype=np.int64)
        self.owner_offset = np.concatenate([[0], np.cumsum(self.owner_count)[:-1]]).astype(np.int64)
        self.owner_theme = np.array([t for t, _ in owners], dtype=np.int64)
        self.owner_weight = np.array([w for _, w in owners], dtype=float)
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for word_id, word in enumerate(self.words):
            self.automaton.add_word(word, word_id)
        if self.words:
            self.automaton.make_automaton()
        self.patterns = [(theme, weight, re.compile(regex), _required_literals(regex))
                         for theme, weight, regex in patterns]

    def match(self, texts: list[str]) -> TextHits:
        """Every hit in every text, deduplicated: within one text and theme a term counts once,
        and a hit inside a longer hit of the same theme does not count."""
        import numpy as np

        # One pass over all texts joined by NUL (which no keyword contains).
        joined = match_text_joined(texts)
        separators = np.flatnonzero(np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32) == 0)
        raw = self.automaton.iter(joined) if self.words else ()
        found = np.fromiter(chain.from_iterable(raw), dtype=np.int64).reshape(-1, 2)
        word = found[:, 1]
        count = self.owner_count[word]
        hit = np.repeat(np.arange(len(word)), count)
        owner = self.owner_offset[word][hit] + (np.arange(len(hit)) - np.repeat(
            np.cumsum(count) - count, count))
        end = found[hit, 0] + 1
        start = end - self.word_lengths[word[hit]]
        theme = self.owner_theme[owner]
        weight = self.owner_weight[owner]
        term_key = word[hit]  # what "the same term" means: the word, or the pattern
        shown = np.array(self.words, dtype=object)[term_key] if len(term_key) else \
            np.array([], dtype=object)
        extra = self._pattern_hits(joined, separators)
        if extra:
            index = np.array([e[2] for e in extra], dtype=np.int64)
            start = np.concatenate([start, [e[0] for e in extra]]).astype(np.int64)
            end = np.concatenate([end, [e[1] for e in extra]]).astype(np.int64)
            theme = np.concatenate([theme, [self.patterns[i][0] for i in index]])
            weight = np.concatenate([weight, [self.patterns[i][1] for i in index]])
            term_key = np.concatenate([term_key, len(self.words) + index])
            shown = np.concatenate([shown, np.array([e[3] for e in extra], dtype=object)])
        text = np.searchsorted(separators, start, side="right")
        n_themes = len(self.taxonomy.themes)
        # Sort by (text, theme, start, longest first); then drop repeats of a term and hits that
        # lie inside an earlier (longer or equal) hit of the same text and theme.
        group = text * n_themes + theme.astype(np.int64)
        order = np.lexsort((-(end - start), start, group))
        group, start, end = group[order], start[order], end[order]
        theme, weight, text = theme[order], weight[order], text[order]
        term_key, shown = term_key[order], shown[order]
        span = int(end.max()) + 1 if len(end) else 1
        value = group * span + end
        previous = np.concatenate([[-1], np.maximum.accumulate(value)[:-1]])
        outside = np.flatnonzero(previous < value)
        n_keys = len(self.words) + len(self.patterns)
        _, first = np.unique(group[outside] * n_keys + term_key[outside], return_index=True)
        kept = outside[np.sort(first)]
        # Back to reading order within each text.
        kept = kept[np.lexsort((theme[kept], start[kept], text[kept]))]
        text_start = np.concatenate([[0], separators + 1])[text[kept]]
        return TextHits(len(texts), n_themes, text[kept], theme[kept], weight[kept],
                        shown[kept].tolist(), start[kept] - text_start, end[kept] - text_start)


    def _pattern_hits(self, joined: str, separators) -> list[tuple[int, int, int, str]]:
        """Pattern hits: each pattern runs only on the texts that hold a literal it requires
        (found with str.find), so a few patterns cost little on 100,000 texts."""
        import numpy as np

        found = []
        bounds = np.concatenate([[-1], separators, [len(joined)]])
        for index, (_, _, pattern, literals) in enumerate(self.patterns):
            if literals is None:
                texts = range(len(bounds) - 1)
            else:
                positions = []
                for literal in literals:
                    at = joined.find(literal)
                    while at >= 0:
                        positions.append(at)
                        at = joined.find(literal, at + 1)
                texts = np.unique(np.searchsorted(separators, positions, side="right")).tolist()
            for text in texts:  # each text on its own, so ^ and $ are its start and end
                first, last = int(bounds[text]) + 1, int(bounds[text + 1])
                found.extend((first + m.start(), first + m.end(), index, m.group(0))
                             for m in pattern.finditer(joined[first:last])
                             if m.end() > m.start())
        return found


def _required_literals(regex: str) -> list[str] | None:
    """Literal strings one of which every match of `regex` contains, or None if unknown:
    "(?<![a-z])bus(es)?" → ["bus"], "安全・?安心|安心・?安全" → ["安心", "安全"]."""
    try:
        from re import _parser as parser  # the stdlib's own regex parser

        parsed = list(parser.parse(regex))
    except Exception:  # noqa: BLE001 - an optimisation only: fall back to scanning every text
        return None
    return _literals_of(parsed)


def _literals_of(items: list) -> list[str] | None:
    from re import _constants as c

    if len(items) == 1 and items[0][0] is c.BRANCH:
        result: list[str] = []
        for branch in items[0][1][1]:
            found = _literals_of(list(branch))
            if not found:
                return None
            result += found
        return result
    if len(items) == 1 and items[0][0] is c.SUBPATTERN:
        return _literals_of(list(items[0][1][-1]))
    best, run = "", ""
    for op, argument in items:
        run = run + chr(argument) if op is c.LITERAL else ""
        best = max(best, run, key=len)
    return [best] if best else None


@dataclass
class TextHits:
    """The hits of a list of texts, as parallel arrays in reading order within each text."""

    n_texts: int
    n_themes: int
    text: object  # numpy int array: index of the text
    theme: object  # numpy int array: index of the theme
    weight: object  # numpy float array
    term: list[str]
    start: object = None  # numpy int arrays: where each hit starts and ends in its text
    end: object = None

    def scores(self):
        import numpy as np

        matrix = np.zeros((self.n_texts + 1, self.n_themes))  # last row: no text
        np.add.at(matrix, (self.text, self.theme), self.weight)
        return matrix

    def terms_by_text(self, ids: list[str]) -> list[tuple[tuple[str, str], ...]]:
        import numpy as np

        bounds = np.searchsorted(self.text, np.arange(self.n_texts + 1), side="left")
        pairs = list(zip(self.term, [ids[t] for t in self.theme.tolist()], strict=True))
        return [tuple(pairs[a:b]) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                                   strict=True)]


def match_text_joined(texts: list[str]) -> str:
    """All texts in matching form (NFKC, spaces collapsed, lower case), joined by NUL."""
    is_normalized, normalize = unicodedata.is_normalized, unicodedata.normalize
    # Text by text: most texts pass the quick check in C, and normalising one huge string
    # would take the slow path for all of it as soon as one character needs it.
    joined = "\x00".join(t if is_normalized("NFKC", t) else normalize("NFKC", t)
                         for t in (t.replace("\x00", " ") for t in texts))
    return _SPACES.sub(" ", joined).lower()


_SPACES = re.compile(r"[^\S\x00]+")


@lru_cache(maxsize=8)
def matcher_for(taxonomy: Taxonomy) -> Matcher:
    return Matcher(taxonomy)


def classify(inventory: Inventory | pd.DataFrame, taxonomy: Taxonomy | None = None, *,
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
    import pandas as pd

    cases = inventory if isinstance(inventory, pd.DataFrame) else inventory.cases
    taxonomy = taxonomy or load_taxonomy()
    matcher = matcher_for(taxonomy)
    ids = taxonomy.ids
    fallback = ids.index(FALLBACK_ID)
    n_cases, n_themes = len(cases), len(ids)

    # Match every distinct text once, whichever element it is in.
    present = [e for e in ELEMENT_WEIGHTS if e in cases]
    columns = {e: cases[e].fillna("").astype(str) for e in present}
    codes_of, found_of, uniques = {}, {}, {}
    for element in present:
        codes_of[element], found = pd.factorize(columns[element], sort=False)
        found_of[element] = found.tolist()
        for text in found_of[element]:
            uniques.setdefault(text, len(uniques))
    texts = list(uniques)
    hits = matcher.match(texts)
    text_scores = hits.scores()
    terms_of_text = hits.terms_by_text(ids)
    scores = np.zeros((n_cases, n_themes))
    leads = np.zeros((n_cases, n_themes), dtype=bool)  # the theme leads one of the 4 elements
    element_codes = {}
    for element in present:
        to_text = np.array([uniques[t] for t in found_of[element]] + [len(texts)],
                           dtype=np.int64)
        codes = to_text[codes_of[element]]  # -1 (missing) becomes the empty last row
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

    terms_of_text.append(())
    matched = [()] * n_cases
    for element in present:
        codes = element_codes[element]
        labelled = {code: tuple((element, term, theme) for term, theme in terms_of_text[code])
                    for code in np.unique(codes).tolist() if terms_of_text[code]}
        if labelled:
            matched = [m + labelled[c] if c in labelled else m
                       for m, c in zip(matched, codes.tolist(), strict=True)]

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


def _declared_theme_indexes(cases: pd.DataFrame, taxonomy: Taxonomy):
    import numpy as np

    if "theme" not in cases:
        return np.full(len(cases), -1)
    ids = taxonomy.ids
    lookup: dict[str, int] = {}
    for label in cases["theme"].fillna("").astype(str).unique():
        theme = taxonomy.find_label(label) if label.strip() else None
        lookup[label] = ids.index(theme.id) if theme else -1
    return np.array([lookup[label] for label in cases["theme"].fillna("").astype(str)], dtype=int)


def disagreement_findings(inventory: Inventory, classified: pd.DataFrame,
                          taxonomy: Taxonomy | None = None, lang: str = "ja") -> list[Finding]:
    """A warning for each case whose declared theme the keywords clearly contradict."""
    taxonomy = taxonomy or load_taxonomy()
    findings = []
    rows = classified[classified["declared_theme_id"].notna()
                      & (classified["keyword_theme_id"] != classified["declared_theme_id"])]
    for _, case in rows.iterrows():
        scores = case["scores"]
        keyword_score = scores.get(case["keyword_theme_id"], 0.0)
        declared_score = scores.get(case["declared_theme_id"], 0.0)
        if keyword_score < DISAGREE_MIN or keyword_score < DISAGREE_RATIO * declared_score:
            continue
        declared = taxonomy.get(case["declared_theme_id"]).label(lang)
        keyword = taxonomy.get(case["keyword_theme_id"]).label(lang)
        terms = ", ".join(term for _, term, theme in case["matched_terms"]
                          if theme == case["keyword_theme_id"])
        row = int(case["row"])
        findings.append(Finding(
            "warning", "theme-disagrees",
            f"the theme column says {declared}, but the keywords point to {keyword} "
            f"(score {keyword_score:g} vs {declared_score:g}: {terms}); the declared theme is "
            "kept — check it, or use --ignore-declared",
            file=inventory.path, sheet=inventory.sheet, cell=inventory.cell("theme", row),
            row=row, column="theme"))
    return findings


ELEMENT_MARKS = {"title": "title", "source_service": "①", "data": "②", "target_service": "③",
                 "linked_service": "④"}  # in reading order; explanations list ④ first


RECORD_SOURCE_COLUMNS = ("case_id", "file", "sheet", "row", "municipality", "title", *ELEMENTS,
                         "theme_id", "theme_source", "theme", "secondary_theme_ids", "score",
                         "scores", "matched_terms")


def case_records(classified: pd.DataFrame, taxonomy: Taxonomy | None = None,
                 lang: str = "ja") -> Iterator[dict]:
    """One plain dict per classified case, with stable keys, for JSON and CSV output. A
    generator, so 100,000 cases can be written without holding every record at once."""
    taxonomy = taxonomy or load_taxonomy()
    labels = taxonomy.labels(lang)
    columns = [classified[c].tolist() for c in RECORD_SOURCE_COLUMNS]
    for (case_id, file, sheet, row, municipality, title, source, data, target, linked,
         theme_id, theme_source, declared, secondary, score, scores,
         matched) in zip(*columns, strict=True):
        yield {
            "case_id": case_id,
            "file": file,
            "sheet": sheet or None,
            "row": int(row),
            "municipality": municipality,
            "title": title,
            "source_service": source, "data": data, "target_service": target,
            "linked_service": linked,
            "theme_id": theme_id,
            "theme": labels[theme_id],
            "theme_source": theme_source,
            "declared_theme": declared,
            "secondary_theme_ids": list(secondary),
            "secondary_themes": [labels[t] for t in secondary],
            "score": float(score),
            "scores": scores,
            "matched_terms": [{"element": element, "term": term, "theme_id": theme}
                              for element, term, theme in matched],
        }


def explain_terms(matched_terms: tuple, taxonomy: Taxonomy, lang: str = "ja",
                  separator: str = "; ") -> str:
    """Matched terms grouped by element and theme, in element order:
    "④ 避難行動支援 → 防災／防犯; ③ 防災アプリ → 防災／防犯"."""
    labels = taxonomy.labels(lang)
    grouped: dict[tuple[str, str], list[str]] = {}
    for element, term, theme in matched_terms:
        grouped.setdefault((element, theme), []).append(term)
    ordered = sorted(grouped.items(), key=lambda item: _ELEMENT_ORDER.get(item[0][0], -1),
                     reverse=True)
    return separator.join(f"{ELEMENT_MARKS.get(element, element)} {', '.join(terms)} → "
                          f"{labels[theme]}" for (element, theme), terms in ordered)


_ELEMENT_ORDER = {element: i for i, element in enumerate(ELEMENT_MARKS)}


__all__ = ["classify", "disagreement_findings", "case_records", "ELEMENT_WEIGHTS"]
