import datetime as dt

import pytest

from flowmatrix.io.text import cell_text, header_key, normalise, split_items


@pytest.mark.parametrize("value, text", [
    (None, ""), ("", ""), (2024.0, "2024"), (3.5, "3.5"), (7, "7"), (True, "TRUE"),
    (dt.date(2024, 4, 1), "2024-04-01"), (dt.datetime(2024, 4, 1), "2024-04-01"),
    (dt.datetime(2024, 4, 1, 9, 30), "2024-04-01 09:30:00"), (float("nan"), ""),
])
def test_cell_text_reads_numbers_and_dates_as_text(value, text):
    assert cell_text(value) == text


def test_normalise_is_nfkc_and_collapses_whitespace():
    assert normalise("  ＭａａＳ　アプリ\n（ﾊﾞｽ） ") == "MaaS アプリ (バス)"


@pytest.mark.parametrize("cell, items", [
    ("タッチポイント/ 地域通貨/ バスアプリ", ("タッチポイント", "地域通貨", "バスアプリ")),
    ("運行情報/利用履歴", ("運行情報", "利用履歴")),
    ("購買属性情報、 購買データなど", ("購買属性情報", "購買データ")),
    ("市基幹システム／オンライン行政サービスなど", ("市基幹システム", "オンライン行政サービス")),
    ("歩数・心拍など運動データ、健診結果", ("歩数・心拍など運動データ", "健診結果")),
    ("ヘルスケアアプリ・ウェアラブルデバイス", ("ヘルスケアアプリ・ウェアラブルデバイス",)),
    ("Ａ；Ｂ\nＣ，Ｄ", ("A", "B", "C", "D")),
    ("地域通貨/地域通貨", ("地域通貨",)),
    ("  ", ()),
])
def test_split_items_on_documented_separators(cell, items):
    assert split_items(cell) == items


def test_split_items_separators_are_configurable():
    assert split_items("A・B/C", separators="・") == ("A", "B/C")
    assert split_items("A/B\nC", separators="") == ("A/B", "C")


@pytest.mark.parametrize("header", [
    "①データ共有元サービス", "① データ共有元 サービス", "データ共有元\nサービス",
    "１．データ共有元サービス", "データ共有元サービス（サービスA）", "データ共有元サービスＡ",
])
def test_header_key_ignores_numbering_width_spacing_and_brackets(header):
    assert header_key(header) in ("データ共有元サービス", "データ共有元サービスa")


def test_header_key_english():
    assert header_key("Source_Service") == header_key("source service") == "sourceservice"
    assert header_key("data α") == header_key("Data") == "data"
