"""`flowmatrix validate`: each check, its code, and the cell it names."""

import json

from conftest import JA_HEADER

from flowmatrix import classify


def codes(findings):
    return [(f.code, f.sheet and f"{f.sheet}!{f.cell}" or f.cell) for f in findings]


def test_case_missing_an_element_names_the_cell(make_xlsx):
    path = make_xlsx(sheets={"案件": [["事例一覧"], JA_HEADER,
                                     [1, "市", "地域通貨", None, "ヘルスケアアプリ", "健康アドバイス", None],
                                     [2, "市", "A", "B", "C", None, None]]})
    findings = classify(path).findings
    assert codes(findings) == [("missing-element", "案件!D3"), ("missing-element", "案件!F4")]
    assert findings[0].severity == "error"
    assert findings[0].row == 3 and findings[0].column == "data"
    assert "②流通データ" in findings[0].message


def test_duplicate_case_ids_are_one_error_naming_the_rows(make_xlsx):
    path = make_xlsx([JA_HEADER, [7, "市", "A", "B", "C", "D"], [7, "市", "E", "F", "G", "H"]])
    findings = classify(path).findings
    assert codes(findings) == [("duplicate-case-id", "Sheet1!A2")]
    assert "case id '7' is used by 2 rows: 2, 3;" in findings[0].message


def test_same_four_elements_twice_is_one_warning_naming_the_rows(make_xlsx):
    path = make_xlsx([JA_HEADER, [1, "市", "地域通貨", "購買履歴", "ヘルスケアアプリ", "健康アドバイス"],
                      [2, "町", "地域通貨 ", "購買履歴", "ヘルスケアアプリ", "健康アドバイス"]])
    findings = classify(path).findings
    assert [(f.code, f.severity, f.row) for f in findings] == [("duplicate-case", "warning", 2)]
    assert findings[0].message.startswith("2 rows hold the same four elements: 2, 3;")


def test_unknown_theme_label_is_a_warning_and_variants_are_known(make_xlsx):
    path = make_xlsx([JA_HEADER, [1, "市", "A", "B", "C", "D", "健康・医療"],
                      [2, "市", "E", "F", "G", "H", "観光/地域経済活性化"],
                      [3, "市", "I", "J", "K", "L", "mobility"],
                      [4, "市", "M", "N", "O", "P", "宇宙開発"]])
    findings = classify(path).findings
    assert codes(findings) == [("unknown-theme", "Sheet1!G5")]
    assert "宇宙開発" in findings[0].message


def test_suspicious_cells(make_xlsx):
    long_text = "住民情報" * 130
    path = make_xlsx([JA_HEADER, [1, "市", "〃", "B", "C", "D"],
                      [2, "市", "A", "#REF!", "C", "D"],
                      [3, "市", "A", "B", long_text, "D"], [4, "市", "A", "B", " 同上", "D"]])
    findings = classify(path).findings
    assert codes(findings) == [("suspicious-cell", "Sheet1!C2"), ("suspicious-cell", "Sheet1!D3"),
                               ("suspicious-cell", "Sheet1!E4"), ("suspicious-cell", "Sheet1!E5")]
    assert all(f.severity == "warning" for f in findings)
    assert "520 characters" in findings[2].message
    assert dict(findings[3].params)["reason"] == "ditto"  # 〃 was said, 同上 was not


def test_csv_findings_have_cells_without_a_sheet(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("source service,data,target service,linked service\nA,,C,D\n", encoding="utf-8")
    (finding,) = classify(path).findings
    assert (finding.sheet, finding.cell, finding.row, finding.location) == (None, "B2", 2, "B2")


def test_cli_validate_json_format(cli, make_xlsx):
    path = make_xlsx([JA_HEADER, [1, "市", "A", None, "C", "D"]])
    result = cli("validate", path, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    (entry,) = report["files"]
    assert (entry["path"], entry["sheet"], entry["cases"]) == (str(path), "Sheet1", 1)
    assert entry["findings"] == [{
        "severity": "error", "code": "missing-element",
        "message": entry["findings"][0]["message"], "sheet": "Sheet1", "cell": "D2", "row": 2,
        "column": "data"}]


def test_cli_validate_strict_makes_warnings_fail(cli, make_xlsx):
    path = make_xlsx([JA_HEADER, [1, "市", "A", "B", "C", "D", "宇宙開発"]])
    assert cli("validate", path).exit_code == 0
    result = cli("validate", path, "--strict")
    assert result.exit_code == 1
    assert "Sheet1!G2" in result.stdout and "unknown-theme" in result.stdout


def test_cli_validate_lines_output_names_file_sheet_and_cell(cli, make_xlsx):
    path = make_xlsx([JA_HEADER, [1, "市", "A", None, "C", "D"]])
    result = cli("validate", path, "--format", "lines")
    assert f"{path}:Sheet1!D2: エラー [missing-element]" in result.stdout
    assert "事例 1 件、エラー 1 件、警告 0 件" in result.stdout


def test_cli_validate_several_files_each_reported(cli, make_xlsx, tmp_path):
    good = make_xlsx([JA_HEADER, [1, "市", "A", "B", "C", "D"]], name="good.xlsx")
    bad = make_xlsx([JA_HEADER, [1, "市", "A", None, "C", "D"]], name="bad.xlsx")
    result = cli("validate", good, bad)
    assert result.exit_code == 1
    assert "good.xlsx (シート 'Sheet1'): 事例 1 件、問題なし" in result.stdout
    assert "bad.xlsx (シート 'Sheet1'): 事例 1 件、エラー 1 件" in result.stdout
    result = cli("validate", good, tmp_path / "missing.xlsx")
    assert result.exit_code == 2
    assert "missing.xlsx: ファイルが見つかりません" in result.stdout


def test_cli_validate_limit(cli, make_xlsx):
    rows = [[n, "市", "A", None, "C", "D"] for n in range(1, 6)]
    result = cli("validate", make_xlsx([JA_HEADER, *rows]), "--limit", "2", "--format", "lines")
    assert result.stdout.count("[missing-element]") == 2
    assert "…ほか 3 件" in result.stdout


def test_validate_searches_a_folder(cli, tmp_path):
    folder = tmp_path / "台帳"
    (folder / "2024").mkdir(parents=True)
    header = "①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス\n"
    (folder / "a.csv").write_text(header + "地域通貨,購買履歴,クーポン配信,商店街振興\n", "utf-8")
    (folder / "2024" / "b.csv").write_text(header + "防災アプリ,安否情報,,避難支援\n", "utf-8")
    (folder / "~$a.xlsx").write_bytes(b"lock")  # Excel's lock file is not an inventory
    result = cli("validate", folder, "--format", "lines")
    assert result.exit_code == 1  # b.csv has a case without ③
    assert "a.csv: 事例 1 件、問題なし" in result.stdout
    assert "b.csv:C2: エラー [missing-element]" in result.stdout
    assert "~$" not in result.stdout


def test_a_finding_holds_no_instance_dict():
    """Findings are slots objects (104 bytes, not 352): a national inventory has hundreds of
    thousands; they still pickle (batch workers send them) and compare as before."""
    import pickle

    from flowmatrix.findings import Finding

    finding = Finding("error", "missing-element", "the case has no data", file="a.csv",
                      row=3, params=(("row", 3),))
    assert not hasattr(finding, "__dict__")
    assert pickle.loads(pickle.dumps(finding)) == finding


def test_a_totals_row_under_the_table_is_said(make_xlsx):
    """A row of sums (合計 in the No column, counts in the elements) was counted as a case."""
    path = make_xlsx([JA_HEADER, [1, "市", "A", "B", "C", "D"], [2, "市", "計画アプリ", "B", "C", "D"],
                      ["合計", None, "2件", "2件", "2件", "2件"]])
    found = [f for f in classify(path).findings if f.code == "totals-row"]
    assert [(f.cell, f.severity) for f in found] == [("A4", "warning")]
