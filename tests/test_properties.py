"""Property-based: inventories with arbitrary text in every column are read, classified and
reported without an exception, and the case count and texts survive into cases.csv and
report.xlsx."""

import csv
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from flowmatrix import analyze, read_inventory
from flowmatrix.render.folder import write_report
from flowmatrix.render.serialise import neutralise
from flowmatrix.render.xlsx import excel_text

COLUMNS = ["No", "自治体", "事例名", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
           "④データ連携サービス", "テーマ", "備考"]
# Any text but lone surrogates (which no UTF-8 file can hold).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
ROWS = st.lists(st.lists(TEXT, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1,
                max_size=12)


# Each example writes a whole report: a modest number by default, more on request
# (FLOWMATRIX_PROPERTY_EXAMPLES=200 pytest tests/test_properties.py).
EXAMPLES = int(os.environ.get("FLOWMATRIX_PROPERTY_EXAMPLES", "15"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_arbitrary_text_survives_read_classify_report(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "cases.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([COLUMNS, *rows])
    inventory = read_inventory(path)
    expected = [row for row in rows if any(cell.strip() for cell in row[3:7])]
    assert len(inventory) == len(expected)

    analysis = analyze(inventory)
    assert len(analysis.cases) == len(expected)
    assert int(analysis.theme_tally["cases"].sum()) == len(expected)
    report = write_report(analysis, folder / "report", formats=("csv", "xlsx", "json", "md"))

    text = (report / "cases.csv").read_bytes().decode("utf-8-sig")  # no newline translation
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, body = table[0], table[1:]
    assert len(body) == len(expected)
    for column, index in (("①データ共有元サービス", 3), ("②流通データ", 4), ("事例名", 2)):
        got = [r[header.index(column)] for r in body]
        assert got == [neutralise(row[index].strip()) for row in expected]

    sheet = load_workbook(report / "report.xlsx")["事例"]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) - 1 == len(expected)
    source = values[0].index("①データ共有元サービス")
    assert [v[source] or "" for v in values[1:]] == [excel_text(row[3].strip())
                                                     for row in expected]
