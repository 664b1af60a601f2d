"""Generate realistic inventories of personal-data linkage cases for the benchmarks.

    python benchmarks/generate.py --cases 1000 10000 100000 --out /tmp/fmbench

For each size N this writes ``cases_<N>.xlsx`` and ``cases_<N>.csv`` (cp932, CRLF, the way
Japanese Excel saves "CSV (コンマ区切り)"). Both hold the same rows: a sheet 事例一覧 with a title
row above the header ``No, 自治体, 都道府県, 事例名, ①データ共有元サービス, ②流通データ,
③データ共有先サービス, ④データ連携サービス, テーマ, 年度, 備考`` — the layout of
data/cases.xlsx — so ``pandas.read_excel(path, header=1)`` reads it too.

What makes it realistic:

- real municipality names with their prefectures (440, every prefecture);
- per theme vocabularies of source services, data, target services and linked services for
  all themes of flowmatrix/data/themes.toml, plus a few cases that match no theme; about 15 % of
  cases take their source or data from another theme (a cross-domain flow such as
  介護支援アプリ → 安否情報 → 防災アプリ);
- several items in one cell (separated by / or 、, now and then ／ or a trailing など) in
  about 30 % of element cells; some services carry the municipality's name (〇〇市公式LINE);
- titles composed from the municipality and the vocabulary, so most titles are distinct;
- the theme column filled in about 30 % of rows (mostly the taxonomy's labels, some aliases
  such as 健康・医療 or 防災), fiscal years 2021–2025, notes in about 40 % of rows;
- blemishes for validate to report: about 0.5 % of rows with one empty element, a few
  duplicate case ids and a few theme labels the taxonomy does not know.

Deterministic: the random generator is seeded from --seed and the size, so every run writes
the same rows (the CSV is byte-identical; the xlsx holds identical cells, only the zip
timestamps differ). The script needs only openpyxl and writes the workbook in write-only
(streaming) mode.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

TITLE = "パーソナルデータ連携 事例一覧（全国調査）"
HEADER = ["No", "自治体", "都道府県", "事例名", "①データ共有元サービス", "②流通データ",
          "③データ共有先サービス", "④データ連携サービス", "テーマ", "年度", "備考"]
ELEMENT_COLUMNS = (4, 5, 6, 7)  # positions of ①–④ in HEADER
SHEET = "事例一覧"

# --------------------------------------------------------------------------------------------
# Municipalities (real names), by prefecture
# --------------------------------------------------------------------------------------------
MUNICIPALITIES = {
    "北海道": "札幌市 函館市 小樽市 旭川市 室蘭市 釧路市 帯広市 北見市 苫小牧市 江別市 千歳市 "
              "岩見沢市 恵庭市 北広島市 石狩市 ニセコ町 東川町 更別村 上士幌町",
    "青森県": "青森市 弘前市 八戸市 十和田市 むつ市 三沢市",
    "岩手県": "盛岡市 花巻市 北上市 一関市 奥州市 釜石市 宮古市 紫波町",
    "宮城県": "仙台市 石巻市 塩竈市 気仙沼市 名取市 多賀城市 大崎市 富谷市 女川町",
    "秋田県": "秋田市 能代市 横手市 大館市 由利本荘市 大仙市",
    "山形県": "山形市 米沢市 鶴岡市 酒田市 天童市 東根市",
    "福島県": "福島市 会津若松市 郡山市 いわき市 白河市 須賀川市 南相馬市 磐梯町",
    "茨城県": "水戸市 日立市 土浦市 古河市 つくば市 ひたちなか市 笠間市 守谷市 境町",
    "栃木県": "宇都宮市 足利市 栃木市 佐野市 鹿沼市 小山市 那須塩原市 矢板市",
    "群馬県": "前橋市 高崎市 桐生市 伊勢崎市 太田市 館林市 渋川市 草津町",
    "埼玉県": "さいたま市 川越市 熊谷市 川口市 所沢市 春日部市 上尾市 越谷市 草加市 入間市 "
              "朝霞市 戸田市 秩父市 深谷市 横瀬町",
    "千葉県": "千葉市 船橋市 松戸市 市川市 柏市 市原市 流山市 木更津市 成田市 佐倉市 習志野市 "
              "浦安市 銚子市 館山市",
    "東京都": "千代田区 中央区 港区 新宿区 文京区 台東区 墨田区 江東区 品川区 目黒区 大田区 "
              "世田谷区 渋谷区 中野区 杉並区 豊島区 北区 荒川区 板橋区 練馬区 足立区 葛飾区 "
              "江戸川区 八王子市 立川市 武蔵野市 三鷹市 府中市 調布市 町田市 小金井市 日野市 "
              "国分寺市 多摩市",
    "神奈川県": "横浜市 川崎市 相模原市 横須賀市 平塚市 鎌倉市 藤沢市 小田原市 茅ヶ崎市 厚木市 "
                "大和市 海老名市 座間市 箱根町",
    "新潟県": "新潟市 長岡市 三条市 柏崎市 新発田市 上越市 佐渡市 燕市",
    "富山県": "富山市 高岡市 魚津市 氷見市 砺波市 南砺市",
    "石川県": "金沢市 七尾市 小松市 輪島市 加賀市 白山市 能美市",
    "福井県": "福井市 敦賀市 小浜市 鯖江市 坂井市 永平寺町",
    "山梨県": "甲府市 富士吉田市 都留市 山梨市 笛吹市 北杜市 甲斐市",
    "長野県": "長野市 松本市 上田市 飯田市 諏訪市 伊那市 佐久市 安曇野市 茅野市 塩尻市 軽井沢町",
    "岐阜県": "岐阜市 大垣市 高山市 多治見市 関市 中津川市 各務原市 可児市",
    "静岡県": "静岡市 浜松市 沼津市 熱海市 三島市 富士宮市 富士市 磐田市 焼津市 掛川市 藤枝市 "
              "裾野市",
    "愛知県": "名古屋市 豊橋市 岡崎市 一宮市 春日井市 豊川市 豊田市 安城市 西尾市 小牧市 刈谷市 "
              "犬山市 常滑市 長久手市",
    "三重県": "津市 四日市市 伊勢市 松阪市 桑名市 鈴鹿市 名張市 亀山市 鳥羽市",
    "滋賀県": "大津市 彦根市 長浜市 近江八幡市 草津市 守山市 甲賀市 東近江市",
    "京都府": "京都市 福知山市 舞鶴市 宇治市 亀岡市 京丹後市 木津川市 精華町",
    "大阪府": "大阪市 堺市 豊中市 吹田市 高槻市 枚方市 茨木市 八尾市 寝屋川市 東大阪市 岸和田市 "
              "池田市 箕面市 河内長野市",
    "兵庫県": "神戸市 姫路市 尼崎市 明石市 西宮市 芦屋市 伊丹市 加古川市 宝塚市 三田市 豊岡市 "
              "淡路市 丹波篠山市",
    "奈良県": "奈良市 大和高田市 大和郡山市 天理市 橿原市 生駒市 香芝市 三郷町",
    "和歌山県": "和歌山市 海南市 田辺市 新宮市 紀の川市 岩出市 白浜町",
    "鳥取県": "鳥取市 米子市 倉吉市 境港市",
    "島根県": "松江市 浜田市 出雲市 益田市 大田市 雲南市 海士町",
    "岡山県": "岡山市 倉敷市 津山市 玉野市 笠岡市 総社市 真庭市 西粟倉村",
    "広島県": "広島市 呉市 竹原市 三原市 尾道市 福山市 東広島市 廿日市市",
    "山口県": "下関市 宇部市 山口市 萩市 防府市 下松市 岩国市 周南市",
    "徳島県": "徳島市 鳴門市 小松島市 阿南市 美波町 神山町",
    "香川県": "高松市 丸亀市 坂出市 善通寺市 観音寺市 三豊市",
    "愛媛県": "松山市 今治市 宇和島市 八幡浜市 新居浜市 西条市 大洲市",
    "高知県": "高知市 室戸市 安芸市 南国市 土佐市 四万十市",
    "福岡県": "北九州市 福岡市 久留米市 飯塚市 大牟田市 直方市 田川市 柳川市 八女市 筑後市 "
              "春日市 大野城市 宗像市 糸島市 宮若市",
    "佐賀県": "佐賀市 唐津市 鳥栖市 伊万里市 武雄市 鹿島市",
    "長崎県": "長崎市 佐世保市 島原市 諫早市 大村市 五島市 壱岐市 対馬市",
    "熊本県": "熊本市 八代市 人吉市 荒尾市 玉名市 山鹿市 菊池市 宇城市 天草市 合志市",
    "大分県": "大分市 別府市 中津市 日田市 佐伯市 臼杵市 由布市",
    "宮崎県": "宮崎市 都城市 延岡市 日南市 小林市 日向市 新富町",
    "鹿児島県": "鹿児島市 鹿屋市 枕崎市 薩摩川内市 霧島市 指宿市 奄美市 肝付町",
    "沖縄県": "那覇市 宜野湾市 石垣市 浦添市 名護市 沖縄市 豊見城市 うるま市 宮古島市",
}

# --------------------------------------------------------------------------------------------
# Vocabularies per theme. "{m}" is replaced by the municipality's name without 市/町/村/区.
# --------------------------------------------------------------------------------------------
THEMES: dict[str, dict] = {
    "tourism": {
        "label": "観光／地域経済活性化",
        "aliases": ["観光", "地域経済活性化", "観光・地域経済", "地域通貨"],
        "share": 0.22,
        "source": ["地域通貨アプリ", "地域ポイントアプリ", "観光アプリ", "宿泊予約サイト",
                   "商店街ポータル", "キャッシュレス決済サービス", "デジタル商品券アプリ",
                   "スタンプラリーアプリ", "観光案内所のWi-Fi", "ふるさと納税サイト",
                   "地域ウォレット・地域情報サービス", "イベントチケット販売サイト",
                   "道の駅POSシステム", "{m}ポイントアプリ", "{m}デジタル地域通貨", "{m}観光ナビ",
                   "電子マネー（加盟店端末）"],
        "data": ["購買履歴", "購買属性情報", "ポイント付与・利用履歴", "クーポン利用データ",
                 "周遊履歴", "宿泊実績", "イベント参加履歴", "アンケートデータ（趣味嗜好など）",
                 "決済データ（加盟店・金額・日時）", "来訪者の属性情報",
                 "位置情報（観光スポット周辺）",
                 "返礼品の選択履歴", "寄附者属性", "店舗別売上データ", "訪日外国人の閲覧履歴"],
        "target": ["観光DMP", "クーポン配信サービス", "商店街ポータル",
                   "観光プロモーションサービス",
                   "加盟店管理システム", "BIツール（Tableau）", "DMOのマーケティング基盤",
                   "地域ポータルアプリ", "観光案内サイト", "レコメンドエンジン", "{m}公式LINE"],
        "linked": ["周遊ルートの提案", "観光施策の効果測定", "加盟店のクーポン配信",
                   "商店街振興策の検討", "配信クーポンのカスタマイズ",
                   "ポイント連携・レコメンド配信",
                   "消費喚起キャンペーンの最適化", "関係人口向けイベント案内", "観光客の回遊促進",
                   "地域内経済循環の可視化", "インバウンド誘客施策の立案", "来街者の満足度向上",
                   "地元店舗の販売促進", "デジタル商品券の利用分析"],
    },
    "health": {
        "label": "健康／医療",
        "aliases": ["健康・医療", "医療", "健康", "ヘルスケア", "介護・福祉"],
        "share": 0.20,
        "source": ["ヘルスケアアプリ・ウェアラブルデバイス", "健診システム", "お薬手帳アプリ",
                   "PHRアプリ", "介護事業所システム", "電子カルテ", "オンライン診療サービス",
                   "健康ポイントアプリ", "歩数計アプリ", "介護支援アプリ",
                   "地域医療連携ネットワーク",
                   "国保データベース（KDB）", "体組成計・血圧計", "{m}健康ポイントアプリ",
                   "{m}元気アップアプリ", "薬局の調剤システム"],
        "data": ["歩数・心拍など運動データ", "健診結果", "特定健診結果", "服薬履歴", "介護記録",
                 "バイタルデータ", "血圧・体重の記録", "診療履歴", "レセプトデータ", "睡眠データ",
                 "既往歴・アレルギー情報", "食事記録", "健康ポイント付与履歴", "要介護認定情報",
                 "フレイルチェック結果"],
        "target": ["医療機関・保健指導サービス", "かかりつけ医/薬局", "地域包括支援センター",
                   "保健センター", "PHRアプリ", "ヘルスケアアプリ", "ケアマネジャー支援システム",
                   "健康管理ダッシュボード", "救急隊の情報端末", "訪問看護ステーション",
                   "{m}保健指導システム"],
        "linked": ["生活習慣データに基づく健康指導", "購買データに基づく健康アドバイス",
                   "重複投薬の防止・服薬指導", "介護予防の個別支援",
                   "健診結果に基づく生活改善アドバイス",
                   "重症化予防の受診勧奨", "フレイル予防プログラムの提案", "在宅医療の情報共有",
                   "救急搬送時の既往歴確認", "健康寿命の延伸に向けた保健事業",
                   "認知症の早期発見支援",
                   "診療の効率化・待ち時間短縮", "高齢者見守りと健康相談",
                   "オンライン診療の予約・受診"],
    },
    "disaster": {
        "label": "防災／防犯",
        "aliases": ["防災", "防災・防犯", "防犯", "危機管理", "安全・安心"],
        "share": 0.12,
        "source": ["介護支援アプリ", "マイナポータル", "避難所受付アプリ", "避難行動要支援者名簿",
                   "見守りセンサー", "見守りカメラ", "防犯カメラ", "河川水位計", "気象センサー",
                   "消防指令システム", "安否確認システム", "防災行政無線", "{m}防災アプリ",
                   "{m}安全安心メール", "見守りタグ（BLE）"],
        "data": ["安否情報", "避難者情報", "避難者の要配慮情報", "要支援者情報",
                 "位置情報・通過履歴",
                 "河川水位・雨量データ", "被害状況の写真・位置", "備蓄物資の在庫情報",
                 "避難所の混雑状況",
                 "不審者情報", "罹災証明の申請情報", "帰宅困難者の滞在情報", "通報内容",
                 "停電・断水情報"],
        "target": ["防災アプリ", "避難所受付サービス", "災害対策本部システム", "防犯アプリ",
                   "被災者台帳システム", "消防・救急の指令システム", "ハザードマップポータル",
                   "自主防災組織の連絡網", "警察への通報システム", "{m}防災ポータル"],
        "linked": ["情報共有効率化、避難行動支援", "避難所管理の効率化",
                   "要配慮者への個別支援・物資配分",
                   "子ども・高齢者の見守り通知", "個別避難計画の作成支援",
                   "災害時の避難計画への反映",
                   "被災者支援の迅速化", "浸水リスクの早期警報", "安否確認の自動化",
                   "防犯パトロールの最適化", "行方不明者の早期発見", "罹災証明の迅速な発行",
                   "備蓄物資の適正配分"],
    },
    "administration": {
        "label": "行政",
        "aliases": ["行政", "行政手続", "窓口", "自治体DX"],
        "share": 0.12,
        "source": ["市基幹システム", "オンライン行政サービス", "住民基本台帳システム", "公式LINE",
                   "マイナンバーカード", "税務システム", "電子申請サービス", "コンビニ交付システム",
                   "施設予約システム", "戸籍システム", "{m}公式LINE", "{m}電子申請システム",
                   "ぴったりサービス", "総合窓口システム"],
        "data": ["住民情報（世帯など）", "世帯情報", "転居情報", "申請状況/受付情報",
                 "本人確認情報",
                 "課税情報", "公金受取口座情報", "届出内容", "証明書の交付履歴", "施設の予約履歴",
                 "給付金の支給状況", "おくやみ手続の情報", "納税状況"],
        "target": ["ポータルアプリ", "電子申請サービス", "市基幹システム", "行政ポータル",
                   "総合窓口システム", "マイナポータル", "庁内データ分析基盤（EBPM）",
                   "書かない窓口システム", "{m}公式アプリ", "給付管理システム"],
        "linked": ["個別通知・手続き削減", "書かない窓口・申請書の自動記入", "手続き状況の個別通知",
                   "オンライン手続の本人確認の簡素化", "プッシュ型の給付案内", "入力項目の自動補完",
                   "おくやみ手続のワンストップ化", "転入・転出手続の簡素化", "窓口の待ち時間短縮",
                   "EBPMによる政策立案", "証明書のコンビニ交付", "納税案内の個別配信"],
    },
    "mobility": {
        "label": "モビリティ",
        "aliases": ["モビリティ", "交通", "公共交通", "移動支援"],
        "share": 0.11,
        "source": ["オンデマンドバスサービス", "MaaSアプリ", "交通系ICカード", "バスアプリ",
                   "自動運転バス", "コミュニティバス", "タクシー配車アプリ", "シェアサイクル",
                   "バスロケーションシステム", "乗車券アプリ", "{m}コミュニティバス",
                   "{m}MaaS", "駐車場管理システム"],
        "data": ["運行情報", "利用履歴", "乗降履歴", "経路検索・予約データ", "運行データ/乗車人数",
                 "乗車履歴", "位置情報（GPS）", "予約・配車データ", "運賃の決済データ",
                 "免許返納者の情報", "人流データ", "駐車場の空き状況"],
        "target": ["運行管理システム", "オンデマンド交通", "運行管理センター", "MaaSアプリ",
                   "交通事業者の分析基盤", "地域公共交通会議の資料作成ツール", "配車システム",
                   "乗換案内サービス", "{m}交通ポータル"],
        "linked": ["ダイヤ編成最適化", "路線・ダイヤの見直し", "乗合配車の最適化",
                   "運行状況の可視化・遠隔監視", "高齢者の外出支援", "免許返納者への移動支援",
                   "交通空白地の解消", "乗継ぎの利便性向上", "運賃の柔軟な設定", "渋滞の緩和",
                   "通院・買い物の送迎最適化"],
    },
    "childcare": {
        "label": "子育て／教育",
        "aliases": ["子育て", "教育", "子育て支援", "子育て・教育"],
        "share": 0.09,
        "source": ["母子手帳アプリ", "学習支援システム", "保育園の連絡帳アプリ", "校務支援システム",
                   "子育て支援ポータル", "乳幼児健診システム", "放課後児童クラブの入退室システム",
                   "GIGAスクール端末", "{m}子育て応援アプリ", "妊婦健診の受診票システム"],
        "data": ["予防接種記録", "乳幼児健診記録", "学習履歴", "出欠情報", "成長記録（身長・体重）",
                 "保育園の入園申請情報", "登下校の通過記録", "児童手当の受給情報", "学力調査の結果",
                 "妊娠届の情報"],
        "target": ["子育て支援ポータル", "教育委員会ダッシュボード", "保護者向けアプリ",
                   "保育所入所管理システム", "母子保健システム", "学童保育の管理システム",
                   "{m}子育てナビ"],
        "linked": ["子育て情報の個別配信", "個別最適な学びの支援", "保育園入園手続の簡素化",
                   "不登校の早期把握と支援", "予防接種の案内", "登下校の見守り",
                   "ひとり親家庭への支援案内", "妊娠期からの切れ目ない支援",
                   "教員の校務負担の軽減"],
    },
    "environment": {
        "label": "環境／エネルギー",
        "aliases": ["環境", "脱炭素", "環境・エネルギー", "ゼロカーボン"],
        "share": 0.06,
        "source": ["スマートメーター", "HEMS", "太陽光発電の監視システム", "ごみ収集車の位置情報",
                   "EV充電器", "地域新電力の顧客管理システム", "{m}ゼロカーボンアプリ",
                   "資源回収ステーション"],
        "data": ["電力使用量", "発電量", "ごみの排出量", "CO2排出量", "充電履歴",
                 "資源回収量", "省エネ行動の記録", "ガス・水道の使用量"],
        "target": ["省エネアドバイスサービス", "脱炭素ポイントアプリ", "環境家計簿サービス",
                   "ごみ収集ルート管理システム", "地域エネルギーマネジメントシステム",
                   "{m}環境ポータル"],
        "linked": ["家庭の省エネ・CO2削減", "脱炭素行動へのポイント付与", "ごみ収集ルートの最適化",
                   "デマンドレスポンスによる節電", "再エネの地産地消", "食品ロスの削減",
                   "リサイクル率の向上", "熱中症・暑さ対策の情報提供"],
    },
    "agriculture": {
        "label": "農林水産",
        "aliases": ["農業", "農林水産業", "一次産業", "漁業"],
        "share": 0.05,
        "source": ["農産物直売所POS", "圃場センサー", "営農管理システム", "漁獲報告アプリ",
                   "ドローン（農薬散布）", "鳥獣わなセンサー", "{m}農産物直売所",
                   "農協の出荷管理システム"],
        "data": ["購買履歴", "土壌・水位データ", "生育データ", "漁獲量", "出荷実績",
                 "鳥獣の捕獲情報", "農作業日誌", "気象データ（圃場）"],
        "target": ["生産者向け営農アプリ", "農協の販売管理システム", "市場の需給予測サービス",
                   "鳥獣被害対策の共有マップ", "水産物の流通管理システム", "{m}農業支援ポータル"],
        "linked": ["需要に応じた出荷計画", "水田の水管理の省力化", "鳥獣被害の軽減",
                   "新規就農者の営農支援", "地産地消の推進", "漁獲量に応じた価格設定",
                   "農作業の効率化・収量向上"],
    },
    # Cases that match no theme: none of these words is a keyword of themes.toml.
    "none": {
        "label": None,
        "aliases": ["その他"],
        "share": 0.03,
        "source": ["図書館システム", "読書通帳アプリ", "公民館の講座受付", "市民活動ポータル",
                   "ボランティア登録システム", "{m}図書館"],
        "data": ["貸出履歴", "講座の受講履歴", "ボランティア活動の記録", "蔵書の予約状況",
                 "参加者アンケート"],
        "target": ["読書記録アプリ", "市民活動ポータル", "図書館の選書システム",
                   "ボランティアセンター"],
        "linked": ["おすすめ図書の紹介", "選書の改善", "市民活動のリーダー発掘",
                   "ボランティアのマッチング"],
    },
}

TITLE_TEMPLATES = [
    "{muni}における{linked}",
    "{data}を活用した{linked}（{muni}）",
    "{muni}：{source}と{target}の連携による{linked}",
    "{stem}版{linked}の実証",
    "{muni}{linked}事業（{year}年度）",
    "{linked}に向けた{data}の共有（{stem}）",
    "{source}の{data}による{linked}",
    "{muni}：{data}と{target}による{linked}",
]

NOTES = [
    "デジタル田園都市国家構想交付金（TYPE2）採択事業",
    "デジタル田園都市国家構想交付金（TYPE3）採択事業",
    "デジタル田園都市国家構想交付金（TYPE1）",
    "本人同意（オプトイン）に基づく連携",
    "都市OS（FIWARE）経由でAPI連携",
    "PDS（パーソナルデータストア）に蓄積し同意に基づいて提供",
    "令和{r}年度から本格運用",
    "{year}年度は実証実験、効果検証中",
    "隣接自治体と共同利用",
    "KPI：アプリ登録者数{n}人",
    "共通ID（LINE連携）で利用者を識別",
    "データ連携基盤の推奨モジュールを利用",
    "事業者との協定に基づきデータ提供",
    "庁内の個人情報保護審議会に諮問済み",
    "ベンダー変更に伴いシステム更改予定",
    "利用者数が伸び悩み、広報を強化",
]

UNKNOWN_THEMES = ["スマートシティ", "DX推進", "データ利活用"]
SEPARATORS = ["/", "/", "、", "、", "、", "／", " / "]


def municipalities() -> list[tuple[str, str, str]]:
    """(municipality, prefecture, stem) for every listed municipality."""
    out = []
    for pref, names in MUNICIPALITIES.items():
        for name in names.split():
            stem = name[:-1] if name[-1] in "市町村区" and len(name) > 2 else name
            out.append((name, pref, stem))
    return out


class Generator:
    def __init__(self, n: int, seed: int):
        self.n = n
        self.rng = random.Random(f"{seed}:{n}")
        self.munis = municipalities()
        self.theme_ids = list(THEMES)
        self.theme_weights = [THEMES[t]["share"] for t in self.theme_ids]

    def _pick(self, words: list[str], stem: str) -> str:
        return self.rng.choice(words).replace("{m}", stem)

    def _cell(self, words: list[str], stem: str, other: list[str] | None = None) -> str:
        """One element cell: one item, or in about 30 % of cells two or three items."""
        rng = self.rng
        first = self._pick(other if other is not None else words, stem)
        if rng.random() >= 0.30:
            return first
        count = 2 if rng.random() < 0.75 else 3
        items = [first]
        for _ in range(count * 3):
            if len(items) == count:
                break
            item = self._pick(words, stem)
            if item not in items:
                items.append(item)
        text = rng.choice(SEPARATORS).join(items)
        if rng.random() < 0.12:
            text += "など"
        return text

    def row(self, number: int) -> list:
        rng = self.rng
        theme = rng.choices(self.theme_ids, self.theme_weights)[0]
        vocab = THEMES[theme]
        muni, pref, stem = rng.choice(self.munis)
        # About 15 % of cases are cross-domain: their source (or data) comes from another theme.
        source_words = data_words = None
        if theme != "none" and rng.random() < 0.15:
            other = THEMES[rng.choice([t for t in self.theme_ids if t not in (theme, "none")])]
            if rng.random() < 0.7:
                source_words = other["source"]
            else:
                data_words = other["data"]
        source = self._cell(vocab["source"], stem, source_words)
        data = self._cell(vocab["data"], stem, data_words)
        target = self._cell(vocab["target"], stem)
        linked = self._cell(vocab["linked"], stem)
        year = rng.randint(2021, 2025)
        title = rng.choice(TITLE_TEMPLATES).format(
            muni=muni, stem=stem, year=year,
            source=_first_item(source), data=_first_item(data), target=_first_item(target),
            linked=_first_item(linked))
        declared = None
        if rng.random() < 0.30:
            if vocab["label"] is None:
                declared = "その他" if rng.random() < 0.5 else None
            elif rng.random() < 0.8:
                declared = vocab["label"]
            else:
                declared = rng.choice(vocab["aliases"])
        notes = None
        if rng.random() < 0.40:
            notes = rng.choice(NOTES).format(r=year - 2018, year=year,
                                             n=f"{rng.randint(5, 600) * 100:,}")
        return [number, muni, pref, title, source, data, target, linked, declared, year, notes]

    def rows(self) -> list[list]:
        rows = [self.row(i + 1) for i in range(self.n)]
        rng = self.rng
        # Blemishes: ~0.5 % of rows lose one element; a few case ids are reused; a few theme
        # labels are not in the taxonomy.
        for row in rng.sample(rows, max(1, self.n // 200)):
            row[rng.choice(ELEMENT_COLUMNS)] = None
        for _ in range(3 + self.n // 20000):
            a, b = sorted(rng.sample(range(self.n), 2))
            rows[b][0] = rows[a][0]
        for row in rng.sample(rows, 2 + self.n // 20000):
            row[8] = rng.choice(UNKNOWN_THEMES)
        return rows


def _first_item(cell: str) -> str:
    for sep in ("/", "、", "／", " / "):
        cell = cell.split(sep)[0]
    return cell.removesuffix("など").strip()


def write_xlsx(rows: list[list], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for letter, width in zip("ABCDEFGHIJK", (7, 12, 10, 40, 28, 28, 28, 32, 20, 7, 36),
                             strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    title = WriteOnlyCell(ws, value=TITLE)
    title.font = Font(bold=True, size=14)
    ws.append([title])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="center")
    header = []
    for name in HEADER:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append(row)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)


def write_csv(rows: list[list], path: Path) -> None:
    """cp932 with CRLF, as Japanese Excel's "CSV (コンマ区切り)" writes it: the title row too,
    padded with empty fields to the width of the sheet."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="cp932", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([TITLE] + [""] * (len(HEADER) - 1))
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    tmp.replace(path)


def generate(n: int, out: Path, seed: int = 20251120, formats=("xlsx", "csv")) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rows = Generator(n, seed).rows()
    written = []
    if "xlsx" in formats:
        written.append(out / f"cases_{n}.xlsx")
        write_xlsx(rows, written[-1])
    if "csv" in formats:
        written.append(out / f"cases_{n}.csv")
        write_csv(rows, written[-1])
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[1000, 10000, 100000],
                        help="inventory sizes (cases per file); default 1000 10000 100000")
    parser.add_argument("--out", type=Path, default=Path("/tmp/fmbench"),
                        help="folder for cases_<N>.xlsx and cases_<N>.csv (default /tmp/fmbench)")
    parser.add_argument("--seed", type=int, default=20251120)
    parser.add_argument("--formats", default="xlsx,csv", help="xlsx,csv (default both)")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    for n in args.cases:
        started = time.perf_counter()
        paths = generate(n, args.out, args.seed, formats)
        sizes = ", ".join(f"{p.name} ({p.stat().st_size / 2**20:.1f} MB)" for p in paths)
        print(f"{n:>7} cases: {sizes} in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
