"""flowmatrix: read, check, classify and chart inventories of personal-data linkage cases.

Library use (a notebook runs the same pipeline as the command line)::

    import flowmatrix
    settings = flowmatrix.Settings(lang="en", top=8)
    analysis = flowmatrix.analyze("cases.xlsx", settings)    # read, classify, check, count
    analysis.theme_tally                                      # ids and counts
    flowmatrix.write_report(analysis, "reports/cases")        # xlsx, html, md, json, csv, charts

Importing flowmatrix is cheap: pandas is imported when an inventory is read, matplotlib only
when a chart is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import FlowmatrixError

__version__ = "0.1.0"

# public name → the module that defines it (imported on first use)
_LAZY = {
    "Settings": "settings",
    "Limits": "settings",
    "DEFAULTS": "settings",
    "analyze": "pipeline",
    "classify": "pipeline",
    "check_files": "pipeline",
    "analysis_result": "pipeline",
    "Classified": "pipeline",
    "FileResult": "pipeline",
    "name_clusters": "pipeline",
    "NameClusters": "pipeline",
    "NameCluster": "classification.names",
    "cluster_names": "classification.names",
    "load_aliases": "classification.aliases",
    "aliases_toml": "classification.aliases",
    "read_inventory": "io.inventory",
    "Inventory": "io.inventory",
    "write_template": "io.template",
    "write_atomic": "io.output",
    "Finding": "findings",
    "load_taxonomy": "classification.taxonomy",
    "load_taxonomies": "classification.taxonomy",
    "Taxonomy": "classification.taxonomy",
    "Taxonomies": "classification.taxonomy",
    "Analysis": "model.analysis",
    "theme_tally": "model.tally",
    "tally_by": "model.tally",
    "theme_cross_table": "model.tally",
    "flow_matrix": "model.matrix",
    "check_dimensions": "model.matrix",
    "flow_stages": "model.flows",
    "representative_flows": "model.representative",
    "write_report": "render.folder",
    "draw_chart": "render.registry",
    "save_figure": "render.charts",
    "analyze_files": "batch",
    "expand_inputs": "batch",
    "compare": "comparison",
}

if TYPE_CHECKING:
    from .batch import analyze_files, expand_inputs
    from .classification.aliases import aliases_toml, load_aliases
    from .classification.names import NameCluster, cluster_names
    from .classification.taxonomy import Taxonomies, Taxonomy, load_taxonomies, load_taxonomy
    from .findings import Finding
    from .io.inventory import Inventory, read_inventory
    from .io.output import write_atomic
    from .io.template import write_template
    from .model.analysis import Analysis
    from .model.flows import flow_stages
    from .model.matrix import check_dimensions, flow_matrix
    from .model.representative import representative_flows
    from .model.tally import tally_by, theme_cross_table, theme_tally
    from .pipeline import (
        Classified,
        FileResult,
        NameClusters,
        analyze,
        check_files,
        classify,
        name_clusters,
    )
    from .render.charts import save_figure
    from .render.folder import write_report
    from .render.registry import draw_chart
    from .settings import DEFAULTS, Limits, Settings

__all__ = ["FlowmatrixError", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'flowmatrix' has no attribute {name!r}")
