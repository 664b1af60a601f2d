"""The `flowmatrix` typer app: the top-level help, --version, --debug, and the entry point that
turns an unexpected error into a short message."""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from .. import __version__
from ..errors import EXIT_CANNOT_RUN, Interrupted, output_error

EXIT_CODES = (
    "Exit codes: 0 ok · 1 the inventory has errors (validate, analyze; validate --strict: "
    "warnings too; or a batch had failures; compare --fail-on: such a change) · 2 the command "
    "could not run (usage, missing or unreadable file, the output cannot be written) · 130/143 "
    "stopped by Ctrl-C/SIGTERM (nothing half-written is left; an unfinished report keeps its "
    "previous version)."
)

app = typer.Typer(
    name="flowmatrix",
    help=(
        "Read, check, classify and chart inventories of personal-data linkage cases between "
        "municipal services, written in the DSA's four-element form: ① source service → "
        "② data α → ③ target service → ④ linked service β.\n\n"
        "Example: flowmatrix validate cases.xlsx"
    ),
    epilog=EXIT_CODES,
    rich_markup_mode=None,  # click's plain help: rich's import would double --help's time
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


# The first line of each command's help names it in Japanese too.
JAPANESE_NAMES = {
    "validate": "台帳の検査", "analyze": "分析と報告書", "compare": "台帳の比較",
    "classify": "テーマと種別の分類", "flows": "代表的なデータ連携の例", "tally": "事例数の集計",
    "matrix": "データフローマトリクス", "chart": "グラフ", "names": "名寄せ",
    "themes": "テーマ・種別の一覧", "template": "台帳のひな形",
}


def command(help_text: str):
    """Register a command with its help (ending in an example, its first line beginning with
    the command's Japanese name) and the exit codes."""
    def register(function):
        name = JAPANESE_NAMES.get(function.__name__)
        text = _examples_whole(f"{name}：{help_text}" if name else help_text)
        return app.command(epilog=EXIT_CODES, help=text)(function)
    return register


def _examples_whole(text: str) -> str:
    """The help's closing "Example: a  ·  b" as one command a line, which click's help does not
    rewrap (its \\b paragraph mark): an example is copied whole."""
    body, found, examples = text.rpartition("\n\nExample: ")
    if not found:
        return text
    lines = examples.split("  ·  ")
    return body + "\n\n\b\nExample" + ("s" if len(lines) > 1 else "") + ":\n" + "\n".join(
        f"  {line}" for line in lines)


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
    from .console import console, escape, language, print_error, tolerant_streams

    for name in ("stdout", "stderr"):  # started with it closed (`1>&-`): Python gives None
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    tolerant_streams()  # the help too holds characters a cp932 console lacks (—, ·)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    clicks = _click_exceptions()
    try:
        if not sys.argv[1:]:  # `flowmatrix` alone: the help on stdout, as a usage error
            app(["--help"], prog_name="flowmatrix", standalone_mode=False)
            sys.exit(2)
        code = app(prog_name="flowmatrix", standalone_mode=False)
    except SystemExit:
        raise
    except clicks.UsageError as exc:
        _usage_error(exc, print_error)
        sys.exit(exc.exit_code)
    except clicks.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except typer.Abort:  # typer's word for input that ended (EOF) in a command
        from ..render.labels import ABORTED

        console(stderr=True).print(escape(ABORTED[language()]))
        sys.exit(1)
    except Interrupted as stop:
        from ..render.labels import INTERRUPTED

        console(stderr=True).print(escape(INTERRUPTED[language()].format(
            signal=signal.Signals(stop.signum).name)))
        sys.exit(128 + stop.signum)
    except OSError as exc:  # a file-system error no command caught: a message, not a bug
        if _state["debug"] or "--debug" in sys.argv:
            raise
        print_error(output_error(exc, exc.filename or ""))
        sys.exit(EXIT_CANNOT_RUN)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for users
        if _state["debug"] or "--debug" in sys.argv:
            raise
        from ..render.labels import INTERNAL_ERROR

        word, advice = INTERNAL_ERROR[language()]
        console(stderr=True).print(f"[bold red]{word}:[/bold red] {escape(type(exc).__name__)}: "
                                   f"{escape(str(exc))}\n{escape(advice)}")
        sys.exit(EXIT_CANNOT_RUN)
    # A command ends by raising typer.Exit(code), which comes back here as its value.
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)


def _click_exceptions():
    """click's exceptions module, wherever this typer keeps click (typer 0.28 has its own
    copy, typer._click)."""
    import importlib

    from typer.core import TyperCommand

    core = next(c for c in TyperCommand.__mro__ if c.__name__ == "Command"
                and c.__module__.endswith(".core") and c.__module__ != "typer.core")
    return importlib.import_module(core.__module__.rsplit(".", 1)[0] + ".exceptions")


def _usage_error(exc, print_error) -> None:
    """click's usage line and hint, then the error in the asked language (a usage error is
    found before the command's --lang is read: the command line and FLOWMATRIX_LANG say it)."""
    from ..errors import FlowmatrixError
    from ..render.labels import USAGE_HINT
    from .console import use_language

    lang = _asked_language()
    use_language(lang)
    if exc.ctx is not None:
        typer.echo(exc.ctx.get_usage(), err=True)
        typer.echo(USAGE_HINT[lang].format(command=exc.ctx.command_path) + "\n", err=True)
    print_error(FlowmatrixError(exc.format_message(), code="usage"))


def _asked_language() -> str:
    from ..settings import DEFAULTS, LANGUAGES

    args = sys.argv[1:]
    for at, arg in enumerate(args):
        value = args[at + 1] if arg == "--lang" and at + 1 < len(args) else (
            arg.removeprefix("--lang=") if arg.startswith("--lang=") else None)
        if value in LANGUAGES:
            return value
    value = os.environ.get("FLOWMATRIX_LANG")
    return value if value in LANGUAGES else DEFAULTS.lang
