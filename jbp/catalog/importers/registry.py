"""The importer registry: every format module's loaders by file type, and format detection by content."""

from __future__ import annotations

from pathlib import Path

from jbp.catalog.definitions import Definitions
from jbp.catalog.importers import bmecat, cpl, jsonfile, tabular
from jbp.catalog.importers.mapping import Mapping
from jbp.catalog.records import ParsedCatalog
from jbp.errors import CatalogImportError, Location, NotFoundError

LOADERS = {**tabular.loaders, **jsonfile.loaders, **bmecat.loaders, **cpl.loaders}


def detect_format(path: Path) -> str:
    """The registry key for a file, by its content first and its name second."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise CatalogImportError(f"cannot open file: {exc.strerror}", Location(file=str(path))) from exc
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if bmecat.sniff_bmecat(head) or stripped.startswith(b"<"):
        return "bmecat"  # any XML goes to the BMEcat reader, which names the root it found if it is not BMEcat
    if stripped.startswith(b"{"):
        return "json"
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in LOADERS else "csv"


def read_catalog(path: Path | str, definitions: Definitions, mapping: Mapping | None = None,
                 sheet: str | None = None) -> ParsedCatalog:
    """Parse a catalog file of any supported format into raw products (not yet validated)."""
    path = Path(path)
    fmt = detect_format(path)
    if sheet is not None and fmt not in tabular.loaders:
        raise NotFoundError(f"{path} is a {fmt} file, which has no sheet {sheet!r}")
    if fmt == "bmecat":
        return bmecat.load_bmecat(path)
    return LOADERS[fmt](path, definitions, mapping or Mapping(), sheet=sheet)
