"""Tier programs: the shipped default is sound; overlapping, gapped or malformed programs are refused."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from tiers_fixtures import catalog_workspace, run_cli

from jbp.errors import DataError, UnitError
from jbp.tiers import entitlement
from jbp.tiers.program import DEFAULT_PROGRAM, check_program, default_program, load_program, read_program, use_program

NOW = datetime(2026, 11, 15, 10)


def program_text(follower_gmv: str = 'from = "1000万", below = "5000万"', top_gmv: str = 'from = "5000万"',
                 top_marketing: str = "200000") -> str:
    """The default program with the follower/top GMV ranges and top's message quota replaced."""
    text = DEFAULT_PROGRAM.read_text(encoding="utf-8")
    text = text.replace('gmv = { from = "1000万", below = "5000万" }', f"gmv = {{ {follower_gmv} }}")
    text = text.replace('gmv = { from = "5000万" }', f"gmv = {{ {top_gmv} }}")
    return text.replace("marketing_messages = 200000", f"marketing_messages = {top_marketing}")


def test_default_program_has_the_three_levels_and_no_problems():
    program = default_program()
    assert [level.code for level in program.levels] == ["unsigned", "follower", "top"]
    assert program.level("top").name_zh == "顶级伙伴" and program.level("follower").name_en == "Follower partner"
    assert check_program(program) == []
    assert program.level("top").criteria["committed_investment"].low == Decimal(5_000_000)
    assert program.grant(program.level("top"), "bom_ordering").quota is None  # unlimited
    assert not program.grant(program.level("unsigned"), "financing").granted


def test_overlapping_criteria_ranges_are_an_error_naming_both_levels():
    problems = check_program(read_program(program_text(follower_gmv='from = "1000万", below = "6000万"'), "p.toml"))
    assert [p.severity for p in problems] == ["error"]
    assert "follower and top overlap between 50,000,000 CNY and 60,000,000 CNY" in problems[0].message
    assert problems[0].where == "criteria.gmv"


def test_a_gap_between_levels_is_an_error():
    problems = check_program(read_program(program_text(follower_gmv='from = "1000万", below = "4000万"'), "p.toml"))
    assert len(problems) == 1 and "gap between follower (below 40,000,000 CNY) and top" in problems[0].message


def test_a_level_missing_a_criterion_and_a_bounded_top_are_errors():
    problems = check_program(read_program(program_text(top_gmv='from = "5000万", below = "9000万"'), "p.toml"))
    assert "the highest level top stops below 90,000,000 CNY" in problems[0].message
    text = DEFAULT_PROGRAM.read_text(encoding="utf-8").replace('catalog_completeness = { from = "90%" }\n', "")
    problems = check_program(read_program(text, "p.toml"))
    assert any("levels top do not state it" in p.message for p in problems)


def test_load_program_refuses_a_program_with_errors_listing_them():
    with pytest.raises(DataError) as caught:
        load_program(program_text(follower_gmv='from = "1000万", below = "6000万"'), "overlap.toml")
    assert "overlap.toml" in str(caught.value) and "overlap between" in str(caught.value)


def test_higher_level_granting_less_is_a_warning_only():
    problems = check_program(read_program(program_text(top_marketing="10000"), "p.toml"))
    assert [(p.severity, p.where) for p in problems] == [("warning", "entitlements.marketing_messages")]
    assert "top gets 10000, less than follower's 20000" in problems[0].message


@pytest.mark.parametrize(("old", "new", "message", "column"), [
    ('kind = "flag"', 'kind = "flags"', "kind must be one of", "services.dedicated_account_manager.kind"),
    ("dedicated_account_manager = true", 'dedicated_account_manager = "yes"', "granted with true or false",
     "levels[2].entitlements.dedicated_account_manager"),
    ("logistics = true\n\n[[levels]]", "logistcs = true\n\n[[levels]]", "undeclared service 'logistcs'",
     "levels[1].entitlements.logistcs"),
    ('amber = "90%"', 'ambre = "90%"', "did you mean 'amber'", "program.ambre"),
])
def test_malformed_programs_name_the_key(old, new, message, column):
    text = DEFAULT_PROGRAM.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(DataError) as caught:
        read_program(text.replace(old, new, 1), "bad.toml")
    assert message in str(caught.value)
    assert caught.value.location.file == "bad.toml" and caught.value.location.column == column


def test_a_criterion_in_the_wrong_unit_is_a_unit_error():
    with pytest.raises(UnitError) as caught:
        read_program(program_text(top_gmv='from = "90%"'), "p.toml")
    assert caught.value.location.column == "levels[2].criteria.gmv.from"


def test_program_without_unsigned_level_or_a_contract_service_is_refused():
    text = DEFAULT_PROGRAM.read_text(encoding="utf-8").replace('code = "unsigned"', 'code = "basic"')
    text = text.replace("[services.financing]", "[services.financing_x]").replace("financing = true", "")
    problems = [p.message for p in check_program(read_program(text, "p.toml"))]
    assert any("no 'unsigned' level" in m for m in problems)
    assert any("service 'financing' is not declared" in m for m in problems)


def test_cli_program_check_exits_1_and_lists_the_overlap(tmp_path, capsys):
    path = tmp_path / "overlap.toml"
    path.write_text(program_text(follower_gmv='from = "1000万", below = "6000万"'), encoding="utf-8")
    code, out, _ = run_cli(capsys, "tiers", "program", "check", str(path))
    assert code == 1 and "error: criteria.gmv: follower and top overlap" in out
    code, out, _ = run_cli(capsys, "tiers", "program", "check")
    assert code == 0 and "no problems" in out


def test_a_workspace_program_replaces_the_default_for_entitlements(workspace, tmp_path):
    catalog_workspace(workspace, tmp_path)
    assert entitlement(workspace.store, "DELIXI", "bom_ordering", NOW).quota == 20
    path = tmp_path / "2027.toml"
    path.write_text(DEFAULT_PROGRAM.read_text(encoding="utf-8").replace(
        "bom_ordering = 20", "bom_ordering = 50").replace('code = "industrial-jbp-2026"', 'code = "jbp-2027"'),
        encoding="utf-8")
    program = use_program(workspace.store, path, NOW, "李娜")
    assert program.code == "jbp-2027"
    assert entitlement(workspace.store, "DELIXI", "bom_ordering", NOW).quota == 50
