"""Tag rules files (TOML): each tag's name, optional group, optional TTL and its condition, plus RFM thresholds.

    [rfm]                       # optional; these are the defaults
    window = "365d"
    recency = [30, 90, 180, 365]
    frequency = [2, 4, 8, 16]
    monetary = [5000, 20000, 50000, 200000]

    [[tag]]
    name = "active"
    group = "lifecycle"         # at most one tag of a group per customer: the first rule that holds wins
    ttl = "30d"                 # optional: once set, kept at least this long even if the rule stops holding
    when = 'count(order, 90d) >= 1'
    description = "ordered in the last quarter"

A rule may test `has_tag(…)` of tags defined above it (or manual tags), never below: the rules form a chain
evaluated top to bottom once, so there is no cycle to loop on. Errors point at the file's line and column.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jbp.crm.clock import parse_days
from jbp.crm.facts import Needs, RfmThresholds, needs_of
from jbp.crm.rules import parse_rule
from jbp.crm.rules import tree as t
from jbp.crm.rules.compile import Compiler
from jbp.crm.rules.timing import plan
from jbp.errors import DataError, Location, RuleSyntaxError

_TAG_NAME = re.compile(r"^[^\s,\"'()]{1,64}$")
_TAG_KEYS = {"name", "group", "ttl", "when", "description"}
_RFM_KEYS = {"window", "recency", "frequency", "monetary"}


@dataclass(eq=False)
class TagRule:
    name: str
    group: str | None
    ttl: int | None  # days
    when: str
    tree: t.Node
    description: str = ""
    position: int = 0
    compiler: Compiler = field(default_factory=Compiler, repr=False)

    def __post_init__(self):
        self.condition = self.compiler.condition(self.tree)
        self.next_change = plan(self.tree, self.compiler)


@dataclass
class RuleSet:
    rules: list[TagRule]
    rfm: RfmThresholds
    text: str
    source: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def rule(self, name: str) -> TagRule | None:
        return next((r for r in self.rules if r.name == name), None)

    def groups(self) -> dict[str, list[TagRule]]:
        grouped: dict[str, list[TagRule]] = {}
        for rule in self.rules:
            if rule.group:
                grouped.setdefault(rule.group, []).append(rule)
        return grouped

    def needs(self) -> Needs:
        needs = needs_of((r.tree for r in self.rules), self.rfm)
        needs.tags -= {r.name for r in self.rules}
        return needs


def load_rule_set(path: Path | str) -> RuleSet:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the rules file ({exc})", Location(file=str(path))) from exc
    return parse_rule_set(text, str(path))


def parse_rule_set(text: str, source: str = "<rules>") -> RuleSet:
    """The rules of a TOML text, each parsed, checked and compiled."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", Location(file=source)) from exc
    unknown = set(document) - {"tag", "rfm"}
    if unknown:
        raise DataError(f"unknown section(s) {', '.join(sorted(unknown))}: a rules file has [rfm] and [[tag]]",
                        Location(file=source))
    rfm = _rfm(document.get("rfm", {}), source)
    entries = document.get("tag", [])
    if not isinstance(entries, list) or not entries:
        raise DataError("no [[tag]] rules in the file", Location(file=source))
    rules = [_rule(entry, position, text, source) for position, entry in enumerate(entries)]
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise DataError(f"tag {rule.name!r} is defined twice", Location(file=source, value=rule.name))
        seen.add(rule.name)
    for position, rule in enumerate(rules):
        _check_order(rule, rules, position, source)
    return RuleSet(rules, rfm, text, source)


def _check_order(rule: TagRule, rules: list[TagRule], position: int, source: str) -> None:
    """has_tag(X) of a rule tag X needs X, and every rule of X's group, decided above: no cycles, one pass."""
    for node in t.walk(rule.tree):
        if not isinstance(node, t.HasTag):
            continue
        target = next((r for r in rules if r.name == node.tag), None)
        if target is None:
            continue
        deciding = [r for r in rules if r is target or (target.group and r.group == target.group)]
        if any(r.position >= position for r in deciding):
            whom = f"every rule of group {target.group!r}" if target.group else repr(target.name)
            raise DataError(f"tag {rule.name!r} tests has_tag({node.tag!r}), but {whom} must be defined above it: "
                            "rules run once, top to bottom, so a rule can only read tags already decided",
                            Location(file=source, value=rule.name))


def _rule(entry, position: int, text: str, source: str) -> TagRule:
    where = Location(file=source, value=f"[[tag]] #{position + 1}")
    if not isinstance(entry, dict):
        raise DataError("each [[tag]] is a table", where)
    unknown = set(entry) - _TAG_KEYS
    if unknown:
        raise DataError(f"unknown key(s) {', '.join(sorted(unknown))}; a tag has {', '.join(sorted(_TAG_KEYS))}",
                        where)
    name, when = entry.get("name"), entry.get("when")
    if not isinstance(name, str) or not _TAG_NAME.match(name):
        raise DataError("a tag needs a name of 1 to 64 characters without spaces, quotes or commas", where)
    if not isinstance(when, str):
        raise DataError(f"tag {name!r} needs `when = '…'`, the condition", where)
    group = entry.get("group")
    if group is not None and (not isinstance(group, str) or not _TAG_NAME.match(group)):
        raise DataError(f"tag {name!r}: a group name has 1 to 64 characters without spaces", where)
    ttl = None
    if entry.get("ttl") is not None:
        try:
            ttl = parse_days(entry["ttl"])
        except ValueError as exc:
            raise DataError(f"tag {name!r}: {exc}", where) from exc
    try:
        tree = parse_rule(when)
    except RuleSyntaxError as exc:
        raise _in_file(exc, name, when, text, source) from None
    return TagRule(name, group, ttl, when, tree, str(entry.get("description", "")), position)


def _in_file(error: RuleSyntaxError, name: str, when: str, text: str, source: str) -> RuleSyntaxError:
    """The error moved to the file's coordinates, when the condition appears in the file exactly as written."""
    start = text.find(when)
    if start < 0 or text.find(when, start + 1) >= 0:
        return RuleSyntaxError(f"{source}: tag {name!r}: {error.reason}", error.text, error.line, error.column)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return RuleSyntaxError(f"{source}: tag {name!r}: {error.reason}", text, line + error.line - 1,
                           column + error.column - 1 if error.line == 1 else error.column)


def _rfm(section, source: str) -> RfmThresholds:
    where = Location(file=source, value="[rfm]")
    if not isinstance(section, dict) or set(section) - _RFM_KEYS:
        raise DataError(f"[rfm] takes {', '.join(sorted(_RFM_KEYS))}", where)
    defaults = RfmThresholds()
    try:
        window = parse_days(section["window"]) if "window" in section else defaults.window
        recency = _ascending(section.get("recency", defaults.recency), int)
        frequency = _ascending(section.get("frequency", defaults.frequency), int)
        monetary = _ascending(section.get("monetary", defaults.monetary), lambda v: Decimal(str(v)))
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise DataError(f"RFM thresholds: {exc}", where) from exc
    return RfmThresholds(window, recency, frequency, monetary)


def _ascending(values, convert) -> tuple:
    if not isinstance(values, list | tuple) or not values:
        raise ValueError("each threshold list holds at least one number")
    converted = tuple(convert(v) for v in values)
    if any(b <= a for a, b in zip(converted, converted[1:], strict=False)):
        raise ValueError(f"thresholds must rise: {list(values)}")
    return converted
