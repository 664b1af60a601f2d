"""Serialising plain records: JSON and CSV bytes that are the same for the same input."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator


def json_lines_array(records) -> Iterator[bytes]:
    """A JSON array with one record per line, as chunks: the C encoder per record, so 100,000
    records take seconds, not minutes, and are never all in memory as text."""
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for all records
    yield b"[\n"
    first = True
    for record in records:
        yield (b"" if first else b",\n") + encode(record).encode("utf-8")
        first = False
    yield b"\n]\n"


def json_bytes(data: object) -> bytes:
    """Pretty, UTF-8, Japanese kept readable, key order as built, newline at the end."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_chunks(rows, columns: list[str], batch: int = 2000) -> Iterator[bytes]:
    """csv_bytes as chunks, for long tables."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in columns])
    yield b"\xef\xbb\xbf"
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(row.get(column)) for column in columns])
        if n % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    """UTF-8 with a BOM, so Excel opens Japanese text correctly; lists joined with "; ".

    Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
    return) is neutralised as OWASP recommends: a ' is put in front and the cell is quoted.
    Numbers are written as numbers."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def neutralise(text: str) -> str:
    """'=1+2 for =1+2: the text stays readable and is never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return neutralise("; ".join(str(v) for v in value))
    return neutralise(str(value))


def validation_dict(results) -> dict:
    """The JSON of `validate`: per file, its path, sheet, cases, counts and findings."""
    keys = ("severity", "code", "message", "sheet", "cell", "row", "column")
    return {"files": [{"path": r.path, "sheet": r.sheet, "cases": r.cases, "counts": r.counts,
                       "findings": [{k: getattr(f, k) for k in keys} for f in r.findings]}
                      for r in results]}
