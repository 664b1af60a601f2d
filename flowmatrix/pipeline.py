"""The pipeline: read → classify → check → count, the one way every command, the batch and a
notebook run the job.

    classify(source, settings) -> Classified   read, map names (--aliases), classify, check
    analyze(source, settings)  -> Analysis     the same, then count everything a report shows
    check_files(paths, settings) -> [FileResult]   classify each file, keep going past bad ones
    name_clusters(paths, settings) -> NameClusters  names that probably mean one thing (names)

`validate` shows the findings of `classify`, and `analyze` builds on the same call, so the two
can never disagree about an inventory.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .checks import check, check_kpis
from .classification.aliases import apply_aliases, load_aliases
from .classification.kinds import type_items
from .classification.names import NAME_ELEMENTS, NameCluster, cluster_names
from .classification.taxonomy import Taxonomies, load_taxonomies
from .classification.themes import classify_themes
from .errors import (
    EXIT_INVENTORY_ERRORS,
    EXIT_OK,
    FlowmatrixError,
    InventoryStructureError,
    shown_path,
    whole_text,
)
from .findings import Finding, count_by_severity, sort_findings
from .io.columns import ELEMENTS, load_header_aliases
from .io.inventory import Inventory, item_column, read_inventory, whole_inventory
from .io.kpis import Kpi, name_key, read_kpis
from .model.analysis import Analysis, build_analysis
from .settings import DEFAULT_NAME_THRESHOLD, DEFAULTS, Settings

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Classified:
    """One inventory read, classified and checked."""

    inventory: Inventory
    taxonomies: Taxonomies
    cases: pd.DataFrame  # the inventory's cases + theme and kind columns
    findings: list[Finding]
    settings: Settings
    kpis: list[Kpi] = field(default_factory=list)  # its KPI table's rows (io/kpis.py)

    def theme_id(self, text: str | None) -> str | None:
        """The theme id `text` names (an id, a label or an alias, as in the theme column);
        None for None; a usage error listing the themes otherwise."""
        if text is None:
            return None
        theme = self.taxonomies.themes.find_label(text)
        if theme is None:
            raise FlowmatrixError(f"--theme {text!r}: choose one of "
                                  + ", ".join(self.taxonomies.themes.ids), code="usage",
                                  params={"reason": "theme", "theme": text,
                                          "choices": ", ".join(
                                              f"{t.ja} ({t.id})"
                                              for t in self.taxonomies.themes.themes)})
        return theme.id

    def tally_columns(self) -> list[str]:
        """What a tally can count by: the theme, the kinds, and the inventory's own columns
        (canonical ones it has, under their ids, and its other columns under their headers)."""
        from .model.dimensions import TYPE_DIMENSIONS

        inventory = self.inventory
        own = [c for c in inventory.columns if c not in ("theme", *ELEMENTS)]
        return ["theme", *TYPE_DIMENSIONS, *own, *inventory.extra_columns]

    def dimension(self, name: str, option: str = "--rows") -> str:
        """The matrix dimension `name` means: an id (source_service, municipality, …) or a
        header of the inventory as written or by any alias (共有元サービス, 自治体名)."""
        from .model.dimensions import DIMENSIONS

        return self.column(name, list(DIMENSIONS), option)

    def column(self, name: str, choices: list[str], option: str = "--by") -> str:
        """The one of `choices` (column or dimension ids) that `name` means: the id, the header
        as the inventory wrote it (自治体名), or an alias of a canonical column; compared without
        case, width or spaces. A usage error naming the choices as the inventory wrote them,
        and the nearest one, otherwise."""
        import difflib

        from .io.text import header_key

        headers = {c: h for c, h in self.inventory.headers.items() if c in choices}
        known = {header_key(c): c for c in choices}
        known.update({header_key(h): c for c, h in headers.items()})
        found = known.get(header_key(name)) or load_header_aliases(
            self.settings.headers).match(name)
        if found in choices:
            return found
        shown = [f"{headers[c]} ({c})" if headers.get(c, c) != c else c for c in choices]
        near = difflib.get_close_matches(name, [*choices, *headers.values()], n=1, cutoff=0.5)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise FlowmatrixError(f"{option} {name!r}: no such column{hint} Choose one of: "
                              + ", ".join(shown), path=self.inventory.path, code="usage",
                              params={"reason": "column", "option": option, "name": name,
                                      "near": f"「{near[0]}」ではありませんか。" if near else "",
                                      "choices": ", ".join(shown)})


def classify(source: str | Path | Inventory, settings: Settings | None = None) -> Classified:
    """Read `source` (a path, or an Inventory already read), give every case its themes and
    every item its kind, and check it all.

    The cases gain theme_id, theme_source, keyword_theme_id, declared_theme_id,
    secondary_theme_ids, score, scores, matched_terms (classification/themes.py), and
    source_types, data_categories, target_types (one id per item) and sensitive
    (classification/kinds.py). With `settings.aliases`, the items of ①②③ are mapped to
    their canonical names first (classification/aliases.py: the items as written are kept in
    <element>_written_items), so everything typed and counted from them sees one name.
    """
    settings = settings or DEFAULTS
    taxonomies = load_taxonomies(settings)
    aliases = load_aliases(settings.aliases) if settings.aliases is not None else None
    with collecting_after():
        inventory = whole_inventory(source) if isinstance(source, Inventory) \
            else read_inventory(source, settings)
        cases, findings = inventory.cases, []
        if aliases is not None:
            cases, findings = apply_aliases(cases, aliases, inventory.path)
        cases = classify_themes(cases, taxonomies.themes,
                                ignore_declared=settings.ignore_declared)
        cases = type_items(cases, taxonomies)
        findings = check(inventory, cases, taxonomies) + findings
    kpis: list[Kpi] = []
    if settings.kpis is not None:  # a table kept apart may list other municipalities too
        kpis, found = read_kpis(settings.kpis, settings)
        findings += found
    else:  # a workbook's KPI sheet is part of the inventory, checked like its cases
        kpis, found = read_kpis(inventory.opened or inventory.path, settings,
                                skip_sheet=inventory.sheet, required=False)
        findings += found + check_kpis(kpis, cases)
    kpis = with_municipality(kpis, cases)
    findings = sort_findings(findings)
    if settings.municipality is not None:
        cases, findings = only_municipality(cases, findings, settings.municipality,
                                            inventory.path)
    return Classified(inventory, taxonomies, cases, findings, settings, kpis)


def with_municipality(kpis: list[Kpi], cases: pd.DataFrame) -> list[Kpi]:
    """The KPI rows, those with an empty 自治体 given the inventory's municipality when it
    has only one (so a batch's combined report still knows whose they are)."""
    import dataclasses

    names = ({str(n).strip() for n in cases["municipality"].fillna("")} - {""}
             if "municipality" in cases else set())
    if len(names) != 1:
        return kpis
    (name,) = names
    return [dataclasses.replace(k, municipality=name) if not k.municipality.strip() else k
            for k in kpis]


def only_municipality(cases: pd.DataFrame, findings: list[Finding], name: str,
                      path: str) -> tuple[pd.DataFrame, list[Finding]]:
    """The cases of one municipality (--municipality: its name compared without width, case
    or spaces), and the findings about them or about no row. A usage error naming the
    municipalities, and the nearest, when no case has it."""
    import difflib

    names = (cases["municipality"].fillna("").astype(str).str.strip()
             if "municipality" in cases else None)
    keys = names.map(name_key) if names is not None else None
    wanted = name_key(whole_text(name))  # no case names half a character (bytes of argv)
    if keys is None or not wanted or not (keys == wanted).any():
        written = list(dict.fromkeys(n for n in (names if names is not None else []) if n))
        near = difflib.get_close_matches(name, written, n=1, cutoff=0.5)
        shown = ", ".join(written[:20]) + (" …" if len(written) > 20 else "")
        reason = ("municipality-none" if not written else
                  "municipality-near" if near else "municipality")
        raise FlowmatrixError(
            f"--municipality {name!r}: no case names it"
            + (f"; did you mean {near[0]!r}?" if near else "")
            + (f" The inventory names: {shown}" if written else
               " The inventory has no municipality column or names none"),
            path=path, code="usage",
            params={"reason": reason, "name": name, "near": near[0] if near else "",
                    "choices": shown})
    kept = cases[keys == wanted]
    rows = set(kept["row"].tolist())
    return kept.reset_index(drop=True), [f for f in findings if f.row is None or f.row in rows]


@contextlib.contextmanager
def collecting_after():
    """Python's cycle collector paused while a job runs. Reading and counting make millions of
    strings and tuples, none of them in a cycle, and the collector walked them again and again:
    a fifth of the CPU of analyze on 100,000 cases (the peak memory is the same without it).
    The previous state is restored at the end, so nested calls and callers that keep it off
    are left as they were."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def analyze(source: str | Path | Inventory | Classified,
            settings: Settings | None = None) -> Analysis:
    """Everything a report shows of one inventory: `classify`, then every tally, matrix and
    flow counted once (model/analysis.py)."""
    if isinstance(source, Classified):
        classified = source
        settings = settings or classified.settings
        changed = [name for name in CLASSIFYING if getattr(settings, name)
                   != getattr(classified.settings, name)]
        if changed:
            raise ValueError(f"the cases were classified with other {', '.join(changed)}: "
                             "classify again with these settings")
    else:
        classified = classify(source, settings)
        settings = classified.settings
    inventory = classified.inventory
    peers = reference_cases(settings)
    with collecting_after():
        return build_analysis(Path(inventory.path).stem, [inventory.path], inventory.sheet,
                              classified.cases, classified.findings, settings,
                              classified.taxonomies, kpis=classified.kpis, peers=peers)


def reference_cases(settings: Settings) -> pd.DataFrame | None:
    """The typed cases of the reference inventory whose municipalities are the peers of every
    municipality page (--peers); None without one. Read once per run and settings."""
    if settings.peers is None or not settings.municipality_pages:
        return None
    stat = Path(settings.peers).stat() if Path(settings.peers).is_file() else None
    return _reference_cases(settings.replace(sheet=None, encoding=None, municipality=None,
                                             kpis=None, municipality_pages=False),
                            (stat.st_mtime_ns, stat.st_size) if stat else None)


@functools.lru_cache(maxsize=2)  # a batch reads the reference once (keyed by its mtime)
def _reference_cases(settings: Settings, version: tuple | None) -> pd.DataFrame:
    cases = classify(settings.peers, settings.replace(peers=None)).cases
    if "municipality" not in cases or not cases["municipality"].astype(str).str.strip().any():
        raise FlowmatrixError("--peers: the reference inventory names no municipality, so it "
                              "has no peers to compare with", path=str(settings.peers),
                              code="usage", params={"reason": "peers"})
    return cases


# The settings that decide what the cases are; the others only decide what is counted or shown.
CLASSIFYING = ("sheet", "encoding", "headers", "separators", "limits", "aliases",
               "municipality", "kpis", "themes", "service_types",
               "data_categories", "value_types", "ignore_declared")


@dataclass
class FileResult:
    """What `validate` says about one file: its findings, or why it could not be read."""

    path: str
    sheet: str | None = None
    cases: int = 0
    findings: list[Finding] = field(default_factory=list)
    error: FlowmatrixError | None = None  # set when the file could not be read at all
    # row → the case there, for the rows with findings: its id, or without one a digest of its
    # four elements. A baseline knows a finding by its case, as rows move when rows are added.
    case_ids: dict[int, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return count_by_severity(self.findings)

    def exit_code(self, strict: bool = False) -> int:
        if self.error is not None and not isinstance(self.error, InventoryStructureError):
            return self.error.exit_code
        counts = self.counts
        if counts["error"] or (strict and counts["warning"]):
            return EXIT_INVENTORY_ERRORS
        return EXIT_OK


def check_files(paths: list[str | Path], settings: Settings | None = None) -> list[FileResult]:
    """`classify` each file and keep its findings. A file that cannot be read becomes a result
    with `error` set and one error finding, so one bad file does not hide the others. A bad
    taxonomy or headers file raises: then nothing can be checked."""
    settings = settings or DEFAULTS
    load_taxonomies(settings)  # fail once, up front, on a bad taxonomy
    load_header_aliases(settings.headers)  # … or a bad --headers file
    if settings.aliases is not None:
        load_aliases(settings.aliases)  # … or a bad --aliases file
    results = []
    for path in paths:
        try:
            classified = classify(path, settings)
        except FlowmatrixError as exc:
            results.append(_failed(path, exc))
            continue
        results.append(_checked(path, classified.inventory.sheet, classified.cases,
                                classified.findings))
    return results


def _failed(path: str | Path, error: FlowmatrixError) -> FileResult:
    """The result of a file that could not be read: the structure findings that say why, or
    one error finding."""
    if isinstance(error, InventoryStructureError):
        return FileResult(shown_path(path), error.sheet, 0, error.findings, error)
    finding = Finding("error", error.code, error.message, file=shown_path(path))
    return FileResult(shown_path(path), None, 0, [finding], error)


def _checked(path: str | Path, sheet: str | None, cases: pd.DataFrame,
             findings: list[Finding]) -> FileResult:
    return FileResult(shown_path(path), sheet, len(cases), findings,
                      case_ids=case_ids(findings, cases))


def analysis_result(path: str | Path, analysis: Analysis | None,
                    error: FlowmatrixError | None = None) -> FileResult:
    """The FileResult of one input of `analyze` (its Analysis, or the error that stopped it),
    so its findings can be written in validate's formats."""
    if analysis is None:
        return _failed(path, error)
    return _checked(path, analysis.sheet, analysis.cases, analysis.findings)


def case_ids(findings: list[Finding], cases: pd.DataFrame) -> dict[int, str]:
    """FileResult.case_ids of `cases` (an inventory's, or an Analysis's): row → case id, or a
    digest of the four elements where the case has none, for the rows with findings only."""
    import hashlib

    import pandas as pd

    rows = {f.row for f in findings if f.row is not None}
    ids = {}
    for row, case_id, *elements in cases.loc[cases["row"].isin(rows),
                                             ["row", "case_id", *ELEMENTS]].itertuples(
                                                 index=False):
        if pd.isna(case_id) or str(case_id).strip() == "":
            text = "\x1f".join("" if pd.isna(e) else str(e) for e in elements)
            case_id = "elements:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        ids[int(row)] = str(case_id).strip()
    return ids

@dataclass
class NameClusters:
    """What `names` found across inventories: for each kind ("service": ① and ③, "data":
    ②) how many distinct names the inventories write, and the clusters of names that
    probably mean one thing, largest first."""

    sources: list[str]
    threshold: int
    distinct: dict[str, int]
    clusters: list[NameCluster]


def name_clusters(sources: list[str | Path], settings: Settings | None = None, *,
                  kinds: tuple[str, ...] = tuple(NAME_ELEMENTS),
                  threshold: int = DEFAULT_NAME_THRESHOLD) -> NameClusters:
    """Read every inventory of `sources` and cluster the names of `kinds` they write
    (classification/names.py), each name counted once per case and element naming it. With
    `settings.aliases`, names are counted under their canonical names first, so the
    clusters are what the alias file does not merge yet. A file that cannot be read raises,
    naming it: clusters over some of the files would look complete."""
    from collections import Counter

    settings = settings or DEFAULTS
    aliases = load_aliases(settings.aliases) if settings.aliases is not None else None
    counts: dict[str, Counter] = {kind: Counter() for kind in kinds}
    for source in sources:
        inventory = read_inventory(source, settings)
        cases = inventory.cases
        if aliases is not None:
            cases, _ = apply_aliases(cases, aliases, inventory.path)
        for kind in kinds:
            for element in NAME_ELEMENTS[kind]:
                for items, n in Counter(cases[item_column(element)].tolist()).items():
                    for item in items:
                        counts[kind][item] += n
    clusters = [cluster for kind in kinds
                for cluster in cluster_names(counts[kind], kind=kind, threshold=threshold)]
    return NameClusters([shown_path(s) for s in sources], threshold,
                        {kind: len(counts[kind]) for kind in kinds}, clusters)
