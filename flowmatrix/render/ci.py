"""The findings in the formats CI systems read, next to the changed file: GitHub workflow
commands, GitLab Code Quality, SARIF 2.1.0 and JUnit XML. Plain functions over the results of
`check_files` (path, sheet, cases, findings, error, case_ids), each returning bytes; the words
are English and the codes stable, as machines read them.

A CI system can point at a line of a text file, never into a workbook: for a CSV/TSV the line
is the finding's row (the record number; a cell with line breaks makes them differ), for a
workbook the message starts with `Sheet!Cell`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

from ..baseline import finding_key
from ..errors import InventoryStructureError
from ..io.readers import TEXT_SUFFIXES

# code → (what it means, what to do): the rules of SARIF, the help of every format.
RULES = {
    "kpi-unknown-municipality": ("A KPI row names no municipality of the inventory",
                                 "Write the municipality as the cases write it (or the only "
                                 "municipality's rows may leave it empty)."),
    "kpi-not-a-number": ("A KPI target or actual is not a number",
                         "Write a number (35000, 3.5万, 6万人超); the value is left out of "
                         "the KPI chart."),
    "kpi-incomplete": ("A KPI row has no indicator, or neither target nor actual",
                       "Fill in the indicator and a target or actual; the row is left out."),
    "alias-conflict": ("An alias file maps one name two ways",
                       "List each name under one canonical name only in the --aliases file; "
                       "the first mapping is used."),
    "unknown-alias-target": ("An alias file's canonical name is not written in the inventory",
                             "Check the spelling of the canonical name in the --aliases file; "
                             "it is fine if the name was chosen on purpose."),
    "missing-columns": ("No header row with the four element columns",
                        "Add a header row naming ① source service, ② data, ③ target service "
                        "and ④ linked service (Japanese or English), or choose the sheet with "
                        "--sheet."),
    "duplicate-column": ("A column is named twice in the header",
                         "Rename or remove one of the columns; only the first is read."),
    "missing-element": ("A case lacks one of the four elements",
                        "Fill in the empty element cell, or delete the row if it is no case."),
    "duplicate-case-id": ("Two cases share one case id",
                          "Give every case its own id (the No column)."),
    "duplicate-case": ("Two rows repeat the same four elements",
                       "Delete the copy, or tell the cases apart in their elements."),
    "unknown-theme": ("The theme column holds a label no theme has",
                      "Use a theme of the taxonomy (flowmatrix themes lists them) or add it "
                      "with --themes."),
    "theme-disagrees": ("The declared theme is not what the keywords clearly say",
                        "Check the theme column of the case; run flowmatrix classify to see "
                        "the matched terms."),
    "unknown-item-type": ("A type column holds a label its taxonomy does not have",
                          "Use a type of the taxonomy or extend it with --service-types, "
                          "--data-categories or --value-types."),
    "suspicious-cell": ("A cell holds only punctuation, an Excel error value or very long text",
                        "Write the value itself in the cell; fix the formula behind #REF! and "
                        "the like."),
    "formula-without-value": ("A formula cell has no saved value",
                              "Open the file in Excel and save it, so the values are stored."),
    "repeated-header": ("A row repeats the header row", "Nothing to do: the row is skipped."),
    "other-inventory-sheets": ("Other sheets also hold cases under the four element columns",
                               "Choose a sheet with --sheet, or put the cases on one sheet."),
    "totals-row": ("A row of the table looks like a totals row (合計, 小計, 件数)",
                   "Move the sums out of the table."),
    "template-example": ("The example case of flowmatrix template is still in the inventory",
                         "Overwrite it with a case, or delete the row."),
    "table-beside": ("A second table beside the one read is not read",
                     "Move the second table to a sheet of its own."),
    "case-over-rows": ("A case's No or title is merged over rows counted as cases",
                       "Write one case's items in one cell, or unmerge the cells."),
    "merged-heading": ("An element's heading is merged over columns whose cells are not read",
                       "Write the items in one cell, or give the other column a heading."),
    "page-table": ("Another table of an HTML page is not read",
                   "Give the table the inventory's header row if its rows are cases."),
    "hidden-rows": ("Cases in hidden or filtered rows are counted",
                    "Show the rows (clear the filter); delete those that are not cases."),
    "row-without-elements": ("Rows of the table have text but none of the four elements",
                             "Fill in ①–④ of a case; move a note out of the table."),
    "second-table": ("A second table below the first one",
                     "Move the second table to a sheet of its own."),
    "sensitive-flow": ("A flow carries special care-required personal information (要配慮個人情報)",
                       "Check consent and the legal basis of the flow."),
    "sensitive-without-consent": ("A flow carries 要配慮個人情報 and the consent column is empty",
                                  "Record in the consent column how consent is obtained."),
}

GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
GITLAB_SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")


def machine_output(results, fmt: str, strict: bool = False) -> bytes:
    """The findings of `results` (FileResults) in one of registry.MACHINE_FORMATS: validate's
    JSON, or a format a CI system reads."""
    from .. import __version__
    from .serialise import json_bytes, validation_dict

    if fmt == "json":
        return json_bytes(validation_dict(results))
    if fmt == "github":
        return github_lines(results)
    if fmt == "gitlab":
        return gitlab_json(results)
    if fmt == "sarif":
        return sarif_json(results, __version__)
    return junit_xml(results, strict)


def rule(code: str) -> tuple[str, str]:
    """(description, help) of a finding code; a file that could not be read (file-not-found,
    bad-csv, encrypted-workbook …) has its own code and a message saying what to do."""
    return RULES.get(code) or (f"The file could not be read as an inventory ({code})",
                               "The message says what is wrong and what to do.")


def _entries(results):
    """(result, finding, path with /, fingerprint) for every finding, in order. The fingerprint
    hashes the baseline's key (code, file, sheet, case, column) and the how-manieth equal key it
    is, so it stays when rows move and differs between equal problems."""
    for result in results:
        seen: dict[tuple, int] = {}
        path = Path(result.path).as_posix()
        for finding in result.findings:
            key = finding_key(result, finding, path)
            seen[key] = seen.get(key, 0) + 1
            digest = hashlib.sha256("\x1f".join((*key, str(seen[key]))).encode("utf-8"))
            yield result, finding, path, digest.hexdigest()[:32]


def _line(result, finding) -> int | None:
    """The line a CI system can show: the row of a CSV/TSV finding; None in a workbook."""
    return finding.row if Path(result.path).suffix.lower() in TEXT_SUFFIXES else None


def _located(finding) -> str:
    """The message, starting with where it is (Sheet1!E12) unless it already names it."""
    where = finding.location
    if not where or finding.message.startswith(where):
        return finding.message
    return f"{where}: {finding.message}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_lines(results) -> bytes:
    """One GitHub workflow command per finding:
    `::error file=data/cases.csv,line=7,title=missing-element::C7: …` (notice for info).
    No col: GitHub reads it as a character position, which a cell is not."""
    lines = []
    for result, finding, path, _ in _entries(results):
        properties = [f"file={_escape_property(path)}"]
        line = _line(result, finding)
        if line is not None:
            properties.append(f"line={line}")
        properties.append(f"title={_escape_property(finding.code)}")
        lines.append(f"::{GITHUB_COMMANDS[finding.severity]} {','.join(properties)}::"
                     f"{_escape_data(_located(finding))}\n")
    return "".join(lines).encode("utf-8")


def gitlab_json(results) -> bytes:
    """GitLab Code Quality: a JSON array of issues with description, check_name, a fingerprint
    that stays when rows move, severity and location (path, lines.begin: the row, or 1)."""
    issues = [{"description": _located(finding), "check_name": finding.code,
               "fingerprint": fingerprint,
               "severity": GITLAB_SEVERITIES[finding.severity],
               "location": {"path": path, "lines": {"begin": finding.row or 1}}}
              for _, finding, path, fingerprint in _entries(results)]
    return (json.dumps(issues, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def artifact_uri(path: str) -> str:
    """A SARIF artifact URI: a relative path as a relative reference (data/%E4%BA%8B.csv), an
    absolute one — C:\\Users\\… on Windows too — as a file: URI."""
    from pathlib import PureWindowsPath

    windows = PureWindowsPath(path)
    if windows.drive or path.startswith("\\\\"):
        return windows.as_uri()
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path.replace("\\", "/"))


def sarif_json(results, version: str) -> bytes:
    """SARIF 2.1.0: one run; a rule per finding code with its description and help; each
    result at its file and row (physical location) and sheet and cell (logical location)."""
    entries = list(_entries(results))
    codes = sorted({finding.code for _, finding, _, _ in entries})
    rules = [{"id": code, "shortDescription": {"text": rule(code)[0]},
              "fullDescription": {"text": rule(code)[0]}, "help": {"text": rule(code)[1]}}
             for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    found = []
    for _, finding, path, fingerprint in entries:
        physical: dict = {"artifactLocation": {"uri": artifact_uri(path)}}
        if finding.row is not None:
            physical["region"] = {"startLine": finding.row}
        location: dict = {"physicalLocation": physical}
        if finding.location:
            location["logicalLocations"] = [{
                "name": finding.cell or finding.location,
                "fullyQualifiedName": finding.location, "kind": "element"}]
        found.append({"ruleId": finding.code, "ruleIndex": index[finding.code],
                      "level": SARIF_LEVELS[finding.severity],
                      "message": {"text": _located(finding)}, "locations": [location],
                      "partialFingerprints": {"flowmatrixFinding/v1": fingerprint}})
    sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "flowmatrix", "version": version, "rules": rules}},
        "results": found, "columnKind": "unicodeCodePoints"}]}
    return (json.dumps(sarif, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# Characters XML 1.0 cannot hold at all, not even escaped (control characters from a cell).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def junit_xml(results, strict: bool = False) -> bytes:
    """JUnit XML: one test case per inventory; a <failure> per finding of severity error (and
    warning with `strict`), an <error> for a file that could not be read, the other findings
    in <system-out>."""
    from xml.etree import ElementTree as ET

    failing = ("error", "warning") if strict else ("error",)
    suites = ET.Element("testsuites", name="flowmatrix validate")
    suite = ET.SubElement(suites, "testsuite", name="flowmatrix validate")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for result in results:
        path = Path(result.path).as_posix()
        case = ET.SubElement(suite, "testcase", classname="flowmatrix.validate",
                             name=_xml(path), file=_xml(path))
        totals["tests"] += 1
        unreadable = result.error is not None and not isinstance(result.error,
                                                                  InventoryStructureError)
        others = []
        for finding in result.findings:
            text = f"{finding.severity} [{finding.code}] {_located(finding)}"
            if unreadable or finding.severity in failing:
                tag = "error" if unreadable else "failure"
                element = ET.SubElement(case, tag, type=finding.code,
                                        message=_xml(_located(finding)))
                element.text = _xml(text)
                totals["errors" if unreadable else "failures"] += 1
            else:
                others.append(text)
        if others:
            ET.SubElement(case, "system-out").text = _xml("\n".join(others))
    for element in (suites, suite):
        element.attrib.update({k: str(v) for k, v in totals.items()})
    ET.indent(suites)
    return ET.tostring(suites, encoding="UTF-8", xml_declaration=True) + b"\n"


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
