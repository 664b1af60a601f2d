"""flowmatrix/coded.py: the integer codes every columnar stage works on."""

import numpy as np

from flowmatrix.coded import Items, count_rows, factorize, spread


def test_factorize_keeps_first_appearance_and_gives_back_every_value():
    values = ["熊谷市", "会津若松市", "熊谷市", "", "会津若松市", ""]
    codes, distinct = factorize(values)
    assert distinct == ["熊谷市", "会津若松市", ""]
    assert [distinct[c] for c in codes] == values
    assert codes.dtype == np.int64


def test_factorize_tells_equal_tuples_apart_from_other_tuples():
    codes, distinct = factorize([("a", "b"), ("a",), ("a", "b")])
    assert distinct == [("a", "b"), ("a",)]
    assert codes.tolist() == [0, 1, 0]


def test_spread_gives_each_case_the_answer_of_its_value_shared():
    answer = [["health"], ["tourism", "mobility"]]
    spread_out = spread(answer, np.array([1, 0, 1]))
    assert spread_out.tolist() == [["tourism", "mobility"], ["health"], ["tourism", "mobility"]]
    assert spread_out[0] is spread_out[2]  # one object per distinct value
    assert spread(answer, np.array([], dtype="int64")).tolist() == []


def test_count_rows_counts_each_distinct_row_of_codes():
    rows, counts = count_rows(np.array([2, 0, 2, 2]), np.array([1, 1, 1, 0]))
    assert rows.tolist() == [[0, 1], [2, 0], [2, 1]]
    assert counts.tolist() == [1, 1, 2]
    empty_rows, empty_counts = count_rows(np.array([], dtype="int64"))
    assert empty_rows.shape == (0, 1) and empty_counts.tolist() == []


def test_items_of_cases_lists_every_item_of_every_case_in_order():
    texts = [("運行情報", "利用履歴"), (), ("利用履歴",)]  # the items of three distinct texts
    items = Items.of(texts)
    assert items.values == ["運行情報", "利用履歴"]
    cases, codes = items.of_cases(np.array([2, 0, 1, 0]))
    assert cases.tolist() == [0, 1, 1, 3, 3]
    assert [items.values[c] for c in codes] == ["利用履歴", "運行情報", "利用履歴",
                                                "運行情報", "利用履歴"]
    none_cases, none_codes = Items.of([()]).of_cases(np.array([0, 0]))
    assert none_cases.tolist() == [] and none_codes.tolist() == []
