"""Analyse one inventory or many: expand files, folders and globs, write a report per input, a
combined report and an index. A bad input is reported and does not stop the others."""

from __future__ import annotations

import glob
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import FlowmatrixError, InputFileError
from .io.readers import SUPPORTED_SUFFIXES

COMBINED = "_combined"


@dataclass
class InputResult:
    path: Path
    folder: Path | None = None  # where its report was written
    analysis: object | None = None  # the Analysis, when it could be read
    error: FlowmatrixError | None = None


def expand_inputs(arguments: list[str | Path]) -> list[Path]:
    """Files as given; folders → every inventory file inside (recursively, sorted, skipping
    hidden files and Excel's ~$ lock files); 'reports-2024/*.xlsx' → the matching files."""
    found: list[Path] = []
    for argument in arguments:
        text = str(argument)
        path = Path(text)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file()
                            and p.suffix.lower() in SUPPORTED_SUFFIXES
                            and not p.name.startswith(("~$", "."))
                            and not any(part.startswith(".") for part in
                                        p.relative_to(path).parts[:-1]))
        elif not path.exists() and glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
            if not matches:
                raise InputFileError("no files match this pattern", path=text,
                                     code="no-match")
            found += [m for m in matches if m.is_file()]
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def report_folders(paths: list[Path], out: Path) -> dict[Path, Path]:
    """out/<file stem> for each input; repeated stems get -2, -3, …"""
    from .render.folder import safe_name

    used: set[str] = {COMBINED}
    folders = {}
    for path in paths:
        base = safe_name(path.stem)
        name, n = base, 2
        while name.lower() in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name.lower())
        folders[path] = out / name
    return folders


def analyze_files(paths: list[Path], out: str | Path, *, formats: tuple[str, ...],
                  taxonomy=None, lang: str = "ja", top: int | None = None,
                  ignore_declared: bool = False, stamp: str | None = None,
                  read_options: dict | None = None, item_taxonomies: dict | None = None,
                  progress: Callable[[InputResult, int, int], None] | None = None,
                  ) -> tuple[list[InputResult], InputResult | None, Path | None]:
    """Analyse and report each input. Returns the per-input results, the combined report
    (its folder and analysis) and the index page (both None for a single input).
    `item_taxonomies`: service_types and/or data_categories taxonomies for analyze_inventory."""
    from .classification.taxonomy import load_taxonomy
    from .io.inventory import read_inventory
    from .model.analysis import DEFAULT_TOP, analyze_inventory, combine
    from .render.folder import write_report

    out = Path(out)
    taxonomy = taxonomy or load_taxonomy()
    top = top or DEFAULT_TOP
    folders = report_folders(paths, out)
    inputs = {p.resolve() for p in paths if p.exists()}
    results: list[InputResult] = []
    for index, path in enumerate(paths, start=1):
        result = InputResult(path)
        try:
            if folders[path].resolve() in inputs or any(
                    i.is_relative_to(folders[path].resolve()) for i in inputs):
                raise FlowmatrixError("the report folder would hold the input file; choose "
                                      "another --out", path=str(folders[path]),
                                      code="output-is-input")
            inventory = read_inventory(path, **(read_options or {}))
            result.analysis = analyze_inventory(inventory, taxonomy=taxonomy, lang=lang,
                                                top=top, ignore_declared=ignore_declared,
                                                **(item_taxonomies or {}))
            result.folder = write_report(result.analysis, folders[path], formats=formats,
                                         stamp=stamp)
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
    index = write_index(results, combined.folder if combined else None, out, lang=lang,
                        stamp=stamp)
    return results, combined, index


def write_index(results: list[InputResult], combined: Path | None, out: Path, *,
                lang: str = "ja", stamp: str | None = None) -> Path:
    from html import escape

    from .io.output import write_atomic
    from .render.html import STYLE

    ja = lang == "ja"
    headings = (["入力", "事例数", "エラー", "警告", "レポート"] if ja
                else ["Input", "Cases", "Errors", "Warnings", "Report"])
    rows = []
    for r in results:
        if r.error is not None or r.analysis is None:
            rows.append(f"<tr><td>{escape(str(r.path))}</td><td colspan=4 class=error>"
                        f"{escape(r.error.message if r.error else '')}</td></tr>")
            continue
        counts = r.analysis.counts
        link = f"{escape(r.folder.name)}/report.html"
        rows.append(f"<tr><td>{escape(str(r.path))}</td><td class=n>{len(r.analysis.cases)}</td>"
                    f"<td class=n>{counts['error']}</td><td class=n>{counts['warning']}</td>"
                    f'<td><a href="{link}">{escape(r.folder.name)}</a></td></tr>')
    title = "レポート一覧" if ja else "Reports"
    combined_link = (f'<p><a href="{COMBINED}/report.html">'
                     + ("全入力を合わせたレポート" if ja else "Combined report over all inputs")
                     + "</a></p>") if combined else ""
    failures = sum(1 for r in results if r.error is not None)
    note = (f"{len(results)} 件中 {failures} 件は読めませんでした。" if ja
            else f"{failures} of {len(results)} inputs could not be read.") if failures else ""
    page = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}'
            f"</title><style>{STYLE}</style></head><body><header><h1>{title}</h1>"
            + (f"<p>{escape(stamp)}</p>" if stamp else "") + "</header><main>"
            f"{combined_link}<p class=note>{escape(note)}</p><table><thead><tr>"
            + "".join(f"<th>{h}</th>" for h in headings) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></main></body></html>\n")
    return write_atomic(out / "index.html", page.encode("utf-8"))
