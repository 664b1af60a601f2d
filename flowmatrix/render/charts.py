"""Charts: the theme tally, the data-flow matrix heatmap and the four-stage flow ① → ② → ③ → ④.

Every figure is a plain `matplotlib.figure.Figure` on an Agg canvas (never pyplot), built and saved
inside `chart_style()`, an `rc_context` with the IPAex Gothic font that matplotlib-fontja ships:
drawing a chart never changes matplotlib's global settings. Figures are sized for a 16:9 slide and
saved at 150 dpi; SVG output is byte-for-byte the same for the same input.

Charts draw aggregated numbers only (tallies, matrices, top-N flows), never one artist per case,
so their cost does not grow with the number of cases beyond the aggregation.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import unicodedata
import zlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError
from ..io.columns import ELEMENT_LABELS, ELEMENTS
from ..model.dimensions import OTHER, TYPE_DIMENSIONS
from .labels import MARKER_WORDS, dimension_label, stage_labeller

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    from matplotlib.figure import Figure

    from ..classification.taxonomy import Taxonomies, Taxonomy
    from ..model.flows import FlowStages

# Okabe & Ito's colour-blind-safe palette, one colour per packaged theme; `other` is grey.
THEME_COLOURS: dict[str, str] = {
    "tourism": "#E69F00",  # orange
    "health": "#0072B2",  # blue
    "disaster": "#D55E00",  # vermillion
    "administration": "#332288",  # indigo (Paul Tol): Okabe-Ito's eighth colour is black
    "mobility": "#56B4E9",  # sky blue
    "childcare": "#CC79A7",  # reddish purple
    "environment": "#009E73",  # bluish green
    "agriculture": "#C9B200",  # Okabe-Ito yellow, darkened to show on white
    "other": "#999999",  # grey
}
# For themes of a user's taxonomy: Paul Tol's "muted" palette (also colour-blind safe).
FALLBACK_COLOURS = ("#882255", "#44AA99", "#117733", "#AA4499", "#88CCEE", "#999933",
                    "#CC6677", "#DDCC77", "#661100", "#6699CC")

NO_DATA = {"ja": "データなし", "en": "No data"}
DPI = 150
SLIDE_WIDTH = 13.333  # inches: a 16:9 slide is 13.333 × 7.5
SLIDE_HEIGHT = 7.5
FONT_FILE = "fonts/ipaexg.ttf"
_TEXT = "#222222"
_MUTED = "#555555"


# --- style ---------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _japanese_font() -> str | None:
    """Register the IPAex Gothic file of matplotlib-fontja (without importing that package: its
    __init__ changes global rcParams) and return its family name; None if it is not installed."""
    from matplotlib import font_manager

    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / FONT_FILE
    if not path.is_file():
        return None
    if not any(Path(font.fname) == path for font in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def style_params() -> dict:
    """The rcParams every chart is drawn and saved with."""
    family = _japanese_font()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "font.size": 11,
        "axes.titlesize": 16,
        "axes.titlelocation": "left",
        "axes.titlepad": 12,
        "axes.labelsize": 12,
        "axes.labelcolor": _TEXT,
        "axes.edgecolor": "#888888",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "xtick.color": _MUTED,
        "ytick.color": _MUTED,
        "text.color": _TEXT,
        "legend.fontsize": 10,
        "legend.frameon": False,
        "figure.constrained_layout.h_pad": 0.12,
        "figure.constrained_layout.w_pad": 0.12,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "savefig.dpi": DPI,
        "savefig.bbox": None,
        "svg.fonttype": "path",
        "svg.hashsalt": "flowmatrix",
        "svg.image_inline": True,
        "text.parse_math": False,  # "$" in a service name is text, not TeX
    }


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Draw and save inside this: matplotlib settings for charts (Japanese font, clean axes, sizes
    that read on a slide), restored on exit."""
    import matplotlib

    with matplotlib.rc_context(style_params()):
        yield


def _new_figure(width: float, height: float, *, layout: str | None = "constrained") -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def _no_data_figure(title: str, lang: str) -> Figure:
    width = max(SLIDE_WIDTH * 0.6, display_width(title) / 2 * 16 / 72 + 0.8)
    figure = _new_figure(width, SLIDE_HEIGHT * 0.5)
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_title(drawable(title))
    ax.text(0.5, 0.5, NO_DATA[lang], ha="center", va="center", fontsize=16, color=_MUTED,
            transform=ax.transAxes)
    return figure


# --- colours and labels --------------------------------------------------------------------------

def theme_colour(theme_id: str, taxonomy: Taxonomy | None = None) -> str:
    """The colour of a theme: THEME_COLOURS for the packaged themes; other themes take the
    fallback palette in taxonomy order (ids unknown to the taxonomy: by a hash of the id)."""
    if theme_id in THEME_COLOURS:
        return THEME_COLOURS[theme_id]
    extra = [t for t in taxonomy.ids if t not in THEME_COLOURS] if taxonomy else []
    if theme_id in extra:
        index = extra.index(theme_id)
    else:
        index = zlib.crc32(str(theme_id).encode("utf-8"))
    return FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]


def _short_dimension(dimension: str | None, lang: str) -> str:
    label = dimension_label(dimension, lang) if dimension is not None else ""
    if dimension in TYPE_DIMENSIONS:  # ①データ共有元サービスの種別 → ①種別
        return label[0] + ("種別" if lang == "ja" else " type")
    return label[0] if dimension in ELEMENTS else label


def _char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "FWA" else 1


def display_width(text: str) -> int:
    """Width in half-width columns: a full-width (Japanese) character counts 2."""
    return sum(_char_width(c) for c in text)


_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9.'\-]*|\s+|.", re.S)
_NO_LINE_START = set("、。，．,.:;!?）)」』】〕ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ…")
_BREAK_AFTER = set("・／/、，, ")
_BREAK_BEFORE = set("(（「『[【")


def _break_point(line: str, width: int) -> int:
    """Where to break an overflowing line: after ・／、 or a space, or before an opening bracket,
    if one lies in its second half; else at its end."""
    for i in range(len(line) - 1, 0, -1):
        if display_width(line[:i]) < width / 2:
            break
        if line[i - 1] in _BREAK_AFTER or line[i] in _BREAK_BEFORE:
            return i
    return len(line)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            line += " " if line else ""
            continue
        for piece in [token] if display_width(token) <= width else list(token):
            if display_width(line.rstrip() + piece) <= width:
                line += piece
            elif piece in _NO_LINE_START and display_width(line.rstrip() + piece) <= width + 2:
                line = line.rstrip() + piece  # hang closing punctuation rather than start with it
            else:
                cut = _break_point(line.rstrip(), width)
                if display_width(line[cut:].strip() + piece) > width:
                    cut = len(line)
                if line.strip():
                    lines.append(line[:cut].strip())
                line = line[cut:].lstrip() + piece
    if line.strip():
        lines.append(line.strip())
    return lines


def _after(text: str, lines: list[str]) -> str:
    """What of `text` follows the given leading wrapped lines (wrapping only drops spaces)."""
    count = sum(len(line.replace(" ", "")) for line in lines)
    for position, char in enumerate(text):
        if count == 0:
            return text[position:].strip()
        count -= not char.isspace()
    return ""


@lru_cache(maxsize=1)
def _drawable_codes() -> frozenset[int]:
    """The characters the chart fonts (IPAex Gothic, then DejaVu Sans) can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    family = _japanese_font()
    paths = [font_manager.findfont(font_manager.FontProperties(family=name))
             for name in ([family] if family else []) + ["DejaVu Sans"]]
    codes: set[int] = set()
    for path in paths:
        codes.update(FT2Font(path).get_charmap())
    return frozenset(codes)


def drawable(text: str) -> str:
    """`text` with every character the fonts cannot draw (emoji, control characters, rare
    scripts) replaced by "?", so a chart never shows an empty box or warns of a missing glyph."""
    codes = _drawable_codes()
    return "".join(c if c == "\n" or (ord(c) in codes and c.isprintable()) else "?"
                   for c in str(text))


def shorten_label(text: str, width: int = 28, lines: int = 2) -> str:
    """`text` wrapped onto at most `lines` lines of `width` half-width columns (a Japanese
    character counts 2), breaking after ・／、 or spaces where it can and keeping Latin words whole;
    what does not fit is cut with "…". Characters the fonts lack become "?"."""
    text = drawable(" ".join(str(text).split()))
    wrapped = _wrap(text, width)
    if len(wrapped) <= lines:
        return "\n".join(wrapped)
    rest = _after(text, wrapped[:lines - 1])
    last = ""
    for char in rest:
        if display_width(last + char) + 2 > width:
            break
        last += char
    return "\n".join([*wrapped[:lines - 1], last.rstrip(" ・／/、，,(（") + "…"])


def _weight_text(weight: float) -> str:
    rounded = round(weight)
    return str(int(rounded)) if abs(weight - rounded) < 1e-6 else f"{weight:.1f}"


# --- theme tally ---------------------------------------------------------------------------------

def tally_chart(tally: pd.DataFrame, *, lang: str = "ja", title: str | None = None,
                taxonomy: Taxonomy | None = None, subject: str | None = None) -> Figure:
    """Cases per theme (the DSA's table) as horizontal bars, largest at the top, each bar in its
    theme's colour with the count and share written at its end. Themes with 0 cases in `tally`
    (from `theme_tally`) are shown as empty rows."""
    title = _about(subject, title or ("テーマ別の事例数" if lang == "ja" else "Cases by theme"))
    with chart_style():
        if tally.empty:
            return _no_data_figure(title, lang)
        table = tally.sort_values("cases", ascending=False, kind="stable").reset_index(drop=True)
        labels = [shorten_label(t, 30, 2) for t in table["theme"]]
        counts = [int(c) for c in table["cases"]]
        shares = [float(s) for s in table["share"]] if "share" in table else [None] * len(table)
        colours = [theme_colour(t, taxonomy) for t in table["theme_id"]]
        total = sum(counts)
        n_lines = sum(label.count("\n") + 1 for label in labels)
        height = min(max(0.42 * n_lines + 1.9, 3.6), 14.0)
        figure = _new_figure(11.0, height)
        ax = figure.add_subplot()
        positions = list(range(len(table)))
        ax.barh(positions, counts, color=colours, height=0.68, zorder=2)
        ax.set_yticks(positions, labels=labels, fontsize=12, color=_TEXT)
        ax.invert_yaxis()  # the largest at the top
        ax.tick_params(axis="y", length=0, pad=8)
        top = max(counts) if counts else 0
        ax.set_xlim(0, max(top, 1) * 1.22)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.8, zorder=0)
        ax.spines["left"].set_visible(False)
        for position, count, share in zip(positions, counts, shares, strict=True):
            text = f"{count}件" if lang == "ja" else f"{count}"
            if share is not None:
                text += f"（{share:.0%}）" if lang == "ja" else f" ({share:.0%})"
            ax.text(count + max(top, 1) * 0.012, position, text, va="center", ha="left",
                    fontsize=12, color=_TEXT, zorder=3)
        ax.set_xlabel(f"事例数（計{total}件）" if lang == "ja" else f"Cases (total {total})")
        ax.set_title(drawable(title), loc="left")
        return figure


def _count_colours(vmax: int):
    """A sequential blue colour map and norm for counts 1…vmax (0 cells are left pale grey):
    one colour per count up to 10, continuous beyond."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize

    blues = colormaps["Blues"]
    if vmax <= 10:
        shades = np.linspace(0.25, 0.95, vmax) if vmax > 1 else np.array([0.6])
        cmap = ListedColormap(blues(shades))
        norm = BoundaryNorm(np.arange(0.5, vmax + 1.0), cmap.N)
    else:
        cmap = ListedColormap(blues(np.linspace(0.25, 1.0, 256)))
        norm = Normalize(vmin=1, vmax=vmax)
    return cmap.with_extremes(bad="#f2f2f2"), norm


def _count_ticks(norm) -> list[int]:
    from matplotlib.ticker import MaxNLocator

    if hasattr(norm, "boundaries"):
        low, high = 1, int(norm.boundaries[-1] - 0.5)
    else:
        low, high = int(norm.vmin), int(norm.vmax)
    if high - low <= 6:
        return list(range(low, high + 1))
    ticks = MaxNLocator(nbins=5, steps=[1, 2, 5, 10], integer=True).tick_values(low, high)
    room = (high - low) / 8
    return [low, *(int(t) for t in ticks if low + room <= t <= high - room), high]


def _widest(labels: list[str]) -> int:
    return max(display_width(line) for label in labels for line in label.split("\n"))


def _ink_on(rgba) -> str:
    """White text on dark colours, dark text on light ones."""
    red, green, blue = rgba[:3]
    return "white" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5 else _TEXT


# --- matrix heatmap ------------------------------------------------------------------------------

def heatmap_chart(counts: pd.DataFrame, *, lang: str = "ja", title: str | None = None,
                  subject: str | None = None) -> Figure:
    """A count matrix from `flow_matrix(..., values="count")` as a heatmap: one cell per
    (row value, column value) with its number written in it, darker for more, a colour bar as the
    legend and the dimensions as axis titles. Long labels are wrapped onto two lines and cut
    with "…"; the figure grows with the number of rows and columns so labels never overlap."""
    import numpy as np

    row_title = dimension_label(counts.index.name, lang) if counts.index.name else ""
    col_title = dimension_label(counts.columns.name, lang) if counts.columns.name else ""
    if title is None:
        pair = f"{_short_dimension(counts.index.name, lang)} × " \
               f"{_short_dimension(counts.columns.name, lang)}"
        title = (f"データフローマトリクス（{pair}）" if lang == "ja"
                 else f"Data-flow matrix ({pair})")
    title = _about(subject, title)
    with chart_style():
        values = counts.to_numpy(dtype=float) if counts.size else np.zeros((0, 0))
        if values.size == 0 or not np.nansum(values):
            return _no_data_figure(title, lang)
        values = np.nan_to_num(values)
        n_rows, n_cols = values.shape
        tick_size = 10
        em = tick_size / 72  # inches per full-width character
        row_labels = [shorten_label(v, 28, 2) for v in counts.index]
        # Column labels read across, wrapped at 9 full-width characters, while the columns fit
        # on a slide; otherwise they are turned upright (wrapped at 14) and the columns narrow.
        col_labels = [shorten_label(v, 18, 2) for v in counts.columns]
        cell_w = max(0.9, _widest(col_labels) / 2 * em + 0.25)
        rotate = n_cols * cell_w > 12
        if rotate:
            col_labels = [shorten_label(v, 28, 2) for v in counts.columns]
            cell_w = 0.5
        row_label_w = _widest(row_labels)
        col_label_w = _widest(col_labels)
        cell_h = 0.46
        label_block = col_label_w / 2 * em + 0.2 if rotate else 0.45
        width = row_label_w / 2 * em + 0.9 + n_cols * cell_w + 1.5
        height = 1.1 + label_block + 0.5 + n_rows * cell_h
        title_w = display_width(title) / 2 * 16 / 72 + 0.6
        figure = _new_figure(max(width, title_w, 6.0), max(height, 3.2))
        ax = figure.add_subplot()

        cmap, norm = _count_colours(int(np.ceil(values.max())))
        mesh = ax.pcolormesh(np.ma.masked_equal(values, 0), cmap=cmap, norm=norm,
                             edgecolors="white", linewidth=1.5)
        ax.set_xlim(0, n_cols)
        ax.set_ylim(n_rows, 0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_yticks(np.arange(n_rows) + 0.5, labels=row_labels, fontsize=tick_size,
                      color=_TEXT)
        ax.set_xticks(np.arange(n_cols) + 0.5, labels=col_labels, fontsize=tick_size,
                      color=_TEXT, rotation=90 if rotate else 0, ha="center", va="bottom")
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        ax.tick_params(length=0)
        ax.set_xlabel(col_title, labelpad=10)
        ax.set_ylabel(row_title, labelpad=10)
        cell_font = 11 if n_rows <= 30 and (not rotate or n_cols <= 30) else 9
        for (r, c), value in np.ndenumerate(values):
            if value:
                ax.text(c + 0.5, r + 0.5, _weight_text(value), ha="center", va="center",
                        fontsize=cell_font, color=_ink_on(cmap(norm(value))))
        bar = figure.colorbar(mesh, ax=ax, shrink=min(1.0, 3.5 / max(n_rows * cell_h, 0.1)),
                              aspect=15, pad=0.02)
        bar.set_ticks(_count_ticks(norm))
        bar.minorticks_off()
        bar.outline.set_visible(False)
        bar.set_label("件数" if lang == "ja" else "Count", fontsize=11)
        ax.set_title(drawable(title), loc="left", pad=14)
        return figure


# --- four-stage flow -----------------------------------------------------------------------------

def _about(subject: str | None, title: str) -> str:
    """A chart's title naming whose cases it draws (a municipality): "熊谷市: …"."""
    return f"{subject}: {title}" if subject else title


def _flow_title(lang: str, theme_label: str | None, by_type: bool = False) -> str:
    if lang == "ja":
        base = "データ連携の流れ（①→②→③→④" + ("、すべて種別）" if by_type else "）")
        return f"{theme_label}分野での{base}" if theme_label else base
    base = "Data flows (① → ② → ③ → ④" + (", all by kind)" if by_type else ")")
    return f"{base}: {theme_label}" if theme_label else base


def _layout_order(nodes: pd.DataFrame, links: pd.DataFrame) -> dict[tuple[int, object], int]:
    """Top-to-bottom drawing order of the nodes: each column sorted by the weighted mean position
    of the nodes it is linked to (a few sweeps left to right and back), so bands cross less;
    その他/Other stays last and ties keep the order by weight."""
    position = {(int(s), v): float(o) for s, v, o in
                zip(nodes["stage"], nodes["value"], nodes["order"], strict=True)}
    stages = sorted({key[0] for key in position})
    edges = list(zip(links["stage"].astype(int), links["source"], links["target"],
                     links["weight"], strict=True))

    def reorder(stage: int, neighbour: int) -> None:
        sums: dict[str, list[float]] = {}
        for s, a, b, w in edges:
            if s == min(stage, neighbour) and max(stage, neighbour) == s + 1:
                mine, theirs = (a, b) if stage == s else (b, a)
                total = sums.setdefault(mine, [0.0, 0.0])
                total[0] += w * position[(neighbour, theirs)]
                total[1] += w
        keys = [k for k in position if k[0] == stage]
        keys.sort(key=lambda k: (k[1] is OTHER,
                                 sums[k[1]][0] / sums[k[1]][1] if k[1] in sums else
                                 position[k], position[k]))
        for rank, key in enumerate(keys):
            position[key] = float(rank)

    for _sweep in range(3):
        for stage in stages[1:]:
            reorder(stage, stage - 1)
        for stage in reversed(stages[:-1]):
            reorder(stage, stage + 1)
    return {key: int(value) for key, value in position.items()}


def _spread(wanted: list[float], sizes: list[float], low: float, high: float) -> list[float]:
    """Centres for labels of the given heights, as near `wanted` (top to bottom, y upwards) as
    possible without overlapping and within [low, high]."""
    placed = list(wanted)
    for i in range(len(placed)):  # downwards: each below the one above it
        if i:
            placed[i] = min(placed[i], placed[i - 1] - (sizes[i - 1] + sizes[i]) / 2)
        else:
            placed[i] = min(placed[i], high - sizes[i] / 2)
    for i in reversed(range(len(placed))):  # upwards where the bottom was passed
        limit = low + sizes[i] / 2 if i == len(placed) - 1 else \
            placed[i + 1] + (sizes[i] + sizes[i + 1]) / 2
        placed[i] = max(placed[i], limit)
    return placed


def flow_chart(stages: FlowStages, taxonomies: Taxonomies, *, lang: str = "ja",
               title: str | None = None, subject: str | None = None) -> Figure:
    """The four elements as an alluvial (Sankey) diagram: a column of boxes per element
    ① source service → ② data → ③ target service → ④ linked service, box height = cases (a case
    with several items split evenly), and bands between neighbouring columns as wide as the
    cases flowing that way, coloured by theme. `stages` (model/flows.py) holds the numbers:
    the items kept per column, the rest folded, the theme drawn."""
    from matplotlib.patches import Patch, Rectangle

    taxonomy = taxonomies.themes
    theme = stages.theme
    theme_label = taxonomy.get(theme).label(lang) if theme in taxonomy.ids else None
    title = _about(subject, title or _flow_title(lang, theme_label, stages.by_type))
    nodes, links = stages.nodes, stages.links
    label = stage_labeller(stages, taxonomies, lang)
    with chart_style():
        if nodes.empty or not nodes["weight"].sum():
            return _no_data_figure(title, lang)
        themes = [t for t in taxonomy.ids if t in set(links["theme_id"])]
        themes += sorted(set(links["theme_id"]) - set(themes))
        legend_cols = min(max(len(themes), 1), 5)
        legend_rows = -(-len(themes) // legend_cols)

        # Layout in inches: one axes fills the figure and its data units are inches.
        most = int(nodes.groupby("stage").size().max())
        top_area, bottom_area = 1.25, 0.8 + 0.32 * legend_rows
        plot_h = max(SLIDE_HEIGHT - top_area - bottom_area, most * (_LABEL_LINE + 0.08) + 0.3)
        width, height = SLIDE_WIDTH, top_area + plot_h + bottom_area
        figure = _new_figure(width, height, layout=None)
        ax = figure.add_axes((0, 0, 1, 1))
        ax.set(xlim=(0, width), ylim=(0, height))
        ax.set_axis_off()
        label_room = 14 * _LABEL_SIZE / 72 + 0.8
        xs = [label_room + i * (width - 2 * label_room - _BOX_W) / 3 for i in range(4)]
        order = _layout_order(nodes, links)
        boxes, scale = _stack_boxes(nodes, order, bottom_area, bottom_area + plot_h)

        _draw_bands(ax, links, boxes, order, xs, scale, themes, taxonomy)
        for (stage, _label), (y_top, y_bottom) in boxes.items():
            ax.add_patch(Rectangle((xs[stage], y_bottom), _BOX_W, y_top - y_bottom,
                                   facecolor="#4d4d4d", edgecolor="none", zorder=3))
        _draw_node_labels(ax, nodes, boxes, xs, bottom_area, bottom_area + plot_h, label)

        ax.text(0.35, height - 0.45, drawable(title), ha="left", va="center", fontsize=16)
        for stage, element in enumerate(ELEMENTS):
            ax.text(xs[stage] + _BOX_W / 2, bottom_area + plot_h + 0.35,
                    ELEMENT_LABELS[lang][element], ha="center", va="center", fontsize=12)
        handles = [Patch(facecolor=theme_colour(t, taxonomy), alpha=0.6,
                         label=drawable(taxonomy.get(t).label(lang) if t in taxonomy.ids else t))
                   for t in themes]
        # matplotlib fills legend columns first; reorder so the legend reads across in rows.
        handles = [handles[i] for c in range(legend_cols)
                   for i in range(c, len(handles), legend_cols)]
        if handles:
            ax.legend(handles=handles, loc="lower center", ncol=legend_cols,
                      bbox_to_anchor=(0.5, 0.45 / height), fontsize=10.5,
                      handlelength=1.6, columnspacing=1.6)
        ax.text(0.35, 0.2, _flow_note(lang, stages.cases, stages.top if stages.folded else None),
                ha="left",
                va="center", fontsize=9, color=_MUTED)
        return figure


_LABEL_SIZE = 9.5  # points: node labels
_LABEL_LINE = _LABEL_SIZE * 1.3 / 72  # inches: the height of one label line
_BOX_W = 0.16  # inches: the width of a node box


def _flow_note(lang: str, cases: int, top: int | None) -> str:
    if lang == "ja":
        folded = f"各列の上位{top}項目以外は「{MARKER_WORDS['ja']['other']}」。" if top else ""
        return f"対象{cases}件。箱と帯の高さ＝事例数（1件に複数の項目があるときは等分）。{folded}"
    folded = f" Beyond the top {top} per column: {MARKER_WORDS['en']['other']}." if top else ""
    return (f"{cases} cases. Box and band height = cases (a case with several items is split "
            f"evenly).{folded}")


def _stack_boxes(nodes: pd.DataFrame, order: dict[tuple[int, str], int], low: float,
                 high: float) -> tuple[dict[tuple[int, str], tuple[float, float]], float]:
    """(stage, label) → (top, bottom) of each node box, stacked in `order` and centred in
    [low, high] with gaps between; and the scale (inches per case) shared by every column."""
    counts = nodes.groupby("stage").size()
    totals = nodes.groupby("stage")["weight"].sum()
    height = high - low
    gap = min(0.14, 0.35 * height / max(int(counts.max()) - 1, 1))
    scale = min((height - (counts[s] - 1) * gap) / totals[s] for s in totals.index)
    boxes: dict[tuple[int, str], tuple[float, float]] = {}
    for stage in sorted(totals.index):
        keys = sorted(((stage, v) for v in nodes.loc[nodes["stage"] == stage, "value"]),
                      key=order.__getitem__)
        weights = dict(zip(nodes["value"][nodes["stage"] == stage],
                           nodes["weight"][nodes["stage"] == stage], strict=True))
        y = high - (height - totals[stage] * scale - (len(keys) - 1) * gap) / 2
        for key in keys:
            boxes[key] = (y, y - weights[key[1]] * scale)
            y -= weights[key[1]] * scale + gap
    return boxes, scale


def _draw_bands(ax, links: pd.DataFrame, boxes: dict, order: dict, xs: list[float],
                scale: float, themes: list[str], taxonomy: Taxonomy) -> None:
    """One bezier band per link, stacked down each box's right side in target order and down
    its left side in source order, so bands leave and arrive without crossing at the boxes."""
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    theme_rank = {t: i for i, t in enumerate(themes)}
    rows = list(zip(links["stage"].astype(int), links["source"], links["target"],
                    links["theme_id"], links["weight"], strict=True))

    def ends(rows_sorted, side: int) -> dict[int, tuple[float, float]]:
        cursor = {key: y_top for key, (y_top, _) in boxes.items()}
        span = {}
        for i, (stage, source, target, _theme, weight) in rows_sorted:
            key = (stage, source) if side == 0 else (stage + 1, target)
            span[i] = (cursor[key], cursor[key] - weight * scale)
            cursor[key] -= weight * scale
        return span

    def by(first: int):
        def key(item):
            _i, (stage, source, target, theme_id, _w) = item
            ranks = (order[(stage, source)], order[(stage + 1, target)])
            return stage, ranks[first], ranks[1 - first], theme_rank[theme_id]
        return sorted(enumerate(rows), key=key)

    leaving, arriving = ends(by(1), 0), ends(by(0), 1)
    codes = [MplPath.MOVETO, *[MplPath.CURVE4] * 3, MplPath.LINETO, *[MplPath.CURVE4] * 3,
             MplPath.CLOSEPOLY]
    patches, faces, edges = [], [], []
    for i, (stage, _source, _target, theme_id, weight) in enumerate(rows):
        (a_top, a_bottom), (b_top, b_bottom) = leaving[i], arriving[i]
        x_a, x_b = xs[stage] + _BOX_W, xs[stage + 1]
        mid = (x_a + x_b) / 2
        vertices = [(x_a, a_top), (mid, a_top), (mid, b_top), (x_b, b_top), (x_b, b_bottom),
                    (mid, b_bottom), (mid, a_bottom), (x_a, a_bottom), (x_a, a_top)]
        patches.append(PathPatch(MplPath(vertices, codes)))
        faces.append(to_rgba(theme_colour(theme_id, taxonomy), 0.5))
        # a hairline edge separates neighbouring bands of one colour; thin bands go without
        edges.append((1, 1, 1, 0.7) if weight * scale > 0.05 else (1, 1, 1, 0))
    # One collection, not a patch per band: drawing and saving stay fast with many bands.
    ax.add_collection(PatchCollection(patches, facecolors=faces, edgecolors=edges,
                                      linewidths=0.4, zorder=1), autolim=False)


def _draw_node_labels(ax, nodes: pd.DataFrame, boxes: dict, xs: list[float], low: float,
                      high: float, label) -> None:
    """Each node's label (cut to ~14 full-width characters) and weight beside its box: left of
    column ①, right of the others (on a light backing over the bands), spread so none overlap."""
    weights = {(int(s), v): w for s, v, w in
               zip(nodes["stage"], nodes["value"], nodes["weight"], strict=True)}
    for stage in range(len(ELEMENTS)):
        keys = [key for key in boxes if key[0] == stage]  # top to bottom
        texts = [f"{shorten_label(label(stage, key[1]), 28, 1)}  {_weight_text(weights[key])}"
                 for key in keys]
        sizes = [_LABEL_LINE + 0.03] * len(keys)
        wanted = [(boxes[key][0] + boxes[key][1]) / 2 for key in keys]
        left = stage == 0
        x = xs[stage] - 0.08 if left else xs[stage] + _BOX_W + 0.08
        backing = None if stage in (0, len(ELEMENTS) - 1) else {
            "boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.75,
            "edgecolor": "none"}
        for text, y in zip(texts, _spread(wanted, sizes, low - 0.1, high + 0.1), strict=True):
            ax.text(x, y, text, ha="right" if left else "left", va="center",
                    fontsize=_LABEL_SIZE, zorder=4, bbox=backing)


def prepare() -> None:
    """Do here, once, what the first chart of every process does: import matplotlib, load
    the Japanese font, lay out Japanese text. Processes forked from this one then start
    drawing at once. A batch calls it before its reports, whose workers are forked from it:
    each of them imported matplotlib again (0.35 s of CPU a worker, two workers a report)."""
    with chart_style():
        figure_bytes(_no_data_figure("準備 ready", "ja"), "svg")


# --- files ---------------------------------------------------------------------------------------

def save_figure(figure: Figure, path: str | Path) -> Path:
    """Write `figure` as .png (150 dpi) or .svg (byte-for-byte deterministic); returns the path."""
    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        raise FlowmatrixError("chart files are .png or .svg", path=str(path), code="bad-output")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(figure_bytes(figure, kind))
    return path


def figure_bytes(figure: Figure, kind: str) -> bytes:
    """`figure` as "png" (150 dpi) or "svg" bytes, the same bytes for the same figure: no date
    or software in the metadata, and SVG ids salted with a fixed svg.hashsalt (style_params)."""
    import io

    metadata = {"Date": None} if kind == "svg" else {"Software": None}
    # zlib level 3 for PNG: files about 10% larger than the default 6, written 2-3x faster
    extra = {"pil_kwargs": {"compress_level": 3}} if kind == "png" else {}
    out = io.BytesIO()
    with chart_style():
        figure.savefig(out, format=kind, dpi=DPI, metadata=metadata, **extra)
    return out.getvalue()
