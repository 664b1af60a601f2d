"""An empty inventory workbook a planner can fill in (`flowmatrix template`)."""

from __future__ import annotations

import io
from pathlib import Path

from .errors import FlowmatrixError
from .output import write_atomic
from .taxonomy import Taxonomy, load_taxonomy

# (canonical id, ja header, en header, width, required, ja explanation, en explanation)
TEMPLATE_COLUMNS = [
    ("case_id", "No", "No", 7, False, "事例の番号。重複しないように付けます。",
     "A number for the case, unique in the file."),
    ("municipality", "自治体", "Municipality", 14, False, "事例の自治体（市区町村）。",
     "The municipality of the case."),
    ("prefecture", "都道府県", "Prefecture", 10, False, "自治体の都道府県。", "Its prefecture."),
    ("title", "事例名", "Title", 28, False, "事例・事業の名前。", "A short name of the case or project."),
    ("source_service", "①データ共有元サービス", "① Source service", 30, True,
     "データを出すサービス A。複数あるときは「/」か「、」で区切ります。",
     "Service A that shares the data. Separate several with / or a comma."),
    ("data", "②流通データ", "② Data α", 30, True, "流れるデータ α。", "The data α that flows."),
    ("target_service", "③データ共有先サービス", "③ Target service", 30, True,
     "データを受け取るサービス B。", "Service B that receives the data."),
    ("linked_service", "④データ連携サービス", "④ Linked service β", 34, True,
     "連携によって生まれるサービス・価値 β。", "The linked service β the flow creates."),
    ("theme", "テーマ", "Theme", 22, False, "テーマ（一覧から選択）。空欄なら flowmatrix が分類します。",
     "The theme (pick from the list); leave empty and flowmatrix classifies the case."),
    ("fiscal_year", "年度", "Fiscal year", 8, False, "年度（例: 2024）。", "Fiscal year, e.g. 2024."),
    ("notes", "備考", "Notes", 30, False, "自由記入。", "Anything else."),
]

EXAMPLE = {
    "ja": {
        "case_id": 1, "municipality": "", "prefecture": "", "title": "生活習慣データに基づく健康指導",
        "source_service": "ヘルスケアアプリ・ウェアラブルデバイス",
        "data": "歩数・心拍など運動データ、健診結果",
        "target_service": "医療機関・保健指導サービス",
        "linked_service": "業務効率化、生活習慣データに基づく健康指導",
        "fiscal_year": "", "notes": "記入例（DSA 2025年11月20日の記事より）。書き換えるか削除してください。",
    },
    "en": {
        "case_id": 1, "municipality": "", "prefecture": "", "title": "Health guidance from lifestyle data",
        "source_service": "Healthcare app / wearable device",
        "data": "Steps, heart rate and other activity data; health-check results",
        "target_service": "Medical institution / health guidance service",
        "linked_service": "Efficiency; health guidance based on lifestyle data",
        "fiscal_year": "", "notes": "Example (from the DSA article of 2025-11-20). Overwrite or delete.",
    },
}

SHEET_NAMES = {"ja": ("事例一覧", "記入方法"), "en": ("Cases", "How to fill in")}


def write_template(path: str | Path, *, lang: str = "ja", taxonomy: Taxonomy | None = None,
                   overwrite: bool = False, rows: int = 1000) -> Path:
    """Write an empty inventory workbook with the DSA's four-element header and an example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise FlowmatrixError("the template is an Excel workbook: give a name ending in .xlsx",
                              path=str(path), code="bad-output")
    if path.exists() and not overwrite:
        raise FlowmatrixError("already exists; choose another name or pass --force to replace it",
                              path=str(path), code="output-exists")
    if not path.parent.is_dir():
        raise FlowmatrixError("the folder does not exist", path=str(path.parent),
                              code="bad-output")
    taxonomy = taxonomy or load_taxonomy()
    english = lang == "en"
    cases_name, help_name = SHEET_NAMES[lang]
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E78")
    element_fill = PatternFill("solid", fgColor="2E75B6")
    wrap = Alignment(wrap_text=True, vertical="top")

    book = Workbook()
    sheet = book.active
    sheet.title = cases_name
    for index, (column, ja, en, width, required, _, _) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=en if english else ja)
        cell.font = header_font
        cell.fill = element_fill if required else header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = width
        value = EXAMPLE[lang].get(column, "")
        if column == "theme":
            value = taxonomy.get("health").label(lang) if "health" in taxonomy.ids else ""
        example = sheet.cell(row=2, column=index, value=value if value != "" else None)
        example.alignment = wrap
        example.font = Font(italic=True, color="595959")
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"

    guide = book.create_sheet(help_name)
    guide_headers = (("Column", "Required", "What to write", "Example") if english
                     else ("列", "必須", "書くこと", "例"))
    guide.append(list(guide_headers))
    for column, ja, en, _, required, ja_help, en_help in TEMPLATE_COLUMNS:
        yes = ("yes" if english else "必須") if required else ""
        example_value = EXAMPLE[lang].get(column, "")
        guide.append([en if english else ja, yes, en_help if english else ja_help,
                      "" if column == "notes" else example_value])
    guide.append([])
    guide.append(["Themes" if english else "テーマ一覧"])
    first_theme_row = guide.max_row + 1
    for theme in taxonomy.themes:
        guide.append([theme.label(lang)])
    last_theme_row = guide.max_row
    guide.append([])
    guide.append(["Several items in one cell: separate them with / 、 , ; or a line break."
                  if english else
                  "1つのセルに複数の項目を書くときは / 、 , ; または改行で区切ります。"])
    for cell in guide[1]:
        cell.font = header_font
        cell.fill = header_fill
    for letter, width in zip("ABCD", (26, 8, 60, 40), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap

    theme_column = [c[0] for c in TEMPLATE_COLUMNS].index("theme") + 1
    theme_letter = sheet.cell(row=1, column=theme_column).column_letter
    choices = DataValidation(
        type="list", allow_blank=True,
        formula1=f"'{help_name}'!$A${first_theme_row}:$A${last_theme_row}",
        showErrorMessage=False)
    choices.add(f"{theme_letter}2:{theme_letter}{rows + 1}")
    sheet.add_data_validation(choices)

    buffer = io.BytesIO()
    book.save(buffer)
    return write_atomic(path, buffer.getvalue())
