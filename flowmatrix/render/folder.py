"""Write a whole report folder: into a temporary folder first, then swapped into place, so a
failed run leaves the previous report untouched and no half-written one."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError, OutputError, output_error
from ..processes import signals_held
from .registry import (
    DEFAULT_FORMATS,
    FILE_NAMES,
    chart_files,
    chart_keys,
    draw_chart,
    draws_charts,
)

if TYPE_CHECKING:
    from ..model.analysis import Analysis

# and lone surrogates: the undecodable bytes of a name (see errors.shown_path)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\ud800-\udfff]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)


_NAME_BYTES = 200  # file systems allow 255 bytes a name; ".<name>.partial-xxxxxxxx" adds 18


def safe_name(name: str) -> str:
    """A folder name that stays inside the output folder on every system, and short enough
    (120 characters, 200 bytes in UTF-8) for the temporary names made from it."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "report"
    if _RESERVED.match(cleaned):
        cleaned = "_" + cleaned
    cleaned = cleaned[:120]
    return cleaned.encode("utf-8")[:_NAME_BYTES].decode("utf-8", "ignore").rstrip(" .")


def write_report(analysis: Analysis, folder: str | Path, *,
                 formats: tuple[str, ...] = DEFAULT_FORMATS, stamp: str | None = None) -> Path:
    """Write the report of `analysis` to `folder` (replacing it as a whole at the end: see
    `replacing`). Each chart is drawn once, in a worker, and saved in the formats that need
    it only: the chart files chosen (svg, png: report.md links them) and SVG for report.html
    to embed."""
    from .html import report_html
    from .markdown import report_markdown
    from .serialise import csv_column_chunks, write_json
    from .summary import summary_dict
    from .tables import case_columns

    folder = Path(folder)
    files = chart_files(formats)
    with replacing(folder) as work:
        # the cases table, column by column, built once before any worker is forked
        table = case_columns(analysis) if {"xlsx", "csv", "html", "md"} & set(formats) \
            else None
        keys = chart_keys(analysis) if draws_charts(formats) else []
        charts = work / "charts"
        if keys:
            charts.mkdir(mode=0o755)
        tasks = (["xlsx"] if "xlsx" in formats else []) + keys
        with _workers(len(tasks), (analysis, table, work, formats)) as start:
            # The workbook first: it is the slowest file; the charts share the other workers.
            # Meanwhile this process writes what needs no chart.
            finished = start(tasks)
            if "md" in formats:
                links = {key: f"charts/{key}.{files[0]}" for key in keys} if files else {}
                (work / FILE_NAMES["md"]).write_bytes(report_markdown(analysis, table, links,
                                                                 stamp=stamp))
            if "json" in formats:
                summary = summary_dict(analysis)
                if stamp:
                    summary["generated"] = stamp
                write_json(summary, work / FILE_NAMES["json"])
            if "csv" in formats:
                fields, headings, columns = table
                with (work / FILE_NAMES["csv"]).open("wb") as out:
                    for chunk in csv_column_chunks(columns, fields, headings):
                        out.write(chunk)
            finished()
            if "html" in formats:
                svgs = {key: (charts / f"{key}.svg").read_bytes() for key in keys}
                (work / FILE_NAMES["html"]).write_bytes(report_html(analysis, table, svgs,
                                                               stamp=stamp))
        if "html" in formats and "svg" not in files:  # SVG drawn for report.html only
            for key in keys:
                (charts / f"{key}.svg").unlink()
            if not files:
                charts.rmdir()
    return folder


@contextlib.contextmanager
def replacing(folder: Path):
    """A temporary folder beside `folder` to write a report into, swapped in place of
    `folder` when the block ends, removed if it fails — so a failed run leaves the previous
    report untouched and nothing half-written. A `folder` that is a link (to a share, say)
    stays a link: the folder it points to keeps its place and gets the new files. A
    file-system error (no permission, a file open in Excel, a full disk, …) is an OutputError
    naming `folder`."""
    try:
        if folder.is_symlink():
            if not folder.resolve().is_dir():
                raise OutputError("is a link to a folder that does not exist; remove the link "
                                  "or make the folder it points to", path=str(folder),
                                  params={"reason": "dangling-link"})
            beside = folder.resolve()  # the work folder goes inside the linked folder
        else:
            folder.parent.mkdir(parents=True, exist_ok=True)
            beside = folder.parent
        work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=beside))
        work.chmod(0o755)  # mkdtemp makes it private; a report folder is an ordinary folder
    except OSError as exc:
        raise output_error(exc, folder) from exc
    try:
        yield work
        with signals_held():  # a swap is done or not done
            _swap(work, folder)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError):
            raise output_error(exc, folder) from exc
        raise


# What forked workers need, inherited from this process when they start: nothing is pickled
# but the results.
_SHARED: tuple | None = None  # (analysis, case rows, work folder, formats)


def _task(key: str) -> str:
    """One piece of the report in a worker: "xlsx" → report.xlsx; a chart key → the chart
    drawn once and saved in each format that needs it: the chart files chosen, and SVG for
    report.html to embed. Files, not bytes, come back: a result is a short message, which a
    worker killed while answering cannot leave half-written in the pipe (the pool would
    wait for its end for ever)."""
    from .charts import figure_bytes
    from .xlsx import write_report_workbook

    analysis, table, work, formats = _SHARED
    if key == "xlsx":
        write_report_workbook(analysis, table, work / FILE_NAMES["xlsx"])
        return key
    figure = draw_chart(analysis, key)
    embedded = ("svg",) if "html" in formats else ()
    for kind in dict.fromkeys(chart_files(formats) + embedded):
        (work / "charts" / f"{key}.{kind}").write_bytes(figure_bytes(figure, kind))
    return key


@contextlib.contextmanager
def _workers(tasks: int, shared: tuple):
    """Yield start(keys) → finished, where finished() waits for the tasks: they run on forked
    worker processes, one per core (at most one per task), where the system can fork (all
    workers start before any thread does), else here when finished() is called. So where it
    can fork, a single report's process never imports matplotlib: only the workers that draw
    do (a batch imports it once, for all its reports' workers: charts.prepare). A
    task's error is raised by finished(). The workers die with this process and, if the
    block fails or is interrupted, are killed before it ends: nothing writes into the work
    folder once it is being removed."""
    import multiprocessing
    import os

    from ..processes import FORKS, child_started, cores, signals_held
    from ..settings import CHART_WORKERS

    global _SHARED
    _SHARED = shared
    try:
        count = min(cores(), tasks, CHART_WORKERS)
        if count < 1 or not FORKS:
            yield lambda keys: lambda: [_task(key) for key in keys]
            return
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(count, mp_context=context, initializer=child_started,
                                 initargs=(os.getpid(),)) as pool:
            def start(keys):
                with signals_held():  # the first submit forks the workers
                    futures = [pool.submit(_task, key) for key in keys]
                return lambda: [future.result() for future in futures]
            try:
                yield start
            except BaseException:
                _stop(pool)
                raise
    finally:
        _SHARED = None


def _stop(pool) -> None:
    """Kill the pool's workers now rather than wait for their tasks."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # pid → process
    for process in processes:
        process.kill()
    for process in processes:
        process.join()
    pool.shutdown(wait=True, cancel_futures=True)


def _swap(work: Path, folder: Path) -> None:
    """Put `work` in the place of `folder` by renaming; a linked `folder` is filled instead."""
    if folder.is_symlink():
        _replace_contents(work, folder.resolve())
        return
    backup = None
    if folder.exists():
        if not folder.is_dir():
            raise FlowmatrixError("exists and is not a folder", path=str(folder),
                                  code="bad-output")
        backup = folder.with_name(f".{folder.name}.previous")
        if backup.is_symlink():  # left by an earlier version that renamed a link
            backup.unlink()
        elif backup.exists():
            shutil.rmtree(backup)
        try:
            folder.rename(backup)
        except PermissionError as exc:  # Windows: a file in it is open
            raise OutputError("cannot replace this report folder: a file in it (report.xlsx?) "
                              "is open in another program (Excel?), or you have no permission "
                              "to write there; close it and run again",
                              path=str(folder), params={"reason": "folder-in-use"}) from exc
    try:
        work.rename(folder)
    except BaseException:
        if backup is not None:
            backup.rename(folder)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def _replace_contents(work: Path, target: Path) -> None:
    """Replace the entries of `target` by those of `work` (a folder inside it), so the folder
    itself (a link's target on a share, with its permissions) stays. On failure the previous
    entries are put back."""
    old = Path(tempfile.mkdtemp(prefix=".previous-", dir=target))
    moved: list[str] = []
    placed: list[str] = []
    try:
        for entry in sorted(target.iterdir()):
            if entry not in (work, old):
                entry.rename(old / entry.name)
                moved.append(entry.name)
        for entry in sorted(work.iterdir()):
            entry.rename(target / entry.name)
            placed.append(entry.name)
    except BaseException:
        for name in placed:
            (target / name).rename(work / name)
        for name in moved:
            (old / name).rename(target / name)
        old.rmdir()
        raise
    work.rmdir()
    shutil.rmtree(old, ignore_errors=True)
