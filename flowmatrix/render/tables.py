"""The labelled tables every format shows, built from an Analysis's ids and counts, so the
numbers cannot differ between formats. Nothing here counts: it looks words up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..classification.aliases import merged_names, written_items_column
from ..classification.kinds import TYPE_COLUMNS
from ..classification.names import NAME_ELEMENTS
from ..classification.themes import CLASSIFICATION_COLUMNS
from ..errors import shown_path
from ..io.columns import ELEMENTS
from ..io.inventory import PROVENANCE_COLUMNS, item_column
from ..model.dimensions import KIND_OF_ELEMENT, TOTAL, TYPE_DIMENSIONS
from .labels import (
    CANONICAL_SUFFIX,
    CASE_COLUMNS,
    LIST_SEPARATOR,
    MORE_ITEMS,
    SEVERITY_WORDS,
    SUMMARY_LABELS,
    THEME_SOURCE_WORDS,
    column_label,
    explain_terms,
    finding_place,
    finding_text,
    merged_text,
    value_label,
    value_labeller,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..classification.taxonomy import Taxonomies, Taxonomy
    from ..model.analysis import Analysis
    from ..model.matrix import Cell, Matrix

CASE_FIELDS = ["case_id", "municipality", "prefecture", "title", *ELEMENTS, "theme_label",
               "theme_source", "declared_theme", "secondary_themes", "score", "matched_terms",
               "source_types", "data_categories", "target_types", "value_types", "sensitive",
               "fiscal_year", "notes"]
TYPE_FIELDS = {column: dimension for dimension, (column, _) in TYPE_DIMENSIONS.items()}
PROVENANCE = ["file", "sheet", "row"]
CELL_ITEMS = 6  # items listed in one matrix cell; the rest are counted ("…ほか3件")
# The columns the pipeline adds to an inventory's cases; the rest are the inventory's own.
ADDED_COLUMNS = (*CLASSIFICATION_COLUMNS, *TYPE_COLUMNS, *PROVENANCE_COLUMNS,
                 *(item_column(e) for e in ELEMENTS), *(written_items_column(e) for e in ELEMENTS))
# The elements whose names an alias file maps (①②③), in CASE_FIELDS order.
NAMED_ELEMENTS = [e for e in ELEMENTS if any(e in es for es in NAME_ELEMENTS.values())]


def canonical_fields(cases: pd.DataFrame) -> list[str]:
    """source_service_canonical, data_canonical, target_service_canonical where aliases mapped
    the names of `cases` (the names as written stay in their own columns); else none."""
    return [f"{e}{CANONICAL_SUFFIX}" for e in NAMED_ELEMENTS
            if written_items_column(e) in cases]


def with_canonical(fields: list[str], canonical: list[str]) -> list[str]:
    """`fields` with each canonical column right after the column of its element."""
    result = []
    for field in fields:
        result.append(field)
        result += [c for c in canonical if c == f"{field}{CANONICAL_SUFFIX}"]
    return result


def case_values(table: tuple[list[str], list[str], dict[str, list]],
                fields: list[str] | None = None) -> Iterator[tuple]:
    """The cases of a case_columns table one at a time, each the tuple of its `fields` (all by
    default): made as they are read, a case's values never sit in a dict of their own (at
    100,000 cases those dicts took 0.68 s and 84 MB before any file was written)."""
    fields = table[0] if fields is None else fields
    return zip(*(table[2][f] for f in fields), strict=True)


def case_columns(analysis: Analysis) -> tuple[list[str], list[str], dict[str, list]]:
    """(field ids, column headings, field → its value for every case): the classified-cases
    table, column by column — the inventory's own columns, the classification, then
    provenance."""
    from ..io.columns import CANONICAL_COLUMNS

    lang, taxonomies = analysis.settings.lang, analysis.taxonomies
    labels = taxonomies.themes.labels(lang)
    cases = analysis.cases
    known = {*CANONICAL_COLUMNS, *ADDED_COLUMNS}
    # The item types already show what a type column declared; a consent column is shown
    # where the inventory has one.
    consent = ["consent"] if "consent" in cases and cases["consent"].astype(bool).any() else []
    extras = [c for c in cases.columns if c not in known]
    at = CASE_FIELDS.index("sensitive") + 1
    canonical = canonical_fields(cases)
    fields = with_canonical(CASE_FIELDS[:at] + consent + CASE_FIELDS[at:], canonical) + \
        extras + PROVENANCE
    sensitive = "要配慮" if lang == "ja" else "sensitive"
    headings = _unique([CASE_COLUMNS[lang].get(f, f) for f in fields])
    n = len(cases)
    join = LIST_SEPARATOR[lang].join

    def column(field: str) -> list:
        return cases[field].tolist() if field in cases else [""] * n

    def mapped(values: list, text) -> list[str]:
        """text(value) for each value, computed once per distinct value."""
        done: dict = {}
        return [done[v] if v in done else done.setdefault(v, text(v)) for v in values]

    # Column by column (cases repeat the same types, themes and terms), then one dict per row.
    columns = {field: column(field) for field in fields}
    for field, dimension in TYPE_FIELDS.items():
        label = value_labeller(dimension, taxonomies, lang)
        columns[field] = mapped(column(field), lambda ids, label=label: join(
            dict.fromkeys(label(t) for t in ids)))
    columns["sensitive"] = [sensitive if s else "" for s in column("sensitive")]
    columns["theme_label"] = [labels[t] for t in column("theme_id")]
    columns["declared_theme"] = column("theme")
    sources = THEME_SOURCE_WORDS[lang]
    columns["theme_source"] = [sources.get(s, s) for s in column("theme_source")]
    columns["secondary_themes"] = mapped(column("secondary_theme_ids"),
                                         lambda ids: join(labels[t] for t in ids))
    columns["matched_terms"] = mapped(column("matched_terms"),
                                      lambda terms: explain_terms(terms, taxonomies.themes, lang))
    columns["score"] = [float(v) for v in column("score")]
    columns["row"] = [int(v) for v in column("row")]
    for field in canonical:  # the names as counted, beside the names as written
        columns[field] = mapped(column(item_column(field.removesuffix(CANONICAL_SUFFIX))), join)
    return fields, headings, columns


def _unique(headings: list[str]) -> list[str]:
    """An inventory column may be named like one of the report's own (a report's cases.csv
    read back in): number the later ones, so every heading names one column."""
    seen: set[str] = set()
    result = []
    for heading in headings:
        name, n = heading, 2
        while name in seen:
            name, n = f"{heading} ({n})", n + 1
        seen.add(name)
        result.append(name)
    return result


def shown_findings(analysis: Analysis) -> list:
    """The findings a report lists: all but the notes on sensitive flows, which the report
    shows in a section of their own (summary.json and validate keep them)."""
    return [f for f in analysis.findings if f.code != "sensitive-flow"]


def finding_rows(analysis: Analysis) -> list[list]:
    lang = analysis.settings.lang
    words = SEVERITY_WORDS[lang]
    return [[words[f.severity], f.code, _where(f, lang),
             finding_text(f, lang, analysis.taxonomies)] for f in shown_findings(analysis)]


def _where(finding, lang: str) -> str:
    from pathlib import Path

    place = finding_place(finding, lang)
    name = Path(finding.file).name if finding.file else ""
    return f"{name} {place}".strip() if name else place


def summary_rows(analysis: Analysis) -> list[list]:
    """[label, value] lines of the report's summary."""
    s, counts = SUMMARY_LABELS[analysis.settings.lang], analysis.counts
    return [[s["inputs"], ", ".join(analysis.sources)],
            *([[s["sheet"], analysis.sheet]] if analysis.sheet else []),
            *([[s["aliases"], merged_text(shown_path(analysis.settings.aliases),
                                          merged_names(analysis.cases), analysis.settings.lang)]]
              if analysis.settings.aliases is not None else []),
            [s["cases"], len(analysis.cases)], [s["themes"], len(analysis.themes_present)],
            [s["errors"], counts["error"]], [s["warnings"], counts["warning"]]]


def top_flow_rows(analysis: Analysis) -> tuple[list[str], list[list]]:
    """(headings, rows) of the largest source → target flows."""
    headings = (["①データ共有元サービス", "③データ共有先サービス", "件数", "②流通データ"]
                if analysis.settings.lang == "ja" else ["① Source", "③ Target", "Count", "② Data"])
    return headings, [[f["source_service"], f["target_service"], f["count"],
                       LIST_SEPARATOR[analysis.settings.lang].join(f["data"])]
                      for f in analysis.top_flows]


def theme_tally_frame(tally: pd.DataFrame, taxonomy: Taxonomy, lang: str) -> pd.DataFrame:
    """The theme tally with its labels: theme_id, theme, cases, share, touching."""
    labels = taxonomy.labels(lang)
    frame = tally.copy()
    frame.insert(1, "theme", [labels.get(t, t) for t in tally["theme_id"]])
    return frame


def tally_frame(table: pd.DataFrame, taxonomies: Taxonomies | None, lang: str) -> pd.DataFrame:
    """A tally or cross table with words for its values and columns: blank cells, totals,
    theme ids in the column names, kind ids in the first column."""
    frame = table.copy()
    first = frame.columns[0]
    frame[first] = [value_label(first, v, taxonomies, lang) for v in frame[first]]
    themes = taxonomies.themes.labels(lang) if taxonomies is not None else {}
    frame.columns = [value_label("theme", c, None, lang) if c is TOTAL else
                     themes.get(c, c) if i else c for i, c in enumerate(frame.columns)]
    return frame


def tally_sections(analysis: Analysis):
    """(heading key, labelled table, column headings in words) of the other tallies the
    analysis has, in report order. The table keeps its column ids ("share" is formatted as a
    percentage by every format)."""
    lang = analysis.settings.lang
    for key, heading in (("municipality", "by_municipality"), ("fiscal_year", "by_fiscal_year"),
                         ("file", "by_file"), ("theme_municipality", "theme_municipality")):
        if key in analysis.tallies:
            frame = tally_frame(analysis.tallies[key], analysis.taxonomies, lang)
            yield heading, frame, [column_label(c, lang) for c in frame.columns]


def cell_text(cell: Cell, values: str, label, lang: str = "ja") -> str:
    """What a matrix cell says: its items, most frequent first, at most CELL_ITEMS of them,
    and the count — "購買履歴、運動データ (3)"; for values="cases", its case ids."""
    if values == "cases":
        return ", ".join(cell.case_ids)
    items = [label(item) for item, _ in (cell.linked if values == "linked_service"
                                         else cell.data)]
    shown = LIST_SEPARATOR[lang].join(items[:CELL_ITEMS])
    if len(items) > CELL_ITEMS:
        shown += MORE_ITEMS[lang].format(n=len(items) - CELL_ITEMS)
    return f"{shown} ({cell.count})"


def matrix_frames(matrix: Matrix, taxonomies: Taxonomies | None,
                  lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(what the cells say, their counts) as labelled DataFrames of the same shape: the index
    and columns are the labels of the row and column values, their names the dimension ids.
    Empty cells are "" and 0."""
    import pandas as pd

    row_labels = [value_label(matrix.rows, v, taxonomies, lang) for v in matrix.row_values]
    col_labels = [value_label(matrix.cols, v, taxonomies, lang) for v in matrix.col_values]
    index = pd.Index(row_labels, dtype=object, name=matrix.rows)
    columns = pd.Index(col_labels, dtype=object, name=matrix.cols)
    counts = pd.DataFrame(matrix.counts(), index=index, columns=columns, dtype=int)
    if matrix.values == "count":
        return counts.copy(), counts
    item_dimension = "data_category" if matrix.values == "data_category" else "data"
    label = value_labeller(item_dimension, taxonomies, lang)
    texts = [[cell_text(matrix.cells[(r, c)], matrix.values, label, lang)
              if (r, c) in matrix.cells else "" for c in matrix.col_values]
             for r in matrix.row_values]
    return pd.DataFrame(texts, index=index, columns=columns, dtype=object), counts


RECORD_COLUMNS = ("case_id", "file", "sheet", "row", "municipality", "title", *ELEMENTS,
                  "theme_id", "theme_source", "theme", "secondary_theme_ids", "score",
                  "scores", "matched_terms", "source_types", "data_categories",
                  "target_types", "value_types")


def case_records(cases: pd.DataFrame, taxonomies: Taxonomies,
                 lang: str = "ja") -> Iterator[dict]:
    """One plain dict per classified case, with stable keys, for JSON and CSV output. A
    generator, so 100,000 cases can be written without holding every record at once."""
    labels = taxonomies.themes.labels(lang)
    columns = [cases[c].tolist() for c in RECORD_COLUMNS]
    # With aliases, the names as counted beside the names as written (lists of items).
    canonical = {f: cases[item_column(f.removesuffix(CANONICAL_SUFFIX))].tolist()
                 for f in canonical_fields(cases)}
    for i, (case_id, file, sheet, row, municipality, title, source, data, target, linked,
         theme_id, theme_source, declared, secondary, score, scores, matched,
         source_types, data_categories, target_types, value_types) in enumerate(
            zip(*columns, strict=True)):
        record = {
            "case_id": case_id,
            "file": file,
            "sheet": sheet or None,
            "row": int(row),
            "municipality": municipality,
            "title": title,
            "source_service": source, "data": data, "target_service": target,
            "linked_service": linked,
            "theme_id": theme_id,
            "theme": labels[theme_id],
            "theme_source": theme_source,
            "declared_theme": declared,
            "secondary_theme_ids": list(secondary),
            "secondary_themes": [labels[t] for t in secondary],
            "score": float(score),
            "scores": scores,
            "matched_terms": [{"element": element, "term": term, "theme_id": theme}
                              for element, term, theme in matched],
            "source_type_ids": list(source_types),
            "data_category_ids": list(data_categories),
            "target_type_ids": list(target_types),
            "value_type_ids": list(value_types),
        }
        for field, items in canonical.items():
            record[field] = list(items[i])
        yield record


def matrix_dict(matrix: Matrix, taxonomies: Taxonomies | None, lang: str) -> dict:
    """A matrix for JSON: the labels of its rows and columns in order, and one record per
    cell that occurs — row, col, count, cases, data (or data categories), linked_service,
    case_ids — with words for ids and markers."""
    row = value_labeller(matrix.rows, taxonomies, lang)
    col = value_labeller(matrix.cols, taxonomies, lang)
    item = value_labeller("data_category" if matrix.values == "data_category" else "data",
                          taxonomies, lang)
    return {
        "row_labels": [row(v) for v in matrix.row_values],
        "col_labels": [col(v) for v in matrix.col_values],
        "cells": [{"row": row(r), "col": col(c), "count": cell.count, "cases": cell.cases,
                   "data": [item(v) for v, _ in cell.data],
                   "linked_service": [v for v, _ in cell.linked], "case_ids": cell.case_ids}
                  for (r, c), cell in matrix.cells.items()],
    }


REPRESENTATIVE_HEADINGS = {
    "ja": ["①データ共有元サービス", "②流通データ", "③データ共有先サービス", "④データ連携サービス",
           "事例数", "事例"],
    "en": ["① Source service", "② Data", "③ Target service", "④ Linked service", "Cases",
           "Examples"],
}


def representative_examples(cases: pd.DataFrame, row: dict) -> list[dict]:
    """The example cases of a typical flow: case_id, title, municipality, file and row."""
    return [{"case_id": str(cases["case_id"].iat[p]), "title": str(cases["title"].iat[p]),
             "municipality": str(cases["municipality"].iat[p]),
             "file": str(cases["file"].iat[p]), "row": int(cases["row"].iat[p])}
            for p in row["positions"]]


def typical_rows(analysis: Analysis) -> Iterator[tuple[str, str, list[str], list[list]]]:
    """representative_rows of an analysis, in its language."""
    return representative_rows(analysis.representative_flows, analysis.cases,
                               analysis.taxonomies, analysis.settings.lang)


def representative_rows(typical: dict[str, list[dict]], cases: pd.DataFrame,
                        taxonomies: Taxonomies, lang: str
                        ) -> Iterator[tuple[str, str, list[str], list[list]]]:
    """(theme id, theme label, headings, rows) of 代表的なデータ連携の例 (`typical`, from
    model.representative_flows over `cases`), theme by theme: the kinds of each typical flow
    in words, its cases, and its examples as 「title（municipality）」."""
    from ..model.representative import FLOW_KINDS

    labels = {key: value_labeller(dimension, taxonomies, lang)
              for key, (_, dimension) in FLOW_KINDS.items()}
    themes = taxonomies.themes.labels(lang)
    for theme_id, flows in typical.items():
        rows = []
        for flow in flows:
            row_word = "行" if lang == "ja" else "row "
            examples = "; ".join(
                (e["title"] or e["case_id"] or f"{row_word}{e['row']}")
                + (f"（{e['municipality']}）" if e["municipality"] else "")
                for e in representative_examples(cases, flow))
            rows.append([*(labels[key](flow[key]) for key in FLOW_KINDS), flow["cases"],
                         examples])
        yield theme_id, themes.get(theme_id, theme_id), REPRESENTATIVE_HEADINGS[lang], rows


def municipality_chart_keys(analysis: Analysis) -> list[str]:
    """The charts of the municipality pages: municipality_<n>_flow, and municipality_<n>_kpi
    where the page has KPIs (n from 01, in page order), for the pages the model gave charts
    (settings.PAGE_CHARTS, those with the most cases)."""
    from .registry import page_key

    keys = []
    for number, page in enumerate(analysis.municipalities, start=1):
        if page.flows is not None:
            keys.append(f"{page_key(number)}_flow")
            if page.kpis:
                keys.append(f"{page_key(number)}_kpi")
    return keys


def municipality_tables(analysis: Analysis) -> list[dict]:
    """Each municipality page in words, for every format: key (municipality_<n>), name,
    heading (name and prefecture), count, and the tables overview, themes, kpis and
    peer_flows as (headings, rows), with the peer note; the same numbers as summary.json."""
    from ..io.columns import ELEMENT_LABELS
    from ..model.municipality import PEER_KINDS
    from ..settings import PEER_MIN
    from .kpi_chart import period_label
    from .labels import MUNICIPALITY_WORDS, example_text, kind_with_names
    from .registry import page_key

    lang, taxonomies = analysis.settings.lang, analysis.taxonomies
    words = MUNICIPALITY_WORDS[lang]
    join = LIST_SEPARATOR[lang].join
    labels = {element: value_labeller(dimension, taxonomies, lang)
              for element, dimension in KIND_OF_ELEMENT.items()}
    peer_labels = [value_labeller(k, taxonomies, lang) for k in PEER_KINDS]
    themes = taxonomies.themes.labels(lang)
    cases = analysis.cases
    case_ids = cases["case_id"].tolist() if "case_id" in cases else [""] * len(cases)
    titles = cases["title"].tolist() if "title" in cases else [""] * len(cases)
    charted = set(municipality_chart_keys(analysis))
    pages = []
    for number, page in enumerate(analysis.municipalities, start=1):
        overview = [[case_ids[p], titles[p],
                     *(join(kind_with_names(kind, items, labels[e], lang)
                            for kind, items in row[e]) for e in ELEMENTS)]
                    for p, row in zip(page.positions, page.overview, strict=True)]
        theme_rows = [[themes.get(t["theme_id"], t["theme_id"]), t["cases"],
                       f"{t['share']:.1%}", f"{t['inventory_share']:.1%}"] for t in page.themes]
        kpi_rows = [[kpi["indicator"], period_label(point, lang), point["target_text"],
                     point["actual_text"], kpi["unit"], point["source"]]
                    for kpi in page.kpis for point in kpi["points"]]
        peer_rows = [[*(label(flow[k]) for label, k in zip(peer_labels, PEER_KINDS,
                                                            strict=True)),
                      words["peer_count"].format(n=flow["peers"], of=page.peers),
                      example_text(flow["example"], lang)]
                     for flow in page.peer_flows]
        key = page_key(number)
        note = (words["peer_note"] if peer_rows else words["no_peer_flows"]).format(
            peers=page.peers, min=PEER_MIN)
        pages.append({
            "key": key, "name": page.name,
            "heading": page.name + (words["of_prefecture"].format(prefecture=page.prefecture)
                                    if page.prefecture and page.prefecture not in page.name
                                    else ""),
            "count": words["cases"].format(n=len(page.positions)),
            "overview": (["No", CASE_COLUMNS[lang].get("title", "title"),
                          *(ELEMENT_LABELS[lang][e] for e in ELEMENTS)], overview),
            "themes": (words["theme_columns"], theme_rows),
            "kpis": (words["kpi_columns"], kpi_rows),
            "peer_flows": (words["peer_columns"], peer_rows), "peer_note": note,
            "charts": {what: f"{key}_{what}" if f"{key}_{what}" in charted else None
                       for what in ("flow", "kpi")},
        })
    return pages
