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


class TaxonomyKind(StrEnum):
    theme = "theme"
    service = "service"
    data = "data"


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
ServiceTypesOption = Annotated[Path | None, typer.Option(
    "--service-types", help="Your service-type taxonomy (TOML, the form of "
    "flowmatrix/data/service_types.toml) for ① and ③ items. Replaces the built-in one, or adds "
    'to it when the file starts with extends = "default".', dir_okay=False)]
DataCategoriesOption = Annotated[Path | None, typer.Option(
    "--data-categories", help="Your data-category taxonomy (TOML, the form of "
    "flowmatrix/data/data_categories.toml, with personal / sensitive flags) for ② items. "
    'Replaces the built-in one, or adds to it when the file starts with extends = "default".',
    dir_okay=False)]
IgnoreDeclaredOption = Annotated[bool, typer.Option(
    "--ignore-declared", help="Classify from the text alone, ignoring the theme column.")]
OutputOption = Annotated[Path | None, typer.Option(
    "-o", "--output", help="Write to this file instead of the terminal.", dir_okay=False)]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of theme labels and "
                                          "headings: ja or en.")]
MaxFileOption = Annotated[int, typer.Option(
    "--max-file-size", min=1, help="Refuse input files larger than this many MiB.",
    rich_help_panel="Limits")]
MaxInflatedOption = Annotated[int, typer.Option(
    "--max-uncompressed-size", min=1, help="Refuse workbooks that inflate to more than this "
    "many MiB (zip bombs).", rich_help_panel="Limits")]
MaxRowsOption = Annotated[int, typer.Option(
    "--max-rows", min=1, help="Refuse sheets or files with more rows than this.",
    rich_help_panel="Limits")]


def _limits(max_file_size: int, max_uncompressed_size: int, max_rows: int):
    from .io.readers import Limits, MiB

    return Limits(max_file_bytes=max_file_size * MiB,
                  max_uncompressed_bytes=max_uncompressed_size * MiB, max_rows=max_rows)


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
    "unique; no two rows repeat the same four elements; theme labels and the labels of the "
    "optional type columns are known; no cell holds only punctuation, an Excel error value like "
    "#REF!, or over 500 characters. Flows carrying 要配慮個人情報 are noted (a warning where "
    "the consent column is empty).\n\n"
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
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
    max_file_size: MaxFileOption = 512,
    max_uncompressed_size: MaxInflatedOption = 2048,
    max_rows: MaxRowsOption = 1_000_000,
) -> None:
    """Check inventories and list every problem with the sheet and cell it is in."""
    from .checks import validate_files

    try:
        results = validate_files(files, sheet=sheet, encoding=encoding, themes=themes,
                                 headers=headers, separators=separators,
                                 limits=_limits(max_file_size, max_uncompressed_size, max_rows),
                                 service_types=service_types, data_categories=data_categories)
    except FlowmatrixError as exc:  # a bad taxonomy or --headers file: nothing could be checked
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


# --- analyze ------------------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES, help=(
    "From inventory to finished report: read, check, classify, count and chart, then write a "
    "report folder.\n\n"
    "For each input, [bold]OUT/<file name>/[/bold] gets report.xlsx (summary, cases, theme tally "
    "with a chart, data-flow matrices coloured by count, other tallies, findings), report.html "
    "(one self-contained page), report.md (for a repository or wiki), summary.json (every "
    "number), cases.csv (UTF-8 with BOM) and charts/ (theme tally, heatmap, flow diagrams "
    "overall and per theme, PNG and SVG). A folder is replaced only once everything was "
    "written. Several inputs (files, folders, quoted globs) also give OUT/_combined/ over all "
    "cases and OUT/index.html; a bad input is reported and the others are still written "
    "(exit 1).\n\n"
    "Example: [bold]flowmatrix analyze data/cases.xlsx[/bold]  ·  "
    "[bold]flowmatrix analyze inventories/ 'reports-2024/*.xlsx' --out reports/ --lang en"
    "[/bold]"))
def analyze(
    inputs: Annotated[list[str], typer.Argument(help="Inventory files, folders or quoted glob "
                                                "patterns.", show_default=False)],
    *,
    out: Annotated[Path, typer.Option("--out", help="Folder the report folders go in.",
                                      file_okay=False)] = Path("reports"),
    formats: Annotated[str, typer.Option(
        "--format", help="Comma-separated subset of xlsx,html,md,json,csv,png,svg.")
    ] = "xlsx,html,md,json,csv,png,svg",
    lang: LangOption = Lang.ja,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows and columns kept in report "
                                     "matrices and charts; the rest fold into その他.")] = 12,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
    stamp: Annotated[bool, typer.Option("--stamp", help="Put the date and time in the "
                                        "reports (they are byte-identical run to run "
                                        "without it).")] = False,
    themes: ThemesOption = None,
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
    ignore_declared: IgnoreDeclaredOption = False,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
    max_file_size: MaxFileOption = 512,
    max_uncompressed_size: MaxInflatedOption = 2048,
    max_rows: MaxRowsOption = 1_000_000,
) -> None:
    """Write the report of one inventory or many."""
    import datetime as dt
    import os

    from .batch import analyze_files, expand_inputs
    from .classification.taxonomy import load_taxonomy
    from .render.folder import parse_formats

    try:
        chosen = parse_formats(formats)
        taxonomy = load_taxonomy(themes)
        item_taxonomies = {
            "service_types": load_taxonomy(service_types, kind="service_type"),
            "data_categories": load_taxonomy(data_categories, kind="data_category")}
        paths = expand_inputs(inputs)
        if not paths:
            raise FlowmatrixError("no inventory files found in " + ", ".join(inputs),
                                  code="no-input")
    except FlowmatrixError as exc:
        raise _fail(exc) from exc
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z") if stamp else None
    options = {"sheet": sheet, "encoding": encoding, "headers": headers,
               "separators": separators,
               "limits": _limits(max_file_size, max_uncompressed_size, max_rows)}
    batch = len(paths) > 1
    progress, finish = _progress(quiet or not batch, plain=not sys.stdout.isatty()
                                 or bool(os.environ.get("CI")))
    try:
        results, combined, index = analyze_files(
            paths, out, formats=chosen, taxonomy=taxonomy, lang=lang.value, top=top,
            ignore_declared=ignore_declared, stamp=when, read_options=options,
            item_taxonomies=item_taxonomies, progress=progress)
    finally:
        finish()
    failures = [r for r in results if r.error is not None]
    for result in failures:
        _console(stderr=True).print(f"[bold red]error:[/bold red] {_escape(str(result.error))}")
    if not batch:
        (result,) = results
        if result.error is not None:
            raise typer.Exit(result.error.exit_code)
        if not quiet:
            _print_analysis(result.analysis, result.folder, lang.value)
        raise typer.Exit(EXIT_INVENTORY_ERRORS if result.analysis.counts["error"] else EXIT_OK)
    if not quiet:
        written = [r for r in results if r.error is None]
        if combined is not None:
            _print_analysis(combined.analysis, combined.folder, lang.value)
        _console().print(f"{len(written)} of {len(results)} inputs reported · index: "
                         f"{_escape(str(index))}")
    raise typer.Exit(EXIT_INVENTORY_ERRORS if failures else EXIT_OK)


def _progress(silent: bool, *, plain: bool):
    """A progress callback for the batch and a function to close it: a rich bar on a terminal,
    one line per file otherwise, nothing when silent."""
    if silent:
        return None, lambda: None
    if plain:
        def line(result, index, total):
            status = "ok" if result.error is None else "failed"
            _console().print(f"[{index}/{total}] {_escape(str(result.path))}: {status}")
        return line, lambda: None
    from rich.progress import Progress

    bar = Progress(console=_console(stderr=True), transient=True)
    task = bar.add_task("analyse", total=None)
    bar.start()

    def advance(result, index, total):
        bar.update(task, completed=index, total=total,
                   description=_escape(str(result.path.name)))
    return advance, bar.stop


def _print_analysis(analysis, folder, lang: str) -> None:
    from rich.table import Table

    out = _console()
    english = lang == "en"
    counts = analysis.counts
    out.print(f"[bold]{_escape(analysis.name)}[/bold]: {_count(len(analysis.cases), 'case')}, "
              f"{_count(counts['error'], 'error')}, {_count(counts['warning'], 'warning')}")
    tally = Table(pad_edge=False, title="Cases by theme" if english else "テーマ別の事例数")
    for heading, justify in ((("theme", "left"), ("cases", "right"), ("share", "right"))
                             if english else
                             (("テーマ", "left"), ("事例数", "right"), ("割合", "right"))):
        tally.add_column(heading, justify=justify)
    for row in analysis.theme_tally.to_dict("records"):
        if row["cases"]:
            tally.add_row(_escape(row["theme"]), str(row["cases"]), f"{row['share']:.1%}")
    out.print(tally)
    if analysis.top_flows:
        out.print("Largest flows:" if english else "主なデータの流れ:")
        for flow in analysis.top_flows[:5]:
            out.print(f"  {_escape(flow['source_service'])} → {_escape(flow['target_service'])}"
                      f" ({flow['count']}): {_escape('、'.join(flow['data']))}")
    types = analysis.matrices.get("types")
    if types is not None and types.counts.size:  # the type-level matrix, largest cells first
        from .model.matrix import OTHER

        other = set(OTHER.values())  # その他 / Other (the folded rest, the fallback type): last
        cells = sorted(((int(n), row, col) for row, counts in types.counts.iterrows()
                        for col, n in counts.items() if n),
                       key=lambda c: (-c[0], c[1] in other, c[2] in other, c[1], c[2]))
        out.print("Largest flows by type (flowmatrix matrix FILE --by-type):" if english
                  else "種別で見た主な流れ（全体は flowmatrix matrix FILE --by-type）:")
        for _, row, col in cells[:5]:
            out.print(f"  {_escape(str(row))} → {_escape(str(col))}: "
                      f"{_escape(str(types.table.loc[row, col]))}")
    flows = analysis.sensitive_flows
    if flows:
        label = ("Flows carrying 要配慮個人情報" if english else "要配慮個人情報を含む流れ")
        out.print(f"{label}: {_count(len(flows), 'case')} (rows "
                  f"{', '.join(str(f['row']) for f in flows[:10])}"
                  f"{', …' if len(flows) > 10 else ''}) — see the report")
    problems = [f for f in analysis.findings if f.severity != "info"]
    for finding in problems[:5]:
        out.print(f"  [yellow]{finding.severity}[/yellow] {_escape(finding.location)}: "
                  f"{_escape(finding.message)}")
    if len(problems) > 5:
        out.print(f"  … {len(problems) - 5} more findings in the report")
    out.print(f"report: {_escape(str(folder))}/")


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
    output: OutputOption = None,
    ignore_declared: IgnoreDeclaredOption = False,
    lang: LangOption = Lang.ja,
    themes: ThemesOption = None,
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
    max_file_size: MaxFileOption = 512,
    max_uncompressed_size: MaxInflatedOption = 2048,
    max_rows: MaxRowsOption = 1_000_000,
) -> None:
    """Classify every case by theme and show why."""
    from .classification.themes import case_records, disagreement_findings
    from .render.serialise import csv_chunks, json_lines_array

    fmt = _output_format(output_format, output, ClassifyFormat)
    try:
        inventory, taxonomy, classified = _classified(
            file, themes=themes, service_types=service_types,
            data_categories=data_categories, ignore_declared=ignore_declared, sheet=sheet,
            encoding=encoding, headers=headers, separators=separators,
            limits=_limits(max_file_size, max_uncompressed_size, max_rows))
        findings = disagreement_findings(inventory, classified, taxonomy, lang.value)
        records = case_records(classified, taxonomy, lang.value)
        if fmt is ClassifyFormat.table:
            _print_classification(classified, list(records), taxonomy, lang.value, explain)
        else:
            data = json_lines_array(records) if fmt is ClassifyFormat.json else csv_chunks(
                (_flat(r, taxonomy, lang.value) for r in records), CLASSIFY_CSV_COLUMNS)
            _emit(data, output, (file,), _count(len(classified), "case"))
    except FlowmatrixError as exc:
        raise _fail(exc) from exc
    _print_findings_brief(findings)


CLASSIFY_CSV_COLUMNS = [
    "case_id", "file", "sheet", "row", "municipality", "title", "source_service", "data",
    "target_service", "linked_service", "theme_id", "theme", "theme_source", "declared_theme",
    "secondary_theme_ids", "secondary_themes", "score", "matched_terms"]


def _flat(record: dict, taxonomy, lang: str) -> dict:
    from .classification.themes import explain_terms

    terms = tuple((t["element"], t["term"], t["theme_id"]) for t in record["matched_terms"])
    return {**record, "matched_terms": explain_terms(terms, taxonomy, lang)}


def _output_format(chosen, output: Path | None, kind):
    """--format, else what the -o file name implies, else a table on the terminal; a table
    cannot go to a file."""
    fmt = chosen or _format_from_name(output, kind) or kind.table
    if output is not None and fmt is kind.table:
        files = ", ".join(f".{m}" for m in kind.__members__ if m != "table")
        raise _fail(FlowmatrixError(f"-o writes a file: name it {files} or pass --format",
                                    code="usage"))
    return fmt


def _format_from_name(path: Path | None, kind=None):
    """The output format a file name implies (.csv, .json, .xlsx), as a member of `kind`."""
    kind = kind or ClassifyFormat
    if path is None:
        return None
    name = path.suffix.lower().lstrip(".")
    return kind(name) if name in kind.__members__ else None


def _print_classification(classified, records, taxonomy, lang: str, explain: bool) -> None:
    from rich.table import Table

    from .classification.themes import explain_terms

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


# --- tally and matrix ---------------------------------------------------------------------------

class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class MatrixFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def _classified(file: Path, *, themes, ignore_declared, sheet, encoding, headers, separators,
                limits, service_types=None, data_categories=None):
    """Read and classify one inventory (themes, then item types): the common first step of
    classify, tally, matrix and chart."""
    from .classification.kinds import type_items
    from .classification.taxonomy import load_taxonomy
    from .classification.themes import classify as classify_cases
    from .io.inventory import read_inventory

    taxonomy = load_taxonomy(themes)
    types = load_taxonomy(service_types, kind="service_type")
    categories = load_taxonomy(data_categories, kind="data_category")
    inventory = read_inventory(file, sheet=sheet, encoding=encoding, headers=headers,
                               separators=separators, limits=limits)
    classified = classify_cases(inventory, taxonomy, ignore_declared=ignore_declared)
    return inventory, taxonomy, type_items(classified, types, categories)


def _emit(data, output: Path | None, inputs: tuple[Path, ...], what: str) -> None:
    """Bytes (or chunks of bytes) to stdout, or to a file written whole or not at all."""
    from .io.output import write_atomic

    if output is None:
        for chunk in [data] if isinstance(data, bytes) else data:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        return
    write_atomic(output, data, inputs=inputs)
    _console(stderr=True).print(f"wrote {_escape(str(output))} ({what})")


def _print_frame(frame, *, title: str | None = None, index: bool = False) -> None:
    from rich.table import Table

    table = Table(pad_edge=False, title=title)
    columns = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    numeric = {str(c) for c in frame.columns if frame[c].dtype.kind in "iuf"}
    for column in columns:
        table.add_column(_escape(column), justify="right" if column in numeric else "left",
                         overflow="fold")
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [_escape(str(label))] if index else []
        for column, value in zip(frame.columns, row, strict=True):
            if column == "share":
                cells.append(f"{value:.1%}")
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append(_escape(str(value)))
        table.add_row(*cells)
    _console().print(table)


@app.command(epilog=EXIT_CODES, help=(
    "Count cases per theme — like the DSA's table — or per any other column.\n\n"
    "By theme: cases per primary theme, their share, and how many cases touch each theme "
    "counting secondary themes; sorted by count, ties in taxonomy order; themes without cases "
    "are listed with 0 (--hide-empty leaves them out). --by municipality|prefecture|fiscal_year|"
    "COLUMN counts any column (an original header such as 出典区分 works too); --cross COLUMN "
    "gives a theme × COLUMN table.\n\n"
    "Example: [bold]flowmatrix tally data/cases.xlsx[/bold]  ·  "
    "[bold]flowmatrix tally cases.xlsx --cross municipality --format csv -o by_city.csv[/bold]"))
def tally(
    file: Annotated[Path, typer.Argument(help="The inventory file.", show_default=False)],
    *,
    by: Annotated[str, typer.Option("--by", help="theme, municipality, prefecture, "
                                    "fiscal_year or any column.")] = "theme",
    cross: Annotated[str | None, typer.Option("--cross", help="Cross-tabulate themes "
                                              "against this column.")] = None,
    hide_empty: Annotated[bool, typer.Option("--hide-empty", help="Leave out themes without "
                                             "cases.")] = False,
    output_format: Annotated[TableFormat | None, typer.Option(
        "--format", help="table, csv or json. Default: from the -o file name, else table.")
    ] = None,
    output: OutputOption = None,
    lang: LangOption = Lang.ja,
    themes: ThemesOption = None,
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
    ignore_declared: IgnoreDeclaredOption = False,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
    max_file_size: MaxFileOption = 512,
    max_uncompressed_size: MaxInflatedOption = 2048,
    max_rows: MaxRowsOption = 1_000_000,
) -> None:
    """Count cases per theme or per column."""
    from .model.tally import tally_by, theme_cross_table, theme_tally
    from .render.serialise import csv_bytes, json_bytes

    fmt = _output_format(output_format, output, TableFormat)
    try:
        _, taxonomy, classified = _classified(
            file, themes=themes, service_types=service_types,
            data_categories=data_categories, ignore_declared=ignore_declared, sheet=sheet,
            encoding=encoding, headers=headers, separators=separators,
            limits=_limits(max_file_size, max_uncompressed_size, max_rows))
        from .model.matrix import TYPE_DIMENSIONS

        column = cross or (by if by != "theme" else None)
        if column is not None and column not in classified.columns \
                and column not in TYPE_DIMENSIONS:
            raise FlowmatrixError(f"no column {column!r}; the inventory has: "
                                  + ", ".join(_tally_columns(classified)), path=str(file),
                                  code="usage")
        if cross:
            table = theme_cross_table(classified, cross, taxonomy, lang=lang.value)
        elif by == "theme":
            table = theme_tally(classified, taxonomy, lang=lang.value,
                                include_empty=not hide_empty)
        else:
            table = tally_by(classified, by, lang=lang.value)
        if fmt is TableFormat.table:
            _print_frame(table)
            _console().print(f"{_count(len(classified), 'case')}")
            return
        records = table.to_dict("records")
        if fmt is TableFormat.json:
            key = "theme_tally" if by == "theme" and not cross else "tally"
            data = json_bytes({"cases": len(classified), "by": cross or by, key: records})
        else:
            data = csv_bytes(records, [str(c) for c in table.columns])
        _emit(data, output, (file,), f"{_count(len(table), 'row')}")
    except FlowmatrixError as exc:
        raise _fail(exc) from exc


def _tally_columns(classified) -> list[str]:
    from .classification.kinds import TYPE_COLUMNS
    from .classification.themes import CLASSIFICATION_COLUMNS
    from .io.columns import ELEMENTS
    from .io.inventory import PROVENANCE_COLUMNS, item_column
    from .model.matrix import TYPE_DIMENSIONS

    hidden = {*CLASSIFICATION_COLUMNS, *PROVENANCE_COLUMNS, *(item_column(e) for e in ELEMENTS),
              *TYPE_COLUMNS}
    return ["theme", *TYPE_DIMENSIONS,
            *(str(c) for c in classified.columns if c not in hidden and c != "theme")]


@app.command(epilog=EXIT_CODES, help=(
    "A data-flow matrix: which services feed which, with what data.\n\n"
    "The default is the DSA's data-flow matrix: ① source service × ③ target service with the "
    "② data α listed in each cell and the count. --rows/--cols take source_service, data, "
    "target_service, linked_service, theme, municipality, prefecture, fiscal_year. Cells with "
    "several items are counted per item: a case with two sources and one target gives two "
    "source→target pairs. --values count gives numbers only, linked_service the ④ services, "
    "cases the case ids. --top N keeps the N largest rows and columns and folds the rest into "
    "その他/Other. Rows and columns are ordered by total, then name.\n\n"
    "Example: [bold]flowmatrix matrix data/cases.xlsx[/bold]  ·  "
    "[bold]flowmatrix matrix cases.xlsx --rows data --cols linked_service --values count "
    "--top 10 -o matrix.xlsx[/bold]"))
def matrix(
    file: Annotated[Path, typer.Argument(help="The inventory file.", show_default=False)],
    *,
    rows: Annotated[str, typer.Option("--rows", help="Row dimension.")] = "source_service",
    cols: Annotated[str, typer.Option("--cols", help="Column dimension.")] = "target_service",
    values: Annotated[str | None, typer.Option(
        "--values", help="count, data, data_category, linked_service or cases. Default: data "
        "(data_category with --by-type).", show_default=False)] = None,
    by_type: Annotated[bool, typer.Option(
        "--by-type", help="The DSA-style matrix: ① source service type × ③ target service type "
        "with ② data categories in the cells.")] = False,
    theme: Annotated[str | None, typer.Option("--theme", help="Only cases of this theme id, "
                                              "e.g. health.")] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Keep the N largest rows "
                                            "and columns.")] = None,
    output_format: Annotated[MatrixFormat | None, typer.Option(
        "--format", help="table, csv, json or xlsx. Default: from the -o file name, else "
        "table.")] = None,
    output: OutputOption = None,
    lang: LangOption = Lang.ja,
    themes: ThemesOption = None,
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
    ignore_declared: IgnoreDeclaredOption = False,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
    max_file_size: MaxFileOption = 512,
    max_uncompressed_size: MaxInflatedOption = 2048,
    max_rows: MaxRowsOption = 1_000_000,
) -> None:
    """A data-flow matrix."""
    from .model.matrix import DIMENSIONS, VALUES, axis_order, flow_pairs, flow_tables
    from .render.serialise import csv_bytes, json_bytes

    fmt = _output_format(output_format, output, MatrixFormat)
    if by_type:
        rows, cols = "source_type", "target_type"
    values = values or ("data_category" if by_type else "data")
    for name, value, allowed in (("--rows", rows, DIMENSIONS), ("--cols", cols, DIMENSIONS),
                                 ("--values", values, VALUES)):
        if value not in allowed:
            raise _fail(FlowmatrixError(f"{name} {value!r}: choose one of "
                                        + ", ".join(allowed), code="usage"))
    if fmt is MatrixFormat.xlsx and output is None:
        raise _fail(FlowmatrixError("--format xlsx needs -o FILE.xlsx", code="usage"))
    try:
        _, taxonomy, classified = _classified(
            file, themes=themes, service_types=service_types,
            data_categories=data_categories, ignore_declared=ignore_declared, sheet=sheet,
            encoding=encoding, headers=headers, separators=separators,
            limits=_limits(max_file_size, max_uncompressed_size, max_rows))
        if theme is not None and theme not in taxonomy.ids:
            raise FlowmatrixError(f"--theme {theme!r}: choose one of " + ", ".join(taxonomy.ids),
                                  code="usage")
        table, counts = flow_tables(classified, rows, cols, values=values, theme=theme,
                                    top=top, taxonomy=taxonomy, lang=lang.value)
        if fmt is MatrixFormat.table:
            _print_frame(table, index=True)
            return
        if fmt is MatrixFormat.json:
            pairs = flow_pairs(classified, rows, cols, theme=theme, top=top,
                               taxonomy=taxonomy, lang=lang.value,
                               cell_values="data_category" if values == "data_category"
                               else "data")
            data = json_bytes({
                "rows": rows, "cols": cols, "values": values, "theme": theme, "top": top,
                "row_labels": axis_order(pairs, "row", lang=lang.value) if len(pairs) else [],
                "col_labels": axis_order(pairs, "col", lang=lang.value) if len(pairs) else [],
                "cells": pairs.to_dict("records")})
        elif fmt is MatrixFormat.csv:
            frame = table.reset_index()
            data = csv_bytes(frame.to_dict("records"), [str(c) for c in frame.columns])
        else:
            from .render.xlsx import matrix_workbook

            data = matrix_workbook(table, counts, lang=lang.value)
        _emit(data, output, (file,), f"{len(table)} × {len(table.columns)}")
    except FlowmatrixError as exc:
        raise _fail(exc) from exc


# --- chart --------------------------------------------------------------------------------------

class ChartKind(StrEnum):
    tally = "tally"
    heatmap = "heatmap"
    flow = "flow"


@app.command(epilog=EXIT_CODES, help=(
    "Draw one chart as PNG or SVG, with Japanese (or --lang en) labels.\n\n"
    "tally: cases per theme as horizontal bars, largest first, counts on the bars. heatmap: "
    "the count matrix (--rows/--cols as in [bold]flowmatrix matrix[/bold], default ① source × "
    "③ target) with numbers in the cells and a colour scale. flow: the four stages ① source → "
    "② data → ③ target → ④ linked service as an alluvial diagram, ribbons as wide as the number "
    "of cases and coloured by theme. --theme ID draws one theme only; --top N folds smaller "
    "items into その他.\n\n"
    "Example: [bold]flowmatrix chart data/cases.xlsx --kind flow --theme health -o health.png"
    "[/bold]"))
def chart(
    file: Annotated[Path, typer.Argument(help="The inventory file.", show_default=False)],
    *,
    kind: Annotated[ChartKind, typer.Option("--kind", help="tally, heatmap or flow.")
                    ] = ChartKind.tally,
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.png or OUT.svg.",
                                         dir_okay=False, show_default=False)],
    theme: Annotated[str | None, typer.Option("--theme", help="Only cases of this theme id "
                                              "(heatmap, flow).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Items kept per axis or stage.")
                   ] = 10,
    rows: Annotated[str, typer.Option("--rows", help="Heatmap rows.")] = "source_service",
    cols: Annotated[str, typer.Option("--cols", help="Heatmap columns.")] = "target_service",
    lang: LangOption = Lang.ja,
    themes: ThemesOption = None,
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
    ignore_declared: IgnoreDeclaredOption = False,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    headers: HeadersOption = None,
    separators: SeparatorsOption = "/、,;",
    max_file_size: MaxFileOption = 512,
    max_uncompressed_size: MaxInflatedOption = 2048,
    max_rows: MaxRowsOption = 1_000_000,
) -> None:
    """Draw one chart."""
    from .model.matrix import DIMENSIONS

    if output.suffix.lower() not in (".png", ".svg"):
        raise _fail(FlowmatrixError("chart files are .png or .svg", path=str(output),
                                    code="usage"))
    for name, value in (("--rows", rows), ("--cols", cols)):
        if value not in DIMENSIONS:
            raise _fail(FlowmatrixError(f"{name} {value!r}: choose one of "
                                        + ", ".join(DIMENSIONS), code="usage"))
    try:
        inventory, taxonomy, classified = _classified(
            file, themes=themes, service_types=service_types,
            data_categories=data_categories, ignore_declared=ignore_declared, sheet=sheet,
            encoding=encoding, headers=headers, separators=separators,
            limits=_limits(max_file_size, max_uncompressed_size, max_rows))
        if theme is not None and theme not in taxonomy.ids:
            raise FlowmatrixError(f"--theme {theme!r}: choose one of " + ", ".join(taxonomy.ids),
                                  code="usage")
        if output.exists() and output.resolve() == Path(file).resolve():
            raise FlowmatrixError("refusing to write the output over the input file",
                                  path=str(output), code="output-is-input")
        from . import charts
        from .model.matrix import flow_matrix
        from .model.tally import theme_tally

        if kind is ChartKind.tally:
            figure = charts.tally_chart(theme_tally(classified, taxonomy, lang=lang.value),
                                        lang=lang.value, taxonomy=taxonomy)
        elif kind is ChartKind.heatmap:
            counts = flow_matrix(classified, rows, cols, values="count", theme=theme, top=top,
                                 taxonomy=taxonomy, lang=lang.value)
            figure = charts.heatmap_chart(counts, lang=lang.value)
        else:
            figure = charts.flow_chart(classified, taxonomy, lang=lang.value, theme=theme,
                                       top=top)
        charts.save_figure(figure, output)
    except FlowmatrixError as exc:
        raise _fail(exc) from exc
    _console(stderr=True).print(f"wrote {_escape(str(output))}")


# --- themes -------------------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES, help=(
    "List the themes of the taxonomy with their labels and keyword counts; --kind service or "
    "data lists the service types and data categories (with their 要配慮 flags) instead.\n\n"
    "Example: [bold]flowmatrix themes[/bold]  ·  "
    "[bold]flowmatrix themes --themes my_themes.toml --format json[/bold]  ·  "
    "[bold]flowmatrix themes --kind service --service-types my_types.toml[/bold]"))
def themes(
    *,
    themes: ThemesOption = None,
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
    kind: Annotated[TaxonomyKind | None, typer.Option(
        "--kind", help="theme, service (service types of ① and ③ items) or data (data "
        "categories of ② items, with their 要配慮 flags).")] = None,
    output_format: Annotated[ListFormat, typer.Option("--format", help="table or json.")
                             ] = ListFormat.table,
) -> None:
    """List the themes of the taxonomy."""
    from rich.table import Table

    from .classification.taxonomy import load_taxonomy

    kind_id = {"service": "service_type", "data": "data_category"}.get(kind or "", "theme")
    files = {"theme": themes, "service_type": service_types, "data_category": data_categories}
    given = [k for k, f in files.items() if f is not None]
    if len(given) == 1 and kind is None:  # --service-types FILE alone lists that file
        kind_id = given[0]
    try:
        if any(k != kind_id for k in given):
            raise FlowmatrixError("give the taxonomy file of the --kind listed: --themes, "
                                  "--service-types (--kind service) or --data-categories "
                                  "(--kind data)", code="usage")
        taxonomy = load_taxonomy(files[kind_id], kind=kind_id)
    except FlowmatrixError as exc:
        raise _fail(exc) from exc
    rows = [{"id": t.id, "ja": t.ja, "en": t.en,
             "keywords": sum(1 for term in t.terms if not term.is_pattern),
             "patterns": sum(1 for term in t.terms if term.is_pattern),
             "aliases": list(t.aliases), **dict(t.attributes)} for t in taxonomy.themes]
    if output_format is ListFormat.json:
        typer.echo(json.dumps({"source": taxonomy.source, "themes": rows}, ensure_ascii=False,
                              indent=2))
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
        table.add_row(*cells)
    _console().print(table)


# --- template -----------------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES, help=(
    "Write an empty inventory workbook to fill in: the DSA's four-element header (①–④), "
    "optional columns for the service types, data categories and consent, an example row from "
    "the DSA article, drop-down lists of themes, service types and data categories, and a "
    "sheet explaining each column. [bold]flowmatrix validate[/bold] accepts it as soon as rows "
    "are filled in.\n\n"
    "Example: [bold]flowmatrix template 事例一覧.xlsx[/bold]"))
def template(
    output: Annotated[Path, typer.Argument(help="The workbook to write, e.g. cases.xlsx.",
                                           show_default=False)],
    *,
    lang: Annotated[Lang, typer.Option("--lang", help="Header and guide language.")] = Lang.ja,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    themes: ThemesOption = None,
    service_types: ServiceTypesOption = None,
    data_categories: DataCategoriesOption = None,
) -> None:
    """Write an empty inventory workbook to fill in."""
    from .classification.taxonomy import load_taxonomy
    from .io.template import write_template

    try:
        path = write_template(
            output, lang=lang.value, taxonomy=load_taxonomy(themes), overwrite=force,
            service_types=load_taxonomy(service_types, kind="service_type"),
            data_categories=load_taxonomy(data_categories, kind="data_category"))
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
