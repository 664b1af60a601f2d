"""The report of `compare OLD NEW`: report.md, report.html, report.xlsx and comparison.json in
one folder, all read from one Comparison (model/compare.py) through the labelled sections
below, so the formats cannot disagree. Inventory text is escaped in every format: Markdown
punctuation backslashed, HTML escaped, workbook cells written as text (never formulas)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FlowmatrixError
from ..io.columns import ELEMENTS
from ..model.compare import FAIL_ON, FIELDS, KINDS, TYPE_FIELDS
from .html import STYLE as REPORT_STYLE
from .labels import (
    CASE_COLUMNS,
    COMPARE_COLUMNS,
    COMPARE_KINDS,
    COMPARE_RULES,
    COMPARE_SHEETS,
    COMPARE_WORDS,
    LIST_SEPARATOR,
    TALLY_COLUMNS,
    THEME_SOURCE_WORDS,
    dimension_label,
    explain_terms,
    value_labeller,
)

if TYPE_CHECKING:
    from ..model.compare import Case, CaseChange, Comparison

COMPARE_FORMATS = ("md", "html", "xlsx", "json")
FILES = {"md": "report.md", "html": "report.html", "xlsx": "report.xlsx",
         "json": "comparison.json"}
CASE_FIELDS = ("municipality", "title", *ELEMENTS, "theme")  # an added or removed case
MAX_ROWS = 2000  # rows of a table in report.md and report.html; all are in the others
TYPE_DIMENSION = {"source_types": "source_type", "data_categories": "data_category",
                  "target_types": "target_type", "value_types": "value_type"}


def parse_choices(text: str, choices: tuple[str, ...], option: str) -> tuple[str, ...]:
    """"md, json" → ("md", "json"); a usage error naming the choices otherwise."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in choices]
    if unknown or (not chosen and option == "--format"):
        raise FlowmatrixError(f"{option} {text!r}: choose from " + ",".join(choices),
                              code="usage")
    return chosen


def parse_fail_on(text: str) -> tuple[str, ...]:
    return parse_choices(text, FAIL_ON, "--fail-on")


def summary_line(comparison: Comparison) -> str:
    """「追加 12 件、終了 3 件、変更 7 件（変更なし 40 件）」"""
    return COMPARE_WORDS[comparison.settings.lang]["counts"].format(**comparison.counts)


# --- the labelled sections every format shows -----------------------------------------------

class _Words:
    """The words of one comparison's values, looked up once per value."""

    def __init__(self, comparison: Comparison):
        self.c = comparison
        self.lang = lang = comparison.settings.lang
        self.w, self.cols = COMPARE_WORDS[lang], COMPARE_COLUMNS[lang]
        self.theme = value_labeller("theme", comparison.taxonomies, lang)
        self.kinds = {f: value_labeller(d, comparison.taxonomies, lang)
                      for f, d in TYPE_DIMENSION.items()}
        self.join = LIST_SEPARATOR[lang].join
        self.batch = len(comparison.files) > 1

    def field(self, field: str) -> str:
        """A field's heading; a --key column that is not canonical is its own heading."""
        if field == "theme":
            return dimension_label("theme", self.lang)
        return CASE_COLUMNS[self.lang].get(field) or dimension_label(field, self.lang)

    def value(self, field: str, value) -> str:
        if field == "theme":
            return self.theme(value) if value else ""
        if field in TYPE_FIELDS:
            return self.join(self.kinds[field](v) for v in value)
        return value

    def rule(self, change: CaseChange) -> str:
        return COMPARE_RULES[self.lang][change.rule].format(similarity=change.similarity or 0)

    def where(self) -> list[str]:
        return [self.cols["file"]] if self.batch else []


def summary_rows(comparison: Comparison) -> list[list]:
    w = COMPARE_WORDS[comparison.settings.lang]
    words = _Words(comparison)
    return [[w["old"], comparison.old_name], [w["new"], comparison.new_name],
            [w["cases"], f"{comparison.old_cases} → {comparison.new_cases}"],
            [w["key"], words.field(comparison.key) if comparison.key else w["key_none"]],
            [w["threshold"], f"{comparison.threshold:g}"],
            *[[COMPARE_KINDS[words.lang][k], comparison.counts[k]] for k in KINDS],
            [w["theme_changed"], len(comparison.theme_moves)],
            [w["id_changed"], sum(comparison.key in c.fields for c in comparison.cases)]]


def case_section(comparison: Comparison, kind: str) -> tuple[list[str], list[list]]:
    """An added or removed case per row: where, its id, its text and theme."""
    words = _Words(comparison)
    headings = [*words.where(), words.field(comparison.key or "case_id"),
                *[words.field(f) for f in CASE_FIELDS], CASE_COLUMNS[words.lang]["sheet"],
                CASE_COLUMNS[words.lang]["row"]]
    rows = []
    for change in comparison.of_kind(kind):
        case = change.old or change.new
        rows.append([*([change.file] if words.batch else []), case.key,
                     *[words.value(f, case.values[f]) for f in CASE_FIELDS],
                     case.sheet or "", case.row])
    return headings, rows


def changed_section(comparison: Comparison) -> tuple[list[str], list[list]]:
    """One row per changed field of a changed case: its ids, title, how it was matched, the
    field, the old and the new value."""
    words, cols = _Words(comparison), COMPARE_COLUMNS[comparison.settings.lang]
    headings = [*words.where(), cols["old_id"], cols["new_id"], words.field("title"),
                cols["rule"], cols["field"], cols["old"], cols["new"]]
    rows = []
    for change in comparison.of_kind("changed"):
        for field in change.fields:
            old, new = _field_values(change, field)
            rows.append([*([change.file] if words.batch else []), change.old.key,
                         change.new.key, change.new.values["title"], words.rule(change),
                         words.field(field), words.value(field, old),
                         words.value(field, new)])
    return headings, rows


def _field_values(change: CaseChange, field: str) -> tuple:
    if field not in change.old.values:  # the key column
        return change.old.key, change.new.key
    return change.old.values[field], change.new.values[field]


def tally_section(comparison: Comparison) -> tuple[list[str], list[list]]:
    words, cols = _Words(comparison), COMPARE_COLUMNS[comparison.settings.lang]
    headings = [TALLY_COLUMNS[words.lang]["theme"], cols["old"], cols["new"],
                cols["difference"], cols["old_share"], cols["new_share"], cols["share_change"]]
    rows = [[words.theme(r["theme_id"]), r["old"], r["new"], _signed(r["difference"]),
             f"{r['old_share']:.1%}", f"{r['new_share']:.1%}", _points(r["share_change"])]
            for r in comparison.theme_tally]
    return headings, rows


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _points(share: float) -> str:
    """0.0323 → "+3.2 pt"."""
    text = f"{share * 100:+.1f} pt"
    return "±0.0 pt" if text in ("+0.0 pt", "-0.0 pt") else text


def moves_section(comparison: Comparison) -> tuple[list[str], list[list]]:
    """Cases whose theme changed, with the terms that decided it before and after."""
    words, cols = _Words(comparison), COMPARE_COLUMNS[comparison.settings.lang]
    headings = [*words.where(), cols["old_id"], cols["new_id"], words.field("title"),
                cols["old_theme"], cols["new_theme"], cols["old_why"], cols["new_why"]]
    rows = [[*([c.file] if words.batch else []), c.old.key, c.new.key, c.new.values["title"],
             words.theme(c.old.values["theme"]), words.theme(c.new.values["theme"]),
             _why(c.old, words), _why(c.new, words)]
            for c in comparison.theme_moves]
    return headings, rows


def _why(case: Case, words: _Words) -> str:
    terms = explain_terms(case.matched_terms, words.c.taxonomies.themes, words.lang)
    source = THEME_SOURCE_WORDS[words.lang].get(case.theme_source, case.theme_source)
    return f"{source}: {terms}" if terms else source


def flow_section(comparison: Comparison, which: str) -> tuple[list[str], list[list]]:
    lang = comparison.settings.lang
    service = value_labeller("source_type", comparison.taxonomies, lang)
    data = value_labeller("data_category", comparison.taxonomies, lang)
    headings = [dimension_label("source_type", lang), dimension_label("data_category", lang),
                dimension_label("target_type", lang), COMPARE_COLUMNS[lang]["cases"]]
    return headings, [[service(f["source_type"]), data(f["data_category"]),
                       service(f["target_type"]), f["cases"]]
                      for f in comparison.flows[which]]


def municipality_section(comparison: Comparison) -> tuple[list[str], list[list]]:
    w, cols = COMPARE_WORDS[comparison.settings.lang], COMPARE_COLUMNS[comparison.settings.lang]
    return ([cols["change"], cols["municipality"], cols["cases"]],
            [[w[which], m["municipality"], m["cases"]]
             for which in ("joined", "left") for m in comparison.municipalities[which]])


def file_section(comparison: Comparison) -> tuple[list[str], list[list]]:
    w, cols = COMPARE_WORDS[comparison.settings.lang], COMPARE_COLUMNS[comparison.settings.lang]
    return ([cols["file"], w["old"], w["new"]],
            [[name, old or f"（{w['only_new']}）", new or f"（{w['only_old']}）"]
             for name, old, new in comparison.files])


def sections(comparison: Comparison) -> list[tuple[str, str, str, list[str], list[list]]]:
    """(key, heading, note, headings, rows) of every table after the summary, in order."""
    w = COMPARE_WORDS[comparison.settings.lang]
    out = [("theme_tally", w["theme_tally"], "", *tally_section(comparison)),
           ("added", w["added"], "", *case_section(comparison, "added")),
           ("removed", w["removed"], "", *case_section(comparison, "removed")),
           ("changed", w["changed"], w["matching_note"], *changed_section(comparison)),
           ("theme_moves", w["theme_moves"], "", *moves_section(comparison)),
           ("flows_new", w["flows_new"], w["flows_note"], *flow_section(comparison, "new")),
           ("flows_vanished", w["flows_vanished"], "", *flow_section(comparison, "vanished")),
           ("municipalities", w["municipalities"], "", *municipality_section(comparison))]
    if len(comparison.files) > 1:
        out.append(("files", w["files"], "", *file_section(comparison)))
    return out


# --- Markdown ---------------------------------------------------------------------------------

def md_cell(value: object) -> str:
    """Text safe in a Markdown table cell: report.md's escaping (markdown.cell), one way for
    every Markdown flowmatrix writes."""
    from .markdown import cell

    return cell("" if value is None else value)


def _md_table(headings: list[str], rows: list[list]) -> str:
    numeric = [all(isinstance(r[i], int | float) for r in rows) and rows
               for i in range(len(headings))]
    lines = ["| " + " | ".join(md_cell(h) for h in headings) + " |",
             "| " + " | ".join("---:" if n else "---" for n in numeric) + " |"]
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def comparison_markdown(comparison: Comparison) -> bytes:
    w = COMPARE_WORDS[comparison.settings.lang]
    out = [f"# {w['title']}: {md_cell(comparison.old_name)} → {md_cell(comparison.new_name)}",
           "", f"**{md_cell(summary_line(comparison))}**", "", f"## {w['summary']}", "",
           _md_table(["", ""], summary_rows(comparison))]
    for _, heading, note, headings, rows in sections(comparison):
        out += ["", f"## {heading}", ""]
        if note:
            out += [note, ""]
        out.append(_md_table(headings, rows[:MAX_ROWS]) if rows else w["none"])
        if len(rows) > MAX_ROWS:
            out += ["", w["more"].format(n=len(rows) - MAX_ROWS)]
    return ("\n".join(out) + "\n").encode("utf-8")


# --- HTML -------------------------------------------------------------------------------------

# report.html's style (fonts, tables, phone and print rules: one look for both pages), and the
# marks of a changed field's old and new values.
STYLE = REPORT_STYLE + """
header p{margin:.3rem 0 0;font-size:1.1rem;font-weight:bold;opacity:1}
td.old{background:#fde8e8}td.new{background:#fff4c2}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _html_table(headings: list[str], rows: list[list], marked: dict[int, str]) -> str:
    """marked: column → css class (the old and new values of a changed field)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(
        f'<td class="{marked.get(i) or ("n" if isinstance(v, int | float) else "")}">'
        f"{_e(v)}</td>" for i, v in enumerate(row)) + "</tr>" for row in rows)
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def comparison_html(comparison: Comparison) -> bytes:
    lang = comparison.settings.lang
    w = COMPARE_WORDS[lang]
    title = f"{w['title']}: {comparison.old_name} → {comparison.new_name}"
    summary = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                      for k, v in summary_rows(comparison))
    body = [f"<section><h2>{_e(w['summary'])}</h2><table><tbody>{summary}</tbody></table>"
            "</section>"]
    for key, heading, note, headings, rows in sections(comparison):
        marked = {len(headings) - 2: "old", len(headings) - 1: "new"} if key == "changed" \
            else {}
        html = f'<p class="note">{_e(note)}</p>' if note else ""
        html += (_html_table(headings, rows[:MAX_ROWS], marked) if rows
                 else f"<p>{_e(w['none'])}</p>")
        if len(rows) > MAX_ROWS:
            html += f'<p class="note">{_e(w["more"].format(n=len(rows) - MAX_ROWS))}</p>'
        body.append(f'<section id="{key}"><h2>{_e(heading)}</h2>{html}</section>')
    page = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body><header>"
            f"<h1>{_e(title)}</h1><p>{_e(summary_line(comparison))}</p></header>"
            f"<main>{''.join(body)}</main></body></html>\n")
    return page.encode("utf-8")


# --- JSON -------------------------------------------------------------------------------------

def _case_dict(case: Case | None, key: str | None) -> dict | None:
    if case is None:
        return None
    values = {f: list(v) if f in TYPE_FIELDS else v for f, v in case.values.items()}
    values["theme_id"] = values.pop("theme")
    return {key or "case_id": case.key, "file": case.file, "sheet": case.sheet,
            "row": case.row, **values}


def comparison_dict(comparison: Comparison) -> dict:
    """Every change for programs: ids and values, no words (theme labels beside theme ids)."""
    key = comparison.key
    labels = comparison.taxonomies.themes.labels(comparison.settings.lang)

    def plain(value):
        return list(value) if isinstance(value, tuple) else value

    changes = []
    for c in comparison.cases:
        if c.kind == "same":
            continue
        entry = {"kind": c.kind, "file": c.file, "rule": c.rule, "similarity": c.similarity,
                 "old": _case_dict(c.old, key), "new": _case_dict(c.new, key)}
        if c.kind == "changed":
            entry["fields"] = [
                {"field": "theme_id" if f == "theme" else f,
                 "old": plain(_field_values(c, f)[0]), "new": plain(_field_values(c, f)[1])}
                for f in c.fields]
        changes.append(entry)
    moves = [{"file": c.file, "old_id": c.old.key, "new_id": c.new.key,
              "old_theme_id": c.old.values["theme"], "new_theme_id": c.new.values["theme"],
              "old_theme_source": c.old.theme_source, "new_theme_source": c.new.theme_source,
              "old_matched_terms": [list(t) for t in c.old.matched_terms],
              "new_matched_terms": [list(t) for t in c.new.matched_terms]}
             for c in comparison.theme_moves]
    return {
        "old": {"name": comparison.old_name, "cases": comparison.old_cases},
        "new": {"name": comparison.new_name, "cases": comparison.new_cases},
        "key": key, "threshold": comparison.threshold,
        "fields": ["theme_id" if f == "theme" else f for f in FIELDS],
        "summary": {**comparison.counts, "theme_changed": len(comparison.theme_moves),
                    "id_changed": sum(key in c.fields for c in comparison.cases)},
        "files": [{"name": n, "old": o, "new": w} for n, o, w in comparison.files],
        "changes": changes,
        "theme_tally": [{**r, "theme": labels.get(r["theme_id"], r["theme_id"])}
                        for r in comparison.theme_tally],
        "theme_moves": moves,
        "flows": comparison.flows,
        "municipalities": comparison.municipalities,
    }


# --- xlsx -------------------------------------------------------------------------------------

CHANGED_FILL = "#FFF2CC"


def comparison_workbook(comparison: Comparison, path: Path) -> Path:
    """report.xlsx: the summary, a sheet per kind of change (added, removed, changed — the
    changed one with an old and a new row per case, the changed cells filled), then the theme
    tally, theme changes, flows and municipalities."""
    from .xlsx import _Book, _put, _row, _rows

    lang = comparison.settings.lang
    names, w = COMPARE_SHEETS[lang], COMPARE_WORDS[lang]
    out = _Book(path)
    filled = out.book.add_format({"text_wrap": True, "valign": "top", "bg_color": CHANGED_FILL,
                                  "border": 1, "border_color": "#BF9000"})
    summary = out.sheet(names["summary"], [26, 60], one_page=True)
    _put(summary, 0, 0, w["title"], out.bold)
    _put(summary, 1, 0, summary_line(comparison), out.bold)
    for row, (label, value) in enumerate(summary_rows(comparison), start=2):
        _put(summary, row, 0, label, out.bold)
        _put(summary, row, 1, value)
    parts = {key: (heading, note, headings, rows)
             for key, heading, note, headings, rows in sections(comparison)}

    def plain_sheet(name: str, keys: list[str]) -> None:
        first = parts[keys[0]][2]
        widths = [14 if len(h) < 8 else 26 for h in first]
        sheet = out.sheet(name, widths)
        row = 0
        for key in keys:
            heading, note, headings, rows = parts[key]
            _put(sheet, row, 0, f"{heading} — {note}" if note else heading, out.bold)
            _row(sheet, row + 1, headings, out.header)
            _rows(sheet, row + 2, rows or [[w["none"]]], [out.wrap] * len(headings))
            row += len(rows or [0]) + 3

    for kind in ("added", "removed"):
        plain_sheet(names[kind], [kind])
    _changed_sheet(out, comparison, names["changed"], filled)
    plain_sheet(names["theme_tally"], ["theme_tally"])
    plain_sheet(names["theme_moves"], ["theme_moves"])
    plain_sheet(names["flows"], ["flows_new", "flows_vanished"])
    plain_sheet(names["municipalities"], ["municipalities", *(
        ["files"] if "files" in parts else [])])
    out.done()
    return path


def _changed_sheet(out, comparison: Comparison, name: str, filled) -> None:
    from .xlsx import _put, _row

    words, cols = _Words(comparison), COMPARE_COLUMNS[comparison.settings.lang]
    key = comparison.key
    fields = [*([key] if key else []), *FIELDS]
    headings = [*words.where(), cols["side"], cols["rule"], *[words.field(f) for f in fields],
                CASE_COLUMNS[words.lang]["sheet"], CASE_COLUMNS[words.lang]["row"]]
    widths = [12] * len(words.where()) + [8, 16] + [10 if f == key else 24 for f in fields] \
        + [12, 6]
    sheet = out.sheet(name, widths, header_rows=1)
    sheet.freeze_panes(1, 0)
    _row(sheet, 0, headings, out.header)
    row = 0
    for change in comparison.of_kind("changed"):
        for side, case in ((cols["old"], change.old), (cols["new"], change.new)):
            row += 1
            lead = [*([change.file] if words.batch else []), side, words.rule(change)]
            _row(sheet, row, lead, out.wrap)
            for column, field in enumerate(fields, start=len(lead)):
                value = case.key if field == key else words.value(field, case.values[field])
                _put(sheet, row, column, value, filled if field in change.fields else out.wrap)
            _put(sheet, row, len(lead) + len(fields), case.sheet or "")
            _put(sheet, row, len(lead) + len(fields) + 1, case.row)
    if not row:
        _put(sheet, 1, 0, COMPARE_WORDS[words.lang]["none"])


# --- the folder -------------------------------------------------------------------------------

def write_comparison(comparison: Comparison, folder: str | Path, *,
                     formats: tuple[str, ...] = COMPARE_FORMATS) -> Path:
    """Write the chosen formats into `folder`, replacing it as a whole once all are written
    (render/folder.py `replacing`); refuses a folder that holds one of the compared files."""
    from .folder import replacing
    from .serialise import json_bytes

    folder = Path(folder)
    for source in comparison.sources:
        if Path(source).resolve().is_relative_to(folder.resolve()):
            raise FlowmatrixError("the report folder would hold a compared file; choose "
                                  "another --out", path=str(folder), code="output-is-input")
    with replacing(folder) as work:
        if "md" in formats:
            (work / FILES["md"]).write_bytes(comparison_markdown(comparison))
        if "html" in formats:
            (work / FILES["html"]).write_bytes(comparison_html(comparison))
        if "json" in formats:
            (work / FILES["json"]).write_bytes(json_bytes(comparison_dict(comparison)))
        if "xlsx" in formats:
            comparison_workbook(comparison, work / FILES["xlsx"])
    return folder
