"""Split the corpus once into a development part and a held-out part: 40 % of each set (A and
B, which steer different themes) held out, chosen by a hash of the case id, written to
benchmarks/corpus/split.csv. Run once (2026-11-30) and committed; do not run it again to
"re-draw" a split, and never tune on the held-out cases (corpus_eval.py hides their misses).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SALT = "flowmatrix corpus split 2026-11-30"
HELD_OUT = 0.4


def main() -> None:
    rows = []
    for name in ("a", "b"):
        with (ROOT / "data" / "corpus" / f"cases_{name}.csv").open(encoding="utf-8") as f:
            ids = [r["case_id"] for r in csv.DictReader(f)]
        ranked = sorted(ids, key=lambda i: hashlib.sha256(f"{SALT}:{i}".encode()).hexdigest())
        held = set(ranked[:round(len(ids) * HELD_OUT)])
        rows += [(i, "heldout" if i in held else "dev") for i in ids]
    with (ROOT / "benchmarks" / "corpus" / "split.csv").open("w", encoding="utf-8",
                                                            newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["case_id", "part"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
