"""The layout's rules, checked: import contracts, a model without words, a thin CLI, one
pipeline (validate and analyze agree), every default once."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import JA_HEADER, ROOT

PACKAGE = ROOT / "flowmatrix"
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def test_import_contracts_hold():
    """lint-imports (import-linter, contracts in pyproject.toml): each layer imports only
    the ones below it; the model never imports render; the CLI only the public API."""
    run = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import "
                          "lint_imports; sys.exit(lint_imports())"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout and run.stdout.count("KEPT") == 3


def _strings_and_names(path: Path):
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            yield "string", node.value
        elif isinstance(node, ast.arg):
            yield "name", node.arg
        elif isinstance(node, ast.Name):
            yield "name", node.id
        elif isinstance(node, ast.Attribute):
            yield "name", node.attr


def test_the_model_has_no_language_and_no_words():
    for path in sorted((PACKAGE / "model").glob("*.py")):
        for kind, value in _strings_and_names(path):
            assert not (kind == "name" and value == "lang"), f"{path.name} sees the language"
            assert not (kind == "string" and CJK.search(value)), f"{path.name}: word {value!r}"


def test_cli_modules_are_short_and_type_no_default():
    defaults = ['"/、,;"', "512", "2048", "1_000_000", "= 12", "= 10"]
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        text = path.read_text("utf-8")
        assert len(text.splitlines()) < 200, f"{path.name} is long"
        signatures = re.findall(r"def \w+\((?:[^()]|\([^()]*\))*\)", text)
        for literal in defaults:
            assert not any(literal in s for s in signatures), f"{path.name} types {literal}"


def test_validate_strict_reports_what_analyze_reports(cli, make_xlsx, tmp_path):
    """One pipeline: a declared theme the keywords contradict is a warning in both, and
    validate --strict fails on it."""
    path = make_xlsx([JA_HEADER,
                      [1, "市", "防災アプリ", "安否情報", "避難所受付システム", "避難行動支援・避難所運営",
                       "観光"],
                      [2, "市", "地域通貨", "購買履歴", "クーポン配信", "商店街振興", "観光"]])
    strict = cli("validate", path, "--strict", "--format", "json")
    assert strict.exit_code == 1
    found = json.loads(strict.stdout)["files"][0]["findings"]
    assert [f["code"] for f in found if f["severity"] == "warning"] == ["theme-disagrees"]
    assert cli("analyze", path, "--out", tmp_path / "out", "--format", "json",
               "--quiet").exit_code == 0
    summary = json.loads((tmp_path / "out" / "cases" / "summary.json").read_text("utf-8"))
    keys = ("severity", "code", "message", "sheet", "cell", "row", "column")
    assert [{k: f[k] for k in keys} for f in summary["findings"]] == found
    assert summary["findings_count"] == json.loads(strict.stdout)["files"][0]["counts"]


def test_flow_stages_reach_summary_json(sample_report):
    folder, _ = sample_report
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    flows = summary["flows"]
    assert {"flow", "flow_types", "flow_tourism", "flow_health"} <= set(flows)
    overall = flows["flow"]
    assert overall["cases"] == 31
    for stage in range(4):  # each stage sums to the cases with items there
        total = sum(n["weight"] for n in overall["nodes"] if n["stage"] == stage)
        assert round(total, 6) == 31.0
    assert any(n["label"] == "上記以外" for n in overall["nodes"])
