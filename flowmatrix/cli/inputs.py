"""The inventory files a command's arguments name: files, folders and globs (batch.py)."""

from __future__ import annotations

from pathlib import Path

from ..errors import FlowmatrixError
from .console import console, escape, language


def input_files(arguments: list[str], skip: tuple[str | Path, ...] = ()) -> list[Path]:
    """The inventory files of `arguments` (batch.expand_inputs). The report folders passed
    over with other files in them are said on stderr; none at all is an error."""
    from .. import expand_inputs

    notes: list[tuple[Path, list[str]]] = []
    paths = expand_inputs(arguments, skip=skip, passed_over=notes)
    say_passed_over(notes)
    if not paths:
        raise FlowmatrixError("no inventory files found in " + ", ".join(map(str, arguments)),
                              code="no-input")
    return paths


def say_passed_over(notes: list[tuple[Path, list[str]]]) -> None:
    """Say on stderr which report folders were passed over with other files in them."""
    from ..errors import shown_path
    from ..render.labels import passed_over

    for folder, files in notes:
        console(stderr=True).print(escape(passed_over(shown_path(folder), files, language())))
