"""The command line: version, help, template, the bundled sample."""

import json
import subprocess
import sys

from conftest import ROOT
from openpyxl import load_workbook

from flowmatrix import __version__, read_inventory


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"flowmatrix {__version__}"


def test_help_documents_exit_codes_and_every_command_has_an_example(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "Exit codes" in result.stdout and "2 the command could not run" in result.stdout
    for command in ("validate", "template"):
        text = cli(command, "--help").stdout
        assert "Example" in text and f"\n    flowmatrix {command} " in text  # a line each
        assert "Exit codes" in text


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "flowmatrix", "--version"], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == f"flowmatrix {__version__}"


# What the data work imports; the help and the version need none of it (#17: `--help` ≤ 0.15 s,
# measured in benchmarks/, README "Startup"). rich only prints results: the help is click's own.
HEAVY_IMPORTS = ("pandas", "numpy", "matplotlib", "openpyxl", "xlsxwriter", "python_calamine",
                 "pyarrow", "fastexcel", "rapidfuzz", "re2", "ahocorasick", "rich")


def test_the_help_imports_none_of_the_data_libraries():
    """The entry point the installed command runs (flowmatrix.cli:main), answering --help,
    --version and a command's --help in a fresh process: none of the heavy libraries is
    imported."""
    code = ("import contextlib, io, sys\n"
            "from flowmatrix.cli import main\n"
            "shown = io.StringIO()\n"
            "for args in (['--help'], ['--version'], ['analyze', '--help']):\n"
            "    sys.argv = ['flowmatrix', *args]\n"
            "    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(shown):\n"
            "        main()\n"
            f"print(*sorted(set({HEAVY_IMPORTS!r}) & set(sys.modules)), sep=',')\n"
            "print(shown.getvalue())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    imported, shown = out.split("\n", 1)
    assert imported == ""
    assert "Commands" in shown and f"flowmatrix {__version__}" in shown and "--out" in shown


def test_template_is_a_valid_inventory_with_dropdown_and_guide(cli, tmp_path):
    path = tmp_path / "事例一覧.xlsx"
    result = cli("template", path)
    assert result.exit_code == 0
    book = load_workbook(path)
    cases, guide, kpis = book.worksheets
    assert [c.value for c in kpis[1]] == ["自治体", "指標", "年度", "目標", "実績", "単位", "出典"]
    assert cases.title == "事例一覧" and guide.title == "記入方法"
    header = [c.value for c in cases[1]]
    assert header[4:8] == ["①データ共有元サービス", "②流通データ", "③データ共有先サービス",
                           "④データ連携サービス"]
    assert cases.freeze_panes == "A2"
    assert cases["E2"].value == "ヘルスケアアプリ・ウェアラブルデバイス"
    assert header[11:] == ["共有元サービス種別", "データ分類", "共有先サービス種別", "価値の種別", "同意の有無"]
    rules = {str(r.sqref).split(":")[0]: r for r in cases.data_validations.dataValidation}
    assert sorted(rules) == ["I2", "L2", "M2", "N2", "O2"]  # theme, ① ② ③ ④ kinds
    assert all(r.type == "list" for r in rules.values())

    def choices(cell):
        return [row[0].value for row in guide[rules[cell].formula1.split("!")[1]
                                               .replace("$", "")]]

    assert choices("I2")[:5] == ["観光／地域経済活性化", "健康／医療", "防災／防犯", "行政", "モビリティ"]
    assert "地域通貨・ポイント" in choices("L2") and choices("L2") == choices("N2")
    assert "健診結果" in choices("M2")
    assert "避難行動支援・安否確認" in choices("O2")
    inventory = read_inventory(path)
    assert len(inventory) == 1 and inventory.sheet == "事例一覧"
    assert set(inventory.columns) >= {"source_service_type", "data_category", "consent"}
    # the example's types are known; the example is named as one, left in, so it is not
    # counted unsaid
    (checked,) = json.loads(cli("validate", path, "--format", "json").stdout)["files"]
    assert [(f["code"], f["cell"]) for f in checked["findings"] if f["severity"] != "info"] == [
        ("template-example", "K2")]
    typed = json.loads(cli("matrix", path, "--by-type", "--format", "json").stdout)
    assert sorted(typed["cells"][0]["data"]) == ["健診結果", "運動・バイタルデータ"]


def test_template_english_and_refuses_to_overwrite(cli, tmp_path):
    path = tmp_path / "cases.xlsx"
    assert cli("template", path, "--lang", "en").exit_code == 0
    assert load_workbook(path).worksheets[0]["E1"].value == "① Source service"
    assert read_inventory(path).cases.loc[0, "linked_service"].startswith("Efficiency")
    (checked,) = json.loads(cli("validate", path, "--format", "json").stdout)["files"]
    # labels with a / and ids work; the example is named as one
    assert [f["code"] for f in checked["findings"] if f["severity"] != "info"] == [
        "template-example"]
    before = path.read_bytes()
    result = cli("template", path)
    assert result.exit_code == 2 and "already exists" in result.output
    assert path.read_bytes() == before
    assert cli("template", path, "--force").exit_code == 0


def test_template_needs_xlsx_name(cli, tmp_path):
    result = cli("template", tmp_path / "cases.csv")
    assert result.exit_code == 2 and "ending in .xlsx" in result.output
