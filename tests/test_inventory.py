"""Reading real files: title blocks, sheets, merged cells, encodings, formats."""

import codecs
import datetime as dt
import json

import pytest
from conftest import FIXTURES, JA_HEADER

from flowmatrix import read_inventory
from flowmatrix.errors import InventoryStructureError, SheetNotFoundError

ROW1 = [1, "熊谷市", "タッチポイント/ 地域通貨/ バスアプリ", "購買属性情報、 購買データなど",
        "データ分析/ クーポン配信", "ポイント連携/ レコメンド配信", "観光／地域経済活性化"]
ROW2 = [2, None, "オンデマンドバスサービス", "運行情報/利用履歴", "運行管理システム",
        "ダイヤ編成最適化", "モビリティ"]


def test_header_row_is_found_under_a_title_block(make_xlsx):
    path = make_xlsx([["パーソナルデータ連携 事例一覧"], ["作成: 企画課"], [], JA_HEADER, ROW1, ROW2])
    inventory = read_inventory(path)
    assert inventory.header_row == 4
    assert len(inventory) == 2
    assert list(inventory.cases["row"]) == [5, 6]
    assert inventory.columns["source_service"] == "C"
    assert inventory.cases.loc[0, "source_service"] == "タッチポイント/ 地域通貨/ バスアプリ"
    assert inventory.cases.loc[0, "source_service_items"] == ("タッチポイント", "地域通貨", "バスアプリ")
    assert inventory.cases.loc[1, "data_items"] == ("運行情報", "利用履歴")
    assert set(inventory.cases["file"]) == {str(path)}
    assert set(inventory.cases["sheet"]) == {"Sheet1"}


def test_vertically_merged_value_belongs_to_every_row(make_xlsx):
    path = make_xlsx([JA_HEADER, ROW1, ROW2, [3, None, "a", "b", "c", "d", None]],
                     merged={"Sheet1": ["B2:B4"]})
    cases = read_inventory(path).cases
    assert list(cases["municipality"]) == ["熊谷市", "熊谷市", "熊谷市"]


def test_merged_element_down_rows_fills_each_case(make_xlsx):
    path = make_xlsx([JA_HEADER, [1, "市", "地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス"],
                      [2, "市", None, "ポイント残高", "商店街ポータル", "クーポン"]],
                     merged={"Sheet1": ["C2:C3"]})
    assert list(read_inventory(path).cases["source_service"]) == ["地域通貨", "地域通貨"]



def test_a_header_of_two_rows_with_cells_merged_down_reads_its_cases(make_xlsx):
    """Grouped headers as drawn in Excel. No and 自治体 merged down beside a group heading
    over ①–④ lost those columns unsaid; ② and ④ merged down beside sub-headers under ① and
    ③ made the sub-header row a second table (every case lost, exit 1)."""
    grouped = make_xlsx([["No", "自治体", "データ連携の4要素"], [None, None, *JA_HEADER[2:6]],
                         [1, "熊谷市", "地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス"]],
                        name="grouped.xlsx", merged={"Sheet1": ["A1:A2", "B1:B2", "C1:F1"]})
    cases = read_inventory(grouped).cases
    assert cases[["case_id", "municipality", "row"]].values.tolist() == [["1", "熊谷市", 3]]
    split = make_xlsx([["No", "①データ共有元サービス", None, "②流通データ", "③データ共有先サービス",
                        "④データ連携サービス"], [None, "サービス名", "種別", None, "サービス名", None],
                       [1, "地域通貨", "ポイント", "購買履歴", "ヘルスケアアプリ", "健康アドバイス"],
                       [2, "防災アプリ", "防災", "安否情報", "避難所", "避難支援"]],
                      name="split.xlsx", merged={"Sheet1": ["A1:A2", "B1:C1", "D1:D2", "F1:F2"]})
    inventory = read_inventory(split)
    assert inventory.cases["source_service"].tolist() == ["地域通貨", "防災アプリ"]
    assert inventory.cases["row"].tolist() == [3, 4] and not inventory.findings
    noted = make_xlsx([["事例一覧", None, None, None, None, None, None, "記入上の注意"], JA_HEADER,
                       *[[i, "市", f"A{i}", "B", "C", "D"] for i in range(1, 9)]],
                      name="noted.xlsx", merged={"Sheet1": ["H1:H6", "A1:F1"]})
    assert read_inventory(noted).cases["row"].tolist() == list(range(3, 11))  # a box beside

def test_blank_rows_and_rows_without_elements_are_not_cases(make_xlsx):
    path = make_xlsx([JA_HEADER, ROW1, [], [None] * 7, [None, "備考のみの行"], ROW2])
    inventory = read_inventory(path)
    assert list(inventory.cases["row"]) == [2, 6]


def test_first_sheet_with_the_four_elements_is_chosen(make_xlsx):
    path = make_xlsx(sheets={"表紙": [["事例一覧"], ["説明"]], "集計": [["テーマ", "件数"]],
                             "事例": [JA_HEADER, ROW1]})
    inventory = read_inventory(path)
    assert inventory.sheet == "事例"
    assert inventory.cases.loc[0, "sheet"] == "事例"


def test_sheet_option_and_missing_sheet_lists_the_sheets(make_xlsx):
    path = make_xlsx(sheets={"A": [JA_HEADER, ROW1], "B": [JA_HEADER, ROW2]})
    assert read_inventory(path, sheet="B").cases.loc[0, "case_id"] == "2"
    with pytest.raises(SheetNotFoundError, match="'A', 'B'"):
        read_inventory(path, sheet="C")


def test_numbers_and_dates_in_text_columns_are_text(make_xlsx):
    path = make_xlsx([JA_HEADER + ["年度"], [1, 2024, "アプリ", 3.5, dt.date(2024, 4, 1), "通知",
                                           None, 2024]])
    case = read_inventory(path).cases.loc[0]
    assert (case["case_id"], case["municipality"], case["data"], case["target_service"],
            case["fiscal_year"]) == ("1", "2024", "3.5", "2024-04-01", "2024")


def test_full_width_text_is_kept_for_display_and_normalised_in_items(make_xlsx):
    path = make_xlsx([JA_HEADER, [1, "市", "ＭａａＳアプリ", "ｸｰﾎﾟﾝ利用", "ＬＩＮＥ", "配信", None]])
    case = read_inventory(path).cases.loc[0]
    assert case["source_service"] == "ＭａａＳアプリ"
    assert case["source_service_items"] == ("MaaSアプリ",)
    assert case["data_items"] == ("クーポン利用",)


def test_english_headers_and_extra_columns(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("ID,Source service,Data α,Target service,Linked service β,Origin\n"
                    "1,A,B,C,D,article\n", encoding="utf-8")
    inventory = read_inventory(path)
    assert inventory.cases.loc[0, "linked_service"] == "D"
    assert inventory.extra_columns == ["Origin"]
    assert inventory.cases.loc[0, "Origin"] == "article"


def test_headers_with_line_breaks_spaces_and_the_value_service_wording(make_xlsx):
    header = ["データ共有元\nサービス", "流通データ", "データ共有先 サービス",
              "データ流通により創出 される価値サービス"]
    path = make_xlsx([header, ["地域ウォレット・地域情報サービス", "アンケートデータ", "クーポン配信",
                               "配信クーポンのカスタマイズ"]])
    assert read_inventory(path).cases.loc[0, "linked_service"] == "配信クーポンのカスタマイズ"


def test_user_header_aliases_extend_the_builtin_ones(tmp_path):
    aliases = tmp_path / "headers.toml"
    aliases.write_text('[columns]\nsource_service = ["出し手"]\n', encoding="utf-8")
    path = tmp_path / "cases.csv"
    path.write_text("出し手,流通データ,共有先,連携サービス\nA,B,C,D\n", encoding="utf-8")
    with pytest.raises(InventoryStructureError):
        read_inventory(path)
    assert read_inventory(path, headers=aliases).cases.loc[0, "source_service"] == "A"


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                                            ("cp932", b""), ("utf-16-le", codecs.BOM_UTF16_LE)])
def test_csv_encodings_are_detected(tmp_path, encoding, bom):
    text = "No,自治体,①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス\r\n" \
           "1,会津若松市,地域ウォレット・地域情報サービス,アンケートデータ（趣味嗜好など）,クーポン配信,配信クーポンのカスタマイズ\r\n"
    path = tmp_path / "cases.csv"
    path.write_bytes(bom + text.encode(encoding))
    case = read_inventory(path).cases.loc[0]
    assert case["municipality"] == "会津若松市"
    assert case["data_items"] == ("アンケートデータ(趣味嗜好など)",)


def test_cp932_specific_characters(tmp_path):
    # ① and ～ exist in cp932 but not in plain Shift_JIS: Japanese Excel writes them.
    path = tmp_path / "cases.csv"
    path.write_bytes("①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス\n"
                     "健診システム,健診結果～服薬履歴,医療機関,健康指導\n".encode("cp932"))
    assert read_inventory(path).cases.loc[0, "data"] == "健診結果～服薬履歴"


def test_encoding_override(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes("source service,data,target service,linked service\nä,b,c,d\n"
                     .encode("latin-1"))
    assert read_inventory(path, encoding="latin-1").cases.loc[0, "source_service"] == "ä"


def test_tsv_and_quoted_multiline_cells(tmp_path):
    path = tmp_path / "cases.tsv"
    path.write_text('source service\tdata\ttarget service\tlinked service\n'
                    '"地域通貨\nバスアプリ"\t購買データ\tクーポン配信\tレコメンド\n'
                    'A\tB\tC\tD\n', encoding="utf-8")
    cases = read_inventory(path).cases
    assert cases.loc[0, "source_service_items"] == ("地域通貨", "バスアプリ")
    assert list(cases["row"]) == [2, 3]  # records, as Excel numbers the rows


def test_json_list_of_objects_with_list_values(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([
        {"case_id": "K1", "source_service": ["地域通貨", "バスアプリ"], "data": "購買データ",
         "target_service": "クーポン配信", "linked_service": "レコメンド配信", "fiscal_year": 2024},
        {"case_id": "K2", "source_service": "A", "data": "B", "target_service": "C",
         "linked_service": "D"},
    ], ensure_ascii=False), encoding="utf-8")
    inventory = read_inventory(path)
    assert inventory.cases.loc[0, "source_service_items"] == ("地域通貨", "バスアプリ")
    assert inventory.cases.loc[0, "fiscal_year"] == "2024"
    assert list(inventory.cases["row"]) == [1, 2]
    assert inventory.cell("data", 1) is None


def test_legacy_xls_with_merged_cells():
    inventory = read_inventory(FIXTURES / "basic.xls")
    assert inventory.header_row == 2
    assert list(inventory.cases["municipality"]) == ["熊谷市", "熊谷市"]


def test_ods():
    inventory = read_inventory(FIXTURES / "basic.ods")
    assert list(inventory.cases["source_service"]) == ["地域通貨", "バスアプリ"]


def test_excel_error_values_are_read_not_lost():
    cases = read_inventory(FIXTURES / "formula_errors.xlsx").cases
    assert list(cases["source_service"]) == ["#DIV/0!", "バスアプリ"]
    assert list(cases["data"]) == ["購買データ", "#N/A"]


def test_the_input_file_is_not_modified(make_xlsx):
    path = make_xlsx([JA_HEADER, ROW1])
    before = path.read_bytes()
    read_inventory(path)
    assert path.read_bytes() == before


def test_importing_flowmatrix_does_not_import_matplotlib_or_pandas():
    import subprocess
    import sys

    code = ("import sys, flowmatrix, flowmatrix.cli; "
            "print('matplotlib' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
