"""flowmatrix themes: the entries of a taxonomy — themes, service types or data categories."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import Settings
from .app import command
from .console import console, escape, fail, write_stdout
from .options import settings_options


class TaxonomyKind(StrEnum):
    theme = "theme"
    service = "service"
    data = "data"
    value = "value"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


KINDS = {"theme": "theme", "service": "service_type", "data": "data_category",
         "value": "value_type"}
FILES = {"theme": "themes", "service_type": "service_types", "data_category": "data_categories",
         "value_type": "value_types"}


@command(
    "List the themes of the taxonomy with their labels and keyword counts; --kind service, "
    "data or value lists the service types, data categories (with their 要配慮 flags) or value "
    "types of ④ instead.\n\n"
    "Example: flowmatrix themes  ·  "
    "flowmatrix themes --themes my_themes.toml --format json  ·  "
    "flowmatrix themes --kind service --service-types my_types.toml")
@settings_options("taxonomies", "lang")
def themes(
    *,
    kind: Annotated[TaxonomyKind | None, typer.Option(
        "--kind", help="theme, service (service types of ① and ③ items), data (data "
        "categories of ② items, with their 要配慮 flags) or value (value types of ④ items).")
    ] = None,
    output_format: Annotated[ListFormat, typer.Option("--format", help="table or json.")
                             ] = ListFormat.table,
    settings: Settings,
) -> None:
    """List the themes of the taxonomy."""
    from rich.table import Table

    from .. import load_taxonomy
    from ..render.serialise import json_bytes

    kind_id = KINDS[kind.value] if kind else "theme"
    given = [k for k, name in FILES.items() if getattr(settings, name) is not None]
    if len(given) == 1 and kind is None:  # --service-types FILE alone lists that file
        kind_id = given[0]
    try:
        if any(k != kind_id for k in given):
            raise FlowmatrixError("give the taxonomy file of the --kind listed: --themes, "
                                  "--service-types (--kind service), --data-categories "
                                  "(--kind data) or --value-types (--kind value)", code="usage")
        taxonomy = load_taxonomy(getattr(settings, FILES[kind_id]), kind=kind_id)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
    rows = [{"id": t.id, "ja": t.ja, "en": t.en,
             "keywords": sum(1 for term in t.terms if not term.is_pattern),
             "patterns": sum(1 for term in t.terms if term.is_pattern),
             "aliases": list(t.aliases), **dict(t.attributes)} for t in taxonomy.themes]
    if output_format is ListFormat.json:
        write_stdout(json_bytes({"source": taxonomy.source, "themes": rows}))
        return
    table = Table(pad_edge=False, title=taxonomy.source)
    for heading in ("id", "ja", "en", "keywords", "patterns"):
        table.add_column(heading, justify="right" if heading in ("keywords", "patterns")
                         else "left")
    if kind_id == "data_category":
        table.add_column("要配慮")
    for row in rows:
        cells = [row["id"], row["ja"], row["en"], str(row["keywords"]), str(row["patterns"])]
        if kind_id == "data_category":
            cells.append("✓" if row.get("sensitive") else "")
        table.add_row(*map(escape, cells))  # a taxonomy's words are data, not markup
    console().print(table)
