"""flowmatrix compare: what changed between two versions of an inventory (or two batches)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import EXIT_INVENTORY_ERRORS, EXIT_OK, FlowmatrixError
from ..settings import SIMILARITY_THRESHOLD, Settings
from .app import command
from .console import console, escape, fail
from .inputs import say_passed_over
from .options import settings_options

ALL_FORMATS = "md,html,xlsx,json"
FAIL_ON = "added,removed,changed,theme-changed,id-changed"


@command(
    "What changed between two versions of an inventory: cases added, removed (終了) and "
    "changed, what each change means for the theme tally, the typed flows and the "
    "municipalities, and a report folder.\n\n"
    "Cases are matched by the case id column where both versions have one (or by --key "
    "COLUMN), else — and for ids that changed — by their normalised title and four elements "
    "(at least --threshold alike); the report says which rule paired each case. A changed "
    "case lists the fields that differ (municipality, title, ①–④, theme, the kinds of "
    "①–④), old → new. Two folders or quoted globs compare a batch with a batch, files "
    "paired by name; a file only one side has counts as all its cases added or removed.\n\n"
    "OUT gets report.md and report.html (the summary first: 追加 12 件、終了 3 件、変更 7 件), "
    "report.xlsx (a sheet per kind of change, changed cells filled) and comparison.json "
    "(every change with ids, fields, old and new values); the folder is replaced only once "
    "everything was written.\n\n"
    "For CI, --fail-on " + FAIL_ON + " (any of them) exits with 1 when such "
    "a change occurs. Exit codes here: 0 compared (no --fail-on change) · 1 a --fail-on "
    "change occurred, or an inventory has no usable header · 2 the comparison could not run "
    "(usage, missing or unreadable file).\n\n"
    "Example: flowmatrix compare 2024/cases.xlsx 2025/cases.xlsx  ·  "
    "flowmatrix compare inventories-2024/ inventories-2025/ --fail-on removed "
    "--out reports/diff")
@settings_options("read", "taxonomies", "classify", "lang")
def compare(
    old: Annotated[str, typer.Argument(
        metavar="OLD", help="The old version: a file, a folder or a quoted glob.",
        show_default=False)],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The new version, the same way.",
                                       show_default=False)],
    *,
    out: Annotated[Path, typer.Option("--out", help="The report folder.", file_okay=False)
                   ] = Path("reports/compare"),
    formats: Annotated[str, typer.Option(
        "--format", help="Comma-separated subset of " + ALL_FORMATS + ".")] = ALL_FORMATS,
    key: Annotated[str | None, typer.Option(
        "--key", help="The column that identifies a case in both versions (its header as "
        "written, e.g. 管理番号, or a column id). Default: the case id column.")] = None,
    fail_on: Annotated[str, typer.Option(
        "--fail-on", help="Exit with 1 when any of these occur: " + FAIL_ON + ".")] = "",
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.01, max=1.0, help="How alike (0–1) the title and four elements "
        "of two cases must be to be one case matched by content.")] = SIMILARITY_THRESHOLD,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors and the "
                                        "--fail-on result.")] = False,
    settings: Settings,
) -> None:
    """Compare two versions of an inventory."""
    from .. import compare as compare_versions
    from ..render.compare import (
        COMPARE_FORMATS,
        parse_choices,
        parse_fail_on,
        summary_line,
        write_comparison,
    )

    try:
        chosen = parse_choices(formats, COMPARE_FORMATS, "--format")
        conditions = parse_fail_on(fail_on)
        notes: list = []
        try:
            comparison = compare_versions(old, new, settings, key=key, threshold=threshold,
                                          passed_over=notes)
        finally:
            say_passed_over(notes)
        folder = write_comparison(comparison, out, formats=chosen)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
    if not quiet:
        console().print(f"[bold]{escape(comparison.old_name)} → "
                        f"{escape(comparison.new_name)}[/bold]: "
                        f"{escape(summary_line(comparison))}")
        from ..render.labels import ANALYZE_WORDS

        console().print(escape(ANALYZE_WORDS[settings.lang]["report"].format(folder=folder)))
    triggered = comparison.triggered(conditions)
    if triggered:
        from ..render.labels import COMPARE_WORDS, LIST_SEPARATOR

        line = COMPARE_WORDS[settings.lang]["triggered"].format(
            conditions=LIST_SEPARATOR[settings.lang].join(triggered))
        console(stderr=True).print(f"[bold red]{escape(line)}[/bold red]")
        raise typer.Exit(EXIT_INVENTORY_ERRORS)
    raise typer.Exit(EXIT_OK)
