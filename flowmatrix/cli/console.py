"""What the commands print: one console, errors as one line and an exit code, tables, files."""

from __future__ import annotations

import codecs
import os
import sys
from pathlib import Path

import typer

from ..errors import FlowmatrixError
from ..settings import DEFAULTS

# What a console that cannot show a character (cp932 on Japanese Windows, output redirected to a
# file) gets instead; anything else becomes "?". The job's exit code never depends on it.
PLAIN = {"✓": "OK", "✗": "NG", "—": "-", "–": "-", "…": "...", "→": "->", "·": "-",
         "①": "(1)", "②": "(2)", "③": "(3)", "④": "(4)"}
_FALLBACK = "flowmatrix-plain"


def _plain(error: UnicodeEncodeError) -> tuple[str, int]:
    text = error.object[error.start:error.end]
    return "".join(PLAIN.get(c, "?") for c in text), error.end


codecs.register_error(_FALLBACK, _plain)


def tolerant_streams() -> None:
    """Let stdout and stderr write any text: characters their encoding lacks become PLAIN."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and stream.errors != _FALLBACK:
            stream.reconfigure(errors=_FALLBACK)


def console(stderr: bool = False):
    from rich.console import Console

    tolerant_streams()
    out = Console(stderr=stderr, highlight=False, soft_wrap=True)

    def gone() -> None:  # rich would exit 1, which says the inventory has errors
        out.quiet = True
        reader_gone(sys.stderr if stderr else sys.stdout)

    out.on_broken_pipe = gone
    return out


def reader_gone(stream=None) -> None:
    """The reader of `stream` (stdout by default) has closed the pipe (`… | head`): it has
    what it wanted. The stream goes to the null device, so nothing more is written and the
    last flush at exit cannot fail again; the command ends as it would have, with the job's
    exit code."""
    try:
        target = (sys.stdout if stream is None else stream).fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to flush
        return
    try:
        os.dup2(null, target)
    finally:
        os.close(null)


def write_stdout(data) -> None:
    """Bytes (or chunks of bytes) to stdout, for as long as its reader takes them."""
    try:
        for chunk in [data] if isinstance(data, bytes) else data:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
    except BrokenPipeError:
        reader_gone()


def escape(text: str) -> str:
    """`text` as rich prints it literally: no markup, and characters the console cannot show
    already in their PLAIN forms, so that a table measures what is printed (✓ → OK is one
    column wider)."""
    from rich.markup import escape as rich_escape

    encoding = getattr(sys.stdout, "encoding", None)
    if encoding and codecs.lookup(encoding).name != "utf-8":
        text = text.encode(encoding, _FALLBACK).decode(encoding)
    return rich_escape(text)


_LANGUAGE = {"lang": DEFAULTS.lang}  # of the command running: set from its --lang


def use_language(lang: str) -> None:
    """Messages of this command (errors, lines on the terminal) in `lang`."""
    _LANGUAGE["lang"] = lang


def language() -> str:
    return _LANGUAGE["lang"]


def print_error(exc: FlowmatrixError) -> None:
    """The error on stderr, in the command's language."""
    from ..render.labels import ERROR_LEAD, error_text

    lang = language()
    console(stderr=True).print(f"[bold red]{ERROR_LEAD[lang]}:[/bold red] "
                               f"{escape(error_text(exc, lang))}")


def fail(exc: FlowmatrixError) -> typer.Exit:
    """Print the error on stderr; the exit to raise."""
    print_error(exc)
    return typer.Exit(exc.exit_code)


def usage(message: str) -> typer.Exit:
    return fail(FlowmatrixError(message, code="usage"))


def short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def output_format(chosen, output: Path | None, kind):
    """--format, else what the -o file name implies (.csv, .json, .xlsx), else a table on the
    terminal; a table cannot go to a file."""
    implied = None
    if output is not None:
        name = output.suffix.lower().lstrip(".")
        implied = kind(name) if name in kind.__members__ else None
    fmt = chosen or implied or kind.table
    if output is not None and fmt is kind.table:
        files = ", ".join(f".{m}" for m in kind.__members__ if m != "table")
        raise usage(f"-o writes a file: name it {files} or pass --format")
    return fmt


def emit(data, output: Path | None, inputs: tuple[Path, ...], what: str, *, lang: str) -> None:
    """Bytes (or chunks of bytes) to stdout, or to a file written whole or not at all; `what`
    it holds is said in `lang`."""
    from .. import write_atomic

    if output is None:
        write_stdout(data)
        return
    write_atomic(output, data, inputs=inputs)
    written(output, what, lang)


def written(path: Path, what: str | None, lang: str) -> None:
    """Say on stderr that `path` was written (and what it holds)."""
    from ..render.labels import wrote

    console(stderr=True).print(escape(wrote(str(path), what, lang)))


def print_frame(frame, *, title: str | None = None, index: bool = False,
                lang: str | None = None) -> None:
    """A DataFrame as a terminal table: numbers right-aligned, shares as percentages; with
    `lang`, column ids (cases, share, fiscal_year …) are headed in words."""
    from rich.table import Table

    from ..render.labels import column_label

    table = Table(pad_edge=False, title=title)
    columns = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    numeric = {str(c) for c in frame.columns if frame[c].dtype.kind in "iuf"}
    for column in columns:
        heading = column_label(column, lang) if lang else column
        table.add_column(escape(heading), justify="right" if column in numeric else "left",
                         overflow="fold")
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [escape(str(label))] if index else []
        for column, value in zip(frame.columns, row, strict=True):
            if column == "share":
                cells.append(f"{value:.1%}")
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append(escape(str(value)))
        table.add_row(*cells)
    out = console()
    width = out.measure(table, options=out.options.update_width(1_000_000)).maximum
    if width <= out.width:
        out.print(table)
        return
    # Squeezed into the terminal, a column a character wide drops what it cannot hold (a
    # Japanese character takes two): the table is printed whole, its lines longer.
    terminal, out.width = out.is_terminal, width
    out.print(table, crop=False)
    if terminal:
        from ..render.labels import WIDE_TABLE

        console(stderr=True).print(escape(WIDE_TABLE[language()].format(width=f"{width:,}")))
