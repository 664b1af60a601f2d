"""Taxonomies: themes (and, with the same machinery, other keyword classifications) from TOML.

A taxonomy file is a list of `[[theme]]` tables, each with an id, `ja` and `en` labels, the
labels a planner may write for it (`aliases`), weighted `keywords` and optional regular
expression `patterns`. The packaged default is `flowmatrix/data/themes.toml`. A user file
replaces it, or with `extends = "default"` at the top adds to it: a theme with a known id gets
its keywords, patterns and aliases appended (and labels replaced where given); a new id is
added before `other`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TaxonomyError, shown_path
from ..io.toml_file import read_toml
from ..settings import MiB
from .patterns import PatternError, compile_pattern

if TYPE_CHECKING:
    from ..settings import Settings

FALLBACK_ID = "other"
# What a taxonomy file may hold: about ten times the largest packaged one (service_types.toml:
# 99 KB, 18 entries, 1,819 keywords, patterns and aliases with 12,148 characters), so a runaway
# or crafted file is refused with its size instead of costing minutes. Defined here, not in
# settings.Limits: those bound the inventory of a run and have options to raise them; these
# bound the form of a rules file, checked once per file (and cached) whatever the run.
MAX_TAXONOMY_BYTES = 2 * MiB
MAX_ENTRIES = 200
MAX_WORDS = 20_000  # keywords, patterns, aliases and other word lists, all entries together
MAX_WORD_CHARS = 150_000  # the characters of those words
# Weights are relative (the packaged ones are 0.5-2); a far larger one makes scores overflow to
# inf (a weight of 1e306 did).
MAX_WEIGHT = 1_000_000_000
_LABEL_NOISE = re.compile(r"[\s/／・、,，&＆]|\band\b")


@dataclass(frozen=True)
class Term:
    text: str  # the keyword as written, NFKC-normalised and lower-cased; for a pattern, the regex
    weight: float = 1.0
    is_pattern: bool = False


@dataclass(frozen=True)
class Theme:
    id: str
    ja: str
    en: str
    aliases: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()
    # Fields of a kind beyond the common ones, e.g. a data category's personal / sensitive /
    # reason: ((name, value), ...).
    attributes: tuple[tuple[str, object], ...] = ()

    def label(self, lang: str = "ja") -> str:
        return self.en if lang == "en" else self.ja

    def attribute(self, name: str, default: object = None) -> object:
        return dict(self.attributes).get(name, default)


@dataclass(frozen=True, eq=False)  # one object per file: compared and hashed by identity
class Taxonomy:
    themes: tuple[Theme, ...]
    source: str  # where it came from, for messages

    @property
    def ids(self) -> list[str]:
        return [theme.id for theme in self.themes]

    def get(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def labels(self, lang: str = "ja") -> dict[str, str]:
        """id → label in `lang` (computed once per taxonomy)."""
        return self._labels["en" if lang == "en" else "ja"]

    @cached_property
    def _labels(self) -> dict[str, dict[str, str]]:
        return {lang: {theme.id: theme.label(lang) for theme in self.themes}
                for lang in ("ja", "en")}

    def find_label(self, label: str) -> Theme | None:
        """The theme a label written in an inventory means: its id, either label or an alias,
        compared without case, width, spaces or separators (健康・医療 = 健康／医療)."""
        key = label_key(label)
        return self._themes_by_label.get(key) if key else None

    @cached_property
    def _themes_by_label(self) -> dict[str, Theme]:
        found: dict[str, Theme] = {}
        for theme in self.themes:
            for written in (theme.id, theme.ja, theme.en, *theme.aliases):
                found.setdefault(label_key(written), theme)
        found.pop("", None)
        return found


def label_key(label: str) -> str:
    return _LABEL_NOISE.sub("", unicodedata.normalize("NFKC", label).lower())


def normalise_term(text: str) -> str:
    """A keyword in the form texts are matched in: NFKC, lower case, every run of spaces,
    tabs or line breaks one space (so "避難\t所" finds the cell 避難 所)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


_SPACES = re.compile(r"\s+")


# The packaged taxonomy of each kind: the same form and machinery for all three.
DEFAULT_FILES = {"theme": "themes.toml", "service_type": "service_types.toml",
                 "data_category": "data_categories.toml", "value_type": "value_types.toml"}
# Fields an entry of a kind must have besides id, ja, en and keywords: name → type.
REQUIRED_ATTRIBUTES = {"data_category": {"personal": bool, "sensitive": bool, "reason": str}}
# Fields an entry may have: name → type. A data category's not_sensitive: phrases that show an
# item is only about the fact or the plan (受診の有無, 予防接種の予定), not the content, so a
# sensitive category's item holding one is not flagged 要配慮 — unless it also holds one of
# the sensitive_content words (結果, 記録, 患者 …).
OPTIONAL_ATTRIBUTES = {"data_category": {"not_sensitive": list, "sensitive_content": list}}
OTHER_ATTRIBUTES = {"data_category": {
    "personal": True, "sensitive": False,
    "reason": "分類できないデータは、念のため個人データとして扱う。"}}


def default_taxonomy_text(kind: str = "theme") -> str:
    return resources.files("flowmatrix").joinpath(f"data/{DEFAULT_FILES[kind]}").read_text(
        "utf-8")


@dataclass(frozen=True)
class Taxonomies:
    """The taxonomies of one run: themes of cases, and the kinds of their items."""

    themes: Taxonomy
    service_types: Taxonomy  # ① and ③ items
    data_categories: Taxonomy  # ② items, with personal / sensitive flags
    value_types: Taxonomy  # ④ items: the kind of value a linkage creates

    def of_kind(self, kind: str) -> Taxonomy:
        """"theme", "service_type", "data_category" or "value_type" → its taxonomy."""
        return {"theme": self.themes, "service_type": self.service_types,
                "data_category": self.data_categories, "value_type": self.value_types}[kind]



def load_taxonomies(settings: Settings) -> Taxonomies:
    """The taxonomies `settings` name (the packaged ones where it names none)."""
    return Taxonomies(load_taxonomy(settings.themes),
                      load_taxonomy(settings.service_types, kind="service_type"),
                      load_taxonomy(settings.data_categories, kind="data_category"),
                      load_taxonomy(settings.value_types, kind="value_type"))


def load_taxonomy(path: str | Path | None = None, *, kind: str = "theme") -> Taxonomy:
    """The packaged taxonomy, or the user's file at `path` (replacing or extending it). Loaded
    once per file as long as the file does not change."""
    if path is None:
        return _default(kind)
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise TaxonomyError("taxonomy file not found", path=str(path)) from exc
    except OSError as exc:
        raise TaxonomyError(f"cannot read the taxonomy: {exc}", path=str(path)) from exc
    if stat.st_size > MAX_TAXONOMY_BYTES:
        raise TaxonomyError(f"the file is {stat.st_size:,} bytes; a taxonomy may be at most "
                            f"{MAX_TAXONOMY_BYTES:,} bytes (about ten times the packaged ones)",
                            path=str(path))
    return _load_file(str(path), kind, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load_file(name: str, kind: str, _mtime: int, _size: int) -> Taxonomy:
    raw = read_toml(name, error=TaxonomyError)
    extends = raw.get("extends")
    if extends not in (None, "default"):
        raise TaxonomyError(f'extends: expected "default", got {extends!r}', path=name)
    _check_size(raw, kind, name)
    user = _parse(raw, shown_path(name), kind, allow_empty=extends == "default")
    if extends == "default":
        return _merge(_default(kind), user, kind)
    return user


@lru_cache(maxsize=8)
def _default(kind: str) -> Taxonomy:
    return _parse(tomllib.loads(default_taxonomy_text(kind)),
                  f"flowmatrix/data/{DEFAULT_FILES[kind]}", kind)


def _check_size(raw: dict, kind: str, source: str) -> None:
    """Refuse a taxonomy over MAX_ENTRIES, MAX_WORDS or MAX_WORD_CHARS, stating its size."""
    entries = raw.get(kind)
    if not isinstance(entries, list):
        return  # _parse says what is wrong with it
    words = [word for entry in entries if isinstance(entry, dict)
             for value in entry.values() if isinstance(value, list) for word in value]
    chars = sum(len(_word_text(word)) for word in words)
    for count, limit, noun in ((len(entries), MAX_ENTRIES, f"[[{kind}]] entries"),
                               (len(words), MAX_WORDS, "keywords, patterns and aliases"),
                               (chars, MAX_WORD_CHARS, "characters of keywords, patterns and "
                                                       "aliases")):
        if count > limit:
            raise TaxonomyError(f"too big: {count:,} {noun}; a taxonomy may have at most "
                                f"{limit:,} (about ten times the packaged ones): keep the "
                                "words that tell the entries apart",
                                path=source)


def _word_text(word: object) -> str:
    if isinstance(word, dict):
        word = word.get("term", word.get("regex"))
    return word if isinstance(word, str) else ""


def _parse(raw: dict, source: str, kind: str, allow_empty: bool = False) -> Taxonomy:
    entries = raw.get(kind, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TaxonomyError(f"{kind}: expected [[{kind}]] tables", path=source)
    if not entries and not allow_empty:
        raise TaxonomyError(f"no [[{kind}]] tables: a taxonomy needs at least one", path=source)
    themes: list[Theme] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{kind}[{index}]"
        theme_id = entry.get("id")
        if not isinstance(theme_id, str) or not re.fullmatch(r"[a-z0-9_\-]+", theme_id):
            raise TaxonomyError(f"{where}.id: expected a lower-case id like \"health\", "
                                f"got {theme_id!r}", path=source)
        where = f'{kind}[{index}] (id "{theme_id}")'
        if theme_id in seen:
            raise TaxonomyError(f"{where}: duplicate id {theme_id!r}", path=source)
        seen.add(theme_id)
        labels = {}
        for key in ("ja", "en"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise TaxonomyError(f"{where}.{key}: expected a label", path=source)
            labels[key] = value
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise TaxonomyError(f"{where}.aliases: expected a list of strings", path=source)
        terms = _parse_terms(entry.get("keywords", []), f"{where}.keywords", source, False)
        terms += _parse_terms(entry.get("patterns", []), f"{where}.patterns", source, True)
        if not terms and theme_id != FALLBACK_ID and not allow_empty:
            raise TaxonomyError(f"{where}: no keywords; every theme but {FALLBACK_ID!r} needs "
                                "some", path=source)
        attributes = []
        for name, kind_of in REQUIRED_ATTRIBUTES.get(kind, {}).items():
            value = entry.get(name)
            if value is None and allow_empty:
                continue
            if not isinstance(value, kind_of) or (kind_of is str and not value.strip()):
                raise TaxonomyError(f"{where}.{name}: expected a {kind_of.__name__}",
                                    path=source)
            attributes.append((name, value))
        for name, kind_of in OPTIONAL_ATTRIBUTES.get(kind, {}).items():
            value = entry.get(name)
            if value is None:
                continue
            if not isinstance(value, kind_of) or not all(isinstance(v, str) and v.strip()
                                                        for v in value):
                raise TaxonomyError(f"{where}.{name}: expected a list of words", path=source)
            attributes.append((name, tuple(normalise_term(v) for v in value)))
        themes.append(Theme(theme_id, labels["ja"] or "", labels["en"] or "",
                            tuple(aliases), tuple(terms), tuple(attributes)))
    if not allow_empty:
        for theme in themes:
            if not theme.ja or not theme.en:
                raise TaxonomyError(f'{kind} "{theme.id}": needs both ja and en labels',
                                    path=source)
        if FALLBACK_ID not in seen:  # every taxonomy has a place for what matches nothing
            themes.append(Theme(FALLBACK_ID, "その他", "Other",
                                attributes=tuple(OTHER_ATTRIBUTES.get(kind, {}).items())))
    return Taxonomy(tuple(themes), source)


def _parse_terms(values: object, where: str, source: str, patterns: bool) -> list[Term]:
    if not isinstance(values, list):
        raise TaxonomyError(f"{where}: expected a list", path=source)
    terms: list[Term] = []
    seen: set[str] = set()
    key = "regex" if patterns else "term"
    for index, value in enumerate(values, start=1):
        at = f"{where}[{index}]"
        weight: object = 1.0
        if isinstance(value, dict):
            weight = value.get("weight", 1.0)
            value = value.get(key)
        if not isinstance(value, str) or not value.strip():
            raise TaxonomyError(f"{at}: expected a non-empty string or {{ {key} = \"...\", "
                                "weight = 1.5 }", path=source)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or \
                not 0 < weight <= MAX_WEIGHT:  # TOML has nan and inf
            raise TaxonomyError(f"{at}: weight must be a positive number up to "
                                f"{MAX_WEIGHT:,}, got {weight!r}", path=source)
        text = value if patterns else normalise_term(value)
        control = next((c for c in text if unicodedata.category(c) == "Cc"), None)
        if not patterns and control is not None:  # texts are matched joined by control marks
            raise TaxonomyError(f"{at}: {value!r} holds the control character "
                                f"U+{ord(control):04X}; write the keyword without it",
                                path=source)
        if patterns:
            try:
                compile_pattern(text)
            except PatternError as exc:
                raise TaxonomyError(f"{at}: invalid regular expression {value!r}: {exc}",
                                    path=source) from exc
        if text in seen:
            continue
        seen.add(text)
        terms.append(Term(text, float(weight), patterns))
    return terms


def _merge(default: Taxonomy, user: Taxonomy, kind: str = "theme") -> Taxonomy:
    themes = {theme.id: theme for theme in default.themes}
    order = list(themes)
    for theme in user.themes:
        if theme.id in themes:
            base = themes[theme.id]
            known = {t.text for t in base.terms}
            themes[theme.id] = Theme(
                theme.id, theme.ja or base.ja, theme.en or base.en,
                base.aliases + theme.aliases,
                base.terms + tuple(t for t in theme.terms if t.text not in known),
                tuple({**dict(base.attributes), **dict(theme.attributes)}.items()))
        else:
            missing = [name for name in REQUIRED_ATTRIBUTES.get(kind, {})
                       if theme.attribute(name) is None]
            if not theme.ja or not theme.en or not theme.terms or missing:
                needs = ", ".join(["ja", "en", "keywords", *missing])
                raise TaxonomyError(f'{kind} "{theme.id}": a new entry needs {needs}',
                                    path=user.source)
            themes[theme.id] = theme
            position = order.index(FALLBACK_ID) if FALLBACK_ID in order else len(order)
            order.insert(position, theme.id)
    return Taxonomy(tuple(themes[i] for i in order), f"{default.source} + {user.source}")
