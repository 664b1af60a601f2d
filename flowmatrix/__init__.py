"""flowmatrix: read, check, classify and chart inventories of personal-data linkage cases.

Library use::

    import flowmatrix
    inventory = flowmatrix.read_inventory("cases.xlsx")
    findings = flowmatrix.validate(inventory)

Importing flowmatrix is cheap: pandas is imported when an inventory is read, matplotlib only
when a chart is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import FlowmatrixError

__version__ = "0.1.0"

_LAZY = {
    "read_inventory": "inventory",
    "Inventory": "inventory",
    "validate": "checks",
    "validate_files": "checks",
    "Finding": "findings",
    "load_taxonomy": "taxonomy",
    "Taxonomy": "taxonomy",
    "write_template": "template",
    "classify": "classifier",
    "theme_tally": "tally",
    "flow_matrix": "matrix",
    "analyze_inventory": "analysis",
    "Analysis": "analysis",
}

if TYPE_CHECKING:
    from .analysis import Analysis, analyze_inventory
    from .checks import validate, validate_files
    from .classifier import classify
    from .findings import Finding
    from .inventory import Inventory, read_inventory
    from .matrix import flow_matrix
    from .tally import theme_tally
    from .taxonomy import Taxonomy, load_taxonomy
    from .template import write_template

__all__ = ["FlowmatrixError", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'flowmatrix' has no attribute {name!r}")
