"""Service types and data categories of items (groundwork for #8): the article's items map to
the types the article uses; explicit columns win; sensitivity follows the category."""

import csv
import io

import pandas as pd
from conftest import ROOT

from flowmatrix import Settings, load_taxonomies, read_inventory
from flowmatrix.classification import kinds
from flowmatrix.classification.taxonomy import Taxonomies, load_taxonomy
from flowmatrix.io.text import split_items


def type_items(cases, taxonomies=None):
    """The kinds of the items, with the packaged taxonomies unless others are given."""
    return kinds.type_items(cases, taxonomies or load_taxonomies(Settings()))

ARTICLE = [
    # (source, data, target) and the types the article's tables are written in
    ("ヘルスケアアプリ・ウェアラブルデバイス", "歩数・心拍など運動データ、健診結果", "医療機関・保健指導サービス",
     ("healthcare_app",), ("activity_vital", "health_check"), ("medical",)),
    ("地域通貨・ポイント", "購買履歴", "ヘルスケアアプリ", ("currency",), ("purchase",), ("healthcare_app",)),
    ("介護支援アプリ", "安否情報", "防災アプリ", ("care",), ("safety_status",), ("disaster_app",)),
    ("マイナポータルなど", "避難者情報", "避難所受付サービス", ("online_application",), ("evacuee",),
     ("shelter",)),
    ("市基幹システム/オンライン行政サービスなど", "住民情報（世帯など）", "ポータルアプリなど",
     ("core_system", "online_application"), ("resident",), ("portal",)),
    ("オンデマンドバスサービス", "運行情報/利用履歴", "運行管理システム", ("mobility_service",),
     ("mobility_usage", "mobility_usage"), ("operations",)),
    ("タッチポイント/ 地域通貨/ バスアプリ", "購買属性情報、 購買データなど", "データ分析/ クーポン配信",
     ("portal", "currency", "mobility_service"), ("purchase", "purchase"), ("analytics", "coupon")),
    ("地域ウォレット・地域情報サービス", "アンケートデータ（趣味嗜好など）", "クーポン配信", ("currency",),
     ("survey_preferences",), ("coupon",)),
]


def frame(rows, **extra):
    cases = pd.DataFrame([{"source_service": s, "data": d, "target_service": t} for s, d, t in rows])
    cases["linked_service"] = ""
    for element in ("source_service", "data", "target_service", "linked_service"):
        cases[f"{element}_items"] = cases[element].map(split_items)
    for column, values in extra.items():
        cases[column] = values
    return cases


def test_the_article_items_get_the_article_types():
    typed = type_items(frame([row[:3] for row in ARTICLE]))
    got = list(zip(typed["source_types"], typed["data_categories"], typed["target_types"],
                   strict=True))
    assert got == [row[3:] for row in ARTICLE]
    assert list(typed["sensitive"]) == [True] + [False] * 7  # 健診結果 is 要配慮個人情報


def test_explicit_columns_win_per_item_or_for_the_whole_cell():
    typed = type_items(frame([("クマPAY/かこがわアプリ", "購買履歴", "謎のシステム")],
                             source_service_type=["portal/地域通貨・ポイント"],
                             data_category=["健診結果"], target_service_type=[""]))
    assert typed.loc[0, "source_types"] == ("portal", "currency")
    assert typed.loc[0, "data_categories"] == ("health_check",)
    assert typed.loc[0, "sensitive"]
    assert typed.loc[0, "target_types"] == ("other",)
    # one type per item may repeat a type: three items, currency / portal / currency
    typed = type_items(frame([("謎A/謎B/謎C", "購買履歴", "分析")],
                             source_service_type=["currency/portal/currency"]))
    assert typed.loc[0, "source_types"] == ("currency", "portal", "currency")


def test_user_taxonomy_extends_the_categories(tmp_path):
    extra = tmp_path / "categories.toml"
    extra.write_text('extends = "default"\n[[data_category]]\nid = "genome"\nja = "ゲノム情報"\n'
                     'en = "Genome"\nkeywords = ["ゲノム", "遺伝子"]\npersonal = true\n'
                     'sensitive = true\nreason = "ゲノム情報は要配慮個人情報になりうる。"\n',
                     encoding="utf-8")
    categories = load_taxonomy(extra, kind="data_category")
    assert categories.get("genome").attribute("sensitive") is True
    defaults = load_taxonomies(Settings())
    typed = type_items(frame([("A", "ゲノム配列・遺伝子型", "B")]),
                       Taxonomies(defaults.themes, defaults.service_types, categories,
                                  defaults.value_types))
    assert typed.loc[0, "data_categories"] == ("genome",) and typed.loc[0, "sensitive"]


def test_the_sample_inventory_is_typed():
    typed = type_items(read_inventory(ROOT / "data" / "cases.xlsx").cases)
    assert all(len(t) == len(i) for t, i in zip(typed["source_types"],
                                                 typed["source_service_items"], strict=True))
    assert typed["sensitive"].sum() >= 3  # 健診結果, 服薬履歴, 介護記録, 予防接種記録…


def test_cli_type_matrix_tally_and_listing(cli):
    import json

    sample = ROOT / "data" / "cases.xlsx"
    data = json.loads(cli("matrix", sample, "--by-type", "--format", "json").stdout)
    assert (data["rows"], data["cols"], data["values"]) == ("source_type", "target_type",
                                                          "data_category")
    currency = [c for c in data["cells"] if c["row"] == "地域通貨・ポイント"]
    assert currency and all(set(c["data"]) <= {"購買履歴", "アンケート・嗜好", "決済・ポイント残高",
                                                 "その他"} for c in currency)
    tally = json.loads(cli("tally", sample, "--by", "data_category", "--format", "json").stdout)
    counts = {r["data_category"]: r["cases"] for r in tally["tally"]}
    assert counts["健診結果"] == 3  # rows 5, 19 and 26 of the sample
    listing = json.loads(cli("themes", "--kind", "data", "--format", "json").stdout)
    flags = {t["id"]: t["sensitive"] for t in listing["themes"]}
    assert flags["health_check"] and flags["medical_record"] and not flags["purchase"]


def test_validate_notes_sensitive_flows_and_warns_without_consent(cli, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス,同意\n"
                    "健診システム,特定健診結果,PHRアプリ,生活改善アドバイス,取得済み\n"
                    "お薬手帳アプリ,服薬履歴,薬局,服薬指導,\n"
                    "地域通貨,購買履歴,クーポン配信,クーポン,\n", encoding="utf-8")
    result = cli("validate", path, "--format", "lines")
    assert result.exit_code == 0
    assert "B2: 情報 [sensitive-flow]" in result.stdout
    assert "B3: 警告 [sensitive-without-consent]" in result.stdout and "「同意」列が空" in result.stdout
    assert "B4" not in result.stdout
    assert cli("validate", path, "--strict").exit_code == 1


JA_TYPED_HEADER = ["No", "①データ共有元サービス", "共有元サービス種別", "②流通データ", "データ分類",
                   "③データ共有先サービス", "共有先サービス種別", "④データ連携サービス", "同意の有無"]


def test_japanese_type_and_consent_headers_in_a_workbook(cli, make_xlsx, tmp_path):
    import json

    path = make_xlsx([
        ["パーソナルデータ連携 事例一覧"],
        JA_TYPED_HEADER,
        [1, "クマPAY／謎アプリ", "地域通貨・ポイント／ポータルアプリ・公式LINE", "購買履歴", "",
         "分析基盤", "", "来街分析", "取得済み"],
        [2, "健診システム", "", "特定健診結果", "", "PHRアプリ", "", "保健指導", None],
        [3, "見守りセンサー", "ロボット", "室温", "天気予報", "町役場", "", "見守り", "あり"],
        [4, "予約アプリ", "", "乗車記録", "交通利用履歴", "配車システム",
         "運行管理／データ分析・BI・PDS", "配車最適化", ""],
    ])
    result = cli("validate", path, "--format", "lines")
    lines = result.stdout.splitlines()
    # 健診結果 with an empty 同意の有無 cell warns at the data cell of row 4
    assert any("D4: 警告 [sensitive-without-consent]" in line and "「同意の有無」列が空" in line
               for line in lines)
    # an unknown label in a type column, and too many labels, name the cell they are in
    assert any("E5: 警告 [unknown-item-type]" in line and "天気予報" in line for line in lines)
    assert any("G6: 警告 [unknown-item-type]" in line and "項目 1 個に種別が 2 個" in line
               for line in lines)
    assert any("C5: 警告 [unknown-item-type]" in line and "ロボット" in line for line in lines)
    assert not any("C3" in line or "E6" in line for line in lines)  # known labels are fine

    out = tmp_path / "reports"
    assert cli("analyze", path, "--out", out, "--format", "json,csv", "--quiet").exit_code == 0
    summary = json.loads((out / "cases" / "summary.json").read_text("utf-8"))
    matrix = summary["matrices"]["types"]
    types = {(row, col) for row, counts in zip(matrix["row_labels"], matrix["counts"], strict=True)
             for col, n in zip(matrix["col_labels"], counts, strict=True) if n}
    assert ("地域通貨・ポイント", "データ分析・BI・PDS") in types  # the declared type won
    assert ("ポータルアプリ・公式LINE", "データ分析・BI・PDS") in types
    header = (out / "cases" / "cases.csv").read_text("utf-8-sig").splitlines()[0].split(",")
    assert header[14:20] == ["①共有元サービス種別", "②データ分類", "③共有先サービス種別", "④価値の種別",
                             "要配慮個人情報", "同意"]
    assert "共有元サービス種別" not in header  # shown through ①共有元サービス種別, not twice
    # the report's own cases.csv read back: its type columns are read as declared types,
    # and 要配慮個人情報 (kept as a column of the inventory) does not hide the computed one
    again = tmp_path / "again"
    assert cli("analyze", out / "cases" / "cases.csv", "--out", again, "--format", "csv",
               "--quiet").exit_code == 0
    rows = list(csv.reader(io.StringIO((again / "cases" / "cases.csv").read_text("utf-8-sig"))))
    assert len(rows[0]) == len(set(rows[0])) and "要配慮個人情報 (2)" in rows[0]
    assert [r[rows[0].index("要配慮個人情報")] for r in rows[1:]] == ["", "要配慮", "", ""]


def test_user_service_types_and_data_categories_on_the_commands(cli, tmp_path):
    import json

    types = tmp_path / "types.toml"
    types.write_text('extends = "default"\n[[service_type]]\nid = "library"\nja = "図書館"\n'
                     'en = "Library"\nkeywords = ["図書館"]\n', encoding="utf-8")
    categories = tmp_path / "categories.toml"
    categories.write_text('extends = "default"\n[[data_category]]\nid = "loans"\n'
                          'ja = "貸出履歴"\nen = "Loans"\nkeywords = ["貸出"]\npersonal = true\n'
                          'sensitive = true\nreason = "例として要配慮扱い"\n', encoding="utf-8")
    path = tmp_path / "cases.csv"
    path.write_text("①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス\n"
                    "市立図書館,貸出記録,読書通帳アプリ,読書記録\n", encoding="utf-8")
    flags = ("--service-types", types, "--data-categories", categories)

    data = json.loads(cli("matrix", path, "--by-type", "--format", "json", *flags).stdout)
    assert [(c["row"], c["data"]) for c in data["cells"]] == [("図書館", ["貸出履歴"])]
    default = json.loads(cli("matrix", path, "--by-type", "--format", "json").stdout)
    assert default["cells"][0]["row"] == "その他"
    tally = json.loads(cli("tally", path, "--by", "data_category", "--format", "json",
                           *flags).stdout)
    assert tally["tally"][0]["data_category"] == "貸出履歴"
    assert "[sensitive-flow]" in cli("validate", path, "--format", "lines", *flags).stdout
    assert "[sensitive-flow]" not in cli("validate", path, "--format", "lines").stdout
    out = tmp_path / "reports"
    assert cli("analyze", path, "--out", out, "--format", "md", "--quiet", *flags).exit_code == 0
    assert "貸出履歴" in (out / "cases" / "report.md").read_text("utf-8")

    listed = json.loads(cli("themes", "--service-types", types, "--format", "json").stdout)
    assert listed["themes"][-2]["id"] == "library"  # new types go before other
    mismatch = cli("themes", "--kind", "data", "--service-types", types)
    assert mismatch.exit_code == 2 and "--kind" in mismatch.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("[[service_type]\n", encoding="utf-8")
    bad = cli("matrix", path, "--service-types", broken)
    assert bad.exit_code == 2 and "broken.toml" in bad.stderr and "Traceback" not in bad.output


def test_the_head_of_a_service_name_decides():
    from flowmatrix.classification.kinds import head_phrase

    item = "観光施設に設置したWi-Fiパケットセンサ"
    start, end = head_phrase(item)
    assert item[start:end] == "Wi-Fiパケットセンサ"
    assert head_phrase("予約アプリ(KDDI総合研究所)") == (0, 5)
    typed = type_items(frame([("観光施設に設置したWi-Fiパケットセンサ/予約アプリ(KDDI総合研究所)",
                               "河川の水位", "観光協会の人流分析")]))
    assert typed.loc[0, "source_types"] == ("sensor", "mobility_service")
    assert typed.loc[0, "target_types"] == ("analytics",)
    assert typed.loc[0, "data_categories"] == ("sensor_environment",)


def test_a_municipality_itself_as_target_is_the_analysing_body():
    # the anchored pattern matches a bare municipality, not a service that names one
    typed = type_items(frame([("クマPAY", "決済履歴", "足利市/飛騨市(経済対策)/足利市観光協会")]))
    assert typed.loc[0, "target_types"] == ("analytics", "analytics", "tourism_service")


def test_cases_with_the_same_sensitive_data_share_the_words_of_their_notes(tmp_path):
    """A national inventory has a note per case carrying 要配慮個人情報: cases with the same
    data share one message and one params tuple (each its own cell and row)."""
    from flowmatrix import classify

    path = tmp_path / "cases.csv"
    path.write_text("①データ共有元サービス,②流通データ,③データ共有先サービス,④データ連携サービス,同意\n"
                    "健診システム,特定健診結果,PHRアプリ,生活改善アドバイス,取得済み\n"
                    "健診システム,特定健診結果,アプリ,健康アドバイス,\n"
                    "病院,特定健診結果,PHRアプリ,生活改善アドバイス,あり\n"
                    "お薬手帳アプリ,服薬履歴,薬局,服薬指導,\n", encoding="utf-8")
    notes = sorted((f for f in classify(path).findings if f.code.startswith("sensitive")),
                   key=lambda f: f.row)
    assert [(f.code, f.cell) for f in notes] == [
        ("sensitive-flow", "B2"), ("sensitive-without-consent", "B3"),
        ("sensitive-flow", "B4"), ("sensitive-without-consent", "B5")]
    first, consentless, same, other = notes
    assert same.message is first.message and same.params is first.params
    assert "特定健診結果（健診結果）" in consentless.message and "'同意'" in consentless.message
    assert other.message != consentless.message
