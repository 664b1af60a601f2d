"""The options several commands share, each declared once, with its default read from
`flowmatrix.settings.DEFAULTS`; and `settings_options`, which adds a group of them to a command
and hands the command one `Settings` built from them.

    @command("…")
    @settings_options("read", "taxonomies", "lang")
    def tally(file: …, *, by: …, settings: Settings) -> None: …
"""

from __future__ import annotations

import functools
import inspect
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..render.registry import MACHINE_FORMATS
from ..settings import DEFAULTS, Limits, MiB, Settings
from .console import use_language


class PageBy(StrEnum):
    municipality = "municipality"


class Lang(StrEnum):
    ja = "ja"
    en = "en"


# analyze --findings: the formats of render/ci.py, named once in render/registry.py
FindingsFormat = StrEnum("FindingsFormat", {name: name for name in MACHINE_FORMATS})
LangOption = Annotated[Lang, typer.Option("--lang", envvar="FLOWMATRIX_LANG",
                                          help="Language of reports, tables and messages: ja "
                                          "or en (or set FLOWMATRIX_LANG).")]
OutputOption = Annotated[Path | None, typer.Option(
    "-o", "--output", help="Write to this file instead of the terminal.", dir_okay=False)]
ThemeOption = Annotated[str | None, typer.Option(
    "--theme", help="Only cases of this theme id, e.g. health.")]
FileArgument = Annotated[Path, typer.Argument(metavar="FILE", help="The inventory file.",
                                              show_default=False)]

_LIMITS = DEFAULTS.limits


def _option(name: str, annotation, default) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


# group → the parameters it adds; every default from DEFAULTS.
GROUPS = {
    "read": [
        _option("sheet", Annotated[str | None, typer.Option(
            "--sheet", help="Sheet to read. Default: the first sheet whose header has the four "
            "elements and a case under it (other such sheets are named in a warning).")],
            DEFAULTS.sheet),
        _option("encoding", Annotated[str | None, typer.Option(
            "--encoding", help="Encoding of a CSV/TSV/JSON file, e.g. cp932. Default: detected "
            "(BOM, UTF-8, else cp932/Shift_JIS).")], DEFAULTS.encoding),
        _option("headers", Annotated[Path | None, typer.Option(
            "--headers", help="TOML file of extra header aliases, same form as "
            "flowmatrix/data/headers.toml; added to the built-in ones.", dir_okay=False)],
            DEFAULTS.headers),
        _option("separators", Annotated[str, typer.Option(
            "--separators", help="Characters that separate several items in one cell (after "
            "full-width forms become half-width; line breaks always separate).")],
            DEFAULTS.separators),
        _option("aliases", Annotated[Path | None, typer.Option(
            "--aliases", help="TOML file giving one canonical name to each group of service "
            "and data names (write it with flowmatrix names --write-aliases, then review it); "
            "names are mapped before counting, cases.csv keeps them as written. Example: "
            "--aliases aliases.toml", dir_okay=False)], DEFAULTS.aliases),
        _option("max_file_size", Annotated[int, typer.Option(
            "--max-file-size", min=1, help="Refuse input files larger than this many MiB.")],
            _LIMITS.max_file_bytes // MiB),
        _option("max_uncompressed_size", Annotated[int, typer.Option(
            "--max-uncompressed-size", min=1, help="Refuse workbooks that inflate to more than "
            "this many MiB (zip bombs).")],
            _LIMITS.max_uncompressed_bytes // MiB),
        _option("max_rows", Annotated[int, typer.Option(
            "--max-rows", min=1, help="Refuse sheets or files with more rows than this.")],
            _LIMITS.max_rows),
    ],
    "taxonomies": [
        _option("themes", Annotated[Path | None, typer.Option(
            "--themes", help="Your theme taxonomy (TOML). Replaces the built-in one, or adds to "
            'it when the file starts with extends = "default".', dir_okay=False)],
            DEFAULTS.themes),
        _option("service_types", Annotated[Path | None, typer.Option(
            "--service-types", help="Your service-type taxonomy (TOML, the form of "
            "flowmatrix/data/service_types.toml) for ① and ③ items. Replaces the built-in one, "
            'or adds to it when the file starts with extends = "default".', dir_okay=False)],
            DEFAULTS.service_types),
        _option("data_categories", Annotated[Path | None, typer.Option(
            "--data-categories", help="Your data-category taxonomy (TOML, the form of "
            "flowmatrix/data/data_categories.toml, with personal / sensitive flags) for ② "
            'items. Replaces the built-in one, or adds to it when the file starts with extends '
            '= "default".', dir_okay=False)], DEFAULTS.data_categories),
        _option("value_types", Annotated[Path | None, typer.Option(
            "--value-types", help="Your value-type taxonomy (TOML, the form of "
            "flowmatrix/data/value_types.toml) for ④ items. Replaces the built-in one, or adds "
            'to it when the file starts with extends = "default".', dir_okay=False)],
            DEFAULTS.value_types),
    ],
    "classify": [
        _option("ignore_declared", Annotated[bool, typer.Option(
            "--ignore-declared", help="Classify from the text alone, ignoring the theme "
            "column.")], DEFAULTS.ignore_declared),
    ],
    "lang": [_option("lang", LangOption, Lang(DEFAULTS.lang))],
    "municipality": [
        _option("municipality", Annotated[str | None, typer.Option(
            "--municipality", help="Only the cases of this municipality (自治体), its name "
            "compared without width, case or spaces. Example: --municipality 熊谷市")],
            DEFAULTS.municipality),
    ],
    "kpis": [
        _option("kpis", Annotated[Path | None, typer.Option(
            "--kpis", help="A file (xlsx, csv, …) with a KPI table: 自治体, 指標, 年度, 目標, "
            "実績, 単位, 出典. Default: the inventory workbook's own KPI sheet, found by those "
            "headers. analyze: implies --by municipality; validate: checks that table.",
            dir_okay=False)], DEFAULTS.kpis),
    ],
    "pages": [
        _option("by", Annotated[PageBy | None, typer.Option(
            "--by", help="municipality: also write a page per municipality — its cases, its "
            "データ連携の概要 by kind with the names beside, its themes against the whole "
            "inventory, its typed flow chart, its KPIs (target and actual per year) and the "
            "typed flows its peers have and it has not yet.", show_default=False)], None),
        _option("peers", Annotated[Path | None, typer.Option(
            "--peers", help="A reference inventory whose municipalities are the peers of every "
            "page. Default: the other municipalities of the inventory (or the batch). Implies "
            "--by municipality.", dir_okay=False)], DEFAULTS.peers),
    ],
}


def municipality_field(settings: Settings) -> dict:
    """{"municipality": NAME} for the JSON of a command run with --municipality NAME, so the
    output says whose cases it counts; nothing otherwise."""
    return {"municipality": settings.municipality} if settings.municipality else {}


def build_settings(values: dict) -> Settings:
    """The Settings of the options a command was given (names as in GROUPS)."""
    fields = dict(values)
    if "max_file_size" in fields:
        fields["limits"] = Limits(
            max_file_bytes=fields.pop("max_file_size") * MiB,
            max_uncompressed_bytes=fields.pop("max_uncompressed_size") * MiB,
            max_rows=fields.pop("max_rows"))
    if "by" in fields:  # --by municipality; --kpis and --peers are for the pages too
        fields["municipality_pages"] = (fields.pop("by") is not None
                                        or fields.get("kpis") is not None
                                        or fields["peers"] is not None)
    if "lang" in fields:
        fields["lang"] = str(fields["lang"].value if isinstance(fields["lang"], Lang)
                             else fields["lang"])
    return DEFAULTS.replace(**fields)


def settings_options(*groups: str):
    """Add the options of `groups` to a command; it receives them as `settings: Settings`."""
    extra = [parameter for group in groups for parameter in GROUPS[group]]
    names = {parameter.name for parameter in extra}

    def decorate(function):
        own = inspect.signature(function, eval_str=True)
        parameters = [p for p in own.parameters.values() if p.name != "settings"] + extra

        @functools.wraps(function)
        def wrapper(**values):
            settings = build_settings({k: values.pop(k) for k in names})
            use_language(settings.lang)
            return function(settings=settings, **values)

        del wrapper.__wrapped__  # typer reads the signature below, not the function's
        wrapper.__signature__ = own.replace(parameters=parameters)
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper
    return decorate
