"""Write a whole report folder: into a temporary folder first, then swapped into place, so a
failed run leaves the previous report untouched and no half-written one."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError

if TYPE_CHECKING:
    from ..analysis import Analysis

FORMATS = ("xlsx", "html", "md", "json", "csv", "png", "svg")
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)


def safe_name(name: str) -> str:
    """A folder name that stays inside the output folder on every system."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "report"
    if _RESERVED.match(cleaned):
        cleaned = "_" + cleaned
    return cleaned[:120]


def parse_formats(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise FlowmatrixError(f"--format {text!r}: choose from " + ",".join(FORMATS),
                              code="usage")
    return chosen


def chart_set(analysis: Analysis) -> dict[str, object]:
    """The report's charts as matplotlib figures: tally, heatmap, flow, flow_<theme>."""
    from .. import charts

    lang = analysis.lang
    figures = {
        "tally": charts.tally_chart(analysis.theme_tally, lang=lang),
        "heatmap": charts.heatmap_chart(analysis.matrices["flow"].counts, lang=lang),
        "flow": charts.flow_chart(analysis.cases, analysis.taxonomy, lang=lang,
                                  top=min(analysis.top, 10)),
    }
    for theme_id in analysis.themes_present:
        if theme_id != "other":
            figures[f"flow_{theme_id}"] = charts.flow_chart(
                analysis.cases, analysis.taxonomy, lang=lang, theme=theme_id,
                top=min(analysis.top, 10))
    return figures


def write_report(analysis: Analysis, folder: str | Path, *,
                 formats: tuple[str, ...] = FORMATS, stamp: str | None = None) -> Path:
    """Write the report of `analysis` to `folder` (replacing it as a whole at the end)."""
    from ..export import csv_bytes
    from .html import report_html
    from .markdown import report_markdown
    from .summary import summary_dict
    from .tables import case_rows
    from .xlsx import report_workbook

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    work.chmod(0o755)  # mkdtemp makes it private; a report folder is an ordinary folder
    try:
        chart_pngs: dict[str, str] = {}
        chart_svgs: dict[str, bytes] = {}
        if {"png", "svg", "html", "md"} & set(formats):
            chart_pngs, chart_svgs = _write_charts(analysis, work / "charts", formats)
        if "xlsx" in formats:
            (work / "report.xlsx").write_bytes(report_workbook(analysis))
        if "html" in formats:
            (work / "report.html").write_bytes(report_html(analysis, chart_svgs, stamp=stamp))
        if "md" in formats:
            (work / "report.md").write_bytes(report_markdown(analysis, chart_pngs, stamp=stamp))
        if "json" in formats:
            from ..export import json_bytes

            summary = summary_dict(analysis)
            if stamp:
                summary["generated"] = stamp
            (work / "summary.json").write_bytes(json_bytes(summary))
        if "csv" in formats:
            fields, headings, rows = case_rows(analysis)
            data = csv_bytes([dict(zip(headings, (r[f] for f in fields), strict=True))
                              for r in rows], headings)
            (work / "cases.csv").write_bytes(data)
        _swap(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return folder


def _write_charts(analysis: Analysis, folder: Path, formats: tuple[str, ...]):
    from .. import charts

    folder.mkdir(mode=0o755)
    pngs: dict[str, str] = {}
    svgs: dict[str, bytes] = {}
    for key, figure in chart_set(analysis).items():
        if "png" in formats:
            charts.save_figure(figure, folder / f"{key}.png")
            pngs[key] = f"charts/{key}.png"
        if "svg" in formats or "html" in formats:
            path = charts.save_figure(figure, folder / f"{key}.svg")
            svgs[key] = path.read_bytes()
            if "svg" not in formats:
                path.unlink()
    if not any(folder.iterdir()):
        folder.rmdir()
    return pngs, svgs


def _swap(work: Path, folder: Path) -> None:
    backup = None
    if folder.exists():
        if not folder.is_dir():
            raise FlowmatrixError("exists and is not a folder", path=str(folder),
                                  code="bad-output")
        backup = folder.with_name(f".{folder.name}.previous")
        if backup.exists():
            shutil.rmtree(backup)
        folder.rename(backup)
    try:
        work.rename(folder)
    except BaseException:
        if backup is not None:
            backup.rename(folder)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
