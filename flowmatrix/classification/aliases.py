"""Alias files: which names a person decided mean one service or one data, applied to the
items before anything is counted.

`flowmatrix names --write-aliases aliases.toml` writes the clusters it finds; a person keeps,
edits or deletes each line; `--aliases aliases.toml` on every command then counts each name
under its canonical name::

    [service]            # ① and ③
    "公式LINE" = [
        "市公式LINE",
        "LINE公式アカウント",
    ]

    [data]               # ②
    "健診結果" = ["特定健診結果"]

Names are compared as items are (NFKC, spaces, a trailing など dropped), so ＬＩＮＥ and LINE
are one. The inventory's text is never changed: the cases keep the items as written in
`<element>_written_items` beside the mapped `<element>_items`, and cases.csv shows both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError, shown_path
from ..findings import Finding
from ..io.inventory import item_column
from ..io.text import normalise, split_items
from ..io.toml_file import read_toml
from ..settings import MiB
from .names import NAME_ELEMENTS, NameCluster

if TYPE_CHECKING:
    import pandas as pd

MAX_ALIAS_BYTES = 16 * MiB  # some 300,000 names: far more than any inventory holds
CODE = "bad-aliases"


def written_items_column(element: str) -> str:
    """The column keeping an element's items as the inventory wrote them, once aliases map
    `<element>_items`: "data" → "data_written_items"."""
    return f"{element}_written_items"


@dataclass(frozen=True)
class Aliases:
    """An alias file, read: for each kind ("service", "data"), name → canonical name (chains
    followed: a canonical listed under another canonical goes on to that one), and the
    conflicts found in the file."""

    path: str
    mapping: dict[str, dict[str, str]]
    findings: tuple[Finding, ...] = ()

    def members(self, kind: str) -> dict[str, list[str]]:
        """canonical → the names mapped to it, in file order."""
        found: dict[str, list[str]] = {}
        for name, canonical in self.mapping[kind].items():
            found.setdefault(canonical, []).append(name)
        return found


def load_aliases(path: str | Path) -> Aliases:
    """The alias file at `path`; a FlowmatrixError naming the file and saying what to do if
    it cannot be read, is not UTF-8 TOML, or is not in the form above. Read once per file as
    long as it does not change."""
    name = str(path)
    try:
        stat = Path(path).stat()
    except OSError:
        stat = None  # read_toml says what is wrong
    if stat is not None and stat.st_size > MAX_ALIAS_BYTES:
        raise FlowmatrixError(f"the file is {stat.st_size:,} bytes; an alias file may be at "
                              f"most {MAX_ALIAS_BYTES:,} bytes", path=name, code=CODE)
    return _load(name, stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@lru_cache(maxsize=8)
def _load(name: str, _mtime: int, _size: int) -> Aliases:
    raw = read_toml(name, code=CODE)
    unknown = [key for key in raw if key not in NAME_ELEMENTS]
    if unknown:
        where = "a name outside a table" if not isinstance(raw[unknown[0]], dict) else \
            f"the table [{unknown[0]}]"
        raise FlowmatrixError(
            f"{where} ({unknown[0]!r}): names go under [service] (① and ③) or [data] (②), "
            "as `flowmatrix names --write-aliases` writes them", path=name, code=CODE)
    mapping: dict[str, dict[str, str]] = {}
    findings: list[Finding] = []
    for kind in NAME_ELEMENTS:
        table = raw.get(kind, {})
        if not isinstance(table, dict):
            raise FlowmatrixError(f"[{kind}] must be a table of \"canonical\" = [\"name\", …]",
                                  path=name, code=CODE)
        mapping[kind] = _mapping(kind, table, shown_path(name), findings)
    return Aliases(shown_path(name), mapping, tuple(findings))


def _item(text: str) -> str:
    """A name as the items of a cell are: NFKC, spaces collapsed, a trailing など dropped."""
    return " ".join(split_items(text, "")) or normalise(text)


def _mapping(kind: str, table: dict, path: str, findings: list[Finding]) -> dict[str, str]:
    """name → canonical for one table; the first mapping of a name wins, a second one is an
    alias-conflict, and so is one that would make a loop (A → B and B → A)."""
    direct: dict[str, str] = {}
    for canonical, members in table.items():
        if isinstance(members, str):
            members = [members]
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise FlowmatrixError(f"[{kind}] {canonical!r}: expected a list of names in quotes, "
                                  f'e.g. "{canonical}" = ["name 1", "name 2"]', path=path,
                                  code=CODE)
        target = _item(canonical)
        if not target:
            raise FlowmatrixError(f"[{kind}]: an empty canonical name (\"\" = …)", path=path,
                                  code=CODE)
        for member in members:
            source = _item(member)
            if not source or source == target:
                continue
            earlier = direct.get(source)
            if earlier is None and _resolve(direct, target) == source:
                earlier = source  # a canonical name above, which this would make a loop
            if earlier is not None:
                if earlier != target:
                    findings.append(_conflict(path, kind, source, earlier, target))
                continue
            direct[source] = target
    return {source: _resolve(direct, source) for source in direct}


def _resolve(direct: dict[str, str], name: str) -> str:
    """Where `name` ends after following the mappings (they hold no loop)."""
    while name in direct:
        name = direct[name]
    return name


def _conflict(path: str, kind: str, name: str, kept: str, ignored: str) -> Finding:
    message = (f"{Path(path).name} [{kind}]: {name!r} is mapped two ways: to {kept!r} and to "
               f"{ignored!r}. It is counted as {kept!r} (the first); keep it under one "
               "canonical name")
    return Finding("warning", "alias-conflict", message, file=path,
                   params=(("file", Path(path).name), ("kind", kind), ("name", name),
                           ("kept", kept), ("ignored", ignored)))


def apply_aliases(cases: pd.DataFrame, aliases: Aliases,
                  inventory: str) -> tuple[pd.DataFrame, list[Finding]]:
    """The cases with the items of ①②③ mapped to their canonical names (a name written
    twice in one cell after mapping counts once), the items as written kept beside; and the
    findings: the file's conflicts, and canonical names this inventory never writes while it
    writes names mapped to them (unknown-alias-target: a misspelt canonical name, or one
    chosen on purpose)."""
    result = cases.copy()
    findings = list(aliases.findings)
    for kind, elements in NAME_ELEMENTS.items():
        mapping = aliases.mapping[kind]
        present: set[str] = set()
        for element in elements:
            column = item_column(element)
            written = result[column].tolist()
            result[written_items_column(element)] = written
            done: dict[tuple, tuple] = {}
            for items in written:
                if items not in done:
                    done[items] = tuple(dict.fromkeys(mapping.get(i, i) for i in items))
                    present.update(items)
            result[column] = [done[items] for items in written]
        findings += _unknown_targets(aliases, kind, present, inventory)
    return result, findings


def _unknown_targets(aliases: Aliases, kind: str, present: set[str],
                     inventory: str) -> list[Finding]:
    findings = []
    for canonical, members in aliases.members(kind).items():
        used = [m for m in members if m in present]
        if used and canonical not in present:
            shown = "、".join(used[:5]) + (" …" if len(used) > 5 else "")
            message = (f"{Path(aliases.path).name} [{kind}]: {canonical!r} is not a name in "
                       f"{Path(inventory).name}, but {len(used)} of its names are "
                       f"({shown}): they are counted as {canonical!r}. Check its spelling "
                       "(fine if it is a name you chose)")
            findings.append(Finding(
                "info", "unknown-alias-target", message, file=aliases.path,
                params=(("file", Path(aliases.path).name), ("kind", kind),
                        ("canonical", canonical), ("inventory", Path(inventory).name),
                        ("count", len(used)), ("names", shown))))
    return findings


def merged_names(cases: pd.DataFrame) -> int:
    """How many distinct names of the inventory the aliases replaced by another name (0
    where no aliases were applied)."""
    merged = 0
    for elements in NAME_ELEMENTS.values():
        if written_items_column(elements[0]) not in cases:
            return 0
        written = {i for e in elements for items in set(cases[written_items_column(e)])
                   for i in items}
        mapped = {i for e in elements for items in set(cases[item_column(e)]) for i in items}
        merged += len(written - mapped)
    return merged


HEADER = """\
# flowmatrix の名寄せ表（aliases） / flowmatrix name aliases
#
# 各行は 正式名 = [この名前に寄せる表記, …] です。`flowmatrix names` が似ている名前を
# まとめて提案しました。確かめて、違う名前は行ごと消し、正式名は書き換えてください。
# 使い方: flowmatrix analyze 事例.xlsx --aliases {name}
# [service] は①データ共有元・③データ共有先サービス、[data] は②流通データの名前です。
# 行末の # の後の数は、台帳での出現回数です（参考。読み込みでは無視されます）。
#
# Each line is: canonical name = [names counted as it, …], as suggested by
# `flowmatrix names`. Review it: delete the names that do not belong, rename the canonical
# name as you like. Use it with: flowmatrix analyze cases.xlsx --aliases {name}
# [service] holds names of ① source and ③ target services, [data] names of ② data.
# The numbers after # are how often the inventories write each name (ignored on reading).
"""


def aliases_toml(clusters: list[NameCluster], *, name: str = "aliases.toml",
                 keep: Aliases | None = None) -> bytes:
    """An alias file of `clusters` (canonical → the other members, one per line with its
    count), with a header in Japanese and English saying how to review it. With `keep`, an
    alias file in use (the clusters were found over its canonical names): its mappings
    first, composed with the clusters — a name goes where the clusters send its canonical."""
    lines = [HEADER.format(name=shown_path(name))]
    for kind in NAME_ELEMENTS:
        found = [c for c in clusters if c.kind == kind]
        moved = {m: c.canonical for c in found for m, _ in c.members}
        table: dict[str, dict[str, int | None]] = {}
        if keep is not None:
            for canonical, members in keep.members(kind).items():
                target = moved.get(canonical, canonical)
                table.setdefault(target, {}).update(dict.fromkeys(members))
        for cluster in found:
            table.setdefault(cluster.canonical, {}).update(cluster.members)
        totals = {c.canonical: c.count for c in found}
        lines.append(f"[{kind}]")
        for canonical, members in table.items():
            members.pop(canonical, None)
            if not members:
                continue
            total = totals.get(canonical)
            lines.append(f"{_quote(canonical)} = [" + (f"  # {total}" if total else ""))
            lines += [f"    {_quote(m)}," + (f"  # {n}" if n else "") for m, n in members.items()]
            lines.append("]")
        lines.append("")
    return "\n".join(lines).encode("utf-8")


# Characters that reorder or hide text in an editor (bidirectional controls, zero-width
# marks): written as escapes, so the file a person reviews shows what it maps.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\x7f]")


def _quote(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's; DEL and the characters an editor would
    not show as written are escaped too."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                          json.dumps(text, ensure_ascii=False))
