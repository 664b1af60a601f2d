"""flowmatrix/coded.py: the integer codes every columnar stage works on."""

import numpy as np

from flowmatrix.coded import (
    Items,
    factorize,
    factorize_cells,
    first_cases,
    row_codes,
    runs,
    spread,
)


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


def test_factorize_keeps_values_of_other_types_apart_even_when_equal():
    """pandas alone merges 1, 1.0 and True, and None with NaN: a municipality column a
    frame built by hand fills with them would count as one."""
    codes, distinct = factorize([1, True, 1.0, None, float("nan"), "1", float("nan"), 1])
    assert [type(v).__name__ for v in distinct] == ["int", "bool", "float", "NoneType",
                                                    "float", "str"]
    assert distinct[3] is None
    assert codes.tolist() == [0, 1, 2, 3, 4, 5, 4, 0]


def test_factorize_keeps_the_sign_of_zero_and_takes_pandas_missing_values():
    import pandas as pd

    codes, distinct = factorize([0.0, -0.0, 0.0, pd.NA, "x", pd.NA])
    assert codes.tolist() == [0, 1, 0, 2, 3, 2]
    assert str(distinct[1]) == "-0.0" and distinct[2] is pd.NA
    codes, distinct = factorize(pd.Series([1, None, 1], dtype="Int64"))
    assert codes.tolist() == [0, 1, 0] and distinct[1] is pd.NA


def test_spread_gives_each_case_the_answer_of_its_value_shared():
    answer = [["health"], ["tourism", "mobility"]]
    spread_out = spread(answer, np.array([1, 0, 1]))
    assert spread_out.tolist() == [["tourism", "mobility"], ["health"], ["tourism", "mobility"]]
    assert spread_out[0] is spread_out[2]  # one object per distinct value
    assert spread(answer, np.array([], dtype="int64")).tolist() == []


def test_row_codes_number_distinct_rows_in_the_order_they_first_appear():
    municipality = np.array([2, 0, 2, 2, 0])
    year = np.array([1, 1, 1, 0, 1])
    rows = row_codes([municipality, year])
    assert rows.tolist() == [0, 1, 0, 2, 1]
    assert first_cases(rows).tolist() == [0, 1, 3]
    big = np.array([10**6, 0, 10**6])  # keys stay within int64 however large the codes
    assert row_codes([big, big, big]).tolist() == [0, 1, 0]
    assert row_codes([np.array([], dtype="int64")]).tolist() == []
    assert first_cases(np.array([], dtype="int64")).tolist() == []


def test_factorize_cells_reads_lists_as_tuples():
    codes, distinct = factorize_cells([["歩数"], ("歩数",), ["心拍", "歩数"]])
    assert codes.tolist() == [0, 0, 1]
    assert distinct == [("歩数",), ("心拍", "歩数")]


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


def test_runs_give_each_element_its_run_and_its_place_in_it():
    which, within = runs(np.array([2, 0, 3]))
    assert which.tolist() == [0, 0, 2, 2, 2]
    assert within.tolist() == [0, 1, 0, 1, 2]
    assert [a.tolist() for a in runs(np.array([], dtype="int64"))] == [[], []]


def test_a_coded_frame_factorizes_each_column_once_for_every_reader():
    import pandas as pd

    from flowmatrix.coded import Coded

    frame = pd.DataFrame({"municipality": ["熊谷市", "会津若松市", "熊谷市"]}, dtype=object)
    coded = Coded(frame)
    codes, distinct = coded.column("municipality")
    assert codes.tolist() == [0, 1, 0] and distinct == ["熊谷市", "会津若松市"]
    assert coded.column("municipality") is coded.column("municipality")
    made = []
    assert coded.once("n", lambda: made.append(1) or len(frame)) == 3
    assert coded.once("n", lambda: made.append(1) or 0) == 3 and made == [1]


def test_distinct_rows_weigh_each_row_by_its_cases():
    from flowmatrix.coded import distinct_rows

    of_case, first, counts = distinct_rows([np.array([0, 1, 0, 0]), np.array([2, 2, 2, -1])])
    assert of_case.tolist() == [0, 1, 0, 2]
    assert first.tolist() == [0, 1, 3] and counts.tolist() == [2, 1, 1]
