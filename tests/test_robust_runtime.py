"""The run itself is robust (#14, #15): a batch never reads its own reports, survives a reader
that crashes, stops cleanly on SIGINT/SIGTERM, and turns every file-system error in writing into
one message naming the path (exit 2) with the previous report intact."""

from __future__ import annotations

import errno
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest
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


def test_reports_inside_the_input_folder_are_not_inputs(english_messages, cli, tmp_path):
    inbox = two_file_inbox(tmp_path / "台帳")
    for _ in range(2):  # the second run finds the first run's reports inside 台帳/
        result = cli("analyze", inbox, "--out", inbox / "reports", "--format", "xlsx,csv,json")
        assert result.exit_code == 0, result.output
        assert combined_cases(inbox / "reports") == 32
        assert "2 of 2 inputs reported" in result.output
    # a report folder written elsewhere earlier (json among its formats) is recognised too,
    # and so is a whole batch folder written without summary.json (csv: no chart to draw)
    assert cli("analyze", inbox, "--out", inbox / "other", "--format", "csv").exit_code == 0
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


def test_a_report_folder_passed_over_with_other_files_in_it_is_said(cli, tmp_path):
    """inv/2024/ held a.xlsx and a summary.json copied from a report: the folder was passed
    over as a report, its cases lost without a word. It is still passed over (reading it
    would count an edited copy of a report twice, or fail on a memo), and the run names it
    and what it holds, by folder or by glob; a report folder of its own files only is
    passed over quietly."""
    inbox = two_file_inbox(tmp_path / "inv" / "2024")
    report = tmp_path / "report"
    assert cli("analyze", inbox / "aizu.xlsx", "--out", report, "--format", "json,csv"
               ).exit_code == 0
    (inbox / "summary.json").write_bytes((report / "aizu" / "summary.json").read_bytes())
    (inbox.parent / "b.csv").write_bytes((inbox / "kumagaya.csv").read_bytes())
    checked = cli("validate", tmp_path / "inv", "--lang", "en")
    assert checked.exit_code == 0 and checked.output.count("✓") == 1, checked.output
    said = " ".join(checked.stderr.split())
    assert ("2024: passed over as a report folder flowmatrix wrote, so aizu.xlsx, kumagaya.csv "
            "in it were not read" in said)
    japanese = " ".join(cli("validate", str(tmp_path / "inv" / "**" / "*.*")).stderr.split())
    assert "2024: flowmatrix が書いたレポートのフォルダーとして読み飛ばしたため、中の aizu.xlsx、" \
        "kumagaya.csv も" in japanese
    compared = cli("compare", tmp_path / "inv", tmp_path / "inv", "--out", tmp_path / "cmp",
                   "--lang", "en")
    assert "2024: passed over as a report folder" in compared.stderr
    # an inventory copied into the --out folder, which the next run passes over: said
    (inbox.parent / "reports").mkdir()
    (inbox.parent / "reports" / "c.csv").write_bytes((inbox / "kumagaya.csv").read_bytes())
    again = cli("analyze", inbox.parent, "--out", inbox.parent / "reports", "--format", "json",
                "--lang", "en")
    assert "reports: passed over as a report folder flowmatrix wrote, so c.csv in it was not " \
        "read" in " ".join(again.stderr.split())
    named = cli("validate", report / "aizu")  # a report folder named: not its own files
    assert named.exit_code == 2 and "cases.csv" not in named.output
    quiet = cli("validate", tmp_path / "report")
    assert quiet.exit_code == 2 and "passed over" not in quiet.stderr \
        and "読み飛ばした" not in quiet.stderr


# 2. A report folder that is a link (to a share) stays a link


def test_a_linked_report_folder_is_filled_not_replaced(english_messages, cli, tmp_path):
    share = tmp_path / "share"
    (share / "cases").mkdir(parents=True)
    (share / "cases" / "old-note.txt").write_text("from an earlier run")
    (share / "keep.txt").write_text("not ours")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "cases").symlink_to(share / "cases", target_is_directory=True)
    for _ in range(2):  # json,csv: two files and no chart to draw
        result = cli("analyze", ROOT / "data" / "cases.csv", "--out", out, "--format", "json,csv")
        assert result.exit_code == 0, result.output
        assert (out / "cases").is_symlink()
        assert (out / "cases").readlink() == share / "cases"
        assert sorted(p.name for p in (share / "cases").iterdir()) == ["cases.csv",
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


def test_a_reader_that_aborts_fails_its_file_only(english_messages, tmp_path):
    inbox = two_file_inbox(tmp_path / "inbox")
    (inbox / "crash.xlsx").write_bytes((inbox / "aizu.xlsx").read_bytes())
    out = tmp_path / "reports"
    run = run_cli("analyze", inbox, "--out", out, "--format", "json")
    assert run.returncode == 1, run.stderr
    assert f"{inbox / 'crash.xlsx'}: the reader crashed on this file (signal 6, SIGABRT)" \
        in run.stderr
    assert "Traceback" not in run.stderr and "2 of 3 inputs reported" in run.stdout
    assert sorted(p.name for p in out.iterdir()) == ["_combined", "aizu", "index.html",
                                                     "kumagaya"]
    assert combined_cases(out) == 32
    assert "the reader crashed on this file" in (out / "index.html").read_text("utf-8")


# 4. SIGINT and SIGTERM while writing: prompt stop, no worker left, no partial folder, the
# previous report intact, one short message, exit 128 + the signal


@pytest.fixture(scope="module")
def big_inventory(tmp_path_factory):
    """500 realistic cases (benchmarks/generate.py): a report that takes seconds to write."""
    folder = tmp_path_factory.mktemp("big")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--cases", "500",
                    "--out", str(folder)], check=True, capture_output=True)
    return folder / "cases_500.xlsx"


def process_group(pgid: int) -> set[int]:
    """The processes alive in a process group (from /proc; zombies count as gone)."""
    members = set()
    for entry in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115
        except (OSError, ValueError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.add(int(entry))
    return members


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_signal_while_writing_stops_cleanly(english_messages, big_inventory, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {}
    # SIGKILL cannot be handled: there only the workers' end is tested
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):  # side by side
        out = tmp_path / signum.name
        (out / "cases_500").mkdir(parents=True)
        (out / "cases_500" / "report.md").write_text("the previous report")
        # stderr to a file: a pipe would stay open as long as any worker lives
        with open(tmp_path / f"{signum.name}.err", "w") as stderr:
            process = subprocess.Popen([sys.executable, "-m", "flowmatrix", "analyze",
                                        big_inventory, "--out", out], env=env,
                                       start_new_session=True, stdout=subprocess.DEVNULL,
                                       stderr=stderr)
        runs[signum] = out, process
    deadline = time.monotonic() + 120
    pending = dict(runs)
    while pending and time.monotonic() < deadline:
        for signum, (out, process) in list(pending.items()):
            # the workers are drawing once a chart is in the partial folder: signal then
            if list(out.glob(".cases_500.partial-*/charts/*")):
                workers = process_group(process.pid) - {process.pid}
                assert len(workers) >= 2  # the workers exist (so their end is tested)
                if signum == signal.SIGINT:  # Ctrl-C on a terminal: to the whole group
                    os.killpg(process.pid, signum)
                else:  # kill [-9] PID: to the main process only
                    process.send_signal(signum)
                pending.pop(signum)
                runs[signum] = out, process, time.monotonic()
        time.sleep(0.01)
    assert not pending, "the report was written before a worker was seen"
    for signum, (out, process, sent) in runs.items():
        process.wait(timeout=60)
        stderr = (tmp_path / f"{signum.name}.err").read_text()
        assert time.monotonic() - sent < 15  # generous: the write alone takes longer
        if signum != signal.SIGKILL:
            assert process.returncode == 128 + signum, stderr
            assert "interrupted" in stderr and len(stderr.splitlines()) == 1, stderr
            assert "Traceback" not in stderr and "Exception ignored" not in stderr
            assert sorted(p.name for p in out.iterdir()) == ["cases_500"]  # no .partial
        assert [p.name for p in (out / "cases_500").iterdir()] == ["report.md"]
        assert (out / "cases_500" / "report.md").read_text() == "the previous report"
        for _ in range(100):  # zombies are reaped by init: allow it a moment
            if not process_group(process.pid):
                break
            time.sleep(0.05)
        assert not process_group(process.pid), "a worker outlived the run"


# 5./6. File-system errors in writing: one message naming the path and what to do, exit 2,
# the previous report intact, nothing half-written; never "internal error"

SAMPLE = ROOT / "data" / "cases.csv"


@pytest.fixture(scope="module")
def sample_json_md(tmp_path_factory):
    """The sample's report in json and md, written once for the tests that need a previous
    report."""
    from typer.testing import CliRunner

    from flowmatrix.cli import app

    out = tmp_path_factory.mktemp("previous")
    result = CliRunner().invoke(app, ["analyze", str(SAMPLE), "--out", str(out), "--format",
                                      "json,md"])
    assert result.exit_code == 0, result.output
    return out / "cases"


@pytest.fixture
def previous_report(sample_json_md):
    """out/cases/ holding a previous report → its files' bytes."""
    def copy(out):
        shutil.copytree(sample_json_md, out / "cases", symlinks=True)
        return {p.name: p.read_bytes() for p in (out / "cases").iterdir()}
    return copy


def assert_refused(result, out, before, *phrases):
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output
    assert {p.name: p.read_bytes() for p in (out / "cases").iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == ["cases"]  # no .partial, no .previous


def test_a_report_open_in_excel(english_messages, cli, tmp_path, monkeypatch, previous_report):
    # Windows cannot rename a folder while Excel holds a file in it open
    out = tmp_path / "reports"
    before = previous_report(out)
    rename = pathlib.Path.rename

    def locked(self, target):
        if self == out / "cases":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return rename(self, target)

    monkeypatch.setattr(pathlib.Path, "rename", locked)
    result = cli("analyze", SAMPLE, "--out", out, "--format", "json,md")
    assert_refused(result, out, before, str(out / "cases"),
                   "open in another program (Excel?)", "close it and run again")


def test_a_linked_report_open_in_excel_is_put_back(english_messages, cli, tmp_path, monkeypatch,
                                                    previous_report):
    out, share = tmp_path / "reports", tmp_path / "share"
    before = previous_report(share)
    out.mkdir()
    (out / "cases").symlink_to(share / "cases", target_is_directory=True)
    rename = pathlib.Path.rename

    def locked(self, target):  # the new summary.json cannot take the old one's place
        if self.name == "summary.json" and self.parent.name.startswith(".cases.partial-"):
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return rename(self, target)

    monkeypatch.setattr(pathlib.Path, "rename", locked)
    result = cli("analyze", SAMPLE, "--out", out, "--format", "json,md")
    assert_refused(result, out, before, "open in another program (Excel?)")
    assert sorted(p.name for p in (share / "cases").iterdir()) == sorted(before)


def test_matrix_output_open_in_excel(english_messages, cli, tmp_path, monkeypatch):
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"the previous workbook")

    def locked(source, destination):
        raise PermissionError(errno.EACCES, "Permission denied", str(destination))

    monkeypatch.setattr(os, "replace", locked)
    result = cli("matrix", SAMPLE, "-o", target)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert f"{target}: " in result.output and "open in another program (Excel?)" in result.output
    assert target.read_bytes() == b"the previous workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]


@pytest.mark.parametrize(("code", "phrase"), [
    (errno.ENOSPC, "the disk is full"),
    (errno.EROFS, "read-only"),
    (errno.EACCES, "no permission to write"),
])
def test_disk_full_read_only_or_no_permission(english_messages, cli, tmp_path, monkeypatch, code, phrase,
                                              previous_report):
    from flowmatrix.render import serialise

    out = tmp_path / "reports"
    before = previous_report(out)
    written = []

    class Full:  # summary.json's file: the disk fills after 2,000 bytes
        def __init__(self, path, mode):
            self.path, self.file = path, open(path, mode)  # noqa: SIM115

        def write(self, data):
            if sum(written) + len(data) > 2000:
                raise OSError(code, os.strerror(code), str(self.path))
            written.append(len(data))
            return self.file.write(data)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    # summary.json is written a piece at a time (every 3 pieces here): it fails half-way
    monkeypatch.setattr(serialise, "_DRAIN_PIECES", 3)
    monkeypatch.setattr(serialise, "open", Full, raising=False)
    result = cli("analyze", SAMPLE, "--out", out, "--format", "json,md")
    assert_refused(result, out, before, str(out / "cases"), phrase)
    assert written and sum(written) <= 2000  # part of it was written before the disk filled


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_a_read_only_output_folder(cli, tmp_path, previous_report):
    out = tmp_path / "reports"
    before = previous_report(out)
    out.chmod(0o555)
    try:
        result = cli("analyze", SAMPLE, "--out", out, "--format", "json,md")
    finally:
        out.chmod(0o755)
    assert_refused(result, out, before, "no permission to write")


def test_an_output_folder_under_a_file(english_messages, cli, tmp_path):
    (tmp_path / "notes.txt").write_text("a file")
    result = cli("analyze", SAMPLE, "--out", tmp_path / "notes.txt" / "reports")
    assert result.exit_code == 2 and "internal error" not in result.output, result.output
    assert "is a file, not a folder" in result.output
    assert str(tmp_path / "notes.txt") in result.output
    matrix = cli("matrix", SAMPLE, "-o", tmp_path / "notes.txt" / "m.csv")
    assert matrix.exit_code == 2 and "internal error" not in matrix.output, matrix.output


def test_long_names(english_messages, cli, tmp_path):
    # a legal name (240 bytes) whose report folder is 240 bytes: .partial-… made it too long
    long_stem = "長い名前の事例一覧" * 8 + "台帳" * 4
    inventory = tmp_path / f"{long_stem}.csv"
    inventory.write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "reports"
    for _ in range(2):
        result = cli("analyze", inventory, "--out", out, "--format", "json")
        assert result.exit_code == 0, result.output
    (folder,) = out.iterdir()
    assert len(folder.name.encode()) <= 200 and long_stem.startswith(folder.name)
    too_long = tmp_path / ("x" * 300)
    result = cli("analyze", SAMPLE, "--out", too_long, "--format", "json")
    assert result.exit_code == 2 and "internal error" not in result.output, result.output
    assert "too long" in result.output


def test_any_file_system_error_left_is_a_message(english_messages, entry_point, tmp_path):
    # chart -o writes the figure itself: the entry point turns its OSError into a message
    (tmp_path / "notes.txt").write_text("a file")
    code, _, err = entry_point("chart", SAMPLE, "-o", tmp_path / "notes.txt" / "tally.png")
    assert code == 2 and "internal error" not in err, err
    assert f"{tmp_path / 'notes.txt'}: is a file, not a folder" in err


def test_a_full_disk_in_a_worker(english_messages, cli, tmp_path, monkeypatch, previous_report):
    # the workbook is written by a forked worker: its OSError comes back and is mapped too
    out = tmp_path / "reports"
    before = previous_report(out)

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("flowmatrix.render.xlsx.write_report_workbook", full)
    result = cli("analyze", SAMPLE, "--out", out, "--format", "json,md,xlsx,png")
    assert_refused(result, out, before, f"{out / 'cases'}: the disk is full")


def test_without_fork_a_batch_still_survives_a_bad_file(english_messages, cli, tmp_path,
                                                        monkeypatch):
    """Windows and macOS have no safe fork: inputs run in this process. A file that fails to
    read (and a Python error in one input) still fails only that input; the other reports,
    the combined report and the index are written."""
    import flowmatrix.pipeline
    from flowmatrix import processes

    monkeypatch.setattr(processes, "FORKS", False)
    inbox = two_file_inbox(tmp_path / "inbox")
    (inbox / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (inbox / "odd.csv").write_bytes((ROOT / "data" / "cases.csv").read_bytes())
    analyze = flowmatrix.pipeline.analyze

    def analyze_or_fail(source, settings=None):
        if str(source).endswith("odd.csv"):
            raise RuntimeError("a bug met on one input")
        return analyze(source, settings)

    monkeypatch.setattr(flowmatrix.pipeline, "analyze", analyze_or_fail)
    out = tmp_path / "reports"
    result = cli("analyze", inbox, "--out", out, "--format", "json")
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out.iterdir()) == ["_combined", "aizu", "index.html",
                                                     "kumagaya"]
    assert combined_cases(out) == 32 and "broken.xlsx" in result.output
    assert "odd.csv" in result.output and "Traceback" not in result.output
