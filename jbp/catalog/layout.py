"""What an import would read from a file, without importing it (`jbp catalog import --show-mapping`)."""

from __future__ import annotations

from pathlib import Path

from jbp.catalog.definitions import load_definitions
from jbp.catalog.importers import tabular
from jbp.catalog.importers.mapping import read_mapping
from jbp.catalog.importers.registry import detect_format
from jbp.store import Store


def describe_layout(store: Store, path: Path | str, mapping: Path | str | None = None,
                    sheet: str | None = None) -> list[dict]:
    """Per sheet: the header row found and what each column was taken to mean."""
    path = Path(path)
    fmt = detect_format(path)
    if fmt not in tabular.loaders:  # XML, JSON, YAML: read by their structure
        return [{"file": str(path), "format": fmt,
                 "note": "fields are read from the file's own structure; no column mapping applies"}]
    with store.reading() as conn:
        definitions = load_definitions(conn)
    layouts, hidden = tabular.sheet_layouts(path, definitions, read_mapping(mapping), sheet)
    return [layout.describe() for layout in layouts] + [
        {"file": str(path), "sheet": name, "note": f"sheet {name!r} is hidden: not imported unless named with --sheet"}
        for name in hidden]
