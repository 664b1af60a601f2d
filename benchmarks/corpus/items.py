"""List the items of a cases CSV, one row per item, for a person to label.

    python benchmarks/corpus/items.py data/corpus/cases_a.csv > items.csv

Splitting only (flowmatrix.io.text.split_items, the rule every report uses): no classification,
so a labeller sees nothing flowmatrix would say about the items.
"""

from __future__ import annotations

import csv
import sys

from flowmatrix.io.text import split_items

ELEMENTS = ("source_service", "data", "target_service", "linked_service")


def main(path: str) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["case_id", "element", "item"])
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for element in ELEMENTS:
                for item in split_items(row.get(element) or ""):
                    writer.writerow([row["case_id"], element, item])


if __name__ == "__main__":
    main(sys.argv[1])
