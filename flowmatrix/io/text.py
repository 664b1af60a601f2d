"""Text from cells: turning values into text, normalising it, splitting it into items."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache

from ..settings import DEFAULT_SEPARATORS

_WHITESPACE = re.compile(r"\s+")
# Suffixes that mean "and so on": dropped from an item ("マイナポータルなど" → "マイナポータル").
_ETC_SUFFIX = re.compile(r"(?:など|等々|etc\.?)$", re.IGNORECASE)
# The values Excel shows for a formula that failed: one item each, never split ("#N/A" holds
# the separator "/"). The checks report a cell holding one.
EXCEL_ERROR_VALUES = ("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!",
                      "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!",
                      "#BUSY!", "#CONNECT!", "#EXTERNAL!", "#PYTHON!")
EXCEL_ERROR = re.compile("|".join(map(re.escape, EXCEL_ERROR_VALUES)), re.IGNORECASE)


def cell_text(value: object) -> str:
    """The text a person sees in a cell, for any value a reader returns.

    Numbers and dates in text columns are read as text: 2024.0 → "2024", a date → "2024-04-01".
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def normalise(text: str) -> str:
    """NFKC, whitespace runs collapsed to one space, trimmed. Used for matching, not display."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def display(text: str) -> str:
    """The original text, trimmed, for display (full-width forms and line breaks kept)."""
    return text.strip()


def split_items(text: str, separators: str = DEFAULT_SEPARATORS, *,
                unique: bool = True) -> tuple[str, ...]:
    """Split one cell into normalised items.

    "タッチポイント/ 地域通貨/ バスアプリ" → ("タッチポイント", "地域通貨", "バスアプリ");
    "市基幹システム/オンライン行政サービスなど" → ("市基幹システム", "オンライン行政サービス").
    Separators apply after NFKC; newlines always separate; a trailing など/等々/etc. is dropped;
    an item written twice counts once, unless `unique` is False (a list of types, one per
    item, may repeat a type). Results are cached: inventories repeat the same names.
    """
    return _split_cached(text, separators, unique)


def split_cells(texts: set[str], separators: str = DEFAULT_SEPARATORS) -> dict[str, tuple]:
    """split_items of each distinct cell of a file, by text. An item that is a whole cell
    (most are) is that cell's string, and an item in several cells is one string: the items
    would otherwise be a second copy of the cells. Not cached: the caller holds the answers
    (split_items' cache kept the last 65,536 splits for the life of the process)."""
    keep = {text: text for text in texts}.setdefault
    return {text: tuple(map(keep, items, items))
            for text in texts for items in (_split(text, separators, True),)}


def _split(text: str, separators: str, unique: bool) -> tuple[str, ...]:
    nfkc = unicodedata.normalize("NFKC", text)
    errors = EXCEL_ERROR.findall(nfkc) if "#" in nfkc and "\x00" not in nfkc else []
    if errors:  # kept whole: each stands in as a character no separator can be
        nfkc = EXCEL_ERROR.sub("\x00", nfkc)
    items = []
    found = iter(errors)
    for part in _separator_pattern(separators).split(nfkc):
        if errors and "\x00" in part:
            part = re.sub("\x00", lambda _: next(found), part)
        item = _WHITESPACE.sub(" ", part).strip()
        item = _ETC_SUFFIX.sub("", item).strip()
        if item:
            items.append(item)
    # once each, in order: a set, not a search of the list (a cell of 160,000 distinct items
    # took two minutes)
    return tuple(dict.fromkeys(items) if unique else items)


_split_cached = lru_cache(maxsize=2**16)(_split)


@lru_cache(maxsize=32)
def _separator_pattern(separators: str) -> re.Pattern:
    return re.compile("[\n\r" + re.escape(separators) + "]" if separators else "[\n\r]")


def header_key(text: str) -> str:
    """The key a header cell is matched by: NFKC, lower case, no spaces, no leading numbering
    (①→"1"), no brackets' contents, no α/β, no punctuation.

    "①データ共有元\\nサービス" and "データ共有元 サービス" both give "データ共有元サービス";
    "Data α" and "data" both give "data"; "Source_Service" gives "sourceservice".
    """
    key = unicodedata.normalize("NFKC", text).lower()
    if _BRACKET_OPENS.search(key):  # every data cell is asked too (repeated headers): skip work
        key = _BRACKETED.sub("", key)
    key = _KEY_PUNCTUATION.sub("", key)
    if key[:1].isdigit():  # str.isdigit covers every digit \d matches
        key = _LEADING_NUMBER.sub("", key)
    return key


_BRACKET_OPENS = re.compile(r"[(\[【〔（]")
_BRACKETED = re.compile(r"[(\[【〔（][^)\]】〕）]*[)\]】〕）]")
_KEY_PUNCTUATION = re.compile(r"[\s_\-‐‑–—・:：.。,、*※αβ]")
_LEADING_NUMBER = re.compile(r"^\d+(?=\D)")
