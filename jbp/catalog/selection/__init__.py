"""Parametric selection (选型): filter a category by parameter conditions, sort, page, and count facets.

    from jbp.catalog.selection import select
    result = select(workspace, "contactor", ["rated_current>=9A", "coil_voltage=220VAC"], facets=True)

Answers come from a per-category columnar index (`columnar.py`) kept current by imports
(`SelectionIndex`, registered in jbp.catalog.indexes) and checked against the store on every query.
Names load on first use, so a `jbp select` process compiles neither the indexer nor, without facets, `facets.py`.
"""

from __future__ import annotations

from jbp.lazy import lazy_exports

_EXPORTS = {
    "Facet": "jbp.catalog.selection.facets",
    "FacetValue": "jbp.catalog.selection.facets",
    "CategoryBuild": "jbp.catalog.selection.indexer",
    "SelectionIndex": "jbp.catalog.selection.indexer",
    "rebuild_selection_index": "jbp.catalog.selection.indexer",
    "Column": "jbp.catalog.selection.selecting",
    "Match": "jbp.catalog.selection.selecting",
    "SelectedProduct": "jbp.catalog.selection.selecting",
    "Selection": "jbp.catalog.selection.selecting",
    "select": "jbp.catalog.selection.selecting",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
