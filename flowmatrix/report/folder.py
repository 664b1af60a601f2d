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


def chart_keys(analysis: Analysis) -> list[str]:
    """The report's charts: tally, heatmap, flow, and flow_<theme> for every theme with cases."""
    return ["tally", "heatmap", "flow",
            *(f"flow_{t}" for t in analysis.themes_present if t != "other")]


def draw_chart(analysis: Analysis, key: str):
    """The matplotlib figure of one chart of the report."""
    from .. import charts

    lang, top = analysis.lang, min(analysis.top, 10)
    if key == "tally":
        return charts.tally_chart(analysis.theme_tally, lang=lang, taxonomy=analysis.taxonomy)
    if key == "heatmap":
        return charts.heatmap_chart(analysis.matrices["flow"].counts, lang=lang)
    theme = key.removeprefix("flow_") if key.startswith("flow_") else None
    return charts.flow_chart(analysis.cases, analysis.taxonomy, lang=lang, theme=theme, top=top)


def write_report(analysis: Analysis, folder: str | Path, *,
                 formats: tuple[str, ...] = FORMATS, stamp: str | None = None) -> Path:
    """Write the report of `analysis` to `folder` (replacing it as a whole at the end)."""
    from ..export import csv_chunks
    from .html import report_html
    from .markdown import report_markdown
    from .summary import summary_dict
    from .tables import case_rows
    from .xlsx import write_report_workbook

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    work.chmod(0o755)  # mkdtemp makes it private; a report folder is an ordinary folder
    try:
        if {"xlsx", "csv", "html", "md"} & set(formats):
            case_rows(analysis)  # computed once, before any worker is forked
        # The workbook is the slowest file: on systems that fork, a second process writes it
        # while this one draws the charts and writes the rest.
        workbook = _start(write_report_workbook, analysis, work / "report.xlsx") \
            if "xlsx" in formats else None
        chart_pngs: dict[str, str] = {}
        chart_svgs: dict[str, bytes] = {}
        if {"png", "svg", "html", "md"} & set(formats):
            chart_pngs, chart_svgs = _write_charts(analysis, work / "charts", formats)
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
            with (work / "cases.csv").open("wb") as out:
                for chunk in csv_chunks((dict(zip(headings, (r[f] for f in fields),
                                                  strict=True)) for r in rows), headings):
                    out.write(chunk)
        if workbook is not None:
            workbook()
        _swap(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return folder


def _start(function, *args):
    """Run function(*args) in a forked process where the system can fork (inputs are inherited,
    nothing is pickled but the result); return a function that waits for it and re-raises its
    error. Elsewhere, run it now."""
    import multiprocessing
    import sys

    global _TASK
    if sys.platform != "linux" or (multiprocessing.cpu_count() or 1) < 2:
        function(*args)
        return lambda: None
    from concurrent.futures import ProcessPoolExecutor

    _TASK = (function, args)
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        future = pool.submit(_run_task)
    finally:
        _TASK = None

    def wait():
        try:
            future.result()
        finally:
            pool.shutdown()
    return wait


_TASK: tuple | None = None


def _run_task():
    function, args = _TASK
    function(*args)


_JOB: tuple | None = None  # (analysis, folder, formats), inherited by forked chart workers


def _render(key: str) -> tuple[str, bytes | None]:
    """Draw one chart and save it as PNG and/or SVG; return the SVG bytes for the HTML page."""
    from .. import charts

    analysis, folder, formats = _JOB
    figure = draw_chart(analysis, key)
    if "png" in formats:
        charts.save_figure(figure, folder / f"{key}.png")
    svg = None
    if "svg" in formats or "html" in formats:
        path = charts.save_figure(figure, folder / f"{key}.svg")
        svg = path.read_bytes()
        if "svg" not in formats:
            path.unlink()
    return key, svg


def _write_charts(analysis: Analysis, folder: Path, formats: tuple[str, ...]):
    """Render the charts, on two processes where the system can fork (each chart is
    independent, and rendering is most of a small report's time)."""
    import multiprocessing
    import os
    import sys

    global _JOB
    folder.mkdir(mode=0o755)
    keys = chart_keys(analysis)
    _JOB = (analysis, folder, formats)
    try:
        workers = min(os.cpu_count() or 1, 4, len(keys))
        if workers > 1 and sys.platform == "linux":
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                rendered = list(pool.map(_render, keys))
        else:
            rendered = [_render(key) for key in keys]
    finally:
        _JOB = None
    pngs = {key: f"charts/{key}.png" for key in keys} if "png" in formats else {}
    svgs = {key: svg for key, svg in rendered if svg is not None}
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
