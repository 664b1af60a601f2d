"""Writing files safely: whole or not at all, never over an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import FlowmatrixError


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
        raise FlowmatrixError("the folder for the output does not exist", path=str(path),
                              code="bad-output")
    handle, temporary = tempfile.mkstemp(prefix=".flowmatrix-", suffix=path.suffix,
                                         dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in [data] if isinstance(data, bytes) else data:
                out.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
