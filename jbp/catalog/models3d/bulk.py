"""`jbp model add-dir`: attach every model file of a folder to the product its name names.

``--match`` is a file name pattern with one ``{sku}`` in it (``{sku}.*``, ``3D_{sku}_rev?.step``,
``cad/{sku}.stp``): ``*`` stands for any characters, ``?`` for one, neither crosses a ``/``; it is
matched against each file's path inside the folder. Each file is attached on its own, so a bad file
or an unknown SKU is reported and the others still go in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from jbp.errors import DataError, JbpError, Location
from jbp.workspace import Workspace

from .attach import AttachResult, ModelAttacher

ProgressCallback = Callable[[int], None]
PLACEHOLDER = "{sku}"


class FileProblem(BaseModel):
    file: str
    sku: str | None
    error: str


class BulkReport(BaseModel):
    folder: str
    pattern: str
    files: int = 0  # files in the folder
    matched: int = 0  # files whose name matched the pattern
    attached: int = 0
    replaced: int = 0
    unchanged: int = 0
    reread: int = 0
    new_models: int = 0  # distinct contents stored by this run
    already_stored: int = 0  # files whose content was stored before (by this run or an earlier one)
    skipped: list[str] = []  # names that did not match the pattern
    problems: list[FileProblem] = []
    results: list[AttachResult] = []


def sku_pattern(pattern: str) -> re.Pattern[str]:
    """The regular expression of a ``{sku}`` file name pattern; DataError if it has no or two ``{sku}``."""
    if pattern.count(PLACEHOLDER) != 1:
        raise DataError(f"the pattern must contain {PLACEHOLDER} exactly once, e.g. \"{PLACEHOLDER}.*\"",
                        Location(value=pattern))
    before, after = pattern.split(PLACEHOLDER)
    return re.compile(f"{_glob(before)}(?P<sku>[^/]+?){_glob(after)}")


def _glob(text: str) -> str:
    return "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in text)


def add_models_from_dir(workspace: Workspace, folder: Path | str, *, match: str = "{sku}.*",
                        brand: str | None = None, assume_units: str | None = None,
                        progress: ProgressCallback | None = None) -> BulkReport:
    """Attach each file of ``folder`` (and its subfolders) whose path matches ``match`` to the SKU it names."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("not a folder", Location(file=str(folder)))
    pattern = sku_pattern(match)
    report = BulkReport(folder=str(folder), pattern=match)
    by_sku: dict[str, list[Path]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        report.files += 1
        name = path.relative_to(folder).as_posix()
        found = pattern.fullmatch(name)
        if found is None:
            report.skipped.append(name)
        else:
            by_sku.setdefault(found["sku"], []).append(path)
    report.matched = sum(len(paths) for paths in by_sku.values())
    attacher = ModelAttacher(workspace)
    for sku, paths in by_sku.items():
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            report.problems += [FileProblem(file=str(p), sku=sku, error=f"{sku} is named by several files: {names}")
                                for p in paths]
        else:
            _add_one(attacher, report, sku, paths[0], brand, assume_units)
        if progress:
            progress(len(paths))
    return report


def _add_one(attacher: ModelAttacher, report: BulkReport, sku: str, path: Path, brand: str | None,
             assume_units: str | None) -> None:
    try:
        result = attacher.add(sku, path, brand=brand, assume_units=assume_units)
    except JbpError as error:
        report.problems.append(FileProblem(file=str(path), sku=sku, error=str(error)))
        return
    setattr(report, result.status, getattr(report, result.status) + 1)
    if result.new_model:
        report.new_models += 1
    else:
        report.already_stored += 1
    report.results.append(result)
