"""flowmatrix analyze: from inventory to finished report, one file or a batch."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_INVENTORY_ERRORS, EXIT_OK, FlowmatrixError
from ..render.registry import DEFAULT_FORMATS, FORMATS
from ..settings import DEFAULTS, FLOW_CHART_MIN_CASES, Settings
from .app import command
from .console import (
    console,
    escape,
    fail,
    language,
    print_error,
    write_stdout,
)
from .inputs import input_files
from .options import FindingsFormat, settings_options
from .summary import print_analysis

ALL_FORMATS = ",".join(FORMATS)

@command(
    "From inventory to finished report: read, check, classify, count and chart, then write a "
    "report folder.\n\n"
    "For each input, OUT/<file name>/ gets report.xlsx (summary, cases, theme tally "
    "with a chart, data-flow matrices coloured by count, other tallies, findings), report.html "
    "(one self-contained page), report.md (for a repository or wiki), summary.json (every "
    "number), cases.csv (UTF-8 with BOM) and charts/ (theme tally, heatmaps, flow diagrams "
    f"overall and for each theme of {FLOW_CHART_MIN_CASES} cases or more, as SVG). A folder "
    "is replaced only once everything was written. Several inputs (files, folders, quoted "
    "globs) also give OUT/_combined/ over all cases and OUT/index.html; a bad input is "
    "reported and the others are still written (exit 1). Folders are searched without OUT "
    "and the report folders flowmatrix wrote, so "
    "OUT may lie inside an input folder.\n\n"
    "Example: flowmatrix analyze data/cases.xlsx  ·  "
    "flowmatrix analyze inventories/ 'reports-2024/*.xlsx' --out reports/ --lang en")
@settings_options("read", "taxonomies", "classify", "pages", "kpis", "lang")
def analyze(
    inputs: Annotated[list[str], typer.Argument(
        metavar="INPUTS...", help="Inventory files, folders or quoted glob patterns.",
        show_default=False)],
    *,
    out: Annotated[Path, typer.Option("--out", help="Folder the report folders go in.",
                                      file_okay=False)] = Path("reports"),
    formats: Annotated[str, typer.Option(
        "--format", help="Comma-separated subset of " + ALL_FORMATS + ". Charts are drawn "
        "for the formats that show them: svg and png are chart files (report.md links "
        "them), html embeds SVG.")] = ",".join(DEFAULT_FORMATS),
    top: Annotated[int, typer.Option("--top", min=1, help="Rows and columns kept in report "
                                     "matrices; the rest fold into 上記以外 (all others).")
                   ] = DEFAULTS.top,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
    findings: Annotated[FindingsFormat | None, typer.Option(
        "--findings", help="Also print the findings of every input on stdout in a format CI "
        "reads — github, gitlab, sarif, junit — or json (as validate does); the summary is "
        "then not printed.")] = None,
    stamp: Annotated[bool, typer.Option("--stamp", help="Put the date and time in the "
                                        "reports (they are byte-identical run to run "
                                        "without it).")] = False,
    settings: Settings,
) -> None:
    """Write the report of one inventory or many."""
    import datetime as dt
    import os

    from .. import analyze_files
    from ..render.labels import ANALYZE_WORDS
    from ..render.registry import parse_formats

    settings = settings.replace(top=top)
    quiet = quiet or findings is not None  # stdout carries the findings
    try:
        chosen = parse_formats(formats)
        paths = input_files(inputs, skip=(out,))
    except FlowmatrixError as exc:
        raise fail(exc) from exc
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z") if stamp else None
    batch = len(paths) > 1
    progress, finish = _progress(quiet or not batch, plain=not sys.stdout.isatty()
                                 or bool(os.environ.get("CI")))
    try:
        results, combined, index = analyze_files(paths, out, settings, formats=chosen,
                                                 stamp=when, progress=progress)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
    finally:
        finish()
    if findings is not None:
        from .. import analysis_result
        from ..render.ci import machine_output

        write_stdout(machine_output(
            [analysis_result(r.path, r.analysis, r.error) for r in results], findings.value))
    failures = [r for r in results if r.error is not None]
    for result in failures:
        print_error(result.error)
    if not batch:
        (result,) = results
        if result.error is not None:
            raise typer.Exit(result.error.exit_code)
        if not quiet:
            print_analysis(result.analysis, result.folder)
        raise typer.Exit(EXIT_INVENTORY_ERRORS if result.analysis.counts["error"] else EXIT_OK)
    if not quiet:
        written = [r for r in results if r.error is None]
        if combined is not None:
            print_analysis(combined.analysis, combined.folder)
        console().print(escape(ANALYZE_WORDS[settings.lang]["batch"].format(
            written=len(written), total=len(results), index=index)))
    errors = any(r.analysis.counts["error"] for r in results if r.error is None)
    raise typer.Exit(EXIT_INVENTORY_ERRORS if failures or errors else EXIT_OK)


def _progress(silent: bool, *, plain: bool):
    """A progress callback for the batch and a function to close it: a rich bar on a terminal,
    one line per file otherwise, nothing when silent."""
    if silent:
        return None, lambda: None
    if plain:
        from ..render.labels import ANALYZE_WORDS

        def line(result, index, total):
            status = ANALYZE_WORDS[language()]["ok" if result.error is None else "failed"]
            console().print(f"[{index}/{total}] {escape(str(result.path))}: {status}")
        return line, lambda: None
    from rich.progress import Progress

    bar = Progress(console=console(stderr=True), transient=True)
    task = bar.add_task("analyse", total=None)
    bar.start()

    def advance(result, index, total):
        bar.update(task, completed=index, total=total,
                   description=escape(str(result.path.name)))
    return advance, bar.stop
