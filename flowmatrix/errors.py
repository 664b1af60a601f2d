"""Domain errors. The core raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

# Exit codes, documented in `flowmatrix --help`.
EXIT_OK = 0
EXIT_INVENTORY_ERRORS = 1  # the inventory has errors (or a batch had failures)
EXIT_CANNOT_RUN = 2  # usage error, missing or unreadable file, output cannot be written
# Stopped by SIGINT (Ctrl-C) or SIGTERM: 128 + the signal, 130 and 143, as shells report them.


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def whole_text(text: str) -> str:
    """`text` with every lone surrogate (half of a character, which UTF-8 cannot write) as
    U+FFFD, one for one; the same string when it has none."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def shown_path(path: str | os.PathLike) -> str:
    """A path as text any file, report or message can hold. Bytes of a name that the system's
    encoding cannot decode (a cp932 name from a Windows zip, unpacked on Linux) reach Python
    as lone surrogates: each becomes U+FFFD (whole_text). The file itself is still opened by
    its real name."""
    text = os.fspath(path)
    return whole_text(os.fsdecode(text) if isinstance(text, bytes) else text)


class FlowmatrixError(Exception):
    """An error a planner can act on. `code` is stable; `exit_code` is what the CLI returns."""

    code = "error"
    exit_code = EXIT_CANNOT_RUN

    def __init__(self, message: str, *, path: str | None = None, code: str | None = None,
                 params: dict | None = None):
        super().__init__(message)
        self.message = message
        self.path = shown_path(path) if path is not None else None
        if code is not None:
            self.code = code
        # The values the message names, for saying it in another language (render/labels.py
        # ERROR_MESSAGES, by code or code/reason).
        self.params = params or {}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputFileError(FlowmatrixError):
    """The file could not be opened or decoded at all (missing, corrupt, encrypted, wrong type)."""

    code = "unreadable-file"


class SheetNotFoundError(FlowmatrixError):
    """`--sheet` named a sheet that the workbook does not have."""

    code = "sheet-not-found"


class InventoryStructureError(FlowmatrixError):
    """The file was read but is not a usable inventory (no header with the four elements,
    duplicated columns). Carries the findings that explain why, for `validate`."""

    code = "missing-columns"
    exit_code = EXIT_INVENTORY_ERRORS

    def __init__(self, message: str, *, path: str | None = None, code: str | None = None,
                 sheet: str | None = None, findings: list | None = None,
                 params: dict | None = None):
        super().__init__(message, path=path, code=code, params=params)
        self.sheet = sheet
        self.findings = findings or []


class TaxonomyError(FlowmatrixError):
    """A taxonomy file (themes) is malformed."""

    code = "bad-taxonomy"


class OutputError(FlowmatrixError):
    """A report or output file could not be written: no permission, a file open in another
    program, a full or read-only disk, a name too long. Nothing half-written is left."""

    code = "cannot-write"


# What an OSError in writing means to a planner, and what to do (by errno): (reason id, words).
_WRITE_ERRORS = {
    errno.EACCES: ("open-or-denied", "cannot write: it is open in another program (Excel?) or "
                   "you have no permission to write there; close it and run again, or choose "
                   "another output"),
    errno.ENOSPC: ("disk-full", "the disk is full; free some space and run again"),
    errno.EROFS: ("read-only", "the disk is read-only; choose another output folder"),
    errno.ENAMETOOLONG: ("name-too-long", "the name is too long for the file system; choose a "
                         "shorter output name or folder"),
    errno.ENOTDIR: ("not-a-folder", "a part of this path is a file, not a folder; choose "
                    "another output"),
}
_WRITE_ERRORS[errno.EPERM] = _WRITE_ERRORS[errno.EACCES]
_WRITE_ERRORS[errno.EDQUOT] = _WRITE_ERRORS[errno.ENOSPC]


def output_error(exc: OSError, path: str | Path) -> OutputError:
    """The OutputError for `exc`, raised while writing `path` (the report folder or file the
    user asked for, not a temporary name)."""
    detail = str(exc.strerror or exc)
    reason, message = _WRITE_ERRORS.get(exc.errno, ("other", f"cannot write ({detail})"))
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocking = next((p for p in (Path(path), *Path(path).parents)
                         if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            return OutputError("is a file, not a folder; choose another output",
                               path=str(blocking), params={"reason": "is-a-file"})
    return OutputError(message, path=str(path), params={"reason": reason, "detail": detail})


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived (the CLI raises it from its signal handler). A BaseException,
    like KeyboardInterrupt, so no `except Exception` swallows it: the clean-up that `finally`
    and `except BaseException` do (kill workers, remove partial folders) runs on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
