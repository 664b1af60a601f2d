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
    "read_inventory": "io.inventory",
    "Inventory": "io.inventory",
    "validate": "checks",
    "validate_files": "checks",
    "Finding": "findings",
    "load_taxonomy": "classification.taxonomy",
    "Taxonomy": "classification.taxonomy",
    "write_template": "io.template",
    "classify": "classification.themes",
    "theme_tally": "model.tally",
    "flow_matrix": "model.matrix",
    "analyze_inventory": "model.analysis",
    "Analysis": "model.analysis",
}

if TYPE_CHECKING:
    from .checks import validate, validate_files
    from .classification.taxonomy import Taxonomy, load_taxonomy
    from .classification.themes import classify
    from .findings import Finding
    from .io.inventory import Inventory, read_inventory
    from .io.template import write_template
    from .model.analysis import Analysis, analyze_inventory
    from .model.matrix import flow_matrix
    from .model.tally import theme_tally

__all__ = ["FlowmatrixError", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'flowmatrix' has no attribute {name!r}")
