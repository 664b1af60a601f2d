"""What the report's charts cost: the full report timed before → after a change, side by side.

    python benchmarks/charts.py --before 66612f2 [--sizes 1000] [--repeat 5] [--data /tmp/fmcharts]

For the sample (data/cases.xlsx) and a generated inventory of each size (generate.py, made when
missing), runs `flowmatrix analyze FILE --out TMP --quiet` — the full report in the default
formats, or --format — with the flowmatrix of this checkout ("after") and, with --before, the
flowmatrix of that git revision ("before", its package exported with `git archive`), the two
alternating run by run so both see the same load on the machine. Per input it prints the
median wall time and CPU time (user + system of the command and of the workers it forks and
waits for) of each version and their ratio, the chart files written and their size, and whether
the main process imported matplotlib (a separate, untimed run: only the workers that draw
should import it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "data" / "cases.xlsx"

# Runs the CLI in this process, then says whether it imported matplotlib.
IMPORT_CHECK = """\
import contextlib, io, json, sys
sys.argv = ["flowmatrix", *json.loads(sys.argv[1])]
from flowmatrix.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
print(json.dumps("matplotlib" in sys.modules))
"""


def export(revision: str, into: Path) -> Path:
    """The flowmatrix package of `revision`, in a folder to put on PYTHONPATH."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "flowmatrix"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_once(python: str, source: Path, args: list[str], out: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one `flowmatrix analyze` in a fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    # run from outside any checkout: `python -m` puts the working folder first on sys.path
    env = {**os.environ, "PYTHONPATH": str(source)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([python, "-m", "flowmatrix", "analyze", *args, "--out", str(out),
                             "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=out.parent)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):  # 1: the generated inventories hold blemishes
        raise SystemExit(f"flowmatrix ({source}) failed: {result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def chart_files(out: Path) -> tuple[int, int]:
    """(files, bytes) under the report folder's charts/."""
    files = [p for p in out.glob("*/charts/*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def imports_matplotlib(python: str, source: Path, args: list[str], out: Path) -> bool:
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(source)}
    answer = subprocess.run([python, "-c", IMPORT_CHECK, json.dumps(
        ["analyze", *args, "--out", str(out), "--quiet"])], env=env, capture_output=True,
        text=True, check=True, cwd=out.parent).stdout
    return json.loads(answer.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="git revision to compare with (e.g. main, a commit)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000],
                        help="generated inventories, in cases, besides the sample (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per version (median)")
    parser.add_argument("--format", help="--format of analyze (default: its default)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/fmcharts"),
                        help="where inputs are generated and reports written")
    parser.add_argument("--python", default=sys.executable,
                        help="Python of the flowmatrix environment (default: this one)")
    args = parser.parse_args(argv)

    data: Path = args.data
    data.mkdir(parents=True, exist_ok=True)
    missing = [n for n in args.sizes if not (data / f"cases_{n}.xlsx").exists()]
    if missing:
        subprocess.run([args.python, str(HERE / "generate.py"), "--cases", *map(str, missing),
                        "--out", str(data)], check=True, stdout=subprocess.DEVNULL)
    inputs = [("sample (31 cases)", SAMPLE)] + [
        (f"{n:,} cases", data / f"cases_{n}.xlsx") for n in args.sizes]
    work = Path(tempfile.mkdtemp(prefix="charts-", dir=data))
    versions = {"after": ROOT}
    if args.before:
        versions = {"before": export(args.before, work / "before"), **versions}
    extra = ["--format", args.format] if args.format else []
    print(f"flowmatrix analyze FILE{' ' + ' '.join(extra) if extra else ''} --out TMP --quiet"
          f" · median of {args.repeat} runs each, versions alternating · "
          f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}"
          f" usable cores · load average {os.getloadavg()[0]:.2f}")
    if args.before:
        print(f"before: {args.before} · after: this checkout ({ROOT})")
    print()
    header = f"{'input':<20}{'version':<14}{'wall s':>8}{'CPU s':>8}{'charts':>8}" \
             f"{'chart MB':>10}  matplotlib in main process"
    print(header)
    print("-" * len(header))
    for label, path in inputs:
        command = [str(path), *extra]
        path.read_bytes()  # the input in the page cache before the first run
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
        order = list(versions)
        for run in range(args.repeat):
            for name in order if run % 2 == 0 else order[::-1]:
                times[name].append(run_once(args.python, versions[name], command,
                                            work / name))
        medians = {}
        for name, source in versions.items():
            wall = statistics.median(t[0] for t in times[name])
            cpu = statistics.median(t[1] for t in times[name])
            medians[name] = wall, cpu
            count, size = chart_files(work / name)
            parent = imports_matplotlib(args.python, source, command, work / "check")
            print(f"{label if name == order[0] else '':<20}{name:<14}{wall:>8.2f}{cpu:>8.2f}"
                  f"{count:>8}{size / 2**20:>10.2f}  {'yes' if parent else 'no'}")
        if "before" in medians:
            (wall_b, cpu_b), (wall_a, cpu_a) = medians["before"], medians["after"]
            print(f"{'':<20}{'after/before':<14}{wall_a / wall_b:>8.2f}{cpu_a / cpu_b:>8.2f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
