"""The canonical columns of an inventory and the headers that name them (data/headers.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import FlowmatrixError
from .text import header_key
from .toml_file import read_toml

# The four elements: ① source service A, ② data α, ③ target service B, ④ linked service β.
ELEMENTS = ("source_service", "data", "target_service", "linked_service")
# Optional columns a planner may add: the service type or data category of each item
# (they win over the keywords) and whether the people concerned consented.
TYPE_DECLARATION_COLUMNS = ("source_service_type", "data_category", "target_service_type",
                            "value_type")
CANONICAL_COLUMNS = (
    "case_id", "municipality", "prefecture", "title",
    *ELEMENTS,
    "theme", "fiscal_year", "notes",
    *TYPE_DECLARATION_COLUMNS, "consent",
)
ELEMENT_LABELS = {
    "ja": {
        "source_service": "①データ共有元サービス",
        "data": "②流通データ",
        "target_service": "③データ共有先サービス",
        "linked_service": "④データ連携サービス",
    },
    "en": {
        "source_service": "① source service",
        "data": "② data α",
        "target_service": "③ target service",
        "linked_service": "④ linked service β",
    },
}


@dataclass(frozen=True)
class HeaderAliases:
    """header key → canonical column id, plus the aliases as written, for messages."""

    by_key: dict[str, str]
    written: dict[str, tuple[str, ...]]

    def match(self, header: str) -> str | None:
        key = header_key(header)
        return self.by_key.get(key) if key else None


def load_header_aliases(extra: str | Path | None = None) -> HeaderAliases:
    """The packaged aliases, extended by a user's file of the same form (`--headers FILE`)."""
    text = resources.files("flowmatrix").joinpath("data/headers.toml").read_text("utf-8")
    tables = [("flowmatrix/data/headers.toml", tomllib.loads(text))]
    if extra is not None:
        tables.append((str(extra), read_toml(extra, code="bad-headers-file")))
    by_key: dict[str, str] = {}
    written: dict[str, list[str]] = {column: [] for column in CANONICAL_COLUMNS}
    for origin, table in tables:
        columns = table.get("columns")
        if not isinstance(columns, dict):
            raise FlowmatrixError("expected a [columns] table", path=origin,
                                  code="bad-headers-file")
        for column, aliases in columns.items():
            if column not in written:
                raise FlowmatrixError(
                    f"[columns] {column}: unknown column; known: {', '.join(CANONICAL_COLUMNS)}",
                    path=origin, code="bad-headers-file")
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise FlowmatrixError(f"[columns] {column}: expected a list of strings",
                                      path=origin, code="bad-headers-file")
            for alias in aliases:
                key = header_key(alias)
                if key and by_key.setdefault(key, column) != column:
                    raise FlowmatrixError(
                        f"[columns] {column}: alias {alias!r} already names {by_key[key]}",
                        path=origin, code="bad-headers-file")
                written[column].append(alias)
    return HeaderAliases(by_key, {column: tuple(a) for column, a in written.items()})
