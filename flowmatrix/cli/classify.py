"""flowmatrix classify: every case's theme and its kinds, and why."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import Settings
from .app import command
from .console import console, emit, escape, fail, output_format, short
from .options import FileArgument, OutputOption, settings_options


class ClassifyFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


CSV_COLUMNS = [
    "case_id", "file", "sheet", "row", "municipality", "title", "source_service", "data",
    "target_service", "linked_service", "theme_id", "theme", "theme_source", "declared_theme",
    "secondary_theme_ids", "secondary_themes", "score", "matched_terms", "source_type_ids",
    "data_category_ids", "target_type_ids", "value_type_ids"]


@command(
    "Classify every case by theme (観光／地域経済活性化, 健康／医療, 防災／防犯, 行政, "
    "モビリティ, …) and show why; every item gets its kind too.\n\n"
    "Keyword hits are scored per element: ④ linked service and ③ target service weigh most, then "
    "② data, the title, and ① source — a theme follows the purpose of the flow. A theme written "
    "in the inventory's theme column is kept (theme_source = declared); when the keywords clearly "
    "point elsewhere you get a warning. Secondary themes are other themes scoring at least half "
    "the top score. csv and json also give the kinds of the items: source_type_ids, "
    "data_category_ids, target_type_ids, value_type_ids (in item order).\n\n"
    "Example: flowmatrix classify data/cases.xlsx --explain  ·  "
    "flowmatrix classify cases.xlsx -o themes.csv")
@settings_options("read", "taxonomies", "classify", "lang")
def classify(
    file: FileArgument,
    *,
    explain: Annotated[bool, typer.Option("--explain", help="Show the matched terms per "
                                          "element.")] = False,
    output_format_: Annotated[ClassifyFormat | None, typer.Option(
        "--format", help="table (terminal), csv (UTF-8 with BOM, opens in Excel) or json. "
        "Default: from the -o file name, else table.")] = None,
    output: OutputOption = None,
    settings: Settings,
) -> None:
    """Classify every case by theme and show why."""
    from .. import classify as classify_file
    from ..render.labels import counted, explain_terms
    from ..render.serialise import csv_chunks, json_lines_array
    from ..render.tables import canonical_fields, case_records, with_canonical

    fmt = output_format(output_format_, output, ClassifyFormat)
    lang = settings.lang
    try:
        classified = classify_file(file, settings)
        themes = classified.taxonomies.themes
        records = case_records(classified.cases, classified.taxonomies, lang)
        if fmt is ClassifyFormat.table:
            _print_classification(classified.cases, list(records), themes, lang, explain)
        else:
            def flat(record: dict) -> dict:
                terms = tuple((t["element"], t["term"], t["theme_id"])
                              for t in record["matched_terms"])
                return {**record, "matched_terms": explain_terms(terms, themes, lang)}
            columns = with_canonical(CSV_COLUMNS, canonical_fields(classified.cases))
            data = json_lines_array(records) if fmt is ClassifyFormat.json else csv_chunks(
                (flat(r) for r in records), columns)
            emit(data, output, (file,), counted(len(classified.cases), "case", lang),
                 lang=lang)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
    _print_warnings([f for f in classified.findings if f.code == "theme-disagrees"], lang,
                    classified.taxonomies)


def _print_classification(cases, records, themes, lang: str, explain: bool) -> None:
    from rich.table import Table

    from ..render.labels import CLASSIFY_WORDS, counted, explain_terms

    out = console()
    words = CLASSIFY_WORDS[lang]
    table = Table(pad_edge=False, show_lines=explain)
    for at, heading in enumerate(words["columns"]):
        table.add_column(heading, overflow="fold", no_wrap=at == 3)  # the theme
    if explain:
        table.add_column(words["terms"], overflow="fold", ratio=2)
    for record, terms in zip(records, cases["matched_terms"], strict=True):
        title = record["title"] or record["linked_service"]
        theme = record["theme"] + (" *" if record["theme_source"] == "declared" else "")
        cells = [str(record["row"]), record["case_id"], short(title, 28), theme,
                 ", ".join(record["secondary_themes"]), f"{record['score']:g}"]
        if explain:
            cells.append(explain_terms(terms, themes, lang, separator="\n"))
        table.add_row(*(escape(c) for c in cells))
    out.print(table)
    out.print(escape(f"{words['declared']} · {counted(len(records), 'case', lang)}"))


def _print_warnings(findings, lang: str, taxonomies, shown: int = 5) -> None:
    from ..render.labels import CLASSIFY_WORDS, counted, finding_place, finding_text

    if not findings:
        return
    err = console(stderr=True)
    err.print(f"[yellow]{escape(counted(len(findings), 'warning', lang))}[/yellow]:")
    for f in findings[:shown]:
        err.print(f"  {escape(finding_place(f, lang))}: "
                  f"{escape(finding_text(f, lang, taxonomies))}")
    if len(findings) > shown:
        err.print(escape(CLASSIFY_WORDS[lang]["more"].format(n=len(findings) - shown)))
