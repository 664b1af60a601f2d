"""Settings: every default of flowmatrix, defined once.

One frozen `Settings` carries what a run needs besides the input: how to read the file, which
taxonomies classify it, how many rows the views keep, and the language of the output. The CLI
builds it once from its options (their defaults are read from here), the batch and a notebook
build it with keywords, and `dataclasses.replace` derives a variant::

    settings = Settings(lang="en", top=8)
    english_themes = replace(settings, themes=Path("my_themes.toml"))

Settings hold plain values (paths, numbers, text), never loaded objects: taxonomies are loaded
from these paths by the classification layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

MiB = 2**20
# Separators between several items in one cell, after NFKC normalisation
# (so the full-width ／ ， ； are covered by / , ;). Newlines always separate.
DEFAULT_SEPARATORS = "/、,;"
LANGUAGES = ("ja", "en")
# `compare`: how alike (difflib ratio, 0-1) the normalised title and four elements of two cases
# must be to count as one case whose id or text changed. Distinct cases of the sample score at
# most 0.47; a case with one element rewritten scores about 0.8.
SIMILARITY_THRESHOLD = 0.6

# How similar (0-100, rapidfuzz's Indel ratio of character bigrams) two names must be for
# `flowmatrix names` to suggest them as one: 母子手帳アプリ and 母子健康手帳アプリ score 71, the
# different services 防災アプリ and 防犯アプリ 50.
DEFAULT_NAME_THRESHOLD = 70

# A municipality page lists a typed flow (① type → ② category → ③ type) that it lacks as
# "what peers do" when at least this many other municipalities have it: one peer is an
# anecdote, two make a pattern a planner can ask about.
PEER_MIN = 2
# Municipality pages with charts: the ones with the most cases. A national inventory has
# pages for a thousand municipalities; a thousand flow charts would take minutes and make
# report.html hundreds of megabytes, while the pages' tables stay for every municipality.
PAGE_CHARTS = 30
# A theme gets its own flow chart in a report from this many cases on. A flow chart shows where
# cases share a service or data; with fewer cases each band is one case, which the report's
# cases table and the theme's 代表的なデータ連携の例 already list (in the sample, the themes of
# 1-4 cases share no node), while the chart costs as much to draw as one of hundreds of cases.
FLOW_CHART_MIN_CASES = 5
# Processes drawing a report's charts at most (one per core up to this): each imports
# matplotlib and holds a figure, 120-140 MB apiece, so a 32-core server must not start 30.
CHART_WORKERS = 4
# Paths a glob (`'**/*.csv'`) may match: a folder linked into itself makes `**` match without
# end (two such links: for ever), while a batch of every municipality is under 2,000 files.
GLOB_MAX_PATHS = 20_000


# The header row is looked for in the first rows of a sheet. The row limit counts cases; while
# a file is read, before its header is known, these rows (a title, the header) are allowed on
# top of it, and the cases are counted exactly once the header is found.
HEADER_SCAN_ROWS = 50


@dataclass(frozen=True)
class Limits:
    """What flowmatrix refuses to read, so a crafted file cannot take all memory or time.
    Raise them with --max-file-size, --max-uncompressed-size and --max-rows."""

    max_file_bytes: int = 512 * MiB  # the file on disk
    max_uncompressed_bytes: int = 2048 * MiB  # all members of an xlsx/xlsm/ods zip, inflated
    max_ratio: int = 200  # inflated / compressed, for a member over 16 MiB inflated
    max_rows: int = 1_000_000  # cases (rows below the header; records of a JSON file)


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told, with its default.

    Reading: `sheet` (default: the first sheet whose header has the four elements), `encoding`
    of a CSV/TSV/JSON file (default: detected), `headers` (a TOML file of extra header
    aliases), `separators` (characters that split a cell into items), `limits`, `aliases` (a
    TOML file mapping service and data names to one canonical name each, applied to the items
    before they are counted; see `flowmatrix names`), `municipality` (keep only the cases of
    this municipality, its name compared without width, case or spaces), `kpis` (a file
    with a KPI table: 自治体, 指標, 年度, 目標, 実績, 単位, 出典; an inventory workbook's own KPI
    sheet is found without it).
    Classification: `themes`, `service_types`, `data_categories`, `value_types` (TOML files
    replacing or
    extending the packaged taxonomies; None: the packaged ones), `ignore_declared` (classify
    from the text alone, ignoring the theme column).
    Views: `top` (rows and columns of a report matrix before the rest is folded),
    `chart_top` (items per stage of a flow chart, rows and columns of a heatmap drawn alone),
    `top_flows` (the largest flows listed), `representative` (typical flows in kinds listed
    per theme, 代表的なデータ連携の例), `municipality_pages` (a page per municipality: its
    データ連携の概要, themes against the whole inventory, typed flow chart, KPIs, and what its
    peers do that it does not), `peers` (a reference inventory whose municipalities are the
    peers; default: the other municipalities of the inventory), `peer_flows` (flows listed
    per page).
    Output: `lang` ("ja" or "en").
    """

    sheet: str | None = None
    encoding: str | None = None
    headers: Path | None = None
    separators: str = DEFAULT_SEPARATORS
    limits: Limits = field(default_factory=Limits)
    aliases: Path | None = None
    municipality: str | None = None
    kpis: Path | None = None
    themes: Path | None = None
    service_types: Path | None = None
    data_categories: Path | None = None
    value_types: Path | None = None
    ignore_declared: bool = False
    top: int = 12
    chart_top: int = 10
    top_flows: int = 10
    representative: int = 5
    municipality_pages: bool = False
    peers: Path | None = None
    peer_flows: int = 5
    lang: str = "ja"

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {self.lang!r}")
        for name in ("top", "chart_top", "top_flows", "representative", "peer_flows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")

    def replace(self, **changes) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)


DEFAULTS = Settings()
