"""Robustness of the rules a user can hand in (#14): taxonomy patterns that cannot hang, taxonomy
and header files that are too big, deep or badly saved, duplicate findings that name a group
once, and report.md text that cannot inject markup."""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys

import pytest
from conftest import JA_HEADER, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_a_pattern_that_reads_to_the_end_for_every_match_stays_linear():
    # a(.*z)? on 200,000 "a": each of 200,000 searches read to the end (160,000 took 28 s)
    code = ("from flowmatrix.classification.patterns import compile_pattern; "
            "print(len(list(compile_pattern('a(.*z)?').finditer('a' * 200_000))))")
    child = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True,
                           text=True, timeout=20)
    assert child.stdout.split() == ["1000"], child.stderr


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


# --- 2. taxonomies over a stated size are refused; one just under it loads quickly --------------

def big_taxonomy(path, words: int, entries: int = 1, length: int = 4):
    """`entries` themes sharing `words` distinct keywords of `length` kana (most in the first)."""
    kana = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわ"
    def word(n):
        return "".join(kana[(n // len(kana) ** i) % len(kana)] for i in range(length))
    lines = []
    per_entry = [words - (entries - 1)] + [1] * (entries - 1)
    first = 0
    for index, count in enumerate(per_entry):
        listed = ", ".join(f'"{word(n)}"' for n in range(first, first + count))
        first += count
        lines.append(f'[[theme]]\nid = "t{index}"\nja = "T{index}"\nen = "T{index}"\n'
                     f"keywords = [{listed}]\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("words, entries, length, phrase", [
    (25_000, 1, 3, "too big: 25,000 keywords, patterns and aliases; a taxonomy may have at most 20,000"),
    (201, 201, 4, "too big: 201 [[theme]] entries; a taxonomy may have at most 200"),
    (10_000, 1, 16, "too big: 160,000 characters of keywords, patterns and aliases; a taxonomy may have at most 150,000"),
])
def test_a_huge_taxonomy_is_refused_with_its_size(tmp_path, words, entries, length, phrase):
    path = big_taxonomy(tmp_path / "themes.toml", words, entries, length)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert str(path) in str(caught.value) and phrase in str(caught.value)


def test_a_taxonomy_file_over_2_mib_is_refused_before_it_is_read(tmp_path, cli):
    # 200,000 keywords (3.2 MB) took over 60 s
    path = big_taxonomy(tmp_path / "themes.toml", 200_000)
    result = cli("themes", "--themes", path)
    assert result.exit_code == 2 and "themes.toml" in result.output
    assert "the file is 3,200,052 bytes; a taxonomy may be at most 2,097,152 bytes" in result.output


def test_a_taxonomy_just_under_the_limits_classifies_in_seconds(tmp_path):
    # 20,000 keywords (19,802 in one theme, 4 kana each) in 199 themes: comparing the keywords
    # of a theme pairwise took 37 s; measured about 2 s for the whole command
    themes = big_taxonomy(tmp_path / "themes.toml", 20_000, 199)
    inventory = tmp_path / "cases.csv"
    rows = [",".join(JA_HEADER)] + [f"{n},市,あいうえ{n},かきくけ,さしすせ,たちつて," for n in range(200)]
    inventory.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run("classify", inventory, "--themes", themes, "--format", "json", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"case_id"') == 200


# --- 3. TOML files saved with a BOM, in cp932 or nested thousands deep -------------------------

THEMES_TOML = ('[[theme]]\nid = "shout"\nja = "叫び"\nen = "Shout"\nkeywords = ["叫び"]\n')
HEADERS_TOML = '[columns]\ncase_id = ["整理番号"]\n'


def saved(path, text: str, how: str):
    data = {"bom": b"\xef\xbb\xbf" + text.encode("utf-8"), "cp932": text.encode("cp932"),
            "deep": (text + "a = " + "[" * 5000 + "]" * 5000 + "\n").encode("utf-8")}[how]
    path.write_bytes(data)
    return path


def test_a_taxonomy_saved_with_a_bom_loads(tmp_path):
    path = saved(tmp_path / "themes.toml", THEMES_TOML, "bom")
    assert load_taxonomy(path).ids == ["shout", "other"]


def test_a_headers_file_saved_with_a_bom_loads(tmp_path):
    from flowmatrix.io.columns import load_header_aliases

    path = saved(tmp_path / "headers.toml", HEADERS_TOML, "bom")
    assert load_header_aliases(path).match("整理番号") == "case_id"


@pytest.mark.parametrize("how, phrase", [
    ("cp932", "is not UTF-8 (it looks like Shift_JIS / cp932): save it as UTF-8"),
    ("deep", "nested too deeply"),
])
@pytest.mark.parametrize("option, text", [("--themes", THEMES_TOML), ("--headers", HEADERS_TOML)],
                         ids=["themes", "headers"])
def test_a_toml_file_in_cp932_or_nested_deep_is_a_message_naming_it(cli, tmp_path, how, phrase,
                                                                       option, text):
    rules = saved(tmp_path / "rules.toml", text, how)
    inventory = tmp_path / "cases.csv"
    inventory.write_text(",".join(JA_HEADER) + "\n1,市,A,B,C,D,\n", encoding="utf-8")
    result = cli("validate", inventory, option, rules)
    assert result.exit_code == 2, result.output
    assert "rules.toml" in result.output and phrase in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("option", ["--themes", "--headers"])
def test_a_named_pipe_as_a_rules_file_is_refused_not_waited_on(tmp_path, option):
    pipe = tmp_path / "rules.toml"
    os.mkfifo(pipe)
    inventory = tmp_path / "cases.csv"
    inventory.write_text(",".join(JA_HEADER) + "\n1,市,A,B,C,D,\n", encoding="utf-8")
    result = run("validate", inventory, option, pipe, timeout=30)
    assert result.returncode == 2 and "rules.toml" in result.stderr + result.stdout
    assert "not a regular file" in result.stderr + result.stdout


# --- 4. a group of duplicates is one finding naming its first rows and its size ----------------

MEASURED = ("import resource, subprocess, sys; run = subprocess.run(sys.argv[2:], "
            "stdout=open(sys.argv[1], 'w', encoding='utf-8'), timeout=60); "
            "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


@pytest.fixture(scope="module")
def duplicate_inventories(tmp_path_factory):
    """10,000 cases with the same 事例ID (1 MB), and 10,000 identical rows. Listing every other
    row in each row's finding took 1.9 GB and 25-32 s in validate, over 120 s in analyze."""
    folder = tmp_path_factory.mktemp("duplicates")
    header = ",".join(JA_HEADER) + "\n"
    same_id = folder / "same_id.csv"
    same_id.write_text(header + "".join(f"7,市,地域通貨{n},購買履歴{n},ヘルスケアアプリ{n},健康アドバイス{n},\n"
                                        for n in range(10_000)), encoding="utf-8")
    identical = folder / "identical.csv"
    identical.write_text(header + "".join(f"{n},市,地域通貨,購買履歴,ヘルスケアアプリ,健康アドバイス,\n"
                                          for n in range(10_000)), encoding="utf-8")
    return folder


def test_duplicate_groups_of_10000_rows_stay_small_in_validate_and_analyze(duplicate_inventories):
    folder = duplicate_inventories
    commands = {
        "validate same_id": ["validate", folder / "same_id.csv", "--format", "json"],
        "validate identical": ["validate", folder / "identical.csv", "--format", "json"],
        "analyze same_id": ["analyze", folder / "same_id.csv", "--out", folder / "out",
                            "--format", "md,json", "--quiet"],
    }
    # all at once, each measured by its own parent: exit code and peak memory (KiB on Linux)
    running = {key: subprocess.Popen([sys.executable, "-c", MEASURED, folder / f"{key}.out",
                                      sys.executable, "-m", "flowmatrix", *map(str, args)],
                                     env=ENV, stdout=subprocess.PIPE, text=True)
               for key, args in commands.items()}
    measured = {key: tuple(map(int, process.communicate(timeout=120)[0].split()))
                for key, process in running.items()}
    assert {key: code for key, (code, _) in measured.items()} == {
        "validate same_id": 1, "validate identical": 0, "analyze same_id": 1}
    assert all(peak < 1024 * 1024 for _, peak in measured.values()), measured  # under 1 GB
    validated = json.loads((folder / "validate identical.out").read_text("utf-8"))["files"][0]
    assert validated["cases"] == 10_000
    assert [(f["code"], f["cell"]) for f in validated["findings"]] == [("duplicate-case", "C2")]
    assert validated["findings"][0]["message"].startswith(
        "10,000 rows hold the same four elements: 2, 3, 4, 5, 6, … (the first 5); copies")
    report = (folder / "out" / "same_id" / "report.md").read_text("utf-8")
    assert report.count("duplicate-case-id") == 1
    assert "事例ID「7」が 10,000 行で使われています（2, 3, 4, 5, 6, … 行目）" in visible(
        rendered(report))  # the Japanese report says it in Japanese
    summary = json.loads((folder / "out" / "same_id" / "summary.json").read_text("utf-8"))
    assert [f["code"] for f in summary["findings"]] == ["duplicate-case-id"]


# --- 5. report.md shows inventory text as text, never as markup ---------------------------------

HOSTILE = ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "[x](javascript:alert(1))",
           "![t](http://tracker.example/p.png)", "**bold** _em_ `code` ~~del~~", "&amp; &#60;b&#62;",
           "# not a heading ##", "a | b \\| c \\", "<http://example.com>", "www.example.com",
           "R&D (研究) !", "[ref]: http://example.com", "x<!-- c -->y", "a*b*c_d_e"]


def rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def visible(html: str) -> str:
    import html as entities
    import re

    return entities.unescape(re.sub(r"<[^>]*>", "", html))


@pytest.mark.parametrize("text", HOSTILE)
def test_a_table_cell_renders_as_the_text_it_holds(text):
    from flowmatrix.render.markdown import table

    html = rendered(table(["見出し"], [[text]]))
    assert visible(html.split("<td>")[1].split("</td>")[0]) == text
    assert "<td><" not in html.replace("<td></td>", "")  # no tag inside the cell


@pytest.mark.parametrize("text", HOSTILE)
def test_a_heading_renders_as_the_text_it_holds(text):
    from flowmatrix.render.markdown import cell

    html = rendered(f"### {cell(text)}\n")
    assert html.startswith("<h3>") and visible(html).strip() == text
    assert html.count("<") == 2  # <h3> and </h3>, nothing else


def test_hostile_text_in_cells_sheet_theme_labels_and_file_name_stays_text(cli, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "<img src=x onerror=alert(1)>"  # Excel allows no / [ ] : in a name
    sheet.append(JA_HEADER)
    for number, text in enumerate(HOSTILE, start=1):
        sheet.append([number, text, f"地域通貨{text}", "購買履歴", "ヘルスケアアプリ", "健康アドバイス", ""])
    name = "[f](javascript:alert(1))<img src=x>.xlsx"
    book.save(tmp_path / name)
    themes = tmp_path / "themes.toml"
    themes.write_text('extends = "default"\n[[theme]]\nid = "health"\n'
                      "ja = '<script>alert(\"ja\")</script>![t](http://tracker.example/t.png)'\n",
                      encoding="utf-8")
    result = cli("analyze", tmp_path / name, "--themes", themes, "--format", "md,png", "--out",
                 tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    markdown = next((tmp_path / "out").glob("*/report.md")).read_text("utf-8")
    html = rendered(markdown)
    lowered = html.lower()
    assert "<script" not in lowered and "<svg" not in lowered and "javascript:" not in \
        lowered.replace("javascript:alert", "")  # only as visible text, checked below
    for href in re.findall(r'(?:href|src)="([^"]*)"', html):
        assert href.startswith("charts/") and ":" not in href, href
    assert html.count("<img") == len(re.findall(r'<img src="charts/', html)) > 0
    shown = visible(html)
    for text in [*HOSTILE, sheet.title, name, '<script>alert("ja")</script>']:
        assert " ".join(text.split()) in " ".join(shown.split()), text


@given(st.lists(st.sampled_from([*string.punctuation, *"ab 1w健", "www.", "://", "&#x41;", "&amp;"]),
                max_size=20).map("".join))
@settings(max_examples=300, deadline=None)
def test_any_punctuation_renders_as_itself_in_a_cell_and_a_heading(text):
    from flowmatrix.render.markdown import cell, table

    expected = " ".join(text.split())
    html = rendered(table(["h"], [[text]]))
    inside = html.split("<td>")[1].split("</td>")[0] if "<td>" in html else ""
    assert " ".join(visible(inside).split()) == expected and "<" not in inside
    heading = rendered(f"### {cell(text)}\n") if expected else "<h3></h3>"
    assert heading.count("<") == 2 and " ".join(visible(heading).split()) == expected
