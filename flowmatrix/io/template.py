"""An empty inventory workbook a planner can fill in (`flowmatrix template`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError
from .output import write_atomic

if TYPE_CHECKING:
    from ..classification.taxonomy import Taxonomies

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
    ("source_service_type", "共有元サービス種別", "① source service type", 22, False,
     "任意。①の種別（一覧から選択）。項目が複数なら「/」で区切って同じ順に。空欄なら flowmatrix が判定します。",
     "Optional: the type of ① (pick from the list); for several items, their ids (see below) "
     "separated with ; in the same order. Empty: flowmatrix decides."),
    ("data_category", "データ分類", "② data category", 22, False,
     "任意。②の分類（一覧から選択）。要配慮個人情報かどうかはこの分類で決まります。",
     "Optional: the category of ② (pick from the list); it decides whether the flow carries "
     "special care-required personal information."),
    ("target_service_type", "共有先サービス種別", "③ target service type", 22, False,
     "任意。③の種別（一覧から選択）。", "Optional: the type of ③ (pick from the list)."),
    ("value_type", "価値の種別", "④ value type", 22, False,
     "任意。④で生まれる価値の種別（一覧から選択）。", "Optional: the kind of value ④ creates (pick from the list)."),
    ("consent", "同意の有無", "Consent", 14, False,
     "任意。本人同意の状況（例: 取得済み）。要配慮個人情報を含む流れで空欄だと、validate が警告します。",
     "Optional: the consent of the people concerned (e.g. obtained). Empty for a flow with "
     "special care-required personal information: validate warns."),
]

EXAMPLE = {
    "ja": {
        "case_id": 1, "municipality": "", "prefecture": "", "title": "生活習慣データに基づく健康指導",
        "source_service": "ヘルスケアアプリ・ウェアラブルデバイス",
        "data": "歩数・心拍など運動データ、健診結果",
        "target_service": "医療機関・保健指導サービス",
        "linked_service": "業務効率化、生活習慣データに基づく健康指導",
        "fiscal_year": "", "notes": "記入例（DSA 2025年11月20日の記事より）。書き換えるか削除してください。",
        "source_service_type": "ヘルスケアアプリ・ウェアラブル",
        "data_category": "運動・バイタルデータ／健診結果",
        "target_service_type": "医療機関・薬局", "value_type": "業務効率化・時間短縮／個別の健康指導・健康づくり",
        "consent": "取得済み（記入例）",
    },
    "en": {
        "case_id": 1, "municipality": "", "prefecture": "", "title": "Health guidance from lifestyle data",
        "source_service": "Healthcare app / wearable device",
        "data": "Steps and heart rate (activity data); health-check results",
        "target_service": "Medical institution / health guidance service",
        "linked_service": "Efficiency; health guidance based on lifestyle data",
        "fiscal_year": "", "notes": "Example (from the DSA article of 2025-11-20). Overwrite or delete.",
        "source_service_type": "Healthcare app / wearable",
        "data_category": "activity_vital; health_check",
        "target_service_type": "Medical institution / pharmacy",
        "value_type": "efficiency; health_guidance", "consent": "obtained (example)",
    },
}

SHEET_NAMES = {"ja": ("事例一覧", "記入方法", "KPI"), "en": ("Cases", "How to fill in", "KPIs")}
# The KPI sheet (io/kpis.py reads it for analyze --by municipality): (ja, en, width) per column,
# and its explanation on the guide sheet.
KPI_TEMPLATE_COLUMNS = [("自治体", "Municipality", 14), ("指標", "Indicator", 26),
                        ("年度", "Fiscal year", 12), ("目標", "Target", 10),
                        ("実績", "Actual", 10), ("単位", "Unit", 8), ("出典", "Source", 50)]
KPI_GUIDE = {
    "ja": "KPI シート（任意）：1行に1つの自治体・指標・年度の目標と実績を書きます。年度は 2024、"
          "令和6年度、R6 のほか「2025年11月時点」のような時点も書けます。数値は 35000、3.5万、"
          "6万人超 のように書けます。analyze --by municipality の自治体ページに表とグラフが出ます。"
          "公表された数値だけを、出典とともに書いてください。",
    "en": "KPIs sheet (optional): one row per municipality, indicator and year, with the target "
          "and the actual. The year may be 2024, 令和6年度, R6, or a period such as \"as of "
          "2025-11\". Numbers may be written 35000, 3.5万 or 6万人超. The municipality pages of "
          "analyze --by municipality show them as a table and a chart. Write published figures "
          "only, each with its source.",
}


def write_template(path: str | Path, taxonomies: Taxonomies, *, lang: str = "ja",
                   overwrite: bool = False, rows: int = 1000) -> Path:
    """Write an empty inventory workbook with the DSA's four-element header, an example row,
    and drop-down lists of the themes, service types and data categories of `taxonomies`."""
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
    lists = {"theme": taxonomies.themes, "source_service_type": taxonomies.service_types,
             "data_category": taxonomies.data_categories, "value_type": taxonomies.value_types}
    lists["target_service_type"] = lists["source_service_type"]
    taxonomy = lists["theme"]
    english = lang == "en"
    cases_name, help_name, kpi_name = SHEET_NAMES[lang]
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
    ranges = {}  # list column → the guide cells of its choices
    for column, heading in (("theme", ("Themes", "テーマ一覧")),
                            ("source_service_type", ("Service types (① and ③)", "サービス種別（①・③）")),
                            ("data_category", ("Data categories (②)", "データ分類（②）")),
                            ("value_type", ("Value types (④)", "価値の種別（④）"))):
        guide.append([])
        typed = column != "theme"  # types and categories: their ids too, and 要配慮 flags
        sensitive = ("special care-required" if english else "要配慮個人情報")
        guide.append([heading[0] if english else heading[1]]
                     + (["id"] if typed else []) + ([sensitive] if column == "data_category"
                                                    else []))
        first = guide.max_row + 1
        for entry in lists[column].themes:
            flag = ("yes" if english else "要配慮") if entry.attribute("sensitive") else ""
            guide.append([entry.label(lang)] + ([entry.id] if typed else [])
                         + ([flag] if column == "data_category" else []))
        ranges[column] = f"'{help_name}'!$A${first}:$A${guide.max_row}"
    ranges["target_service_type"] = ranges["source_service_type"]
    guide.append([])
    guide.append(["Several items in one cell: separate them with / 、 , ; or a line break."
                  if english else
                  "1つのセルに複数の項目を書くときは / 、 , ; または改行で区切ります。"])
    guide.append([KPI_GUIDE[lang]])
    for cell in guide[1]:
        cell.font = header_font
        cell.fill = header_fill
    for letter, width in zip("ABCD", (26, 8, 60, 40), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap

    kpis = book.create_sheet(kpi_name)
    for index, (ja, en, width) in enumerate(KPI_TEMPLATE_COLUMNS, start=1):
        cell = kpis.cell(row=1, column=index, value=en if english else ja)
        cell.font = header_font
        cell.fill = header_fill
        kpis.column_dimensions[cell.column_letter].width = width
    kpis.freeze_panes = "A2"

    ids = [c[0] for c in TEMPLATE_COLUMNS]
    for column, cells in ranges.items():  # a free text is allowed too (several items: a / b)
        letter = sheet.cell(row=1, column=ids.index(column) + 1).column_letter
        choices = DataValidation(type="list", allow_blank=True, formula1=cells,
                                 showErrorMessage=False)
        choices.add(f"{letter}2:{letter}{rows + 1}")
        sheet.add_data_validation(choices)

    buffer = io.BytesIO()
    book.save(buffer)
    return write_atomic(path, buffer.getvalue())
