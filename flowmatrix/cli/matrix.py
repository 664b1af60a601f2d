"""flowmatrix matrix: a data-flow matrix — which services feed which, with what data."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import Settings
from .app import command
from .console import emit, fail, output_format, print_frame, usage
from .options import FileArgument, OutputOption, ThemeOption, municipality_field, settings_options


class MatrixFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


@command(
    "A data-flow matrix: which services feed which, with what data.\n\n"
    "The default is the DSA's data-flow matrix: ① source service × ③ target service with the "
    "② data α listed in each cell and the count. --rows/--cols take source_service, data, "
    "target_service, linked_service, theme, municipality, prefecture, fiscal_year, "
    "source_type, target_type, data_category, value_type. Cells with "
    "several items are counted per item: a case with two sources and one target gives two "
    "source→target pairs. --values count gives numbers only, linked_service the ④ services, "
    "cases the case ids. --top N keeps the N largest rows and columns and folds the rest into "
    "上記以外/All others. Rows and columns are ordered by total, ties by name (kinds and "
    "themes in taxonomy order).\n\n"
    "Example: flowmatrix matrix data/cases.xlsx  ·  "
    "flowmatrix matrix cases.xlsx --rows data --cols linked_service --values count "
    "--top 10 -o matrix.xlsx")
@settings_options("read", "municipality", "taxonomies", "classify", "lang")
def matrix(
    file: FileArgument,
    *,
    rows: Annotated[str, typer.Option("--rows", help="Row dimension: an id or a header of the "
                                      "inventory (自治体).")] = "source_service",
    cols: Annotated[str, typer.Option("--cols", help="Column dimension, likewise.")
                    ] = "target_service",
    values: Annotated[str | None, typer.Option(
        "--values", help="count, data, data_category, linked_service or cases. Default: data "
        "(data_category with --by-type).", show_default=False)] = None,
    by_type: Annotated[bool, typer.Option(
        "--by-type", help="The DSA-style matrix: ① source service type × ③ target service type "
        "with ② data categories in the cells.")] = False,
    theme: ThemeOption = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Keep the N largest rows "
                                            "and columns.")] = None,
    output_format_: Annotated[MatrixFormat | None, typer.Option(
        "--format", help="table, csv, json or xlsx. Default: from the -o file name, else "
        "table.")] = None,
    output: OutputOption = None,
    settings: Settings,
) -> None:
    """A data-flow matrix."""
    from .. import check_dimensions, classify, flow_matrix
    from ..render.serialise import csv_bytes, json_bytes
    from ..render.tables import matrix_dict, matrix_frames

    fmt = output_format(output_format_, output, MatrixFormat)
    if by_type:
        rows, cols = "source_type", "target_type"
    values = values or ("data_category" if by_type else "data")
    if fmt is MatrixFormat.xlsx and output is None:
        raise usage("--format xlsx needs -o FILE.xlsx")
    lang = settings.lang
    try:
        classified = classify(file, settings)
        rows, cols = classified.dimension(rows, "--rows"), classified.dimension(cols, "--cols")
        check_dimensions(rows, cols, values)
        theme_id = classified.theme_id(theme)
        counted = flow_matrix(classified.cases, rows, cols, values=values, theme=theme_id,
                              top=top, taxonomies=classified.taxonomies)
        table, counts = matrix_frames(counted, classified.taxonomies, lang)
        if fmt is MatrixFormat.table:
            print_frame(table, index=True)
            return
        if fmt is MatrixFormat.json:
            data = json_bytes({**municipality_field(settings), "rows": rows, "cols": cols,
                               "values": values, "theme": theme_id,
                               "top": top,
                               **matrix_dict(counted, classified.taxonomies, lang)})
        elif fmt is MatrixFormat.csv:
            frame = table.reset_index()
            data = csv_bytes(frame.to_dict("records"), [str(c) for c in frame.columns])
        else:
            from ..render.xlsx import matrix_workbook

            data = matrix_workbook(table, counts, lang=lang)
        emit(data, output, (file,), f"{len(table)} × {len(table.columns)}", lang=settings.lang)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
