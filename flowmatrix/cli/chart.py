"""flowmatrix chart: one chart as PNG or SVG."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import FlowmatrixError
from ..settings import DEFAULTS, Settings
from .app import command
from .console import fail, written
from .options import FileArgument, ThemeOption, settings_options


class ChartKind(StrEnum):
    tally = "tally"
    heatmap = "heatmap"
    flow = "flow"


@command(
    "Draw one chart as PNG or SVG, with Japanese (or --lang en) labels.\n\n"
    "tally: cases per theme as horizontal bars, largest first, counts on the bars. heatmap: "
    "the count matrix (--rows/--cols as in flowmatrix matrix, default ① source × "
    "③ target) with numbers in the cells and a colour scale. flow: the four stages ① source → "
    "② data → ③ target → ④ linked service as an alluvial diagram, ribbons as wide as the number "
    "of cases and coloured by theme (--by-type: ①–④ as kinds). --theme ID draws one theme "
    "only; --top N folds smaller items into 上記以外 (all others).\n\n"
    "Example: flowmatrix chart data/cases.xlsx --kind flow --theme health -o health.png")
@settings_options("read", "municipality", "taxonomies", "classify", "lang")
def chart(
    file: FileArgument,
    *,
    kind: Annotated[ChartKind, typer.Option("--kind", help="tally, heatmap or flow.")
                    ] = ChartKind.tally,
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.png or OUT.svg.",
                                         dir_okay=False, show_default=False)],
    theme: ThemeOption = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Items kept per axis or stage.")
                   ] = DEFAULTS.chart_top,
    rows: Annotated[str, typer.Option("--rows", help="Heatmap rows.")] = "source_service",
    cols: Annotated[str, typer.Option("--cols", help="Heatmap columns.")] = "target_service",
    by_type: Annotated[bool, typer.Option("--by-type", help="Flow chart: ①–④ as service "
                                          "types, data categories and value types.")] = False,
    settings: Settings,
) -> None:
    """Draw one chart."""
    from .. import check_dimensions, classify, flow_matrix, flow_stages, theme_tally
    from ..render import charts
    from ..render.tables import matrix_frames, theme_tally_frame

    if output.suffix.lower() not in (".png", ".svg"):
        raise fail(FlowmatrixError("chart files are .png or .svg", path=str(output),
                                   code="usage"))
    lang = settings.lang
    try:
        check_dimensions(rows, cols)
        if output.exists() and output.resolve() == Path(file).resolve():
            raise FlowmatrixError("refusing to write the output over the input file",
                                  path=str(output), code="output-is-input")
        classified = classify(file, settings)
        theme_id = classified.theme_id(theme)
        cases, taxonomies = classified.cases, classified.taxonomies
        subject = settings.municipality  # --municipality: the title says whose cases
        if kind is ChartKind.tally:
            figure = charts.tally_chart(theme_tally_frame(theme_tally(cases, taxonomies.themes),
                                                          taxonomies.themes, lang),
                                        lang=lang, taxonomy=taxonomies.themes, subject=subject)
        elif kind is ChartKind.heatmap:
            counted = flow_matrix(cases, rows, cols, values="count", theme=theme_id, top=top,
                                  taxonomies=taxonomies)
            figure = charts.heatmap_chart(matrix_frames(counted, taxonomies, lang)[1],
                                          lang=lang, subject=subject)
        else:
            stages = flow_stages(cases, taxonomies, theme=theme_id, top=top, by_type=by_type)
            figure = charts.flow_chart(stages, taxonomies, lang=lang, subject=subject)
        charts.save_figure(figure, output)
    except FlowmatrixError as exc:
        raise fail(exc) from exc
    written(output, None, settings.lang)



