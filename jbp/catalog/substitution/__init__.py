"""Substitution (替换): what replaces a part, ours or a competitor's, graded drop-in / functional / similar
and explained parameter by parameter; and the cross-reference sheets that declare such replacements.

    from jbp.catalog.substitution import substitutes
    result = substitutes(workspace.store, "LC1D09M7C", brand="施耐德", qty=50)
"""

from jbp.catalog.substitution.finder import substitutes
from jbp.catalog.substitution.results import Difference, PartDescription, Substitute, SubstitutionResult
from jbp.catalog.substitution.xrefs import import_xrefs

__all__ = ["Difference", "PartDescription", "Substitute", "SubstitutionResult", "import_xrefs", "substitutes"]
