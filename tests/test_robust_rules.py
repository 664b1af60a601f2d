"""Robustness of the rules a user can hand in (#14): taxonomy patterns that cannot hang, taxonomy
and header files that are too big, deep or badly saved, duplicate findings that name a group
once, and report.md text that cannot inject markup."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import JA_HEADER, ROOT

from flowmatrix.classification.taxonomy import load_taxonomy
from flowmatrix.errors import TaxonomyError

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The CLI in a child process (so a hang is a timeout, not a stuck test run)."""
    return subprocess.run([sys.executable, "-m", "flowmatrix", *map(str, args)], env=ENV,
                          capture_output=True, text=True, timeout=timeout)


def themes_file(tmp_path, patterns: list[str], keywords: tuple[str, ...] = ("叫び",),
                name: str = "themes.toml"):
    path = tmp_path / name
    listed = ", ".join(f"'{p}'" for p in patterns)
    words = ", ".join(f'"{k}"' for k in keywords)
    path.write_text('extends = "default"\n[[theme]]\nid = "shout"\nja = "叫び"\nen = "Shout"\n'
                    f"keywords = [{words}]\npatterns = [{listed}]\n", encoding="utf-8")
    return path


# --- 1. patterns run with RE2: no backtracking, so none can hang --------------------------------

def test_a_catastrophic_pattern_cannot_hang_analyze(tmp_path):
    # Python's re backtracks (.+)+ exponentially on a text with no "!": 2**40 steps
    themes = themes_file(tmp_path, ["(.+)+[!？]"])
    inventory = tmp_path / "cases.csv"
    rows = [",".join(JA_HEADER), "1,市,地域通貨,購買履歴,ヘルスケアアプリ," + "あ" * 40 + ",",
            "2,市,地域通貨,購買履歴,ヘルスケアアプリ,声を上げよう！,"]
    inventory.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("classify", inventory, "--themes", themes, "--format", "json", timeout=60)
    assert result.returncode == 0, result.stderr
    assert '"theme_id": "shout"' in result.stdout  # the pattern still works where it matches


@pytest.mark.parametrize("pattern, why", [
    (r"(a)\1", "backreference"),
    ("a(?=b)c", "lookaround"),
    ("(?<!x)a|b", "lookaround"),
    ("(?<![a-z]+)ab", "bounded"),
])
def test_a_pattern_re2_cannot_run_names_file_entry_and_pattern(tmp_path, pattern, why):
    path = themes_file(tmp_path, [pattern])
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    message = str(caught.value)
    assert str(path) in message and 'theme[1] (id "shout").patterns[1]' in message
    assert repr(pattern) in message and why in message


def test_the_cli_refuses_such_a_pattern_with_exit_2(cli, tmp_path):
    path = themes_file(tmp_path, ["(?<!x)a|b"])
    result = cli("themes", "--themes", path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "patterns[1]" in result.output and "(?<!x)a|b" in result.output


def test_lookaround_at_the_edges_still_works_like_pythons(tmp_path):
    # the shipped taxonomies write English words as (?<![a-z])word(?![a-z]), and a few
    # Japanese words with a lookbehind or lookahead
    path = themes_file(tmp_path, ["(?<![a-z])bus(es)?(?![a-z])", "(?<!機械)(?<!深層)学習",
                                  "環境(?!整備|構築)"])
    taxonomy = load_taxonomy(path)
    from flowmatrix.classification.matcher import Matcher

    matcher = Matcher(taxonomy)
    texts = ["city buses", "omnibus", "busy", "bus", "機械学習", "生涯学習", "環境整備",
             "環境データ", "bus-bus"]
    hits = matcher.match(texts)
    shout = taxonomy.ids.index("shout")
    found = sorted({(int(t), term) for t, theme, term in zip(hits.text, hits.theme, hits.term,
                                                              strict=True) if theme == shout})
    assert found == [(0, "buses"), (3, "bus"), (5, "学習"), (7, "環境"), (8, "bus")]


def test_the_shipped_taxonomies_compile_under_re2():
    for kind in ("theme", "service_type", "data_category", "value_type"):
        assert load_taxonomy(kind=kind).themes
