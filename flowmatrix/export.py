"""Serialising plain records: JSON and CSV bytes that are the same for the same input."""

from __future__ import annotations

import csv
import io
import json


def json_bytes(data: object) -> bytes:
    """Pretty, UTF-8, Japanese kept readable, key order as built, newline at the end."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    """UTF-8 with a BOM, so Excel opens Japanese text correctly; lists joined with "; "."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
