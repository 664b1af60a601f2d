"""A file whose name the system cannot decode: a zip made on a Japanese Windows desk keeps its
names in cp932, and unpacked on Linux they are bytes that are not UTF-8. Python holds such
bytes as lone surrogates, which no report can write; every command read the file and then
ended in "internal error". Now the file is read by its real name and shown with U+FFFD."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from flowmatrix.errors import shown_path
from flowmatrix.render.folder import safe_name

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "cases.xlsx"
NAME = "事例".encode("cp932")  # b"\x8e\x96\x97\xe1": not UTF-8
SHOWN = "\ufffd" * 4 + ".xlsx"


def cp932_copy(source: Path, folder: Path, suffix: str) -> Path:
    """A copy of `source` in `folder` named 事例<suffix> in cp932 bytes."""
    folder.mkdir(exist_ok=True)
    raw = os.path.join(os.fsencode(folder), NAME + suffix.encode())
    try:
        shutil.copyfile(source, raw)
    except (OSError, UnicodeError):  # a file system that takes only UTF-8 names (macOS)
        pytest.skip("this file system refuses names that are not UTF-8")
    path = Path(os.fsdecode(raw))
    assert path.name.startswith("\udc8e")  # what Python makes of the name's bytes
    return path


@pytest.fixture
def undecodable(tmp_path) -> Path:
    """The sample under a cp932 name, in a folder of its own."""
    return cp932_copy(SAMPLE, tmp_path / "in", ".xlsx")


def test_shown_path_replaces_each_undecodable_byte_and_leaves_the_rest():
    assert shown_path("/data/\udc8e\udc96\udc97\udce1.xlsx") == "/data/" + SHOWN
    assert shown_path(Path("台帳/事例.xlsx")) == "台帳/事例.xlsx"
    assert shown_path(os.fsencode("a/" + "\udc8e" + ".csv")) == "a/\ufffd.csv"
    text = "熊谷市.xlsx"
    assert shown_path(text) is text  # the usual name is not copied
    assert safe_name("\udc8e\udc96\udc97\udce1") == "____"  # a folder name any system takes


def test_analyze_reads_it_and_writes_a_report_that_shows_the_name(undecodable, tmp_path,
                                                                  entry_point):
    before = undecodable.read_bytes()
    out = tmp_path / "reports"
    code, _, err = entry_point("analyze", undecodable, "--out", out, "--quiet", "--format",
                               "json,csv,md")  # no charts: they take seconds and no names
    assert code == 0, err
    assert "内部エラー" not in err and "internal error" not in err
    folder = out / "____"
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["sources"] == [shown_path(undecodable)]
    assert summary["cases"] == 31
    csv = (folder / "cases.csv").read_text("utf-8-sig")
    assert SHOWN in csv and "\udc8e" not in csv
    assert SHOWN in (folder / "report.md").read_text("utf-8")
    assert undecodable.read_bytes() == before  # the input is only read


def test_the_library_reads_the_workbooks_kpi_sheet_by_its_real_name(undecodable):
    """The KPI sheet is read from the workbook again: by the name it was opened with, not by
    the name shown (which names no file)."""
    import flowmatrix

    classified = flowmatrix.classify(undecodable)
    assert classified.inventory.path == shown_path(undecodable)
    assert classified.inventory.opened == str(undecodable)
    assert classified.kpis  # the sample's KPI sheet
    assert set(classified.cases["file"]) == {shown_path(undecodable)}
    assert all(f.file == shown_path(undecodable) for f in classified.findings if f.file)


@pytest.mark.parametrize("form", ["json", "github", "junit", "lines"])
def test_validate_reports_on_it_in_every_format(undecodable, entry_point, form):
    code, out, err = entry_point("validate", undecodable, "--format", form)
    assert code == 0, err
    assert SHOWN in out and "\udc8e" not in out
    if form == "json":
        assert json.loads(out)["files"][0]["path"] == shown_path(undecodable)


def test_a_batch_lists_it_in_its_index(undecodable, tmp_path, entry_point):
    shutil.copyfile(SAMPLE, undecodable.parent / "b.xlsx")
    out = tmp_path / "reports"
    code, _, err = entry_point("analyze", undecodable.parent, "--out", out, "--quiet",
                               "--format", "json,md")
    assert code == 0, err
    index = (out / "index.html").read_text("utf-8")
    assert SHOWN in index and "b.xlsx" in index
    assert sorted(p.name for p in out.iterdir()) == ["____", "_combined", "b", "index.html"]


def test_compare_names_both_sides(tmp_path, entry_point):
    """Two versions with cp932 names that differ: the changed cases name their file too."""
    sample = SAMPLE.with_suffix(".csv")
    lines = sample.read_text("utf-8").splitlines(keepends=True)
    shorter = tmp_path / "shorter.csv"
    shorter.write_text("".join(lines[:-3]), encoding="utf-8")  # three cases fewer
    old = cp932_copy(shorter, tmp_path / "old", ".csv")
    new = cp932_copy(sample, tmp_path / "new", ".csv")
    code, _, err = _clean(*entry_point("compare", old, new, "--out", tmp_path / "cmp",
                                       "--quiet"))
    assert code == 0, err
    comparison = (tmp_path / "cmp" / "comparison.json").read_text("utf-8")
    assert json.loads(comparison)["summary"]["added"] == 3
    assert SHOWN.replace(".xlsx", "") in comparison and "\\udc8e" not in comparison


def test_a_hand_built_inventory_with_half_characters_gets_a_report(tmp_path):
    """Text decoded with surrogateescape, in a frame built by hand, holds lone surrogates:
    analyze gives them as U+FFFD, in cells and items alike, and leaves the caller's frame."""
    import dataclasses

    import flowmatrix

    inventory = flowmatrix.read_inventory(SAMPLE.with_suffix(".csv"))
    cases = inventory.cases
    cases.loc[0, "title"] = "安否確認\udc8e"
    cases.at[1, "data_items"] = ("健診結果\ud800", "購買履歴")
    inventory = dataclasses.replace(inventory, path="台帳\udc8e.csv", sheet="一覧\udc96")
    analysis = flowmatrix.analyze(inventory)
    folder = flowmatrix.write_report(analysis, tmp_path / "report", formats=("csv", "md"))
    assert analysis.sources == ["台帳\ufffd.csv"] and analysis.sheet == "一覧\ufffd"
    assert cases.loc[0, "title"] == "安否確認\udc8e"  # the caller's frame is left as it was
    assert analysis.cases.loc[0, "title"] == "安否確認\ufffd"
    assert analysis.cases.at[1, "data_items"] == ("健診結果\ufffd", "購買履歴")
    assert "安否確認\ufffd" in (folder / "cases.csv").read_text("utf-8-sig")
    assert "健診結果\ufffd" in (folder / "report.md").read_text("utf-8")


def test_whole_cases_gives_the_same_frame_when_nothing_needs_mending():
    import flowmatrix
    from flowmatrix.io.inventory import whole_cases

    cases = flowmatrix.read_inventory(SAMPLE).cases
    assert whole_cases(cases) is cases


DATA = Path(__file__).resolve().parent.parent / "flowmatrix" / "data"


def _clean(code, out, err):
    assert "内部エラー" not in err and "internal error" not in err and "Traceback" not in err
    assert "\udc8e" not in out
    return code, out, err


def test_names_reports_and_writes_aliases_for_it(undecodable, tmp_path, entry_point):
    code, out, err = _clean(*entry_point("names", undecodable, "--format", "json"))
    assert code == 0, err
    assert json.loads(out)["sources"] == [shown_path(undecodable)]
    aliases = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), NAME + b".toml")))
    code, _, err = _clean(*entry_point("names", SAMPLE, "--write-aliases", aliases))
    assert code == 0, err
    assert SHOWN.replace(".xlsx", ".toml") in aliases.read_text("utf-8")


def test_taxonomy_and_alias_files_with_such_names(tmp_path, entry_point):
    themes = cp932_copy(DATA / "themes.toml", tmp_path / "opt", ".toml")
    code, out, err = _clean(*entry_point("themes", "--themes", themes, "--format", "json"))
    assert code == 0, err
    assert SHOWN.replace(".xlsx", ".toml") in out
    conflict = tmp_path / "conflict.toml"
    conflict.write_text('[service]\n"公式LINE" = ["クマぶら(公式LINE)"]\n'
                        '"LINE" = ["クマぶら(公式LINE)"]\n"存在しない名前" = ["ヘルスケアアプリ"]\n',
                        encoding="utf-8")
    aliases = cp932_copy(conflict, tmp_path / "opt", ".aliases.toml")
    code, out, err = _clean(*entry_point("validate", SAMPLE, "--aliases", aliases,
                                         "--format", "json"))
    assert code == 0, err
    findings = [f for file in json.loads(out)["files"] for f in file["findings"]]
    assert {"alias-conflict", "unknown-alias-target"} <= {f["code"] for f in findings}
    assert "\udc8e" not in out and SHOWN[:4] in out
    out_folder = tmp_path / "reports"
    code, _, err = _clean(*entry_point("analyze", SAMPLE, "--aliases", aliases, "--out",
                                       out_folder, "--quiet", "--format", "md,json,xlsx"))
    assert code == 0, err
    summary = json.loads((out_folder / "cases" / "summary.json").read_text("utf-8"))
    assert summary["aliases"]["file"] == shown_path(aliases)


def test_a_kind_taxonomy_with_such_a_name_in_a_finding(tmp_path, entry_point):
    typed = tmp_path / "typed.csv"
    typed.write_text("①データ共有元サービス,共有元サービス種別,②流通データ,③データ共有先サービス,"
                     "④データ連携サービス\n地域通貨,存在しない種別,購買履歴,クーポン配信,クーポン\n",
                     encoding="utf-8")
    types = cp932_copy(DATA / "service_types.toml", tmp_path / "opt", ".toml")
    code, out, err = _clean(*entry_point("validate", typed, "--service-types", types,
                                         "--format", "json"))
    assert code == 0, err
    findings = json.loads(out)["files"][0]["findings"]
    assert any(f["code"] == "unknown-item-type" and SHOWN[:4] in f["message"] for f in findings)


@pytest.mark.parametrize("option", ["--municipality", "--encoding"])
def test_an_option_value_of_such_bytes_is_a_usage_error(option, entry_point):
    value = os.fsdecode("熊谷市".encode("cp932"))
    command = "tally" if option == "--municipality" else "validate"
    source = SAMPLE if option == "--municipality" else SAMPLE.with_suffix(".csv")
    code, _, err = _clean(*entry_point(command, source, option, value))
    assert code == 2, err


def test_a_kpi_table_with_such_a_name_in_its_findings(tmp_path, entry_point):
    kpis = tmp_path / "kpis.csv"
    kpis.write_text("自治体,指標,年度,目標,実績,単位,出典\n熊谷市,観光客数,2024,多い,100,人,市\n",
                    encoding="utf-8")
    named = cp932_copy(kpis, tmp_path / "opt", ".csv")
    out = tmp_path / "reports"
    code, _, err = _clean(*entry_point("analyze", SAMPLE, "--kpis", named, "--out", out,
                                       "--quiet", "--format", "json"))
    assert code in (0, 1), err
    summary = (out / "cases" / "summary.json").read_text("utf-8")
    assert SHOWN.replace(".xlsx", ".csv") in summary and "\\udc8e" not in summary
