"""The rule language of tags, segments and campaign conditions: text -> typed tree -> compiled closures.

Why a rule always finishes: the grammar has no loops, no recursion, no variables and no user functions; the
parser consumes a token at every step and refuses nesting deeper than 64 and rules longer than 10,000
characters; the tree it builds is finite and acyclic, and evaluating it is one pass over it, each node a
bounded number of vector operations over the customers (aggregates are one pass over the events). Text tests
are globs matched in linear time, never regular expressions (see text_match). Tag rules may read only tags
decided above them, so the rules of a file form a chain evaluated top to bottom once, and campaign steps are
checked to form no cycle. Nothing in a rule reaches Python: names resolve against a fixed registry.
"""

from jbp.crm.rules.parser import parse_rule
from jbp.crm.rules.tree import render

__all__ = ["parse_rule", "render"]
