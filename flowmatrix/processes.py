"""Child processes that cannot outlive or outshout the run: forked workers die with their
parent, leave Ctrl-C and SIGTERM to it (it kills them and cleans up), and a child that dies by
a signal is an answer, not a lost batch. Linux only (fork, prctl); elsewhere the work runs in
this process."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
from collections.abc import Callable

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
FORKS = sys.platform == "linux"  # fork is safe and PR_SET_PDEATHSIG exists
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@contextlib.contextmanager
def signals_held():
    """Hold SIGINT and SIGTERM until the block ends (then they arrive): around a fork, so a
    child starts with them blocked until child_started(), and around a swap of folders, so a
    swap is done or not done."""
    if not FORKS:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def child_started(parent: int) -> None:
    """In a child forked under signals_held(): die with the parent (even by SIGKILL), ignore
    Ctrl-C (the terminal sends it to every process; the parent decides), end on SIGTERM
    without a traceback."""
    import ctypes

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


class ChildDied(Exception):
    """The child ended without an answer: killed by `signum`, or exited with `status`."""

    def __init__(self, signum: int | None, status: int | None):
        super().__init__(signum, status)
        self.signum, self.status = signum, status

    def __str__(self) -> str:
        if self.signum is None:
            return f"exit status {self.status}"
        try:
            return f"signal {self.signum}, {signal.Signals(self.signum).name}"
        except ValueError:
            return f"signal {self.signum}"


def call_in_child(function: Callable, *args):
    """function(*args) in a forked child: its value, or the exception it raised, comes back
    pickled. A child that dies without answering (a native abort, a segfault, the OOM killer)
    raises ChildDied. If this process is interrupted meanwhile, the child is killed."""
    if not FORKS:
        return function(*args)
    parent = os.getpid()
    reading, writing = os.pipe()
    with signals_held():
        pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(reading)
            child_started(parent)
            try:
                answer = (True, function(*args))
            except Exception as exc:  # noqa: BLE001 - handed to the parent
                answer = (False, exc)
            with os.fdopen(writing, "wb") as pipe:
                try:
                    pickle.dump(answer, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
                    pickle.dump((False, RuntimeError(f"{type(exc).__name__}: {exc}")), pipe)
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            status = 70
        finally:
            os._exit(status)
    os.close(writing)
    finished = False
    try:
        with os.fdopen(reading, "rb") as pipe:
            data = pipe.read()
        _, wait_status = os.waitpid(pid, 0)
        finished = True
    finally:
        if not finished:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    if os.WIFSIGNALED(wait_status):
        raise ChildDied(os.WTERMSIG(wait_status), None)
    if not data or os.waitstatus_to_exitcode(wait_status) != 0:
        raise ChildDied(None, os.waitstatus_to_exitcode(wait_status))
    ok, value = pickle.loads(data)
    if ok:
        return value
    raise value
