"""Findings: one problem or remark about an inventory, with where it is."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)  # slots: a national inventory has 100,000s of findings
class Finding:
    severity: str  # "error" | "warning" | "info"
    code: str  # stable, e.g. "missing-element"
    message: str  # a sentence a planner can act on, naming the place
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None  # like "E12" (None for JSON input or whole-file findings)
    row: int | None = None  # the row number as Excel shows it (CSV: record number incl. header)
    column: str | None = None  # canonical column id, e.g. "source_service"
    # The values the message names, for saying it in another language (render/labels.py
    # FINDING_MESSAGES): ((name, value), ...); values ending in _theme are theme ids.
    params: tuple[tuple[str, object], ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "params"}

    @property
    def location(self) -> str:
        """`Sheet1!E12`, `cases.csv!C7`, `row 5` or the file name."""
        if self.cell:
            return f"{self.sheet}!{self.cell}" if self.sheet else self.cell
        if self.row is not None:
            return f"row {self.row}"
        return self.sheet or ""


def row_list(rows: list, shown: int, more: str = "") -> str:
    """Rows (or cells) named once in a finding about many: "2, 3", or the first `shown` then
    ", …" and `more`. Listing every row of a group in each of its findings grows as the square
    of the group (10,000 copies: 10,000 findings of 10,000 rows each, gigabytes)."""
    named = ", ".join(str(row) for row in rows[:shown])
    return named if len(rows) <= shown else f"{named}, …{more}"


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by position, so output is stable."""
    order = {severity: i for i, severity in enumerate(SEVERITIES)}
    return sorted(
        findings,
        key=lambda f: (order[f.severity], f.file or "", f.sheet or "", f.row or 0,
                       len(f.cell or ""), f.cell or "", f.code, f.message),
    )
