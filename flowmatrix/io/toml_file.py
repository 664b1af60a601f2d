"""The TOML files a user hands in (taxonomies, header aliases), read with messages that name
the file and say what to do.

Windows メモ帳 saves UTF-8 with a byte order mark, which tomllib calls "Invalid statement (at
line 1, column 1)": it is accepted. A file in cp932 (Shift_JIS) is refused with a message to
save it as UTF-8, a file nested thousands deep (a = [[[[…]]]]), which overflows the parser's
recursion, like any other invalid TOML, and a named pipe rather than waited on.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from ..errors import FlowmatrixError


def read_toml(path: str | Path, *, error: type[FlowmatrixError] = FlowmatrixError,
              code: str | None = None) -> dict:
    """The table in the TOML file at `path`; `error` (with `code`) naming the file if it cannot
    be read, is not UTF-8 or is not valid TOML."""
    name = str(path)
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):  # a named pipe would block forever
            raise error("not a regular file (a folder, pipe or device?): give a .toml file",
                        path=name, code=code)
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise error("file not found", path=name, code=code) from exc
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror or exc}", path=name, code=code) from exc
    try:
        text = data.decode("utf-8-sig")  # a BOM, as メモ帳 writes, is dropped
    except UnicodeDecodeError:
        raise error(f"the file is not UTF-8{_looks_like(data)}: save it as UTF-8 (メモ帳: 名前を"
                    "付けて保存 → 文字コード UTF-8)", path=name, code=code) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML: {exc}", path=name, code=code) from exc
    except RecursionError:
        raise error("not valid TOML here: arrays or tables nested too deeply (thousands of "
                    "brackets inside each other)", path=name, code=code) from None


def _looks_like(data: bytes) -> str:
    try:
        data.decode("cp932")
    except UnicodeDecodeError:
        return ""
    return " (it looks like Shift_JIS / cp932)"
