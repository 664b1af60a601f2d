"""Names that probably mean the same service or the same data, found for a person to review.

Every municipality, vendor and year spells a service its own way (公式LINE, 市公式LINE,
LINE公式アカウント, クマぶら(公式LINE)). This follows OpenRefine's clustering, which analysts know:

1. a key per name (`name_key`): NFKC (full/half width), case, spaces and punctuation dropped,
   brackets and the qualifiers inside them dropped, and for services the prefixes 市公式 / 町公式
   / 県 … and the words 公式 / 公式アカウント where the rest still names a service;
2. key collision: names with the same key are one group;
3. similarity: each key as a sequence of character bigrams, compared by rapidfuzz's Indel
   ratio (0-100) — bigrams rather than characters, so 防災アプリ and 防犯アプリ (one kanji apart,
   two different services) score 50, while 母子手帳アプリ and 母子健康手帳アプリ score 71. A
   group of one name is also known by what its brackets hold, so クマぶら(公式LINE) meets
   公式LINE at 100;
4. clusters: groups in order of frequency each gather the groups still free that are similar
   to them (leader clustering: every member is similar to the suggested canonical name, and a
   chain of small steps cannot join two unrelated names).

Only distinct keys are compared, and only pairs that can reach the threshold: keys sharing one
of their rarest bigrams (prefix filtering, exact for this similarity), within a length ratio.
20,000 distinct names take about a second instead of minutes for every pair.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from ..settings import DEFAULT_NAME_THRESHOLD

# Which element columns hold the names of each kind: ① and ③ are both services.
NAME_ELEMENTS = {"service": ("source_service", "target_service"), "data": ("data",)}

# Brackets after NFKC (which makes （［｛ half-width), with what they hold.
_BRACKETS = re.compile(r"[(\[{「『【〔〈《]([^)\]}」』】〕〉》]*)[)\]}」』】〕〉》]")
# What a key ignores: spaces and punctuation (・ included: 地域通貨・ポイント); the long vowel
# mark ー and letters, digits, kana and kanji are kept.
_IGNORED = re.compile(r"[\s!-/:-@\[-`{-~、。・･，．：；！？‐‑–—―〜～“”‘’\u3000]+")
# Qualifiers inside brackets that never name another service: (仮称), (予定), (R5年度) …
_QUALIFIER = re.compile(r"^(?:仮称|仮|予定|案|新規?|既存|試行|実証|検討中|開発中|構築中|導入予定|"
                        r"r?\d+年度?|令和\d+年度?|平成\d+年度?|\d{4}年度?)$")
# Words around a service name that do not name it, taken off one after the other: the
# municipality before 公式 or の (市公式LINE, 県の防災アプリ), then 公式, 公式アカウント.
_AROUND = (re.compile(r"^\S{0,6}?[市町村区県都府道](?=公式)|^(?:本市|当市|[市町村区県都府道])の"),
           re.compile(r"^公式"), re.compile(r"(?:公式アカウント|公式|アカウント)$"))
# Words too general to name a service on their own: 市公式アプリ keeps 公式 (→ 公式アプリ).
_GENERIC = frozenset({"アプリ", "サイト", "ホームページ", "hp", "web", "ウェブ", "ウェブサイト",
                      "webサイト", "アカウント", "ポータル", "ポータルサイト", "システム",
                      "サービス", "sns", "ページ", "メール", "窓口"})


def _clean(text: str) -> str:
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def _trim_service(key: str) -> str:
    """The service a key names without 市公式 / 公式 / 公式アカウント around it, where the rest is
    still a name (two characters or more, not a general word such as アプリ)."""
    for pattern in _AROUND:
        rest = pattern.sub("", key, count=1)
        if rest != key and len(rest) >= 2 and rest not in _GENERIC:
            key = rest
    return key


def name_key(name: str, *, service: bool = True) -> tuple[str, tuple[str, ...]]:
    """(key, bracket keys) of a name: the key it collides on, and the keys of what its
    brackets hold (qualifiers such as 仮称 or 令和5年度 left out).

    "市公式ＬＩＮＥ" → ("line", ()); "クマぶら(公式LINE)" → ("クマぶら", ("line",));
    "母子健康手帳アプリ「母子モ」" → ("母子健康手帳アプリ", ("母子モ",)).
    """
    text = unicodedata.normalize("NFKC", name)
    inner = [_clean(m) for m in _BRACKETS.findall(text)]
    outside = _clean(_BRACKETS.sub("", text)) or _clean(text)
    trim = _trim_service if service else (lambda key: key)
    inner = [trim(k) for k in inner if k and not _QUALIFIER.match(k)]
    return trim(outside), tuple(k for k in dict.fromkeys(inner) if k != outside)


@dataclass(frozen=True)
class NameCluster:
    """Names that probably mean one thing: the suggested canonical name (the most frequent;
    ties to the shorter, then by characters) and every member with how often the inventories
    name it, canonical first, then most frequent first."""

    kind: str  # "service" or "data" (NAME_ELEMENTS)
    canonical: str
    members: tuple[tuple[str, int], ...]

    @property
    def count(self) -> int:
        return sum(n for _, n in self.members)


def cluster_names(counts: dict[str, int], *, kind: str = "service",
                  threshold: int = DEFAULT_NAME_THRESHOLD) -> list[NameCluster]:
    """The clusters of two or more names among `counts` (name → how often it is named),
    largest first. `threshold` (0-100): how similar two keys must be to join; 100 leaves only
    key collisions. The result depends only on `counts`, not on their order."""
    if not 0 <= threshold <= 100:
        raise ValueError(f"threshold must be between 0 and 100, got {threshold}")
    service = kind == "service"
    by_key: dict[str, list[str]] = defaultdict(list)  # key collision
    inner: dict[str, tuple[str, ...]] = {}
    for name in sorted(counts):
        key, inner[name] = name_key(name, service=service)
        by_key[key].append(name)
    # A group is also known by what the brackets of its one name hold, so クマぶら(公式LINE)
    # meets 公式LINE; where several names share the key (市(子育て担当), 市(観光施策の検討)),
    # the brackets are qualifiers of that key.
    group_keys = {key: {key, *(inner[names[0]] if len(names) == 1 else ())}
                  for key, names in by_key.items()}
    index = _KeyIndex(sorted({k for ks in group_keys.values() for k in ks}), threshold / 100)
    owners: dict[str, set[str]] = defaultdict(set)  # key → the groups still free known by it
    for group, ks in group_keys.items():
        for k in ks:
            owners[k].add(group)
    weight = {key: sum(counts[n] for n in names) for key, names in by_key.items()}
    order = sorted(by_key, key=lambda key: (-weight[key], key))
    rank = {key: i for i, key in enumerate(order)}
    clusters = []
    for leader in order:
        if leader not in owners[leader]:
            continue  # taken by an earlier leader
        joined: set[str] = set()
        for k in group_keys[leader]:
            for other in index.near(k):
                joined |= owners[other]
        for group in joined:  # taken: no later leader looks at it again
            for k in group_keys[group]:
                owners[k].discard(group)
                if not owners[k]:
                    index.remove(k)
        found = sorted(((n, counts[n]) for key in sorted(joined, key=rank.__getitem__)
                        for n in by_key[key]), key=lambda m: (-m[1], len(m[0]), m[0]))
        if len(found) > 1:
            clusters.append(NameCluster(kind, found[0][0], tuple(found)))
    return sorted(clusters, key=lambda c: (-c.count, -len(c.members), c.canonical))


def _bigrams(key: str) -> list[str]:
    return [key[i:i + 2] for i in range(len(key) - 1)] or [key]


class _KeyIndex:
    """The keys still free, found by similarity: `near(key)` → the free keys whose bigram
    sequences are at least `cutoff` similar to it (rapidfuzz's Indel: 2·LCS / (|a| + |b|)),
    itself included; `remove(key)` once its groups are taken.

    Only candidates are scored. The LCS of two bigram sequences is at most the number of
    bigrams they share, so a pair reaching the cutoff shares at least α = cutoff / (2 -
    cutoff) of each one's bigrams. With the bigrams of each key ordered rarest first, two such
    keys share one of their first n - ⌈α·n⌉ + 1 bigrams (prefix filtering): a key is indexed
    under those, and only keys sharing one with the query are scored, in one rapidfuzz call
    per query. Each bigram is written as one character, so rapidfuzz compares bigram
    sequences at the speed of strings; a key leaves the index once taken, so dense families
    of names (避難所00001 … 避難所20000) are not compared again and again."""

    def __init__(self, keys: list[str], cutoff: float):
        # A bigram repeated in one key is told apart by its occurrence, so sets count it all.
        tokens = []
        for key in keys:
            seen: dict[str, int] = defaultdict(int)
            own = []
            for gram in _bigrams(key):
                own.append((gram, seen[gram]))
                seen[gram] += 1
            tokens.append(own)
        frequency: dict[tuple[str, int], int] = defaultdict(int)
        for own in tokens:
            for t in own:
                frequency[t] += 1
        rarest = {t: i for i, t in enumerate(sorted(frequency, key=lambda t: (frequency[t], t)))}
        codes: dict[str, int] = {}  # each bigram → a number (rapidfuzz compares lists of them)
        alpha = cutoff / (2 - cutoff)
        self.cutoff = cutoff
        self.encoded: dict[str, list[int]] = {}
        self.prefix: dict[str, list[int]] = {}
        self.postings: dict[int, dict[str, None]] = defaultdict(dict)  # ordered sets
        for key, own in zip(keys, tokens, strict=True):
            self.encoded[key] = [codes.setdefault(g, len(codes)) for g, _ in own]
            n = len(own)
            self.prefix[key] = sorted(rarest[t] for t in own)[:n - _ceil(alpha * n) + 1]
            for t in self.prefix[key]:
                self.postings[t][key] = None

    def near(self, key: str) -> list[str]:
        from rapidfuzz import process
        from rapidfuzz.distance import Indel

        candidates = list(dict.fromkeys(k for t in self.prefix[key] for k in self.postings[t]))
        found = process.extract(self.encoded[key], [self.encoded[k] for k in candidates],
                                scorer=Indel.normalized_similarity, score_cutoff=self.cutoff,
                                limit=None)
        return [candidates[i] for _, _, i in found]

    def remove(self, key: str) -> None:
        for t in self.prefix[key]:
            self.postings[t].pop(key, None)


def _ceil(x: float) -> int:
    """⌈x⌉, tolerant of float error (0.7 / 1.3 * 13 is 7.000000000000001)."""
    return int(-(-round(x, 9) // 1))
