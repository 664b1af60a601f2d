"""summary.json: every number of the report, machine-readable, with stable keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import __version__
from .serialise import json_bytes

if TYPE_CHECKING:
    from ..model.analysis import Analysis, Matrix


def summary_dict(analysis: Analysis) -> dict:
    keys = ("severity", "code", "message", "file", "sheet", "cell", "row", "column")
    return {
        "flowmatrix": __version__,
        "name": analysis.name,
        "sources": analysis.sources,
        "sheet": analysis.sheet,
        "lang": analysis.lang,
        "cases": len(analysis.cases),
        "theme_tally": [
            {"theme_id": r["theme_id"], "theme": r["theme"], "cases": int(r["cases"]),
             "share": float(r["share"]), "touching": int(r["touching"])}
            for r in analysis.theme_tally.to_dict("records")],
        "findings_count": analysis.counts,
        "top_flows": analysis.top_flows,
        "sensitive_flows": analysis.sensitive_flows,
        "matrices": {key: _matrix(m) for key, m in analysis.matrices.items()},
        "tallies": {key: _records(table) for key, table in analysis.tallies.items()},
        "top": analysis.top,
        "findings": [{k: getattr(f, k) for k in keys} for f in analysis.findings],
    }


def _matrix(matrix: Matrix) -> dict:
    counts = matrix.counts
    out = {"rows": matrix.rows, "cols": matrix.cols, "values": matrix.values,
           "row_labels": [str(v) for v in counts.index],
           "col_labels": [str(v) for v in counts.columns],
           "counts": [[int(v) for v in row] for row in counts.to_numpy().tolist()]}
    if matrix.values != "count":
        out["cells"] = matrix.table.to_numpy().tolist()
    return out


def _records(table) -> list[dict]:
    rows = []
    for record in table.to_dict("records"):
        rows.append({str(k): (int(v) if hasattr(v, "is_integer") and float(v).is_integer()
                              and k != "share" else float(v) if k == "share" else v)
                     for k, v in record.items()})
    return rows


def summary_json(analysis: Analysis) -> bytes:
    return json_bytes(summary_dict(analysis))
