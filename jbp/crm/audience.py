"""Who matches a rule now: the customers a segment holds, a campaign condition admits or a branch sends on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import Connection

from jbp.crm.clock import day_number
from jbp.crm.facts import RfmThresholds, load_facts, needs_of
from jbp.crm.rules import parse_rule
from jbp.crm.rules.compile import Compiler
from jbp.crm.tagrules import parse_rule_set
from jbp.store import crm_tag_rows


def rfm_thresholds(conn: Connection, brand_id: int) -> RfmThresholds:
    """The RFM thresholds of the brand's latest tag rules (the defaults when it has none)."""
    stored = crm_tag_rows.latest_rule_set(conn, brand_id)
    return parse_rule_set(stored["text"], stored["source"]).rfm if stored else RfmThresholds()


def matching(conn: Connection, brand_id: int, rule: str, now: datetime,
             customer_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(customer ids, whether each matches `rule` at `now`), for the brand's customers or those given."""
    tree = parse_rule(rule)
    rfm = rfm_thresholds(conn, brand_id)
    facts = load_facts(conn, brand_id, needs_of([tree], rfm), day_number(now), rfm, customer_ids)
    return facts.ids, Compiler().condition(tree)(facts)


def members(conn: Connection, brand_id: int, rule: str, now: datetime,
            customer_ids: Sequence[int] | None = None) -> np.ndarray:
    """The ids of the customers matching `rule` at `now`."""
    ids, matches = matching(conn, brand_id, rule, now, customer_ids)
    return ids[matches]
