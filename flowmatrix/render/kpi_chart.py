"""The KPI chart of a municipality page: per indicator, the actual as bars and the target as a
line, year by year — the chart the DSA article shows for 熊谷市's portal-app users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .charts import (
    _MUTED,
    _TEXT,
    _new_figure,
    _no_data_figure,
    chart_style,
    drawable,
    shorten_label,
)
from .labels import MUNICIPALITY_WORDS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ACTUAL_COLOUR = "#2e75b6"
TARGET_COLOUR = "#c0504d"
PANELS_PER_ROW = 2


def period_label(point: dict, lang: str) -> str:
    """A point's place on the time axis: 2023年度 / FY2023 for a fiscal year, else the
    period as the table writes it."""
    if point["year"] is not None:
        return MUNICIPALITY_WORDS[lang]["fiscal_year"].format(year=point["year"])
    return point["period"]


def plain_number(text: str) -> bool:
    """"35000", "1,200", "-0.5", "": nothing the number itself does not say — unlike 6万人超,
    which a table, a chart label and the workbook show as written."""
    return not text or text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def number_text(value: float | None) -> str:
    """35000.0 → "35,000"; 0.5 → "0.5"; 0.0015 → "0.0015"; 12.001 → "12.001"; None → ""."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def kpi_chart(kpis: list[dict], *, lang: str = "ja", title: str) -> Figure:
    """One panel per indicator (two per row): actual as bars, target as a line with markers,
    the actual written on each bar as the table writes it. `kpis`: a municipality page's
    (model/municipality.py)."""
    words = MUNICIPALITY_WORDS[lang]
    with chart_style():
        if not kpis:
            return _no_data_figure(title, lang)
        columns = min(len(kpis), PANELS_PER_ROW)
        rows = -(-len(kpis) // columns)
        figure = _new_figure(6.2 * columns, 3.6 * rows + 0.6)
        figure.suptitle(drawable(title), x=0.01, ha="left", fontsize=14, color=_TEXT)
        for index, kpi in enumerate(kpis):
            ax = figure.add_subplot(rows, columns, index + 1)
            points = kpi["points"]
            positions = list(range(len(points)))
            actual = [p["actual"] for p in points]
            target = [p["target"] for p in points]
            if any(v is not None for v in actual):
                bars = ax.bar(positions, [v or 0 for v in actual], width=0.6,
                              color=ACTUAL_COLOUR, label=words["actual"], zorder=2)
                for bar, value, point in zip(bars, actual, points, strict=True):
                    if value is not None:  # as published: 6万人超 says more than 60,000
                        written = point["actual_text"]
                        ax.annotate(number_text(value) if plain_number(written)
                                    else drawable(written),
                                    (bar.get_x() + bar.get_width() / 2,
                                                         bar.get_height()),
                                    xytext=(0, 3), textcoords="offset points", ha="center",
                                    va="bottom", fontsize=9, color=_TEXT)
            if any(v is not None for v in target):
                xs = [x for x, v in zip(positions, target, strict=True) if v is not None]
                ys = [v for v in target if v is not None]
                ax.plot(xs, ys, color=TARGET_COLOUR, marker="o", linewidth=2,
                        label=words["target"], zorder=3)
            ax.set_xticks(positions, labels=[shorten_label(drawable(period_label(p, lang)), 16)
                                             for p in points], fontsize=9)
            ax.set_xlim(-0.6, len(points) - 0.4)
            values = [v for v in actual + target if v is not None] or [1]
            low, high = min(min(values), 0), max(max(values), 0)
            span = (high - low) or 1  # room for the labels above (and below) the bars
            ax.set_ylim(low - (span * 0.18 if low < 0 else 0), high + span * 0.18)
            ax.yaxis.set_major_formatter(lambda value, _: number_text(value))
            ax.grid(axis="y", color="#e5e5e5", linewidth=0.8, zorder=0)
            unit = words["unit"].format(unit=kpi["unit"]) if kpi["unit"] else ""
            ax.set_title(drawable(shorten_label(kpi["indicator"] + unit, 40, 2)), loc="left",
                         fontsize=11, color=_TEXT)
            ax.tick_params(axis="y", labelsize=8, colors=_MUTED)
            ax.legend(loc="upper left", fontsize=8, frameon=False)
        return figure
