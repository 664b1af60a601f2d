"""One name per service (#16): `flowmatrix names` finds the spellings that mean one service or
one data across inventories, `--write-aliases` writes them for a person to review, and
`--aliases` maps them before counting on every command — the inventory's text kept beside."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
import tomllib

import pytest
from conftest import JA_HEADER, ROOT, write_xlsx
from openpyxl import load_workbook

from flowmatrix import NameCluster, aliases_toml, cluster_names, load_aliases
from flowmatrix.classification.names import name_key

SAMPLE = ROOT / "data" / "cases.xlsx"
# A second inventory spelling the sample's services its own way (the sample has 公式LINE,
# クマぶら(公式LINE), MaaSアプリ, 母子手帳アプリ, 防災アプリ ×2 and 防犯アプリ).
SECOND = [
    JA_HEADER,
    [1, "熊谷市", "市公式LINE", "属性情報", "PDS", "情報配信", "行政"],
    [2, "熊谷市", "LINE公式アカウント", "属性情報", "PDS", "情報配信", "行政"],
    [3, "会津若松市", "公式LINE", "アンケート", "PDS", "施策立案", "行政"],
    [4, "前橋市", "ＭａａＳアプリ", "乗降履歴", "運行管理システム", "ダイヤ改善", "モビリティ"],
    [5, "前橋市", "MaaS アプリ", "乗降履歴", "運行管理システム", "ダイヤ改善", "モビリティ"],
    [6, "小山町", "母子健康手帳アプリ「母子モ」", "予防接種記録", "小児科", "接種勧奨", "健康／医療"],
    [7, "加古川市", "防犯アプリ", "位置情報", "警察", "見守り", "防災／防犯"],
]


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    return write_xlsx(tmp_path_factory.mktemp("names") / "second.xlsx", {"事例一覧": SECOND})


def run(cli, *args, code=0):
    result = cli(*args)
    assert result.exit_code == code, result.output
    return result


def clusters_of(result) -> dict[str, dict]:
    """name → its cluster, from `names --format json`."""
    data = json.loads(result.stdout)
    return {m["name"]: c for c in data["clusters"] for m in c["members"]}


def members(cluster: dict) -> dict[str, int]:
    return {m["name"]: m["count"] for m in cluster["members"]}


# ---- names ----

def test_names_finds_the_obvious_clusters_across_two_inventories(cli, second):
    result = run(cli, "names", SAMPLE, second, "--format", "json")
    found = clusters_of(result)
    line = found["公式LINE"]
    assert line["kind"] == "service" and line["canonical"] == "公式LINE"
    assert members(line) == {"公式LINE": 2, "市公式LINE": 1, "LINE公式アカウント": 1,
                             "クマぶら(公式LINE)": 1}
    # ＭａａＳアプリ is already MaaSアプリ (full width → half width): one name written twice
    assert members(found["MaaSアプリ"]) == {"MaaSアプリ": 2, "MaaS アプリ": 1}
    assert found["MaaSアプリ"]["canonical"] == "MaaSアプリ"
    boshi = found["母子手帳アプリ"]
    assert members(boshi) == {"母子手帳アプリ": 1, "母子健康手帳アプリ「母子モ」": 1}
    assert boshi["canonical"] == "母子手帳アプリ"  # a tie goes to the shorter name
    # one kanji apart, two services: not suggested as one
    assert "防犯アプリ" not in found and "防災アプリ" not in found
    data = json.loads(result.stdout)
    assert data["threshold"] == 70 and data["distinct_names"]["service"] > 60
    assert data["sources"] == [str(SAMPLE), str(second)]


def test_names_is_deterministic_and_independent_of_the_input_order(cli, second):
    first = run(cli, "names", SAMPLE, second, "--format", "csv").stdout
    assert run(cli, "names", SAMPLE, second, "--format", "csv").stdout == first
    rows = list(csv.DictReader(io.StringIO(first.lstrip("\ufeff"))))
    assert list(rows[0]) == ["kind", "cluster", "canonical", "name", "count"]
    reversed_rows = list(csv.DictReader(io.StringIO(
        run(cli, "names", second, SAMPLE, "--format", "csv").stdout.lstrip("\ufeff"))))
    assert reversed_rows == rows
    names = cluster_names({"公式LINE": 2, "市公式LINE": 1, "LINE公式アカウント": 1,
                           "防災アプリ": 2, "市防災アプリ": 1, "バス": 1})
    assert [c.canonical for c in names] == ["公式LINE", "防災アプリ"]
    shuffled = list({"バス": 1, "市防災アプリ": 1, "防災アプリ": 2, "LINE公式アカウント": 1,
                     "市公式LINE": 1, "公式LINE": 2}.items())
    random.Random(1).shuffle(shuffled)
    assert cluster_names(dict(shuffled)) == names


def test_names_element_threshold_and_the_table(cli, second):
    data = run(cli, "names", SAMPLE, second, "--element", "data").stdout
    assert "データ（②）" in data and "サービス（①③）" not in data
    table = run(cli, "names", SAMPLE, second, "--element", "service").stdout
    assert "正式名の候補" in table and "市公式LINE" in table
    assert "サービス（①③）：異なる名前" in table
    english = run(cli, "names", SAMPLE, second, "--lang", "en", "--element", "service").stdout
    assert "Suggested canonical" in english and "clusters of" in english
    # 100: names that normalise alike only — 母子健康手帳アプリ「母子モ」 is no longer near
    strict = clusters_of(run(cli, "names", SAMPLE, second, "--threshold", "100",
                             "--format", "json"))
    assert "母子手帳アプリ" not in strict and "市公式LINE" in strict
    run(cli, "names", SAMPLE, "--threshold", "101", code=2)


def test_name_keys():
    assert name_key("市公式ＬＩＮＥ") == ("line", ())
    assert name_key("LINE公式アカウント") == ("line", ())
    assert name_key("千葉市公式LINEアカウント") == ("line", ())
    assert name_key("クマぶら（公式LINE）") == ("クマぶら", ("line",))
    assert name_key("母子健康手帳アプリ「母子モ」") == ("母子健康手帳アプリ", ("母子モ",))
    assert name_key("予約アプリ(仮称)") == ("予約アプリ", ())  # a qualifier, not a name
    assert name_key("市公式アプリ") == ("公式アプリ", ())  # アプリ alone names no service
    assert name_key("市民ポータル") == ("市民ポータル", ())  # 市民 is no prefix
    assert name_key("歩数・心拍", service=False) == ("歩数心拍", ())


def test_names_of_many_distinct_names_finish_in_seconds_in_bounded_memory(tmp_path):
    """20,000 distinct names three ways: everyday names, a dense family where every name is
    near hundreds of others, and names sharing one bracket."""
    script = (
        "import random, resource, time\n"
        "from flowmatrix import cluster_names\n"
        "r = random.Random(3)\n"
        "kana = [chr(c) for c in range(0x30A1, 0x30F6)] + [chr(c) for c in range(0x4E00, 0x4F00)]\n"
        "heads = ['アプリ', 'システム', 'ポータル', 'センター', 'カード']\n"
        "everyday = {}\n"
        "while len(everyday) < 20000:\n"
        "    everyday[''.join(r.choices(kana, k=r.randint(2, 8))) + r.choice(heads)] = r.randint(1, 5)\n"
        "dense = {f'避難所{i:05d}': 1 for i in range(20000)}\n"
        "bracket = {f'名前{i}(スマートフォン)': 1 for i in range(20000)}\n"
        "for counts in (everyday, dense, bracket):\n"
        "    start = time.perf_counter()\n"
        "    found = cluster_names(counts)\n"
        "    print(len(found), round(time.perf_counter() - start, 2))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=True)
    *runs, rss = done.stdout.split("\n")[:-1]
    for line in runs:
        clusters, seconds = line.split()
        assert int(clusters) > 0
        assert float(seconds) < 60  # about 2 s, 1 s and 1 s here
    assert int(rss) < 1024 * 1024  # KiB: under 1 GiB (about 100 MiB here)


# ---- alias files ----

def test_write_aliases_edit_and_the_matrix_changes(cli, second, tmp_path):
    aliases = tmp_path / "aliases.toml"
    result = run(cli, "names", SAMPLE, second, "--element", "service", "--write-aliases", aliases)
    assert "aliases.toml を書き出しました" in result.output
    text = aliases.read_text("utf-8")
    assert "正式名" in text and "canonical name" in text  # the header, in both languages
    table = tomllib.loads(text)
    assert table["data"] == {}
    assert table["service"]["公式LINE"] == ["市公式LINE", "LINE公式アカウント", "クマぶら(公式LINE)"]
    assert table["service"]["MaaSアプリ"] == ["MaaS アプリ"]
    assert '    "LINE公式アカウント",  # 1\n' in text  # one name a line, with its count

    def flow(*extra) -> dict[tuple[str, str], int]:
        data = json.loads(run(cli, "matrix", second, "--values", "count", "--format", "json",
                              *extra).stdout)
        return {(c["row"], c["col"]): c["count"] for c in data["cells"]}

    before = flow()
    assert before[("市公式LINE", "PDS")] == before[("公式LINE", "PDS")] == 1
    assert before[("MaaSアプリ", "運行管理システム")] == before[("MaaS アプリ", "運行管理システム")] == 1
    # A person decides LINE公式アカウント is another service: the line goes.
    aliases.write_text(text.replace('    "LINE公式アカウント",  # 1\n', ""), "utf-8")
    after = flow("--aliases", aliases)
    assert after[("公式LINE", "PDS")] == 2
    assert after[("LINE公式アカウント", "PDS")] == 1
    assert ("市公式LINE", "PDS") not in after
    assert after[("MaaSアプリ", "運行管理システム")] == 2
    assert after[("母子手帳アプリ", "小児科")] == 1
    assert sum(after.values()) == sum(before.values()) == 7  # nothing lost, nothing added


def test_report_keeps_the_names_as_written_with_the_canonical_beside(cli, second, tmp_path):
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[service]\n"公式LINE" = ["市公式LINE", "LINE公式アカウント"]\n'
                       '"MaaSアプリ" = ["MaaS アプリ"]\n[data]\n"属性" = ["属性情報"]\n', "utf-8")
    out = tmp_path / "out"
    run(cli, "analyze", second, "--aliases", aliases, "--out", out,
        "--format", "csv,md,json,xlsx")
    report = out / "second"
    rows = list(csv.DictReader(io.StringIO((report / "cases.csv").read_text("utf-8-sig"))))
    assert len(rows) == 7
    first = rows[0]
    assert first["①データ共有元サービス"] == "市公式LINE"
    assert first["①データ共有元サービス（名寄せ後）"] == "公式LINE"
    assert first["②流通データ"] == "属性情報" and first["②流通データ（名寄せ後）"] == "属性"
    assert rows[3]["①データ共有元サービス"] == "ＭａａＳアプリ"  # the cell as written
    heading = list(first)
    assert heading.index("①データ共有元サービス（名寄せ後）") == heading.index("①データ共有元サービス") + 1
    sheet = load_workbook(report / "report.xlsx", read_only=True)["事例"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    at = header.index("①データ共有元サービス")
    assert header[at + 1] == "①データ共有元サービス（名寄せ後）"
    assert values[at:at + 2] == ["市公式LINE", "公式LINE"]
    # merged: 市公式LINE, LINE公式アカウント, MaaS アプリ (services), 属性情報 (data)
    assert f"| 名寄せ表 | {aliases}（4 件の名前を寄せました） |" in (report / "report.md").read_text("utf-8")
    summary = json.loads((report / "summary.json").read_text("utf-8"))
    assert summary["aliases"] == {"file": str(aliases), "merged_names": 4}
    assert summary["matrices"]["flow"]["row_labels"][0] == "公式LINE"
    # the report without aliases says nothing of them, and has no canonical columns
    run(cli, "analyze", second, "--out", tmp_path / "plain", "--format", "csv,json")
    plain = tmp_path / "plain" / "second"
    assert "aliases" not in json.loads((plain / "summary.json").read_text("utf-8"))
    assert "名寄せ後" not in (plain / "cases.csv").read_text("utf-8-sig")


def test_classify_output_has_the_canonical_names_beside(cli, second, tmp_path):
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[service]\n"公式LINE" = ["市公式LINE"]\n', "utf-8")
    records = json.loads(run(cli, "classify", second, "--aliases", aliases,
                             "--format", "json").stdout)
    assert records[0]["source_service"] == "市公式LINE"
    assert records[0]["source_service_canonical"] == ["公式LINE"]
    header = run(cli, "classify", second, "--aliases", aliases, "--format", "csv"
                 ).stdout.splitlines()[0]
    assert "source_service,source_service_canonical,data,data_canonical" in header


def test_validate_warns_of_a_conflict_and_an_unknown_target(cli, second, tmp_path):
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[service]\n"公式LINE" = ["市公式LINE", "LINE公式アカウント"]\n'
                       '"LINE" = ["ＬＩＮＥ公式アカウント"]\n'  # the same name, full width
                       '"母子手帳アプリ" = ["母子健康手帳アプリ「母子モ」"]\n', "utf-8")
    result = run(cli, "validate", second, "--aliases", aliases, "--format", "json")
    findings = json.loads(result.stdout)["files"][0]["findings"]
    by_code = {f["code"]: f for f in findings if "alias" in f["code"]}
    assert set(by_code) == {"alias-conflict", "unknown-alias-target"}
    conflict = by_code["alias-conflict"]
    assert conflict["severity"] == "warning"
    assert "'LINE公式アカウント' is mapped two ways: to '公式LINE' and to 'LINE'" in \
        conflict["message"]
    assert conflict["message"].startswith("aliases.toml [service]")
    unknown = by_code["unknown-alias-target"]
    assert "'母子手帳アプリ' is not a name in second.xlsx" in unknown["message"]
    run(cli, "validate", second, "--aliases", aliases, "--strict", code=1)
    # the first mapping wins, and is what is counted
    matrix = json.loads(run(cli, "matrix", second, "--aliases", aliases, "--values", "count",
                            "--format", "json").stdout)
    assert {c["row"]: c["count"] for c in matrix["cells"] if c["col"] == "PDS"} == {
        "公式LINE": 3}
    # in a Japanese report, in Japanese
    out = tmp_path / "out"
    run(cli, "analyze", second, "--aliases", aliases, "--out", out, "--format", "md")
    md = (out / "second" / "report.md").read_text("utf-8")
    assert "「LINE公式アカウント」が2通りに寄せられています（「公式LINE」と「LINE」）" in md
    assert "正式名「母子手帳アプリ」は second.xlsx にない名前" in md


def test_a_loop_is_a_conflict_and_a_chain_is_followed(tmp_path):
    path = tmp_path / "loop.toml"
    path.write_text('[service]\n"A" = ["B"]\n"B" = ["A", "C"]\n', "utf-8")
    aliases = load_aliases(path)
    assert aliases.mapping["service"] == {"B": "A", "C": "A"}  # C → B → A
    assert [f.code for f in aliases.findings] == ["alias-conflict"]
    assert "'A' is mapped two ways: to 'A' and to 'B'" in aliases.findings[0].message


@pytest.mark.parametrize(("content", "phrase"), [
    ("[service]\n\"公式LINE\" = [\"市公式LINE\"]\n".encode("cp932"), "Shift_JIS"),
    (b"[service\n", "not valid TOML"),
    ("[sevice]\n\"公式LINE\" = [\"市公式LINE\"]\n".encode(), "[sevice]"),
    ("\"公式LINE\" = [\"市公式LINE\"]\n".encode(), "a name outside a table"),
    ("[service]\n\"公式LINE\" = 3\n".encode(), "expected a list of names"),
])
def test_a_bad_alias_file_is_refused_naming_it(cli, second, tmp_path, content, phrase):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    for command in ("matrix", "validate", "names"):
        result = run(cli, command, second, "--aliases", path, code=2)
        assert str(path) in result.output and phrase in result.output


def test_an_alias_file_saved_by_notepad_with_a_bom_is_read(cli, second, tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + '[service]\n"公式LINE" = ["市公式LINE"]\n'.encode())
    data = json.loads(run(cli, "matrix", second, "--aliases", path, "--values", "count",
                          "--format", "json").stdout)
    assert {(c["row"], c["col"]): c["count"] for c in data["cells"]}[("公式LINE", "PDS")] == 2


def test_names_with_aliases_lists_what_is_left_and_writes_them_composed(cli, second, tmp_path):
    kept = tmp_path / "kept.toml"
    kept.write_text('[service]\n"公式LINE" = ["市公式LINE"]\n', "utf-8")
    found = clusters_of(run(cli, "names", SAMPLE, second, "--aliases", kept, "--format", "json"))
    assert members(found["公式LINE"]) == {"公式LINE": 3, "LINE公式アカウント": 1,
                                          "クマぶら(公式LINE)": 1}
    assert "市公式LINE" not in found  # counted as 公式LINE already
    updated = tmp_path / "updated.toml"
    run(cli, "names", SAMPLE, second, "--aliases", kept, "--element", "service",
        "--write-aliases", updated)
    table = tomllib.loads(updated.read_text("utf-8"))["service"]
    assert table["公式LINE"] == ["市公式LINE", "LINE公式アカウント", "クマぶら(公式LINE)"]


def test_alias_toml_round_trips_any_name():
    odd = ['引用符"と\\', "タブ\tと改行\n", "制御\x01文字\x7f", "市公式LINE",
           "右から\u202e左へ", "見えない\u200b空白"]
    cluster = NameCluster("service", "公式LINE", (("公式LINE", 3), *((n, 1) for n in odd)))
    text = aliases_toml([cluster]).decode("utf-8")
    assert tomllib.loads(text)["service"] == {"公式LINE": odd}
    # what an editor would hide or reorder is written as an escape the reviewer can see
    assert "\u202e" not in text and "\\u202e" in text and "\\u200b" in text


def test_write_aliases_refuses_to_overwrite_an_inventory(cli, second):
    result = run(cli, "names", second, "--write-aliases", second, code=2)
    assert "refusing to write the output over the input" in result.output


def test_an_unreadable_inventory_stops_names_naming_it(cli, tmp_path):
    missing = tmp_path / "missing.xlsx"
    result = run(cli, "names", SAMPLE, missing, code=2)
    assert "missing.xlsx" in result.output


@pytest.mark.parametrize("command", ["analyze", "matrix", "flows", "tally", "chart", "classify",
                                     "validate", "names"])
def test_every_command_that_counts_names_has_aliases(cli, command):
    help_text = run(cli, command, "--help").stdout
    assert "--aliases" in help_text
    if command == "names":
        for option in ("--write-aliases", "--threshold", "--element", "--format"):
            assert option in help_text


def test_a_batch_maps_every_inventory_and_says_a_conflict_once(cli, second, tmp_path):
    aliases = tmp_path / "aliases.toml"
    aliases.write_text('[service]\n"公式LINE" = ["市公式LINE", "クマぶら(公式LINE)"]\n'
                       '"LINE" = ["市公式LINE"]\n', "utf-8")
    out = tmp_path / "out"
    run(cli, "analyze", SAMPLE, second, "--aliases", aliases, "--out", out, "--format", "json",
        "--quiet")
    for folder in ("cases", "second", "_combined"):
        summary = json.loads((out / folder / "summary.json").read_text("utf-8"))
        assert [f["code"] for f in summary["findings"]].count("alias-conflict") == 1
    combined = json.loads((out / "_combined" / "summary.json").read_text("utf-8"))
    # クマぶら(公式LINE) in the sample, 市公式LINE in the second inventory
    assert combined["aliases"]["merged_names"] == 2
    flow = combined["matrices"]["flow"]
    assert flow["row_labels"].count("公式LINE") == 1
    assert "市公式LINE" not in flow["row_labels"]
