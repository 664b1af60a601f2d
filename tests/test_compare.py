"""flowmatrix compare: two versions of the sample with five known edits are reported exactly,
in every format; matching by id, by content and by --key; batches; escaping; exit codes; the
checked-in example comparison."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import ROOT, write_xlsx
from openpyxl import load_workbook
from typer.testing import CliRunner

from flowmatrix.cli import app

SUMMARY_JA = "追加 1 件、終了 1 件、変更 3 件（変更なし 27 件）"


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_compare_example", ROOT / "scripts" / "make_compare_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample and its next version (five edits) compared once, every format:
    (report folder, CLI result, next version's path)."""
    tmp = tmp_path_factory.mktemp("compare")
    next_version = _script().make_next_version(ROOT / "data" / "cases.xlsx",
                                               tmp / "cases_v2.xlsx")
    result = _run("compare", ROOT / "data" / "cases.xlsx", next_version, "--out", tmp / "out",
                  "--fail-on", "removed,theme-changed")
    return tmp / "out", result, next_version


EXPECTED = {  # (kind, old id, new id, rule) → [(field, old, new)]
    ("added", None, "32", None): [],
    ("removed", "4", None, None): [],
    ("changed", "2", "2", "id"): [("theme_id", "health", "tourism")],
    ("changed", "21", "21", "id"): [("data", "乗降履歴", "乗降履歴/位置情報"),
                                    ("data_categories", ["mobility_usage"],
                                     ["mobility_usage", "location"])],
    ("changed", "30", "301", "content"): [("case_id", "30", "301")],
}


def test_the_five_edits_are_exactly_what_json_reports(sample):
    folder, result, _ = sample
    data = json.loads((folder / "comparison.json").read_text("utf-8"))
    assert data["summary"] == {"added": 1, "removed": 1, "changed": 3, "same": 27,
                               "theme_changed": 1, "id_changed": 1}
    found = {(c["kind"], c["old"] and c["old"]["case_id"], c["new"] and c["new"]["case_id"],
              c["rule"]): [(f["field"], f["old"], f["new"]) for f in c.get("fields", [])]
             for c in data["changes"]}
    assert found == EXPECTED
    added = next(c for c in data["changes"] if c["kind"] == "added")["new"]
    assert (added["title"], added["municipality"], added["theme_id"], added["row"]) == (
        "ごみ収集車の位置情報による収集ルートの最適化", "みなと市", "environment", 35)
    renumbered = next(c for c in data["changes"] if c["rule"] == "content")
    assert renumbered["similarity"] == 1.0
    assert data["municipalities"] == {"joined": [{"municipality": "みなと市", "cases": 1}],
                                      "left": []}
    tally = {r["theme_id"]: (r["old"], r["new"], r["difference"]) for r in data["theme_tally"]}
    assert tally["tourism"] == (8, 9, 1) and tally["health"] == (5, 4, -1)
    assert tally["disaster"] == (6, 5, -1) and tally["environment"] == (1, 2, 1)
    assert sum(r["difference"] for r in data["theme_tally"]) == 0
    assert [(m["old_id"], m["old_theme_id"], m["new_theme_id"], m["new_theme_source"])
            for m in data["theme_moves"]] == [("2", "health", "tourism", "declared")]
    assert ["evacuee"] == [f["data_category"] for f in data["flows"]["vanished"]]
    assert {"location"} <= {f["data_category"] for f in data["flows"]["new"]}
    # --fail-on removed,theme-changed: both happened
    assert result.exit_code == 1, result.output
    assert "--fail-on に当たる変更があります：removed、theme-changed" in result.output
    assert SUMMARY_JA in result.output


def test_markdown_and_html_put_the_summary_first_and_show_each_change(sample):
    folder, _, _ = sample
    markdown = (folder / "report.md").read_text("utf-8")
    lines = markdown.splitlines()
    assert lines[0].startswith("# 事例一覧の比較: cases.xlsx → cases_v2.xlsx")
    assert lines[2] == f"**{SUMMARY_JA}**"
    for row in ("| 32 | みなと市 | ごみ収集車の位置情報による収集ルートの最適化 |",
                "| 4 |  | 避難者情報による避難所管理 |",
                "| 2 | 2 | 購買データに基づく健康アドバイス | 番号 | テーマ | 健康／医療 | 観光／地域経済活性化 |",
                "| 21 | 21 | 乗降履歴による路線の見直し | 番号 | ②流通データ | 乗降履歴 | 乗降履歴/位置情報 |",
                "| 30 | 301 | 学習履歴による個別最適な学び | 内容（類似度 100%） | No | 30 | 301 |",
                "| 観光／地域経済活性化 | 8 | 9 | +1 | 25.8% | 29.0% | +3.2 pt |",
                "| 参加 | みなと市 | 1 |"):
        assert row in markdown, row
    changed = markdown.split("## 変更された事例", 1)[1].split("\n## ", 1)[0]
    assert changed.count("\n| ") - 2 == 4  # four changed fields in three cases
    html = (folder / "report.html").read_text("utf-8")
    assert html.index(SUMMARY_JA) < html.index("<h2>")
    assert '<td class="old">乗降履歴</td><td class="new">乗降履歴/位置情報</td>' in html
    for text in ("みなと市", "避難者情報による避難所管理", "学習履歴による個別最適な学び"):
        assert text in html


def test_xlsx_has_a_sheet_per_kind_and_fills_exactly_the_changed_cells(sample):
    folder, _, _ = sample
    book = load_workbook(folder / "report.xlsx")
    assert book.sheetnames[:4] == ["概要", "追加", "終了", "変更"]
    assert book["概要"]["A2"].value == SUMMARY_JA
    assert [r[0] for r in book["追加"].iter_rows(min_row=3, values_only=True)] == ["32"]
    assert [r[0] for r in book["終了"].iter_rows(min_row=3, values_only=True)] == ["4"]
    sheet = book["変更"]
    headings = [c.value for c in sheet[1]]
    filled = {}
    for row in sheet.iter_rows(min_row=2):
        marked = [headings[c.column - 1] for c in row if c.fill.fill_type == "solid"
                  and c.fill.fgColor.rgb == "FFFFF2CC"]
        filled.setdefault(row[2].value if row[0].value == "前" else None, []).append(marked)
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == ["前", "後"] * 3
    assert filled.pop(None) == [["テーマ"], ["②流通データ", "②データ分類"], ["No"]]
    assert filled == {"2": [["テーマ"]], "21": [["②流通データ", "②データ分類"]], "30": [["No"]]}


def test_the_example_comparison_is_current(sample, tmp_path):
    """reports/compare/ is what scripts/make_compare_example.py makes, byte for byte."""
    _, _, next_version = sample
    script = _script()
    result = _run("compare", ROOT / "data" / "cases.xlsx", next_version, "--out", tmp_path,
                  "--format", script.FORMATS)
    assert result.exit_code == 0, result.output
    hint = ("reports/compare/ is out of date: run `python scripts/make_compare_example.py` "
            "and commit it")
    committed = ROOT / "reports" / "compare"
    for name in ("report.md", "comparison.json", "report.html"):
        assert (committed / name).read_bytes() == (tmp_path / name).read_bytes(), hint
    assert not (tmp_path / "report.xlsx").exists()


def test_english_reports_and_the_same_bytes_twice(sample, tmp_path):
    _, _, next_version = sample
    runs = []
    for out in ("a", "b"):
        result = _run("compare", ROOT / "data" / "cases.xlsx", next_version, "--out",
                      tmp_path / out, "--lang", "en", "--format", "md,json")
        assert result.exit_code == 0, result.output
        runs.append([(tmp_path / out / n).read_bytes() for n in ("report.md", "comparison.json")])
    assert runs[0] == runs[1]
    markdown = runs[0][0].decode("utf-8")
    assert "**1 added, 1 removed, 3 changed (27 unchanged)**" in markdown
    assert "| 30 | 301 | 学習履歴による個別最適な学び | content (100% alike) | No | 30 | 301 |" in markdown


HEADER = ["No", "自治体", "事例名", "①データ共有元サービス", "②流通データ", "③データ共有先サービス",
          "④データ連携サービス", "テーマ"]
CASES = [
    ["1", "甲市", "地域ポイントによる商店街振興", "地域ポイントアプリ", "購買履歴", "商店街ポータル", "クーポン配信", "観光"],
    ["2", "甲市", "健診結果に基づく生活改善", "健診システム", "特定健診結果", "PHRアプリ", "生活改善アドバイス", "健康／医療"],
    ["3", "乙町", "避難所での要配慮者支援", "避難所受付アプリ", "避難者情報", "災害対策本部システム", "個別支援", "防災／防犯"],
]


def _csv(path, header, rows):
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode("cp932"))
    return path


def test_different_headers_and_formats_compare_as_the_same_cases(tmp_path):
    """The xlsx sample and its CSV twin (English headers) hold the same 31 cases."""
    result = _run("compare", ROOT / "data" / "cases.xlsx", ROOT / "data" / "cases.csv",
                  "--out", tmp_path / "out", "--format", "json", "--fail-on",
                  "added,removed,changed,theme-changed,id-changed")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    assert data["summary"]["same"] == 31 and data["changes"] == []


def test_without_ids_cases_are_matched_by_content(tmp_path):
    english = ["municipality", "title", "source_service", "data", "target_service",
               "linked_service", "theme"]
    old = _csv(tmp_path / "old.csv", english, [r[1:] for r in CASES])
    edited = [r[1:] for r in CASES]
    edited[1] = [*edited[1][:3], "特定健診結果/服薬履歴", *edited[1][4:]]  # one item more
    new = _csv(tmp_path / "new.csv", english, [edited[1], edited[0]])  # reordered, 3 gone
    result = _run("compare", old, new, "--out", tmp_path / "out", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    assert data["key"] == "case_id" and data["summary"]["same"] == 1
    changed = [c for c in data["changes"] if c["kind"] == "changed"]
    assert [(c["rule"], c["old"]["title"], [f["field"] for f in c["fields"]]) for c in changed] \
        == [("content", "健診結果に基づく生活改善", ["data", "data_categories"])]
    assert 0.6 <= changed[0]["similarity"] < 1
    assert [c["old"]["title"] for c in data["changes"] if c["kind"] == "removed"] == \
        ["避難所での要配慮者支援"]
    assert data["municipalities"]["left"] == [{"municipality": "乙町", "cases": 1}]
    # a higher threshold than their similarity: the edited case is removed and added instead
    result = _run("compare", old, new, "--out", tmp_path / "strict", "--format", "json",
                  "--threshold", "0.99", "--fail-on", "added")
    assert result.exit_code == 1
    data = json.loads((tmp_path / "strict" / "comparison.json").read_text("utf-8"))
    assert (data["summary"]["added"], data["summary"]["removed"]) == (1, 2)


def test_key_names_a_column_by_its_header_and_repeated_ids_fall_back_to_content(tmp_path):
    header = [*HEADER, "管理番号"]
    old = write_xlsx(tmp_path / "old.xlsx", {"S": [header, *[[*r, f"K-{i}"]
                                                            for i, r in enumerate(CASES)]]})
    renumbered = [[str(10 + i), *r[1:], f"K-{i}"] for i, r in enumerate(CASES)]
    renumbered[2][2] = "避難所での要配慮者の個別支援"
    new = write_xlsx(tmp_path / "new.xlsx", {"S": [header, *renumbered]})
    result = _run("compare", old, new, "--key", "管理番号", "--out", tmp_path / "out",
                  "--format", "json", "--fail-on", "id-changed")
    assert result.exit_code == 0, result.output  # 管理番号 did not change
    data = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    assert data["key"] == "管理番号"
    assert [(c["rule"], c["old"]["管理番号"], [f["field"] for f in c["fields"]])
            for c in data["changes"]] == [("id", "K-2", ["title"])]
    # the case ids changed: matched by case_id, nothing pairs; by content all pair
    result = _run("compare", old, new, "--out", tmp_path / "byid", "--format", "json",
                  "--fail-on", "id-changed")
    assert result.exit_code == 1
    data = json.loads((tmp_path / "byid" / "comparison.json").read_text("utf-8"))
    assert {c["rule"] for c in data["changes"]} == {"content"}
    assert data["summary"] == {"added": 0, "removed": 0, "changed": 3, "same": 0,
                               "theme_changed": 0, "id_changed": 3}
    # an id written twice cannot tell its cases apart: they are paired by content
    twice = write_xlsx(tmp_path / "twice.xlsx", {"S": [HEADER, *[["1", *r[1:]] for r in CASES]]})
    result = _run("compare", twice, twice, "--out", tmp_path / "twice", "--format", "json")
    data = json.loads((tmp_path / "twice" / "comparison.json").read_text("utf-8"))
    assert data["summary"]["same"] == 3 and result.exit_code == 0


def test_batch_against_batch_pairs_files_by_name(tmp_path):
    old, new = tmp_path / "2024", tmp_path / "2025"
    old.mkdir()
    new.mkdir()
    _csv(old / "kou.csv", HEADER, CASES[:2])
    write_xlsx(new / "kou.xlsx", {"S": [HEADER, CASES[0], [*CASES[1][:7], "観光"]]})
    _csv(old / "otsu.csv", HEADER, CASES[2:])  # otsu left the batch
    _csv(new / "hei.csv", HEADER, [["1", "丙村", *CASES[2][2:]]])  # hei joined; same id as 1
    result = _run("compare", old, new, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    assert data["files"] == [{"name": "hei", "old": None, "new": "hei.csv"},
                             {"name": "kou", "old": "kou.csv", "new": "kou.xlsx"},
                             {"name": "otsu", "old": "otsu.csv", "new": None}]
    assert [(c["kind"], c["file"], c["rule"]) for c in data["changes"]] == [
        ("added", "hei", None), ("removed", "otsu", None), ("changed", "kou", "id")]
    assert data["old"] == {"name": "2024", "cases": 3}
    assert data["municipalities"] == {"joined": [{"municipality": "丙村", "cases": 1}],
                                      "left": [{"municipality": "乙町", "cases": 1}]}
    markdown = (tmp_path / "out" / "report.md").read_text("utf-8")
    assert "| hei | （比較元のみ） | hei.csv |" not in markdown
    assert "| hei | （比較先のみ） | hei.csv |" in markdown
    # a glob works like a folder; two files of one name on one side cannot be paired
    _csv(new / "kou.csv", HEADER, CASES[:1])
    result = _run("compare", old, str(new / "*.*"), "--out", tmp_path / "glob")
    assert result.exit_code == 2 and "two files are named 'kou'" in result.output


def test_inventory_text_is_escaped_in_every_format(tmp_path):
    nasty = ["1", "=HYPERLINK(\"http://x\")", "<script>alert(1)</script> | [x](http://e) *b*",
             "@SUM(A1)", "購買履歴", "商店街ポータル", "クーポン配信", "観光"]
    old = _csv(tmp_path / "old.csv", HEADER, CASES[:1])
    new = write_xlsx(tmp_path / "new.xlsx", {"S": [HEADER, CASES[0][:1] + nasty[1:]]},
                     text_cells={"S": ["B2"]})  # typed text, not a formula
    result = _run("compare", old, new, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "report.md").read_text("utf-8")
    assert "<script>" not in markdown and "[x](http" not in markdown
    assert r"\<script\>alert(1)\</script\> \| \[x\](http\://e) \*b\*" in markdown
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    sheet = load_workbook(tmp_path / "out" / "report.xlsx")["変更"]
    values = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert {c.data_type for c in values if str(c.value).startswith(("=", "@"))} == {"s"}
    assert any(c.value == "=HYPERLINK(\"http://x\")" for c in values)


def test_bad_arguments_and_files_exit_2_with_a_message(tmp_path):
    good = _csv(tmp_path / "a.csv", HEADER, CASES)
    missing = _run("compare", good, tmp_path / "nope.xlsx", "--out", tmp_path / "o1")
    assert missing.exit_code == 2 and "nope.xlsx" in missing.output
    fail_on = _run("compare", good, good, "--fail-on", "deleted", "--out", tmp_path / "o2")
    assert fail_on.exit_code == 2 and "--fail-on 'deleted': choose from added" in fail_on.output
    key = _run("compare", good, good, "--key", "管理番", "--out", tmp_path / "o3")
    assert key.exit_code == 2 and "--key「管理番」という列はありません" in key.output
    fmt = _run("compare", good, good, "--format", "pdf", "--out", tmp_path / "o4")
    assert fmt.exit_code == 2 and "choose from md,html,xlsx,json" in fmt.output
    inside = _run("compare", good, good, "--out", tmp_path)
    assert inside.exit_code == 2 and "would hold a compared file" in inside.output
    assert good.exists()
    headless = _csv(tmp_path / "b.csv", ["x", "y"], [["1", "2"]])
    result = _run("compare", good, headless, "--out", tmp_path / "o5")
    assert result.exit_code == 1 and "b.csv" in result.output
    assert not any((tmp_path / n).exists() for n in ("o1", "o2", "o3", "o4", "o5"))


def test_many_unmatched_cases_are_compared_by_shared_items(tmp_path, monkeypatch):
    """Beyond ALL_PAIRS_LIMIT pairs only cases sharing an item are compared: 250 × 250
    edited cases without ids, listed in reverse, still pair up, each with its own."""
    from flowmatrix.model.compare import ALL_PAIRS_LIMIT

    english = ["title", "source_service", "data", "target_service", "linked_service"]
    rows = [[f"事例{i}の連携", f"アプリ{i}", f"データ{i}/履歴{i}", f"基盤{i}", f"サービス{i}"]
            for i in range(250)]
    assert len(rows) ** 2 > ALL_PAIRS_LIMIT
    edited = [[*r[:2], r[2] + f"/追加{i}", *r[3:]] for i, r in enumerate(rows)]
    old = _csv(tmp_path / "old.csv", english, rows)
    new = _csv(tmp_path / "new.csv", english, edited[::-1])
    result = _run("compare", old, new, "--out", tmp_path / "out", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    assert data["summary"]["changed"] == 250
    assert all(c["old"]["title"] == c["new"]["title"] for c in data["changes"])
    # report.md lists at most MAX_ROWS rows a table and says where the rest are
    import flowmatrix.render.compare as render

    monkeypatch.setattr(render, "MAX_ROWS", 100)
    result = _run("compare", old, new, "--out", tmp_path / "md", "--format", "md,xlsx")
    markdown = (tmp_path / "md" / "report.md").read_text("utf-8")
    changed = markdown.split("## 変更された事例", 1)[1].split("\n## ", 1)[0]
    assert changed.count("\n| ") - 2 == 100
    assert "ほか 150 行は report.xlsx と comparison.json にあります。" in changed
    sheet = load_workbook(tmp_path / "md" / "report.xlsx")["変更"]
    assert sheet.max_row == 1 + 2 * 250


def test_the_command_offers_what_the_library_knows():
    """cli/compare.py spells the choices out (its import stays light); they are the same."""
    from flowmatrix.cli.compare import ALL_FORMATS, FAIL_ON
    from flowmatrix.model.compare import FAIL_ON as KNOWN
    from flowmatrix.render.compare import COMPARE_FORMATS

    assert tuple(FAIL_ON.split(",")) == KNOWN
    assert tuple(ALL_FORMATS.split(",")) == COMPARE_FORMATS


def test_ids_that_are_row_numbers_do_not_pair_unrelated_cases(tmp_path):
    """Delete the third case and renumber 1..N, as many inventories number their No column:
    pairing by id alone would call 28 cases changed beyond recognition and the last one
    removed. A pair by id whose content is not alike waits for content matching: the deleted
    case is the one removed, the others are the same cases with a new id."""
    import csv

    rows = list(csv.reader((ROOT / "data" / "cases.csv").open(encoding="utf-8-sig")))
    header, data = rows[0], rows[1:]
    removed_title = data[2][header.index("title")]
    del data[2]
    for number, row in enumerate(data, start=1):
        row[0] = str(number)
    new = tmp_path / "renumbered.csv"
    with new.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *data])
    result = _run("compare", ROOT / "data" / "cases.csv", new, "--out", tmp_path / "out",
                  "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    removed = [c["old"]["title"] for c in out["changes"] if c["kind"] == "removed"]
    assert removed == [removed_title] and out["summary"]["added"] == 0
    changed = [c for c in out["changes"] if c["kind"] == "changed"]
    assert changed and all([f["field"] for f in c["fields"]] == ["case_id"] for c in changed)


def test_long_texts_compare_in_bounded_time(tmp_path):
    """Similarity costs the square of the text: each field is compared on its first
    characters, so 100 cases with 2,000-character titles take about a second, not minutes."""
    import random
    import subprocess
    import sys

    rng = random.Random(1)
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def text(n):
        return "".join(rng.choice(kanji) for _ in range(n))

    header = ["title", "source_service", "data", "target_service", "linked_service"]
    old = [[text(2000), text(30), text(30), text(30), text(30)] for _ in range(100)]
    new = [[row[0][:1000] + text(1000), *row[1:]] for row in old]
    for name, rows in (("a.csv", old), ("b.csv", new)):
        (tmp_path / name).write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n",
                                     encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "flowmatrix", "compare", tmp_path / "a.csv",
                          tmp_path / "b.csv", "--out", tmp_path / "out", "--format", "json"],
                         capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    out = json.loads((tmp_path / "out" / "comparison.json").read_text("utf-8"))
    assert out["summary"]["changed"] == 100
