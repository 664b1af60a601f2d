"""What a report is made of: its file formats and its charts, each one line here.

FORMATS names the formats `--format` accepts (folder.py writes each); a new chart is a
function of (analysis, key) returning a figure and one entry in CHARTS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import FlowmatrixError

# The findings alone, as validate and analyze --findings print them (render/ci.py)
MACHINE_FORMATS = ("json", "github", "gitlab", "sarif", "junit")

if TYPE_CHECKING:
    from ..model.analysis import Analysis

FORMATS = ("xlsx", "html", "md", "json", "csv", "png", "svg")
# What `analyze` writes unless told: every format, each chart once, as SVG (embedded in
# report.html, linked from report.md). PNG is for whoever asks for it (slides, a wiki that
# shows no SVG): report.xlsx draws its chart natively and needs no picture.
DEFAULT_FORMATS = tuple(f for f in FORMATS if f != "png")
CHART_FILES = ("svg", "png")  # the formats that are chart files, the one report.md prefers first
# The file of each format in a report folder (the charts go in charts/).
FILE_NAMES = {"xlsx": "report.xlsx", "html": "report.html", "md": "report.md",
              "json": "summary.json", "csv": "cases.csv"}


def parse_formats(text: str) -> tuple[str, ...]:
    """"xlsx, md" → ("xlsx", "md"); a usage error naming the choices otherwise."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise FlowmatrixError(f"--format {text!r}: choose from " + ",".join(FORMATS),
                              code="usage")
    return chosen


def _tally(analysis: Analysis, key: str):
    from . import charts
    from .tables import theme_tally_frame

    lang = analysis.settings.lang
    return charts.tally_chart(theme_tally_frame(analysis.theme_tally, analysis.taxonomies.themes,
                                                lang), lang=lang,
                              taxonomy=analysis.taxonomies.themes)


def _heatmap(analysis: Analysis, key: str):
    from . import charts
    from .tables import matrix_frames

    lang = analysis.settings.lang
    matrix = analysis.matrices[HEATMAP_MATRIX[key]]
    return charts.heatmap_chart(matrix_frames(matrix, analysis.taxonomies, lang)[1], lang=lang)


def _flow(analysis: Analysis, key: str):
    from . import charts

    return charts.flow_chart(analysis.flows[key], analysis.taxonomies,
                             lang=analysis.settings.lang)


def page_key(number: int) -> str:
    """municipality_01: the key of municipality page `number` (from 1) in every format, and
    the start of its charts' keys (municipality_01_flow, municipality_01_kpi)."""
    return f"municipality_{number:02d}"


def page_chart(key: str) -> tuple[int, str]:
    """municipality_03_kpi → (2, "kpi"): the page's index in Analysis.municipalities, and
    which of its charts."""
    _, number, what = key.split("_")
    return int(number) - 1, what


def _municipality(analysis: Analysis, key: str):
    """municipality_<n>_flow / municipality_<n>_kpi: a municipality page's charts, titled as
    the report captions them."""
    from . import charts
    from .kpi_chart import kpi_chart
    from .labels import chart_caption

    lang = analysis.settings.lang
    index, what = page_chart(key)
    page = analysis.municipalities[index]
    title = chart_caption(key, analysis, lang)
    if what == "flow":
        return charts.flow_chart(page.flows, analysis.taxonomies, lang=lang, title=title)
    return kpi_chart(page.kpis, lang=lang, title=title)


HEATMAP_MATRIX = {"heatmap_types": "types", "heatmap": "flow"}  # chart → the matrix it draws
HEATMAP_OF = {matrix: chart for chart, matrix in HEATMAP_MATRIX.items()}  # and the reverse
# chart key (or, ending in "_", key prefix) → drawing function
CHARTS = {"tally": _tally, "heatmap": _heatmap, "heatmap_types": _heatmap, "flow_": _flow,
          "flow": _flow, "municipality_": _municipality}


def chart_keys(analysis: Analysis) -> list[str]:
    """The report's charts: the tally, the heatmaps, and a flow chart for each set of flow
    stages the analysis counted (overall, by type, and per theme with FLOW_CHART_MIN_CASES
    cases or more: summary.json keeps the numbers of every theme), and the charts of the
    municipality pages."""
    from ..settings import FLOW_CHART_MIN_CASES
    from .tables import municipality_chart_keys

    cases = dict(zip(analysis.theme_tally["theme_id"], analysis.theme_tally["cases"],
                     strict=True))
    flows = [key for key in analysis.flows if not key.startswith("flow_")
             or key == "flow_types" or cases.get(key[5:], 0) >= FLOW_CHART_MIN_CASES]
    return ["tally", *HEATMAP_MATRIX, *flows, *municipality_chart_keys(analysis)]


def draws_charts(formats: tuple[str, ...]) -> bool:
    """Whether a report in `formats` has charts: chart files, or SVG for report.html."""
    return bool(chart_files(formats)) or "html" in formats


def chart_files(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The chart files of a report in `formats`: report.md links the first (SVG, else PNG;
    none chosen, none linked); report.html embeds SVG whatever they are."""
    return tuple(f for f in CHART_FILES if f in formats)


def draw_chart(analysis: Analysis, key: str):
    """The matplotlib figure of one chart of the report (see chart_keys)."""
    drawer = CHARTS.get(key) or CHARTS.get(key.split("_", 1)[0] + "_")
    if drawer is None or (drawer is _flow and key not in analysis.flows) or (
            drawer is _municipality and key not in chart_keys(analysis)):
        raise FlowmatrixError(f"no chart {key!r}; the report has: "
                              + ", ".join(chart_keys(analysis)), code="usage")
    return drawer(analysis, key)
