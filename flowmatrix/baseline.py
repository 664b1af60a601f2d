"""A baseline: the findings inventories already had, so CI can fail on new ones only and an old
inventory can adopt the checks without fixing every past problem first.

A finding is known by its code, file, sheet, case (its id, or a digest of its four elements)
and column, never by its row: inserting a row above would move every row number and make old
findings look new. Keys are counted, so a second equal problem in the same case is new; a
finding about a group of rows (a case id used by 3 rows) counts once per row beyond the first,
so a group that grows is new.

    {"flowmatrix_baseline": 1,
     "findings": [{"code": "unknown-theme", "file": "data/cases.xlsx", "sheet": "事例一覧",
                   "case": "12", "column": "theme", "count": 1}, …]}

File paths are written relative to the baseline file, so it works from any folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from pathlib import Path

from .errors import FlowmatrixError, InventoryStructureError
from .findings import Finding

VERSION = 1
KEY_FIELDS = ("code", "file", "sheet", "case", "column")


def finding_key(result, finding: Finding, file: str | None = None) -> tuple[str, ...]:
    """(code, file, sheet, case, column) of a finding of `result` (a FileResult); `file`
    replaces the path as given (the baseline writes it relative to itself)."""
    case = result.case_ids.get(finding.row, "") if finding.row is not None else ""
    return (finding.code, file or Path(finding.file or result.path).as_posix(),
            finding.sheet or "", case, finding.column or "")


def weight(finding: Finding) -> int:
    """How many problems a finding stands for: a group of n duplicate rows is n - 1."""
    count = dict(finding.params).get("count") if finding.code.startswith("duplicate-case") \
        else None
    return max(1, int(str(count).replace(",", "")) - 1) if count else 1


def baseline_bytes(results, baseline: str | Path) -> bytes:
    """The baseline file recording every finding of `results`."""
    counts: Counter = Counter()
    for result in results:
        file = _relative(result.path, baseline)
        for finding in result.findings:
            counts[finding_key(result, finding, file)] += weight(finding)
    entries = [{**dict(zip(KEY_FIELDS, key, strict=True)), "count": n}
               for key, n in sorted(counts.items())]
    text = json.dumps({"flowmatrix_baseline": VERSION, "findings": entries},
                      ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def read_baseline(path: str | Path) -> Counter:
    """The counted keys of a baseline file; a FlowmatrixError (exit 2) saying what to do when
    it is missing or not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
        entries = data["findings"] if data.get("flowmatrix_baseline") == VERSION else None
        return Counter({tuple(str(e[k]) for k in KEY_FIELDS): int(e["count"]) for e in entries})
    except FileNotFoundError:
        raise FlowmatrixError("baseline file not found; create it with --write-baseline "
                              f"{path}", path=str(path), code="bad-baseline") from None
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
        raise FlowmatrixError("not a flowmatrix baseline file (write it again with "
                              "--write-baseline)", path=str(path), code="bad-baseline") from None


def new_findings(results, known: Counter, baseline: str | Path) -> list:
    """`results` with only the findings the baseline does not hold (each known key as many
    times as it counts). A file that could not be read at all stays as it is: a baseline
    never hides that."""
    left = Counter(known)
    kept = []
    for result in results:
        if result.error is not None and not isinstance(result.error, InventoryStructureError):
            kept.append(result)
            continue
        file = _relative(result.path, baseline)
        findings = []
        for finding in result.findings:
            key, need = finding_key(result, finding, file), weight(finding)
            if left[key] >= need:
                left[key] -= need
            else:
                findings.append(finding)
        kept.append(dataclasses.replace(result, findings=findings))
    return kept


def _relative(path: str, baseline: str | Path) -> str:
    """`path` relative to the baseline's folder, with / (absolute where that cannot be, as
    across Windows drives)."""
    try:
        return Path(os.path.relpath(Path(path).resolve(),
                                    Path(baseline).resolve().parent)).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()
