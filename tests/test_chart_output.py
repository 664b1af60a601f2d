"""The report's charts cost what they show (issue 17): each drawn once, in the formats the
report needs only (SVG by default, embedded in report.html and linked from report.md; PNG when
asked for), a theme's flow chart only from FLOW_CHART_MIN_CASES cases on, drawn by forked
workers (the main process never imports matplotlib), the same bytes run to run, and nothing
left behind when drawing fails."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import JA_HEADER, ROOT, write_xlsx

from flowmatrix import analyze
from flowmatrix.render import folder as report_folder
from flowmatrix.render.registry import chart_keys
from flowmatrix.settings import FLOW_CHART_MIN_CASES

HEALTH = ["健康アプリ", "歩数", "医療機関", "健康指導", "健康／医療"]
DISASTER = ["防災アプリ", "安否情報", "避難所受付サービス", "避難行動支援", "防災／防犯"]
LINKED = re.compile(r"\]\((charts/[^)]+)\)")
EMBEDDED = re.compile(rb'src="data:image/svg\+xml;base64,([^"]+)"')

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="forked workers, /proc")


def inventory(tmp_path, health: int, disaster: int):
    """An inventory of `health` health cases and `disaster` disaster cases, analysed."""
    rows = [[n, "熊谷市", *case] for n, case in enumerate(
        [HEALTH] * health + [DISASTER] * disaster, start=1)]
    return analyze(write_xlsx(tmp_path / "cases.xlsx", {"事例": [JA_HEADER, *rows]}))


def chart_names(folder) -> list[str]:
    charts = folder / "charts"
    return sorted(p.name for p in charts.iterdir()) if charts.exists() else []


def embedded(html: bytes) -> list[bytes]:
    return [base64.b64decode(data) for data in EMBEDDED.findall(html)]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two health cases: five charts (tally, two heatmaps, two overall flows), quick to draw."""
    return inventory(tmp_path_factory.mktemp("small"), 2, 0)


def test_the_default_report_has_each_chart_once_as_svg(sample_report):
    folder, _ = sample_report
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    cases = {t["theme_id"]: t["cases"] for t in summary["theme_tally"]}
    keys = ["tally", "heatmap", "heatmap_types",
            *(key for key in summary["flows"] if key in ("flow", "flow_types")
              or cases[key.removeprefix("flow_")] >= FLOW_CHART_MIN_CASES)]
    assert chart_names(folder) == sorted(f"{key}.svg" for key in keys)  # no PNG
    markdown = (folder / "report.md").read_text("utf-8")
    assert sorted(LINKED.findall(markdown)) == sorted(f"charts/{key}.svg" for key in keys)
    # report.html embeds the very files report.md links: each chart was saved once
    pictures = embedded((folder / "report.html").read_bytes())
    assert sorted(pictures) == sorted((folder / "charts" / f"{key}.svg").read_bytes()
                                      for key in keys)


@pytest.mark.parametrize(("formats", "files", "linked"), [
    (("md", "png"), ["png"], "png"),  # PNG chosen alone: report.md links it, no SVG file
    (("html", "png"), ["png"], None),  # report.html embeds SVG, written to no file
    (("md", "png", "svg"), ["png", "svg"], "svg"),
    (("md", "json", "csv", "xlsx"), [], None),  # no chart file chosen, none embedded: none drawn
])
def test_charts_are_written_in_the_formats_that_need_them(small, tmp_path, monkeypatch,
                                                          formats, files, linked):
    if not files and "html" not in formats:
        def not_drawn(analysis, key):
            raise AssertionError(f"{key} drawn for nothing")
        monkeypatch.setattr(report_folder, "draw_chart", not_drawn)
    folder = report_folder.write_report(small, tmp_path / "out", formats=formats)
    keys = chart_keys(small)
    assert len(keys) == 5
    assert chart_names(folder) == sorted(f"{key}.{kind}" for key in keys for kind in files)
    if "md" in formats:
        markdown = (folder / "report.md").read_text("utf-8")
        assert sorted(LINKED.findall(markdown)) == sorted(f"charts/{key}.{linked}"
                                                          for key in keys if linked)
    if "html" in formats:
        pictures = embedded((folder / "report.html").read_bytes())
        assert len(pictures) == len(keys)
        assert all(p.startswith(b"<?xml") and b"<svg" in p for p in pictures)


def test_a_theme_has_a_flow_chart_from_enough_cases_on(tmp_path):
    analysis = inventory(tmp_path, FLOW_CHART_MIN_CASES, FLOW_CHART_MIN_CASES - 1)
    tally = dict(zip(analysis.theme_tally["theme_id"], analysis.theme_tally["cases"],
                     strict=True))
    assert tally["health"] == FLOW_CHART_MIN_CASES
    assert tally["disaster"] == FLOW_CHART_MIN_CASES - 1
    # summary.json keeps the numbers of every theme's flows; only the chart is left out
    assert list(analysis.flows) == ["flow_types", "flow", "flow_health", "flow_disaster"]
    assert [k for k in chart_keys(analysis) if k.startswith("flow")] == [
        "flow_types", "flow", "flow_health"]
    folder = report_folder.write_report(analysis, tmp_path / "out",
                                        formats=("md", "json", "html", "svg"))
    # every format agrees on which charts exist
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert list(summary["flows"]) == list(analysis.flows)
    assert chart_names(folder) == sorted(f"{key}.svg" for key in chart_keys(analysis))
    markdown = (folder / "report.md").read_text("utf-8")
    assert "charts/flow_health.svg" in markdown and "flow_disaster" not in markdown
    assert f"事例が {FLOW_CHART_MIN_CASES} 件以上のテーマ" in markdown  # says why
    html = (folder / "report.html").read_bytes()
    assert len(embedded(html)) == len(chart_keys(analysis))
    assert f"事例が {FLOW_CHART_MIN_CASES} 件以上のテーマ".encode() in html


def test_the_same_chart_bytes_run_to_run(small, tmp_path):
    runs = [report_folder.write_report(small, tmp_path / name, formats=("png", "svg"))
            for name in ("first", "second")]
    first, second = ({name: (folder / "charts" / name).read_bytes()
                      for name in chart_names(folder)} for folder in runs)
    assert len(first) == 10 and first == second
    for name, data in first.items():
        if name.endswith(".svg"):
            assert b"<dc:date>" not in data  # no date in the metadata
        else:
            assert b"tIME" not in data and b"Software" not in data


IMPORTS = """\
import json, sys
from pathlib import Path
import flowmatrix.processes
from flowmatrix import analyze
from flowmatrix.render.folder import write_report

flowmatrix.processes.FORKS = sys.argv[3] == "fork"
folder = write_report(analyze(sys.argv[1]), sys.argv[2], formats=("json", "md", "csv", "svg"))
print(json.dumps({"matplotlib": "matplotlib" in sys.modules,
                  "charts": len(list((Path(folder) / "charts").glob("*.svg")))}))
"""


@linux_only
def test_only_the_workers_that_draw_import_matplotlib(small, tmp_path):
    answers = {}
    for how in ("fork", "in-process"):  # in-process (Windows, macOS): this process draws
        run = subprocess.run([sys.executable, "-c", IMPORTS, small.sources[0], tmp_path / how,
                              how], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
        assert run.returncode == 0, run.stderr
        answers[how] = json.loads(run.stdout)
    assert answers["fork"] == {"matplotlib": False, "charts": 5}
    assert answers["in-process"] == {"matplotlib": True, "charts": 5}


def drawing_recorded(record, draw, wait_for: int):
    """draw_chart that notes which process drew which chart in `record` (a folder); each
    drawing process first waits (up to a minute) until `wait_for` processes have started
    drawing, so a pool of fewer processes shows as fewer, never as a lucky schedule."""
    def recorded(analysis, key):
        with open(record / str(os.getpid()), "a", encoding="utf-8") as out:
            out.write(key + "\n")
        deadline = time.monotonic() + 60
        while len(os.listdir(record)) < wait_for and time.monotonic() < deadline:
            time.sleep(0.01)
        return draw(analysis, key)
    return recorded


@linux_only
@pytest.mark.parametrize("cores", [1, 3])
def test_drawing_is_spread_over_the_cores(small, tmp_path, monkeypatch, cores):
    from flowmatrix import processes

    record = tmp_path / "drawn"
    record.mkdir()
    monkeypatch.setattr(processes, "cores", lambda: cores)
    monkeypatch.setattr(report_folder, "draw_chart",
                        drawing_recorded(record, report_folder.draw_chart, cores))
    report_folder.write_report(small, tmp_path / "out", formats=("svg",))
    drawn = {int(p.name): p.read_text().split() for p in record.iterdir()}
    assert len(drawn) == cores and os.getpid() not in drawn  # one worker per core
    assert sorted(k for keys in drawn.values() for k in keys) == sorted(chart_keys(small))


def test_without_fork_this_process_draws(small, tmp_path, monkeypatch):
    from flowmatrix import processes

    record = tmp_path / "drawn"
    record.mkdir()
    monkeypatch.setattr(processes, "FORKS", False)
    monkeypatch.setattr(report_folder, "draw_chart",
                        drawing_recorded(record, report_folder.draw_chart, 1))
    folder = report_folder.write_report(small, tmp_path / "out", formats=("svg",))
    assert [p.name for p in record.iterdir()] == [str(os.getpid())]
    assert len(chart_names(folder)) == len(chart_keys(small))


def children() -> set[int]:
    """The live (not zombie) child processes of this one."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.add(int(entry))
    return found


@linux_only
def test_a_chart_that_fails_stops_the_report_and_its_workers(small, tmp_path, monkeypatch):
    out = tmp_path / "out"
    report_folder.write_report(small, out, formats=("md", "svg"))
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    draw = report_folder.draw_chart

    def fails(analysis, key):
        if key == "flow":
            raise RuntimeError("a chart that cannot be drawn")
        return draw(analysis, key)

    monkeypatch.setattr(report_folder, "draw_chart", fails)
    alive = children()
    with pytest.raises(RuntimeError, match="a chart that cannot be drawn"):
        report_folder.write_report(small, out, formats=("md", "html", "xlsx"))
    assert children() <= alive  # no worker outlives the failed report
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no partial folder
