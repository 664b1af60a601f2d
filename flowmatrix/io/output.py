"""Writing files safely: whole or not at all, never over an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import FlowmatrixError, OutputError, output_error


def write_atomic(path: str | Path, data: bytes | Iterable[bytes], *,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """Write `data` (bytes, or chunks of bytes) to a temporary file beside `path`, then move it
    into place, so a failed run leaves no half-written file. Refuses to write over one of the
    `inputs`."""
    path = Path(path)
    for source in inputs:
        if Path(source).exists() and path.exists() and path.resolve() == Path(source).resolve():
            raise FlowmatrixError("refusing to write the output over the input file",
                                  path=str(path), code="output-is-input")
    if not path.parent.is_dir():
        if path.parent.exists():
            raise OutputError("is a file, not a folder; choose another output",
                              path=str(path.parent), params={"reason": "is-a-file"})
        raise FlowmatrixError("the folder for the output does not exist", path=str(path),
                              code="bad-output")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".flowmatrix-", suffix=path.suffix,
                                             dir=path.parent)
    except OSError as exc:
        raise output_error(exc, path) from exc
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in [data] if isinstance(data, bytes) else data:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise output_error(exc, path) from exc
        raise
    return path
