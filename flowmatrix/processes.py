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


def cores() -> int:
    """The processors this process may run on: its share (a container's, taskset's), not
    the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


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


class ChildWorker:
    """Runs `function(*args)` in a forked child, call after call: the child stays (so imports
    and caches stay warm from one call to the next) until it dies, and then the next call
    forks a new one. Each answer, or the exception the function raised, comes back pickled;
    a child that dies without answering (a native abort, a segfault, the memory killer)
    raises ChildDied for that call. Leaving the `with` block ends the child; an interrupt or
    error kills it. Where the system cannot fork the function runs in this process."""

    def __init__(self, function: Callable):
        self.function = function
        self.pid: int | None = None

    def __enter__(self) -> ChildWorker:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self._end(kill=kind is not None)

    def __call__(self, *args):
        if not FORKS:
            return self.function(*args)
        if self.pid is None:
            self._start()
        try:
            _write_frame(self.requests, pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
            answer = _read_frame(self.answers)
        except BrokenPipeError:
            answer = None
        except BaseException:
            self._end(kill=True)
            raise
        if answer is None:
            signum, status = self._end(kill=True)
            raise ChildDied(signum, status)
        ok, value = pickle.loads(answer)
        if ok:
            return value
        raise value

    def _start(self) -> None:
        parent = os.getpid()
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        with signals_held():
            pid = os.fork()
        if pid == 0:  # the child: serves until told to stop, never returns
            status = 0
            try:
                os.close(request_write)
                os.close(answer_read)
                child_started(parent)
                with os.fdopen(request_read, "rb") as requests, \
                        os.fdopen(answer_write, "wb") as answers:
                    while (request := _read_frame(requests)):
                        _write_frame(answers, self._answer(pickle.loads(request)))
            except BaseException:  # noqa: BLE001 - nothing may escape a forked child
                status = 70
            finally:
                os._exit(status)
        os.close(request_read)
        os.close(answer_write)
        self.pid = pid
        self.requests = os.fdopen(request_write, "wb")
        self.answers = os.fdopen(answer_read, "rb")

    def _answer(self, args: tuple) -> bytes:
        """In the child: the pickled (True, value) or (False, exception) of one call."""
        try:
            answer = (True, self.function(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the parent
            answer = (False, exc)
        try:
            return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
            return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))

    def _end(self, *, kill: bool) -> tuple[int | None, int | None]:
        """End the child (asked to stop, or killed) and reap it → (signal, exit status)."""
        if self.pid is None:
            return None, None
        pid, self.pid = self.pid, None
        if kill:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        else:
            with contextlib.suppress(OSError):
                _write_frame(self.requests, b"")  # the child stops on an empty request
        for pipe in (self.requests, self.answers):
            with contextlib.suppress(OSError):
                pipe.close()
        _, wait_status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(wait_status):
            return os.WTERMSIG(wait_status), None
        return None, os.waitstatus_to_exitcode(wait_status)


def _write_frame(pipe, data: bytes) -> None:
    pipe.write(len(data).to_bytes(8, "little"))
    pipe.write(data)
    pipe.flush()


def _read_frame(pipe) -> bytes | None:
    """The next frame; None at the end of the pipe (or a frame cut short by a death)."""
    head = pipe.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "little")
    data = pipe.read(size)
    return data if len(data) == size else None
