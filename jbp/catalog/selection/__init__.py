"""Parametric selection (选型): filter a category by parameter conditions, sort, page, and count facets.

    from jbp.catalog.selection import select
    result = select(workspace, "contactor", ["rated_current>=9A", "coil_voltage=220VAC"], facets=True)

Answers come from a per-category columnar index (`columnar.py`) kept current by imports
(`SelectionIndex`, registered in jbp.catalog.indexes) and checked against the store on every query.
"""

from jbp.catalog.selection.facets import Facet, FacetValue
from jbp.catalog.selection.indexer import CategoryBuild, SelectionIndex, rebuild_selection_index
from jbp.catalog.selection.selecting import Column, Match, SelectedProduct, Selection, select

__all__ = ["CategoryBuild", "Column", "Facet", "FacetValue", "Match", "SelectedProduct", "Selection",
           "SelectionIndex", "rebuild_selection_index", "select"]
