"""Hostile and broken input: never run what is in a cell, never hang, never lose data, always
say what went wrong. Each case: the expected exit code and a phrase of the message."""

import csv
import hashlib
import io
import json
import time
import zipfile

import pytest
from conftest import JA_HEADER, ROOT
from openpyxl import Workbook, load_workbook

from flowmatrix.io.readers import MiB

HEADER = ["source service", "data", "target service", "linked service"]


def plain_workbook(path, rows):
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


def rewrite_zip(source, target, replace):
    """Copy a zip, with some members' bytes replaced or added."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members.update(replace)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def billion_laughs(tmp_path):
    base = plain_workbook(tmp_path / "base.xlsx", [["a", "b", "c", "d"]])
    with zipfile.ZipFile(base) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10))
    sheet = sheet.split("?>", 1)[-1]  # drop the XML declaration, if any
    assert "<t>a</t>" in sheet
    sheet = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>' + sheet.replace(
        "<t>a</t>", "<t>&lol9;</t>")
    return rewrite_zip(base, tmp_path / "laughs.xlsx", {"xl/worksheets/sheet1.xml": sheet})


def zip_bomb(tmp_path):
    """A workbook whose sheet inflates 1,000 times: 64 MiB of spaces in a few dozen KiB."""
    base = plain_workbook(tmp_path / "base.xlsx", [["a", "b", "c", "d"]])
    with zipfile.ZipFile(base) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * (64 * MiB))
    return rewrite_zip(base, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": padded})


def million_rows(tmp_path):
    path = tmp_path / "million.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["a", "b", "c", "d"])
    sheet.cell(row=1_000_001, column=1, value="x")
    book.save(path)
    return path


def deep_json(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    return path


def nested_values_json(tmp_path):
    path = tmp_path / "nested.json"
    value = "x"
    for _ in range(500):
        value = [value]
    path.write_text(json.dumps([{"source_service": value, "data": "b", "target_service": "c",
                                 "linked_service": "d"}]), encoding="utf-8")
    return path


def big_file(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(HEADER) + "\n")
        out.write(("a,b,c,d\n") * 200_000)
    return path


def huge_field_csv(tmp_path):
    path = tmp_path / "field.csv"
    path.write_text(",".join(HEADER) + "\n" + "a" * 200_000 + ",b,c,d\n", encoding="utf-8")
    return path


CORPUS = [
    # (builder, extra arguments, exit code, phrase)
    (billion_laughs, [], 2, "declares a DTD or XML entities"),
    (zip_bomb, [], 2, "looks like a zip bomb"),
    (zip_bomb, ["--max-uncompressed-size", "10"], 2, "over the limit of 10 MiB"),
    # the limit counts cases (#14, #17): the far cell in row 1,000,001 is the second case
    (million_rows, ["--max-rows", "1"], 2, "has 2 cases, over the limit of 1"),
    (deep_json, [], 2, "nested too deeply"),
    (nested_values_json, [], 2, "nested too deeply"),
    (big_file, ["--max-file-size", "1"], 2, "over the limit of 1 MiB"),
    (big_file, ["--max-rows", "1000"], 2, "over the limit of 1,000 (raise it with --max-rows)"),
    (huge_field_csv, [], 2, "cannot parse as CSV"),
]


@pytest.mark.parametrize("build, extra, code, phrase", CORPUS,
                         ids=[f"{c[0].__name__}{'+' if c[1] else ''}" for c in CORPUS])
def test_crafted_files_are_refused_quickly_with_a_message(english_messages, cli, tmp_path, build, extra, code,
                                                          phrase):
    path = build(tmp_path)
    start = time.perf_counter()
    result = cli("validate", path, *extra)
    elapsed = time.perf_counter() - start
    assert result.exit_code == code, result.output
    assert phrase in result.output
    assert str(path) in result.output and "Traceback" not in result.output
    assert elapsed < 10


def test_a_50000_character_cell_is_handled(cli, tmp_path):
    long_text = "地域通貨" * 12_500  # longer than an Excel cell can hold, so a CSV
    path = tmp_path / "long.csv"
    path.write_text("No,自治体,①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス\n"
                    f"1,市,{long_text},購買履歴,クーポン配信,配信\n", encoding="utf-8")
    start = time.perf_counter()
    result = cli("analyze", path, "--out", tmp_path / "r", "--format", "xlsx,csv,png")
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - start < 30
    cases = list(csv.reader(io.StringIO((tmp_path / "r" / "long" / "cases.csv")
                                        .read_text("utf-8-sig"))))
    assert long_text in cases[1]  # the table keeps the whole text
    cell = load_workbook(tmp_path / "r" / "long" / "report.xlsx")["事例"]["E2"].value
    assert len(cell) == 32767 and cell.endswith("全文は cases.csv）")  # Excel's limit


def test_odd_but_honest_content_works(cli, tmp_path):
    rows = [
        [1, "市", "📱アプリ🚌", "位置情報😀", "防災アプリ", "避難支援✨"],
        [2, "市", "a\x07b\x1fc", "購買\u200b履歴", "クーポン配信", "配信"],
        [3, "市", "שירות", "مرحبا بيانات", "عربي", "避難所"],
        [4, "市", "   ", "健診結果", "医療機関", "健康指導"],
        [5, "市", 12345, 3.14, "2024-04-01", "NaN"],
        [6, "None", "NaN", "None", "null", "N/A"],
        [7, "市", "サービス" * 100, "データ", "先" * 200, "連携" * 150],
        [8, "市", "=1+2", "+SUM(A1)", "-2+3", "@cmd"],
        [9, "市", "$x$ a$b", "<b>bold</b>", "a|b", "line\nbreak"],
    ]
    header = JA_HEADER[:6] + ["備考", "備考"]  # a duplicated header name
    path = tmp_path / "odd.csv"  # a CSV: control characters cannot be stored in a workbook
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *[r + ["n1", "n2"] for r in rows]])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = cli("analyze", path, "--out", tmp_path / "r")
    assert result.exit_code == 1, result.output  # row 4 has an empty ① (spaces only)
    assert "Traceback" not in result.output
    folder = tmp_path / "r" / "odd"
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["cases"] == 9
    assert [f["code"] for f in summary["findings"] if f["severity"] == "error"] == [
        "missing-element"]
    assert any(f["code"] == "duplicate-column" for f in summary["findings"])
    html = (folder / "report.html").read_text("utf-8")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    book = load_workbook(folder / "report.xlsx")
    assert [c.coordinate for ws in book for row in ws.iter_rows() for c in row
            if c.data_type == "f"] == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the input is untouched


def test_csv_outputs_neutralise_formulas(cli, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(",".join(HEADER) + '\n"=HYPERLINK(""http://x"")",+1,@a,-b\n', encoding="utf-8")
    out = tmp_path / "classified.csv"
    assert cli("classify", path, "-o", out).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows[0]["source_service"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["data"] == "'+1" and rows[0]["target_service"] == "'@a"
    assert rows[0]["linked_service"] == "'-b"
    matrix = tmp_path / "matrix.csv"
    assert cli("matrix", path, "-o", matrix).exit_code == 0
    assert "'=HYPERLINK" in matrix.read_text("utf-8-sig")
    book = tmp_path / "matrix.xlsx"
    assert cli("matrix", path, "-o", book).exit_code == 0
    sheet = load_workbook(book).active
    # "/" separates items, so the row label is the item '=HYPERLINK("http:' — still text
    labels = {c.value: c.data_type for c in sheet["A"]}
    assert labels['=HYPERLINK("http:'] == "s"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_output_paths_stay_inside_and_never_replace_an_input(cli, tmp_path):
    from flowmatrix.render.folder import safe_name

    assert safe_name("../../etc") == "_.._etc"
    assert safe_name("CON") == "_CON" and safe_name("lpt1.txt") == "_lpt1.txt"
    assert safe_name("a:b*c?") == "a_b_c_"
    # one case each: the names are what matters here, and every chart of the HTML costs time
    one_case = ",".join(JA_HEADER) + "\n1,会津若松市,地域ウォレット,アンケートデータ,クーポン配信,配信,\n"
    odd = tmp_path / "<img src=x onerror=alert(1)>.csv"
    odd.write_text(one_case, encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text(one_case, encoding="utf-8")
    result = cli("analyze", odd, other, "--out", tmp_path / "out", "--format", "json,html")
    assert result.exit_code == 0, result.output
    index = (tmp_path / "out" / "index.html").read_text("utf-8")
    assert "<img src=x" not in index and "&lt;img src=x onerror=alert(1)&gt;" in index
    inside = tmp_path / "reports" / "cases"
    inside.mkdir(parents=True)
    inventory = inside / "cases.csv"
    inventory.write_text(one_case, encoding="utf-8")
    result = cli("analyze", inventory, "--out", tmp_path / "reports")
    assert result.exit_code == 2 and "would hold the input file" in result.output
    assert inventory.exists()


def test_an_internal_error_is_a_short_message_unless_debug(english_messages, entry_point,
                                                          monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr("flowmatrix.pipeline.classify_themes", broken)
    args = ["classify", str(ROOT / "data" / "cases.csv")]
    code, _, err = entry_point(*args)
    assert code == 2
    assert "internal error: ValueError: boom" in err
    assert "please report it" in err and "Traceback" not in err
    # with --debug the error goes on to Python, which prints its traceback
    with pytest.raises(ValueError, match="boom"):
        entry_point("--debug", *args)


def test_text_that_looks_like_workbook_xml_stays_text(cli, tmp_path):
    # XlsxWriter copies a string shaped like rich text (<r>…</r>) into the sheet XML as it is:
    # this one closed the sheet early and Excel (and openpyxl) could not open the report.
    rich = "<r><t>a</t></r></is></c></row></sheetData></worksheet><r>x</r>"
    escape = "_x0041_ is not A"  # Excel reads _xHHHH_ as an escaped character
    path = tmp_path / "xml.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([
            HEADER, [rich, "<r>購買履歴</r>", escape, "来店促進"],
            ["バスアプリ", "<r>購買履歴</r>", "クーポン配信", "来店促進"]])
    assert cli("analyze", path, "--out", tmp_path / "r", "--format", "xlsx").exit_code == 0
    cases = load_workbook(tmp_path / "r" / "xml" / "report.xlsx")["事例"]
    header = [c.value for c in cases[1]]
    row = {h: c.value for h, c in zip(header, cases[2], strict=True)}
    assert row["①データ共有元サービス"] == rich
    assert row["②流通データ"] == "<r>購買履歴</r>"
    # escaped so Excel shows it as written (LibreOffice does; openpyxl shows the escape)
    assert row["③データ共有先サービス"] == "_x005F" + escape
    from flowmatrix.render.xlsx import _xml_text

    assert _xml_text(" a&b ") == '<t xml:space="preserve"> a&amp;b </t>'  # cells are trimmed
    matrix = tmp_path / "matrix.xlsx"  # a workbook in memory: the other writing path
    assert cli("matrix", path, "-o", matrix, "--rows", "data", "--cols", "source_service",
               "--separators", "、",
               "--values", "count").exit_code == 0
    labels = [c.value for c in load_workbook(matrix).active["A"]]
    assert "<r>購買履歴</r>" in labels


def test_characters_beyond_the_bmp_count_twice_and_lone_surrogates_are_replaced(cli, tmp_path):
    # Excel's 32,767 limit is in UTF-16 units: 𠮷 (a common name character) counts two
    path = tmp_path / "astral.json"
    path.write_text(json.dumps([
        {"source service": "𠮷" * 20_000, "data": "購買履歴", "target service": "クーポン配信",
         "linked service": "配信"},
        {"source service": "壊れた\ud800文字", "data": "購買履歴", "target service": "地域通貨",
         "linked service": "配信"}]), encoding="utf-8")  # json escapes the lone surrogate
    result = cli("analyze", path, "--out", tmp_path / "r", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    cases = load_workbook(tmp_path / "r" / "astral" / "report.xlsx")["事例"]
    long_cell, broken = cases["E2"].value, cases["E3"].value
    assert len(long_cell.encode("utf-16-le")) // 2 <= 32767
    assert long_cell.startswith("𠮷𠮷") and long_cell.endswith("全文は cases.csv）")
    assert broken == "壊れた\ufffd文字"
