"""The columnar engine (#17): what the faster paths must still see and say. Behaviour only;
the speed is measured by benchmarks/run.py."""

import zipfile

import pytest
from test_robust_workbook import cell, inventory_rows, raw_xlsx

from flowmatrix.io.extent import scan_sheet
from flowmatrix.io.inventory import read_inventory


def _extent(path):
    with zipfile.ZipFile(path) as archive:
        return scan_sheet(path, archive, "xl/worksheets/sheet1.xml", 1_000_000)


def test_a_cell_placed_below_and_right_of_its_row_sets_the_extent(tmp_path):
    """The scan looks for references beyond the rows and columns seen so far: a cell whose
    reference points far below its <row> (and far right) is still found."""
    rows = inventory_rows(3)
    rows[4].append(cell("XFD1048576", "x"))
    extent = _extent(raw_xlsx(tmp_path / "far.xlsx", {"事例一覧": rows}))
    assert (extent.rows, extent.columns) == (1_048_576, 16_384)
    inventory = read_inventory(tmp_path / "far.xlsx")
    assert len(inventory) == 3


def test_the_extent_of_a_plain_sheet_is_its_last_row_and_column(tmp_path):
    rows = inventory_rows(250)
    rows[7].append(cell("K7", "note"))
    rows[99].append(cell("AB99", "note"))
    extent = _extent(raw_xlsx(tmp_path / "plain.xlsx", {"事例一覧": rows}))
    assert (extent.rows, extent.columns) == (251, 28)


def test_cells_in_rows_without_numbers_are_placed_by_their_references(tmp_path):
    path = tmp_path / "unnumbered.xlsx"
    raw_xlsx(path, {"事例一覧": inventory_rows(3)})
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<row r="4">', b"<row>").replace(b"D4", b"D90000")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert _extent(path).rows == 90_000


def _csv(path, lines):
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


HEADER = "①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス"


def test_the_row_limit_counts_cases_not_the_title_and_header(english_messages, cli, tmp_path):
    """A title row and the header are no cases: an inventory of exactly --max-rows cases is
    read; one more case is refused, naming the cases."""
    path = _csv(tmp_path / "five.csv", ["事例一覧（全国）,,,", HEADER,
                                        *(f"アプリ{i},健診結果,ポータル,API" for i in range(5))])
    assert cli("validate", path, "--max-rows", "5").exit_code == 0
    result = cli("validate", path, "--max-rows", "4")
    assert result.exit_code == 2
    assert "has 5 cases, over the limit of 4" in " ".join(result.output.split())


def test_a_file_far_over_the_row_limit_is_refused_while_it_is_read(english_messages, cli,
                                                                    tmp_path):
    """Reading stops a header's worth of rows past the limit, before the rest is parsed."""
    path = _csv(tmp_path / "many.csv", [HEADER, *(f"アプリ{i},健診結果,ポータル,API"
                                                  for i in range(5_000))])
    result = cli("validate", path, "--max-rows", "10")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "more than 10 cases (over 60 rows with content" in text
    japanese = cli("validate", path, "--max-rows", "10", "--lang", "ja")
    assert "事例が上限の 10 件を超えています" in japanese.output


def test_100000_repeated_rows_are_one_duplicate_finding(tmp_path):
    """Duplicates are reported per group of rows, not per pair (1 M copies once gave 1 M
    warnings and 6 GB)."""
    from flowmatrix.pipeline import classify

    path = _csv(tmp_path / "copies.csv", [HEADER, *["観光アプリ,来訪履歴,ポイント,API"] * 100_000])
    findings = [f for f in classify(path).findings if f.code == "duplicate-case"]
    assert len(findings) == 1
    assert findings[0].row == 2
    assert "100,000 rows hold the same four elements" in findings[0].message


def test_the_cycle_collector_is_paused_during_a_job_and_restored_after(tmp_path):
    """classify pauses Python's cycle collector while it runs (a fifth of the CPU on 100,000
    cases) and leaves it as the caller had it, on or off, even when the job fails."""
    import gc

    from flowmatrix.errors import FlowmatrixError
    from flowmatrix.pipeline import classify, collecting_after

    path = _csv(tmp_path / "one.csv", [HEADER, "アプリ,健診結果,ポータル,API"])
    seen = []
    with collecting_after():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    classify(path)
    assert gc.isenabled()
    gc.disable()
    try:
        classify(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(FlowmatrixError):
        classify(tmp_path / "missing.csv")
    assert gc.isenabled()


def test_cases_csv_written_column_by_column_keeps_every_cell_as_a_row_writer_would(tmp_path):
    """cases.csv is written from the table's columns, each cell converted once per distinct
    value: a formula-like text still gets its ', TRUE and 1 in one column stay apart, a
    number stays a number, and the bytes equal the row-by-row writer's."""
    import csv
    import io

    import openpyxl

    from flowmatrix import analyze
    from flowmatrix.render.serialise import csv_chunks, csv_column_chunks
    from flowmatrix.render.tables import case_columns, case_values

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["事例名", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
                  "④データ連携サービス", "備考", "フラグ"])
    sheet.append(["+81 窓口", "アプリ", "歩数", "医療機関", "健康指導", "@メモ", True])
    sheet.append(["二件目", "アプリ", "歩数", "医療機関", "健康指導", "-", 1])
    sheet.append(["三件目", "アプリ", "歩数, 心拍", "医療機関", "健康指導", "", 1.5])
    book.save(tmp_path / "cases.xlsx")

    table = case_columns(analyze(tmp_path / "cases.xlsx"))
    fields, headings, _ = table
    by_columns = b"".join(csv_column_chunks(table[2], fields, headings, batch=2))
    records = [dict(zip(headings, case, strict=True)) for case in case_values(table)]
    by_rows = b"".join(csv_chunks(records, headings))
    assert by_columns == by_rows
    rows = list(csv.reader(io.StringIO(by_columns.decode("utf-8-sig"))))
    at = {heading: i for i, heading in enumerate(rows[0])}
    assert [r[at["フラグ"]] for r in rows[1:]] == ["TRUE", "1", "1.5"]
    assert rows[1][at["事例名"]] == "'+81 窓口"
    assert [r[at["備考"]] for r in rows[1:]] == ["'@メモ", "'-", ""]
    assert rows[3][at["②流通データ"]] == "歩数, 心拍"


def test_cases_csv_of_an_inventory_without_cases_is_its_headings(tmp_path):
    from flowmatrix.render.serialise import csv_column_chunks

    written = b"".join(csv_column_chunks({"case_id": [], "row": []}, ["case_id", "row"],
                                         ["No", "行"]))
    assert written == "\ufeffNo,行\r\n".encode()


def test_pandas_is_imported_beside_the_workbook_parse_and_no_thread_is_left(tmp_path):
    """calamine parses with the GIL released, so pandas is imported on a thread meanwhile;
    a fresh process (pandas not yet loaded) reads the cases right and has one thread after."""
    import subprocess
    import sys

    from test_robust_workbook import inventory_rows, raw_xlsx

    path = raw_xlsx(tmp_path / "cases.xlsx", {"事例一覧": inventory_rows(3)})
    script = (
        "import sys, threading\n"
        "from flowmatrix.io.inventory import read_inventory\n"
        "assert 'pandas' not in sys.modules\n"
        f"inventory = read_inventory({str(path)!r})\n"
        "print(len(inventory), threading.active_count(), 'pandas' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert done.stderr == ""
    assert done.stdout.split() == ["3", "1", "True"]


# --- summary.json: json.dumps(indent=2) byte for byte, written a piece at a time ---------------

def _json_values():
    from hypothesis import strategies as st

    class Label(str):  # a subclass: the fast path leaves it to json.dumps
        pass

    scalars = (st.none() | st.booleans() | st.integers() | st.floats()
               | st.text(max_size=6) | st.sampled_from(["防災", "ｶﾞ", '"\\\n', "\u2028"]))
    return st.recursive(scalars, lambda inner: (
        st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=4) | st.integers(-3, 3) | st.booleans()
                          | st.none() | st.floats(), inner, max_size=4)
        | inner.map(lambda value: [value, Label("x")])), max_leaves=30)


def test_summary_json_is_json_dumps_written_in_pieces(tmp_path, monkeypatch):
    """json_bytes and write_json give json.dumps(indent=2)'s text, newline at the end, also
    when the pieces are handed on every few (_DRAIN_PIECES), when lists are Rows made while
    they are written, and when a value met half-way sends the whole file to json.dumps (what
    was written by then is replaced)."""
    import json

    from hypothesis import HealthCheck, given, settings

    from flowmatrix.render import serialise

    monkeypatch.setattr(serialise, "_DRAIN_PIECES", 3)
    path = tmp_path / "summary.json"

    def as_rows(value):  # every list a Rows, made while it is written
        if value.__class__ is dict:
            return {k: as_rows(v) for k, v in value.items()}
        if value.__class__ is tuple:
            return tuple(as_rows(v) for v in value)
        if value.__class__ is list:
            items = [as_rows(v) for v in value]
            return serialise.Rows(lambda: iter(items))
        return value

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=_json_values())
    def check(data):
        expected = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        for given_data in (data, as_rows(data)):
            assert serialise.json_bytes(given_data) == expected
            path.write_bytes(b"x" * 5000)  # a longer file there before: nothing is left
            serialise.write_json(given_data, path)
            assert path.read_bytes() == expected

    check()
