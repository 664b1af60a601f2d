"""Compare two versions of an inventory, or two batches: read both through the one pipeline,
pair the files by name and hand the classified cases to model/compare.py.

This sits beside batch.py (a sibling in the layer contract), not at the pipeline layer: it
expands folders and globs with batch.expand_inputs, so `compare("2023/", "2024/")` works from a
notebook as from the command line, and it calls pipeline.classify for each file.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from .batch import expand_inputs
from .errors import FlowmatrixError, shown_path
from .settings import DEFAULTS, SIMILARITY_THRESHOLD, Settings

if TYPE_CHECKING:
    from .model.compare import Comparison


def compare(old: str | Path | list[str | Path], new: str | Path | list[str | Path],
            settings: Settings | None = None, *, key: str | None = None,
            threshold: float = SIMILARITY_THRESHOLD,
            passed_over: list[tuple[Path, list[str]]] | None = None) -> Comparison:
    """What changed from `old` to `new`: each a file, a folder, a glob or a list of them.

    Two files are compared with each other; otherwise the files are paired by name (without
    the extension, so cases.xls pairs with cases.xlsx) and a file only one side has counts as
    all its cases added or removed. Cases are matched by `key` (a column: its id, its header
    as written, or an alias; default the case id column, where both files have one), then by
    their normalised title and four elements at least `threshold` alike. `passed_over` gets
    the report folders passed over with other files in them (batch.expand_inputs)."""
    from .classification.taxonomy import load_taxonomies
    from .io.columns import load_header_aliases
    from .model.compare import compare_cases
    from .pipeline import classify

    settings = settings or DEFAULTS
    taxonomies = load_taxonomies(settings)  # a bad taxonomy or headers file fails up front
    load_header_aliases(settings.headers)
    old_args, new_args = _arguments(old), _arguments(new)
    old_paths, new_paths = _expand(old_args, passed_over), _expand(new_args, passed_over)
    if len(old_paths) == 1 and len(new_paths) == 1 and all(
            Path(str(a)).is_file() for a in (*old_args, *new_args)):
        files = [(new_paths[0].stem, old_paths[0], new_paths[0])]
    else:
        files = _pair_by_name(old_paths, new_paths)
    pairs, columns = [], []
    for name, old_path, new_path in files:
        old_cases, new_cases = (
            None if path is None else _cases(classify(path, settings), key, columns)
            for path in (old_path, new_path))
        pairs.append((shown_path(name), old_cases, new_cases))
    comparison = compare_cases(
        pairs, taxonomies, settings, key=columns[0] if columns else "case_id",
        threshold=threshold, old_name=_name(old_args), new_name=_name(new_args),
        files=[(shown_path(n), o and shown_path(o.name), w and shown_path(w.name))
               for n, o, w in files])
    comparison.sources = (*old_paths, *new_paths)
    return comparison


def _arguments(value) -> list[str | Path]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _expand(arguments: list[str | Path], passed_over: list | None) -> list[Path]:
    paths = expand_inputs(arguments, passed_over=passed_over)
    if not paths:
        raise FlowmatrixError("no inventory files found in "
                              + ", ".join(str(a) for a in arguments), code="no-input")
    return paths


def _name(arguments: list[str | Path]) -> str:
    """How the report names a side: the names of its files and folders (so a report does not
    depend on where they are), a glob as it was written."""
    return ", ".join(shown_path(Path(str(a)).name if Path(str(a)).exists() else str(a))
                     for a in arguments)


def _stem(path: Path) -> str:
    return unicodedata.normalize("NFKC", path.stem).casefold()


def _pair_by_name(old: list[Path], new: list[Path]) -> list[tuple[str, Path | None,
                                                                   Path | None]]:
    """(name, old file, new file) for every file name on either side, sorted by name."""
    sides = []
    for paths in (old, new):
        named: dict[str, Path] = {}
        for path in paths:
            if _stem(path) in named:
                raise FlowmatrixError(
                    f"two files are named {path.stem!r} ({named[_stem(path)]}, {path}): "
                    "files are paired by name, so compare them one pair at a time",
                    code="usage")
            named[_stem(path)] = path
        sides.append(named)
    names = sorted(sides[0].keys() | sides[1].keys())
    return [((sides[1].get(n) or sides[0][n]).stem, sides[0].get(n), sides[1].get(n))
            for n in names]


def _cases(classified, key: str | None, columns: list[str]):
    """The classified cases. With --key (named as the inventory writes it, by column id or
    by an alias): the column it names, under the name it has in the first file read (kept
    in `columns`), so files that spell it differently still match."""
    cases = classified.cases
    if key is None:
        return cases
    inventory = classified.inventory
    column = classified.column(key, [*inventory.columns, *inventory.extra_columns], "--key")
    columns.append(column)
    return cases if column == columns[0] else cases.assign(**{columns[0]: cases[column]})
