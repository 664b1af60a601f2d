"""The everyday situations of a Japanese Windows desk (issue 15): a cp932 console or output
redirected to a file, Japanese throughout in --lang ja, a workbook that prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "cases.xlsx"


def run_cp932(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """The command with stdout and stderr redirected to files, as `> 結果.txt` does on a
    Japanese Windows console: Python then writes them in cp932."""
    env = {**os.environ, "PYTHONIOENCODING": "cp932"}
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as o, err.open("wb") as e:
        code = subprocess.run([sys.executable, "-m", "flowmatrix", *args], stdout=o, stderr=e,
                              env=env, cwd=tmp_path, timeout=120).returncode
    return code, out.read_bytes().decode("cp932"), err.read_bytes().decode("cp932")


@pytest.mark.parametrize(("command", "shown"), [
    (["validate"], "31 "), (["analyze", "--format", "json"], "観光／地域経済活性化"),
    (["tally"], "防災／防犯"), (["flows"], "モビリティ")])
def test_a_cp932_console_gets_the_output_and_the_jobs_exit_code(tmp_path, command, shown):
    code, out, err = run_cp932(tmp_path, command[0], str(SAMPLE), *command[1:])
    assert code == 0, err
    assert "Traceback" not in err and "internal error" not in err
    text = out + err
    assert shown in text
    if command[0] == "validate":
        assert text.startswith("OK ")  # ✓ has no cp932 code: the plain form stands in
