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


@dataclass(frozen=True)
class Pattern:
    """A compiled taxonomy pattern: an RE2 body with optional edge lookarounds."""

    body: object  # re2 regexp
    behind: tuple[Lookaround, ...] = ()
    ahead: tuple[Lookaround, ...] = ()

    def finditer(self, text: str):
        """(start, end, matched text) of each non-empty match in `text`, left to right, among
        the first MAX_MATCHES that RE2 finds."""
        for match in islice(self.body.finditer(text), MAX_MATCHES):
            start, end = match.start(), match.end()
            if end > start and self._edges_hold(text, start, end):
                yield start, end, match.group(0)

    def _edges_hold(self, text: str, start: int, end: int) -> bool:
        # one character more than the lookaround can match, so ^ and $ inside it mean the
        # text's edges only when the window reaches them
        for look in self.behind:
            window = text[max(0, start - look.width - 1):start]
            if (look.regexp.search(window) is not None) == look.negative:
                return False
        for look in self.ahead:
            window = text[end:end + look.width + 1]
            if (look.regexp.match(window) is not None) == look.negative:
                return False
        return True


def compile_pattern(regex: str) -> Pattern:
    """`regex` compiled for RE2, or PatternError saying what RE2 cannot do."""
    if not regex:
        raise PatternError("empty pattern")
    behind, body, ahead = _split_edges(regex)
    return Pattern(_re2(body),
                   tuple(_lookaround(negative, sub, behind=True) for negative, sub in behind),
                   tuple(_lookaround(negative, sub, behind=False) for negative, sub in ahead))


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
    return Lookaround(negative, _re2(anchored), width)


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
