"""Bad input: one clear message naming the file (and sheet/cell), a documented exit code, no
traceback, nothing written."""

import json

import pytest
from conftest import FIXTURES, JA_HEADER, write_xlsx


def good_rows():
    return [JA_HEADER, [1, "市", "地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス"]]


def run(cli, *args):
    result = cli("validate", *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_missing_path(english_messages, cli, tmp_path):
    result = run(cli, tmp_path / "nope.xlsx")
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.xlsx'}: file not found" in result.output


def test_folder_without_inventories(cli, tmp_path):
    (tmp_path / "readme.txt.bak").write_text("not an inventory")
    result = run(cli, tmp_path)
    assert result.exit_code == 2
    assert f"no inventory files found in {tmp_path}" in result.output


def test_empty_file(english_messages, cli, tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    result = run(cli, tmp_path / "empty.xlsx")
    assert result.exit_code == 2
    assert "empty.xlsx: the file is empty" in result.output


@pytest.mark.parametrize("name", ["cases.docx", "cases.pdf", "cases"])
def test_unsupported_extension(english_messages, cli, tmp_path, name):
    (tmp_path / name).write_text("x")
    result = run(cli, tmp_path / name)
    assert result.exit_code == 2
    assert "unsupported file type" in result.output and ".xlsx" in result.output


def test_truncated_xlsx(english_messages, cli, tmp_path):
    whole = write_xlsx(tmp_path / "whole.xlsx", {"Sheet1": good_rows()}).read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(whole[: len(whole) // 2])
    result = run(cli, tmp_path / "cut.xlsx")
    assert result.exit_code == 2
    assert "cut.xlsx: cannot read the workbook (corrupt or truncated?)" in result.output


def test_csv_renamed_to_xlsx(english_messages, cli, tmp_path):
    (tmp_path / "renamed.xlsx").write_text("a,b,c\n1,2,3\n")
    result = run(cli, tmp_path / "renamed.xlsx")
    assert result.exit_code == 2
    assert "renamed.xlsx: not a valid .xlsx workbook" in result.output


def test_password_protected_xlsx(english_messages, cli):
    result = run(cli, FIXTURES / "encrypted.xlsx")
    assert result.exit_code == 2
    assert "encrypted.xlsx: the workbook is password-protected" in result.output


def test_csv_in_another_encoding(english_messages, cli, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("source service,data,target service,linked service\ncafé,é,à,ü\n"
                     .encode("latin-1"))
    result = run(cli, path)
    assert result.exit_code == 2
    assert "latin.csv: the text is neither UTF-8 nor cp932 (Shift_JIS)" in result.output
    assert "--encoding" in result.output


def test_utf8_with_one_stray_cp932_character_is_refused_not_garbled(cli, tmp_path):
    """One 「・」 pasted from a cp932 file into a UTF-8 CSV: the short Japanese words happened to
    be valid cp932 too, so the whole file was read as cp932, every cell mojibake (健康 as
    蛛･蠎ｷ), with no finding. A cp932 file is still read as cp932."""
    from flowmatrix import read_inventory

    text = ("case_id,municipality,title,source_service,data,target_service,linked_service,notes\n"
            "1,甲,健康,歩数,健診,介護,支援,\n2,甲,防災,アプリ,安否,防災,避難,\n"
            "3,甲,バス,バス,乗降,履歴,通知,").encode() + "・".encode("cp932") + b"\n"
    path = tmp_path / "stray.csv"
    path.write_bytes(text)
    result = run(cli, path, "--lang", "en")
    assert result.exit_code == 2
    assert ("stray.csv: the text is UTF-8 except at byte 212 (line 4): a character pasted"
            in " ".join(result.output.split()))
    japanese = " ".join(run(cli, path).output.split())
    assert "UTF-8 でない箇所が 1 か所あります（最初は 4 行目、212 バイト目" in japanese
    path.write_bytes(text.decode("utf-8", "replace").replace("\ufffd", "・").encode("cp932"))
    assert read_inventory(path).cases["title"].tolist() == ["健康", "防災", "バス"]
    # the stray byte before any Japanese character (in the header), and a file cut off in
    # the middle of a character: found by the red-team pass on the first version
    early = "・".encode("cp932") + text[1:]
    path.write_bytes(early)
    assert "except at 2 places, the first at byte 1 (line 1): characters pasted" in " ".join(
        run(cli, path, "--lang", "en").output.split())
    path.write_bytes(text[:-4] + "健".encode()[:2])
    cut = " ".join(run(cli, path, "--lang", "en").output.split())
    assert "the text is UTF-8 but ends in the middle of a character (line 4)" in cut
    assert "文字の途中で終わっています（4 行目）" in " ".join(run(cli, path).output.split())
    path.write_bytes(b"\xef\xbb\xbf" + text)  # Excel's "CSV UTF-8", with a byte-order mark
    assert "except at byte 215 (line 4): a character pasted" in " ".join(
        run(cli, path, "--lang", "en").output.split())


def test_sheet_that_does_not_exist_lists_the_sheets(cli, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"事例": good_rows(), "集計": [["x"]]})
    result = run(cli, path, "--sheet", "Cases")
    assert result.exit_code == 2
    assert "no sheet named 'Cases'; the workbook has: '事例', '集計'" in result.output


def test_workbook_without_a_sheet_that_has_the_four_elements(english_messages, cli, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {
        "表紙": [["事例一覧"]],
        "一覧": [["No", "①データ共有元サービス", "②流通データ", "備考"], [1, "A", "B", "x"]]})
    result = run(cli, path)
    assert result.exit_code == 1
    assert "no sheet has a header row with all four elements" in result.output
    assert "'一覧': source_service, data only" in result.output


def test_single_sheet_missing_columns_names_what_it_found_and_accepts(english_messages, cli, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("No,データ共有元,流通データ,共有先\n1,A,B,C\n", encoding="utf-8")
    result = run(cli, path, "--format", "lines")
    assert result.exit_code == 1
    assert "required element columns missing: linked_service" in result.output
    assert "'共有先' → target_service" in result.output
    assert "データ連携サービス" in result.output  # an accepted alias is named


def test_duplicated_element_columns(cli, tmp_path):
    path = write_xlsx(tmp_path / "dup.xlsx", {"Sheet1": [
        ["①データ共有元サービス", "②流通データ", "③データ共有先サービス", "④データ連携サービス", "流通データ"],
        ["A", "B", "C", "D", "E"]]})
    result = run(cli, path)
    assert result.exit_code == 1
    assert "duplicated columns in the header row: data is named by 2 columns (B1, E1)" in result.output


def test_invalid_json(english_messages, cli, tmp_path):
    (tmp_path / "cases.json").write_text('[{"source_service": "A",', encoding="utf-8")
    result = run(cli, tmp_path / "cases.json")
    assert result.exit_code == 2
    assert "cases.json: invalid JSON at line 1" in result.output


def test_json_that_is_not_a_list_of_objects(cli, tmp_path):
    (tmp_path / "cases.json").write_text('[1, 2]', encoding="utf-8")
    result = run(cli, tmp_path / "cases.json")
    assert result.exit_code == 2
    assert "item 1 of the list is not an object" in result.output


def test_malformed_taxonomy_names_file_and_key(english_messages, cli, tmp_path):
    themes = tmp_path / "themes.toml"
    themes.write_text('[[theme]]\nid = "a"\nja = "A"\nen = "A"\nkeywords = []\n', encoding="utf-8")
    inventory = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": good_rows()})
    result = cli("validate", inventory, "--themes", themes)
    assert result.exit_code == 2
    assert f'{themes}: theme[1] (id "a"): no keywords' in result.output


def test_no_arguments_is_a_usage_error(cli):
    assert cli("validate").exit_code == 2


def test_rows_with_text_but_no_element_are_named_not_dropped_silently(cli, tmp_path):
    """A row with a No and a title but none of ①–④, and a note in the No column, were left
    out without a word: they are still not cases, and one warning names both."""
    rows = [*good_rows(), [2, "市", None, None, None, None], ["※ 令和6年度は調査中"],
            [3, "市", "防災アプリ", "安否情報", "避難所", "避難支援"]]
    path = write_xlsx(tmp_path / "cases.xlsx", {"事例": rows})
    result = run(cli, path, "--format", "json")
    assert result.exit_code == 0
    (report,) = json.loads(result.stdout)["files"]
    assert report["cases"] == 2
    (found,) = [f for f in report["findings"] if f["code"] == "row-without-elements"]
    assert found["row"] == 3 and "(rows 3, 4)" in found["message"]


def test_an_empty_form_sheet_is_passed_over_and_other_inventory_sheets_are_named(cli, tmp_path):
    """A form sheet with the header and no case before the inventory gave 0 cases, exit 0;
    a sheet a year gave the first year alone, without a word about the others."""
    case = [3, "市", "防災アプリ", "安否情報", "避難所", "避難支援"]
    path = write_xlsx(tmp_path / "cases.xlsx", {"記入用": [JA_HEADER], "令和5年度": good_rows(),
                                                "令和6年度": [JA_HEADER, case, case],
                                                "令和7年度": [JA_HEADER, case]})
    (report,) = json.loads(run(cli, path, "--format", "json").stdout)["files"]
    assert (report["sheet"], report["cases"]) == ("令和5年度", 1)
    (found,) = [f for f in report["findings"] if f["code"] == "other-inventory-sheets"]
    assert "'令和6年度', '令和7年度'" in found["message"]
    ja = run(cli, path).output
    assert "シート「令和6年度」、「令和7年度」にも①〜④の見出しと事例があります" in ja
    # a sheet after the one read that is no inventory, or cannot be read, is none of its
    # business (one with ② named twice stopped the run)
    path = write_xlsx(tmp_path / "more.xlsx", {"事例": good_rows(), "旧様式": [
        ["①データ共有元サービス", "②流通データ", "②流通データ", "③データ共有先サービス",
         "④データ連携サービス"], ["A", "B", "B", "C", "D"]], "ログ": [["x"]] * 50})
    result = run(cli, path, "--max-rows", "20")
    assert result.exit_code == 0 and "事例 1 件" in result.output
