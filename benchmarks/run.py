"""Time flowmatrix against plain-read and naive-pandas baselines, in fresh processes.

    python benchmarks/run.py [--sizes 1000 10000 100000] [--repeat 3] [--data /tmp/fmbench]
    python benchmarks/run.py --profile-only      # cProfile the slow commands on the largest size

Run it with the Python of the environment flowmatrix is installed in (the `flowmatrix` script
next to it is what gets timed). Missing inputs are generated first with generate.py. Every
command runs in its own process, --repeat times; the table shows the median wall time, the
median CPU time, the highest peak RSS of one process (GNU /usr/bin/time's %M, or
getrusage(RUSAGE_CHILDREN) in a wrapper process when /usr/bin/time is missing) and the highest
sampled PSS of the whole process tree (flowmatrix forks workers for the workbook and charts).
Each flowmatrix figure is also shown as a ratio
to the fastest plain read of the same file (xlsx: fastexcel→Arrow, the floor, or
pandas+calamine or fastexcel→pandas if faster; csv: pyarrow's CSV reader or pandas.read_csv)
and to the naive pandas/openpyxl script on the same size. For sizes from 10,000 a workbook of
mostly repeated texts (the 1,000-case rows over and over) is timed beside the generated one,
whose titles and services are mostly distinct; --csv-sizes 1000000 times a CSV-only size. Then
the targets of issue 17 are checked (PASS/FAIL), each a ratio of two figures measured in the
same run. Results also go to <data>/results.json and <data>/results.md. Exit code 0 if
everything ran, 1 if a command failed to run.

Exit codes 0 and 1 both count as success for validate/classify/analyze: the generated
inventories hold deliberate blemishes, so exit 1 is expected.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
GNU_TIME = "/usr/bin/time"
MiB = 1024  # %M and ru_maxrss are in KiB

# Targets of issue 17 (issue 7's were 0.3 s, 2.5× a pandas read, 1 GB, 0.5× naive, 3 s)
HELP_MAX_S = 0.15
JSON_MAX_READ_RATIO = 1.5  # × fastexcel → Arrow, the file with mostly repeated texts
JSON_MAX_READ_RATIO_DISTINCT = 2.5  # the same, the file generate.py writes (mostly distinct)
JSON_MAX_RSS_MB = 400
CSV_MAX_READ_RATIO = 3.0  # 1,000,000 cases, × pyarrow's CSV read
CSV_MAX_RSS_MB = 1500
FULL_MAX_NAIVE_RATIO = 0.3
FULL_1K_MAX_NAIVE_RATIO = 1.0

# --------------------------------------------------------------------------------------------
# Baseline scripts: each runs in its own process, like a flowmatrix command.
# --------------------------------------------------------------------------------------------
READ_CALAMINE = """\
import sys
import pandas as pd
df = pd.read_excel(sys.argv[1], engine="calamine", header=1)
print(df.shape)
"""
READ_FASTEXCEL = """\
import sys
import fastexcel
df = fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=1).to_pandas()
print(df.shape)
"""
PARSE_FASTEXCEL = """\
import sys
import fastexcel
sheet = fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=1)
print(sheet.height, sheet.width)
"""
# The floors: the fastest reads there are, into Arrow memory (no pandas).
READ_ARROW_XLSX = """\
import sys
import fastexcel
table = fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=1).to_arrow()
print(table.num_rows)
"""
READ_ARROW_CSV = """\
import sys
from pyarrow import csv
options = csv.ReadOptions(encoding="cp932", skip_rows=1)  # the title row above the header
print(csv.read_csv(sys.argv[1], read_options=options).num_rows)
"""
# An inventory of mostly repeated texts: the 1,000-case workbook's rows over and over (the
# generated files hold mostly distinct titles and services).
REPEATED = """\
import sys
import openpyxl
rows = list(openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0].iter_rows(
    values_only=True))
book = openpyxl.Workbook(write_only=True)
sheet = book.create_sheet("事例一覧")
sheet.append(rows[0])
sheet.append(rows[1])
cases = rows[2:]
for i in range(int(sys.argv[3])):
    sheet.append([i + 1, *cases[i % len(cases)][1:]])
book.save(sys.argv[2])
"""
READ_CSV = """\
import sys
import pandas as pd
df = pd.read_csv(sys.argv[1], encoding="cp932", header=1)
print(df.shape)
"""
# What a user might write: read with openpyxl (named explicitly: pandas 3 warns that its default
# xlsx reader will change to calamine), write back with openpyxl.
NAIVE = """\
import sys
import pandas as pd
df = pd.read_excel(sys.argv[1], header=1, engine="openpyxl")
df.to_excel(sys.argv[2])
print(df.shape)
"""
# cProfile sees only the process it runs in; flowmatrix forks worker processes for the workbook
# and the charts when it has more than one CPU. Reporting one CPU makes it do everything in
# the profiled process (the code is not changed), so the profile shows where the work goes.
SERIAL_PROFILE = """\
import cProfile, multiprocessing, os, runpy, sys
os.cpu_count = lambda: 1
multiprocessing.cpu_count = lambda: 1
out = sys.argv[1]
sys.argv = ["flowmatrix", *sys.argv[2:]]
cProfile.run('runpy.run_module("flowmatrix", run_name="__main__", alter_sys=True)', out)
"""
IMPORT_CHECK = """\
import contextlib, io, json, sys
sys.argv = ["flowmatrix", *json.loads(sys.argv[1])]
from flowmatrix.cli import main
code = 0
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main()
    except SystemExit as exc:
        code = exc.code
heavy = [m for m in ("pandas", "numpy", "matplotlib", "openpyxl", "python_calamine", "PIL")
         if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy, "modules": len(sys.modules)}))
"""
RUSAGE_WRAPPER = """\
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    out.write(f"{u.ru_maxrss} {u.ru_utime} {u.ru_stime}")
sys.exit(rc)
"""


@dataclass
class Job:
    key: str  # unique, stable id
    label: str  # what the table shows
    kind: str  # "flowmatrix", "read", "naive", "info"
    argv: list[str]
    size: int | None = None
    fmt: str = "-"
    ok_codes: tuple[int, ...] = (0,)
    out_dir: Path | None = None  # removed before each run
    once_if_slower_than: float | None = None


@dataclass
class Result:
    job: Job
    walls: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    pss_kb: list[int] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    error: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.walls)

    @property
    def median(self) -> float | None:
        return statistics.median(self.walls) if self.ok else None

    @property
    def rss_mb(self) -> float | None:
        return max(self.rss_kb) / MiB if self.ok and self.rss_kb else None

    @property
    def pss_mb(self) -> float | None:
        return max(self.pss_kb) / MiB if self.ok and self.pss_kb else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(self.cpus) if self.ok and self.cpus else None


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    rss_kb: int | None  # peak RSS of the largest single process (GNU time %M / ru_maxrss)
    cpu: float | None  # user + system seconds of the process and its children
    tree_pss_kb: int | None  # highest sampled sum of PSS over the process tree
    code: int
    stderr: str


def run_once(job: Job, timeout: float) -> Run:
    """One run in a fresh process: wall time, peak RSS, CPU time, process-tree PSS."""
    if job.out_dir is not None:
        shutil.rmtree(job.out_dir, ignore_errors=True)
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as handle:
        rss_file = handle.name
    try:
        if os.access(GNU_TIME, os.X_OK):
            cmd = [GNU_TIME, "-f", "%M %U %S", "-o", rss_file, *job.argv]
        else:
            cmd = [sys.executable, "-c", RUSAGE_WRAPPER, rss_file, *job.argv]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        finally:
            sampler.stop()
        wall = time.perf_counter() - started
        rss = cpu = None
        fields = Path(rss_file).read_text().splitlines()[-1:] or [""]
        numbers = fields[0].split()
        if numbers and numbers[0].isdigit():
            rss = int(numbers[0])
        if len(numbers) >= 3:
            cpu = float(numbers[1]) + float(numbers[2])
        stderr = err.decode("utf-8", "replace").strip().splitlines()
        return Run(wall, rss, cpu, sampler.peak or None, proc.returncode,
                   " | ".join(stderr[-3:]))
    finally:
        os.unlink(rss_file)


class TreeSampler:
    """Samples the summed PSS (proportional set size: shared pages split between the processes
    sharing them, so forked workers are not counted twice) of a process and all its
    descendants every 0.2 s, in a thread. Short spikes between samples are missed."""

    def __init__(self, root: int, interval: float = 0.2):
        import threading
        self.root, self.interval, self.peak = root, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._sample())

    def _sample(self) -> int:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
        total, stack = 0, [self.root]
        while stack:
            pid = stack.pop()
            stack += children.get(pid, [])
            try:
                with open(f"/proc/{pid}/smaps_rollup") as handle:
                    for line in handle:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                pass
        return total


def measure(job: Job, repeat: int, timeout: float, log) -> Result:
    result = Result(job)
    for i in range(repeat):
        try:
            run = run_once(job, timeout)
        except subprocess.TimeoutExpired:
            result.error = f"timed out after {timeout:.0f} s"
            break
        if run.code not in job.ok_codes:
            result.error = f"exit code {run.code}: {run.stderr[-400:]}"
            break
        result.walls.append(run.wall)
        result.codes.append(run.code)
        if run.rss_kb is not None:
            result.rss_kb.append(run.rss_kb)
        if run.cpu is not None:
            result.cpus.append(run.cpu)
        if run.tree_pss_kb is not None:
            result.pss_kb.append(run.tree_pss_kb)
        if (i == 0 and repeat > 1 and job.once_if_slower_than is not None
                and run.wall > job.once_if_slower_than):
            result.note = (f"run once: first run took {run.wall:.0f} s > "
                           f"{job.once_if_slower_than:.0f} s")
            break
    if job.out_dir is not None:
        shutil.rmtree(job.out_dir, ignore_errors=True)
    if result.ok:
        runs = ", ".join(f"{w:.2f}" for w in result.walls)
        rss = f"{result.rss_mb:.0f} MB" if result.rss_mb is not None else "?"
        pss = f"{result.pss_mb:.0f} MB" if result.pss_mb is not None else "-"
        cpu = f"{result.cpu:.1f} s" if result.cpu is not None else "?"
        log(f"  {job.label:<38} {job.fmt:<4} {_size(job.size):>8}  median {result.median:7.2f} s"
            f"  cpu {cpu:>7}  peak {rss:>7}  tree PSS {pss:>7}  exit {sorted(set(result.codes))}"
            f"  runs [{runs}]" + (f"  ({result.note})" if result.note else ""))
    else:
        log(f"  {job.label:<38} {job.fmt:<4} {_size(job.size):>8}  FAILED: {result.error}")
    return result


def _size(size: int | None) -> str:
    return f"{size:,}" if size else "-"


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------
def find_flowmatrix(python: str) -> str:
    beside = Path(python).parent / "flowmatrix"
    if beside.exists():
        return str(beside)
    found = shutil.which("flowmatrix")
    if not found:
        sys.exit("flowmatrix is not installed next to this Python nor on PATH; run this script "
                 "with the Python of the environment flowmatrix is installed in (--python).")
    return found


def machine(python: str) -> dict:
    info: dict = {"date": datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor() or "?"
    except OSError:
        info["cpu"] = platform.processor() or "?"
    info["cores"] = os.cpu_count()
    try:
        info["affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    info["os"] = f"{platform.system()} {platform.release()}"
    probe = (
        "import json, platform, sys\n"
        "from importlib.metadata import version, PackageNotFoundError\n"
        "out = {'python': platform.python_version()}\n"
        "for name in ('flowmatrix', 'pandas', 'numpy', 'openpyxl', 'python-calamine',\n"
        "             'matplotlib', 'fastexcel', 'pyarrow', 'typer', 'rich'):\n"
        "    try:\n"
        "        out[name] = version(name)\n"
        "    except PackageNotFoundError:\n"
        "        out[name] = None\n"
        "print(json.dumps(out))\n")
    proc = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    info.update(json.loads(proc.stdout) if proc.returncode == 0 else {"python": "?"})
    info["time_tool"] = GNU_TIME if os.access(GNU_TIME, os.X_OK) else "getrusage wrapper"
    return info


def source_stamp(python: str) -> tuple[str, str]:
    """The flowmatrix package folder and the time its newest .py/.toml file was modified, so a
    run can tell whether the code changed while it was being measured."""
    probe = ("import importlib.util, pathlib\n"
             "spec = importlib.util.find_spec('flowmatrix')\n"
             "print(pathlib.Path(spec.origin).parent)\n")
    proc = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    folder = Path(proc.stdout.strip())
    files = [p for p in folder.rglob("*") if p.suffix in (".py", ".toml")]
    if not files:
        return str(folder), "?"
    newest = max(files, key=lambda p: p.stat().st_mtime)
    stamp = datetime.fromtimestamp(newest.stat().st_mtime).astimezone()
    return str(folder), f"{stamp.isoformat(timespec='seconds')} ({newest.relative_to(folder)})"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def import_check(python: str, args: list[str]) -> dict:
    proc = subprocess.run([python, "-c", IMPORT_CHECK, json.dumps(args)], capture_output=True,
                          text=True, timeout=120)
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}


def import_time_top(python: str, n: int = 6) -> list[tuple[str, float]]:
    """The slowest top-level imports of `flowmatrix --help` (python -X importtime)."""
    code = ("import sys\nsys.argv = ['flowmatrix', '--help']\nfrom flowmatrix.cli import main\n"
            "import contextlib, io\nwith contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main()\n    except SystemExit:\n        pass\n")
    proc = subprocess.run([python, "-X", "importtime", "-c", code], capture_output=True,
                          text=True, timeout=120)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3:
            continue
        try:
            cumulative = int(parts[1])
        except ValueError:  # the header line
            continue
        name = parts[2]
        if len(name) - len(name.lstrip(" ")) <= 1:  # top level: not imported by another import
            rows.append((name.strip(), cumulative / 1e6))
    rows.sort(key=lambda r: -r[1])
    return rows[:n]


# --------------------------------------------------------------------------------------------
# The jobs
# --------------------------------------------------------------------------------------------
def build_jobs(py: str, fm: str, data: Path, sizes: list[int], work: Path,
               fastexcel_ok: bool, once_after: float) -> list[Job]:
    jobs = [
        Job("help", "flowmatrix --help", "flowmatrix", [fm, "--help"]),
        Job("version", "flowmatrix --version", "flowmatrix", [fm, "--version"]),
    ]
    ok01 = (0, 1)
    for n in sizes:
        xlsx, csv = str(data / f"cases_{n}.xlsx"), str(data / f"cases_{n}.csv")
        out = work / f"out_{n}"
        jobs += [
            Job(f"read_arrow:{n}", "read: fastexcel→Arrow (floor)", "read",
                [py, "-c", READ_ARROW_XLSX, xlsx], n, "xlsx"),
            Job(f"read_calamine:{n}", "read: pandas+calamine", "read",
                [py, "-c", READ_CALAMINE, xlsx], n, "xlsx"),
        ]
        if fastexcel_ok:
            jobs.append(Job(f"read_fastexcel:{n}", "read: fastexcel→pandas", "read",
                            [py, "-c", READ_FASTEXCEL, xlsx], n, "xlsx"))
        jobs += [
            Job(f"parse_fastexcel:{n}", "info: fastexcel parse (no DataFrame)", "info",
                [py, "-c", PARSE_FASTEXCEL, xlsx], n, "xlsx"),
            Job(f"read_arrow:{n}:csv", "read: pyarrow.csv cp932 (floor)", "read",
                [py, "-c", READ_ARROW_CSV, csv], n, "csv"),
            Job(f"read_csv:{n}", "read: pandas.read_csv cp932", "read",
                [py, "-c", READ_CSV, csv], n, "csv"),
            Job(f"naive:{n}", "naive: pandas/openpyxl read+write", "naive",
                [py, "-c", NAIVE, xlsx, str(work / f"naive_{n}.xlsx")], n, "xlsx",
                once_if_slower_than=once_after),
            Job(f"validate:{n}:xlsx", "validate --format json", "flowmatrix",
                [fm, "validate", xlsx, "--format", "json"], n, "xlsx", ok01),
            Job(f"validate:{n}:csv", "validate --format json", "flowmatrix",
                [fm, "validate", csv, "--format", "json"], n, "csv", ok01),
            Job(f"classify:{n}:xlsx", "classify --format json", "flowmatrix",
                [fm, "classify", xlsx, "--format", "json"], n, "xlsx", ok01),
            Job(f"analyze_json:{n}:xlsx", "analyze --format json", "flowmatrix",
                [fm, "analyze", xlsx, "--format", "json", "--out", str(out), "--quiet"],
                n, "xlsx", ok01, out, once_after),
            Job(f"analyze_json:{n}:csv", "analyze --format json", "flowmatrix",
                [fm, "analyze", csv, "--format", "json", "--out", str(out), "--quiet"],
                n, "csv", ok01, out, once_after),
        ]
        repeated = data / f"repeated_{n}.xlsx"
        if repeated.exists():
            jobs += [
                Job(f"read_arrow:{n}:repeated", "read: fastexcel→Arrow (floor)", "read",
                    [py, "-c", READ_ARROW_XLSX, str(repeated)], n, "repeated"),
                Job(f"analyze_json:{n}:repeated", "analyze --format json", "flowmatrix",
                    [fm, "analyze", str(repeated), "--format", "json", "--out", str(out),
                     "--quiet"], n, "repeated", ok01, out, once_after),
            ]
        jobs += [
            Job(f"analyze_charts:{n}:xlsx", "info: analyze --format png,svg", "info",
                [fm, "analyze", xlsx, "--format", "png,svg", "--out", str(out), "--quiet"],
                n, "xlsx", ok01, out, once_after),
            Job(f"analyze_full:{n}:xlsx", "analyze (full report)", "flowmatrix",
                [fm, "analyze", xlsx, "--out", str(out), "--quiet"], n, "xlsx", ok01, out,
                once_after),
        ]
    return jobs


def probe_fastexcel(py: str, path: Path) -> str | None:
    """None if fastexcel can read the file into a pandas DataFrame, else why not."""
    proc = subprocess.run([py, "-c", READ_FASTEXCEL, str(path)], capture_output=True, text=True,
                          timeout=300)
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    tail = [line.strip() for line in lines if "Error" in line or "error" in line][:2]
    return " / ".join(tail or lines[-1:]) or f"exit code {proc.returncode}"


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def fastest_read(results: dict[str, Result], n: int, fmt: str) -> Result | None:
    keys = {"xlsx": [f"read_arrow:{n}", f"read_calamine:{n}", f"read_fastexcel:{n}"],
            "csv": [f"read_arrow:{n}:csv", f"read_csv:{n}"],
            "repeated": [f"read_arrow:{n}:repeated"]}[fmt]
    done = [results[k] for k in keys if k in results and results[k].ok]
    return min(done, key=lambda r: r.median) if done else None


def ratios(results: dict[str, Result], r: Result) -> tuple[float | None, float | None]:
    job = r.job
    if not (job.kind == "flowmatrix" or job.key.startswith("analyze_charts")) or not job.size \
            or not r.ok:
        return None, None
    read = fastest_read(results, job.size, job.fmt)
    naive = results.get(f"naive:{job.size}")
    return (r.median / read.median if read else None,
            r.median / naive.median if naive and naive.ok else None)


def table(results: dict[str, Result]) -> list[list[str]]:
    rows = [["command", "input", "cases", "median s", "runs", "CPU s", "peak RSS MB",
             "tree PSS MB", "× fastest read", "× naive pandas"]]
    for r in results.values():
        job = r.job
        if not r.ok:
            rows.append([job.label, job.fmt, _size(job.size), "FAILED", "-", "-", "-", "-", "-",
                         "-"])
            continue
        to_read, to_naive = ratios(results, r)
        rows.append([
            job.label, job.fmt, _size(job.size), f"{r.median:.2f}",
            str(len(r.walls)) + ("*" if r.note else ""),
            f"{r.cpu:.1f}" if r.cpu is not None else "?",
            f"{r.rss_mb:.0f}" if r.rss_mb is not None else "?",
            f"{r.pss_mb:.0f}" if r.pss_mb is not None else "-",
            f"{to_read:.1f}×" if to_read is not None else "",
            f"{to_naive:.2f}×" if to_naive is not None else "",
        ])
    return rows


def format_text(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = set(range(2, len(rows[0])))
    lines = []
    for k, row in enumerate(rows):
        cells = [(" " * (w - _width(c)) + c) if i in right else (c + " " * (w - _width(c)))
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_markdown(rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(rows[0]) + " |",
           "|" + "|".join("---:" if i >= 2 else "---" for i in range(len(rows[0]))) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows[1:]]
    return "\n".join(out)


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def targets(results: dict[str, Result], imports: dict) -> list[tuple[str, str, str]]:
    """The targets of issue 17, each a ratio to the floor measured in the same run."""
    out = []

    def get(key: str) -> Result | None:
        r = results.get(key)
        return r if r is not None and r.ok else None

    def memory(r: Result) -> float:
        return max(m for m in (r.rss_mb, r.pss_mb, 0.0) if m is not None)

    def against_floor(name: str, js: Result, floor: Result, limit: float, mb: int,
                      note: str = "") -> None:
        """The two lines of a json run's target: its time over the floor's, its memory."""
        ratio = js.median / floor.median
        out.append((name, _verdict(ratio <= limit, False),
                    f"{js.median:.2f} s vs {floor.median:.2f} s = {ratio:.2f}×{note}"))
        out.append((f"  … peak memory ≤ {mb} MB", _verdict(0 < memory(js) <= mb, memory(js) == 0),
                    f"{memory(js):.0f} MB (the larger of peak RSS of one process and peak PSS "
                    "of the process tree)"))

    help_r = get("help")
    out.append((f"flowmatrix --help ≤ {HELP_MAX_S} s wall",
                _verdict(help_r is not None and help_r.median <= HELP_MAX_S, help_r is None),
                f"{help_r.median:.3f} s" if help_r else "not measured"))
    help_imports = imports.get("--help", {})
    heavy = [m for m in help_imports.get("heavy", ["?"]) if m in ("pandas", "matplotlib")]
    out.append(("flowmatrix --help imports neither pandas nor matplotlib",
                _verdict(not heavy and "error" not in help_imports, False),
                "imports " + (", ".join(help_imports.get("heavy", [])) or "none of pandas, numpy, "
                              "matplotlib, openpyxl, python_calamine")
                if "error" not in help_imports else help_imports["error"]))
    big = 100_000
    for fmt, limit, what in (("repeated", JSON_MAX_READ_RATIO, "mostly repeated texts"),
                             ("xlsx", JSON_MAX_READ_RATIO_DISTINCT, "mostly distinct texts")):
        name = f"analyze --format json, {big:,} xlsx of {what} ≤ {limit}× fastexcel→Arrow"
        js, floor = get(f"analyze_json:{big}:{fmt}"), get(f"read_arrow:{big}" + (
            ":repeated" if fmt == "repeated" else ""))
        if js and floor:
            against_floor(name, js, floor, limit, JSON_MAX_RSS_MB)
        else:
            out.append((name, "SKIP", "not measured"))
    million = 1_000_000
    js, floor = get(f"analyze_json:{million}:csv"), get(f"read_arrow:{million}:csv")
    name = f"analyze --format json, {million:,} csv ≤ {CSV_MAX_READ_RATIO}× pyarrow's CSV read"
    if js and floor:
        against_floor(name, js, floor, CSV_MAX_READ_RATIO, CSV_MAX_RSS_MB,
                      " (accepted at the default --max-rows)")
    else:
        failed = results.get(f"analyze_json:{million}:csv")
        out.append((name, "FAIL" if failed else "SKIP",
                    failed.error if failed else "not measured (--csv-sizes 1000000)"))
    for n, limit in ((big, FULL_MAX_NAIVE_RATIO), (1000, FULL_1K_MAX_NAIVE_RATIO)):
        full, naive = get(f"analyze_full:{n}:xlsx"), get(f"naive:{n}")
        name = f"full analyze, {n:,} cases ≤ {limit}× naive pandas/openpyxl"
        if full and naive:
            ratio = full.median / naive.median
            out.append((name, _verdict(ratio <= limit, False),
                        f"{full.median:.2f} s vs {naive.median:.2f} s = {ratio:.2f}×"
                        + (f" (naive {naive.note})" if naive.note else "")))
        else:
            out.append((name, "SKIP", "not measured"))
    return out


def _mb(value: float | None) -> str:
    return f"{value:.0f} MB" if value is not None else "?"


def _verdict(ok: bool, skipped: bool) -> str:
    return "SKIP" if skipped else ("PASS" if ok else "FAIL")


def chart_lines(results: dict[str, Result], sizes: list[int]) -> list[str]:
    lines = []
    for n in sizes:
        charts = results.get(f"analyze_charts:{n}:xlsx")
        js = results.get(f"analyze_json:{n}:xlsx")
        if charts and js and charts.ok and js.ok:
            lines.append(f"  {n:>7,} cases: png,svg {charts.median:6.2f} s − json "
                         f"{js.median:6.2f} s ≈ {charts.median - js.median:5.2f} s drawing charts")
    return lines


# --------------------------------------------------------------------------------------------
# Profiling
# --------------------------------------------------------------------------------------------
def profile(py: str, data: Path, size: int, work: Path, top: int, log) -> None:
    import pstats

    xlsx = str(data / f"cases_{size}.xlsx")
    runs = [
        ("analyze.prof", "analyze (full report), as it runs: main process only",
         ["analyze", xlsx, "--out"], False),
        ("analyze_serial.prof", "analyze (full report), one CPU reported: all work in-process",
         ["analyze", xlsx, "--out"], True),
        ("analyze_json.prof", "analyze --format json",
         ["analyze", xlsx, "--format", "json", "--out"], False),
    ]
    for name, label, args, serial in runs:
        out = work / "profile_out"
        shutil.rmtree(out, ignore_errors=True)
        prof = data / name
        prof.unlink(missing_ok=True)
        if serial:
            cmd = [py, "-c", SERIAL_PROFILE, str(prof), *args, str(out), "--quiet"]
        else:
            cmd = [py, "-m", "cProfile", "-o", str(prof), "-m", "flowmatrix", *args, str(out),
                   "--quiet"]
        log(f"\n=== profile: flowmatrix {label}, cases_{size}.xlsx → {prof}")
        log(f"    source newest file modified {source_stamp(py)[1]}")
        started = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        log(f"    wall under cProfile {time.perf_counter() - started:.1f} s, "
            f"exit {proc.returncode}")
        shutil.rmtree(out, ignore_errors=True)
        if not prof.exists():
            log(f"    no profile written: {proc.stderr.strip()[-400:]}")
            continue
        for sort in ("cumulative", "tottime"):
            log(f"\n--- top {top} by {sort} ---")
            stream = _Stream(log)
            pstats.Stats(str(prof), stream=stream).strip_dirs().sort_stats(sort).print_stats(top)
            stream.flush()
        log("\n--- flowmatrix's own functions by cumulative time (s cumulative / s own / calls)")
        for line in own_functions(prof, 15):
            log("    " + line)


def own_functions(prof: Path, n: int) -> list[str]:
    """flowmatrix's functions in a profile, largest cumulative time first (the CLI wrapper
    frames that only pass the call on are left out)."""
    import pstats

    stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, func), (_, calls, own, cumulative, _) in stats.items():
        path = filename.replace("\\", "/")
        if "/flowmatrix/" not in path or func in ("main", "<module>"):
            continue
        short = path[path.rindex("/flowmatrix/") + len("/flowmatrix/"):]
        rows.append((cumulative, own, calls, f"{short}:{line}({func})"))
    rows.sort(reverse=True)
    return [f"{c:8.2f} {o:8.2f} {k:>9}  {name}" for c, o, k, name in rows[:n]]


class _Stream:
    def __init__(self, log):
        self.log, self.buf = log, ""

    def write(self, text: str) -> None:
        self.buf += text

    def flush(self) -> None:
        if self.buf.strip():
            self.log(self.buf.rstrip("\n"))
        self.buf = ""


# --------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time flowmatrix against baselines in fresh processes (issue 17).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000],
                        help="inventory sizes in cases (default 1000 10000 100000)")
    parser.add_argument("--csv-sizes", type=int, nargs="*", default=[],
                        help="sizes timed as CSV only: the floor (pyarrow), pandas and "
                             "analyze --format json (e.g. 1000000; no workbook is written)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (median)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/fmbench"),
                        help="inputs (generated when missing), outputs, results.json")
    parser.add_argument("--python", default=sys.executable,
                        help="Python of the flowmatrix environment (default: this one)")
    parser.add_argument("--once-after", type=float, default=150.0,
                        help="run a slow command (naive baseline, analyze) only once if its "
                             "first run takes longer than this many seconds (default 150)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per run, seconds")
    parser.add_argument("--profile", action="store_true",
                        help="after timing, cProfile full analyze (as it runs, and with one CPU "
                             "reported so all work is in-process) and analyze --format json on "
                             "the largest size and print the top functions")
    parser.add_argument("--profile-only", action="store_true", help="only profile")
    parser.add_argument("--top", type=int, default=25, help="functions per profile listing")
    args = parser.parse_args(argv)

    def log(text: str = "") -> None:
        print(text, flush=True)

    py = args.python
    fm = find_flowmatrix(py)
    data: Path = args.data
    data.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(args.sizes))
    missing = [n for n in sizes if not (data / f"cases_{n}.xlsx").exists()
               or not (data / f"cases_{n}.csv").exists()]
    if missing:
        log(f"generating {', '.join(map(str, missing))} cases into {data} …")
        subprocess.run([py, str(HERE / "generate.py"), "--cases", *map(str, missing),
                        "--out", str(data)], check=True)
    csv_sizes = sorted(set(args.csv_sizes) - set(sizes))
    missing = [n for n in csv_sizes if not (data / f"cases_{n}.csv").exists()]
    if missing:
        log(f"generating {', '.join(map(str, missing))} cases (CSV only) into {data} …")
        subprocess.run([py, str(HERE / "generate.py"), "--cases", *map(str, missing),
                        "--formats", "csv", "--out", str(data)], check=True)
    for n in (n for n in sizes if n >= 10_000):
        repeated = data / f"repeated_{n}.xlsx"
        if not repeated.exists():
            if not (data / "cases_1000.xlsx").exists():
                subprocess.run([py, str(HERE / "generate.py"), "--cases", "1000", "--out",
                                str(data)], check=True)
            log(f"writing {repeated.name} (the 1,000-case rows repeated) …")
            subprocess.run([py, "-c", REPEATED, str(data / "cases_1000.xlsx"), str(repeated),
                            str(n)], check=True)
    work = data / "work"
    work.mkdir(exist_ok=True)

    if args.profile_only:
        profile(py, data, max(sizes), work, args.top, log)
        return 0

    info = machine(py)
    log("=== machine")
    log(f"  date     {info['date']}")
    log(f"  cpu      {info['cpu']}  ·  {info['cores']} cores"
        + (f" ({info['affinity']} usable)" if "affinity" in info else "")
        + (f"  ·  {info['memory_gb']} GB RAM" if "memory_gb" in info else "")
        + f"  ·  {info['os']}")
    log("  python   " + info.get("python", "?") + "  ·  " + "  ".join(
        f"{k} {info.get(k)}" for k in ("flowmatrix", "pandas", "numpy", "openpyxl",
                                        "python-calamine", "matplotlib", "fastexcel", "pyarrow")))
    log(f"  timing   fresh process per run, median of {args.repeat}; "
        f"peak RSS by {info['time_tool']}")
    source, stamp_before = source_stamp(py)
    info["source_newest_before"] = stamp_before
    log(f"  flowmatrix {fm}  ·  source {source}, newest file modified {stamp_before}")
    log(f"  load average before: {loadavg()}")

    # Warm the page cache so the first run does not pay for the disk.
    for n in sizes:
        for name in (f"cases_{n}.xlsx", f"cases_{n}.csv", f"repeated_{n}.xlsx"):
            if (data / name).exists():
                (data / name).read_bytes()
    for n in csv_sizes:
        (data / f"cases_{n}.csv").read_bytes()

    fastexcel_error = None
    if info.get("fastexcel") is None:
        fastexcel_error = "fastexcel is not installed"
    else:
        fastexcel_error = probe_fastexcel(py, data / f"cases_{sizes[0]}.xlsx")
    if fastexcel_error:
        log(f"  fastexcel → pandas: not usable as a baseline: {fastexcel_error}")

    log("\n=== import check (a fresh process per command line)")
    imports = {}
    for cmdline in (["--help"], ["--version"], ["analyze", "--help"], ["validate", "--help"]):
        res = import_check(py, cmdline)
        imports[" ".join(cmdline)] = res
        if "error" in res:
            log(f"  flowmatrix {' '.join(cmdline):<16} FAILED: {res['error']}")
        else:
            log(f"  flowmatrix {' '.join(cmdline):<16} exit {res['code']}, "
                f"{res['modules']} modules; heavy imports: {', '.join(res['heavy']) or 'none'}")
    try:
        slow = import_time_top(py)
        log("  slowest imports of --help (cumulative): "
            + ", ".join(f"{name} {sec * 1000:.0f} ms" for name, sec in slow))
    except Exception as exc:  # informational only
        log(f"  (-X importtime failed: {exc})")

    log(f"\n=== timing (--repeat {args.repeat})")
    jobs = build_jobs(py, fm, data, sizes, work, fastexcel_error is None, args.once_after)
    for n in csv_sizes:
        csv = str(data / f"cases_{n}.csv")
        jobs += [Job(f"read_arrow:{n}:csv", "read: pyarrow.csv cp932 (floor)", "read",
                     [py, "-c", READ_ARROW_CSV, csv], n, "csv"),
                 Job(f"read_csv:{n}", "read: pandas.read_csv cp932", "read",
                     [py, "-c", READ_CSV, csv], n, "csv"),
                 Job(f"analyze_json:{n}:csv", "analyze --format json", "flowmatrix",
                     [fm, "analyze", csv, "--format", "json", "--out", str(work / f"out_{n}"),
                      "--quiet"], n, "csv", (0, 1), work / f"out_{n}", args.once_after)]
    results: dict[str, Result] = {}
    started = time.perf_counter()
    loads = []
    for job in jobs:
        results[job.key] = measure(job, args.repeat, args.timeout, log)
        loads.append(loadavg())
    elapsed = time.perf_counter() - started
    busiest = max(loads, key=lambda text: float(text.split()[0]) if text != "?" else 0.0)
    log(f"  load average after: {loadavg()}  ·  highest seen between commands: {busiest}"
        f"  ·  timing took {elapsed / 60:.1f} min")
    info["load_average_max_1min"] = busiest.split()[0] if busiest != "?" else None
    _, stamp_after = source_stamp(py)
    info["source_newest_after"] = stamp_after
    if stamp_after != stamp_before:
        log(f"  WARNING: flowmatrix's source changed during the run (newest file now "
            f"{stamp_after}); the figures mix code versions")

    rows = table(results)
    log("\n=== results (median wall seconds, highest peak RSS of the runs)")
    log(format_text(rows))
    log("  × fastest read: xlsx rows against the fastest of fastexcel→Arrow, pandas+calamine and "
        "fastexcel→pandas\n  on the same file; csv rows against the faster of pyarrow.csv and "
        "pandas.read_csv (cp932) of the same file. "
        "× naive pandas: against the naive\n  openpyxl read+write script on the xlsx of the same "
        "size. runs with * : see the note in the log.\n  CPU s: user+system seconds of the "
        "process and its children (above the wall time = several cores busy). peak RSS: the\n"
        "  largest single process (GNU time %M). tree PSS: highest sum of PSS over the process "
        "and its worker\n  processes, sampled every 0.2 s (forked workers share pages; PSS "
        "splits them, RSS would count them twice).")
    notes = [f"  {r.job.label} {_size(r.job.size)}: {r.note}" for r in results.values() if r.note]
    if notes:
        log("\n".join(notes))
    if fastexcel_error:
        log(f"  fastexcel → pandas not measured: {fastexcel_error}")
    charts = chart_lines(results, sizes)
    if charts:
        log("\n=== chart drawing (png,svg run minus json run, same input)")
        log("\n".join(charts))

    verdicts = targets(results, imports)
    log("\n=== targets (issue 17)")
    for name, verdict, detail in verdicts:
        log(f"  {verdict:<4}  {name}: {detail}")
    failed = [r for r in results.values() if not r.ok]
    if failed:
        log("\n=== failed to run")
        for r in failed:
            log(f"  {r.job.label} {r.job.fmt} {_size(r.job.size)}: {r.error}")

    record = {
        "machine": info, "repeat": args.repeat, "sizes": sizes, "imports": imports,
        "fastexcel_error": fastexcel_error,
        "results": [{"key": r.job.key, "label": r.job.label, "kind": r.job.kind,
                     "input": r.job.fmt, "cases": r.job.size, "walls": r.walls,
                     "median": r.median, "peak_rss_mb": r.rss_mb, "tree_pss_mb": r.pss_mb,
                     "cpu_s": r.cpus, "rss_kb": r.rss_kb, "pss_kb": r.pss_kb,
                     "exit_codes": r.codes,
                     "error": r.error, "note": r.note,
                     "x_read": ratios(results, r)[0], "x_naive": ratios(results, r)[1]}
                    for r in results.values()],
        "targets": [{"target": n, "verdict": v, "detail": d} for n, v, d in verdicts],
    }
    (data / "results.json").write_text(json.dumps(record, ensure_ascii=False, indent=2))
    (data / "results.md").write_text(format_markdown(rows) + "\n\n" + "\n".join(
        f"- **{v}** {n}: {d}" for n, v, d in verdicts) + "\n")
    log(f"\nresults: {data / 'results.json'}, {data / 'results.md'}")

    if args.profile:
        profile(py, data, max(sizes), work, args.top, log)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
