"""The keyword engine shared by themes and every kind of item: one trie per taxonomy.

A trie holds every keyword of a taxonomy and is walked from every position of all texts at once
(numpy), so every overlapping hit is found (a longer keyword never hides a shorter one of
another entry) without a Python object per hit; the rare regular-expression patterns (RE2, see
patterns.py) run in one pass over all texts where they cannot match across two, else text by
text. Texts are matched once per distinct text and the hits come back as numpy arrays, so
100,000 texts take a fraction of a second. Within one text and entry a term counts once, and a
hit inside a longer hit of the same entry (避難 inside 避難所) does not count again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..coded import runs
from .patterns import compile_pattern
from .taxonomy import Taxonomy

MATCH_BATCH = 2**20  # characters of text matched at once (Matcher.match)


class Matcher:
    """Every keyword and pattern of a taxonomy, compiled for matching normalised text."""

    def __init__(self, taxonomy: Taxonomy):
        import numpy as np

        self.taxonomy = taxonomy
        words: dict[str, list[tuple[int, float]]] = {}
        patterns: list[tuple[int, float, str]] = []
        for index, theme in enumerate(taxonomy.themes):
            for term in theme.terms:
                if term.is_pattern:
                    patterns.append((index, term.weight, term.text))
                else:
                    words.setdefault(term.text, []).append((index, term.weight))
        self.words = list(words)
        self.trie = Trie(self.words)
        _weigh_longer_words(words, self.words, self.trie)
        self.word_lengths = np.array([len(w) for w in self.words], dtype=np.int64)
        # A word may belong to several themes: its owners are rows owner_offset[w] ... + count.
        owners = [owner for word in self.words for owner in words[word]]
        self.owner_count = np.array([len(words[w]) for w in self.words], dtype=np.int64)
        self.owner_offset = np.concatenate([[0], np.cumsum(self.owner_count)[:-1]]).astype(np.int64)
        self.owner_theme = np.array([t for t, _ in owners], dtype=np.int64)
        self.owner_weight = np.array([w for _, w in owners], dtype=float)
        self.patterns = [(theme, weight, compile_pattern(regex), _required_literals(regex))
                         for theme, weight, regex in patterns]

    def match(self, texts: list[str]) -> TextHits:
        """Every hit in every text, deduplicated: within one text and theme a term counts once,
        and a hit inside a longer hit of the same theme does not count.

        The texts are matched in batches of about MATCH_BATCH characters: matching all at
        once holds some 55 bytes per character while it runs (230 MB for the 4 million
        characters of 100,000 distinct cases, 2 GB for a million), a batch a few dozen MB.
        Texts never interact, so the hits are the same."""
        import numpy as np

        batches, size, first = [], 0, 0
        for i, text in enumerate(texts):
            size += len(text) + 1
            if size >= MATCH_BATCH:
                batches.append((first, i + 1))
                first, size = i + 1, 0
        if first < len(texts) or not batches:
            batches.append((first, len(texts)))
        if len(batches) == 1:
            return self._match(texts)
        parts = [(start, self._match(texts[start:end])) for start, end in batches]
        return TextHits(len(texts), parts[0][1].n_themes,
                        np.concatenate([hits.text + np.int32(start) for start, hits in parts]),
                        np.concatenate([hits.theme for _, hits in parts]),
                        np.concatenate([hits.weight for _, hits in parts]),
                        [term for _, hits in parts for term in hits.term],
                        np.concatenate([hits.start for _, hits in parts]),
                        np.concatenate([hits.end for _, hits in parts]))

    def _match(self, texts: list[str]) -> TextHits:
        """match, all texts at once."""
        import numpy as np

        # One pass over all texts joined by NUL (which no keyword contains).
        joined = match_text_joined(texts)
        codes = _code_points(joined)
        separators = np.flatnonzero(codes == 0)
        found_start, word = self.trie.find(codes)
        count = self.owner_count[word]
        hit, within = runs(count)
        owner = self.owner_offset[word][hit] + within
        start = found_start[hit]
        end = start + self.word_lengths[word[hit]]
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
        # int32: a text's index, a theme and a place in one text fit, and a million distinct
        # texts have millions of hits, held while the themes are worked out (at 1,000,000
        # cases the peak of classifying went from 1,466 to 1,378 MB)
        return TextHits(len(texts), n_themes, text[kept].astype(np.int32),
                        theme[kept].astype(np.int32), weight[kept], shown[kept].tolist(),
                        (start[kept] - text_start).astype(np.int32),
                        (end[kept] - text_start).astype(np.int32))


    def _pattern_hits(self, joined: str, separators) -> list[tuple[int, int, int, str]]:
        """Pattern hits. A pattern that cannot match across a separator (patterns.py) runs
        once over all texts joined by it: RE2 reads 12 MB in milliseconds, where one call per
        text cost 0.26 s on 160,000 texts. Any other pattern runs on each text on its own,
        only on the texts that hold a literal it requires (found with str.find)."""
        import numpy as np

        found = []
        joined_by: dict[str, tuple] = {}
        bounds = np.concatenate([[-1], separators, [len(joined)]])
        for index, (_, _, pattern, literals) in enumerate(self.patterns):
            if pattern.separator is not None:
                if pattern.separator not in joined_by:
                    joined_by[pattern.separator] = _joined_by(joined, pattern.separator)
                found.extend((start, end, index, matched) for start, end, matched
                             in pattern.finditer_joined(*joined_by[pattern.separator]))
                continue
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
                found.extend((first + start, first + end, index, matched)
                             for start, end, matched in pattern.finditer(joined[first:last]))
        return found


def _joined_by(joined: str, separator: str) -> tuple:
    """The texts joined by `separator` instead of NUL (same offsets), in UTF-8 for RE2, the
    byte offset where each text ends, and a function from byte to character offsets."""
    import numpy as np

    text = joined.replace("\x00", separator) if separator != "\x00" else joined
    data = text.encode("utf-8")
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord(separator)).tolist() + [len(data)]

    starts = []  # the first byte of each character, found once a pattern matches

    def chars(offsets: list[int]):
        if not starts:
            starts.append(np.flatnonzero((raw & 0xC0) != 0x80))
        return np.searchsorted(starts[0], offsets)

    return text, data, ends, chars


def _weigh_longer_words(words: dict[str, list[tuple[int, float]]], ordered: list[str],
                        trie: Trie) -> None:
    """A longer keyword hides the shorter ones of its theme inside it (安否 in 安否確認), so it
    weighs at least as much as they do. The trie finds the keywords inside every keyword in
    one pass over them all; comparing every pair was quadratic (37 s for 20,000 keywords)."""
    import numpy as np

    codes = _code_points("\x00".join(ordered))
    starts, found = trie.find(codes)
    separators = np.flatnonzero(codes == 0)
    outer = np.searchsorted(separators, starts)  # the keyword each hit lies in
    inside_of: dict[int, dict[int, float]] = {}
    for word_id, other in zip(outer.tolist(), found.tolist(), strict=True):
        if other != word_id:
            inside = inside_of.setdefault(word_id, {})
            for theme, weight in words[ordered[other]]:
                inside[theme] = max(inside.get(theme, weight), weight)
    for word_id, inside in inside_of.items():
        word = ordered[word_id]
        words[word] = [(theme, max(weight, inside.get(theme, weight)))
                       for theme, weight in words[word]]


# The largest table the trie keeps for its second step, in cells of 8 bytes.
DENSE_CELLS = 4_000_000
# The most steps the trie's walks may take, per character of the text, before the text is
# handed to an Aho-Corasick automaton instead (linear whatever the text): ordinary text takes
# under one (the benchmark's 4.3 M characters: 3.1 M), "aaaa…" with a keyword "aaa…a" of
# length L takes L.
WALK_STEPS = 32


class Trie:
    """Every keyword of a taxonomy in a trie that is walked from every position of a text at
    once, one character a step, in numpy: all occurrences of every keyword (overlapping ones
    too, as an Aho-Corasick automaton finds them), with no Python object per hit. The walks
    that can still grow a keyword shrink fast: of the benchmark's 4.3 M characters, 1.7 M
    start one and 0.6 M reach a third character, so the second step is a table lookup."""

    def __init__(self, words: list[str], *, dense_cells: int = DENSE_CELLS,
                 walk_steps: int = WALK_STEPS):
        import numpy as np

        self.words, self.walk_steps = words, walk_steps
        self.automaton = None  # built if a text needs it
        children: dict[tuple[int, int], int] = {}  # (node, character) → node; the root is 0
        ends: dict[int, int] = {}  # node → the keyword it completes
        for word_id, word in enumerate(words):
            node = 0
            for char in map(ord, word):
                node = children.setdefault((node, char), len(children) + 1)
            if node:
                ends[node] = word_id
        self.longest = max(map(len, words), default=0)
        # An edge is node * stride + character; a character no keyword holds is stride - 1.
        self.stride = max((char for _, char in children), default=0) + 2
        edges = sorted((node * self.stride + char, child)
                       for (node, char), child in children.items())
        self.keys = np.array([key for key, _ in edges] + [np.iinfo(np.int64).max])
        self.child = np.array([child for _, child in edges] + [-1], dtype=np.int64)
        self.word = np.full(len(children) + 1, -1, dtype=np.int64)
        self.word[list(ends)] = list(ends.values())
        self.first = np.full(self.stride, -1, dtype=np.int64)  # the root's child, by character
        rank = {}  # the root's children, numbered
        for (node, char), child in children.items():
            if node == 0:
                self.first[char], rank[child] = child, len(rank)
        self.starts = self.first >= 0  # the characters a keyword starts with
        # The second step as one lookup: (the root's child, the character's place in the
        # keywords' alphabet) → node, where that table is small (the packaged themes: 0.4 M).
        alphabet = sorted({char for _, char in children})
        self.second = None
        if len(rank) * (len(alphabet) + 1) <= dense_cells:
            self.letter = np.full(self.stride, len(alphabet), dtype=np.int64)  # none: the last
            self.letter[alphabet] = np.arange(len(alphabet))
            self.rank = np.zeros(len(children) + 1, dtype=np.int64)
            self.rank[list(rank)] = list(rank.values())
            self.second = np.full((len(rank), len(alphabet) + 1), -1, dtype=np.int64)
            for (node, char), child in children.items():
                if node in rank:
                    self.second[rank[node], self.letter[char]] = child

    def find(self, codes) -> tuple:
        """(start, keyword) of every occurrence in the code points `codes` (uint32)."""
        import numpy as np

        # the characters, those no keyword holds as stride - 1, and as many after the end
        chars = np.full(len(codes) + self.longest, self.stride - 1, dtype=np.uint32)
        np.minimum(codes, self.stride - 1, out=chars[:len(codes)])
        start = np.flatnonzero(self.starts[chars[:len(codes)]])
        node = self.first[chars[start]]
        starts, words = [], []
        step, budget = 1, self.walk_steps * len(codes)
        while len(start):
            budget -= len(start)
            if budget < 0:
                return self._find_with_automaton(codes)
            word = self.word[node]
            complete = word >= 0
            starts.append(start[complete])
            words.append(word[complete])
            if step == 1 and self.second is not None:
                node = self.second[self.rank[node], self.letter[chars[start + 1]]]
                grows = node >= 0
                start, node = start[grows], node[grows]
            else:
                key = node * self.stride + chars[start + step]
                at = np.searchsorted(self.keys, key)
                grows = self.keys[at] == key
                start, node = start[grows], self.child[at[grows]]
            step += 1
        if not starts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(starts), np.concatenate(words)

    def _find_with_automaton(self, codes) -> tuple:
        """find() in time linear in the text, with a Python tuple per hit: for the rare text
        that keeps the trie's walks alive (a long keyword's prefix over and over)."""
        from itertools import chain

        import ahocorasick
        import numpy as np

        if self.automaton is None:
            self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for word_id, word in enumerate(self.words):
                if word:
                    self.automaton.add_word(word, word_id)
            self.automaton.make_automaton()
        text = codes.tobytes().decode("utf-32-le", "surrogatepass")
        found = np.fromiter(chain.from_iterable(self.automaton.iter(text)),
                            dtype=np.int64).reshape(-1, 2)
        lengths = np.array([len(word) for word in self.words], dtype=np.int64)
        word = found[:, 1]
        return found[:, 0] + 1 - lengths[word], word


def _required_literals(regex: str) -> list[str] | None:
    """Literal strings one of which every match of `regex` contains, or None if unknown:
    "(?<![a-z])bus(es)?" → ["bus"], "安全・?安心|安心・?安全" → ["安心", "安全"].
    None where the stdlib's parser reads RE2 otherwise: [[:space:]] is a class to RE2, and
    under (?i) a literal may be written in upper case (the texts are in lower case)."""
    if "[:" in regex or re.search(r"\(\?[a-zA-Z-]*i", regex):
        return None
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
    text: object  # numpy int32 array: index of the text
    theme: object  # numpy int32 array: index of the theme
    weight: object  # numpy float array
    term: list[str]
    start: object = None  # numpy int32 arrays: where each hit starts and ends in its text
    end: object = None

    def scores(self):
        import numpy as np

        matrix = np.zeros((self.n_texts + 1, self.n_themes))  # last row: no text
        np.add.at(matrix, (self.text, self.theme), self.weight)
        return matrix


def match_text_joined(texts: list[str]) -> str:
    """All texts in matching form (NFKC, spaces collapsed, lower case), joined by NUL.

    The work is done on the code points of all texts at once (numpy), with each distinct
    character normalised once: Python's NFKC of 4 million characters, half of whose texts hold
    a full-width ／ or （, took 0.4 s text by text. Mapping every character c to NFKC(c) gives a
    text whose NFKC is the original's NFKC (both decompose to the same NFKD), so that text is
    the answer when it is already normalised, and is normalised once more otherwise (a
    combining mark that composes with the character before it: ｶﾞ).
    """
    import numpy as np

    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):  # a NUL inside a text is a space
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    codes = _code_points(joined)
    # A lone surrogate (half a character: a frame built by hand; readers replace it) is U+FFFD,
    # one character for one: RE2 reads UTF-8, which cannot hold it.
    codes = np.where((codes >= 0xD800) & (codes <= 0xDFFF), np.uint32(0xFFFD), codes)
    chars = {chr(c) for c in _distinct(codes)}
    nfkc = {c: unicodedata.normalize("NFKC", c) for c in chars
            if not unicodedata.is_normalized("NFKC", c)}
    codes = _translate(codes, {ord(c): text for c, text in nfkc.items()})
    chars = (chars - nfkc.keys()).union(*nfkc.values())
    spaces = np.zeros(int(codes.max(initial=0)) + 1, dtype=bool)
    spaces[[ord(c) for c in chars if c.isspace()]] = True
    space = spaces[codes]  # a run of spaces becomes one " " (NUL is no space: texts stay apart)
    codes = np.where(space, np.uint32(32), codes)[~(space & np.concatenate([[False], space[:-1]]))]
    form = codes.tobytes().decode("utf-32-le", "surrogatepass")
    if not unicodedata.is_normalized("NFKC", form):
        is_normalized, normalize = unicodedata.is_normalized, unicodedata.normalize
        form = "\x00".join(t if is_normalized("NFKC", t) else _SPACES.sub(" ", normalize("NFKC", t))
                            for t in form.split("\x00"))
    return form.lower()


def _code_points(text: str):
    import numpy as np

    # surrogatepass: a lone surrogate (a file decoded with surrogateescape) is a character too
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _distinct(codes) -> list[int]:
    import numpy as np

    seen = np.zeros(int(codes.max(initial=0)) + 1, dtype=bool)
    seen[codes] = True
    return np.flatnonzero(seen).tolist()


def _translate(codes, mapping: dict[int, str]):
    """The code points with each character c in `mapping` replaced by mapping[c]."""
    import numpy as np

    if not mapping:
        return codes
    size = max(int(codes.max()), *mapping) + 1
    if all(len(text) == 1 for text in mapping.values()):
        table = np.arange(size, dtype=np.uint32)
        table[list(mapping)] = [ord(text) for text in mapping.values()]
        return table[codes]
    # Some characters become several (… → ..., ㈱ → (株)): every character is a slice of `flat`.
    lengths = np.ones(size, dtype=np.int64)
    offsets = np.arange(size, dtype=np.int64)  # unmapped: itself, at its own code in `flat`
    flat = [np.arange(size, dtype=np.uint32)]
    at = size
    for char, text in mapping.items():
        lengths[char], offsets[char] = len(text), at
        flat.append(_code_points(text))
        at += len(text)
    flat = np.concatenate(flat)
    count = lengths[codes]
    ends = np.cumsum(count)
    first = np.repeat(offsets[codes] - (ends - count), count)
    return flat[first + np.arange(int(ends[-1]) if len(ends) else 0)]


_SPACES = re.compile(r"[^\S\x00]+")


@lru_cache(maxsize=8)
def matcher_for(taxonomy: Taxonomy) -> Matcher:
    return Matcher(taxonomy)
