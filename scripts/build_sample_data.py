"""Build the bundled sample inventory: data/cases.xlsx and data/cases.csv.

    python scripts/build_sample_data.py

The workbook is laid out the way a municipality's workbook really looks: a cover sheet first, a
title block above the header row, Japanese headers with ①–④ and line breaks, municipalities merged
down several rows. The CSV holds the same cases flat, with English headers, in UTF-8.

Rows marked 記事 come from the DSA article in shared/seed (its tables and its text, 2025-11-20);
rows marked 例示 are illustrative cases written for this sample, in fictitious municipalities.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "記事"
ILLUSTRATIVE = "例示"

# municipality, prefecture, title, ① source, ② data, ③ target, ④ linked, theme, year, origin, notes
CASES = [
    ("", "", "生活習慣データに基づく健康指導",
     "ヘルスケアアプリ・ウェアラブルデバイス", "歩数・心拍など運動データ、健診結果",
     "医療機関・保健指導サービス", "業務効率化、生活習慣データに基づく健康指導",
     "健康／医療", "", ARTICLE, "表：健康・医療における代表的なデータ連携の例"),
    ("", "", "購買データに基づく健康アドバイス",
     "地域通貨・ポイント", "購買履歴", "ヘルスケアアプリ", "購買データに基づく健康アドバイス",
     "健康／医療", "", ARTICLE, "表：健康・医療における代表的なデータ連携の例"),
    ("", "", "安否情報の共有による避難行動支援",
     "介護支援アプリ", "安否情報", "防災アプリ", "情報共有効率化、避難行動支援",
     "防災／防犯", "", ARTICLE, "表：防災・防犯における代表的なデータ連携の例"),
    ("", "", "避難者情報による避難所管理",
     "マイナポータルなど", "避難者情報", "避難所受付サービス", "避難所管理の効率化",
     "防災／防犯", "", ARTICLE, "表：防災・防犯における代表的なデータ連携の例"),
    ("", "", "住民情報による個別通知",
     "市基幹システム/オンライン行政サービスなど", "住民情報（世帯など）", "ポータルアプリなど",
     "個別通知・手続き削減", "行政", "", ARTICLE, "表：行政分野における代表的なデータ連携の例"),
    ("", "", "オンデマンドバスの運行最適化",
     "オンデマンドバスサービス", "運行情報/利用履歴", "運行管理システム", "ダイヤ編成最適化",
     "モビリティ", "", ARTICLE, "表：モビリティにおける代表的なデータ連携の例"),
    ("", "", "健康状態とバス利用履歴の避難計画への反映",
     "ヘルスケアサービス/バスアプリ", "健康状態/バス利用履歴", "防災システム",
     "災害時の避難計画への反映", "", "", ARTICLE, "本文：モビリティ分野の他分野との連携例"),
    ("熊谷市", "埼玉県", "クマぶらを中心とした購買データ連携",
     "タッチポイント/ 地域通貨/ バスアプリ", "購買属性情報、 購買データなど",
     "データ分析/ クーポン配信", "ポイント連携/ レコメンド配信/ サービス・政策 の改善",
     "観光／地域経済活性化", "", ARTICLE, "熊谷市「データ連携の概要」"),
    ("熊谷市", "埼玉県", "回遊イベント参加履歴による観光施策の効果測定",
     "クマぶら（公式LINE）/スタンプラリー", "イベント参加履歴", "PDS/BIツール（Tableau）",
     "観光施策の効果測定", "", "", ARTICLE, "本文：PDSに蓄積したデータの行政施策への活用"),
    ("熊谷市", "埼玉県", "クーポン利用データによる商店街振興",
     "クマPAY/クマポ", "クーポン利用データ", "PDS/BIツール（Tableau）", "商店街振興策の検討",
     "", "", ARTICLE, "本文：PDSに蓄積したデータの行政施策への活用"),
    ("会津若松市", "福島県", "会津財布のクーポンのカスタマイズ",
     "地域ウォレット・地域情報サービス", "アンケートデータ（趣味嗜好など）", "クーポン配信",
     "配信クーポンのカスタマイズ", "観光／地域経済活性化", "", ARTICLE,
     "会津若松市「データ連携の概要」"),
    ("会津若松市", "福島県", "AIエンゲージメント機能による市民セグメント活用",
     "会津財布/地域ポータル", "属性情報/サービス利用情報", "AIエンゲージメント機能（市民セグメント）",
     "最適なクーポン配信/公共交通の周遊チケット配信", "", "2024", ARTICLE,
     "本文：データ連携基盤の改修（AIエンゲージメント機能）"),
    # Illustrative cases in a fictitious city and town.
    ("サンプル市", "", "観光周遊データによる周遊ルート提案",
     "観光アプリ/宿泊予約サイト", "周遊履歴、宿泊実績", "観光DMP",
     "周遊ルートの提案・観光施策の効果測定", "", "2023", ILLUSTRATIVE, ""),
    ("サンプル市", "", "地域ポイントによる商店街振興",
     "地域ポイントアプリ", "ポイント付与・利用履歴", "商店街ポータル",
     "加盟店のクーポン配信・商店街振興", "", "2023", ILLUSTRATIVE, ""),
    ("サンプル市", "", "健診結果に基づく生活改善アドバイス",
     "健診システム", "特定健診結果", "PHRアプリ", "健診結果に基づく生活改善アドバイス",
     "", "2023", ILLUSTRATIVE, ""),
    ("サンプル市", "", "服薬履歴の共有による重複投薬の防止",
     "お薬手帳アプリ", "服薬履歴", "かかりつけ医/薬局", "重複投薬の防止・服薬指導",
     "", "2024", ILLUSTRATIVE, ""),
    ("サンプル市", "", "避難所での要配慮者支援",
     "避難所受付アプリ", "避難者の要配慮情報", "災害対策本部システム",
     "要配慮者への個別支援・物資配分", "", "2024", ILLUSTRATIVE, ""),
    ("サンプル市", "", "子ども・高齢者の見守り",
     "見守りセンサー/見守りカメラ", "位置情報・通過履歴", "防犯アプリ",
     "子ども・高齢者の見守り通知", "", "2024", ILLUSTRATIVE, ""),
    ("サンプル市", "", "書かない窓口",
     "住民基本台帳システム", "世帯情報、転居情報", "電子申請サービス",
     "書かない窓口・申請書の自動記入", "", "2024", ILLUSTRATIVE, ""),
    ("サンプル市", "", "手続き状況の個別通知",
     "公式LINE", "申請状況/受付情報", "市基幹システム", "手続き状況の個別通知",
     "", "2024", ILLUSTRATIVE, ""),
    ("サンプル市", "", "乗降履歴による路線の見直し",
     "交通系ICカード/バスアプリ", "乗降履歴", "運行管理システム", "路線・ダイヤの見直し",
     "", "2023", ILLUSTRATIVE, ""),
    ("サンプル市", "", "母子手帳アプリによる子育て情報の配信",
     "母子手帳アプリ", "予防接種記録、乳幼児健診記録", "子育て支援ポータル",
     "子育て情報の個別配信", "", "2024", ILLUSTRATIVE, ""),
    ("サンプル市", "", "スマートメーターによる省エネ支援",
     "スマートメーター", "電力使用量", "省エネアドバイスサービス", "家庭の省エネ・CO2削減",
     "", "2024", ILLUSTRATIVE, ""),
    ("モデル町", "", "MaaSアプリとオンデマンド交通の連携",
     "MaaSアプリ", "経路検索・予約データ", "オンデマンド交通", "乗合配車の最適化",
     "", "2023", ILLUSTRATIVE, ""),
    ("モデル町", "", "自動運転バスの遠隔監視",
     "自動運転バス", "運行データ/乗車人数", "運行管理センター", "運行状況の可視化・遠隔監視",
     "", "2024", ILLUSTRATIVE, ""),
    ("モデル町", "", "ふるさと納税と関係人口づくり",
     "ふるさと納税サイト", "寄附者属性、返礼品の選択", "観光プロモーションサービス",
     "関係人口向けイベント案内", "", "2023", ILLUSTRATIVE, ""),
    ("モデル町", "", "介護記録による介護予防",
     "介護事業所システム", "介護記録/バイタルデータ", "地域包括支援センター",
     "介護予防の個別支援", "", "2023", ILLUSTRATIVE, ""),
    ("モデル町", "", "個別避難計画の作成支援",
     "避難行動要支援者名簿", "要支援者情報", "防災アプリ", "個別避難計画の作成支援",
     "", "2024", ILLUSTRATIVE, ""),
    ("モデル町", "", "マイナンバーカードによるオンライン手続",
     "マイナンバーカード", "本人確認情報", "行政ポータル", "オンライン手続の本人確認の簡素化",
     "", "2024", ILLUSTRATIVE, ""),
    ("モデル町", "", "学習履歴による個別最適な学び",
     "学習支援システム", "学習履歴", "教育委員会ダッシュボード", "個別最適な学びの支援",
     "", "2024", ILLUSTRATIVE, ""),
    ("モデル町", "", "直売所の購買データによる出荷計画",
     "農産物直売所POS", "購買履歴", "生産者向け営農アプリ", "需要に応じた出荷計画",
     "", "2024", ILLUSTRATIVE, ""),
]

JA_HEADERS = ["No", "自治体", "都道府県", "事例名", "①データ共有元\nサービス", "②流通データ",
              "③データ共有先\nサービス", "④データ連携サービス", "テーマ", "年度", "出典区分", "備考"]
CSV_HEADERS = ["case_id", "municipality", "prefecture", "title", "source_service", "data",
               "target_service", "linked_service", "theme", "fiscal_year", "origin", "notes"]
TITLE = "パーソナルデータ連携 事例一覧（サンプル）"
SOURCE_NOTE = ("出典区分「記事」: 一般社団法人データ社会推進協議会（DSA）「共同利用ガイドブック改版に基づく"
               " パーソナルデータ利活用 サービス連携の検討プロセス(後編)」2025年11月20日。"
               "「例示」: flowmatrix のサンプルとして作成した架空の自治体の事例。")
DSA_TALLY = [("観光／地域経済活性化", 13), ("健康／医療", 13), ("防災／防犯", 5), ("行政", 3),
             ("モビリティ", 3)]


# The KPI sheet: published figures only, each with its source. The article gives no per-year
# target and actual for クマぶら (its chart's values are not in its text), so that series is
# absent; the periods are what the sources state (a fiscal year only where one is stated).
DSA_ARTICLE = ("DSA「共同利用ガイドブック改版に基づく パーソナルデータ利活用 サービス連携の検討プロセス"
               "(後編)」2025-11-20 https://data-society-alliance.org/data-ex/area-data/article/"
               "article7")
KOMEI = ("公明党福島県本部「便利でお得な「会津コイン」／デジタル地域通貨が浸透」2024-04-04"
         "（加盟店507店舗、3月26日現在）")
KPI_HEADERS = ["自治体", "指標", "年度", "目標", "実績", "単位", "出典"]
KPIS = [
    ("熊谷市", "市公式LINE登録者数", "施策前", None, "0.5万", "人", DSA_ARTICLE),
    ("熊谷市", "市公式LINE登録者数", "1年後", None, "3.5万", "人", DSA_ARTICLE),
    ("熊谷市", "クマぶら利用ユーザ数", "2025年11月（記事時点）", None, "6万人超", "人", DSA_ARTICLE),
    ("会津若松市", "会津コイン加盟店数", "令和5年度", None, 507, "店舗", KOMEI),
    ("会津若松市", "会津コイン加盟店数", "2025年11月（記事時点）", None, "500店舗以上", "店舗",
     DSA_ARTICLE),
    ("会津若松市", "会津コイン利用者数", "2025年11月（記事時点）", None, "13,000人超", "人",
     DSA_ARTICLE),
]


def rows() -> list[list[object]]:
    return [[number, *case] for number, case in enumerate(CASES, start=1)]


def build_workbook(path: Path) -> None:
    book = Workbook()
    cover = book.active
    cover.title = "表紙"
    cover["A1"] = TITLE
    cover["A1"].font = Font(bold=True, size=14)
    cover["A3"] = "シート「事例一覧」に事例を、データ連携の4要素（①〜④）で記載しています。"
    cover["A4"] = SOURCE_NOTE
    cover.column_dimensions["A"].width = 120

    sheet = book.create_sheet("事例一覧")
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = SOURCE_NOTE
    sheet["A2"].font = Font(size=9, color="595959")
    header_row = 4
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, text in enumerate(JA_HEADERS, start=1):
        cell = sheet.cell(row=header_row, column=column, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="2E75B6" if 5 <= column <= 8 else "1F4E78")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = border
    for offset, values in enumerate(rows(), start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=header_row + offset, column=column,
                              value=int(value) if column == 10 and value else (value or None))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = border
    # Merge each municipality (and its prefecture) down the rows it spans, as people do.
    first = header_row + 1
    names = [case[0] for case in CASES]
    start = 0
    for index in range(1, len(names) + 1):
        if index == len(names) or names[index] != names[start]:
            if names[start] and index - start > 1:
                for column in ("B", "C"):
                    sheet.merge_cells(f"{column}{first + start}:{column}{first + index - 1}")
            start = index
    for letter, width in zip("ABCDEFGHIJKL", (5, 11, 9, 30, 28, 26, 26, 30, 20, 7, 9, 36),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.row_dimensions[header_row].height = 34
    sheet.freeze_panes = f"E{header_row + 1}"

    tally = book.create_sheet("DSA集計（記事）")
    tally.append(["パーソナルデータ連携を行うサービスのテーマ（DSA調べ）"])
    tally.append(["テーマ", "件数"])
    for theme, count in DSA_TALLY:
        tally.append([theme, count])
    tally.column_dimensions["A"].width = 28

    kpis = book.create_sheet("KPI")
    kpis.append(["KPI（公表された数値のみ。出典の列を参照）"])
    kpis.append(KPI_HEADERS)
    for row in KPIS:
        kpis.append(list(row))
    for letter, width in zip("ABCDEFG", (11, 22, 22, 8, 12, 7, 90), strict=True):
        kpis.column_dimensions[letter].width = width
    book.save(path)


def build_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADERS)
        for number, *case in rows():
            municipality, prefecture, title, *elements, theme, year, origin, notes = case
            writer.writerow([number, municipality, prefecture, title, *elements, theme, year,
                             "article" if origin == ARTICLE else "illustrative", notes])


def main() -> None:
    build_workbook(ROOT / "data" / "cases.xlsx")
    build_csv(ROOT / "data" / "cases.csv")


if __name__ == "__main__":
    main()
