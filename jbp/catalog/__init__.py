"""The catalog: definitions, importers, quality and export (and, on top, search, selection, 3D models).

Public calls are re-exported here and loaded on first use, so `import jbp.catalog` stays cheap.
"""

from __future__ import annotations

from jbp.lazy import lazy_exports

_EXPORTS = {
    "define": "jbp.catalog.definitions",
    "read_definitions_file": "jbp.catalog.definitions",
    "load_definitions": "jbp.catalog.definitions",
    "Definitions": "jbp.catalog.definitions",
    "import_catalog": "jbp.catalog.importing",
    "ImportOptions": "jbp.catalog.importing",
    "ImportReport": "jbp.catalog.importing",
    "describe_layout": "jbp.catalog.layout",
    "quality": "jbp.catalog.quality",
    "select": "jbp.catalog.selection",
    "search": "jbp.catalog.textsearch",
    "substitutes": "jbp.catalog.substitution",
    "import_xrefs": "jbp.catalog.substitution",
    "export_catalog": "jbp.catalog.export",
    "Product": "jbp.catalog.models",
    "Category": "jbp.catalog.models",
    "ParameterDef": "jbp.catalog.models",
    "Brand": "jbp.catalog.models",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
