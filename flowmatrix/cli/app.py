"""The `flowmatrix` typer app: the top-level help, --version, --debug, and the entry point that
turns an unexpected error into a short message."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer

from .. import __version__
from ..errors import EXIT_CANNOT_RUN, Interrupted, output_error

EXIT_CODES = (
    "[bold]Exit codes[/bold]: 0 ok · 1 the inventory has errors (or, with --strict, warnings; "
    "or a batch had failures) · 2 the command could not run (usage, missing or unreadable file, "
    "the output cannot be written) · 130/143 stopped by Ctrl-C/SIGTERM (nothing half-written "
    "is left; an unfinished report keeps its previous version)."
)

app = typer.Typer(
    name="flowmatrix",
    help=(
        "Read, check, classify and chart inventories of personal-data linkage cases between "
        "municipal services, written in the DSA's four-element form: ① source service → "
        "② data α → ③ target service → ④ linked service β.\n\n"
        "Example: [bold]flowmatrix validate cases.xlsx[/bold]"
    ),
    epilog=EXIT_CODES,
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


def command(help_text: str):
    """Register a command with its help (ending in an example) and the exit codes."""
    return app.command(epilog=EXIT_CODES, help=help_text)


def _interrupt(signum: int, _frame) -> None:
    """Raise Interrupted once (click would turn a KeyboardInterrupt into "Aborted!", exit 1);
    a second Ctrl-C while cleaning up is ignored, so the clean-up finishes."""
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, signal.SIG_IGN)
    raise Interrupted(signum)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowmatrix {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an unexpected "
                                        "internal error.")] = False,
) -> None:
    _state["debug"] = debug


def main() -> None:
    """Entry point: run the app; an unexpected internal error gets a short message, not a
    traceback (unless --debug); Ctrl-C and SIGTERM stop the run cleanly."""
    from .console import console, escape

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        app(prog_name="flowmatrix")
    except SystemExit:
        raise
    except Interrupted as stop:
        console(stderr=True).print(f"interrupted ({signal.Signals(stop.signum).name}): "
                                   "unfinished reports were not written and keep their "
                                   "previous version")
        sys.exit(128 + stop.signum)
    except OSError as exc:  # a file-system error no command caught: a message, not a bug
        if _state["debug"] or "--debug" in sys.argv:
            raise
        console(stderr=True).print(f"[bold red]error:[/bold red] "
                                   f"{escape(str(output_error(exc, exc.filename or '')))}")
        sys.exit(EXIT_CANNOT_RUN)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if _state["debug"] or "--debug" in sys.argv:
            raise
        console(stderr=True).print(
            f"[bold red]internal error:[/bold red] {escape(type(exc).__name__)}: "
            f"{escape(str(exc))}\nThis is a bug in flowmatrix; please report it with the "
            "command you ran. Run again with --debug to see the traceback.")
        sys.exit(EXIT_CANNOT_RUN)
