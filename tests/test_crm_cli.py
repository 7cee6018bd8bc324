"""`jbp crm` end to end on the sample shop (sample_data/crm/): the README tour, masking, exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tiers_fixtures import run_cli

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
CRM = SAMPLE / "crm"


@pytest.fixture
def shop(workspace, capsys):
    def jbp(*argv: str) -> tuple[int, str, str]:
        return run_cli(capsys, "-w", str(workspace.root), *argv)

    assert jbp("catalog", "define", str(SAMPLE / "categories.toml"))[0] == 0
    assert jbp("jbp", "agreement", "add", "--code", "JBP-CHNT-2026", "--brand", "CHNT", "--start", "2026-01-01",
               "--end", "2026-12-31", "--signed", "2025-12-20", "--investment", "200万", "--annual-gmv", "2000万",
               "--completeness", "80%", "--now", "2026-01-05")[0] == 0
    return jbp


def test_the_readme_tour_runs_from_import_to_conversion(shop, tmp_path):
    code, out, _ = shop("crm", "import", str(CRM / "customers.csv"), "--brand", "CHNT", "--now", "2026-03-01")
    assert code == 0 and "     12        0" in out
    code, out, _ = shop("crm", "import", str(CRM / "events.jsonl"), "--brand", "CHNT", "--now", "2026-03-01")
    assert code == 0 and "unknown customers: C013" in out
    code, out, _ = shop("crm", "rules", "apply", str(CRM / "rules.toml"), "--brand", "CHNT", "--now", "2026-03-01")
    assert code == 0 and "full retag with rules version 1" in out
    code, out, _ = shop("crm", "why", "C002", "at_risk", "--brand", "CHNT", "--now", "2026-03-01")
    assert "holds at_risk" in out and "days_since(order) = 111" in out
    code, out, _ = shop("crm", "segment", "save", "vip", 'has_tag("vip") or has_tag("big_spender")', "--brand",
                        "CHNT", "--now", "2026-03-01")
    assert out.startswith("segment vip saved: holds 2 customers")
    for name in ("winback", "welcome", "vip_quarterly"):
        assert shop("crm", "campaign", "load", str(CRM / f"{name}.toml"), "--brand", "CHNT")[0] == 0
    code, out, _ = shop("crm", "run", "--brand", "CHNT", "--now", "2026-03-02T10:00")
    assert code == 0 and "3 messages queued" in out
    assert "0 messages queued" in shop("crm", "run", "--brand", "CHNT", "--now", "2026-03-02T10:00")[1]
    code, out, _ = shop("crm", "outbox", "export", str(tmp_path / "out.csv"), "--brand", "CHNT")
    assert "3 messages written" in out
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [r["message_id"] for r in csv.DictReader(handle)][:1] == ["1:1:sms"]
    code, _, _ = shop("crm", "import", str(CRM / "events_march.jsonl"), "--brand", "CHNT", "--now", "2026-03-03T13:00")
    assert code == 0
    shop("crm", "run", "--brand", "CHNT", "--now", "2026-03-03T22:00")
    code, out, _ = shop("crm", "run", "--brand", "CHNT", "--now", "2026-03-05T10:00")
    assert "opted out of email on 2026-03-01" in out
    code, out, _ = shop("crm", "report", "--brand", "CHNT", "--now", "2026-04-01")
    win_back = next(line for line in out.splitlines() if line.startswith("win-back"))
    assert "50.0%" in win_back and "16800.00" in win_back


def test_contact_data_is_masked_unless_revealed(shop):
    shop("crm", "import", str(CRM / "customers.csv"), "--brand", "CHNT", "--now", "2026-03-01")
    code, out, _ = shop("crm", "customer", "C001", "--brand", "CHNT")
    assert "138****5678" in out and "c***u@huatong-elec.cn" in out and "13812345678" not in out
    assert "13812345678" not in shop("crm", "customer", "C001", "--brand", "CHNT", "--json")[1]
    assert "13812345678" in shop("crm", "customer", "C001", "--brand", "CHNT", "--reveal")[1]


def test_bad_input_exits_with_one_and_says_where(shop, tmp_path):
    shop("crm", "import", str(CRM / "customers.csv"), "--brand", "CHNT")
    code, out, err = shop("crm", "import", str(CRM / "events_bad.jsonl"), "--brand", "CHNT")
    assert code == 1 and "NOTHING imported" in out
    assert "row 2, column '104': not valid JSON" in err and "row 3, column 'kind': unknown event kind" in err
    rules = tmp_path / "rules.toml"
    rules.write_text('[[tag]]\nname = "x"\nwhen = """\ncount(order, 90d) >= 1 and\nregion > 5"""\n', encoding="utf-8")
    code, _, err = shop("crm", "rules", "check", str(rules))
    assert code == 1 and "line 5, column 8" in err and "cannot compare region (text) with the number 5" in err
    code, _, err = shop("crm", "why", "C001", "vip", "--now", "tomorrow")
    assert code == 2 and "not an ISO date" in err


def test_crm_help_lists_its_commands(shop):
    code, out, _ = shop("crm", "--help")
    assert code == 0
    for command in ("import", "rules", "segment", "campaign", "run", "outbox", "report", "why"):
        assert command in out


def test_manual_tags_segments_and_the_outbox_from_the_command_line(shop, tmp_path):
    shop("crm", "import", str(CRM / "customers.csv"), "--brand", "CHNT", "--now", "2026-03-01")
    shop("crm", "import", str(CRM / "events.jsonl"), "--brand", "CHNT", "--now", "2026-03-01")
    shop("crm", "rules", "apply", str(CRM / "rules.toml"), "--brand", "CHNT", "--now", "2026-03-01")
    code, out, _ = shop("crm", "tag", "add", "C003", "key_account", "--reason", "framework agreement", "--ttl", "30d",
                        "--brand", "CHNT", "--now", "2026-03-01")
    assert code == 0 and "key_account added by hand for 30 days" in out
    code, out, _ = shop("crm", "why", "C003", "key_account", "--brand", "CHNT", "--now", "2026-03-01")
    assert "manual override: add — add by hand: framework agreement" in out
    assert shop("crm", "tag", "clear", "C003", "key_account", "--brand", "CHNT", "--now", "2026-03-02")[0] == 0
    assert "does not hold key_account" in shop("crm", "why", "C003", "key_account", "--brand", "CHNT")[1]
    code, out, _ = shop("crm", "segment", "save", "reachable", "consent.sms and not opted_out.sms", "--brand", "CHNT",
                        "--now", "2026-03-01")
    code, out, _ = shop("crm", "segment", "show", "reachable", "--brand", "CHNT", "--now", "2026-03-01")
    assert "segment reachable: 6 customers" in out and "138****5678" in out
    assert "13812345678" in shop("crm", "segment", "show", "reachable", "--brand", "CHNT", "--reveal")[1]
    code, out, _ = shop("crm", "events", "unmatched", "--brand", "CHNT")
    assert "1 events kept aside" in out and "C013" in out
    shop("crm", "campaign", "load", str(CRM / "winback.toml"), "--brand", "CHNT")
    assert "paused" in shop("crm", "campaign", "pause", "win-back", "--brand", "CHNT")[1]
    assert "paused" in shop("crm", "campaign", "list", "--brand", "CHNT")[1]
