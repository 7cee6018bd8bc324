"""jbp: catalog digitisation, selection, substitution, 3D models, BOM ordering, JBP tiers and CRM
for industrial brands selling B2B. The `jbp` command is a thin layer over this library."""

from jbp.errors import (
    BomReadError,
    CatalogImportError,
    DataError,
    JbpError,
    Location,
    NotFoundError,
    RuleSyntaxError,
    StoreError,
    UnitError,
    WorkspaceError,
)

__version__ = "0.1.0"

__all__ = [
    "BomReadError", "CatalogImportError", "DataError", "JbpError", "Location", "NotFoundError",
    "RuleSyntaxError", "StoreError", "UnitError", "WorkspaceError", "__version__",
]
