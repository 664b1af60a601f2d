"""The bundled sample inventory holds the article's cases and reads the same from xlsx and CSV."""

from conftest import ROOT

from flowmatrix import classify, read_inventory

ARTICLE_TABLE_ROWS = [
    ("ヘルスケアアプリ・ウェアラブルデバイス", "歩数・心拍など運動データ、健診結果",
     "医療機関・保健指導サービス", "業務効率化、生活習慣データに基づく健康指導"),
    ("地域通貨・ポイント", "購買履歴", "ヘルスケアアプリ", "購買データに基づく健康アドバイス"),
    ("介護支援アプリ", "安否情報", "防災アプリ", "情報共有効率化、避難行動支援"),
    ("マイナポータルなど", "避難者情報", "避難所受付サービス", "避難所管理の効率化"),
    ("市基幹システム/オンライン行政サービスなど", "住民情報（世帯など）", "ポータルアプリなど",
     "個別通知・手続き削減"),
    ("オンデマンドバスサービス", "運行情報/利用履歴", "運行管理システム", "ダイヤ編成最適化"),
    ("タッチポイント/ 地域通貨/ バスアプリ", "購買属性情報、 購買データなど", "データ分析/ クーポン配信",
     "ポイント連携/ レコメンド配信/ サービス・政策 の改善"),
    ("地域ウォレット・地域情報サービス", "アンケートデータ（趣味嗜好など）", "クーポン配信",
     "配信クーポンのカスタマイズ"),
]
ELEMENTS = ["source_service", "data", "target_service", "linked_service"]


def test_sample_workbook_is_laid_out_like_a_real_one():
    inventory = read_inventory(ROOT / "data" / "cases.xlsx")
    assert inventory.sheet == "事例一覧"  # the cover sheet before it is skipped
    assert inventory.header_row == 4  # under a title block
    kumagaya = inventory.cases[inventory.cases["municipality"] == "熊谷市"]
    assert len(kumagaya) == 3  # merged down three rows in the workbook
    findings = classify(inventory).findings
    # no errors or warnings: only the flows that carry 要配慮個人情報 are noted
    assert {(f.severity, f.code) for f in findings} == {("info", "sensitive-flow")}
    assert [f.cell for f in findings] == ["F5", "F19", "F20", "F21", "F26", "F31", "F32"]


def test_sample_holds_every_article_table_row():
    cases = read_inventory(ROOT / "data" / "cases.xlsx").cases
    rows = set(cases[ELEMENTS].itertuples(index=False, name=None))
    assert set(ARTICLE_TABLE_ROWS) <= rows
    origins = cases["出典区分"].value_counts()
    assert set(origins.index) == {"記事", "例示"}


def test_csv_has_the_same_cases_as_the_workbook():
    xlsx = read_inventory(ROOT / "data" / "cases.xlsx").cases
    csv = read_inventory(ROOT / "data" / "cases.csv").cases
    columns = ["case_id", "municipality", "prefecture", "title", *ELEMENTS, "theme", "fiscal_year"]
    assert xlsx[columns].values.tolist() == csv[columns].values.tolist()
    assert {f.severity for f in classify(ROOT / "data" / "cases.csv").findings} == {"info"}
