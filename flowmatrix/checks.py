"""Every producer of findings: checks on an inventory and its classification, each with a
stable code, each naming the cell it is about.

A check does its text work once per distinct value of a column (coded.factorize) and finds the
offending rows with numpy masks over the codes; a finding is made only for an offending row
(or group of rows), in the order of the rows.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .classification.kinds import KIND_OPTION, TYPED_ELEMENTS, declared_labels
from .classification.taxonomy import Taxonomies, Taxonomy
from .coded import Coded, factorize, factorize_keys, row_codes
from .findings import Finding, row_list, sort_findings
from .io.columns import CANONICAL_COLUMNS, ELEMENTS
from .io.inventory import Inventory, item_column
from .io.kpis import Kpi, name_key
from .io.text import normalise, split_items

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MAX_CELL_CHARS = 500
SHOWN_ROWS = 5  # rows named in a finding about a group of rows (duplicates)
# Punctuation, symbols and spaces only (full-width ones too): 〃, -, ・・・
_ONLY_PUNCTUATION = re.compile(r"[\W_]+")
# What a suspicious cell other than a long one starts with: an error value's "#" (after spaces)
# or nothing but punctuation. Tried on every distinct value before suspicious_reason.
_DITTO = r"\s*(?:同上|同左|上に同じ|左に同じ|ditto|same as above)\s*\Z"  # "the cell above"
_ONLY_DITTO = re.compile(_DITTO, re.IGNORECASE)
_MAYBE_SUSPICIOUS = re.compile(r"\s*#|[\W_]+\Z|" + _DITTO, re.IGNORECASE)
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
    coded = _Coded(inventory)
    found += _missing_elements(coded)
    found += _template_examples(coded)
    found += _totals_rows(coded)
    found += _duplicate_case_ids(coded)
    found += _duplicate_cases(coded)
    found += _unknown_themes(coded, taxonomies.themes)
    found += _suspicious_cells(coded)
    found += _disagreements(inventory, cases, taxonomies.themes)
    found += _unknown_item_types(coded, taxonomies)
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


class _Coded(Coded):
    """The inventory's cases as codes (coded.Coded: each column factorized once for every
    check that reads it), and its rows as numpy."""

    def __init__(self, inventory: Inventory):
        super().__init__(inventory.cases)
        self.inventory = inventory
        self.rows = inventory.cases["row"].to_numpy()

    def where(self, column: str, passed: np.ndarray) -> tuple[list[int], list]:
        """(rows, values): the rows whose value in `column` is a distinct value that `passed`
        (one bool per distinct value), with those values."""
        import numpy as np

        codes, distinct = self.column(column)
        where = np.flatnonzero(passed[codes])
        return self.rows[where].tolist(), [distinct[c] for c in codes[where].tolist()]

    def sheet_rows(self, positions: np.ndarray) -> list[int]:
        return self.rows[positions].tolist()


def _passes(test, values: list) -> np.ndarray:
    """`test` of each value, as a bool array."""
    import numpy as np

    return np.fromiter(map(test, values), dtype=bool, count=len(values))


def _missing_elements(coded: _Coded) -> list[Finding]:
    inventory = coded.inventory
    findings = []
    for element in ELEMENTS:
        message = f"the case has no {_header(inventory, element)}"
        header = (inventory.headers.get(element) or element).strip()
        rows, _ = coded.where(element, _passes(lambda value: not value, coded.column(element)[1]))
        findings += [_finding(inventory, "error", "missing-element", element, row, message,
                              header=header) for row in rows]
    return findings


def _template_examples(coded: _Coded) -> list[Finding]:
    """The example case `flowmatrix template` writes, left in: counted as a case of its own.
    Known by its note (記入例…削除してください), not by its elements: it is a real case of the
    DSA's article, which an inventory may hold."""
    from .io.template import EXAMPLE

    inventory = coded.inventory
    if "notes" not in inventory.columns:
        return []
    notes = {words["notes"] for words in EXAMPLE.values()}
    rows, _ = coded.where("notes", _passes(notes.__contains__, coded.column("notes")[1]))
    return [_finding(inventory, "warning", "template-example", "notes", row,
                     f"row {row} is the example case of flowmatrix template (記入例): overwrite "
                     "it with a case or delete the row, or it is counted as one", row_number=row)
            for row in rows]


_TOTALS = re.compile(r"\s*(?:合計|総計|小計|計|件数|total|subtotal|sum)\s*[:：]?\s*\Z",
                     re.IGNORECASE)


def _totals_rows(coded: _Coded) -> list[Finding]:
    """A row whose No, title or municipality is 合計 (total), 小計 or 件数: a sum under the
    table, counted as a case of its own. Once a row, at the first of those columns."""
    inventory = coded.inventory
    found, said = [], set()
    for column in ("case_id", "title", "municipality"):
        if column not in inventory.columns:
            continue
        rows, values = coded.where(column, _passes(_TOTALS.match, coded.column(column)[1]))
        for row, value in zip(rows, values, strict=True):
            if row not in said:
                said.add(row)
                found.append(_finding(
                    inventory, "warning", "totals-row", column, row,
                    f"row {row} looks like a totals row ({value.strip()!r}): it is counted as a "
                    "case; move the sums out of the table", row_number=row, value=value.strip()))
    return found


def _duplicate_case_ids(coded: _Coded) -> list[Finding]:
    inventory = coded.inventory
    if "case_id" not in inventory.columns:
        return []
    codes, distinct = coded.column("case_id")
    # each distinct id normalised once (an id of letters and digits is its own normal form)
    ids, normalised = factorize([v if v.isascii() and v.isalnum() else normalise(v) if v
                                 else "" for v in distinct])
    keys = ids[codes]
    return [_finding(inventory, "error", "duplicate-case-id", "case_id", rows[0],
                     f"case id {case_id!r} is used by {len(rows):,} rows: {_rows(rows)}; give "
                     "each case its own id", case_id=case_id, count=f"{len(rows):,}",
                     rows=_rows(rows, ""))
            for case_id, rows in ((normalised[keys[p[0]]], coded.sheet_rows(p))
                                  for p in _repeated(keys, _passes(bool, distinct)[codes]))]


def _repeated(keys: np.ndarray, counted: np.ndarray) -> list[np.ndarray]:
    """The positions of each key that more than one counted position has, the keys in the
    order they first appear, each key's positions in order."""
    import numpy as np

    where = np.flatnonzero(counted)
    local, _ = factorize_keys(keys[where])
    sizes = np.bincount(local)
    repeated = sizes[local] > 1
    grouped = where[repeated][np.argsort(local[repeated], kind="stable")]
    return np.split(grouped, np.cumsum(sizes[sizes > 1])[:-1]) if len(grouped) else []


def _rows(rows: list[int], more: str = f" (the first {SHOWN_ROWS})") -> str:
    """A group of rows named once: "2, 3" or "5, 6, 7, 8, 9, … (the first 5)"."""
    return row_list(rows, SHOWN_ROWS, more)


def _duplicate_cases(coded: _Coded) -> list[Finding]:
    import numpy as np

    # Each distinct text is normalised once; a case is the row of its four normalised
    # elements' codes.
    normalised_codes = []
    filled = np.ones(len(coded.rows), dtype=bool)
    for element in ELEMENTS:
        codes, distinct = coded.column(element)
        texts, normalised = factorize([normalise(v) for v in distinct])
        filled &= _passes(bool, normalised)[texts[codes]]
        normalised_codes.append(texts[codes])
    keys = row_codes(normalised_codes)
    return [_finding(coded.inventory, "warning", "duplicate-case", ELEMENTS[0], rows[0],
                     f"{len(rows):,} rows hold the same four elements: {_rows(rows)}; copies, "
                     "or cases that need telling apart?", count=f"{len(rows):,}",
                     rows=_rows(rows, ""))
            for rows in (coded.sheet_rows(p) for p in _repeated(keys, filled))]


def _unknown_themes(coded: _Coded, taxonomy: Taxonomy) -> list[Finding]:
    inventory = coded.inventory
    if "theme" not in inventory.columns:
        return []
    rows, labels = coded.where("theme", _passes(
        lambda label: bool(label) and taxonomy.find_label(label) is None, coded.column("theme")[1]))
    if not rows:
        return []
    known = ", ".join(theme.ja for theme in taxonomy.themes)
    return [_finding(inventory, "warning", "unknown-theme", "theme", row,
                     f"theme {label!r} is not in the taxonomy ({known}); use one of these or "
                     "add it with --themes FILE", label=label, known=known)
            for row, label in zip(rows, labels, strict=True)]


def _suspicious_cells(coded: _Coded) -> list[Finding]:
    import numpy as np

    inventory = coded.inventory
    findings = []
    for column in CANONICAL_COLUMNS:
        if column not in inventory.columns:
            continue
        # Inventories repeat the same texts: judge each distinct text once, most of them by
        # their length and one regular expression.
        distinct = coded.column(column)[1]
        maybe = np.flatnonzero(
            (np.fromiter(map(len, distinct), dtype="int64", count=len(distinct))
             > MAX_CELL_CHARS)
            | _passes(bool, list(map(_MAYBE_SUSPICIOUS.match, distinct))))
        reasons = {distinct[i]: r for i in maybe.tolist()
                   if (r := suspicious_reason(distinct[i]))}
        if not reasons:
            continue
        rows, values = coded.where(column, _passes(reasons.__contains__, distinct))
        header = (inventory.headers.get(column) or column).strip()
        for row, value in zip(rows, values, strict=True):
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
    if _ONLY_DITTO.match(value):
        return ("ditto", f"says 'same as above' ({value.strip()!r}), which is counted as an "
                "item of that name: write the value or merge the cells")
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
    for row, scores, keyword_id, declared_id, matched in zip(
            *(rows[c].tolist() for c in ("row", "scores", "keyword_theme_id",
                                         "declared_theme_id", "matched_terms")), strict=True):
        keyword_score = scores.get(keyword_id, 0.0)
        declared_score = scores.get(declared_id, 0.0)
        if keyword_score < DISAGREE_MIN or keyword_score < DISAGREE_RATIO * declared_score:
            continue
        declared = taxonomy.get(declared_id).en
        keyword = taxonomy.get(keyword_id).en
        terms = ", ".join(dict.fromkeys(term for _, term, theme in matched
                                        if theme == keyword_id))
        row = int(row)
        findings.append(Finding(
            "warning", "theme-disagrees",
            f"the theme column says {declared}, but the keywords point to {keyword} "
            f"(score {keyword_score:g} vs {declared_score:g}: {terms}); the declared theme is "
            "kept — check it, or use --ignore-declared",
            file=inventory.path, sheet=inventory.sheet, cell=inventory.cell("theme", row),
            row=row, column="theme",
            params=(("declared_theme", declared_id), ("keyword_theme", keyword_id),
                    ("keyword_score", f"{keyword_score:g}"),
                    ("declared_score", f"{declared_score:g}"), ("terms", terms))))
    return findings


def _unknown_item_types(coded: _Coded, taxonomies: Taxonomies) -> list[Finding]:
    """A warning for each cell of an explicit type column (source_service_type, data_category,
    target_service_type) that the keywords had to stand in for: a label the taxonomy does not
    know, or a number of labels that is neither one nor the number of items."""
    import numpy as np

    inventory = coded.inventory
    findings = []
    for element, (kind, _, explicit) in TYPED_ELEMENTS.items():
        if explicit not in inventory.columns:
            continue
        taxonomy = taxonomies.of_kind(kind)
        where = inventory.headers.get(explicit, explicit)
        cases = inventory.cases
        # each distinct cell's labels once: the unknown ones, or how many
        codes, texts = coded.column(explicit)
        labels_of = [declared_labels(text, taxonomy) if text else [] for text in texts]
        unknown_in = [list(dict.fromkeys(
            label for label, entry in zip(split_items(text, unique=False), labels, strict=True)
            if entry is None)) if None in labels else None  # then the labels are the items
            for text, labels in zip(texts, labels_of, strict=True)]
        unknown = _passes(lambda u: u is not None, unknown_in)[codes]
        labels = np.fromiter(map(len, labels_of), dtype="int64", count=len(texts))[codes]
        items = np.fromiter(map(len, cases[item_column(element)]), dtype="int64",
                            count=len(codes))
        filled = _passes(bool, texts)[codes]
        wrong = unknown | (filled & (labels != 1) & (labels != items))
        for p in np.flatnonzero(wrong).tolist():
            row, labels_here, items_here = int(coded.rows[p]), int(labels[p]), int(items[p])
            if unknown[p]:
                named = "、".join(unknown_in[codes[p]])
                message = (f"{where}: {named} is not a {kind.replace('_', ' ')} of "
                           f"the taxonomy ({taxonomy.source}); the keywords decide instead. "
                           f"`flowmatrix themes --kind {KIND_OPTION[kind]}` lists them")
                params = (("reason", "unknown"), ("header", where), ("labels", named),
                          ("kind", KIND_OPTION[kind]))
            else:
                noun = "item" if items_here == 1 else "items"
                message = (f"{where}: {labels_here} labels for {items_here} {noun}; write one "
                           "label per item in the same order, or one for the whole cell")
                params = (("reason", "count"), ("header", where), ("labels", labels_here),
                          ("items", items_here))
            findings.append(Finding("warning", "unknown-item-type", message, file=inventory.path,
                                    sheet=inventory.sheet, cell=inventory.cell(explicit, row),
                                    row=row, column=explicit, params=params))
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
    columns = ["row", item_column("data"), "data_categories", "data_sensitive",
               *(["consent"] if "consent" in typed else [])]
    # the flagged cases' columns read here, not a copy of every column
    flagged = typed.loc[typed["sensitive"].to_numpy(dtype=bool, na_value=False), columns]
    consents = flagged["consent"].tolist() if "consent" in flagged else [""] * len(flagged)
    findings = []
    # cases repeat their data: the words of each note are made once and shared by its cases
    # (at 1,000,000 cases, 182,566 notes each with its own copy: 73 MB more after checking);
    # per distinct data: (warning message, its params, info message, its params)
    words: dict[tuple, tuple] = {}
    for row, data, categories, flags, given in zip(
            flagged["row"].tolist(), flagged[item_column("data")].tolist(),
            flagged["data_categories"].tolist(), flagged["data_sensitive"].tolist(), consents,
            strict=True):
        said = words.get((data, categories, flags))
        if said is None:
            items = "、".join(f"{item}（{labels[c]}）" for item, c, flag
                             in zip(data, categories, flags, strict=True) if flag)
            said = words[data, categories, flags] = (
                f"the flow carries special care-required personal information (要配慮個人情報: "
                f"{items}) and the {consent!r} column is empty",
                (("items", items), ("consent", consent)),
                f"the flow carries special care-required personal information (要配慮個人情報: "
                f"{items}); check consent and the legal basis",
                (("items", items),))
        cell = inventory.cell("data", row)
        if consent is not None and not str(given or "").strip():
            findings.append(Finding("warning", "sensitive-without-consent", said[0],
                                    file=inventory.path, sheet=inventory.sheet, cell=cell,
                                    row=row, column="data", params=said[1]))
        else:
            findings.append(Finding("info", "sensitive-flow", said[2], file=inventory.path,
                                    sheet=inventory.sheet, cell=cell, row=row, column="data",
                                    params=said[3]))
    return findings


def check_kpis(kpis: list[Kpi], cases: pd.DataFrame) -> list[Finding]:
    """A warning for each row of an inventory's own KPI table that no municipality page can
    show: its municipality names no case, or it names none while the inventory has several
    municipalities."""
    names = set(cases["municipality"].fillna("").astype(str).tolist()) \
        if "municipality" in cases else set()
    known = {name_key(n) for n in names} - {""}  # each distinct name once
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
