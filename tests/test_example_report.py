"""The checked-in example report is what the documented command makes from the sample."""

from conftest import ROOT


def test_example_report_matches_the_sample(sample_report):
    # The session's report of the sample (conftest.py) is the documented command run from the
    # repository root, with every format: report.md and summary.json are the same whichever
    # other formats are written beside them (md links the SVG charts, written in both).
    committed, (fresh, _) = ROOT / "reports" / "cases", sample_report
    hint = ("reports/cases/ is out of date: run "
            "`flowmatrix analyze data/cases.xlsx --format md,json,svg` and commit it")
    for name in ("report.md", "summary.json"):
        assert (committed / name).read_bytes() == (fresh / name).read_bytes(), hint
    # Chart files (the SVG report.md links) depend on the installed matplotlib and FreeType,
    # so they are compared by name: the committed report has exactly the charts a fresh run
    # makes.
    assert sorted(p.name for p in (committed / "charts").iterdir()) == \
        sorted(p.name for p in (fresh / "charts").iterdir()), hint
