"""flowmatrix validate: the findings of the pipeline, for people and for CI."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_OK, FlowmatrixError
from ..settings import Settings
from .app import command
from .console import console, escape, fail, usage, write_stdout, written
from .inputs import input_files
from .options import settings_options


class ValidateFormat(StrEnum):
    table = "table"
    lines = "lines"
    json = "json"
    github = "github"
    gitlab = "gitlab"
    sarif = "sarif"
    junit = "junit"


COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}
BaselineOption = Annotated[Path | None, typer.Option(
    "--baseline", dir_okay=False, help="Report only the findings this baseline file does not "
    "hold, and exit by those alone (see --write-baseline).")]
WriteBaselineOption = Annotated[Path | None, typer.Option(
    "--write-baseline", dir_okay=False, help="Record today's findings in this file (JSON, by "
    "code, file, sheet and case, not row), so --baseline FILE later reports only new ones.")]


@command(
    "Check inventories and list every problem with the sheet and cell it is in.\n\n"
    "Checks: the four element columns exist; every case has all four elements; case ids are "
    "unique; no two rows repeat the same four elements; theme labels and the labels of the "
    "optional type columns are known; a declared theme the keywords clearly contradict; no "
    "cell holds only punctuation, an Excel error value like #REF!, or over 500 characters. "
    "Flows carrying 要配慮個人情報 are noted (a warning where the consent column is empty). "
    "A KPI sheet (or --kpis FILE) is checked too: numbers, and municipalities the cases name. "
    "The findings are those of flowmatrix analyze: one pipeline runs both.\n\n"
    "For CI: --format github (annotations on the changed files), gitlab (Code Quality), sarif "
    "(code scanning), junit; --write-baseline FILE then --baseline FILE fail on new findings "
    "only.\n\n"
    "A folder is searched for inventories (hidden files and Excel lock files skipped).\n\n"
    "Example: flowmatrix validate data/cases.xlsx data/cases.csv  ·  "
    "flowmatrix validate inventories/ --format github")
@settings_options("read", "taxonomies", "classify", "kpis", "lang")
def validate(
    files: Annotated[list[str], typer.Argument(
        metavar="FILES...", help="Inventory files (.xlsx .xlsm .xls .ods .csv .tsv .json), "
        "folders or quoted globs.", show_default=False)],
    *,
    output_format: Annotated[ValidateFormat | None, typer.Option(
        "--format", help="table (default on a terminal), lines (one finding per line, the "
        "default when piped), json, or for CI: github, gitlab, sarif, junit.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many findings per "
                                       "file in table/lines output (json has all).")] = 200,
    baseline: BaselineOption = None,
    write_baseline: WriteBaselineOption = None,
    settings: Settings,
) -> None:
    """Check inventories and list every problem with the sheet and cell it is in."""
    from .. import check_files
    from ..baseline import baseline_bytes, new_findings, read_baseline

    if baseline is not None and write_baseline is not None:
        raise usage("--baseline and --write-baseline: give one (write the baseline first)")
    try:
        paths = input_files(files)
        known = read_baseline(baseline) if baseline is not None else None
        results = check_files(paths, settings)
        if write_baseline is not None:
            from .. import write_atomic

            write_atomic(write_baseline, baseline_bytes(results, write_baseline), inputs=paths)
            from ..render.labels import counted

            recorded = sum(len(r.findings) for r in results)
            written(write_baseline, counted(recorded, "finding", settings.lang), settings.lang)
            baseline, known = write_baseline, read_baseline(write_baseline)
        if known is not None:
            results = new_findings(results, known, baseline)
    except FlowmatrixError as exc:  # a bad taxonomy, --headers or baseline file
        raise fail(exc) from exc
    fmt = output_format or (ValidateFormat.table if sys.stdout.isatty() else ValidateFormat.lines)
    if fmt in (ValidateFormat.table, ValidateFormat.lines):
        _print_results(results, fmt, limit, settings)
    else:
        from ..render.ci import machine_output

        write_stdout(machine_output(results, fmt.value, strict))
    raise typer.Exit(max((r.exit_code(strict) for r in results), default=EXIT_OK))


def _print_results(results, fmt: ValidateFormat, limit: int, settings: Settings) -> None:
    from rich.table import Table

    from .. import load_taxonomies
    from ..render.labels import (
        FINDING_COLUMNS,
        LIST_SEPARATOR,
        SEVERITY_WORDS,
        VALIDATE_WORDS,
        counted,
        error_text,
        finding_place,
        finding_text,
    )

    lang, taxonomies = settings.lang, load_taxonomies(settings)

    def message(finding) -> str:
        return escape(finding_text(finding, lang, taxonomies))

    out = console()
    words, severity = VALIDATE_WORDS[lang], SEVERITY_WORDS[lang]
    join = LIST_SEPARATOR[lang].join
    for result in results:
        if result.error is not None:
            out.print(f"[bold red]✗[/bold red] {escape(error_text(result.error, lang))}")
            continue
        counts = result.counts
        where = f" ({words['sheet']} {result.sheet!r})" if result.sheet else ""
        if counts["error"]:
            status = "[bold red]✗[/bold red]"
        elif counts["warning"]:
            status = "[bold yellow]![/bold yellow]"
        else:
            status = "[bold green]✓[/bold green]"
        parts = [counted(result.cases, "case", lang)]
        if not result.findings:
            parts.append(words["all_good"])
        else:
            parts += [counted(counts["error"], "error", lang),
                      counted(counts["warning"], "warning", lang)]
        if counts["info"]:
            parts.append(counted(counts["info"], "note", lang))
        out.print(f"{status} {escape(result.path)}{escape(where)}: {join(parts)}")
        shown = result.findings[:limit]
        if fmt is ValidateFormat.table and shown:
            table = Table(show_lines=False, pad_edge=False)
            for heading in FINDING_COLUMNS[lang][:3]:
                table.add_column(heading)
            table.add_column(FINDING_COLUMNS[lang][3], overflow="fold")
            for f in shown:
                table.add_row(f"[{COLOURS[f.severity]}]{severity[f.severity]}[/]", f.code,
                              escape(finding_place(f, lang)), message(f))
            out.print(table)
        else:
            for f in shown:
                location = f":{finding_place(f, lang)}" if f.location else ""
                out.print(f"{escape(result.path)}{escape(location)}: "
                          f"[{COLOURS[f.severity]}]{severity[f.severity]}[/] "
                          f"{escape(f'[{f.code}]')} {message(f)}")
        if len(result.findings) > len(shown):
            out.print("  " + escape(words["more"].format(n=len(result.findings) - len(shown))))
