"""The KPI table of an inventory: an indicator's target and actual per year and municipality —
the chart the DSA article shows beside 熊谷市's cases (portal-app users, target against actual).

A workbook keeps the table on a sheet of its own, found by its headers (自治体, 指標, 年度, 目標,
実績, 単位, 出典; the aliases are in data/headers.toml, [kpi_columns]); a CSV inventory, or a
table kept elsewhere, is given with --kpis FILE. Only the rows are read: which municipality
a row belongs to is settled with the cases (checks.check_kpis, model/municipality.py).
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError, shown_path
from ..findings import Finding
from .extent import column_letter
from .inventory import _fill_merged
from .readers import EXCEL_SUFFIXES, Sheet, open_workbook
from .text import cell_text, display, header_key

if TYPE_CHECKING:
    from ..settings import Settings

KPI_COLUMNS = ("municipality", "indicator", "fiscal_year", "target", "actual", "unit", "source")
HEADER_SCAN_ROWS = 20
# 6万人超 → 60000 (unit 人); 0.5万 → 5000; 約1,200件 → 1200. The qualifier after the number is
# part of how the figure was published, not of its unit.
_NUMBER = re.compile(r"(?:約|およそ)?([+-]?\d+(?:\.\d+)?)(億|万|千)?(.*)")
_MULTIPLIER = {"億": 100_000_000, "万": 10_000, "千": 1_000, None: 1}
_QUALIFIERS = re.compile(r"(?:超え?|以上|余り?|程度|強|弱|突破)$")
_WESTERN_YEAR = re.compile(r"(?:fy)?(\d{4})(?:年度?)?")
_ERA_YEAR = re.compile(r"(令和|平成|r|h)(\d{1,2}|元)(?:年度?)?")
_ERAS = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988}


@dataclass(frozen=True)
class Kpi:
    """One row of a KPI table: values as numbers, texts as written (trimmed)."""

    municipality: str
    indicator: str
    period: str  # as written: 2023, 令和5年度, 2025年11月（記事時点）
    year: int | None  # the fiscal year `period` names, when it names one
    target: float | None
    actual: float | None
    target_text: str  # the cells as written: 6万人超 keeps the 超 its number drops
    actual_text: str
    unit: str
    source: str
    file: str
    sheet: str | None
    row: int
    cell: str | None = None  # of its 自治体, where the table has cells and that column


def name_key(name: object) -> str:
    """A municipality's name as a person typing it means it: without width, case or spaces
    (--municipality ｃ市 finds C市; a KPI row's 熊谷 市 is 熊谷市's)."""
    text = unicodedata.normalize("NFKC", "" if name is None else str(name))
    return "".join(text.casefold().split())


def kpi_header_aliases() -> dict[str, str]:
    """header key → KPI column, from data/headers.toml's [kpi_columns]."""
    text = resources.files("flowmatrix").joinpath("data/headers.toml").read_text("utf-8")
    table = tomllib.loads(text)["kpi_columns"]
    return {header_key(alias): column for column, aliases in table.items() for alias in aliases}


def read_kpis(path: str | Path, settings: Settings, *, skip_sheet: str | None = None,
              required: bool = True) -> tuple[list[Kpi], list[Finding]]:
    """The KPI rows of the first sheet of `path` (other than `skip_sheet`, the cases) whose
    header names an indicator and a target or actual, and findings about cells that are not
    what their column says. `required`: a file without such a sheet is an error (--kpis);
    otherwise, it has no KPIs (an inventory that keeps none)."""
    if not required and Path(path).suffix.lower() not in EXCEL_SUFFIXES:
        return [], []  # a CSV or JSON inventory is its cases table only
    aliases = kpi_header_aliases()
    with open_workbook(path, encoding=settings.encoding, limits=settings.limits) as book:
        for name in book.sheet_names:
            if skip_sheet is not None and name == skip_sheet:
                continue
            try:
                sheet = book.load(name)
            except FlowmatrixError:
                if required:
                    raise
                continue  # a sheet of raw data over the limits is not the KPI table
            header = _header(sheet, aliases)
            if header is not None:
                return _rows(sheet, *header, shown_path(path))
    if required:
        raise FlowmatrixError(
            "no KPI table: no sheet has a header row naming 指標 (indicator) and 目標 or 実績 "
            "(target or actual)", path=str(path), code="no-kpi-table")
    return [], []


def _header(sheet: Sheet, aliases: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for column, value in enumerate(row):
            found = aliases.get(header_key(cell_text(value)))
            if found is not None:
                columns.setdefault(found, column)
        if "indicator" in columns and ({"target", "actual"} & columns.keys()):
            return index, columns
    return None


def _rows(sheet: Sheet, header: int, columns: dict[str, int],
          path: str) -> tuple[list[Kpi], list[Finding]]:
    kpis, findings = [], []
    rows = _fill_merged(sheet, header + 1)  # 自治体 and 指標 merged down their years
    for index in range(header + 1, len(rows)):
        row = rows[index]
        cells = {c: row[columns[c]] if c in columns and columns[c] < len(row) else None
                 for c in KPI_COLUMNS}
        text = {c: _written(v) for c, v in cells.items()}
        if not any(text.values()):
            continue
        where = {"file": path, "sheet": sheet.name, "row": sheet.row_number(index)}
        values, units = {}, []
        for column in ("target", "actual"):
            value, unit = cell_number(cells[column])
            if text[column] and value is None:
                findings.append(_finding(sheet, columns, where, "kpi-not-a-number", column,
                                         f"{text[column]!r} is not a number: left out of the "
                                         "KPI chart", value=text[column]))
            values[column] = value
            units.append(unit)
        if not text["indicator"] or (values["target"] is None and values["actual"] is None):
            column = ("indicator" if not text["indicator"] else
                      "actual" if "actual" in columns else "target")
            findings.append(_finding(
                sheet, columns, where, "kpi-incomplete", column,
                "a KPI row needs an indicator and a target or actual: row left out",
                reason="indicator" if not text["indicator"] else "value"))
            continue
        kpis.append(Kpi(text["municipality"], text["indicator"], text["fiscal_year"],
                        fiscal_year(text["fiscal_year"]), values["target"], values["actual"],
                        text["target"], text["actual"],
                        text["unit"] or next((u for u in units if u), ""), text["source"],
                        path, sheet.name, where["row"],
                        _cell(sheet, columns, "municipality", where["row"])))
    return kpis, findings


def _finding(sheet: Sheet, columns: dict[str, int], where: dict, code: str, column: str,
             message: str, **params) -> Finding:
    """A warning at a KPI cell (its reference where the sheet has cells)."""
    return Finding("warning", code, message, cell=_cell(sheet, columns, column, where["row"]),
                   column=column, params=tuple(params.items()), **where)


def _cell(sheet: Sheet, columns: dict[str, int], column: str, row: int) -> str | None:
    if not sheet.has_cells or column not in columns:
        return None
    return f"{column_letter(sheet.column_index(columns[column]))}{row}"


def _written(value: object) -> str:
    """A KPI cell as a person reads it: a number with at most 15 significant digits (0.3, not
    0.30000000000000004; 0.000001, not 1e-06), text trimmed."""
    if isinstance(value, float) and math.isfinite(value):
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        text = f"{value:.15g}"
        return f"{value:.15f}".rstrip("0").rstrip(".") if "e" in text else text
    return display(cell_text(value))


def cell_number(value: object) -> tuple[float | None, str]:
    """A KPI cell's number and unit: a numeric cell as it is; text through parse_number.
    (None, "") for anything that is not a finite number."""
    if isinstance(value, bool):
        return None, ""
    if isinstance(value, int | float):
        return (float(value), "") if math.isfinite(value) else (None, "")
    return parse_number(_written(value))


def parse_number(text: str) -> tuple[float | None, str]:
    """A KPI cell as a number and the unit written after it: "3.5万人" → (35000.0, "人"),
    "6万人超" → (60000.0, "人"), "1,200" → (1200.0, ""); (None, "") for other text."""
    key = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    found = _NUMBER.fullmatch(key)
    if not key or found is None:
        return None, ""
    digits, multiplier, rest = found.groups()
    unit = _QUALIFIERS.sub("", rest).strip()
    number = float(digits) * _MULTIPLIER[multiplier]
    if any(ch.isdigit() for ch in unit) or not math.isfinite(number):
        return None, ""
    return number, unit


def fiscal_year(text: str) -> int | None:
    """The fiscal year a period names: 2023, 2023年度, FY2023, 令和5年度, R5 → 2023;
    平成30年度 → 2018; None for other text (2025年11月時点, 1年後)."""
    key = unicodedata.normalize("NFKC", text).lower().replace(" ", "")
    found = _WESTERN_YEAR.fullmatch(key)
    if found:
        return int(found.group(1))
    found = _ERA_YEAR.fullmatch(key)
    if found:
        era, number = found.groups()
        return _ERAS[era] + (1 if number == "元" else int(number))
    return None
