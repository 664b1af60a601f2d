"""Build a next version of the sample inventory and write the example comparison report.

    python scripts/make_compare_example.py

The next version is data/cases.xlsx with five edits, the kinds a municipality makes in a year
(each listed in EDITS): a case added (by a municipality new to the inventory), a case removed,
a case renumbered, a data item added to a case, and a case's declared theme changed. It is
written to a temporary folder as cases_v2.xlsx, and

    flowmatrix compare data/cases.xlsx cases_v2.xlsx --out reports/compare --format md,html,json

writes reports/compare/ (the workbook, report.xlsx, is left out: it carries its creation time).
tests/test_compare.py rebuilds it and fails when the committed report.md or comparison.json
differ.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEET = "事例一覧"
HEADER_ROW = 4
FORMATS = "md,html,json"
# What the next version changes (case ids as in the sample).
ADDED = [32, "みなと市", "架空県", "ごみ収集車の位置情報による収集ルートの最適化", "ごみ収集車GPS",
         "位置情報/収集量", "清掃事業管理システム", "収集ルートの最適化", "環境／エネルギー", 2025,
         "例示", None]
REMOVED_ID = 4  # 避難者情報による避難所管理
RENUMBERED = (30, 301)  # 学習履歴による個別最適な学び
DATA_CHANGED = (21, "乗降履歴/位置情報")  # was 乗降履歴
THEME_CHANGED = (2, "観光／地域経済活性化")  # was 健康／医療
EDITS = {"added": 32, "removed": REMOVED_ID, "renumbered": RENUMBERED,
         "data": DATA_CHANGED, "theme": THEME_CHANGED}


def make_next_version(source: Path, target: Path) -> Path:
    """data/cases.xlsx with the edits above, saved as `target` (openpyxl)."""
    from openpyxl import load_workbook
    from openpyxl.worksheet.cell_range import CellRange

    book = load_workbook(source)
    sheet = book[SHEET]
    rows = {sheet.cell(row, 1).value: row for row in range(HEADER_ROW + 1, sheet.max_row + 1)}
    sheet.cell(rows[DATA_CHANGED[0]], 6).value = DATA_CHANGED[1]
    sheet.cell(rows[THEME_CHANGED[0]], 9).value = THEME_CHANGED[1]
    sheet.cell(rows[RENUMBERED[0]], 1).value = RENUMBERED[1]
    sheet.append(ADDED)
    removed = rows[REMOVED_ID]
    merged = [CellRange(r.coord) for r in sheet.merged_cells.ranges]
    for cells in merged:  # openpyxl does not move merged ranges when it deletes a row
        sheet.unmerge_cells(cells.coord)
    sheet.delete_rows(removed)
    for cells in merged:
        if cells.min_row > removed:
            cells.shift(row_shift=-1)
        elif cells.max_row >= removed:
            cells.shrink(bottom=1)
        sheet.merge_cells(cells.coord)
    book.save(target)
    return target


def main() -> int:
    from typer.testing import CliRunner

    from flowmatrix.cli import app

    with tempfile.TemporaryDirectory() as temporary:
        next_version = make_next_version(ROOT / "data" / "cases.xlsx",
                                         Path(temporary) / "cases_v2.xlsx")
        result = CliRunner().invoke(app, ["compare", str(ROOT / "data" / "cases.xlsx"),
                                          str(next_version), "--out",
                                          str(ROOT / "reports" / "compare"), "--format",
                                          FORMATS])
    print(result.output, end="")
    return result.exit_code


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
