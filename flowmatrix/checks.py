"""Every producer of findings: checks on an inventory and its classification, each with a
stable code, each naming the cell it is about."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from .classification.kinds import KIND_OPTION, TYPED_ELEMENTS, declared_labels
from .classification.taxonomy import Taxonomies, Taxonomy
from .findings import Finding, sort_findings
from .io.columns import CANONICAL_COLUMNS, ELEMENTS
from .io.inventory import Inventory, item_column
from .io.kpis import Kpi, name_key
from .io.text import normalise, split_items

if TYPE_CHECKING:
    import pandas as pd

MAX_CELL_CHARS = 500
SHOWN_ROWS = 5  # rows named in a finding about a group of rows (duplicates)
# Punctuation, symbols and spaces only (full-width ones too): 〃, -, ・・・
_ONLY_PUNCTUATION = re.compile(r"[\W_]+")
FORMULA_ERRORS = re.compile(
    r"^#(?:REF!|N/A|VALUE!|DIV/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!"
    r"|UNKNOWN!|BUSY!|CONNECT!|EXTERNAL!|PYTHON!)$", re.IGNORECASE)


def check(inventory: Inventory, cases: pd.DataFrame, taxonomies: Taxonomies) -> list[Finding]:
    """Every finding about an inventory, errors first, in sheet order: the columns read twice,
    every check of the README's table on the cells, the declared themes the keywords contradict,
    the type labels not known, and the flows carrying 要配慮個人情報. `cases`: the inventory's
    cases classified and typed with `taxonomies` (the pipeline's classify step)."""
    found = list(inventory.findings)  # what reading noticed: repeated headers, formulas
    found += _duplicate_columns(inventory)
    found += _missing_elements(inventory)
    found += _duplicate_case_ids(inventory)
    found += _duplicate_cases(inventory)
    found += _unknown_themes(inventory, taxonomies.themes)
    found += _suspicious_cells(inventory)
    found += _disagreements(inventory, cases, taxonomies.themes)
    found += _unknown_item_types(inventory, taxonomies)
    found += _sensitive_flows(inventory, cases, taxonomies.data_categories)
    return sort_findings(found)


def _duplicate_columns(inventory: Inventory) -> list[Finding]:
    """A note for each column named twice in the header (only non-element ones get here: the
    elements named twice are an error that stops reading)."""
    return [Finding("info", "duplicate-column",
                    f"{canonical} is named by {len(cells)} columns ({', '.join(cells)}): the "
                    f"first is read as {canonical}, the others are kept as columns of their own",
                    file=inventory.path, sheet=inventory.sheet, row=inventory.header_row,
                    params=(("canonical", canonical), ("count", len(cells)),
                            ("cells", ", ".join(cells))))
            for canonical, cells in inventory.duplicate_headers.items()]


def _finding(inventory: Inventory, severity: str, code: str, column: str, row: int,
             message: str, **params) -> Finding:
    """A finding at the cell of `column` in `row`; params: the values the message names."""
    return Finding(severity, code, message, file=inventory.path, sheet=inventory.sheet,
                   cell=inventory.cell(column, row), row=row, column=column,
                   params=tuple(params.items()))


def _header(inventory: Inventory, column: str) -> str:
    written = inventory.headers.get(column)
    return f"{column} ({written.strip()!r})" if written else column


def _missing_elements(inventory: Inventory) -> list[Finding]:
    findings = []
    for element in ELEMENTS:
        for row, value in zip(inventory.cases["row"], inventory.cases[element], strict=True):
            if not value:
                findings.append(_finding(
                    inventory, "error", "missing-element", element, row,
                    f"the case has no {_header(inventory, element)}",
                    header=(inventory.headers.get(element) or element).strip()))
    return findings


def _duplicate_case_ids(inventory: Inventory) -> list[Finding]:
    if "case_id" not in inventory.columns:
        return []
    rows_by_id: dict[str, list[int]] = defaultdict(list)
    for row, case_id in zip(inventory.cases["row"], inventory.cases["case_id"], strict=True):
        if case_id:
            rows_by_id[normalise(case_id)].append(int(row))
    return [_finding(inventory, "error", "duplicate-case-id", "case_id", rows[0],
                     f"case id {case_id!r} is used by {len(rows):,} rows: {_rows(rows)}; give "
                     "each case its own id", case_id=case_id, count=f"{len(rows):,}",
                     rows=_rows(rows, ""))
            for case_id, rows in rows_by_id.items() if len(rows) > 1]


def _rows(rows: list[int], more: str = f" (the first {SHOWN_ROWS})") -> str:
    """A group of rows named once: "2, 3" or "5, 6, 7, 8, 9, … (the first 5)".
    Listing every other row in each row's finding grew as the square of the group (10,000
    copies: 10,000 findings of 10,000 rows each, gigabytes)."""
    shown = ", ".join(str(row) for row in rows[:SHOWN_ROWS])
    return shown if len(rows) <= SHOWN_ROWS else f"{shown}, …{more}"


def _duplicate_cases(inventory: Inventory) -> list[Finding]:
    rows_by_elements: dict[tuple, list[int]] = defaultdict(list)
    # Each distinct text is normalised once; a case is its four normalised elements.
    columns = []
    for element in ELEMENTS:
        values = inventory.cases[element].tolist()
        normalised = {v: normalise(v) for v in set(values)}
        columns.append([normalised[v] for v in values])
    for row, *values in zip(inventory.cases["row"].tolist(), *columns, strict=True):
        if all(values):
            rows_by_elements[tuple(values)].append(row)
    return [_finding(inventory, "warning", "duplicate-case", ELEMENTS[0], rows[0],
                     f"{len(rows):,} rows hold the same four elements: {_rows(rows)}; copies, "
                     "or cases that need telling apart?", count=f"{len(rows):,}",
                     rows=_rows(rows, ""))
            for rows in rows_by_elements.values() if len(rows) > 1]


def _unknown_themes(inventory: Inventory, taxonomy: Taxonomy) -> list[Finding]:
    if "theme" not in inventory.columns:
        return []
    labels = inventory.cases["theme"]
    unknown = {label for label in set(labels) if label and taxonomy.find_label(label) is None}
    if not unknown:
        return []
    known = ", ".join(theme.ja for theme in taxonomy.themes)
    return [_finding(inventory, "warning", "unknown-theme", "theme", row,
                     f"theme {label!r} is not in the taxonomy ({known}); use one of these or "
                     "add it with --themes FILE", label=label, known=known)
            for row, label in zip(inventory.cases["row"], labels, strict=True) if label in unknown]


def _suspicious_cells(inventory: Inventory) -> list[Finding]:
    findings = []
    for column in CANONICAL_COLUMNS:
        if column not in inventory.columns:
            continue
        values = inventory.cases[column]
        # Inventories repeat the same texts: judge each distinct text once.
        reasons = {v: r for v in set(values) if (r := suspicious_reason(v))}
        if not reasons:
            continue
        header = (inventory.headers.get(column) or column).strip()
        for row, value in zip(inventory.cases["row"], values, strict=True):
            if value in reasons:
                reason, text = reasons[value]
                findings.append(_finding(
                    inventory, "warning", "suspicious-cell", column, row,
                    f"{_header(inventory, column)} {text}", reason=reason, header=header,
                    value=value.strip()[:40], length=f"{len(value):,}", limit=MAX_CELL_CHARS))
    return findings


def suspicious_reason(value: str) -> tuple[str, str] | None:
    """(reason id, what is wrong in words) for a cell that is probably a mistake."""
    if not value:
        return None
    if FORMULA_ERRORS.match(value.strip()):
        return ("error-value", f"holds the Excel error value {value.strip()!r}: fix the "
                "formula or type the value")
    if len(value) > MAX_CELL_CHARS:
        return ("too-long", f"is {len(value)} characters long (over {MAX_CELL_CHARS}): is it "
                "several cells pasted into one?")
    if _ONLY_PUNCTUATION.fullmatch(value):
        return ("punctuation", f"holds only punctuation ({value.strip()!r}); if it means 'same "
                "as above', write the value or merge the cells")
    return None


# A declared theme is kept; the keywords "clearly disagree" when their top theme scores at least
# DISAGREE_MIN and at least DISAGREE_RATIO times the declared theme's score.
DISAGREE_MIN = 3.0
DISAGREE_RATIO = 2.0


def _disagreements(inventory: Inventory, classified: pd.DataFrame,
                   taxonomy: Taxonomy) -> list[Finding]:
    """A warning for each case whose declared theme the keywords clearly contradict."""
    findings = []
    rows = classified[classified["declared_theme_id"].notna()
                      & (classified["keyword_theme_id"] != classified["declared_theme_id"])]
    for _, case in rows.iterrows():
        scores = case["scores"]
        keyword_score = scores.get(case["keyword_theme_id"], 0.0)
        declared_score = scores.get(case["declared_theme_id"], 0.0)
        if keyword_score < DISAGREE_MIN or keyword_score < DISAGREE_RATIO * declared_score:
            continue
        declared = taxonomy.get(case["declared_theme_id"]).en
        keyword = taxonomy.get(case["keyword_theme_id"]).en
        terms = ", ".join(dict.fromkeys(term for _, term, theme in case["matched_terms"]
                                        if theme == case["keyword_theme_id"]))
        row = int(case["row"])
        findings.append(Finding(
            "warning", "theme-disagrees",
            f"the theme column says {declared}, but the keywords point to {keyword} "
            f"(score {keyword_score:g} vs {declared_score:g}: {terms}); the declared theme is "
            "kept — check it, or use --ignore-declared",
            file=inventory.path, sheet=inventory.sheet, cell=inventory.cell("theme", row),
            row=row, column="theme",
            params=(("declared_theme", case["declared_theme_id"]),
                    ("keyword_theme", case["keyword_theme_id"]),
                    ("keyword_score", f"{keyword_score:g}"),
                    ("declared_score", f"{declared_score:g}"), ("terms", terms))))
    return findings


def _unknown_item_types(inventory: Inventory, taxonomies: Taxonomies) -> list[Finding]:
    """A warning for each cell of an explicit type column (source_service_type, data_category,
    target_service_type) that the keywords had to stand in for: a label the taxonomy does not
    know, or a number of labels that is neither one nor the number of items."""
    findings = []
    for element, (kind, _, explicit) in TYPED_ELEMENTS.items():
        if explicit not in inventory.columns:
            continue
        taxonomy = taxonomies.of_kind(kind)
        where = inventory.headers.get(explicit, explicit)
        cases = inventory.cases
        for row, text, items in zip(cases["row"], cases[explicit], cases[item_column(element)],
                                    strict=True):
            if not text:
                continue
            labels = declared_labels(text, taxonomy)
            if None in labels:  # then the labels are the cell's items, in order
                unknown = list(dict.fromkeys(
                    label for label, entry in zip(split_items(text, unique=False), labels,
                                                  strict=True) if entry is None))
                message = (f"{where}: {'、'.join(unknown)} is not a {kind.replace('_', ' ')} of "
                           f"the taxonomy ({taxonomy.source}); the keywords decide instead. "
                           f"`flowmatrix themes --kind {KIND_OPTION[kind]}` lists them")
                params = (("reason", "unknown"), ("header", where), ("labels", "、".join(unknown)),
                          ("kind", KIND_OPTION[kind]))
            elif len(labels) not in (1, len(items)):
                noun = "item" if len(items) == 1 else "items"
                message = (f"{where}: {len(labels)} labels for {len(items)} {noun}; write one "
                           "label per item in the same order, or one for the whole cell")
                params = (("reason", "count"), ("header", where), ("labels", len(labels)),
                          ("items", len(items)))
            else:
                continue
            findings.append(Finding("warning", "unknown-item-type", message, file=inventory.path,
                                    sheet=inventory.sheet, cell=inventory.cell(explicit, int(row)),
                                    row=int(row), column=explicit, params=params))
    return findings


def _sensitive_flows(inventory: Inventory, typed: pd.DataFrame,
                     data_categories: Taxonomy) -> list[Finding]:
    """A note for each case whose data includes 要配慮個人情報 — a warning when the inventory
    has a consent column (consent, 同意, 同意の有無 … see headers.toml) that is empty for that
    case. An aid to review, not legal advice."""
    labels = data_categories.labels("ja")
    consent = inventory.headers.get("consent")  # the header as written, if the column exists
    if not typed["sensitive"].any():
        return []
    flagged = typed[typed["sensitive"]]
    consents = flagged["consent"].tolist() if "consent" in flagged else [""] * len(flagged)
    findings = []
    for row, data, categories, flags, given in zip(
            flagged["row"].tolist(), flagged[item_column("data")].tolist(),
            flagged["data_categories"].tolist(), flagged["data_sensitive"].tolist(), consents,
            strict=True):
        items = [f"{item}（{labels[c]}）" for item, c, flag in zip(data, categories, flags,
                                                                 strict=True) if flag]
        cell = inventory.cell("data", row)
        if consent is not None and not str(given or "").strip():
            findings.append(Finding(
                "warning", "sensitive-without-consent",
                f"the flow carries special care-required personal information (要配慮個人情報: "
                f"{'、'.join(items)}) and the {consent!r} column is empty",
                file=inventory.path, sheet=inventory.sheet, cell=cell, row=row, column="data",
                params=(("items", "、".join(items)), ("consent", consent))))
        else:
            findings.append(Finding(
                "info", "sensitive-flow",
                f"the flow carries special care-required personal information (要配慮個人情報: "
                f"{'、'.join(items)}); check consent and the legal basis",
                file=inventory.path, sheet=inventory.sheet, cell=cell, row=row, column="data",
                params=(("items", "、".join(items)),)))
    return findings


def check_kpis(kpis: list[Kpi], cases: pd.DataFrame) -> list[Finding]:
    """A warning for each row of an inventory's own KPI table that no municipality page can
    show: its municipality names no case, or it names none while the inventory has several
    municipalities."""
    names = cases["municipality"].fillna("").astype(str).tolist() if "municipality" in cases \
        else []
    known = {name_key(n) for n in names} - {""}
    findings = []
    for kpi in kpis:
        key = name_key(kpi.municipality)
        blank = not kpi.municipality.strip()
        if key in known or (blank and len(known) == 1):
            continue
        reason = "blank" if blank else "unknown"
        message = (f"KPI {kpi.indicator!r}: no case names the municipality "
                   f"{kpi.municipality!r}, so no page shows it" if key else
                   f"KPI {kpi.indicator!r}: the municipality is empty and the inventory has "
                   f"{len(known)} municipalities, so no page shows it")
        findings.append(Finding("warning", "kpi-unknown-municipality", message, file=kpi.file,
                                sheet=kpi.sheet, cell=kpi.cell, row=kpi.row,
                                column="municipality",
                                params=(("reason", reason), ("indicator", kpi.indicator),
                                        ("municipality", kpi.municipality),
                                        ("count", len(known)))))
    return findings
