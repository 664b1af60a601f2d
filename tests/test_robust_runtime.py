"""The run itself is robust (#14, #15): a batch never reads its own reports, survives a reader
that crashes, stops cleanly on SIGINT/SIGTERM, and turns every file-system error in writing into
one message naming the path (exit 2) with the previous report intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import JA_HEADER, ROOT, write_xlsx


def two_file_inbox(folder):
    """A real folder of two inventories: 31 cases (the sample CSV) and 1 case (xlsx)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kumagaya.csv").write_bytes((ROOT / "data" / "cases.csv").read_bytes())
    write_xlsx(folder / "aizu.xlsx", {"Sheet1": [JA_HEADER, [1, "会津若松市", "地域ウォレット",
                                                            "アンケートデータ", "クーポン配信",
                                                            "配信クーポンのカスタマイズ"]]})
    return folder


def combined_cases(out):
    return json.loads((out / "_combined" / "summary.json").read_text("utf-8"))["cases"]


# 1. Output folders inside the input folder are never read as inputs


def test_reports_inside_the_input_folder_are_not_inputs(cli, tmp_path):
    inbox = two_file_inbox(tmp_path / "台帳")
    for _ in range(2):  # the second run finds the first run's reports inside 台帳/
        result = cli("analyze", inbox, "--out", inbox / "reports")
        assert result.exit_code == 0, result.output
        assert combined_cases(inbox / "reports") == 32
        assert "2 of 2 inputs reported" in result.output
    # a report folder written elsewhere earlier (json among its formats) is recognised too,
    # and so is a whole batch folder written without summary.json
    assert cli("analyze", inbox, "--out", inbox / "other", "--format", "md").exit_code == 0
    result = cli("analyze", inbox, "--out", tmp_path / "elsewhere", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "2 of 2 inputs reported" in result.output
    assert combined_cases(tmp_path / "elsewhere") == 32
    # a glob skips them as well, and so does validate
    pattern = cli("analyze", str(inbox / "**" / "*.csv"), "--out", inbox / "reports",
                  "--format", "json")
    assert pattern.exit_code == 0 and "kumagaya: 31 cases" in pattern.output  # one input
    checked = cli("validate", inbox)
    assert checked.exit_code == 0 and checked.output.count("✓") == 2, checked.output
    # a file named directly is read even inside a report folder
    named = cli("analyze", inbox / "reports" / "aizu" / "cases.csv", "--out",
                tmp_path / "named", "--format", "json")
    assert named.exit_code == 0, named.output


# 2. A report folder that is a link (to a share) stays a link


def test_a_linked_report_folder_is_filled_not_replaced(cli, tmp_path):
    share = tmp_path / "share"
    (share / "cases").mkdir(parents=True)
    (share / "cases" / "old-note.txt").write_text("from an earlier run")
    (share / "keep.txt").write_text("not ours")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "cases").symlink_to(share / "cases", target_is_directory=True)
    for _ in range(3):
        result = cli("analyze", ROOT / "data" / "cases.csv", "--out", out, "--format", "json,md")
        assert result.exit_code == 0, result.output
        assert (out / "cases").is_symlink()
        assert (out / "cases").readlink() == share / "cases"
        assert sorted(p.name for p in (share / "cases").iterdir()) == ["report.md",
                                                                       "summary.json"]
        assert sorted(p.name for p in out.iterdir()) == ["cases"]  # nothing hidden left
        assert sorted(p.name for p in share.iterdir()) == ["cases", "keep.txt"]
    assert json.loads((share / "cases" / "summary.json").read_text("utf-8"))["cases"] == 31
    (share / "cases").rename(share / "moved")  # now the link points nowhere: refused, kept
    result = cli("analyze", ROOT / "data" / "cases.csv", "--out", out, "--format", "json")
    assert result.exit_code == 2
    assert "a link to a folder that does not exist" in result.output
    assert (out / "cases").is_symlink() and sorted(p.name for p in out.iterdir()) == ["cases"]


# 3. A batch survives any one file, even one whose reader aborts the process

# The CLI in a fresh process whose reader aborts (as the native spreadsheet reader did on a
# cell at XFD1048576: exit 134) on files named crash*; no core file is written.
ABORTING_READER = """
import os, resource, sys
import flowmatrix.pipeline as pipeline
real = pipeline.read_inventory
def read_inventory(path, settings):
    if os.path.basename(str(path)).startswith("crash"):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.abort()
    return real(path, settings)
pipeline.read_inventory = read_inventory
sys.argv = ["flowmatrix", *sys.argv[1:]]
from flowmatrix.cli import main
main()
"""


def run_cli(*args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-c", ABORTING_READER, *map(str, args)], env=env,
                          capture_output=True, text=True, **kwargs)


def test_a_reader_that_aborts_fails_its_file_only(tmp_path):
    inbox = two_file_inbox(tmp_path / "inbox")
    (inbox / "crash.xlsx").write_bytes((inbox / "aizu.xlsx").read_bytes())
    out = tmp_path / "reports"
    run = run_cli("analyze", inbox, "--out", out, "--format", "json,html")
    assert run.returncode == 1, run.stderr
    assert f"{inbox / 'crash.xlsx'}: the reader crashed on this file (signal 6, SIGABRT)" \
        in run.stderr
    assert "Traceback" not in run.stderr and "2 of 3 inputs reported" in run.stdout
    assert sorted(p.name for p in out.iterdir()) == ["_combined", "aizu", "index.html",
                                                     "kumagaya"]
    assert combined_cases(out) == 32
    assert "the reader crashed on this file" in (out / "index.html").read_text("utf-8")
