"""The rule language: grammar, the typed tree checked against the field registry, errors with line and column,
text tests that cannot blow up, and termination guarantees (no eval, bounded nesting, no cycles)."""

from __future__ import annotations

import fnmatch
import re

import pytest

from jbp.crm.rules import parse_rule, render
from jbp.crm.rules import tree as t
from jbp.crm.rules.text_match import lowered, match_all, matcher
from jbp.crm.rules.timing import slope
from jbp.crm.tagrules import parse_rule_set
from jbp.errors import DataError, RuleSyntaxError

ISSUE_EXAMPLES = [
    'count(order, 90d) >= 3',
    'sum(order.amount, 365d) > 50000',
    'days_since(order) > 90',
    'share(order.category == "MRO", 365d) > 0.5',
    'region in ("华东", "华南") and not (industry == "贸易" or size == "small")',
    'name contains "电气" or name like "*机械*有限公司" or name startswith "上海"',
    'created_at > now - 30d and consent.sms and not opted_out.sms',
    'rfm.r >= 4 and rfm.f >= 3 and rfm.m >= 3',
    'has_tag("big_spender") and count(search, 2w) + count(bom_upload, 2w) >= 2',
    'count(order.amount > 10000 and order.category in ("MRO", "bearing"), 180d) >= 1',
    'sum(order.amount, 90d) > sum(order.amount, 365d) / 4',
    'days_since(created_at) <= 90 and discount_pct >= 5',
]


@pytest.mark.parametrize("text", ISSUE_EXAMPLES)
def test_rules_of_every_construct_parse_and_render_back_to_themselves(text):
    tree = parse_rule(text)
    assert tree.type == t.BOOL
    assert render(parse_rule(render(tree))) == render(tree)


def test_chinese_field_and_event_names_read_as_their_english_twins():
    tree = parse_rule('地区 == "华东" and count(订单, 90d) >= 1')
    assert render(tree) == 'region == "华东" and count(order, 90d) >= 1'


def test_a_number_next_to_money_is_money_and_keeps_four_decimals():
    tree = parse_rule("sum(order.amount, 365d) > 50000.5")
    assert tree.right.type == t.MONEY
    with pytest.raises(RuleSyntaxError, match="4 decimal places"):
        parse_rule("sum(order.amount, 365d) > 0.00001")


@pytest.mark.parametrize(("text", "reason", "line", "column"), [
    ("region > 5", "cannot compare region (text) with the number 5", 1, 8),
    ("regon == \"华东\"", "unknown field 'regon' (did you mean region?)", 1, 1),
    ("count(order, 90d) >= ", "expected a value", 1, 22),
    ("count(orders, 90d) >= 1", "unknown field 'orders' (did you mean order?)", 1, 7),
    ("days_since(order) > 90d", "write 90, not 90d", 1, 19),
    ("count(order.amount > 5 and search.category == \"x\")", "one kind of event, not order, search", 1, 7),
    ("region = \"华东\"", "use == to compare", 1, 8),
    ("count(order)", "a rule must be a condition", 1, 1),
    ("order.amount > 5", "order is an event kind", 1, 1),
    ("share(order, 90d) > 0.5", "share needs a condition", 1, 7),
    ("sum(order, 90d) > 1", "sum adds up amounts", 1, 5),
    ("count(order, 90d) >= 1 and\n  region == \"华东\" and\n  industry > 3", "cannot compare industry", 3, 12),
    ("name contains region", "expected a text in quotes after contains", 1, 15),
    ("count(order, 3m) > 1", "not a number", 1, 14),
    ("\"华东\" == \"华东\"", "compare a text field with a text in quotes", 1, 6),
    ("has_tag(vip)", "a text in quotes", 1, 9),
    ("lower(name) == \"x\"", "unknown function 'lower'", 1, 1),
    ("count(order, 90d) >= 1 region == \"x\"", "missing `and`/`or`", 1, 24),
])
def test_bad_rules_are_refused_with_the_line_and_column_at_fault(text, reason, line, column):
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule(text)
    assert reason in caught.value.reason
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).splitlines()[-1].index("^") == column + 1  # the pointer sits under the column


def test_python_is_not_reachable_from_a_rule():
    for text in ('__import__("os").system("true")', "().__class__.__bases__", 'eval("1")', "lambda: 1",
                 "[x for x in name]", "name.__class__ == \"x\""):
        with pytest.raises(RuleSyntaxError):
            parse_rule(text)


def test_nesting_is_bounded_so_deep_input_is_an_error_not_a_crash():
    with pytest.raises(RuleSyntaxError, match="nests deeper"):
        parse_rule("(" * 100 + "consent.sms" + ")" * 100)
    with pytest.raises(RuleSyntaxError, match="nests deeper"):
        parse_rule("not " * 100 + "consent.sms")
    with pytest.raises(RuleSyntaxError, match="nests deeper"):
        parse_rule("-" * 100 + "1 > 0")
    with pytest.raises(RuleSyntaxError, match="characters"):
        parse_rule("consent.sms or " * 2000 + "consent.sms")


def test_glob_matching_agrees_with_its_definition_on_hostile_patterns():
    texts = ["a" * 40 + "b", "a" * 41, "上海华通机械有限公司", "机械有限公司", "x机械y有限公司z", "", "ab", "ba"]
    patterns = ["*a*a*a*a*a*a*a*a*a*a*b", "a*a*a*a*a*a*a*a*a*a*a", "*机械*有限公司", "*", "a?", "?b", "**", "*a?*"]
    for pattern in patterns:
        expected = [fnmatch.fnmatchcase(text, pattern) for text in texts]
        assert [matcher("like", pattern)(text) for text in texts] == expected, pattern
        assert match_all("like", pattern, lowered(texts)).tolist() == expected, pattern


def test_a_catastrophic_regex_shape_is_just_a_glob_here():
    # `(a+)+$` would take exponential time in a backtracking regex engine; `like` has no groups or repeats.
    text = "a" * 5000 + "!"
    assert matcher("like", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")(text) is False
    assert matcher("contains", "(a+)+$")(text) is False


def test_text_tests_ignore_case():
    assert matcher("contains", "abb")("ABB 上海") and matcher("startswith", "suzhou")("Suzhou Tools")


def test_time_slopes_tell_which_comparisons_move_with_the_clock():
    assert slope(parse_rule("days_since(order) > 90").left) == 1
    assert slope(parse_rule("now - created_at > 30d").left) == 1
    assert slope(parse_rule("count(order, 90d) > 1").left) == 0
    assert slope(parse_rule("days_since(order) * discount_pct > 9").left) is None


RULES = """
[[tag]]
name = "active"
group = "lifecycle"
when = 'days_since(order) <= 90'

[[tag]]
name = "lost"
group = "lifecycle"
when = '''
  days_since(order) > 90 and
  region > 5
'''
"""


def test_an_error_in_a_rules_file_points_at_the_file_line_and_column():
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule_set(RULES, "rules.toml")
    assert (caught.value.line, caught.value.column) == (12, 10)
    assert "rules.toml: tag 'lost'" in caught.value.reason
    assert "region > 5" in str(caught.value)


def test_a_rule_may_only_read_tags_decided_above_it():
    rules = """
[[tag]]
name = "vip"
when = 'has_tag("big")'
[[tag]]
name = "big"
when = 'sum(order.amount, 365d) > 1000'
"""
    with pytest.raises(DataError, match="must be defined above it"):
        parse_rule_set(rules)
    with pytest.raises(DataError, match="must be defined above it"):
        parse_rule_set('[[tag]]\nname = "loop"\nwhen = \'has_tag("loop")\'\n')


def test_a_tag_testing_a_group_needs_the_whole_group_above_it():
    rules = """
[[tag]]
name = "active"
group = "lifecycle"
when = 'days_since(order) <= 90'
[[tag]]
name = "happy"
when = 'has_tag("active")'
[[tag]]
name = "lost"
group = "lifecycle"
when = 'days_since(order) > 90'
"""
    with pytest.raises(DataError, match="every rule of group 'lifecycle'"):
        parse_rule_set(rules)


@pytest.mark.parametrize(("text", "message"), [
    ('[[tag]]\nname = "a b"\nwhen = "consent.sms"', "without spaces"),
    ('[[tag]]\nname = "a"\nwhen = "consent.sms"\ngrop = "x"', "unknown key(s) grop"),
    ('[[tag]]\nname = "a"\nwhen = "consent.sms"\nttl = "1m"', "not a duration"),
    ('[[tag]]\nname = "a"\nwhen = "consent.sms"\n[[tag]]\nname = "a"\nwhen = "consent.email"', "defined twice"),
    ('[rfm]\nrecency = [90, 30]\n[[tag]]\nname = "a"\nwhen = "consent.sms"', "must rise"),
    ('[rules]\n', "unknown section"),
])
def test_rules_files_with_mistakes_are_refused(text, message):
    with pytest.raises(DataError, match=re.escape(message)):
        parse_rule_set(text)
