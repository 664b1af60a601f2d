"""Taxonomy patterns, run with RE2 so that no pattern a user writes can hang a run.

Python's `re` backtracks: `(.+)+[!？]` takes 2**n steps on a text of n characters with no "!".
RE2 (google-re2) matches in time linear in the text, but has no backreferences and no
lookaround. Taxonomies write English words as `(?<![a-z])bus(?![a-z])` and a few Japanese
words as `(?<!機械)学習` or `環境(?!整備)`, so lookarounds of bounded length at the very start
or end of a pattern are kept: RE2 finds the body, and each lookaround is checked on the few
characters beside the match (linear too). Any other pattern RE2 cannot run is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from re import _constants as constants

# The longest a lookaround at a pattern's edge may match, in characters.
MAX_LOOKAROUND = 32
# Matches looked at per pattern and text. Each RE2 search is linear, but one that must read to
# the end of the text to choose its match (a(.*z)? on "aaaa…") makes every match cost the
# whole text: 160,000 characters took 28 s. A term counts once per text anyway.
MAX_MATCHES = 1_000


class PatternError(ValueError):
    """A pattern RE2 cannot run; the message says why and what to write instead."""


@dataclass(frozen=True)
class Lookaround:
    negative: bool
    regexp: object  # re2 regexp: the lookaround's body, anchored at the match's edge
    width: int  # the longest it can match
    behind: bool = False


@dataclass(frozen=True)
class Pattern:
    """A compiled taxonomy pattern: an RE2 body with optional edge lookarounds."""

    body: object  # re2 regexp
    behind: tuple[Lookaround, ...] = ()
    ahead: tuple[Lookaround, ...] = ()
    # A character that no part of the pattern can match ("\n", NUL), or None: texts joined by
    # it can be searched in one pass, since no match can then reach from one text into the next.
    separator: str | None = None

    def finditer(self, text: str):
        """(start, end, matched text) of each non-empty match in `text`, left to right, among
        the first MAX_MATCHES that RE2 finds."""
        for match in islice(self.body.finditer(text), MAX_MATCHES):
            start, end = match.start(), match.end()
            if end > start and self._edges_hold(text, start, end):
                yield start, end, match.group(0)

    def finditer_joined(self, text: str, data: bytes, ends: list[int], chars) -> list:
        """(start, end, matched text) of each non-empty match in every text of `text`, the
        texts joined by self.separator; `data` is `text` in UTF-8, `ends` the byte offset
        where each text ends, chars(byte offsets) their character offsets. Each text gets the
        first MAX_MATCHES matches RE2 finds in it, as finditer gives on the text alone: a match
        never holds the separator, ^ and $ are refused (separator_for), and \\b sees the
        separator as it sees a text's edge."""
        from bisect import bisect_left

        spans: list[tuple[int, int]] = []
        current, count, position = 0, 0, 0  # the text being read, its matches so far
        while position <= len(data):
            restart = None
            for match in self.body.finditer(data, position):
                start, end = match.span()
                if end > ends[current]:  # an empty match at a text's end is that text's
                    current, count = bisect_left(ends, end, current), 0
                count += 1
                if end > start:
                    spans.append((start, end))
                if count == MAX_MATCHES:  # the rest of this text is not looked at
                    restart = ends[current] + 1
                    break
            if restart is None:
                break
            current, count, position = current + 1, 0, restart
        if not spans:
            return []
        offsets = chars([offset for span in spans for offset in span]).tolist()
        seen: dict = {}  # the few characters beside a match repeat: each window is read once
        return [(start, end, text[start:end])
                for start, end in zip(offsets[::2], offsets[1::2], strict=True)
                if self._edges_hold(text, start, end, seen)]

    def _edges_hold(self, text: str, start: int, end: int, seen: dict | None = None) -> bool:
        # one character more than the lookaround can match, so ^ and $ inside it mean the
        # text's edges only when the window reaches them
        for look in self.behind:
            window = text[max(0, start - look.width - 1):start]
            if _holds(look, window, seen) == look.negative:
                return False
        for look in self.ahead:
            window = text[end:end + look.width + 1]
            if _holds(look, window, seen) == look.negative:
                return False
        return True


def _holds(look: Lookaround, window: str, seen: dict | None) -> bool:
    """Whether the lookaround's body matches at the window's edge (its end for a lookbehind,
    its start for a lookahead), answered once per window in `seen`."""
    key = (id(look), window)
    if seen is None or key not in seen:
        found = look.regexp.search(window) if look.behind else look.regexp.match(window)
        if seen is None:
            return found is not None
        seen[key] = found is not None
    return seen[key]


def compile_pattern(regex: str) -> Pattern:
    """`regex` compiled for RE2, or PatternError saying what RE2 cannot do."""
    if not regex:
        raise PatternError("empty pattern")
    behind, body, ahead = _split_edges(regex)
    parts = [body] + [sub for _, sub in behind + ahead]
    return Pattern(_re2(body),
                   tuple(_lookaround(negative, sub, behind=True) for negative, sub in behind),
                   tuple(_lookaround(negative, sub, behind=False) for negative, sub in ahead),
                   next((s for s in SEPARATORS if all(_cannot_match(p, s) for p in parts)),
                        None))


# Characters a text in matching form never holds (spaces are collapsed, NUL is a space), tried
# in turn as the separator of a joined pass: "\n" for most patterns (. does not match it),
# NUL for those with \s.
SEPARATORS = ("\n", "\x00")


def _cannot_match(regex: str, char: str) -> bool:
    """Whether no match of `regex` (a body or a lookaround) can hold `char` and no anchor in it
    would mean something else beside `char` than at a text's edge. Read with the stdlib's
    parser; anything it reads otherwise than RE2 ([[:space:]], \\pN) or does not know is
    answered False, and the pattern then runs text by text."""
    if "[:" in regex:  # RE2's POSIX classes are literals to the stdlib's parser
        return False
    try:
        from re import _parser as parser

        parsed = parser.parse(regex)
    except Exception:  # noqa: BLE001 - RE2-only syntax: run it text by text
        return False
    return _holds_no(list(parsed), ord(char), bool(parsed.state.flags & re.DOTALL))


def _holds_no(items: list, char: int, dotall: bool) -> bool:
    c = constants
    for op, argument in items:
        if op is c.LITERAL:
            ok = argument != char
        elif op is c.NOT_LITERAL:
            ok = argument == char
        elif op is c.ANY:
            ok = char == ord("\n") and not dotall
        elif op is c.IN:
            ok = all(_class_item_misses(item, char) for item in argument)
        elif op is c.BRANCH:
            ok = all(_holds_no(list(branch), char, dotall) for branch in argument[1])
        elif op is c.SUBPATTERN:
            _, add, remove, sub = argument
            ok = _holds_no(list(sub), char,
                           (dotall or bool(add & re.DOTALL)) and not remove & re.DOTALL)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            ok = _holds_no(list(argument[2]), char, dotall)
        elif op is c.AT:  # \b and \B see the separator as a text's edge: neither is a word
            ok = argument in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY)
        else:
            ok = False
        if not ok:
            return False
    return True


def _class_item_misses(item: tuple, char: int) -> bool:
    c = constants
    op, argument = item
    if op is c.LITERAL:
        return argument != char
    if op is c.RANGE:
        return not argument[0] <= char <= argument[1]
    if op is c.CATEGORY and argument in _CATEGORY_ESCAPES:
        return re.fullmatch(_CATEGORY_ESCAPES[argument], chr(char)) is None
    return False  # NEGATE and anything else


_CATEGORY_ESCAPES = {
    constants.CATEGORY_DIGIT: r"\d", constants.CATEGORY_NOT_DIGIT: r"\D",
    constants.CATEGORY_SPACE: r"\s", constants.CATEGORY_NOT_SPACE: r"\S",
    constants.CATEGORY_WORD: r"\w", constants.CATEGORY_NOT_WORD: r"\W"}


def _re2(regex: str):
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    try:
        return re2.compile(regex, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else ""
        reason = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        if re.search(r"\(\?(<[=!]|[=!])", regex):
            raise PatternError(
                "RE2 runs lookaround only at the very start ((?<!…), (?<=…)) or end ((?!…), "
                "(?=…)) of a pattern without a top-level |: move it there, or wrap the "
                f"alternatives in (?:…) ({reason})") from exc
        if re.search(r"\\[1-9]", regex):
            raise PatternError(f"RE2 has no backreferences like \\1 ({reason})") from exc
        raise PatternError(reason) from exc


def _lookaround(negative: bool, sub: str, *, behind: bool) -> Lookaround:
    width = _max_width(sub)
    if width is None or width > MAX_LOOKAROUND:
        raise PatternError(f"a lookaround must match a bounded length (at most "
                           f"{MAX_LOOKAROUND} characters), like (?<![a-z]) or (?!整備|構築)")
    anchored = f"(?:{sub})\\z" if behind else f"(?:{sub})"
    return Lookaround(negative, _re2(anchored), width, behind)


def _max_width(sub: str) -> int | None:
    """The longest text `sub` can match, or None if unbounded or unknown."""
    try:
        from re import _constants as constants
        from re import _parser as parser  # the stdlib's own regex parser

        high = parser.parse(sub).getwidth()[1]
    except Exception:  # noqa: BLE001 - syntax the stdlib does not know: RE2 may, but unbounded
        return None
    return None if high >= constants.MAXREPEAT else high


def _split_edges(regex: str) -> tuple[list[tuple[bool, str]], str, list[tuple[bool, str]]]:
    """Leading lookbehinds, the body, trailing lookaheads: `(?<![a-z])bus(?![a-z])` →
    ([(True, "[a-z]")], "bus", [(True, "[a-z]")]). Nothing is split off a pattern with a
    top-level | (there a lookaround belongs to one alternative only)."""
    groups, bar = _top_level(regex)
    if bar:
        return [], regex, []
    behind: list[tuple[bool, str]] = []
    first = 0
    for start, end in groups:
        if start != first or not regex.startswith(("(?<!", "(?<="), start):
            break
        behind.append((regex[start + 3] == "!", regex[start + 4:end]))
        first = end + 1
    ahead: list[tuple[bool, str]] = []
    last = len(regex)
    for start, end in reversed(groups):
        if end + 1 != last or start < first or not regex.startswith(("(?!", "(?="), start):
            break
        ahead.insert(0, (regex[start + 2] == "!", regex[start + 3:end]))
        last = start
    return behind, regex[first:last], ahead


def _top_level(regex: str) -> tuple[list[tuple[int, int]], bool]:
    """The (open, close) positions of the top-level groups of `regex`, and whether it has a
    top-level |. Escapes and character classes are skipped."""
    groups: list[tuple[int, int]] = []
    bar, depth, opened, index, in_class = False, 0, 0, 0, False
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1
            index += regex.startswith("^", index)
            index += regex.startswith("]", index)  # a ] first in a class is a literal
            continue
        elif char == "(":
            opened = index if depth == 0 else opened
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append((opened, index))
        elif char == "|" and depth == 0:
            bar = True
        index += 1
    return groups, bar
