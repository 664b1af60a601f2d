"""The run itself is robust (#14, #15): a batch never reads its own reports, survives a reader
that crashes, stops cleanly on SIGINT/SIGTERM, and turns every file-system error in writing into
one message naming the path (exit 2) with the previous report intact."""

from __future__ import annotations

import json

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


def test_reports_inside_the_input_folder_are_not_inputs(cli, tmp_path):
    inbox = two_file_inbox(tmp_path / "台帳")
    for _ in range(2):  # the second run finds the first run's reports inside 台帳/
        result = cli("analyze", inbox, "--out", inbox / "reports")
        assert result.exit_code == 0, result.output
        assert combined_cases(inbox / "reports") == 32
        assert "2 of 2 inputs reported" in result.output
    # a report folder written elsewhere earlier (json among its formats) is recognised too,
    # and so is a whole batch folder written without summary.json
    assert cli("analyze", inbox, "--out", inbox / "other", "--format", "md").exit_code == 0
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


# 2. A report folder that is a link (to a share) stays a link


def test_a_linked_report_folder_is_filled_not_replaced(cli, tmp_path):
    share = tmp_path / "share"
    (share / "cases").mkdir(parents=True)
    (share / "cases" / "old-note.txt").write_text("from an earlier run")
    (share / "keep.txt").write_text("not ours")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "cases").symlink_to(share / "cases", target_is_directory=True)
    for _ in range(3):
        result = cli("analyze", ROOT / "data" / "cases.csv", "--out", out, "--format", "json,md")
        assert result.exit_code == 0, result.output
        assert (out / "cases").is_symlink()
        assert (out / "cases").readlink() == share / "cases"
        assert sorted(p.name for p in (share / "cases").iterdir()) == ["report.md",
                                                                       "summary.json"]
        assert sorted(p.name for p in out.iterdir()) == ["cases"]  # nothing hidden left
        assert sorted(p.name for p in share.iterdir()) == ["cases", "keep.txt"]
    assert json.loads((share / "cases" / "summary.json").read_text("utf-8"))["cases"] == 31
    (share / "cases").rename(share / "moved")  # now the link points nowhere: refused, kept
    result = cli("analyze", ROOT / "data" / "cases.csv", "--out", out, "--format", "json")
    assert result.exit_code == 2
    assert "a link to a folder that does not exist" in result.output
    assert (out / "cases").is_symlink() and sorted(p.name for p in out.iterdir()) == ["cases"]
