"""validate for CI (#18): GitHub workflow commands, GitLab Code Quality, SARIF 2.1.0 (checked
against the official schema), JUnit XML; a baseline that gates on new findings only; the
pre-commit hook and the GitHub Action; the terminal output in the chosen language; a closed
pipe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import FIXTURES, JA_HEADER, ROOT, write_xlsx

from flowmatrix import FileResult, Finding
from flowmatrix.render import ci

CSV_HEADER = "No,①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス,テーマ\n"
CSV_GOOD = "1,地域通貨,購買履歴,クーポン配信,商店街振興,観光\n"
CSV_ROWS = CSV_GOOD + "2,防災アプリ,安否情報,,避難支援,\n"  # row 3: ③ missing, an error


@pytest.fixture(scope="module")
def inventories(tmp_path_factory):
    """A workbook with one error (D3: ② missing), one warning (G4: unknown theme) and one
    note (a sensitive flow), and a CSV with one error at D3 (③ missing)."""
    folder = tmp_path_factory.mktemp("ci")
    book = write_xlsx(folder / "cases.xlsx", {"事例一覧": [
        JA_HEADER,
        [1, "市", "健診システム", "特定健診結果", "PHRアプリ", "生活改善アドバイス", "健康"],
        [2, "市", "地域通貨", None, "クーポン配信", "商店街振興", "観光"],
        [3, "市", "観光アプリ", "位置情報", "交通事業者", "混雑回避", "宇宙開発"]]})
    text = folder / "cases.csv"
    text.write_text(CSV_HEADER + CSV_ROWS, encoding="utf-8")
    return book, text


def validate(cli, *args):
    result = cli("validate", *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def all_findings(cli, *paths):
    """(severity, code, row) of every finding, from today's JSON."""
    files = json.loads(validate(cli, *paths, "--format", "json").stdout)["files"]
    return sorted((f["severity"], f["code"], f["row"]) for entry in files
                  for f in entry["findings"])


# --- GitHub -------------------------------------------------------------------------------

GITHUB_LINE = re.compile(r"^::(error|warning|notice) file=([^,:]+)(?:,line=(\d+))?,"
                         r"title=([a-z-]+)::(.+)$")


def test_github_one_workflow_command_per_finding(cli, inventories):
    book, text = inventories
    result = validate(cli, book, text, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    parsed = [GITHUB_LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert len(lines) == len(all_findings(cli, book, text)) == 4
    commands = {(m[1], Path(m[2]).name, m[3], m[4]) for m in parsed}
    # the CSV row is the line; a workbook has none and its message carries Sheet!Cell
    assert ("error", "cases.csv", "3", "missing-element") in commands
    assert ("error", "cases.xlsx", None, "missing-element") in commands
    assert ("warning", "cases.xlsx", None, "unknown-theme") in commands
    assert ("notice", "cases.xlsx", None, "sensitive-flow") in commands
    book_error = next(m for m in parsed if m[1] == "error" and m[2].endswith(".xlsx"))
    assert book_error[5].startswith("事例一覧!D3: ")
    csv_error = next(m for m in parsed if m[2].endswith(".csv"))
    assert csv_error[5].startswith("D3: ")


def test_github_escapes_data_and_properties_as_the_toolkit_does():
    finding = Finding("warning", "suspicious-cell", "50% done\r\nnext: a, b", file="x:y,z.csv",
                      cell="B2", row=2)
    (line,) = ci.github_lines([FileResult("x:y,z.csv", None, 1, [finding])]).decode().splitlines()
    assert line == ("::warning file=x%3Ay%2Cz.csv,line=2,title=suspicious-cell::"
                    "B2: 50%25 done%0D%0Anext: a, b")


# --- GitLab -------------------------------------------------------------------------------

def test_gitlab_code_quality_report(cli, inventories):
    book, text = inventories
    result = validate(cli, book, text, "--format", "gitlab")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert len(issues) == 4
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["path"].endswith(("cases.xlsx", "cases.csv"))
    assert len({issue["fingerprint"] for issue in issues}) == 4
    assert {(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues
            if i["location"]["path"].endswith(".csv")} == {("missing-element", "major", 3)}


def test_gitlab_fingerprints_stay_when_rows_move(cli, tmp_path):
    """A row inserted above moves every finding down a row; GitLab must not see them as new."""
    path = tmp_path / "cases.csv"
    path.write_text(CSV_HEADER + CSV_ROWS, encoding="utf-8")
    before = {i["fingerprint"]: i for i in json.loads(
        validate(cli, path, "--format", "gitlab").stdout)}
    path.write_text(CSV_HEADER + "9,見守りセンサー,室温,,見守り,\n" + CSV_ROWS, encoding="utf-8")
    after = {i["fingerprint"]: i for i in json.loads(
        validate(cli, path, "--format", "gitlab").stdout)}
    assert set(before) < set(after) and len(after) == 2
    (old,) = before
    assert (before[old]["location"]["lines"]["begin"],
            after[old]["location"]["lines"]["begin"]) == (3, 4)


# --- SARIF --------------------------------------------------------------------------------

def test_sarif_is_valid_against_the_sarif_2_1_0_schema(cli, inventories):
    import jsonschema

    book, text = inventories
    result = validate(cli, book, text, "--format", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    codes = [r["id"] for r in rules]
    assert codes == ["missing-element", "sensitive-flow", "unknown-theme"]
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    results = run["results"]
    assert len(results) == 4
    assert all(codes[r["ruleIndex"]] == r["ruleId"] for r in results)
    (book_error,) = [r for r in results if r["ruleId"] == "missing-element"
                     and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                     .endswith(".xlsx")]
    assert book_error["level"] == "error"
    location = book_error["locations"][0]
    assert location["physicalLocation"]["region"] == {"startLine": 3}
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "事例一覧!D3"
    assert {r["level"] for r in results} == {"error", "warning", "note"}


def test_sarif_uri_of_a_japanese_path_with_spaces_is_a_valid_uri_reference(cli, tmp_path):
    import jsonschema

    path = tmp_path / "台帳 2024.csv"
    path.write_text(CSV_HEADER + CSV_ROWS, encoding="utf-8")
    sarif = json.loads(validate(cli, path, "--format", "sarif").stdout)
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"].endswith("/%E5%8F%B0%E5%B8%B3%202024.csv")


def test_every_finding_code_the_checks_make_has_a_sarif_rule():
    source = "\n".join(p.read_text("utf-8") for p in (ROOT / "flowmatrix").rglob("*.py"))
    codes = set(re.findall(r'"(?:error|warning|info)",\s*"([a-z]+-[a-z-]+)"', source))
    assert {"missing-element", "sensitive-flow", "missing-columns"} <= codes
    assert codes <= set(ci.RULES), codes - set(ci.RULES)


# --- JUnit --------------------------------------------------------------------------------

def test_junit_one_test_case_per_inventory_and_a_failure_per_error(cli, inventories, tmp_path):
    book, text = inventories
    good = tmp_path / "good.csv"
    good.write_text(CSV_HEADER + CSV_GOOD, encoding="utf-8")
    result = validate(cli, book, text, good, "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout_bytes)
    cases = {Path(c.get("name")).name: c for c in root.iter("testcase")}
    assert set(cases) == {"cases.xlsx", "cases.csv", "good.csv"}
    assert [f.get("type") for f in cases["cases.xlsx"].findall("failure")] == ["missing-element"]
    assert "事例一覧!D3" in cases["cases.xlsx"].find("failure").get("message")
    assert "unknown-theme" in cases["cases.xlsx"].find("system-out").text
    assert len(cases["cases.csv"].findall("failure")) == 1 and not list(cases["good.csv"])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "0")
    strict = ET.fromstring(validate(cli, book, "--format", "junit", "--strict").stdout_bytes)
    assert sorted(f.get("type") for f in strict.iter("failure")) == ["missing-element",
                                                                     "unknown-theme"]


def test_junit_a_missing_file_is_an_error_and_odd_text_still_parses(cli, tmp_path):
    result = validate(cli, tmp_path / "missing.xlsx", "--format", "junit")
    assert result.exit_code == 2
    (error,) = ET.fromstring(result.stdout_bytes).iter("error")
    assert error.get("type") == "file-not-found"
    finding = Finding("error", "suspicious-cell", 'a <b> & "c"\x01\x1b]0;x\x07 ]]> end',
                      file="a&b.csv", cell="B2", row=2)
    root = ET.fromstring(ci.junit_xml([FileResult("a&b.csv", None, 1, [finding])]))
    (failure,) = root.iter("failure")
    assert failure.get("message") == 'B2: a <b> & "c"\ufffd\ufffd]0;x\ufffd ]]> end'
    assert next(root.iter("testcase")).get("name") == "a&b.csv"


# --- one pipeline: the same findings everywhere --------------------------------------------

def test_every_format_has_the_findings_of_the_json(cli, inventories):
    book, text = inventories
    expected = all_findings(cli, book, text)
    github = validate(cli, book, text, "--format", "github").stdout.splitlines()
    gitlab = json.loads(validate(cli, book, text, "--format", "gitlab").stdout)
    sarif = json.loads(validate(cli, book, text, "--format", "sarif").stdout)
    assert sorted(GITHUB_LINE.match(line)[4] for line in github) \
        == sorted(i["check_name"] for i in gitlab) \
        == sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) \
        == sorted(code for _, code, _ in expected)
    json_files = json.loads(validate(cli, book, "--format", "json").stdout)["files"]
    assert set(json_files[0]) == {"path", "sheet", "cases", "counts", "findings"}  # unchanged


# --- the terminal, in the chosen language -------------------------------------------------

def test_terminal_output_speaks_the_language(cli, inventories):
    book, _ = inventories
    ja = validate(cli, book, "--format", "table").stdout
    assert "(シート '事例一覧'): 事例 3 件、エラー 1 件、警告 1 件、情報 1 件" in ja
    assert all(word in ja for word in ("重要度", "コード", "場所", "内容", "エラー", "警告"))
    en = validate(cli, book, "--format", "lines", "--lang", "en").stdout
    assert "(sheet '事例一覧'): 3 cases, 1 error, 1 warning, 1 note" in en
    assert f"{book}:事例一覧!D3: Error [missing-element]" in en


def test_a_reader_that_stops_early_gets_no_traceback_and_the_job_keeps_its_code(tmp_path):
    """`validate … | head -1`: stdout closes after one line; the exit code is the inventory's
    (0 here: notes only), never 1 from the broken pipe, and nothing is said on stderr. The
    same for the other commands (`tally … | head`), which rich and click ended with 1."""
    path = tmp_path / "many.csv"
    rows = [f"{i},健診システム{i},特定健診結果,PHRアプリ,生活改善アドバイス{i},健康"
            for i in range(1, 1001)]  # 1,000 notes, 200 kB: more than a pipe holds
    path.write_text(CSV_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    sample = str(ROOT / "data" / "cases.csv")  # what the reader closes on needs no size
    commands = [("validate", path, "--format", "lines"), ("validate", path, "--format", "json"),
                ("tally", sample)]  # printed by rich, or written as bytes
    children = [subprocess.Popen([sys.executable, "-m", "flowmatrix", command, str(inventory),
                                  *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
                for command, inventory, *args in commands]
    for child in children:  # all at once: each is a second of start-up
        if child.args[3] == "validate":
            child.stdout.readline()
        child.stdout.close()
    said = subprocess.Popen([sys.executable, "-m", "flowmatrix", "tally", sample, "-o",
                             str(tmp_path / "t.csv")], stderr=subprocess.PIPE, cwd=ROOT)
    said.stderr.close()  # and stderr's reader: "…を書き出しました" goes nowhere
    for child in children:
        stderr = child.stderr.read().decode()
        assert (child.wait(timeout=120), stderr) == (0, ""), child.args
    assert said.wait(timeout=120) == 0 and (tmp_path / "t.csv").exists()


# --- the baseline -------------------------------------------------------------------------

def baseline_book(path, extra_rows=()):
    """Case 1 lacks ② (an error at D2), case 2 declares an unknown theme (a warning at G3);
    `extra_rows` are inserted above them, moving both down."""
    write_xlsx(path, {"事例一覧": [
        JA_HEADER, *extra_rows,
        [1, "市", "地域通貨", None, "クーポン配信", "商店街振興", "観光"],
        [2, "市", "観光アプリ", "位置情報", "交通事業者", "混雑回避", "宇宙開発"]]})
    return path


def test_baseline_round_trip_reports_only_the_new_row(cli, tmp_path):
    book = baseline_book(tmp_path / "cases.xlsx")
    base = tmp_path / "baseline.json"
    assert validate(cli, book).exit_code == 1
    written = validate(cli, book, "--write-baseline", base)
    assert written.exit_code == 0
    assert "baseline.json を書き出しました（指摘 2 件）" in written.output
    entries = json.loads(base.read_text("utf-8"))["findings"]
    assert [(e["code"], e["file"], e["sheet"], e["case"], e["column"], e["count"])
            for e in entries] == [
        ("missing-element", "cases.xlsx", "事例一覧", "1", "data", 1),
        ("unknown-theme", "cases.xlsx", "事例一覧", "2", "theme", 1)]
    quiet = validate(cli, book, "--baseline", base, "--format", "lines")
    assert quiet.exit_code == 0 and "事例 2 件、問題なし" in quiet.stdout

    # one bad row inserted above: every old finding moves down a row, only the new one counts
    baseline_book(book, [[9, "市", "見守りセンサー", "室温", None, "見守り", ""]])
    result = validate(cli, book, "--baseline", base, "--format", "json")
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)["files"]
    assert [(f["code"], f["cell"]) for f in entry["findings"]] == [("missing-element", "E2")]
    assert entry["counts"] == {"error": 1, "warning": 0, "info": 0}
    github = validate(cli, book, "--baseline", base, "--format", "github").stdout.splitlines()
    assert len(github) == 1 and "事例一覧!E2" in github[0]


def test_baseline_exit_code_is_that_of_the_new_findings_alone(cli, tmp_path):
    """The baseline holds an error; a new warning alone passes, and fails with --strict."""
    book = baseline_book(tmp_path / "cases.xlsx")
    base = tmp_path / "baseline.json"
    validate(cli, book, "--write-baseline", base)
    baseline_book(book, [[9, "市", "見守りセンサー", "室温", "町役場", "見守り", "宇宙旅行"]])
    result = validate(cli, book, "--baseline", base, "--format", "json")
    assert result.exit_code == 0
    assert [f["code"] for f in json.loads(result.stdout)["files"][0]["findings"]] \
        == ["unknown-theme"]
    assert validate(cli, book, "--baseline", base, "--strict").exit_code == 1


def test_a_second_equal_problem_in_a_case_is_new(cli, tmp_path):
    """Keys are counted: a case id used twice more is two new findings, not zero."""
    path = tmp_path / "cases.csv"
    path.write_text(CSV_HEADER + CSV_GOOD + CSV_GOOD.replace("地域通貨", "商店街アプリ"), "utf-8")
    base = tmp_path / "baseline.json"
    validate(cli, path, "--write-baseline", base)
    path.write_text(path.read_text("utf-8") + CSV_GOOD.replace("地域通貨", "観光アプリ"), "utf-8")
    result = validate(cli, path, "--baseline", base, "--format", "json")
    found = json.loads(result.stdout)["files"][0]["findings"]
    assert result.exit_code == 1
    assert [f["code"] for f in found] == ["duplicate-case-id"]


def test_baseline_paths_are_relative_to_the_baseline_file(cli, tmp_path, monkeypatch):
    book = baseline_book(tmp_path / "cases.xlsx")
    base = tmp_path / "ci" / "baseline.json"
    base.parent.mkdir()
    validate(cli, book, "--write-baseline", base)  # absolute paths
    assert json.loads(base.read_text("utf-8"))["findings"][0]["file"] == "../cases.xlsx"
    monkeypatch.chdir(tmp_path)
    assert validate(cli, "cases.xlsx", "--baseline", "ci/baseline.json").exit_code == 0


@pytest.mark.parametrize("content, phrase", [
    (None, "baseline file not found; create it with --write-baseline"),
    (b"{not json", "not a flowmatrix baseline file"),
    (b'{"findings": []}', "not a flowmatrix baseline file"),
    (b'{"flowmatrix_baseline": 1, "findings": [{"code": "x"}]}', "not a flowmatrix baseline"),
])
def test_a_bad_baseline_file_cannot_run(cli, inventories, tmp_path, content, phrase):
    base = tmp_path / "baseline.json"
    if content is not None:
        base.write_bytes(content)
    result = validate(cli, inventories[0], "--baseline", base)
    assert result.exit_code == 2
    assert phrase in " ".join(result.output.split()) and "baseline.json" in result.output
    assert "Traceback" not in result.output


def test_a_baseline_never_hides_a_file_that_cannot_be_read(english_messages, cli, tmp_path):
    base = tmp_path / "baseline.json"
    missing = tmp_path / "missing.xlsx"
    assert validate(cli, missing, "--write-baseline", base).exit_code == 2
    result = validate(cli, missing, "--baseline", base)
    assert result.exit_code == 2 and "file not found" in result.output
    both = validate(cli, missing, "--baseline", base, "--write-baseline", base)
    assert both.exit_code == 2 and "give one" in both.output


# --- the pre-commit hook and the GitHub Action -------------------------------------------

def hook() -> dict[str, str]:
    """The one hook of .pre-commit-hooks.yaml, its `key: value` lines (no YAML parser needed)."""
    text = (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8")
    items = re.findall(r"^- id: (.+)$|^  (\w+): (.+)$", text, re.M)
    fields = {"id": next(i for i, _, _ in items if i)}
    fields.update({key: value for _, key, value in items if key})
    return {k: v.strip().strip("'") for k, v in fields.items()}


def command_line(entry: str) -> list[str]:
    """The entry as pre-commit runs it, `flowmatrix` being the installed command of this
    Python (the venv pip installed into), or the module where it is not installed."""
    program, *args = entry.split()
    installed = Path(sys.executable).parent / program
    return ([str(installed)] if installed.exists() else [sys.executable, "-m", program]) + args


def test_the_pre_commit_hook_runs_on_a_good_and_a_bad_inventory(tmp_path):
    fields = hook()
    assert (fields["id"], fields["language"], fields["entry"]) \
        == ("flowmatrix-validate", "python", "flowmatrix validate")
    files, exclude = re.compile(fields["files"]), re.compile(fields["exclude"])
    for name in ("a.xlsx", "b.XLS", "c.ods", "d.csv", "e.tsv", "f.json", "g.xlsm"):
        assert files.search(f"inventories/{name}"), name
    assert not any(files.search(n) for n in ("README.md", "cases.xlsx.bak", "report.html"))
    assert exclude.search("inventories/~$cases.xlsx") and not exclude.search("cases.xlsx")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(CSV_HEADER + CSV_GOOD, encoding="utf-8")
    bad.write_text(CSV_HEADER + CSV_ROWS, encoding="utf-8")
    for paths, code in (([good], 0), ([good, bad], 1)):  # pre-commit appends the file names
        run = subprocess.run(command_line(fields["entry"]) + [str(p) for p in paths],
                             capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert run.returncode == code, run.stdout + run.stderr
        assert "good.csv: 事例 1 件、問題なし" in run.stdout
    assert f"{bad}:D3: エラー [missing-element]" in run.stdout and "Traceback" not in run.stderr


def action_step(name: str) -> str:
    """The `run:` script of the step called `name` in action.yml, dedented."""
    text = (ROOT / "action.yml").read_text("utf-8")
    step = text.split(f"- name: {name}\n", 1)[1].split("\n    - ", 1)[0]
    script = step.split("run: |\n", 1)[1]
    return "\n".join(line[8:] for line in script.splitlines())


def test_the_action_installs_validates_with_github_format_and_can_upload_reports(tmp_path):
    text = (ROOT / "action.yml").read_text("utf-8")
    assert "using: composite" in text
    for needed in ("  files:", "  python-version:", "  reports:", "actions/setup-python@",
                   'python -m pip install "$GITHUB_ACTION_PATH"', "actions/upload-artifact@",
                   "inputs.reports == 'true'", "flowmatrix analyze $FILES"):
        assert needed in text, needed
    script = action_step("Validate the inventories")
    assert "flowmatrix validate --format github" in script
    folder = tmp_path / "inventories"
    folder.mkdir()
    (folder / "good.csv").write_text(CSV_HEADER + CSV_GOOD, encoding="utf-8")
    (folder / "bad.csv").write_text(CSV_HEADER + CSV_ROWS, encoding="utf-8")
    bin_folder = Path(sys.executable).parent  # where pip put the flowmatrix command
    if not (bin_folder / "flowmatrix").exists():
        pytest.skip("flowmatrix is not installed as a command in this environment")
    env = {**os.environ, "OPTIONS": "", "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"}
    # one run (each costs seconds of imports); the hook's test has a good file alone pass
    run = subprocess.run(["bash", "-c", script], env={**env, "FILES": "inventories/*.csv"},
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines and all(GITHUB_LINE.match(line) for line in lines)
    (line,) = lines  # good.csv has nothing to say
    assert line.startswith("::error file=inventories/bad.csv,line=3,title=missing-element::D3: ")


def test_analyze_prints_the_same_findings_in_ci_formats(cli, tmp_path):
    """`analyze --findings github` writes the report and prints the very lines `validate
    --format github` prints (one pipeline), and nothing else on stdout."""
    path = tmp_path / "cases.csv"
    path.write_text(CSV_HEADER + CSV_GOOD + CSV_GOOD.replace("地域通貨", "商店街アプリ"), "utf-8")
    validated = cli("validate", path, "--format", "github")
    analyzed = cli("analyze", path, "--out", tmp_path / "out", "--format", "json",
                   "--findings", "github")
    assert analyzed.exit_code == validated.exit_code == 1
    assert analyzed.stdout == validated.stdout and analyzed.stdout.startswith("::error ")
    assert (tmp_path / "out" / "cases" / "summary.json").exists()
    sarif = cli("analyze", path, "--out", tmp_path / "out", "--format", "json",
                "--findings", "sarif")
    assert json.loads(sarif.stdout)["runs"][0]["results"]


def test_sarif_uris_of_windows_and_posix_paths():
    """A Windows path is a file: URI (it was quoted whole into C%3A/…), a relative path stays
    a relative reference, percent-encoded."""
    from flowmatrix.render.ci import artifact_uri

    assert artifact_uri("C:\\Users\\山田\\台帳.xlsx") == \
        "file:///C:/Users/%E5%B1%B1%E7%94%B0/%E5%8F%B0%E5%B8%B3.xlsx"
    assert artifact_uri("data/事例 1.csv") == "data/%E4%BA%8B%E4%BE%8B%201.csv"
    assert artifact_uri("/srv/台帳 a.csv") == "file:///srv/%E5%8F%B0%E5%B8%B3%20a.csv"
