"""summary.json: every number of the report, machine-readable, with stable keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import __version__
from ..errors import shown_path
from .labels import stage_labeller
from .serialise import Rows
from .tables import matrix_frames, representative_examples, tally_frame, theme_tally_frame

if TYPE_CHECKING:
    from ..model.analysis import Analysis
    from ..model.flows import FlowStages
    from ..model.matrix import Matrix

FINDING_KEYS = ("severity", "code", "message", "file", "sheet", "cell", "row", "column")


def summary_dict(analysis: Analysis) -> dict:
    """Everything summary.json holds. Its lists of every finding and every 要配慮 case are
    serialise.Rows, made while the file is written (json_bytes and write_json take them)."""
    lang, taxonomies = analysis.settings.lang, analysis.taxonomies
    labels = taxonomies.data_categories.labels(lang)
    return {
        "flowmatrix": __version__,
        "name": analysis.name,
        "sources": analysis.sources,
        "sheet": analysis.sheet,
        "lang": lang,
        "cases": len(analysis.cases),
        "theme_tally": [
            {"theme_id": r["theme_id"], "theme": r["theme"], "cases": int(r["cases"]),
             "share": float(r["share"]), "touching": int(r["touching"])}
            for r in theme_tally_frame(analysis.theme_tally, taxonomies.themes,
                                       lang).to_dict("records")],
        "findings_count": analysis.counts,
        "top_flows": analysis.top_flows,
        "representative_flows": representative_dict(analysis.representative_flows,
                                                    analysis.cases),
        "sensitive_flows": Rows(lambda: ({**flow, "categories": [labels.get(c, c) for c in
                                                                 flow["categories"]]}
                                         for flow in analysis.sensitive_flows)),
        "matrices": {key: _matrix(m, analysis) for key, m in analysis.matrices.items()},
        "flows": {key: _flows(stages, analysis) for key, stages in analysis.flows.items()},
        "tallies": {key: _records(tally_frame(table, taxonomies, lang))
                    for key, table in analysis.tallies.items()},
        "top": analysis.top,
        "findings": Rows(lambda: ({k: getattr(f, k) for k in FINDING_KEYS}
                                  for f in analysis.findings)),
        **_aliases(analysis),
        **_municipalities(analysis),
    }


def _municipalities(analysis: Analysis) -> dict:
    """With --by municipality: every page's figures, kinds as ids beside their labels."""
    from ..model.municipality import PEER_KINDS
    from .labels import value_labeller
    from .registry import page_key
    from .tables import KIND_OF_ELEMENT

    if not analysis.settings.municipality_pages:
        return {}
    lang, taxonomies, cases = analysis.settings.lang, analysis.taxonomies, analysis.cases
    labels = {d: value_labeller(d, taxonomies, lang) for d in KIND_OF_ELEMENT.values()}
    themes = taxonomies.themes.labels(lang)

    def text(column: str, p: int) -> str:
        return str(cases[column].iat[p]) if column in cases else ""

    pages = []
    for number, page in enumerate(analysis.municipalities, start=1):
        pages.append({
            "key": page_key(number), "name": page.name,
            "prefecture": page.prefecture, "cases": len(page.positions),
            "rows": [int(cases["row"].iat[p]) for p in page.positions],
            "overview": [
                {"case_id": text("case_id", p), "title": text("title", p),
                 **{element: [{"kind": kind, "label": labels[KIND_OF_ELEMENT[element]](kind),
                               "items": items} for kind, items in groups]
                    for element, groups in overview.items()}}
                for p, overview in zip(page.positions, page.overview, strict=True)],
            "themes": [{**t, "theme": themes.get(t["theme_id"], t["theme_id"])}
                       for t in page.themes],
            "flows": _flows(page.flows, analysis) if page.flows is not None else None,
            "kpis": page.kpis,
            "peers": page.peers,
            "peer_flows": [{**{k: f[k] for k in PEER_KINDS},
                            "labels": [labels[k](f[k]) for k in PEER_KINDS],
                            "peers": f["peers"], "example": f["example"]}
                           for f in page.peer_flows],
        })
    return {"municipalities": pages}


def _aliases(analysis: Analysis) -> dict:
    """With --aliases: the file and how many distinct names it merged into others."""
    from ..classification.aliases import merged_names

    if analysis.settings.aliases is None:
        return {}
    return {"aliases": {"file": shown_path(analysis.settings.aliases),
                        "merged_names": merged_names(analysis.cases)}}


def representative_dict(typical: dict[str, list[dict]], cases) -> dict:
    """theme id → its typical flows: kind ids, cases, example cases (id, title, municipality,
    file, row)."""
    return {theme_id: [{"source_type": f["source_type"], "data_category": f["data_category"],
                        "target_type": f["target_type"], "value_type": f["value_type"],
                        "cases": f["cases"], "examples": representative_examples(cases, f)}
                       for f in flows]
            for theme_id, flows in typical.items()}


def _matrix(matrix: Matrix, analysis: Analysis) -> dict:
    table, counts = matrix_frames(matrix, analysis.taxonomies, analysis.settings.lang)
    out = {"rows": matrix.rows, "cols": matrix.cols, "values": matrix.values,
           "row_labels": [str(v) for v in counts.index],
           "col_labels": [str(v) for v in counts.columns],
           "counts": [[int(v) for v in row] for row in counts.to_numpy().tolist()]}
    if matrix.values != "count":
        out["cells"] = table.to_numpy().tolist()
    return out


def _flows(stages: FlowStages, analysis: Analysis) -> dict:
    """The nodes and links of a flow chart, values as labels, weights as drawn."""
    label = stage_labeller(stages, analysis.taxonomies, analysis.settings.lang)
    themes = analysis.taxonomies.themes.labels(analysis.settings.lang)
    return {
        "cases": stages.cases,
        "nodes": [{"stage": int(s), "label": label(int(s), v), "weight": float(w)}
                  for s, v, w in zip(stages.nodes["stage"], stages.nodes["value"],
                                     stages.nodes["weight"], strict=True)],
        "links": [{"stage": int(s), "source": label(int(s), a), "target": label(int(s) + 1, b),
                   "theme_id": t, "theme": themes.get(t, t), "weight": float(w)}
                  for s, a, b, t, w in zip(stages.links["stage"], stages.links["source"],
                                           stages.links["target"], stages.links["theme_id"],
                                           stages.links["weight"], strict=True)],
    }


def _records(table) -> list[dict]:
    rows = []
    for record in table.to_dict("records"):
        rows.append({str(k): (int(v) if hasattr(v, "is_integer") and float(v).is_integer()
                              and k != "share" else float(v) if k == "share" else v)
                     for k, v in record.items()})
    return rows
