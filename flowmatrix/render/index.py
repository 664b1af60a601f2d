"""index.html of a batch: one line per input, with its counts and a link to its report."""

from __future__ import annotations

from pathlib import Path

from ..errors import shown_path

COMBINED = "_combined"  # the folder of the report over every input of a batch


def report_page(formats: tuple[str, ...]) -> str:
    """What a report folder's link opens: report.html, else report.md, else the folder."""
    return next((f"report.{f}" for f in ("html", "md") if f in formats), "")


def write_index(results: list, combined: Path | None, out: Path, *,
                lang: str = "ja", stamp: str | None = None,
                formats: tuple[str, ...] = ("html",)) -> Path:
    """index.html linking each report folder's page (report.html, or report.md when only
    Markdown was written, or the folder)."""
    from html import escape

    from ..io.output import write_atomic
    from .html import STYLE
    from .labels import INDEX_WORDS, error_words

    words = INDEX_WORDS[lang]
    rows = []
    for r in results:
        if r.error is not None or r.analysis is None:  # the file is named in the first cell
            rows.append(f"<tr><td>{escape(shown_path(r.path))}</td><td colspan=4 class=error>"
                        f"{escape(error_words(r.error, lang) if r.error else '')}</td></tr>")
            continue
        counts = r.analysis.counts
        link = f"{escape(r.folder.name)}/{report_page(formats)}"
        rows.append(f"<tr><td>{escape(shown_path(r.path))}</td>"
                    f"<td class=n>{len(r.analysis.cases)}</td>"
                    f"<td class=n>{counts['error']}</td><td class=n>{counts['warning']}</td>"
                    f'<td><a href="{link}">{escape(r.folder.name)}</a></td></tr>')
    title = words["title"]
    combined_link = (f'<p><a href="{COMBINED}/{report_page(formats)}">'
                     f'{escape(words["combined"])}</a></p>') if combined else ""
    failures = sum(1 for r in results if r.error is not None)
    note = words["failed"].format(failed=failures, total=len(results)) if failures else ""
    page = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}'
            f"</title><style>{STYLE}</style></head><body><header><h1>{title}</h1>"
            + (f"<p>{escape(stamp)}</p>" if stamp else "") + "</header><main>"
            f"{combined_link}<p class=note>{escape(note)}</p><table><thead><tr>"
            + "".join(f"<th>{h}</th>" for h in words["columns"]) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></main></body></html>\n")
    return write_atomic(out / "index.html", page.encode("utf-8"))
