"""Shared helpers: build real inventory files (xlsx with openpyxl, CSV as bytes) in tmp_path."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from flowmatrix.cli import app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
JA_HEADER = ["No", "自治体", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
             "④データ連携サービス", "テーマ"]


def write_xlsx(path: Path, sheets: dict[str, list[list]], merged: dict[str, list[str]] | None = None,
               text_cells: dict[str, list[str]] | None = None) -> Path:
    """A workbook with one sheet per entry, rows written from A1 down (None = empty cell).
    text_cells: cells whose "=…" value is text typed by a user, not a formula."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merged or {}).get(name, []):
            sheet.merge_cells(cells)
        for cell in (text_cells or {}).get(name, []):
            sheet[cell].data_type = "s"
    book.save(path)
    return path


@pytest.fixture
def make_xlsx(tmp_path):
    def make(rows=None, *, name="cases.xlsx", sheets=None, merged=None):
        return write_xlsx(tmp_path / name, sheets or {"Sheet1": rows}, merged)
    return make


@pytest.fixture
def cli():
    runner = CliRunner(env={"COLUMNS": "200"})  # rich wraps tables to the terminal width

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args])
    return invoke


@pytest.fixture
def entry_point(monkeypatch, capsys):
    """`flowmatrix ARGS` through the entry point main() in this process, its last line of
    defence included (what CliRunner skips): (exit code, stdout, stderr). An error main()
    lets through (with --debug) is raised. The SIGINT/SIGTERM handlers main() installs are
    put back."""
    from flowmatrix.cli import main

    def run(*args):
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        monkeypatch.setattr(sys, "argv", ["flowmatrix", *map(str, args)])
        try:
            with pytest.raises(SystemExit) as stop:
                main()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
        captured = capsys.readouterr()
        return stop.value.code, captured.out, captured.err
    return run


def _write_sample_report(out: Path) -> SimpleNamespace:
    """The README's quick start, `flowmatrix analyze data/cases.xlsx` from the repository root,
    into `out`: what it printed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = CliRunner(env={"COLUMNS": "200"}).invoke(
            app, ["analyze", "data/cases.xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return SimpleNamespace(stdout=result.stdout)


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    """The bundled sample analysed as the README's quick start does, every format, once per
    test run: (folder, result with .stdout). tests/test_example_report.py compares it with the
    checked-in example report. Under pytest-xdist the first worker to need it writes it into
    the run's shared temporary folder and the others wait for it (it takes seconds)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp("reports")
        return out / "cases", _write_sample_report(out)
    shared = tmp_path_factory.getbasetemp().parent / "sample_report"
    done, failed = shared / "stdout.txt", shared / "failed"
    try:
        shared.mkdir()  # atomic: one worker wins
    except FileExistsError:
        deadline = time.monotonic() + 600
        while not done.exists():
            if failed.exists():
                pytest.fail("writing the sample report failed on another worker")
            assert time.monotonic() < deadline, "the sample report was not written in 600 s"
            time.sleep(0.05)
        return shared / "cases", SimpleNamespace(stdout=done.read_text("utf-8"))
    try:
        result = _write_sample_report(shared)
    except BaseException:
        failed.touch()
        raise
    (shared / "stdout.part").write_text(result.stdout, "utf-8")
    (shared / "stdout.part").rename(done)
    return shared / "cases", result


@pytest.fixture
def english_messages(monkeypatch):
    """Run the CLI in English (FLOWMATRIX_LANG=en), for tests that check its English wording;
    the Japanese wording is checked in test_windows_desk.py."""
    monkeypatch.setenv("FLOWMATRIX_LANG", "en")


# The files that take longest, started first: pytest-xdist hands each file whole to a worker
# (--dist loadfile) in the order collected, and a long file started last kept one worker busy
# while the other stood idle (the suite took 6 s longer than half its total).
LONGEST_FIRST = ("test_analyze.py", "test_robust_runtime.py", "test_municipality.py",
                 "test_robust_rules.py", "test_chart_output.py", "test_charts.py",
                 "test_windows_desk.py", "test_ci_formats.py", "test_hostile.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
