"""How a batch finds its inputs and names its reports, where a red-team pass found a file read
41 times through a folder linked into itself, a glob that never ended, one file named twice
counted twice, an input called index.html.csv taking the index's name, and an unreadable
folder reported as a write error."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from flowmatrix.batch import expand_inputs
from flowmatrix.errors import InputFileError

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "cases.csv"


@pytest.fixture
def looped(tmp_path) -> Path:
    """loop/c.csv, with loop/up a link to the folder above loop."""
    folder = tmp_path / "s" / "loop"
    folder.mkdir(parents=True)
    (folder / "c.csv").write_bytes(SAMPLE.read_bytes())
    (folder / "up").symlink_to("..")
    return folder


def test_a_glob_through_a_folder_linked_into_itself_finds_each_file_once(looped):
    found = expand_inputs([str(looped.parent / "**" / "*.csv")])
    assert found == [looped / "c.csv"]


def test_a_glob_that_would_never_end_is_refused(looped, monkeypatch):
    import flowmatrix.batch as batch

    monkeypatch.setattr(batch, "GLOB_MAX_PATHS", 50)
    (looped / "self").symlink_to(".")  # two links: ** alone would never end
    with pytest.raises(InputFileError, match="more than 50 paths") as refused:
        expand_inputs([str(looped / "**" / "*.csv")])
    assert refused.value.code == "too-large"


def test_one_file_named_twice_is_read_once(tmp_path, cli):
    twice = SAMPLE.parent / ".." / SAMPLE.parent.name / SAMPLE.name
    assert expand_inputs([SAMPLE, twice]) == [SAMPLE]
    result = cli("analyze", SAMPLE, twice, "--out", tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "cases" / "summary.json").read_text("utf-8"))
    assert summary["cases"] == 31 and not (tmp_path / "cases-2").exists()


def test_an_input_named_like_the_index_gets_another_folder(tmp_path, cli):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("a.csv", "index.html.csv"):
        (inbox / name).write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "out"
    result = cli("analyze", inbox, "--out", out, "--format", "json")
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    assert (out / "index.html-2" / "summary.json").is_file()


def test_an_unreadable_folder_is_an_input_error_naming_it(tmp_path, monkeypatch):
    """A folder that may not be read (simulated: tests run as root, where chmod does not bite)
    stops the run with an input error naming it, not a write error, and its files are not
    skipped without a word."""
    import flowmatrix.batch as batch

    (tmp_path / "in").mkdir()

    def walk(top, onerror=None):
        onerror(PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(top / "locked")))
        return iter([])

    monkeypatch.setattr(batch.os, "walk", walk)
    with pytest.raises(InputFileError, match="locked") as refused:
        expand_inputs([tmp_path / "in"])
    assert refused.value.code == "unreadable-file"


def test_a_link_to_nothing_is_said_to_be_one(tmp_path, cli):
    """A broken link was "not found; did you mean <the link itself>?"."""
    link = tmp_path / "cases.csv"
    link.symlink_to(tmp_path / "gone.csv")
    result = cli("validate", link)
    assert result.exit_code == 2
    assert "リンク先のファイルがありません" in result.output and "ではありませんか" not in result.output
