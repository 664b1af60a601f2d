"""Writing files safely: whole or not at all, never over an input."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from ..errors import FlowmatrixError, OutputError, output_error


def write_atomic(path: str | Path, data: bytes | Iterable[bytes], *,
                 inputs: tuple[str | Path, ...] = ()) -> Path:
    """Write `data` (bytes, or chunks of bytes) to a temporary file beside `path`, then move it
    into place, so a failed run leaves no half-written file. Refuses to write over one of the
    `inputs`.

    `path` as the shell's `>` treats it: a link is written through (the file it points to is
    replaced, the link stays); a file that is replaced keeps its permissions, and a new one
    gets those of any new file (0666 less the umask); a character device or a pipe
    (/dev/null, a FIFO) is written to as it is, never replaced by a file; a block device or
    a socket is refused."""
    path = Path(path)
    for source in inputs:
        if Path(source).exists() and path.exists() and path.resolve() == Path(source).resolve():
            raise FlowmatrixError("refusing to write the output over the input file",
                                  path=str(path), code="output-is-input")
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        found = os.stat(target)
    except OSError:
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        return _write_special(path, target, found, data)
    if not target.parent.is_dir():
        if target.parent.exists():
            raise OutputError("is a file, not a folder; choose another output",
                              path=str(target.parent), params={"reason": "is-a-file"})
        raise FlowmatrixError("the folder for the output does not exist", path=str(path),
                              code="bad-output")
    try:
        handle, temporary = _new_file(target)
        if found is not None:
            os.chmod(temporary, stat.S_IMODE(found.st_mode))
    except OSError as exc:
        raise output_error(exc, path) from exc
    try:
        with os.fdopen(handle, "wb") as out:
            _write_all(out, data)
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise output_error(exc, path) from exc
        raise
    return path


def _write_all(out, data: bytes | Iterable[bytes]) -> None:
    for chunk in [data] if isinstance(data, bytes) else data:
        out.write(chunk)


def _new_file(target: Path) -> tuple[int, str]:
    """A new, empty file beside `target`, with the permissions the system gives a new file
    (tempfile's are private, 0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        name = target.parent / f".flowmatrix-{secrets.token_hex(6)}{target.suffix}"
        try:
            return os.open(name, flags, 0o666), str(name)
        except FileExistsError:
            continue


def _write_special(path: Path, target: Path, found: os.stat_result,
                   data: bytes | Iterable[bytes]) -> Path:
    """Write to a character device or a pipe as it is; refuse anything else that is not a
    file (a folder, a block device, a socket)."""
    if stat.S_ISDIR(found.st_mode):
        raise FlowmatrixError("is a folder; give a file name for the output", path=str(path),
                              code="bad-output")
    if not (stat.S_ISCHR(found.st_mode) or stat.S_ISFIFO(found.st_mode)):
        raise FlowmatrixError("is a device or socket, not a file; give a file name for the "
                              "output", path=str(path), code="bad-output")
    try:
        with open(target, "wb") as out:
            _write_all(out, data)
    except OSError as exc:
        raise output_error(exc, path) from exc
    return path
