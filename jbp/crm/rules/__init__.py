"""The rule language of tags, segments and campaign conditions: text -> typed tree -> compiled closures."""

from jbp.crm.rules.parser import parse_rule
from jbp.crm.rules.tree import render

__all__ = ["parse_rule", "render"]
