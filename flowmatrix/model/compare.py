"""What changed between two versions of an inventory: cases matched, their changes, and what
the changes mean (themes, typed flows, municipalities) — as ids and values, never words.

A case of the new version is the same case as one of the old version when
  1. both carry the same key (the case id column, or --key) — rule "id"; else
  2. their title and four elements, normalised (NFKC, spaces collapsed), are alike enough
     (difflib's ratio over the five texts at least `threshold`) — rule "content". This finds
     a case whose id was renumbered, or an inventory without ids.
Matched cases are `changed` (with the fields that differ) or `same`; the rest are `added` or
`removed`. A batch is compared file by file (files paired by name): a case never matches a
case of another file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from itertools import product
from typing import TYPE_CHECKING

from ..io.columns import ELEMENTS
from ..io.text import normalise
from ..settings import SIMILARITY_THRESHOLD, Settings
from .dimensions import value_order

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies

KINDS = ("added", "removed", "changed", "same")
RULES = ("id", "content")
CONTENT_FIELDS = ("title", *ELEMENTS)  # what rule "content" compares
TYPE_FIELDS = ("source_types", "data_categories", "target_types", "value_types")
# The fields a changed case is compared on (besides its key), in report order.
FIELDS = ("municipality", "title", *ELEMENTS, "theme", *TYPE_FIELDS)
# --fail-on: a kind of case, or a change of one field; "id-changed" is a changed key.
FAIL_ON = ("added", "removed", "changed", "theme-changed", "id-changed")
# Above this many pairs of unmatched cases (old × new) in one file (about two seconds of
# difflib), an old case is compared by content only with the CANDIDATES new cases sharing the
# most of its items or its title; an item more than COMMON new cases share is not telling.
ALL_PAIRS_LIMIT = 10_000
CANDIDATES = 8
COMMON = 200


@dataclass(frozen=True)
class Case:
    """One case as the comparison sees it: where it is, its key, and its compared values
    (text as written, trimmed; kinds as tuples of ids; theme as an id)."""

    file: str  # the file's name
    sheet: str | None
    row: int
    key: str  # the key's text as written ("" when the case has none)
    values: dict
    theme_source: str
    matched_terms: tuple


@dataclass(frozen=True)
class CaseChange:
    """A case added, removed, changed or the same; `fields`: what differs (key first)."""

    kind: str
    file: str  # the name the two versions' files were paired by
    old: Case | None
    new: Case | None
    rule: str | None = None  # how old and new were paired: "id" or "content"
    similarity: float | None = None  # for rule "content": the ratio of the five texts
    fields: tuple[str, ...] = ()


@dataclass
class Comparison:
    """Two versions compared. Every renderer reads only this."""

    old_name: str
    new_name: str
    key: str | None  # the column cases were matched by (None: content only)
    files: list[tuple[str, str | None, str | None]]  # (pair name, old file, new file)
    cases: list[CaseChange]
    theme_tally: list[dict]  # theme_id, old, new, difference, old_share, new_share, share_change
    # "new"/"vanished" → source_type, data_category, target_type, cases
    flows: dict[str, list[dict]]
    municipalities: dict[str, list[dict]]  # "joined"/"left" → municipality, cases
    old_cases: int
    new_cases: int
    taxonomies: Taxonomies
    settings: Settings
    threshold: float = SIMILARITY_THRESHOLD
    counts: dict[str, int] = field(default_factory=dict)
    sources: tuple = ()  # the files read (paths), so a report is never written over one

    def of_kind(self, kind: str) -> list[CaseChange]:
        return [c for c in self.cases if c.kind == kind]

    @property
    def theme_moves(self) -> list[CaseChange]:
        """Matched cases whose theme changed."""
        return [c for c in self.cases if "theme" in c.fields]

    def triggered(self, fail_on: tuple[str, ...]) -> list[str]:
        """The --fail-on conditions that occur."""
        found = {kind for kind in ("added", "removed", "changed") if self.counts[kind]}
        if self.theme_moves:
            found.add("theme-changed")
        if self.key and any(self.key in c.fields for c in self.cases):
            found.add("id-changed")
        return [condition for condition in fail_on if condition in found]


def compare_cases(pairs: list[tuple[str, pd.DataFrame | None, pd.DataFrame | None]],
                  taxonomies: Taxonomies, settings: Settings, *, key: str | None = "case_id",
                  threshold: float = SIMILARITY_THRESHOLD, old_name: str = "old",
                  new_name: str = "new",
                  files: list[tuple[str, str | None, str | None]] | None = None) -> Comparison:
    """Compare classified cases (pipeline.classify), file by file.

    pairs: (name, old cases, new cases) for each file name, None where a version lacks the
    file. key: the column matched by rule "id" (used in a file only when both versions have
    it); None matches by content only."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if files is None:
        files = [(n, None if o is None else n, None if w is None else n) for n, o, w in pairs]
    changes: list[CaseChange] = []
    old_all: list[Case] = []
    new_all: list[Case] = []
    for (name, old_frame, new_frame), (_, old_file, new_file) in zip(pairs, files,
                                                                     strict=True):
        usable = key if all(f is not None and key in f for f in (old_frame, new_frame)) \
            else None
        old = _cases(old_frame, old_file, usable)
        new = _cases(new_frame, new_file, usable)
        old_all += old
        new_all += new
        changes += _match(name, old, new, usable, threshold)
    order = {kind: i for i, kind in enumerate(KINDS)}
    changes.sort(key=lambda c: (order[c.kind], c.file, (c.old or c.new).row))
    counts = {kind: sum(c.kind == kind for c in changes) for kind in KINDS}
    return Comparison(
        old_name, new_name, key, files, changes, _theme_tally(old_all, new_all, taxonomies),
        _flows(old_all, new_all, taxonomies), _municipalities(old_all, new_all),
        len(old_all), len(new_all), taxonomies, settings, threshold, counts)


def _text(value: object) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    return str(value).strip()


def _cases(frame: pd.DataFrame | None, name: str, key: str | None) -> list[Case]:
    if frame is None:
        return []
    n = len(frame)

    def column(name: str) -> list:
        return frame[name].tolist() if name in frame else [None] * n

    texts = {f: [_text(v) for v in column(f)] for f in ("municipality", *CONTENT_FIELDS)}
    kinds = {f: [tuple(dict.fromkeys(ids or ())) for ids in column(f)] for f in TYPE_FIELDS}
    keys = [_text(v) for v in column(key)] if key else [""] * n
    return [Case(name, sheet, int(row), keys[i],
                 {**{f: texts[f][i] for f in texts}, "theme": theme,
                  **{f: kinds[f][i] for f in kinds}},
                 _text(source), tuple(tuple(t) for t in terms or ()))
            for i, (sheet, row, theme, source, terms) in enumerate(zip(
                column("sheet"), column("row"), column("theme_id"), column("theme_source"),
                column("matched_terms"), strict=True))]


def _same(field_id: str, old: object, new: object) -> bool:
    if field_id in TYPE_FIELDS:
        return set(old) == set(new)
    if isinstance(old, str):
        return normalise(old) == normalise(new)
    return old == new


def _pair(name: str, old: Case, new: Case, key: str | None, rule: str,
          similarity: float | None = None) -> CaseChange:
    fields = [f for f in FIELDS if not _same(f, old.values[f], new.values[f])]
    if key and key not in FIELDS and normalise(old.key) != normalise(new.key):
        fields.insert(0, key)
    return CaseChange("changed" if fields else "same", name, old, new, rule,
                      None if similarity is None else round(similarity, 4), tuple(fields))


def _match(name: str, old: list[Case], new: list[Case], key: str | None,
           threshold: float) -> list[CaseChange]:
    """Pair by key, then by content; the rest are added or removed."""
    changes = []
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    doubtful: list[tuple[int, int]] = []
    if key:
        old_keys, new_keys = _unique_keys(old), _unique_keys(new)
        both = old_keys.keys() & new_keys.keys()
        paired_old, paired_new = set(), set()
        for k in sorted(both, key=lambda k: old_keys[k]):
            i, j = old_keys[k], new_keys[k]
            # Ids that are only row numbers move when a row is deleted: a pair by id whose
            # content is not alike waits until content matching had its chance.
            if _similarity(_content_text(old[i]), _content_text(new[j])) < threshold:
                doubtful.append((i, j))
                continue
            changes.append(_pair(name, old[i], new[j], key, "id"))
            paired_old.add(i)
            paired_new.add(j)
        old_left = [i for i in old_left if i not in paired_old]
        new_left = [j for j in new_left if j not in paired_new]
    for i, j, score in _content_pairs([old[i] for i in old_left], [new[j] for j in new_left],
                                      threshold):
        changes.append(_pair(name, old[old_left[i]], new[new_left[j]], key, "content", score))
    matched_old = {id(c.old) for c in changes}
    matched_new = {id(c.new) for c in changes}
    for i, j in doubtful:  # nothing more alike: the same id, rewritten
        if id(old[i]) not in matched_old and id(new[j]) not in matched_new:
            changes.append(_pair(name, old[i], new[j], key, "id"))
            matched_old.add(id(old[i]))
            matched_new.add(id(new[j]))
    changes += [CaseChange("removed", name, case, None) for case in old
                if id(case) not in matched_old]
    changes += [CaseChange("added", name, None, case) for case in new
                if id(case) not in matched_new]
    return changes


def _unique_keys(cases: list[Case]) -> dict[str, int]:
    """Normalised key → position, for keys that are present and appear once (a repeated
    id cannot say which case is which: those cases are matched by content)."""
    seen: dict[str, int] = {}
    repeated = set()
    for i, case in enumerate(cases):
        k = normalise(case.key)
        if k in seen:
            repeated.add(k)
        elif k:
            seen[k] = i
    return {k: i for k, i in seen.items() if k not in repeated}


CONTENT_CHARS = 200  # of each field, compared: similarity costs the square of the length


def _content_text(case: Case) -> str:
    return "\x1f".join(normalise(case.values[f])[:CONTENT_CHARS] for f in CONTENT_FIELDS)


def _similarity(a: str, b: str) -> float:
    return 1.0 if a == b else difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _content_pairs(old: list[Case], new: list[Case], threshold: float):
    """(old position, new position, similarity): the most alike pairs first, each case used
    once, only pairs at least `threshold` alike. Identical texts pair first, in order."""
    old_texts, new_texts = [_content_text(c) for c in old], [_content_text(c) for c in new]
    found: list[tuple[float, int, int]] = []
    by_text: dict[str, list[int]] = {}
    for j, text in enumerate(new_texts):
        by_text.setdefault(text, []).append(j)
    for i, text in enumerate(old_texts):
        if by_text.get(text):
            found.append((1.0, i, by_text[text].pop(0)))
    used_old = {i for _, i, _ in found}
    used_new = {j for _, _, j in found}
    rest_old = [i for i in range(len(old)) if i not in used_old]
    rest_new = [j for j in range(len(new)) if j not in used_new]
    candidates = []
    for i, j in _candidates(old, new, rest_old, rest_new):
        matcher = difflib.SequenceMatcher(None, old_texts[i], new_texts[j], autojunk=False)
        if matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold:
            score = matcher.ratio()
            if score >= threshold:
                candidates.append((score, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    for score, i, j in candidates:
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            found.append((score, i, j))
    return [(i, j, score) for score, i, j in found]


def _candidates(old: list[Case], new: list[Case], rest_old: list[int], rest_new: list[int]):
    """Every pair when they are few. Else, for each old case, the CANDIDATES new cases that
    share the most (and rarest) items or title with it, ignoring items more than COMMON cases
    share: time grows with the cases, not with their square."""
    if len(rest_old) * len(rest_new) <= ALL_PAIRS_LIMIT:
        yield from product(rest_old, rest_new)
        return
    from ..io.text import split_items

    def tokens(case: Case) -> set[str]:
        return {t for f in CONTENT_FIELDS for t in split_items(case.values[f])}

    index: dict[str, list[int]] = {}
    for j in rest_new:
        for token in tokens(new[j]):
            index.setdefault(token, []).append(j)
    for i in rest_old:
        shared: dict[int, float] = {}
        for token in tokens(old[i]):
            holders = index.get(token, ())
            if len(holders) <= COMMON:
                for j in holders:
                    shared[j] = shared.get(j, 0.0) + 1 / len(holders)
        best = sorted(shared, key=lambda j: (-shared[j], j))[:CANDIDATES]
        yield from ((i, j) for j in best)


def _theme_tally(old: list[Case], new: list[Case], taxonomies: Taxonomies) -> list[dict]:
    """Cases per primary theme in each version, the difference, and the change of share
    (in points of 0–1); themes with cases in either version, by new count, then old, then
    taxonomy order."""
    def count(cases: list[Case]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for case in cases:
            counts[case.values["theme"]] = counts.get(case.values["theme"], 0) + 1
        return counts

    before, after = count(old), count(new)
    rank = {theme_id: i for i, theme_id in enumerate(taxonomies.themes.ids)}
    rows = []
    for theme_id in sorted(before.keys() | after.keys(),
                           key=lambda t: (-after.get(t, 0), -before.get(t, 0),
                                          rank.get(t, len(rank)), t)):
        o, n = before.get(theme_id, 0), after.get(theme_id, 0)
        old_share = round(o / len(old), 4) if old else 0.0
        new_share = round(n / len(new), 4) if new else 0.0
        rows.append({"theme_id": theme_id, "old": o, "new": n, "difference": n - o,
                     "old_share": old_share, "new_share": new_share,
                     "share_change": round(new_share - old_share, 4)})
    return rows


def _flows(old: list[Case], new: list[Case], taxonomies: Taxonomies) -> dict[str, list[dict]]:
    """Typed flows (① service type, ② data category, ③ service type) that only one version
    has: "new" with the cases carrying them in the new version, "vanished" with the old."""
    def count(cases: list[Case]) -> dict[tuple, int]:
        counts: dict[tuple, int] = {}
        for case in cases:
            v = case.values
            for flow in dict.fromkeys(product(v["source_types"], v["data_categories"],
                                              v["target_types"])):
                counts[flow] = counts.get(flow, 0) + 1
        return counts

    service = value_order("source_type", taxonomies)
    data = value_order("data_category", taxonomies)
    before, after = count(old), count(new)

    def rows(counts: dict[tuple, int], other: dict[tuple, int]) -> list[dict]:
        only = sorted((f for f in counts if f not in other),
                      key=lambda f: (-counts[f], service(f[0]), data(f[1]), service(f[2])))
        return [{"source_type": s, "data_category": d, "target_type": t, "cases": counts[(s, d, t)]}
                for s, d, t in only]
    return {"new": rows(after, before), "vanished": rows(before, after)}


def _municipalities(old: list[Case], new: list[Case]) -> dict[str, list[dict]]:
    """Municipalities (normalised names) with cases in only one version, with their cases."""
    def count(cases: list[Case]) -> dict[str, list]:
        found: dict[str, list] = {}
        for case in cases:
            name = case.values["municipality"]
            if name:
                entry = found.setdefault(normalise(name), [name, 0])
                entry[1] += 1
        return found

    before, after = count(old), count(new)

    def rows(counts: dict[str, list], other: dict[str, list]) -> list[dict]:
        return [{"municipality": counts[k][0], "cases": counts[k][1]}
                for k in sorted(counts, key=lambda k: (-counts[k][1], k)) if k not in other]
    return {"joined": rows(after, before), "left": rows(before, after)}
