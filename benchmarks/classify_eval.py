"""Theme and item-type classification on the hand-labelled sets, and its speed.

    python benchmarks/classify_eval.py [--cases 100000] [--misses]

Three sets of real cases, each with hand labels (data/<set>_cases.csv and
benchmarks/<set>_item_labels.csv):
  - eval: the first evaluation set. The taxonomies were tuned after reading its misses, so
    its figures are optimistic.
  - eval2: a second set, labelled by someone who had not seen the keywords. It was measured
    once blind (benchmarks/README.md has those figures), then tuned on like eval.
  - heldout: labelled the same way and never used for tuning. Its figures are the honest
    ones; do not tune on its misses (build a new held-out set if you must).
For each, every case is classified from its text alone (the theme column is ignored); the
script prints top-1 accuracy, accuracy counting secondary themes, the confusion matrix and the
misclassified cases, then the accuracy of service types and data categories per item
(--misses lists the wrong items). Last it times classification of N synthetic cases (the
evaluation rows repeated with a distinct suffix each, so every text is new).

benchmarks/eval_item_labels_second.csv labels the items of the eval set a second time, by
another person who saw neither the first labels nor the keywords: how often the two agree is
the ceiling any classifier can be measured against.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import flowmatrix
from flowmatrix import Settings, read_inventory
from flowmatrix.classification.taxonomy import load_taxonomy
from flowmatrix.classification.themes import classify_themes
from flowmatrix.io.columns import ELEMENTS

BLIND = Settings(ignore_declared=True)  # the theme column is the hand label: never read it

ROOT = Path(__file__).resolve().parent.parent


def evaluate(path: Path, show_misses: bool = True) -> None:
    taxonomy = load_taxonomy()
    inventory = read_inventory(path)
    truth = inventory.cases["theme"].tolist()
    classified = flowmatrix.classify(inventory, BLIND).cases
    predicted = classified["theme_id"].tolist()
    secondary = classified["secondary_theme_ids"].tolist()
    n = len(truth)
    top1 = sum(t == p for t, p in zip(truth, predicted, strict=True))
    any_hit = sum(t == p or t in s for t, p, s in zip(truth, predicted, secondary, strict=True))
    print(f"evaluation set: {path.relative_to(ROOT)} ({n} cases)")
    print(f"top-1 accuracy:                  {top1 / n:6.1%}  ({top1}/{n})")
    print(f"accuracy counting secondaries:   {any_hit / n:6.1%}  ({any_hit}/{n})")
    ids = taxonomy.ids
    matrix = pd.crosstab(pd.Categorical(truth, ids), pd.Categorical(predicted, ids),
                         rownames=["label"], colnames=["predicted"], dropna=False)
    print("\nconfusion matrix (rows: hand label, columns: flowmatrix)")
    print(matrix.to_string())
    wrong = classified[classified["theme_id"] != classified["theme"]]
    if len(wrong) and not show_misses:
        print("(misclassified cases not shown: --show-heldout-misses shows them, and then the "
              "set is no longer held out)")
    elif len(wrong):
        print("\nmisclassified:")
        for _, case in wrong.iterrows():
            terms = ", ".join(f"{t}({th})" for _, t, th in case["matched_terms"])
            print(f"  {case['case_id']} label={case['theme']} got={case['theme_id']} "
                  f"scores={case['scores']} | {case['title']} | {terms}")


def evaluate_items(path: Path, labels_path: Path, misses: bool = False) -> None:
    """Service types and data categories per item against the hand labels."""
    import csv

    from flowmatrix.classification.kinds import TYPED_ELEMENTS
    from flowmatrix.io.inventory import item_column

    typed = flowmatrix.classify(path, BLIND).cases
    found = {}
    for _, case in typed.iterrows():
        for element, (_, column, _) in TYPED_ELEMENTS.items():
            for item, type_id in zip(case[item_column(element)], case[column], strict=True):
                found[(case["case_id"], element, item)] = type_id
    rows = list(csv.DictReader(labels_path.open(encoding="utf-8")))
    print(f"\nitem types: {labels_path.relative_to(ROOT)} ({len(rows)} hand-labelled items)")
    for kind, elements in (("service types", ("source_service", "target_service")),
                           ("data categories", ("data",))):
        chosen = [r for r in rows if r["element"] in elements]
        wrong = [r for r in chosen
                 if found.get((r["case_id"], r["element"], r["item"])) != r["label"]]
        right = len(chosen) - len(wrong)
        print(f"{kind + ' accuracy:':32} {right / len(chosen):6.1%}  ({right}/{len(chosen)})")
        for r in wrong if misses else ():
            got = found.get((r["case_id"], r["element"], r["item"]), "(item not found)")
            print(f"  {r['case_id']} {r['item']} label={r['label']} got={got}  {r['note']}")


def agreement(first: Path, second: Path) -> None:
    """How often two hand labellings of the same items agree."""
    import csv

    def labels(path: Path) -> dict:
        return {(r["case_id"], r["element"], r["item"]): r["label"]
                for r in csv.DictReader(path.open(encoding="utf-8"))}

    a, b = labels(first), labels(second)
    print(f"\n=== two labellers on the eval items ({second.relative_to(ROOT)}) ===")
    for kind, elements in (("service types", ("source_service", "target_service")),
                           ("data categories", ("data",))):
        keys = [k for k in a if k[1] in elements and k in b]
        same = sum(a[k] == b[k] for k in keys)
        print(f"{kind + ' agreement:':32} {same / len(keys):6.1%}  ({same}/{len(keys)})")


def speed(path: Path, n_cases: int) -> None:
    """Time N cases twice: titles distinct but elements drawn from the evaluation rows (as in a
    real national inventory, where service and data names repeat), and every text distinct."""
    cases = read_inventory(path).cases
    repeats = -(-n_cases // len(cases))
    base = pd.concat([cases] * repeats, ignore_index=True).head(n_cases).copy()
    suffix = " 第" + pd.Series(range(n_cases)).astype(str) + "号"
    taxonomy = load_taxonomy()
    classify_themes(base.head(10), taxonomy)  # build the automaton outside the timing
    for label, columns in (("titles distinct, elements repeat", ("title",)),
                           ("every text distinct", ("title", *ELEMENTS))):
        big = base.copy()
        for column in columns:
            big[column] = big[column] + suffix
        start = time.perf_counter()
        classify_themes(big, taxonomy, ignore_declared=True)
        elapsed = time.perf_counter() - start
        print(f"speed, {label}: {n_cases:,} cases in {elapsed:.2f} s = "
              f"{n_cases / elapsed:,.0f} cases/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="synthetic cases to time")
    parser.add_argument("--misses", action="store_true",
                        help="list the wrong items too (not for the held-out set)")
    parser.add_argument("--show-heldout-misses", action="store_true",
                        help="also show the held-out set's misses (it stops being held out)")
    args = parser.parse_args()
    sets = (("eval", "tuned on"), ("eval2", "measured once blind, then tuned on"),
            ("heldout", "never tuned on"))
    for name, status in sets:
        cases = ROOT / "data" / f"{name}_cases.csv"
        if not cases.exists():
            continue
        print(f"\n=== {name} ({status}) ===")
        show = name != "heldout" or args.show_heldout_misses
        evaluate(cases, show)
        evaluate_items(cases, ROOT / "benchmarks" / f"{name}_item_labels.csv",
                       args.misses and show)
    agreement(ROOT / "benchmarks" / "eval_item_labels.csv",
              ROOT / "benchmarks" / "eval_item_labels_second.csv")
    speed(ROOT / "data" / "eval_cases.csv", args.cases)


if __name__ == "__main__":
    main()
