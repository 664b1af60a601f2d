"""Checks on an inventory, each with a stable code, each naming the cell it is about."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .classification.kinds import declared_type_findings, sensitive_findings, type_items
from .classification.taxonomy import Taxonomy, load_taxonomy
from .errors import EXIT_INVENTORY_ERRORS, EXIT_OK, FlowmatrixError, InventoryStructureError
from .findings import Finding, count_by_severity, sort_findings
from .io.columns import CANONICAL_COLUMNS, ELEMENTS
from .io.inventory import Inventory, read_inventory
from .io.text import normalise

MAX_CELL_CHARS = 500
# Punctuation, symbols and spaces only (full-width ones too): 〃, -, ・・・
_ONLY_PUNCTUATION = re.compile(r"[\W_]+")
FORMULA_ERRORS = re.compile(
    r"^#(?:REF!|N/A|VALUE!|DIV/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!"
    r"|UNKNOWN!|BUSY!|CONNECT!|EXTERNAL!|PYTHON!)$", re.IGNORECASE)


def validate(inventory: Inventory, taxonomy: Taxonomy | None = None, typed=None, *,
             service_types: Taxonomy | None = None,
             data_categories: Taxonomy | None = None) -> list[Finding]:
    """The findings met while reading plus every check (see the README table), errors first,
    in sheet order. `typed`: the cases with item types, if already computed (with the same
    service types and data categories)."""
    taxonomy = taxonomy or load_taxonomy()
    found = list(inventory.findings)
    found += _missing_elements(inventory)
    found += _duplicate_case_ids(inventory)
    found += _duplicate_cases(inventory)
    found += _unknown_themes(inventory, taxonomy)
    found += _suspicious_cells(inventory)
    found += declared_type_findings(inventory, service_types, data_categories)
    typed = typed if typed is not None else type_items(inventory.cases, service_types,
                                                       data_categories)
    found += sensitive_findings(inventory, typed)
    return sort_findings(found)


def _finding(inventory: Inventory, severity: str, code: str, column: str, row: int,
             message: str) -> Finding:
    return Finding(severity, code, message, file=inventory.path, sheet=inventory.sheet,
                   cell=inventory.cell(column, row), row=row, column=column)


def _header(inventory: Inventory, column: str) -> str:
    written = inventory.headers.get(column)
    return f"{column} ({written.strip()!r})" if written else column


def _missing_elements(inventory: Inventory) -> list[Finding]:
    findings = []
    for element in ELEMENTS:
        for row, value in zip(inventory.cases["row"], inventory.cases[element], strict=True):
            if not value:
                findings.append(_finding(inventory, "error", "missing-element", element, row,
                                         f"the case has no {_header(inventory, element)}"))
    return findings


def _duplicate_case_ids(inventory: Inventory) -> list[Finding]:
    if "case_id" not in inventory.columns:
        return []
    rows_by_id: dict[str, list[int]] = defaultdict(list)
    for row, case_id in zip(inventory.cases["row"], inventory.cases["case_id"], strict=True):
        if case_id:
            rows_by_id[normalise(case_id)].append(int(row))
    findings = []
    for case_id, rows in rows_by_id.items():
        if len(rows) > 1:
            for row in rows:
                others = ", ".join(str(r) for r in rows if r != row)
                findings.append(_finding(inventory, "error", "duplicate-case-id", "case_id", row,
                                         f"case id {case_id!r} is also used in row {others}"))
    return findings


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
    findings = []
    for rows in rows_by_elements.values():
        if len(rows) > 1:
            for row in rows:
                others = ", ".join(str(r) for r in rows if r != row)
                findings.append(_finding(
                    inventory, "warning", "duplicate-case", ELEMENTS[0], row,
                    f"the same four elements as row {others}: a copy, or two cases that "
                    "need telling apart?"))
    return findings


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
                     "add it with --themes FILE")
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
        for row, value in zip(inventory.cases["row"], values, strict=True):
            if value in reasons:
                findings.append(_finding(inventory, "warning", "suspicious-cell", column, row,
                                         f"{_header(inventory, column)} {reasons[value]}"))
    return findings


def suspicious_reason(value: str) -> str | None:
    if not value:
        return None
    if FORMULA_ERRORS.match(value.strip()):
        return f"holds the Excel error value {value.strip()!r}: fix the formula or type the value"
    if len(value) > MAX_CELL_CHARS:
        return (f"is {len(value)} characters long (over {MAX_CELL_CHARS}): is it several cells "
                "pasted into one?")
    if _ONLY_PUNCTUATION.fullmatch(value):
        return (f"holds only punctuation ({value.strip()!r}); if it means 'same as above', "
                "write the value or merge the cells")
    return None


@dataclass
class FileResult:
    """What `validate` says about one file: its findings, or why it could not be read."""

    path: str
    sheet: str | None = None
    cases: int = 0
    findings: list[Finding] = field(default_factory=list)
    error: FlowmatrixError | None = None  # set when the file could not be read at all

    @property
    def counts(self) -> dict[str, int]:
        return count_by_severity(self.findings)

    def exit_code(self, strict: bool = False) -> int:
        if self.error is not None and not isinstance(self.error, InventoryStructureError):
            return self.error.exit_code
        counts = self.counts
        if counts["error"] or (strict and counts["warning"]):
            return EXIT_INVENTORY_ERRORS
        return EXIT_OK

    def to_dict(self) -> dict:
        keys = ("severity", "code", "message", "sheet", "cell", "row", "column")
        return {
            "path": self.path,
            "sheet": self.sheet,
            "cases": self.cases,
            "counts": self.counts,
            "findings": [{k: getattr(f, k) for k in keys} for f in self.findings],
        }


def validate_files(paths: list[str | Path], *, sheet: str | None = None,
                   encoding: str | None = None, themes: str | Path | None = None,
                   headers: str | Path | None = None, separators: str | None = None,
                   limits=None, service_types: str | Path | None = None,
                   data_categories: str | Path | None = None) -> list[FileResult]:
    """Read and check each file. A file that cannot be read becomes a result with `error` set
    and one error finding, so one bad file does not hide the others. A bad taxonomy or headers
    file raises: then nothing can be checked."""
    from .io.columns import load_header_aliases
    from .io.text import DEFAULT_SEPARATORS

    taxonomy = load_taxonomy(themes)
    types = load_taxonomy(service_types, kind="service_type")
    categories = load_taxonomy(data_categories, kind="data_category")
    load_header_aliases(headers)  # fail once, up front, on a bad --headers file
    results = []
    for path in paths:
        try:
            inventory = read_inventory(path, sheet=sheet, encoding=encoding, headers=headers,
                                       separators=DEFAULT_SEPARATORS if separators is None
                                       else separators, limits=limits)
        except InventoryStructureError as exc:
            results.append(FileResult(str(path), exc.sheet, 0, exc.findings, exc))
            continue
        except FlowmatrixError as exc:
            finding = Finding("error", exc.code, exc.message, file=str(path))
            results.append(FileResult(str(path), None, 0, [finding], exc))
            continue
        results.append(FileResult(str(path), inventory.sheet, len(inventory),
                                  validate(inventory, taxonomy, service_types=types,
                                           data_categories=categories)))
    return results
