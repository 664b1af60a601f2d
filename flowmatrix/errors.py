"""Domain errors. The core raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

# Exit codes, documented in `flowmatrix --help`.
EXIT_OK = 0
EXIT_INVENTORY_ERRORS = 1  # the inventory has errors (or a batch had failures)
EXIT_CANNOT_RUN = 2  # usage error, missing or unreadable file, output cannot be written
# Stopped by SIGINT (Ctrl-C) or SIGTERM: 128 + the signal, 130 and 143, as shells report them.


class FlowmatrixError(Exception):
    """An error a planner can act on. `code` is stable; `exit_code` is what the CLI returns."""

    code = "error"
    exit_code = EXIT_CANNOT_RUN

    def __init__(self, message: str, *, path: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        if code is not None:
            self.code = code

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
                 sheet: str | None = None, findings: list | None = None):
        super().__init__(message, path=path, code=code)
        self.sheet = sheet
        self.findings = findings or []


class TaxonomyError(FlowmatrixError):
    """A taxonomy file (themes) is malformed."""

    code = "bad-taxonomy"


class OutputError(FlowmatrixError):
    """A report or output file could not be written: no permission, a file open in another
    program, a full or read-only disk, a name too long. Nothing half-written is left."""

    code = "cannot-write"


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived (the CLI raises it from its signal handler). A BaseException,
    like KeyboardInterrupt, so no `except Exception` swallows it: the clean-up that `finally`
    and `except BaseException` do (kill workers, remove partial folders) runs on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
