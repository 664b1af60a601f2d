"""flowmatrix flows: 代表的なデータ連携の例 — the typical flows of each theme, in kinds."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import DEFAULTS, Settings
from .app import command
from .console import console, emit, escape, fail, output_format
from .options import FileArgument, OutputOption, ThemeOption, municipality_field, settings_options


class FlowsFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@command(
    "The DSA's 代表的なデータ連携の例 for any inventory: per theme, its typical flows written in "
    "kinds — ① service type, ② data category, ③ service type, ④ value type — ranked by the "
    "number of cases, each with examples (title and municipality).\n\n"
    "Each case counts once, as the kinds most of its items have (a real kind before その他). "
    "JSON gives the kind ids and the example case ids; csv opens in Excel.\n\n"
    "Example: flowmatrix flows data/cases.xlsx  ·  "
    "flowmatrix flows cases.xlsx --theme health --top 3 --format json")
@settings_options("read", "municipality", "taxonomies", "classify", "lang")
def flows(
    file: FileArgument,
    *,
    theme: ThemeOption = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Flows listed per theme.")
                   ] = DEFAULTS.representative,
    output_format_: Annotated[FlowsFormat | None, typer.Option(
        "--format", help="table, csv or json. Default: from the -o file name, else table.")
    ] = None,
    output: OutputOption = None,
    settings: Settings,
) -> None:
    """Typical flows per theme, in kinds."""
    from .. import classify, representative_flows
    from ..render.labels import TALLY_COLUMNS, counted
    from ..render.serialise import csv_bytes, json_bytes
    from ..render.summary import representative_dict
    from ..render.tables import representative_rows

    fmt = output_format(output_format_, output, FlowsFormat)
    try:
        classified = classify(file, settings)
        theme_id = classified.theme_id(theme)
        cases, taxonomies = classified.cases, classified.taxonomies
        typical = {k: v for k, v in representative_flows(cases, taxonomies, top=top).items()
                   if theme_id in (None, k)}
        sections = list(representative_rows(typical, cases, taxonomies, settings.lang))
        if fmt is FlowsFormat.table:
            _print(sections)
            return
        if fmt is FlowsFormat.json:
            data = json_bytes({"cases": len(cases), **municipality_field(settings),
                               "theme": theme_id,
                               "representative_flows": representative_dict(typical, cases)})
        else:
            headings = sections[0][2] if sections else []
            theme_heading = TALLY_COLUMNS[settings.lang]["theme"]
            records = [dict(zip([theme_heading, *headings], [theme, *row], strict=True))
                       for _, theme, _, rows in sections for row in rows]
            data = csv_bytes(records, [theme_heading, *headings])
        lang = settings.lang
        emit(data, output, (file,), counted(sum(len(s[3]) for s in sections), "flow", lang),
             lang=lang)
    except FlowmatrixError as exc:
        raise fail(exc) from exc


def _print(sections) -> None:
    from rich.table import Table

    out = console()
    for _, theme, headings, rows in sections:
        table = Table(pad_edge=False, title=theme, title_justify="left")
        for heading in headings:
            table.add_column(escape(heading), overflow="fold",
                             justify="right" if heading in ("事例数", "Cases") else "left")
        for row in rows:
            table.add_row(*(escape(str(v)) for v in row))
        out.print(table)
