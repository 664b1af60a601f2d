"""The checked-in example report is what the documented command makes from the sample."""

from conftest import ROOT


def test_example_report_matches_the_sample(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the documented command runs from the repository root
    result = cli("analyze", "data/cases.xlsx", "--format", "md,json,svg", "--out", tmp_path,
                 "--quiet")
    assert result.exit_code == 0, result.output
    committed, fresh = ROOT / "reports" / "cases", tmp_path / "cases"
    hint = ("reports/cases/ is out of date: run "
            "`flowmatrix analyze data/cases.xlsx --format md,json,svg` and commit it")
    for name in ("report.md", "summary.json"):
        assert (committed / name).read_bytes() == (fresh / name).read_bytes(), hint
    # Chart files (the SVG report.md links) depend on the installed matplotlib and FreeType,
    # so they are compared by name: the committed report has exactly the charts a fresh run
    # makes.
    assert sorted(p.name for p in (committed / "charts").iterdir()) == \
        sorted(p.name for p in (fresh / "charts").iterdir()), hint
