"""Analyse one inventory or many: expand files, folders and globs, write a report per input, a
combined report and an index. A bad input is reported and does not stop the others."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FlowmatrixError, InputFileError, OutputError, shown_path
from .io.readers import SUPPORTED_SUFFIXES
from .processes import FORKS, ChildDied, ChildWorker
from .render.index import COMBINED
from .render.registry import DEFAULT_FORMATS, FILE_NAMES, draws_charts
from .settings import DEFAULTS, GLOB_MAX_PATHS, Settings

if TYPE_CHECKING:
    from .classification.taxonomy import Taxonomies
    from .model.analysis import Analysis


@dataclass
class InputResult:
    path: Path
    folder: Path | None = None  # where its report was written
    analysis: object | None = None  # the Analysis, when it could be read
    error: FlowmatrixError | None = None


def expand_inputs(arguments: list[str | Path], *, skip: tuple[str | Path, ...] = (),
                  passed_over: list[tuple[Path, list[str]]] | None = None) -> list[Path]:
    """Files as given; folders → every inventory file inside (recursively, sorted, skipping
    hidden files and Excel's ~$ lock files); 'reports-2024/*.xlsx' → the matching files.

    Reports are never read back as inventories: a folder or glob skips the folders in `skip`
    (the --out folder) and every folder flowmatrix wrote (is_report_folder), so a run with its
    --out inside the input folder reads the same inputs every time. A file named directly is
    always read. `passed_over` gets each report folder passed over that holds other files
    that could be inventories (a summary.json copied into a folder of inventories; an edited
    copy of a report), with their names: the caller says so, as they are not read."""
    skipped = {Path(s).resolve() for s in skip}

    def kept(path: Path) -> bool:
        return not any(p in skipped or is_report_folder(p)
                       for p in (path.resolve(), *path.resolve().parents))

    found: list[Path] = []
    notes: dict[Path, list[str]] = {}
    for argument in arguments:
        text = str(argument)
        path = Path(text)
        try:
            if path.is_dir():
                found += sorted(_inventory_files(path, skipped, notes))
            elif not path.exists() and glob.has_magic(text):
                matches = sorted(Path(m) for m in _matching(text))
                if not matches:
                    raise InputFileError("no files match this pattern", path=text,
                                         code="no-match")
                for match in matches:
                    if not match.is_file():
                        continue
                    if kept(match.parent):
                        found.append(match)
                    elif match.name not in REPORT_FILES:  # as a folder's walk says them
                        notes.setdefault(match.parent, []).append(match.name)
            else:
                found.append(path)
        except OSError as exc:  # a folder on the way that may not be read
            where = shown_path(exc.filename or text)
            raise InputFileError(f"cannot read {where}: {exc.strerror or exc}", path=text,
                                 code="unreadable-file",
                                 params={"reason": "folder", "name": where}) from exc
    if passed_over is not None:
        passed_over += sorted((folder, sorted(set(names))) for folder, names in notes.items())
    # one file named twice (./a.csv and data/../a.csv, a link, a glob through a link) is read
    # once, under the first of its names
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _matching(pattern: str) -> list[str]:
    """The paths `pattern` matches (** for any folders), at most GLOB_MAX_PATHS: through a
    folder linked into itself, ** matches without end."""
    from itertools import islice

    matches = list(islice(glob.iglob(pattern, recursive=True), GLOB_MAX_PATHS + 1))
    if len(matches) > GLOB_MAX_PATHS:
        raise InputFileError(f"the pattern matches more than {GLOB_MAX_PATHS:,} paths (is a "
                             "folder linked into itself?); name the folder instead, which "
                             "is read without following links", path=pattern,
                             code="too-large",
                             params={"reason": "glob", "limit": f"{GLOB_MAX_PATHS:,}"})
    return matches


def _inventory_files(folder: Path, skipped: set[Path], notes: dict[Path, list[str]]
                     ) -> list[Path]:
    """The inventory files under `folder`, not descending into hidden folders, the folders
    in `skipped` (the --out folder) and report folders; `notes` gets those passed over that
    hold other files that could be inventories. A report folder named itself gives its other
    files, never the report's own."""
    if folder.resolve() in skipped:
        return []

    def unreadable(exc: OSError) -> None:  # a subfolder that may not be read: not skipped
        raise exc

    # a report folder named itself: its own files are never inventories (the folders walked
    # below it are none: report folders are not descended into)
    own = REPORT_FILES if is_report_folder(folder) else frozenset()
    files = []
    for root, folders, names in os.walk(folder, onerror=unreadable):
        here = Path(root)
        kept = []
        for name in folders:
            if name.startswith("."):
                continue
            if (here / name).resolve() in skipped or is_report_folder(here / name):
                others = _other_files(here / name)
                if others:
                    notes[here / name] = others
                continue
            kept.append(name)
        folders[:] = kept
        files += [here / name for name in names
                  if _inventory_name(name) and name not in own and (here / name).is_file()]
    return files


def _inventory_name(name: str) -> bool:
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES and not name.startswith(("~$", "."))


# The files of a report that a folder or a glob would otherwise take for inventories.
REPORT_FILES = frozenset(name for name in FILE_NAMES.values()
                         if Path(name).suffix in SUPPORTED_SUFFIXES)


def _other_files(folder: Path) -> list[str]:
    """The files in a report folder and its subfolders (at most OTHER_FILES of them) that could
    be inventories but are not a report's own."""
    found: list[str] = []
    for root, folders, names in os.walk(folder):
        folders.sort()  # the same first files every run, when there are more than are named
        here = Path(root)
        found += [str((here / name).relative_to(folder)) for name in sorted(names)
                  if _inventory_name(name) and name not in REPORT_FILES]
        if len(found) >= OTHER_FILES:
            break
    return sorted(found)[:OTHER_FILES]


OTHER_FILES = 20  # files named in a note about a report folder passed over


def is_report_folder(folder: Path) -> bool:
    """Whether flowmatrix wrote `folder`: a batch's (index.html beside _combined/) or one
    report's (a summary.json whose first key is "flowmatrix"). Markers already in every
    default report, so reports written before this check are recognised too."""
    try:
        if (folder / "index.html").is_file() and (folder / COMBINED).is_dir():
            return True
        with open(folder / FILE_NAMES["json"], "rb") as summary:
            return summary.read(len(_SUMMARY_START)) == _SUMMARY_START
    except OSError:
        return False


_SUMMARY_START = b'{\n  "flowmatrix":'  # render/summary.py puts the version first


def report_folders(paths: list[Path], out: Path) -> dict[Path, Path]:
    """out/<file stem> for each input; repeated stems get -2, -3, …"""
    from .render.folder import safe_name

    used: set[str] = {COMBINED, "index.html"}  # the batch's own folder and page
    folders = {}
    for path in paths:
        base = safe_name(path.stem)
        name, n = base, 2
        while name.lower() in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name.lower())
        folders[path] = out / name
    return folders


def analyze_files(paths: list[Path], out: str | Path, settings: Settings | None = None, *,
                  formats: tuple[str, ...] = DEFAULT_FORMATS, stamp: str | None = None,
                  progress: Callable[[InputResult, int, int], None] | None = None,
                  ) -> tuple[list[InputResult], InputResult | None, Path | None]:
    """Analyse and report each input with `settings`. Returns the per-input results, the
    combined report (its folder and analysis) and the index page (both None for a single
    input). A bad taxonomy or headers file raises before any input is read."""
    from .classification.taxonomy import load_taxonomies
    from .io.columns import load_header_aliases
    from .model.analysis import combine
    from .pipeline import analyze
    from .render.folder import write_report
    from .render.index import write_index

    settings = settings or DEFAULTS
    taxonomies = load_taxonomies(settings)
    load_header_aliases(settings.headers)
    out = Path(out)
    folders = report_folders(paths, out)
    inputs = {p.resolve() for p in paths if p.exists()}
    results: list[InputResult] = []
    # drawing prepared once here for the workers of every report, which are forked from here
    # (render/charts.prepare): after the reader's child is forked, as numpy starts threads
    unprepared = len(paths) > 1 and FORKS and draws_charts(formats)
    with ChildWorker(_analyse_bare) as analyse_apart:
        for index, path in enumerate(paths, start=1):
            result = InputResult(path)
            try:
                if folders[path].resolve() in inputs or any(
                        i.is_relative_to(folders[path].resolve()) for i in inputs):
                    raise FlowmatrixError("the report folder would hold the input file; "
                                          "choose another --out", path=str(folders[path]),
                                          code="output-is-input")
                result.analysis = (_analysed_apart(analyse_apart, path, settings, taxonomies)
                                   if len(paths) > 1 else analyze(path, settings))
                if unprepared:
                    from .render.charts import prepare

                    prepare()
                    unprepared = False
                result.folder = write_report(result.analysis, folders[path],
                                             formats=formats, stamp=stamp)
            except OutputError:
                raise  # the output cannot be written: the next input would fail the same way
            except FlowmatrixError as exc:
                result.error = exc
            results.append(result)
            if progress:
                progress(result, index, len(paths))
    if len(paths) < 2:
        return results, None, None
    analysed = [r.analysis for r in results if r.analysis is not None]
    combined = None
    if analysed:
        combined = InputResult(out / COMBINED, analysis=combine(analysed, name=COMBINED))
        combined.folder = write_report(combined.analysis, out / COMBINED, formats=formats,
                                       stamp=stamp)
    index = write_index(results, combined.folder if combined else None, out,
                        lang=settings.lang, stamp=stamp, formats=formats)
    return results, combined, index


def _analysed_apart(analyse_apart: ChildWorker, path: Path, settings: Settings,
                    taxonomies: Taxonomies) -> Analysis:
    """analyze(path) in the batch's child process, so that whatever happens while reading
    one input (a native reader aborting, the memory killer, a bug) fails that input, not the
    batch. The taxonomies stay here: the child's are the same and need not travel back."""
    try:
        analysis = analyse_apart(path, settings)
    except ChildDied as exc:
        raise InputFileError(f"the reader crashed on this file ({exc}); open it in Excel "
                             "and save it again (or as CSV), then run again",
                             path=str(path), code="reader-crashed") from exc
    except FlowmatrixError:
        raise
    except Exception as exc:  # noqa: BLE001 - one input's bug must not end the batch
        raise FlowmatrixError(f"internal error on this file ({type(exc).__name__}: {exc}); "
                              "this is a bug in flowmatrix: please report it",
                              path=str(path), code="internal-error") from exc
    analysis.taxonomies = taxonomies
    return analysis


def _analyse_bare(path: Path, settings: Settings) -> Analysis:
    """analyze(path, settings) without its taxonomies (for _analysed_apart)."""
    from .pipeline import analyze

    analysis = analyze(path, settings)
    analysis.taxonomies = None
    return analysis
