"""The `flowmatrix` command: a thin typer layer over the library.

app.py holds the app and the entry point, options.py the options commands share (declared
once), console.py what they print; each command is a module of its own. Library errors
(FlowmatrixError) become one message on stderr and an exit code; nothing here computes anything
the library does not.
"""

# isort: off
# The order of these imports is the order of the commands in --help.
from . import validate, analyze, compare, classify, flows, tally, matrix, chart, themes, template  # noqa: F401, E501
from . import names  # noqa: F401
# isort: on
from .app import app, main

__all__ = ["app", "main"]
