"""Every word of the outputs, in Japanese and English: headings, column names, the words for
the model's markers, and the labels of ids (themes and kinds come from their taxonomies)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..io.columns import ELEMENT_LABELS, ELEMENTS
from ..model.dimensions import KIND_OF_ELEMENT, TAXONOMY_DIMENSIONS, is_marker

if TYPE_CHECKING:
    from ..classification.taxonomy import Taxonomies
    from ..model.flows import FlowStages

# The model's markers (model/dimensions.py): the folded rest, an empty cell, a total.
MARKER_WORDS = {
    "ja": {"other": "上記以外", "blank": "（空欄）", "total": "合計"},
    "en": {"other": "All others", "blank": "(blank)", "total": "Total"},
}
DIMENSION_LABELS = {
    "ja": {**ELEMENT_LABELS["ja"], "theme": "テーマ", "municipality": "自治体",
           "prefecture": "都道府県", "fiscal_year": "年度",
           "source_type": "①データ共有元サービスの種別",
           "target_type": "③データ共有先サービスの種別", "data_category": "②流通データの種別",
           "value_type": "④データ連携サービスの種別"},
    "en": {**ELEMENT_LABELS["en"], "theme": "Theme", "municipality": "Municipality",
           "prefecture": "Prefecture", "fiscal_year": "Fiscal year",
           "source_type": "① source service type", "target_type": "③ target service type",
           "data_category": "② data category", "value_type": "④ value type"},
}
MORE_ITEMS = {"ja": "…ほか{n}件", "en": "… +{n} more"}  # a matrix cell listing only some items
LIST_SEPARATOR = {"ja": "、", "en": ", "}  # items of one table cell
# Where a case's theme came from (the cases' theme_source), and the severity of a finding.
THEME_SOURCE_WORDS = {"ja": {"keywords": "キーワード", "declared": "記載テーマ"},
                      "en": {"keywords": "Keywords", "declared": "Declared"}}
ERROR_LEAD = {"ja": "エラー", "en": "error"}  # before an error's message on the terminal
SEVERITY_WORDS = {"ja": {"error": "エラー", "warning": "警告", "info": "情報"},
                  "en": {"error": "Error", "warning": "Warning", "info": "Note"}}


def dimension_label(dimension: str, lang: str = "ja") -> str:
    """"source_service" → "①データ共有元サービス" / "① source service"; unknown ids as they are."""
    return DIMENSION_LABELS[lang].get(dimension, dimension)


def value_label(dimension: str, value: object, taxonomies, lang: str = "ja") -> str:
    """The words for one value of a dimension: a marker's word, the label of a theme or kind
    id, or the inventory's own text as it is."""
    if is_marker(value):
        return MARKER_WORDS[lang][value.name]
    kind = TAXONOMY_DIMENSIONS.get(dimension)
    if kind is not None and taxonomies is not None:
        return taxonomies.of_kind(kind).labels(lang).get(value, str(value))
    return str(value)


def value_labeller(dimension: str, taxonomies, lang: str = "ja"):
    """value_label for one dimension, as a function of the value (looked up once per value)."""
    done: dict = {}

    def label(value: object) -> str:
        text = done.get(value)
        if text is None:
            text = done[value] = value_label(dimension, value, taxonomies, lang)
        return text
    return label


def stage_labeller(stages: FlowStages, taxonomies: Taxonomies, lang: str):
    """label(stage, value): the words for a node of the flow chart — an item as written, a
    kind's label (by type), or a marker's word."""
    labellers = [value_labeller(KIND_OF_ELEMENT[e] if stages.by_type else e, taxonomies, lang)
                 for e in ELEMENTS]
    return lambda stage, value: labellers[stage](value)


HEADINGS = {
    "ja": {
        "title": "パーソナルデータ連携 事例分析",
        "summary": "概要", "cases": "事例", "theme_tally": "テーマ別の事例数",
        "flow": "データフローマトリクス（①データ共有元 × ③データ共有先、セルは②流通データ）",
        "types": "種別のデータフローマトリクス（①共有元の種別 × ③共有先の種別、セルは②データの種別）",
        "sensitive": "要配慮個人情報を含む流れ",
        "sensitive_note": "データの種別から機械的に判定した一覧です。確認の手がかりであり、法的な判断ではありません。",
        "no_sensitive": "要配慮個人情報を含む流れはありません。",
        "data_linked": "②流通データ × ④データ連携サービス",
        "theme_source": "テーマ × ①データ共有元サービス",
        "theme_target": "テーマ × ③データ共有先サービス",
        "flows": "データ連携の流れ", "tallies": "その他の集計", "findings": "指摘事項",
        "top_flows": "主なデータの流れ",
        "representative": "代表的なデータ連携の例",
        "representative_note": "①③はサービスの種別、②はデータの種別、④は価値の種別。各事例を、要素ごとに項目の多い種別で 1 つの流れとして数え、事例数の多い順に並べています。",
        "by_municipality": "自治体別", "by_fiscal_year": "年度別", "by_file": "ファイル別",
        "theme_municipality": "自治体 × テーマ",
        "no_findings": "指摘事項はありません。",
        "cases_in_csv": "全事例は cases.csv と report.xlsx にあります。",
        "top_note": "上位 {top} 件の行・列を表示し、残りは「上記以外」にまとめています。",
        "flows_note": "テーマ別の流れは、事例が {min} 件以上のテーマについて描いています。",
    },
    "en": {
        "title": "Personal-data linkage cases: analysis",
        "summary": "Summary", "cases": "Cases", "theme_tally": "Cases by theme",
        "flow": "Data-flow matrix (① source × ③ target, cells: ② data)",
        "types": "Data-flow matrix by type (① source type × ③ target type, cells: ② data categories)",
        "sensitive": "Flows carrying special care-required personal information (要配慮個人情報)",
        "sensitive_note": "Found from the data categories: an aid to review, not legal advice.",
        "no_sensitive": "No flow carries special care-required personal information.",
        "data_linked": "② Data × ④ linked service",
        "theme_source": "Theme × ① source service",
        "theme_target": "Theme × ③ target service",
        "flows": "Data flows", "tallies": "Other tallies", "findings": "Findings",
        "top_flows": "Largest flows",
        "representative": "Typical data flows by kind",
        "representative_note": "① and ③ as service types, ② as data categories, ④ as value types. Each case counts once, as the kinds most of its items have; rows by cases.",
        "by_municipality": "By municipality", "by_fiscal_year": "By fiscal year",
        "by_file": "By file", "theme_municipality": "Municipality × theme",
        "no_findings": "No findings.",
        "cases_in_csv": "All cases are in cases.csv and report.xlsx.",
        "top_note": "The {top} largest rows and columns are shown; the rest are folded into All others.",
        "flows_note": "A theme has its own flow chart when it has {min} cases or more.",
    },
}

# 読み方: how the report's numbers come about (report.html and report.md, after the summary).
READING_GUIDE = {
    "ja": {
        "heading": "読み方",
        "points": [
            "テーマ：記載テーマの列があればその値を使います（テーマの根拠「記載テーマ」）。なければ"
            "事例名と①〜④の語をテーマごとのキーワードと照合し、点の最も高いテーマを主テーマとします"
            "（「キーワード」）。照合した語は事例表の「一致した語」にあります。",
            "副テーマを含む事例数：主テーマのほかに、最高点の半分以上の点を得たテーマ（副テーマ）"
            "としてそのテーマに触れる事例も数えた数です。合計は事例数を超えます。",
            "種別：①③のサービス、②のデータ、④の価値を、それぞれの種別表のキーワードで分類します。"
            "種別の列があればその値が優先します。どれにも当たらない項目は「その他」です。",
            "データフローの図：1つの事例を1として、セルに複数の項目（例：「運行情報/利用履歴」）が"
            "あれば項目の数で按分します。そのため 0.5 件のような小数が出ます。マトリクスは項目の"
            "組ごとに数えます。",
            "要配慮個人情報：データの種別から機械的に判定した手がかりです。同意や法令上の根拠の"
            "確認に使うもので、法的な判断ではありません。",
        ],
    },
    "en": {
        "heading": "How to read this report",
        "points": [
            "Themes: a declared theme column is used where the inventory has one (theme from "
            "\"Declared\"); otherwise the words of the title and of ①–④ are matched against "
            "each theme's keywords and the highest-scoring theme is the primary one "
            "(\"Keywords\"). The matched terms are in the cases table.",
            "Cases incl. secondary: the cases of the theme plus those touching it as a secondary "
            "theme (scoring at least half the top score). The column adds up to more than the "
            "number of cases.",
            "Types: ①③ services, ② data and ④ values are typed with the keywords of their "
            "taxonomies; a type column in the inventory wins. Items no keyword matches are "
            "\"Other\".",
            "Flow charts: each case weighs 1, split evenly over the items of a cell "
            "(\"運行情報/利用履歴\" is two items), hence weights like 0.5. Matrices count item "
            "pairs.",
            "Sensitive (要配慮) personal information: found mechanically from the data "
            "categories, as an aid to checking consent and the legal basis; not legal advice.",
        ],
    },
}

SUMMARY_LABELS = {
    "ja": {"inputs": "入力", "sheet": "シート", "cases": "事例数", "errors": "エラー",
           "warnings": "警告", "themes": "テーマ数"},
    "en": {"inputs": "Input", "sheet": "Sheet", "cases": "Cases", "errors": "Errors",
           "warnings": "Warnings", "themes": "Themes with cases"},
}

TALLY_COLUMNS = {
    "ja": {"theme": "テーマ", "cases": "事例数", "share": "割合",
           "touching": "副テーマを含む事例数"},
    "en": {"theme": "Theme", "cases": "Cases", "share": "Share",
           "touching": "Cases incl. secondary"},
}

CASE_COLUMNS = {
    "ja": {"case_id": "No", "municipality": "自治体", "prefecture": "都道府県", "title": "事例名",
           **ELEMENT_LABELS["ja"], "theme_label": "テーマ", "theme_source": "テーマの根拠",
           "declared_theme": "記載テーマ", "secondary_themes": "副テーマ", "score": "点",
           "matched_terms": "一致した語", "source_types": "①共有元サービス種別",
           "data_categories": "②データ分類", "target_types": "③共有先サービス種別", "value_types": "④価値の種別",
           "sensitive": "要配慮個人情報", "consent": "同意", "fiscal_year": "年度", "notes": "備考",
           "file": "ファイル", "sheet": "シート", "row": "行"},
    "en": {"case_id": "No", "municipality": "Municipality", "prefecture": "Prefecture",
           "title": "Title", **ELEMENT_LABELS["en"], "theme_label": "Theme",
           "theme_source": "Theme from", "declared_theme": "Declared theme",
           "secondary_themes": "Secondary themes", "score": "Score",
           "matched_terms": "Matched terms", "source_types": "① service type",
           "data_categories": "② data category", "target_types": "③ service type", "value_types": "④ value type",
           "sensitive": "Sensitive (要配慮)", "consent": "Consent", "fiscal_year": "Fiscal year",
           "notes": "Notes",
           "file": "File", "sheet": "Sheet", "row": "Row"},
}

NOUNS = {"case": "事例", "error": "エラー", "warning": "警告", "note": "情報", "row": "行",
         "flow": "流れ", "file": "ファイル", "finding": "指摘"}


def counted(n: int, noun: str, lang: str = "ja") -> str:
    """"事例 31 件" / "31 cases" (noun in English, singular)."""
    if lang == "ja":
        return f"{NOUNS.get(noun, noun)} {n:,} 件"
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


WROTE = {"ja": "{path} を書き出しました", "en": "wrote {path}"}


def wrote(path: str, what: str | None, lang: str = "ja") -> str:
    """"x.csv を書き出しました（事例 31 件）" / "wrote x.csv (31 cases)"."""
    text = WROTE[lang].format(path=path)
    return text + (f"（{what}）" if lang == "ja" else f" ({what})") if what else text


PASSED_OVER = {
    "ja": "{folder}: flowmatrix が書いたレポートのフォルダーとして読み飛ばしたため、中の {files} も"
          "読んでいません。読むにはファイルを指定するか、レポートでないフォルダーに移してください",
    "en": "{folder}: passed over as a report folder flowmatrix wrote, so {files} in it {were} "
          "not read; name {them} to read {them}, or move {them} to a folder that holds no report",
}


def passed_over(folder: str, files: list[str], lang: str = "ja") -> str:
    """A report folder passed over with other files in it, in `lang`."""
    shown = ("、" if lang == "ja" else ", ").join(files[:5]) + (" …" if len(files) > 5 else "")
    one = len(files) == 1
    return PASSED_OVER[lang].format(folder=folder, files=shown, were="was" if one else "were",
                                    them="it" if one else "them")


def column_label(column: object, lang: str = "ja") -> str:
    """The heading of a tally column: "cases" → 事例数, "fiscal_year" → 年度, "file" →
    ファイル; theme labels and markers are already words and stay as they are."""
    if not isinstance(column, str):
        return str(column)
    if column == "theme_id":
        return "テーマID" if lang == "ja" else "Theme id"
    return (TALLY_COLUMNS[lang].get(column) or DIMENSION_LABELS[lang].get(column)
            or CASE_COLUMNS[lang].get(column) or column)


# Findings in Japanese, by code, or code/reason where one code has several (the core writes
# them in English): {name} is a value of the finding's params; names ending in _theme are theme
# ids, shown as the theme's label.
FINDING_MESSAGES = {
    "ja": {
        "missing-element": "{header} が空です（①〜④はどの事例にも必要です）",
        "unknown-theme": "テーマ「{label}」はテーマ表にありません（{known}）。このいずれかにするか、"
                         "--themes FILE で追加してください",
        "duplicate-case-id": "事例ID「{case_id}」が {count} 行で使われています（{rows} 行目）。"
                             "事例ごとに別の ID にしてください",
        "duplicate-case": "{count} 行が同じ4要素です（{rows} 行目）。重複か、区別の必要な別の"
                          "事例かを確認してください",
        "suspicious-cell/error-value": "{header} に Excel のエラー値「{value}」があります。数式を"
                                       "直すか、値を入力してください",
        "suspicious-cell/too-long": "{header} が {length} 字あります（上限の目安 {limit} 字）。"
                                    "複数のセルを1つに貼り付けていませんか",
        "suspicious-cell/ditto": "{header} が「{value}」です。「{value}」という項目として数えられるため、"
                                 "値を書くかセルを結合してください",
        "suspicious-cell/punctuation": "{header} が記号だけです（「{value}」）。「同上」の意味なら、"
                                       "値を書くかセルを結合してください",
        "unknown-item-type/unknown": "{header}：{labels} は種別表にない種別です。キーワードで"
                                     "判定しました（一覧は flowmatrix themes --kind {kind}）",
        "unknown-item-type/count": "{header}：項目 {items} 個に種別が {labels} 個あります。"
                                   "項目ごとに同じ順で1つずつ書くか、セル全体に1つ書いてください",
        "theme-disagrees": "テーマ列は「{declared_theme}」ですが、キーワードは「{keyword_theme}」を"
                           "示しています（点 {keyword_score} 対 {declared_score}：{terms}）。"
                           "記載のテーマを採用しています",
        "sensitive-flow": "要配慮個人情報（{items}）を含む流れです。同意と法令上の根拠を確認して"
                          "ください",
        "sensitive-without-consent": "要配慮個人情報（{items}）を含む流れですが、「{consent}」列が"
                                     "空です",
        "duplicate-column": "{canonical} を表す列が {count} 列あります（{cells}）。最初の列を読み、"
                            "ほかは独自の列として残します",
        "formula-without-value": "{where}{cell} は値が保存されていない数式です（列「{header}」）。"
                                 "Excel で開いて保存すると、値が数式とともに保存されます",
        "other-inventory-sheets": "シート{sheets}にも①〜④の見出しと事例がありますが、読んだのはシート"
                                  "「{sheet}」だけです。ほかのシートは --sheet で選ぶか、事例を1つの"
                                  "シートにまとめてください",
        "totals-row": "{row_number} 行目は合計の行のようです（「{value}」）。事例として数えられるため、"
                      "合計は表の外に移してください",
        "template-example": "{row_number} 行目は flowmatrix template の記入例です。事例に書き換えるか行を"
                            "削除してください（このままでは 1 件と数えます）",
        "table-beside": "{where}には、読み込んだ表の横に 2 つ目の表があります（見出し {cells} が ①〜④ を"
                         "もう一度挙げています）。その下の事例の行 {count} 行は読まれません（読むのは見出しが "
                         "{read} にある表の {read_rows} 件だけです）。2 つ目の表は{apart}ください",
        "case-over-rows": "{where}No または事例名のセル {spans} 個が複数の行にまたがって結合され、"
                           "その行がそれぞれ事例として数えられています（{cells}）。Excel では {spans} 件に"
                           "見える事例を {counted} 件と数えます。1 件の事例なら項目を 1 つのセルに"
                           "（、や / で区切って）書き、別々の事例なら結合を解除してください",
        "merged-heading": "{where}見出し「{heading}」は {span} に結合されていて、その下の別の列のセル {count} 個に"
                           "文字があります（{cells}）。これは読みません（要素として読むのは見出しの列だけです）。"
                           "項目は 1 つのセルに（、や / で区切って）書くか、その列に見出しを付けてください",
        "page-table": "{row} 行目からはページの別の表です（最初の行が見出しではありません）。①〜④ の列に文字の"
                       "ある {rest} 行は事例として読みません（集計表や、列の違う表）。事例なら、その表に台帳の"
                       "見出し行を付けてください",
        "hidden-rows": "シート「{sheet}」の非表示の行に事例が {count} 件あります（{rows} 行目。手で隠したか、フィルターで"
                       "隠れています）。ほかの事例と同じく読み込んで数えます。再表示して数える事例を確かめ、"
                       "事例でない行は削除してください",
        "row-without-elements": "{where}①〜④ のどれも書かれていない行が {count} 行あります（{rows} 行目）。"
                                "事例としては読みません。事例なら4要素を記入し、注記なら表の外に移してください",
        "repeated-header": "{where}{row} 行目は見出し行（{header_row} 行目）の繰り返しです。"
                           "事例としては読まずに飛ばします",
        "second-table": "{where}{row} 行目は 2 つ目の表の見出しのようです（見出し行とは別の列名が"
                        "並んでいます）。ここで読み込みを止めるため、その下のデータのある {rest} 行は"
                        "事例として読まれません。2 つ目の表は別のシートに移してください"
                        "（--sheet で選べます）",
    },
}


# Errors in Japanese, by code or code/reason (the core writes them in English); {name} is a
# value of the error's params. A code without words here is shown as the core wrote it.
ERROR_MESSAGES = {
    "ja": {
        "file-not-found": "ファイルが見つかりません",
        "file-not-found/near": "ファイルが見つかりません。「{near}」ではありませんか",
        "bad-encoding/unknown": "文字コード「{encoding}」はありません。utf-8、cp932、euc_jp などを"
                                "指定してください",
        "bad-encoding/invalid": "{encoding} として読めません（{byte} バイト目がその文字コードにない"
                                "並びです）。--encoding を外すと文字コードを判別します",
        "bad-encoding/stray": "UTF-8 のテキストに、UTF-8 でない箇所が {count} か所あります（最初は {line} 行目、"
                              "{byte} バイト目。別の文字コードのファイルから貼り付けた文字？）。cp932 として"
                              "読むと日本語がすべて文字化けするため、読みません。その文字を打ち直し、UTF-8 で"
                              "保存してください",
        "bad-encoding/truncated": "UTF-8 のテキストですが、文字の途中で終わっています（{line} 行目）。コピーの途中で"
                                  "切れていませんか。もう一度コピーするか保存し直してください",
        "bad-encoding/undetected": "UTF-8 でも cp932（Shift_JIS）でもありません。UTF-8 で保存するか、"
                                   "--encoding で指定してください（例: --encoding euc_jp）",
        "file-not-found/dangling-link": "リンクですが、リンク先のファイルがありません",
        "lock-file": "Excel が「{name}」を開いている間に作る一時ファイル（ロックファイル）です。"
                     "台帳ではありません。「{name}」そのものを指定してください",
        "not-a-file/folder": "フォルダーです。台帳のファイルを指定してください",
        "not-a-file/special": "通常のファイルではありません（パイプ、デバイスなど）。台帳をファイル"
                              "として保存して指定してください",
        "unsupported-format": "読めない種類のファイルです（{suffix}）。読めるのは {supported} です",
        "empty-file": "ファイルが空です（0 バイト）",
        "unreadable-file/folder": "読めません（{name}）。読む権限があるか確かめてください",
        "too-large/glob": "パターンに合うパスが {limit} を超えます（フォルダーの中に、そのフォルダー"
                          "自身へのリンクがありませんか）。パターンではなくフォルダーを指定して"
                          "ください（フォルダーはリンクをたどらずに読みます）",
        "too-large/file-size": "ファイルが {size} MiB あり、上限の {limit} MiB を超えています"
                               "（--max-file-size で上げられます）",
        "too-large/rows": "データのある行が {rows} 行あり、上限の {limit} 行を超えています"
                          "（--max-rows で上げられます）",
        "too-large/cases-while-reading": "事例が上限の {limit} 件を超えています（表題・見出しの"
                                         " {header} 行を含めて {rows} 行を超えるデータ行があります）。"
                                         "--max-rows で上限を上げられます",
        "too-large/cases": "事例が {rows} 件あり、上限の {limit} 件を超えています"
                           "（--max-rows で上げられます）",
        "encrypted-workbook": "パスワードで保護（暗号化）されたブックです。Excel で開き、パスワード"
                              "なしで保存したコピーを指定してください",
        "missing-columns/missing": "{where}必要な要素の列がありません：{missing}。見出し行は "
                                   "{header_row} 行目と判断しました。使える見出しの例 — "
                                   "{accepted}（独自の見出しは --headers FILE で追加できます）",
        "missing-columns/no-header": "{where}最初の {rows} 行に ①〜④ の要素を示す見出し行が"
                                     "ありません。足りない列：{missing}。使える見出しの例 — "
                                     "{accepted}（独自の見出しは --headers FILE で追加できます）",
        "missing-columns/no-sheet": "①〜④の4要素がそろった見出し行のあるシートがありません"
                                    "（見つかったもの — {details}）。--sheet でシートを指定すると、"
                                    "足りない列がわかります",
        "usage/theme": "--theme「{theme}」というテーマはありません。次から選んでください：{choices}",
        "cannot-write/open-or-denied": "書き込めません。ほかのプログラム（Excel など）で開かれて"
                                       "いるか、書き込む権限がありません。閉じてからもう一度実行"
                                       "するか、別の出力先を選んでください",
        "cannot-write/folder-in-use": "このフォルダーの報告書を置き換えられません。中のファイル"
                                      "（report.xlsx など）が他のプログラム（Excel など）で開かれて"
                                      "います。閉じてからもう一度実行してください（前の報告書は"
                                      "そのままです）",
        "cannot-write/disk-full": "ディスクがいっぱいです。空きを作ってからもう一度実行してください",
        "cannot-write/read-only": "読み取り専用のディスクです。別の出力先を選んでください",
        "cannot-write/name-too-long": "名前が長すぎます。短い出力名か別のフォルダーを選んでください",
        "cannot-write/not-a-folder": "途中にフォルダーではなくファイルがあります。別の出力先を選んで"
                                     "ください",
        "cannot-write/is-a-file": "フォルダーではなくファイルです。別の出力先を選んでください",
        "cannot-write/dangling-link": "存在しないフォルダーへのリンクです。リンクを消すか、リンク先の"
                                      "フォルダーを作ってください",
        "cannot-write/other": "書き込めません（{detail}）",
        "usage/column": "{option}「{name}」という列はありません。{near}次から選んでください："
                        "{choices}",
        "usage/municipality": "--municipality「{name}」の事例はありません。台帳の自治体：{choices}",
        "usage/municipality-near": "--municipality「{name}」の事例はありません。「{near}」ではあり"
                                   "ませんか。台帳の自治体：{choices}",
        "usage/municipality-none": "--municipality「{name}」の事例はありません。台帳に自治体の列が"
                                   "ないか、記載がありません",
        "usage/peers": "--peers の台帳に自治体名がないため、比べる相手がありません",
        "no-kpi-table": "KPI の表がありません。指標と、目標か実績の見出しがある行を含むシートが"
                        "必要です（自治体, 指標, 年度, 目標, 実績, 単位, 出典）",
    },
}


# The lines `analyze` prints.
ANALYZE_WORDS = {
    "ja": {"batch": "{total} 件中 {written} 件の報告書を書き出しました · 一覧: {index}",
           "ok": "完了", "failed": "失敗",
           "sensitive": "{label}: {n}（{rows} 行目）— 報告書を参照してください",
           "more": "  … ほか {n} 件の指摘は報告書にあります", "report": "報告書: {folder}/",
           "pages": "自治体別のページ（{n}）: {names}",
           "tally": "テーマ別の事例数", "tally_columns": ("テーマ", "事例数", "割合"),
           "by_type": "種別で見た主な流れ（全体は flowmatrix matrix FILE --by-type）:",
           "by_name": "名前で見た主な流れ:", "sensitive_label": "要配慮個人情報を含む流れ"},
    "en": {"batch": "{written} of {total} inputs reported · index: {index}",
           "ok": "ok", "failed": "failed",
           "sensitive": "{label}: {n} (rows {rows}) — see the report",
           "more": "  … {n} more findings in the report", "report": "report: {folder}/",
           "pages": "municipality pages ({n}): {names}",
           "tally": "Cases by theme", "tally_columns": ("theme", "cases", "share"),
           "by_type": "Largest flows by type (flowmatrix matrix FILE --by-type):",
           "by_name": "Largest flows by name:", "sensitive_label": "Flows carrying 要配慮個人情報"},
}
CLASSIFY_WORDS = {
    "ja": {"columns": ("行", "No", "事例名", "テーマ", "副テーマ", "点"), "terms": "一致した語",
           "declared": "* テーマ列の記載を採用", "more": "  … ほか {n} 件"},
    "en": {"columns": ("row", "id", "title", "theme", "secondary", "score"),
           "terms": "matched terms", "declared": "* declared in the theme column",
           "more": "  … and {n} more"},
}
INDEX_WORDS = {
    "ja": {"title": "レポート一覧", "columns": ("入力", "事例数", "エラー", "警告", "レポート"),
           "combined": "全入力を合わせたレポート",
           "failed": "{total} 件中 {failed} 件は読めませんでした。"},
    "en": {"title": "Reports", "columns": ("Input", "Cases", "Errors", "Warnings", "Report"),
           "combined": "Combined report over all inputs",
           "failed": "{failed} of {total} inputs could not be read."},
}
INTERRUPTED = {
    "ja": "中断しました（{signal}）。書きかけの報告書は書き出さず、前の版のままです",
    "en": "interrupted ({signal}): unfinished reports were not written and keep their previous "
          "version",
}
WIDE_TABLE = {
    "ja": "表が端末より広い（{width} 桁）ため、行を折り返して表示しています。"
          "-o でファイル（xlsx・csv）に書き出すと読みやすくなります",
    "en": "the table is wider than the terminal ({width} columns), so its lines wrap: it reads "
          "better written to a file (xlsx, csv) with -o",
}
ABORTED = {"ja": "中断しました", "en": "Aborted."}
USAGE_HINT = {"ja": "「{command} --help」で使い方を表示します。",
              "en": "Try '{command} --help' for help."}
INTERNAL_ERROR = {
    "ja": ("内部エラー", "flowmatrix の不具合です。実行したコマンドを添えて報告してください。"
                      "--debug を付けて実行すると詳細（トレースバック）が表示されます。"),
    "en": ("internal error", "This is a bug in flowmatrix; please report it with the command "
                             "you ran. Run again with --debug to see the traceback."),
}


# What an error of each code is, for the errors whose full words are not in ERROR_MESSAGES
# yet: the Japanese lead, then the core's English details.
ERROR_KINDS = {
    "ja": {
        "error": "エラー", "unreadable-file": "ファイルを読めません",
        "sheet-not-found": "指定のシートがありません", "missing-columns": "見出しの列が足りません",
        "bad-taxonomy": "テーマ・種別の定義ファイルに誤りがあります", "cannot-write": "書き込めません",
        "usage": "指定に誤りがあります", "too-large": "大きすぎるため読みません",
        "corrupt-workbook": "ブックが壊れているか、読めない形式です",
        "bad-json": "JSON として読めません", "bad-output": "出力先に誤りがあります",
        "bad-headers-file": "見出しの定義ファイル（--headers）に誤りがあります",
        "bad-aliases": "名寄せの対応表（--aliases）に誤りがあります",
        "bad-encoding": "文字コードの問題で読めません",
        "output-is-input": "出力先が入力のファイルと重なります。別の --out を選んでください",
        "no-input": "台帳のファイルが見つかりません", "no-match": "パターンに合うファイルがありません",
        "bad-csv": "CSV として読めません", "bad-baseline": "ベースラインを読めません",
        "reader-crashed": "読み込み中に読み取り部が停止しました",
        "output-exists": "出力先のファイルがすでにあります（--force で置き換えます）",
        "duplicate-column": "見出しに同じ列が2つあります",
    },
}


def _in_words(code: str, params: dict, catalogues: tuple[dict, ...]) -> str | None:
    """A message in the words of the first catalogue that has `code/reason` (params'
    reason) or `code`, filled in with `params`; None when none has words for it."""
    for key in (f"{code}/{params.get('reason')}", code):
        for catalogue in catalogues:
            template = catalogue.get(key)
            if template is not None:
                try:
                    return template.format(**params)
                except (KeyError, IndexError):  # params of another version of the message
                    return None
    return None


def error_text(error, lang: str) -> str:
    """A FlowmatrixError as the terminal shows it in `lang`: "path: message" (error_words)."""
    message = error_words(error, lang)
    return f"{error.path}: {message}" if error.path else message


def error_words(error, lang: str) -> str:
    """What went wrong, without the file: in the words of ERROR_MESSAGES, else the kind of
    error in `lang` before the core's (English) details."""
    message = _in_words(error.code, getattr(error, "params", {}) or {},
                        (ERROR_MESSAGES.get(lang, {}),))
    if message is None:
        kind = ERROR_KINDS.get(lang, {}).get(error.code)
        message = f"{kind}（{error.message}）" if kind is not None else error.message
    return message


def finding_place(finding, lang: str = "ja") -> str:
    """Where a finding is, as people read it: Sheet1!E12, or a row of a file without cells
    ("3 行目" / "row 3"), or its sheet."""
    if lang == "ja" and not finding.cell and finding.row is not None:
        return f"{finding.row} 行目"
    return finding.location


def finding_text(finding, lang: str, taxonomies=None) -> str:
    """The finding's message in `lang`: from FINDING_MESSAGES (or ERROR_MESSAGES, for the
    findings of an error) where its code has words there, else as the core wrote it."""
    if not finding.params:
        return finding.message
    values = dict(finding.params)
    if taxonomies is not None:
        labels = taxonomies.themes.labels(lang)
        values = {k: labels.get(v, v) if k.endswith("_theme") else v for k, v in values.items()}
    message = _in_words(finding.code, values, (FINDING_MESSAGES.get(lang, {}),
                                               ERROR_MESSAGES.get(lang, {})))
    return finding.message if message is None else message


FINDING_COLUMNS = {
    "ja": ["重要度", "コード", "場所", "内容"],
    "en": ["Severity", "Code", "Where", "Message"],
}
# The other words of `validate` on a terminal (its CI formats keep codes and English).
VALIDATE_WORDS = {
    "ja": {"all_good": "問題なし", "sheet": "シート",
           "more": "…ほか {n} 件（--limit N でさらに表示、--format json ですべて）"},
    "en": {"all_good": "all good", "sheet": "sheet",
           "more": "… and {n} more (--limit N shows more, --format json shows all)"},
}


def chart_caption(key: str, analysis, lang: str) -> str:
    """The caption of a report chart: flow, flow_types, flow_<theme id>, heatmap, …"""
    h = HEADINGS[lang]
    if key in ("flow", "tally"):
        return h["flows"] if key == "flow" else h["theme_tally"]
    if key == "flow_types":
        return h["flows"] + ("（種別）" if lang == "ja" else " (by type)")
    if key.startswith("heatmap"):
        return h["types"] if key == "heatmap_types" else h["flow"]
    if key.startswith("municipality_"):
        from .registry import page_chart

        index, what = page_chart(key)
        name = analysis.municipalities[index].name
        return MUNICIPALITY_WORDS[lang][f"{what}_chart"].format(name=name)
    return analysis.taxonomies.themes.get(key.removeprefix("flow_")).label(lang)


def sensitive_rows(analysis) -> tuple[list[str], list[list]]:
    """(headings, rows) of the sensitive-flows table."""
    ja = analysis.settings.lang == "ja"
    label = value_labeller("data_category", analysis.taxonomies, analysis.settings.lang)
    headings = (["No", "行", "①データ共有元サービス", "②要配慮のデータ", "種別", "③データ共有先サービス"]
                if ja else ["No", "Row", "① Source", "② Sensitive data", "Category", "③ Target"])
    join = LIST_SEPARATOR[analysis.settings.lang].join
    rows = [[f["case_id"], f["row"], f["source_service"], join(f["data"]),
             join(label(c) for c in f["categories"]), f["target_service"]]
            for f in analysis.sensitive_flows]
    return headings, rows


ELEMENT_MARKS = {"title": "title", "source_service": "①", "data": "②", "target_service": "③",
                 "linked_service": "④"}  # in reading order; explanations list ④ first
TITLE_MARK = {"ja": "事例名", "en": "title"}


def explain_terms(matched_terms: tuple, taxonomy, lang: str = "ja",
                  separator: str = "; ") -> str:
    """Matched terms grouped by element and theme, in element order:
    "④ 避難行動支援 → 防災／防犯; ③ 防災アプリ → 防災／防犯"."""
    labels = taxonomy.labels(lang)
    grouped: dict[tuple[str, str], list[str]] = {}
    for element, term, theme in matched_terms:
        grouped.setdefault((element, theme), []).append(term)
    ordered = sorted(grouped.items(), key=lambda item: _ELEMENT_ORDER.get(item[0][0], -1),
                     reverse=True)
    marks = {**ELEMENT_MARKS, "title": TITLE_MARK[lang]}
    join = LIST_SEPARATOR[lang].join
    return separator.join(f"{marks.get(element, element)} {join(terms)} → "
                          f"{labels[theme]}" for (element, theme), terms in ordered)


_ELEMENT_ORDER = {element: i for i, element in enumerate(ELEMENT_MARKS)}




# --- compare OLD NEW (render/compare.py): what changed between two versions --------------------
COMPARE_WORDS = {
    "ja": {
        "title": "事例一覧の比較", "summary": "概要",
        "counts": "追加 {added} 件、終了 {removed} 件、変更 {changed} 件（変更なし {same} 件）",
        "old": "比較元", "new": "比較先", "cases": "事例数", "key": "照合の列",
        "key_none": "（なし：内容で照合）", "threshold": "内容照合のしきい値",
        "theme_changed": "テーマが変わった事例", "id_changed": "番号が変わった事例",
        "added": "追加された事例", "removed": "終了した事例", "changed": "変更された事例",
        "none": "ありません。",
        "theme_tally": "テーマ別の事例数（前後）",
        "theme_moves": "テーマが変わった事例と、その根拠",
        "flows_new": "新しい流れ（種別）", "flows_vanished": "なくなった流れ（種別）",
        "flows_note": "①共有元サービスの種別 → ③共有先サービスの種別と、②データの種別の組。事例数は、その組を持つ事例の数です。",
        "municipalities": "参加・離脱した自治体", "joined": "参加", "left": "離脱",
        "files": "ファイルの対応", "only_old": "比較元のみ", "only_new": "比較先のみ",
        "more": "ほか {n:,} 行は report.xlsx と comparison.json にあります。",
        "matching_note": "事例は、両方に番号の列があれば番号で、なければ（また番号が変わった事例は）事例名と①〜④の文字列の類似度で対応づけています。",
        "triggered": "--fail-on に当たる変更があります：{conditions}",
    },
    "en": {
        "title": "Inventory comparison", "summary": "Summary",
        "counts": "{added} added, {removed} removed, {changed} changed ({same} unchanged)",
        "old": "Old", "new": "New", "cases": "Cases", "key": "Matched by column",
        "key_none": "(none: by content)", "threshold": "Content similarity threshold",
        "theme_changed": "Cases whose theme changed", "id_changed": "Cases whose id changed",
        "added": "Added cases", "removed": "Removed cases", "changed": "Changed cases",
        "none": "None.",
        "theme_tally": "Cases by theme, old and new",
        "theme_moves": "Cases whose theme changed, and why",
        "flows_new": "New flows (by type)", "flows_vanished": "Vanished flows (by type)",
        "flows_note": "① source service type → ③ target service type with the ② data category; cases: the cases with that combination.",
        "municipalities": "Municipalities that joined or left", "joined": "Joined",
        "left": "Left",
        "files": "Files paired", "only_old": "old only", "only_new": "new only",
        "more": "{n:,} more rows are in report.xlsx and comparison.json.",
        "matching_note": "Cases are matched by their id where both versions have an id column, otherwise (and for ids that changed) by how alike their title and four elements are.",
        "triggered": "--fail-on: {conditions}",
    },
}
COMPARE_COLUMNS = {
    "ja": {"kind": "区分", "file": "ファイル", "old_id": "前の No", "new_id": "後の No",
           "rule": "対応づけ", "field": "変更された項目", "old": "前", "new": "後",
           "difference": "増減", "old_share": "前の割合", "new_share": "後の割合",
           "share_change": "割合の変化", "old_theme": "前のテーマ", "new_theme": "後のテーマ",
           "old_why": "前の根拠", "new_why": "後の根拠", "side": "版",
           "municipality": "自治体", "cases": "事例数", "change": "変化"},
    "en": {"kind": "Kind", "file": "File", "old_id": "Old No", "new_id": "New No",
           "rule": "Matched by", "field": "Field changed", "old": "Old", "new": "New",
           "difference": "Difference", "old_share": "Old share", "new_share": "New share",
           "share_change": "Share change", "old_theme": "Old theme", "new_theme": "New theme",
           "old_why": "Old evidence", "new_why": "New evidence", "side": "Version",
           "municipality": "Municipality", "cases": "Cases", "change": "Change"},
}
# How a pair of cases was matched (model/compare.py RULES), and the kinds of change.
COMPARE_RULES = {"ja": {"id": "番号", "content": "内容（類似度 {similarity:.0%}）"},
                 "en": {"id": "id", "content": "content ({similarity:.0%} alike)"}}
COMPARE_KINDS = {"ja": {"added": "追加", "removed": "終了", "changed": "変更", "same": "変更なし"},
                 "en": {"added": "added", "removed": "removed", "changed": "changed",
                        "same": "unchanged"}}
COMPARE_SHEETS = {
    "ja": {"summary": "概要", "added": "追加", "removed": "終了", "changed": "変更",
           "theme_tally": "テーマ集計", "theme_moves": "テーマの変化", "flows": "流れの変化",
           "municipalities": "自治体"},
    "en": {"summary": "Summary", "added": "Added", "removed": "Removed", "changed": "Changed",
           "theme_tally": "Theme tally", "theme_moves": "Theme changes", "flows": "Flow changes",
           "municipalities": "Municipalities"},
}

# ---- Names and aliases (#16): `flowmatrix names`, --aliases ----
# The canonical names beside the names as written (cases.csv, the cases sheet), the summary
# line naming the alias file, the words of `names`, and the findings of an alias file.
CANONICAL_SUFFIX = "_canonical"  # source_service → source_service_canonical
for _lang, _after in (("ja", "（名寄せ後）"), ("en", " (canonical)")):
    CASE_COLUMNS[_lang].update({f"{e}{CANONICAL_SUFFIX}": ELEMENT_LABELS[_lang][e] + _after
                                for e in ELEMENTS})
SUMMARY_LABELS["ja"]["aliases"] = "名寄せ表"
SUMMARY_LABELS["en"]["aliases"] = "Aliases"
MERGED = {"ja": "{path}（{n:,} 件の名前を寄せました）", "en": "{path} ({n:,} names merged)"}
NOUNS["cluster"] = "名前のまとまり"
NAME_WORDS = {
    "ja": {"kind": "種類", "canonical": "正式名の候補", "name": "名前", "count": "回数",
           "service": "サービス（①③）", "data": "データ（②）",
           "found": "{kind}：異なる名前 {distinct:,} 件から {clusters:,} のまとまり（{names:,} 件）",
           "none": "似た名前のまとまりはありません（--threshold を下げると広く探します）"},
    "en": {"kind": "Kind", "canonical": "Suggested canonical", "name": "Name", "count": "Count",
           "service": "service (①③)", "data": "data (②)",
           "found": "{kind}: {clusters:,} clusters of {names:,} names among {distinct:,} distinct",
           "none": "No clusters of similar names (a lower --threshold looks wider)"},
}
FINDING_MESSAGES["ja"].update({
    "alias-conflict": "{file} の [{kind}] で「{name}」が2通りに寄せられています（「{kept}」と"
                      "「{ignored}」）。先の「{kept}」として数えます。どちらか一方にしてください",
    "unknown-alias-target": "{file} の [{kind}] の正式名「{canonical}」は {inventory} にない名前"
                            "ですが、そこへ寄せる名前が {count} 件あります（{names}）。綴りを"
                            "確かめてください（選んだ名前なら問題ありません）",
})


FINDING_MESSAGES["ja"].update({
    "kpi-unknown-municipality/unknown": "KPI「{indicator}」の自治体「{municipality}」の事例がないため、"
                                        "どのページにも出ません。事例と同じ自治体名にしてください",
    "kpi-unknown-municipality/blank": "KPI「{indicator}」の自治体が空で、台帳には {count} の自治体が"
                                      "あるため、どのページにも出ません。自治体名を書いてください",
    "kpi-not-a-number": "「{value}」は数値として読めないため、KPI のグラフから外しました"
                        "（35000、3.5万、6万人超 のように書けます）",
    "kpi-incomplete/indicator": "KPI の行に指標がありません。この行は外しました",
    "kpi-incomplete/value": "KPI の行に目標も実績もありません。この行は外しました",
})


def merged_text(path: str, n: int, lang: str = "ja") -> str:
    """"aliases.toml（12 件の名前を寄せました）" / "aliases.toml (12 names merged)"."""
    return MERGED[lang].format(path=path, n=n)


# The municipality pages (analyze --by municipality): headings, columns and notes.
MUNICIPALITY_WORDS = {
    "ja": {
        "section": "自治体別のページ",
        "section_note": "自治体ごとに、事例、データ連携の概要（種別と名前）、テーマの構成、種別で見た"
                        "データの流れ、KPI、他の自治体にあってまだない流れをまとめています。",
        "cases": "事例 {n} 件", "of_prefecture": "（{prefecture}）",
        "overview": "データ連携の概要",
        "overview_note": "①③はサービスの種別、②はデータの種別、④は価値の種別で示し、括弧内は"
                         "記載された名前です。種別が「その他」の項目は名前だけを示します。",
        "themes": "テーマ（全体との比較）",
        "theme_columns": ["テーマ", "事例数", "割合", "全体の割合"],
        "flows": "種別で見たデータの流れ",
        "kpis": "KPI（目標と実績）",
        "kpi_columns": ["指標", "年度・時点", "目標", "実績", "単位", "出典"],
        "no_kpis": "KPI の表はありません（KPI シート、または --kpis で渡すファイルに記載します）。",
        "peer_flows": "他の自治体にあって、まだない流れ",
        "peer_note": "比較した {peers} 自治体のうち {min} 以上にあり、この自治体の事例にはない種別の流れ"
                     "（①共有元の種別 → ②データの種別 → ③共有先の種別）。多い順です。",
        "peer_columns": ["①共有元の種別", "②データの種別", "③共有先の種別", "自治体数", "例"],
        "peer_count": "{n} / {of}",
        "no_peer_flows": "他の {peers} 自治体のうち {min} 以上に共通し、この自治体にない流れはありません。",
        "example": "{municipality}{title}{where}", "example_title": "「{title}」",
        "example_no": "（No {case_id}）", "example_at": "（{row} 行目）",
        "no_municipality": "自治体の列に記載がないため、自治体別のページはありません。",
        "fiscal_year": "{year}年度",
        "target": "目標", "actual": "実績",
        "kpi_chart": "{name}: KPI の推移（目標と実績）", "unit": "（{unit}）",
        "as_written": "記載どおり",
        "flow_chart": "{name}: 種別で見たデータの流れ",
        "sheet": "{name}",
    },
    "en": {
        "section": "Municipality pages",
        "section_note": "For each municipality: its cases, its data-linkage overview (kinds and "
                        "names), its themes, its flows by kind, its KPIs, and what its peers do "
                        "that it does not yet.",
        "cases": "{n} cases", "of_prefecture": " ({prefecture})",
        "overview": "Data linkage overview",
        "overview_note": "① and ③ as service types, ② as data categories, ④ as value types, "
                         "with the names as written in brackets. Items of no known kind show "
                         "their names only.",
        "themes": "Themes against the whole inventory",
        "theme_columns": ["Theme", "Cases", "Share", "Share of all cases"],
        "flows": "Flows by kind",
        "kpis": "KPIs (target and actual)",
        "kpi_columns": ["Indicator", "Year / period", "Target", "Actual", "Unit", "Source"],
        "no_kpis": "No KPI table (a KPI sheet in the workbook, or a file given with --kpis).",
        "peer_flows": "What peers do that it does not yet",
        "peer_note": "Flows by kind (① source type → ② data category → ③ target type) that at "
                     "least {min} of the {peers} municipalities compared with have and this "
                     "one has not; most peers first.",
        "peer_columns": ["① Source type", "② Data category", "③ Target type", "Peers",
                         "Example"],
        "peer_count": "{n} of {of}",
        "no_peer_flows": "No flow that at least {min} of the other {peers} municipalities "
                         "share is missing here.",
        "example": "{municipality}{title}{where}", "example_title": ": {title}",
        "example_no": " (No {case_id})", "example_at": " (row {row})",
        "no_municipality": "No case names a municipality, so there are no municipality pages.",
        "fiscal_year": "FY{year}",
        "target": "Target", "actual": "Actual",
        "kpi_chart": "{name}: KPIs (target and actual)", "unit": " ({unit})",
        "as_written": "As written",
        "flow_chart": "{name}: flows by kind",
        "sheet": "{name}",
    },
}


def example_text(example: dict, lang: str) -> str:
    """A peer's example case: サンプル市「乗降履歴による路線の見直し」（No 21）, its row where it
    has no id, no title part where it has no title."""
    w = MUNICIPALITY_WORDS[lang]
    title = w["example_title"].format(title=example["title"]) if example["title"] else ""
    where = (w["example_no"].format(case_id=example["case_id"]) if example["case_id"]
             else w["example_at"].format(row=example["row"]))
    return w["example"].format(municipality=example["municipality"], title=title, where=where)


def kind_with_names(kind: str, items: list[str], label, lang: str) -> str:
    """One kind of an element with the names written for it: 地域通貨・ポイント（地域通貨、クマPAY）;
    the names alone for items of no known kind."""
    from ..classification.taxonomy import FALLBACK_ID

    names = LIST_SEPARATOR[lang].join(items)
    if kind == FALLBACK_ID:
        return names
    return f"{label(kind)}（{names}）" if lang == "ja" else f"{label(kind)} ({names})"
