"""An output file named on the command line (`-o`, `--write-aliases`, `--write-baseline`,
`template`) is treated as the shell's `>` treats it. write_atomic replaced whatever stood at
the name with a new file: a link lost its link, a pipe its reader, /dev/null (as root) became a
file, and a file that was replaced lost its permissions."""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from flowmatrix.errors import FlowmatrixError
from flowmatrix.io.output import write_atomic

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "cases.csv"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_link_is_written_through(tmp_path):
    target = tmp_path / "real.csv"
    target.write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_atomic(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "made.csv")
    write_atomic(dangling, [b"a", b"b"])
    assert dangling.is_symlink() and (tmp_path / "made.csv").read_bytes() == b"ab"


def test_permissions_are_kept_or_those_of_a_new_file(tmp_path):
    kept = tmp_path / "kept.csv"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    write_atomic(kept, b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    new = write_atomic(tmp_path / "new.csv", b"x")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_pipe_is_written_to_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, [b"case,", b"data\n"])
    reader.join(10)
    assert received == [b"case,data\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_folder_or_a_socket_is_refused(tmp_path):
    with pytest.raises(FlowmatrixError, match="is a folder"):
        write_atomic(tmp_path, b"x")
    if not hasattr(socket, "AF_UNIX"):
        return
    name = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(name))
        with pytest.raises(FlowmatrixError, match="device or socket"):
            write_atomic(name, b"x")
        assert stat.S_ISSOCK(name.stat().st_mode)


def test_the_command_line_writes_through_a_link(tmp_path, cli):
    target = tmp_path / "baseline.json"
    target.write_text("{}", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = cli("validate", SAMPLE, "--write-baseline", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_text("utf-8") != "{}"


@pytest.mark.skipif(os.name != "posix", reason="closing fd 1 before exec is POSIX")
def test_a_closed_stdout_is_no_internal_error(tmp_path):
    """`flowmatrix analyze … 1>&-`: Python starts with sys.stdout None; the job still runs."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "flowmatrix", "analyze", str(SAMPLE), "--format",
                           "json", "--out", str(tmp_path / "out")], stderr=subprocess.PIPE,
                          preexec_fn=lambda: os.close(1), timeout=120, cwd=tmp_path)
    error = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, error
    assert "内部エラー" not in error and "Traceback" not in error
    assert (tmp_path / "out" / "cases" / "summary.json").is_file()
