"""Serialising plain records: JSON and CSV bytes that are the same for the same input."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import islice


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
    """Pretty, UTF-8, Japanese kept readable, key order as built, newline at the end: the text
    of json.dumps(data, ensure_ascii=False, indent=2), byte for byte.

    The standard library indents only in its pure-Python encoder (a generator per container:
    2 s for the summary of 100,000 cases). Here the containers that hold only plain values
    (most of them: a finding, a list of names) are written by the C encoder, told the line
    break of their level as its item separator; the others are walked in Python. A value the
    fast path does not know (a subclass, say) goes to json.dumps, so the text never differs."""
    chunks: list[bytes] = []
    if not _write_json(data, chunks.append):
        return (json.dumps(data, ensure_ascii=False, indent=2, default=_rows_as_list)
                + "\n").encode("utf-8")
    return b"".join(chunks)


class Rows:
    """A JSON list whose items are made while it is written (summary.json's lists of every
    finding and every 要配慮 case: built as lists of dicts first, they took 127 MB at
    1,000,000 cases). `make()` gives the items, afresh each time it is called."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Iterable]):
        self.make = make


def _rows_as_list(value: object) -> list:
    if value.__class__ is Rows:
        return list(value.make())
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def write_json(data: object, path) -> None:
    """json_bytes(data) written to the file at `path` a piece at a time: the summary of a
    million-case inventory is 171 MB of text, which would otherwise be held as pieces, as one
    string and as bytes at once. An error half-way leaves part of the file: write into a
    folder that replaces the report only when it is whole (render/folder.py `replacing`)."""
    with open(path, "wb") as out:
        if not _write_json(data, out.write):
            out.seek(0)
            out.truncate()
            out.write(json_bytes(data))


_DRAIN_PIECES = 1 << 16  # pieces of text gathered before they are encoded and written


class _Pieces(list):
    """The pieces of JSON text written so far; drain() hands them on as UTF-8 bytes."""

    def __init__(self, write):
        super().__init__()
        self.write = write

    def drain(self) -> None:
        self.write("".join(self).encode("utf-8"))
        self.clear()


def _write_json(data: object, write) -> bool:
    """Hand the text of json_bytes(data) to `write` in pieces; False (having maybe written a
    part) when a value needs json.dumps, which the caller then writes instead."""
    out = _Pieces(write)
    try:
        _pretty(data, "\n", out)
    except (_Unknown, RecursionError):  # json.dumps says it as it would (circular reference)
        return False
    out.append("\n")
    out.drain()
    return True


class _Unknown(Exception):
    """A value of a type the fast encoder leaves to json.dumps."""


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _refuse(value: object) -> object:
    raise _Unknown


@lru_cache(maxsize=64)
def _flat_encoder(inner: str):
    """The C encoder (json's own) writing a container of plain values with the line break
    `inner` between items; None without the C extension."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    return make(None, _refuse, json.encoder.encode_basestring, None, ": ", "," + inner,
                False, False, True)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


# How json writes a plain value, and a dict key (keys are always strings in JSON).
_SCALARS = {str: json.encoder.encode_basestring, int: int.__repr__, float: _float,
            bool: lambda v: "true" if v else "false", type(None): lambda v: "null"}
_KEYS = {**{cls: lambda k, write=write: f'"{write(k)}"' for cls, write in _SCALARS.items()},
         str: json.encoder.encode_basestring}


def _pretty(value: object, newline: str, out: _Pieces) -> None:
    """Append the indented JSON of `value`, whose line starts with `newline` (a line break
    and the indentation of its level); the pieces are handed on every _DRAIN_PIECES or so."""
    cls = value.__class__
    write = _SCALARS.get(cls)
    if write is not None:
        out.append(write(value))
        return
    if cls is Rows:
        _rows(value, newline, out)
        return
    is_dict = cls is dict
    if not (is_dict or cls is list or cls is tuple):
        raise _Unknown
    if not value:
        out.append("{}" if is_dict else "[]")
        return
    inner = newline + "  "
    items = value.values() if is_dict else value
    flat = _flat_encoder(inner)
    if flat is not None and _PLAIN.issuperset(map(type, items)) and (
            not is_dict or _PLAIN.issuperset(map(type, value))):
        text = "".join(flat(value, 0))  # "{…}" with its items separated by ",<inner>"
        out.append(text[0] + inner + text[1:-1] + newline + text[-1])
        return
    separator = ("{" if is_dict else "[") + inner
    for key in value:
        if is_dict:
            write_key = _KEYS.get(key.__class__)
            if write_key is None:
                raise _Unknown
            out.append(separator + write_key(key) + ": ")
            item = value[key]
        else:
            out.append(separator)
            item = key
        write = _SCALARS.get(item.__class__)
        if write is not None:
            out.append(write(item))
        else:
            _pretty(item, inner, out)
            if len(out) > _DRAIN_PIECES:
                out.drain()
        separator = "," + inner
    out.append(newline + ("}" if is_dict else "]"))


def _rows(rows: Rows, newline: str, out: _Pieces) -> None:
    """Append the JSON of Rows as _pretty writes a list, each item as it is made."""
    inner = newline + "  "
    separator = "[" + inner
    for item in rows.make():
        out.append(separator)
        _pretty(item, inner, out)
        if len(out) > _DRAIN_PIECES:
            out.drain()
        separator = "," + inner
    out.append("[]" if separator[0] == "[" else newline + "]")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_chunks(rows, columns: list[str], batch: int = 2000) -> Iterator[bytes]:
    """csv_bytes as chunks, for long tables: rows go to the C writer a batch at a time."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in columns])
    yield b"\xef\xbb\xbf"
    rows = iter(rows)
    while True:
        writer.writerows([[_cell(row.get(key)) for key in columns]
                          for row in islice(rows, batch)])
        text = buffer.getvalue()
        if not text:
            return
        yield text.encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


def csv_column_chunks(columns: dict[str, list], fields: list[str], headings: list[str],
                      batch: int = 5000) -> Iterator[bytes]:
    """csv_chunks of a table held column by column (field → a value per row): each column's
    cells are converted once per distinct value, then the rows go to the C writer a batch at
    a time. The same bytes as csv_chunks of the same rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in headings])
    cells = [_cells(columns[field]) for field in fields]
    n = len(cells[0]) if cells else 0
    for start in range(0, n, batch):
        writer.writerows(zip(*(column[start:start + batch] for column in cells), strict=True))
        yield (b"\xef\xbb\xbf" if not start else b"") + buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if not n:  # no case: the headings alone
        yield b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _cells(values: list) -> list[str]:
    """_cell of each value, worked out once per distinct value (coded.factorize keeps True
    and 1 apart); lists, which cannot be hashed, one by one."""
    from ..coded import factorize, spread

    try:
        codes, distinct = factorize(values)
    except TypeError:  # a list or an array among the values
        return [_cell(value) for value in values]
    return spread([_cell(value) for value in distinct], codes).tolist()


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
    if value.__class__ is str:  # most cells
        return "'" + value if value.startswith(FORMULA_STARTS) else value
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
