"""flowmatrix names: names that probably mean one service or one data, for a person to review
into an alias file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import DEFAULT_NAME_THRESHOLD, Settings
from .app import command
from .console import console, emit, escape, fail, output_format, written
from .inputs import input_files
from .options import OutputOption, settings_options


class NameFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class NameKind(StrEnum):
    service = "service"
    data = "data"


CSV_COLUMNS = ["kind", "cluster", "canonical", "name", "count"]


@command(
    "Names that probably mean the same service (① and ③ together) or the same data (②), "
    "across all the given inventories: 公式LINE, 市公式LINE and LINE公式アカウント; "
    "母子手帳アプリ and 母子健康手帳アプリ「母子モ」.\n\n"
    "Names are compared after normalising width, case, spaces, brackets and what they hold, "
    "and prefixes such as 市公式; then by similarity of their character pairs (0-100, "
    "--threshold; 100 leaves only names that normalise alike). Each cluster lists its names "
    "with how often the inventories write them, and suggests the most frequent as canonical. "
    "--write-aliases FILE writes the clusters as an alias file: review it (delete names that do "
    "not belong, rename the canonical), then give it as --aliases FILE to analyze, matrix, "
    "flows, tally, chart, classify or validate: names are mapped before counting, and "
    "cases.csv keeps them as written. With --aliases here, the clusters are what the file does "
    "not merge yet, and --write-aliases writes the file with them added.\n\n"
    "Example: flowmatrix names data/cases.xlsx other.xlsx --write-aliases "
    "aliases.toml  ·  flowmatrix analyze data/cases.xlsx --aliases "
    "aliases.toml")
@settings_options("read", "lang")
def names(
    inputs: Annotated[list[str], typer.Argument(
        metavar="INPUTS...", help="Inventory files, folders or quoted glob patterns.",
        show_default=False)],
    *,
    element: Annotated[NameKind | None, typer.Option(
        "--element", help="service (① and ③) or data (②). Default: both.",
        show_default=False)] = None,
    threshold: Annotated[int, typer.Option(
        "--threshold", min=0, max=100, help="How similar (0-100) names must be to be "
        "clustered; lower finds more, and more wrongly.")] = DEFAULT_NAME_THRESHOLD,
    output_format_: Annotated[NameFormat | None, typer.Option(
        "--format", help="table, csv or json. Default: from the -o file name, else table.")
    ] = None,
    write_aliases: Annotated[Path | None, typer.Option(
        "--write-aliases", help="Write the clusters as an alias file (TOML) to review and "
        "give as --aliases.", dir_okay=False)] = None,
    output: OutputOption = None,
    settings: Settings,
) -> None:
    """List clusters of names that probably mean one service or one data."""
    from .. import aliases_toml, load_aliases, name_clusters, write_atomic
    from ..render.labels import counted

    fmt = output_format(output_format_, output, NameFormat)
    lang = settings.lang
    kinds = (element.value,) if element else ("service", "data")
    try:
        paths = input_files(inputs)
        found = name_clusters(paths, settings, kinds=kinds, threshold=threshold)
        if write_aliases is not None:
            keep = load_aliases(settings.aliases) if settings.aliases is not None else None
            write_atomic(write_aliases, aliases_toml(found.clusters, name=write_aliases.name,
                                                     keep=keep), inputs=tuple(paths))
            written(write_aliases, counted(len(found.clusters), "cluster", lang), lang)
        if fmt is NameFormat.table:
            _print_clusters(found, lang)
            return
        if fmt is NameFormat.json:
            from ..render.serialise import json_bytes

            data = json_bytes(_json(found))
        else:
            from ..render.serialise import csv_bytes

            data = csv_bytes(_rows(found), CSV_COLUMNS)
        emit(data, output, tuple(paths), counted(len(found.clusters), "cluster", lang),
             lang=lang)
    except FlowmatrixError as exc:
        raise fail(exc) from exc


def _rows(found) -> list[dict]:
    """One row per name: kind, cluster number (1, 2, … per kind), canonical, name, count."""
    rows, number = [], {}
    for cluster in found.clusters:
        number[cluster.kind] = number.get(cluster.kind, 0) + 1
        rows += [{"kind": cluster.kind, "cluster": number[cluster.kind],
                  "canonical": cluster.canonical, "name": name, "count": count}
                 for name, count in cluster.members]
    return rows


def _json(found) -> dict:
    return {"sources": found.sources, "threshold": found.threshold,
            "distinct_names": found.distinct,
            "clusters": [{"kind": c.kind, "canonical": c.canonical, "count": c.count,
                          "members": [{"name": n, "count": k} for n, k in c.members]}
                         for c in found.clusters]}


def _print_clusters(found, lang: str) -> None:
    from rich.table import Table

    from ..render.labels import NAME_WORDS

    words = NAME_WORDS[lang]
    out = console()
    if found.clusters:
        table = Table(pad_edge=False)
        for column in ("kind", "canonical", "name", "count"):
            table.add_column(words[column], justify="right" if column == "count" else "left",
                             overflow="fold")
        for cluster in found.clusters:
            for i, (name, count) in enumerate(cluster.members):
                first = i == 0
                table.add_row(words[cluster.kind] if first else "",
                              escape(cluster.canonical) if first else "", escape(name),
                              str(count), end_section=i == len(cluster.members) - 1)
        out.print(table)
    else:
        out.print(words["none"])
    for kind, distinct in found.distinct.items():
        mine = [c for c in found.clusters if c.kind == kind]
        out.print(words["found"].format(kind=words[kind], distinct=distinct, clusters=len(mine),
                                        names=sum(len(c.members) for c in mine)))
