"""Accuracy on the labelled corpus (data/corpus/, benchmarks/corpus/): themes, the kinds of
items and the 要配慮 flag, on the development part and the held-out part, beside how often two
people labelling independently agree.

    python benchmarks/corpus_eval.py [--misses]

The corpus: 314 real cases from public pages (data/corpus/cases_a.csv, cases_b.csv, each
with its source_url), every item labelled by two people who did not see flowmatrix's output
(benchmarks/corpus/labels_a.csv and labels_a2.csv, …; benchmarks/corpus/GUIDE.md), split once
into dev and heldout (benchmarks/corpus/split.csv). Improve on dev; only measure heldout:
--misses lists the dev misses and never the held-out ones.

Measures:
  theme top-1        the primary theme is the first labeller's theme
  per item           an item's kind is the first labeller's label
  per case           the kind of the case's main (first) item of the element is right
  要配慮 flag         precision and recall, per data item, against the labeller's yes/no
  outside その他      the share of cases with at least one flow outside the その他 row and
                     column of the headline matrix (① type × ③ type, the report's default size)
                     and, for comparison, of the name-level matrix: the part read as one inventory
The human rows compare the first labeller with the second on the same items and cases.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import flowmatrix
from flowmatrix import Settings
from flowmatrix.classification.kinds import TYPED_ELEMENTS
from flowmatrix.io.inventory import item_column

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "corpus"
SETS = ("a", "b")
KINDS = {"source types": ("source_service",), "data categories": ("data",),
         "target types": ("target_service",), "value types": ("linked_service",)}


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def outside_other(part: set) -> dict[str, tuple[int, int]]:
    """matrix → (cases with a flow outside the その他 row and column, cases), for the part read
    as one inventory and the matrices at the report's default size."""
    from flowmatrix.classification.taxonomy import FALLBACK_ID
    from flowmatrix.model.dimensions import OTHER, dimension_values
    from flowmatrix.model.matrix import flow_matrix

    settings = Settings(ignore_declared=True)
    frames = [flowmatrix.classify(ROOT / "data" / "corpus" / f"cases_{name}.csv",
                                  settings) for name in SETS]
    taxonomies = frames[0].taxonomies
    import pandas as pd
    cases = pd.concat([c.cases for c in frames], ignore_index=True)
    cases = cases[cases["case_id"].isin(part)]
    found = {}
    for name, (rows, cols) in {"types": ("source_type", "target_type"),
                               "names": ("source_service", "target_service")}.items():
        # the values the report's matrix keeps (the rest are folded into その他)
        matrix = flow_matrix(cases, rows, cols, values="count", top=settings.top,
                             taxonomies=taxonomies)
        kept_rows, kept_cols = ({v for v in values if v is not OTHER and v != FALLBACK_ID}
                                for values in (matrix.row_values, matrix.col_values))
        clear = sum(any(r in kept_rows for r in row) and any(c in kept_cols for c in col)
                    for row, col in zip(dimension_values(cases, rows),
                                        dimension_values(cases, cols), strict=True))
        found[name] = (clear, len(cases))
    return found


def predictions() -> tuple[dict, dict, dict]:
    """flowmatrix's answers from the text alone: theme and secondary themes per case, the kind
    of every item, and which data items it flags as 要配慮."""
    themes, kinds, sensitive = {}, {}, {}
    settings = Settings(ignore_declared=True)  # the theme column is the hand label
    for name in SETS:
        classified = flowmatrix.classify(ROOT / "data" / "corpus" / f"cases_{name}.csv",
                                         settings)
        for _, case in classified.cases.iterrows():
            cid = case["case_id"]
            themes[cid] = (case["theme_id"], tuple(case["secondary_theme_ids"]))
            for element, (_, column, _) in TYPED_ELEMENTS.items():
                for item, kind in zip(case[item_column(element)], case[column], strict=True):
                    kinds[(cid, element, item)] = kind
            for item, flag in zip(case[item_column("data")], case["data_sensitive"],
                                  strict=True):
                sensitive[(cid, "data", item)] = flag
            if "value_types" in case:
                for item, kind in zip(case[item_column("linked_service")], case["value_types"],
                                      strict=True):
                    kinds[(cid, "linked_service", item)] = kind
    return themes, kinds, sensitive


def labels(suffix: str) -> list[dict]:
    return [row for name in SETS for row in read_csv(CORPUS / f"labels_{name}{suffix}.csv")]


def main_items(rows: list[dict]) -> dict:
    """(case id, element) → the first item's row."""
    first = {}
    for row in rows:
        first.setdefault((row["case_id"], row["element"]), row)
    return first


def ratio(right: int, total: int) -> str:
    return f"{right / total:6.1%} ({right}/{total})" if total else "   n/a"


def report(part: str, cases: set, truth: list[dict], second: list[dict], themes: dict,
           kinds: dict, sensitive: dict, theme_truth: dict, theme_second: dict,
           misses: bool) -> None:
    print(f"\n=== {part}: {len(cases)} cases ===")
    print(f"{'':28} {'flowmatrix':>20} {'two people agree':>22}")
    ids = sorted(cases)
    top1 = sum(themes[c][0] == theme_truth[c] for c in ids)
    with_secondary = sum(theme_truth[c] in (themes[c][0], *themes[c][1]) for c in ids)
    human = sum(theme_second.get(c) == theme_truth[c] for c in ids)
    print(f"{'theme top-1':28} {ratio(top1, len(ids)):>20} {ratio(human, len(ids)):>22}")
    print(f"{'theme incl. secondary':28} {ratio(with_secondary, len(ids)):>20}")
    rows = [r for r in truth if r["case_id"] in cases]
    other = {(r["case_id"], r["element"], r["item"]): r for r in second}
    for kind, elements in KINDS.items():
        chosen = [r for r in rows if r["element"] in elements]
        key = [(r["case_id"], r["element"], r["item"]) for r in chosen]
        if not any(k in kinds for k in key):
            print(f"{kind + ' per item':28} {'(not typed yet)':>20}")
            continue
        right = sum(kinds.get(k) == r["label"] for k, r in zip(key, chosen, strict=True))
        agree = sum(other.get(k, {}).get("label") == r["label"]
                    for k, r in zip(key, chosen, strict=True))
        print(f"{kind + ' per item':28} {ratio(right, len(chosen)):>20} "
              f"{ratio(agree, len(chosen)):>22}")
        mains = [r for (c, e), r in main_items(chosen).items()]
        right = sum(kinds.get((r["case_id"], r["element"], r["item"])) == r["label"]
                    for r in mains)
        agree = sum(other.get((r["case_id"], r["element"], r["item"]), {}).get("label")
                    == r["label"] for r in mains)
        print(f"{kind + ' per case':28} {ratio(right, len(mains)):>20} "
              f"{ratio(agree, len(mains)):>22}")
        if misses:
            for k, r in zip(key, chosen, strict=True):
                if kinds.get(k) != r["label"]:
                    print(f"    {k[0]} {k[2]} label={r['label']} got={kinds.get(k)} {r['note']}")
    data = [r for r in rows if r["element"] == "data"]
    flagged = [r for r in data if sensitive.get((r["case_id"], "data", r["item"]))]
    true_pos = sum(r["sensitive"] == "yes" for r in flagged)
    actual = sum(r["sensitive"] == "yes" for r in data)
    human_flag = [r for r in data
                  if other.get((r["case_id"], "data", r["item"]), {}).get("sensitive") == "yes"]
    human_pos = sum(r["sensitive"] == "yes" for r in human_flag)
    print(f"{'要配慮 precision':28} {ratio(true_pos, len(flagged)):>20} "
          f"{ratio(human_pos, len(human_flag)):>22}")
    print(f"{'要配慮 recall':28} {ratio(true_pos, actual):>20} {ratio(human_pos, actual):>22}")
    outside = outside_other(cases)
    print(f"{'outside その他, types':28} {ratio(*outside['types']):>20}")
    print(f"{'outside その他, names':28} {ratio(*outside['names']):>20}")
    if misses:
        for r in flagged:
            if r["sensitive"] != "yes":
                print(f"    false 要配慮: {r['case_id']} {r['item']}")
        wrong = [c for c in ids if themes[c][0] != theme_truth[c]]
        for c in wrong:
            print(f"    theme {c}: label={theme_truth[c]} got={themes[c][0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true",
                        help="list the development part's misses (never the held-out ones)")
    args = parser.parse_args()
    split = {r["case_id"]: r["part"] for r in read_csv(CORPUS / "split.csv")}
    theme_truth = {r["case_id"]: r["theme"] for name in SETS
                   for r in read_csv(ROOT / "data" / "corpus" / f"cases_{name}.csv")}
    theme_second = {r["case_id"]: r["theme"] for name in SETS
                    for r in read_csv(CORPUS / f"themes_{name}2.csv")}
    themes, kinds, sensitive = predictions()
    truth, second = labels(""), labels("2")
    parts = defaultdict(set)
    for case_id, part in split.items():
        parts[part].add(case_id)
    for part in ("dev", "heldout"):
        report(part, parts[part], truth, second, themes, kinds, sensitive, theme_truth,
               theme_second, args.misses and part == "dev")


if __name__ == "__main__":
    main()
