"""flowmatrix tally: cases per theme — the DSA's table — or per any column."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import Settings
from .app import command
from .console import console, emit, fail, output_format, print_frame
from .options import FileArgument, OutputOption, municipality_field, settings_options


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@command(
    "Count cases per theme — like the DSA's table — or per any other column.\n\n"
    "By theme: cases per primary theme, their share, and how many cases touch each theme "
    "counting secondary themes; sorted by count, ties in taxonomy order; themes without cases "
    "are listed with 0 (--hide-empty leaves them out). --by municipality|prefecture|fiscal_year|"
    "source_type|target_type|data_category|value_type|COLUMN counts any column (an original "
    "header such as 出典区分 works too; a case counts once for each of its kinds); --cross "
    "COLUMN gives a theme × COLUMN table.\n\n"
    "Example: flowmatrix tally data/cases.xlsx  ·  "
    "flowmatrix tally cases.xlsx --cross municipality --format csv -o by_city.csv")
@settings_options("read", "municipality", "taxonomies", "classify", "lang")
def tally(
    file: FileArgument,
    *,
    by: Annotated[str, typer.Option("--by", help="theme, municipality, prefecture, "
                                    "fiscal_year, a kind or any column.")] = "theme",
    cross: Annotated[str | None, typer.Option("--cross", help="Cross-tabulate themes "
                                              "against this column.")] = None,
    hide_empty: Annotated[bool, typer.Option("--hide-empty", help="Leave out themes without "
                                             "cases.")] = False,
    output_format_: Annotated[TableFormat | None, typer.Option(
        "--format", help="table, csv or json. Default: from the -o file name, else table.")
    ] = None,
    output: OutputOption = None,
    settings: Settings,
) -> None:
    """Count cases per theme or per column."""
    from .. import classify, tally_by, theme_cross_table, theme_tally
    from ..render.labels import counted
    from ..render.serialise import csv_bytes, json_bytes
    from ..render.tables import tally_frame, theme_tally_frame

    fmt = output_format(output_format_, output, TableFormat)
    lang = settings.lang
    try:
        classified = classify(file, settings)
        cases, taxonomies = classified.cases, classified.taxonomies
        choices = classified.tally_columns()
        if cross:
            cross = classified.column(cross, choices, "--cross")
        elif by != "theme":
            by = classified.column(by, choices)
        if cross:
            table = tally_frame(theme_cross_table(cases, cross, taxonomies.themes),
                                taxonomies, lang)
        elif by == "theme":
            table = theme_tally_frame(theme_tally(cases, taxonomies.themes,
                                                  include_empty=not hide_empty),
                                      taxonomies.themes, lang)
        else:
            table = tally_frame(tally_by(cases, by, taxonomies=taxonomies), taxonomies, lang)
        if fmt is TableFormat.table:
            print_frame(table, lang=lang)
            console().print(counted(len(cases), "case", lang))
            return
        records = table.to_dict("records")
        if fmt is TableFormat.json:
            key = "theme_tally" if by == "theme" and not cross else "tally"
            data = json_bytes({"cases": len(cases), **municipality_field(settings),
                               "by": cross or by, key: records})
        else:
            data = csv_bytes(records, [str(c) for c in table.columns])
        emit(data, output, (file,), counted(len(table), "row", lang), lang=lang)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
