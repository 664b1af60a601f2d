"""The checked-in example report is what the documented command makes from the sample."""

from conftest import ROOT


def test_example_report_matches_the_sample(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the documented command runs from the repository root
    result = cli("analyze", "data/cases.xlsx", "--format", "md,json,png", "--out", tmp_path,
                 "--quiet")
    assert result.exit_code == 0, result.output
    committed, fresh = ROOT / "reports" / "cases", tmp_path / "cases"
    hint = ("reports/cases/ is out of date: run "
            "`flowmatrix analyze data/cases.xlsx --format md,json,png` and commit it")
    for name in ("report.md", "summary.json"):
        assert (committed / name).read_bytes() == (fresh / name).read_bytes(), hint
    # Chart PNGs depend on the installed matplotlib and FreeType, so they are compared by name:
    # the committed report links exactly the charts a fresh run makes.
    assert sorted(p.name for p in (committed / "charts").glob("*.png")) == \
        sorted(p.name for p in (fresh / "charts").glob("*.png")), hint
