"""flowmatrix template: an empty inventory workbook to fill in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import Settings
from .app import command
from .console import fail, written
from .options import settings_options


@command(
    "Write an empty inventory workbook to fill in: the DSA's four-element header (①–④), "
    "optional columns for the service types, data categories and consent, an example row from "
    "the DSA article, drop-down lists of themes, service types and data categories, a "
    "sheet explaining each column, and a KPI sheet (自治体, 指標, 年度, 目標, 実績, 単位, 出典) "
    "for the municipality pages of analyze --by municipality. flowmatrix validate "
    "accepts it as soon as rows are filled in.\n\n"
    "Example: flowmatrix template 事例一覧.xlsx")
@settings_options("taxonomies", "lang")
def template(
    output: Annotated[Path, typer.Argument(
        metavar="OUTPUT", help="The workbook to write, e.g. cases.xlsx.", show_default=False)],
    *,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    settings: Settings,
) -> None:
    """Write an empty inventory workbook to fill in."""
    from .. import load_taxonomies, write_template

    try:
        path = write_template(output, load_taxonomies(settings), lang=settings.lang,
                              overwrite=force)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
    written(path, None, settings.lang)
