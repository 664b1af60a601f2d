"""flowmatrix validate: the findings of the pipeline, for people and for CI."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from ..errors import EXIT_OK, FlowmatrixError
from ..settings import Settings
from .app import command
from .console import console, count, escape, fail
from .options import settings_options


class ValidateFormat(StrEnum):
    table = "table"
    lines = "lines"
    json = "json"


COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}


@command(
    "Check inventories and list every problem with the sheet and cell it is in.\n\n"
    "Checks: the four element columns exist; every case has all four elements; case ids are "
    "unique; no two rows repeat the same four elements; theme labels and the labels of the "
    "optional type columns are known; a declared theme the keywords clearly contradict; no "
    "cell holds only punctuation, an Excel error value like #REF!, or over 500 characters. "
    "Flows carrying 要配慮個人情報 are noted (a warning where the consent column is empty). "
    "The findings are those of [bold]flowmatrix analyze[/bold]: one pipeline runs both.\n\n"
    "A folder is searched for inventories (hidden files and Excel lock files skipped).\n\n"
    "Example: [bold]flowmatrix validate data/cases.xlsx data/cases.csv[/bold]  ·  "
    "[bold]flowmatrix validate inventories/[/bold]")
@settings_options("read", "taxonomies", "classify")
def validate(
    files: Annotated[list[str], typer.Argument(help="Inventory files (.xlsx .xlsm .xls .ods "
                                               ".csv .tsv .json), folders or quoted globs.",
                                               show_default=False)],
    *,
    output_format: Annotated[ValidateFormat | None, typer.Option(
        "--format", help="table (default on a terminal), lines (one finding per line, the "
        "default when piped) or json.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many findings per "
                                       "file in table/lines output (json has all).")] = 200,
    settings: Settings,
) -> None:
    """Check inventories and list every problem with the sheet and cell it is in."""
    from .. import check_files, expand_inputs
    from ..render.serialise import json_bytes, validation_dict

    try:
        paths = expand_inputs(files)
        if not paths:
            raise FlowmatrixError("no inventory files found in " + ", ".join(files),
                                  code="no-input")
        results = check_files(paths, settings)
    except FlowmatrixError as exc:  # a bad taxonomy or --headers file: nothing could be checked
        raise fail(exc) from exc
    fmt = output_format or (ValidateFormat.table if sys.stdout.isatty() else ValidateFormat.lines)
    if fmt is ValidateFormat.json:
        sys.stdout.buffer.write(json_bytes(validation_dict(results)))
        sys.stdout.flush()
    else:
        _print_results(results, fmt, limit)
    raise typer.Exit(max((r.exit_code(strict) for r in results), default=EXIT_OK))


def _print_results(results, fmt: ValidateFormat, limit: int) -> None:
    from rich.table import Table

    out = console()
    for result in results:
        if result.error is not None:
            out.print(f"[bold red]✗[/bold red] {escape(str(result.error))}")
            continue
        counts = result.counts
        where = f" (sheet {result.sheet!r})" if result.sheet else ""
        if counts["error"]:
            status = "[bold red]✗[/bold red]"
        elif counts["warning"]:
            status = "[bold yellow]![/bold yellow]"
        else:
            status = "[bold green]✓[/bold green]"
        summary = count(result.cases, "case") + (
            ", all good" if not result.findings else
            f", {count(counts['error'], 'error')}, {count(counts['warning'], 'warning')}")
        if counts["info"]:
            summary += f", {count(counts['info'], 'note')}"
        out.print(f"{status} {escape(result.path)}{escape(where)}: {summary}")
        shown = result.findings[:limit]
        if fmt is ValidateFormat.table and shown:
            table = Table(show_lines=False, pad_edge=False)
            for heading in ("severity", "where", "code"):
                table.add_column(heading)
            table.add_column("message", overflow="fold")
            for f in shown:
                table.add_row(f"[{COLOURS[f.severity]}]{f.severity}[/]", escape(f.location),
                              f.code, escape(f.message))
            out.print(table)
        else:
            for f in shown:
                location = f":{f.location}" if f.location else ""
                out.print(f"{escape(result.path)}{escape(location)}: "
                          f"[{COLOURS[f.severity]}]{f.severity}[/] {escape(f'[{f.code}]')} "
                          f"{escape(f.message)}")
        if len(result.findings) > len(shown):
            out.print(f"  … and {len(result.findings) - len(shown)} more "
                      "(--limit N shows more, --format json shows all)")
