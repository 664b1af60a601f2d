"""The `flowmatrix` command: a thin typer layer over the library.

The only module that imports typer and prints with rich. Library errors (FlowmatrixError) become
one message on stderr and an exit code; nothing here computes anything the library does not.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .errors import EXIT_CANNOT_RUN, EXIT_INVENTORY_ERRORS, EXIT_OK, FlowmatrixError

EXIT_CODES = (
    "[bold]Exit codes[/bold]: 0 ok · 1 the inventory has errors (or, with --strict, warnings; "
    "or a batch had failures) · 2 the command could not run (usage, missing or unreadable file)."
)

app = typer.Typer(
    name="flowmatrix",
    help=(
        "Read, check, classify and chart inventories of personal-data linkage cases between "
        "municipal services, written in the DSA's four-element form: ① source service → "
        "② data α → ③ target service → ④ linked service β.\n\n"
        "Example: [bold]flowmatrix validate cases.xlsx[/bold]"
    ),
    epilog=EXIT_CODES,
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


class Lang(StrEnum):
    ja = "ja"
    en = "en"


class ValidateFormat(StrEnum):
    table = "table"
    lines = "lines"
    json = "json"


class ClassifyFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


SheetOption = Annotated[str | None, typer.Option(
    "--sheet", help="Sheet to read. Default: the first sheet whose header has the four elements.")]
EncodingOption = Annotated[str | None, typer.Option(
    "--encoding", help="Encoding of a CSV/TSV/JSON file, e.g. cp932. Default: detected "
    "(BOM, UTF-8, else cp932/Shift_JIS).")]
HeadersOption = Annotated[Path | None, typer.Option(
    "--headers", help="TOML file of extra header aliases, same form as "
    "flowmatrix/data/headers.toml; added to the built-in ones.", dir_okay=False)]
SeparatorsOption = Annotated[str, typer.Option(
    "--separators", help="Characters that separate several items in one cell (after full-width "
    "forms become half-width; line breaks always separate).")]
ThemesOption = Annotated[Path | None, typer.Option(
    "--themes", help="Your theme taxonomy (TOML). Replaces the built-in one, or adds to it when "
    'the file starts with extends = "default".', dir_okay=False)]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of theme labels and "
                                          "headings: ja or en.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowmatrix {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an unexpected "
                                        "internal error.")] = False,
) -> None:
    _state["debug"] = debug


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(exc: FlowmatrixError) -> typer.Exit:
    _console(stderr=True).print(f"[bold red]error:[/bold red] {_escape(str(exc))}")
    return typer.Exit(exc.exit_code)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


# --- validate -----------------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES, help=(
    "Check inventories and list every problem with the sheet and cell it is in.\n\n"
    "Checks: the four element columns exist; every case has all four elements; case ids are "
    "unique; no two rows repeat the same four elements; theme labels are known; no cell holds "
    "only punctuation, an Excel error value like #REF!, or over 500 characters.\n\n"
    "Example: [bold]flowmatrix validate data/cases.xlsx data/cases.csv[/bold]"))
def validate(
    files: Annotated[list[Path], typer.Argument(help="Inventory files: .xlsx .xlsm .xls .ods "
                                                ".csv .tsv .json.", show_default=False)],
    *,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    output_format: Annotated[ValidateFormat | None, typer.Option(
        "--format", help="table (default on a terminal), lines (one finding per line, the "
        "default when piped) or json.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many findings per "
                                       "file in table/lines output (json has all).")] = 200,
    themes: ThemesOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
) -> None:
    """Check inventories and list every problem with the sheet and cell it is in."""
    from .checks import validate_files

    try:
        results = validate_files(files, sheet=sheet, encoding=encoding, themes=themes,
                              headers=headers, separators=separators)
    except FlowmatrixError as exc:  # a bad --themes or --headers file: nothing could be checked
        raise _fail(exc) from exc
    fmt = output_format or (ValidateFormat.table if sys.stdout.isatty() else ValidateFormat.lines)
    if fmt is ValidateFormat.json:
        typer.echo(json.dumps({"files": [r.to_dict() for r in results]}, ensure_ascii=False,
                              indent=2))
    else:
        _print_results(results, fmt, limit)
    raise typer.Exit(max((r.exit_code(strict) for r in results), default=EXIT_OK))


def _print_results(results, fmt: ValidateFormat, limit: int) -> None:
    from rich.table import Table

    out = _console()
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    for result in results:
        if result.error is not None:
            out.print(f"[bold red]✗[/bold red] {_escape(str(result.error))}")
            continue
        counts = result.counts
        where = f" (sheet {result.sheet!r})" if result.sheet else ""
        if counts["error"]:
            status = "[bold red]✗[/bold red]"
        elif counts["warning"]:
            status = "[bold yellow]![/bold yellow]"
        else:
            status = "[bold green]✓[/bold green]"
        summary = _count(result.cases, "case") + (
            ", all good" if not result.findings else
            f", {_count(counts['error'], 'error')}, {_count(counts['warning'], 'warning')}")
        if counts["info"]:
            summary += f", {_count(counts['info'], 'note')}"
        out.print(f"{status} {_escape(result.path)}{_escape(where)}: {summary}")
        shown = result.findings[:limit]
        if fmt is ValidateFormat.table and shown:
            table = Table(show_lines=False, pad_edge=False)
            table.add_column("severity")
            table.add_column("where")
            table.add_column("code")
            table.add_column("message", overflow="fold")
            for f in shown:
                table.add_row(f"[{colours[f.severity]}]{f.severity}[/]", _escape(f.location),
                              f.code, _escape(f.message))
            out.print(table)
        else:
            for f in shown:
                location = f":{f.location}" if f.location else ""
                out.print(f"{_escape(result.path)}{_escape(location)}: "
                          f"[{colours[f.severity]}]{f.severity}[/] {_escape(f'[{f.code}]')} "
                          f"{_escape(f.message)}")
        if len(result.findings) > len(shown):
            out.print(f"  … and {len(result.findings) - len(shown)} more "
                      "(--limit N shows more, --format json shows all)")


# --- classify -----------------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES, help=(
    "Classify every case by theme (観光／地域経済活性化, 健康／医療, 防災／防犯, 行政, "
    "モビリティ, …) and show why.\n\n"
    "Keyword hits are scored per element: ④ linked service and ③ target service weigh most, then "
    "② data, the title, and ① source — a theme follows the purpose of the flow. A theme written "
    "in the inventory's theme column is kept (theme_source = declared); when the keywords clearly "
    "point elsewhere you get a warning. Secondary themes are other themes scoring at least half "
    "the top score.\n\n"
    "Example: [bold]flowmatrix classify data/cases.xlsx --explain[/bold]  ·  "
    "[bold]flowmatrix classify cases.xlsx -o themes.csv[/bold]"))
def classify(
    file: Annotated[Path, typer.Argument(help="The inventory file.", show_default=False)],
    *,
    explain: Annotated[bool, typer.Option("--explain", help="Show the matched terms per "
                                          "element.")] = False,
    output_format: Annotated[ClassifyFormat | None, typer.Option(
        "--format", help="table (terminal), csv (UTF-8 with BOM, opens in Excel) or json. "
        "Default: from the -o file name, else table.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file "
                                                "instead of the terminal.", dir_okay=False)] = None,
    ignore_declared: Annotated[bool, typer.Option(
        "--ignore-declared", help="Classify from the text alone, ignoring the theme column.")
    ] = False,
    lang: LangOption = Lang.ja,
    themes: ThemesOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
) -> None:
    """Classify every case by theme and show why."""
    from .classifier import case_records, disagreement_findings
    from .classifier import classify as classify_cases
    from .export import csv_bytes, json_bytes
    from .inventory import read_inventory
    from .output import write_atomic
    from .taxonomy import load_taxonomy

    fmt = output_format or _format_from_name(output) or ClassifyFormat.table
    if output is not None and fmt is ClassifyFormat.table:
        raise _fail(FlowmatrixError("-o writes csv or json: name the file .csv or .json or pass "
                                    "--format", code="usage"))
    try:
        taxonomy = load_taxonomy(themes)
        inventory = read_inventory(file, sheet=sheet, encoding=encoding, headers=headers,
                                   separators=separators)
        classified = classify_cases(inventory, taxonomy, ignore_declared=ignore_declared)
        findings = disagreement_findings(inventory, classified, taxonomy, lang.value)
        records = case_records(classified, taxonomy, lang.value)
        if fmt is ClassifyFormat.table:
            _print_classification(classified, records, taxonomy, lang.value, explain)
        else:
            data = json_bytes(records) if fmt is ClassifyFormat.json else csv_bytes(
                [_flat(r, taxonomy, lang.value) for r in records], CLASSIFY_CSV_COLUMNS)
            if output is None:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            else:
                write_atomic(output, data, inputs=(file,))
                _console(stderr=True).print(f"wrote {_escape(str(output))} "
                                            f"({_count(len(records), 'case')})")
    except FlowmatrixError as exc:
        raise _fail(exc) from exc
    _print_findings_brief(findings)


CLASSIFY_CSV_COLUMNS = [
    "case_id", "file", "sheet", "row", "municipality", "title", "source_service", "data",
    "target_service", "linked_service", "theme_id", "theme", "theme_source", "declared_theme",
    "secondary_theme_ids", "secondary_themes", "score", "matched_terms"]


def _flat(record: dict, taxonomy, lang: str) -> dict:
    from .classifier import explain_terms

    terms = tuple((t["element"], t["term"], t["theme_id"]) for t in record["matched_terms"])
    return {**record, "matched_terms": explain_terms(terms, taxonomy, lang)}


def _format_from_name(path: Path | None) -> ClassifyFormat | None:
    if path is None:
        return None
    return {".csv": ClassifyFormat.csv, ".json": ClassifyFormat.json}.get(path.suffix.lower())


def _print_classification(classified, records, taxonomy, lang: str, explain: bool) -> None:
    from rich.table import Table

    from .classifier import explain_terms

    out = _console()
    english = lang == "en"
    table = Table(pad_edge=False, show_lines=explain)
    for heading in (("row", "id", "title", "theme", "secondary", "score") if english else
                    ("行", "No", "事例名", "テーマ", "副テーマ", "点")):
        table.add_column(heading, overflow="fold", no_wrap=heading in ("theme", "テーマ"))
    if explain:
        table.add_column("matched terms" if english else "一致した語", overflow="fold",
                         ratio=2)
    for record, terms in zip(records, classified["matched_terms"], strict=True):
        title = record["title"] or record["linked_service"]
        theme = record["theme"] + (" *" if record["theme_source"] == "declared" else "")
        cells = [str(record["row"]), record["case_id"], _short(title, 28), theme,
                 ", ".join(record["secondary_themes"]), f"{record['score']:g}"]
        if explain:
            cells.append(explain_terms(terms, taxonomy, lang, separator="\n"))
        table.add_row(*(_escape(c) for c in cells))
    out.print(table)
    out.print(("* declared in the theme column" if english else "* テーマ列の記載を採用") +
              f" · {_count(len(records), 'case')}")


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_findings_brief(findings, shown: int = 5) -> None:
    if not findings:
        return
    err = _console(stderr=True)
    err.print(f"[yellow]{_count(len(findings), 'warning')}[/yellow]:")
    for f in findings[:shown]:
        err.print(f"  {_escape(f.location)}: {_escape(f.message)}")
    if len(findings) > shown:
        err.print(f"  … and {len(findings) - shown} more")


# --- themes -------------------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES, help=(
    "List the themes of the taxonomy with their labels and keyword counts.\n\n"
    "Example: [bold]flowmatrix themes[/bold]  ·  "
    "[bold]flowmatrix themes --themes my_themes.toml --format json[/bold]"))
def themes(
    *,
    themes: ThemesOption = None,
    output_format: Annotated[ListFormat, typer.Option("--format", help="table or json.")
                             ] = ListFormat.table,
) -> None:
    """List the themes of the taxonomy."""
    from rich.table import Table

    from .taxonomy import load_taxonomy

    try:
        taxonomy = load_taxonomy(themes)
    except FlowmatrixError as exc:
        raise _fail(exc) from exc
    rows = [{"id": t.id, "ja": t.ja, "en": t.en,
             "keywords": sum(1 for term in t.terms if not term.is_pattern),
             "patterns": sum(1 for term in t.terms if term.is_pattern),
             "aliases": list(t.aliases)} for t in taxonomy.themes]
    if output_format is ListFormat.json:
        typer.echo(json.dumps({"source": taxonomy.source, "themes": rows}, ensure_ascii=False,
                              indent=2))
        return
    table = Table(pad_edge=False, title=taxonomy.source)
    for heading in ("id", "ja", "en", "keywords", "patterns"):
        table.add_column(heading, justify="right" if heading in ("keywords", "patterns")
                         else "left")
    for row in rows:
        table.add_row(row["id"], row["ja"], row["en"], str(row["keywords"]), str(row["patterns"]))
    _console().print(table)


# --- template -----------------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES, help=(
    "Write an empty inventory workbook to fill in: the DSA's four-element header (①–④), an "
    "example row from the DSA article, a drop-down list of themes, and a sheet explaining each "
    "column. [bold]flowmatrix validate[/bold] accepts it as soon as rows are filled in.\n\n"
    "Example: [bold]flowmatrix template 事例一覧.xlsx[/bold]"))
def template(
    output: Annotated[Path, typer.Argument(help="The workbook to write, e.g. cases.xlsx.",
                                           show_default=False)],
    *,
    lang: Annotated[Lang, typer.Option("--lang", help="Header and guide language.")] = Lang.ja,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    themes: ThemesOption = None,
) -> None:
    """Write an empty inventory workbook to fill in."""
    from .taxonomy import load_taxonomy
    from .template import write_template

    try:
        taxonomy = load_taxonomy(themes)
        path = write_template(output, lang=lang.value, taxonomy=taxonomy, overwrite=force)
    except FlowmatrixError as exc:
        raise _fail(exc) from exc
    _console().print(f"wrote {_escape(str(path))}")


def main() -> None:
    """Entry point: run the app; an unexpected internal error gets a short message, not a
    traceback (unless --debug)."""
    try:
        app(prog_name="flowmatrix")
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if _state["debug"] or "--debug" in sys.argv:
            raise
        _console(stderr=True).print(
            f"[bold red]internal error:[/bold red] {_escape(type(exc).__name__)}: "
            f"{_escape(str(exc))}\nThis is a bug in flowmatrix; please report it with the "
            "command you ran. Run again with --debug to see the traceback.")
        sys.exit(EXIT_CANNOT_RUN)


__all__ = ["app", "main", "EXIT_INVENTORY_ERRORS"]
