"""Segments: saved rules over tags and fields (and events), previewed before they are saved.

`preview_segment` counts who the new rule holds and who would enter or leave compared with the saved rule,
both evaluated at the same `now`; `save_segment` stores it (and the version goes up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from jbp.crm.audience import members
from jbp.crm.brands import resolve_brand
from jbp.crm.rules import parse_rule
from jbp.errors import NotFoundError
from jbp.store import Store, crm_campaign_rows, crm_rows

SAMPLE = 20


@dataclass
class SegmentPreview:
    name: str
    rule: str
    previous_rule: str | None
    count: int
    previous_count: int
    entering: int
    leaving: int
    entering_sample: list[str]  # external ids
    leaving_sample: list[str]


def preview_segment(store: Store, brand: str | None, name: str, rule: str, now: datetime) -> SegmentPreview:
    """What saving `rule` as segment `name` would change, without saving it."""
    parse_rule(rule)
    with store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
        return _preview(conn, brand_row["id"], name, rule, now)


def save_segment(store: Store, brand: str | None, name: str, rule: str, now: datetime) -> SegmentPreview:
    """Save (or change) a segment; returns the same comparison as the preview."""
    parse_rule(rule)
    with store.transaction() as conn:
        brand_row = resolve_brand(conn, brand)
        preview = _preview(conn, brand_row["id"], name, rule, now)
        crm_campaign_rows.save_segment(conn, {"brand_id": brand_row["id"], "name": name, "rule": rule,
                                              "saved_at": now})
    return preview


def segment_members(store: Store, brand: str | None, name: str, now: datetime) -> tuple[dict, list[dict]]:
    """(the segment, its customers at `now`)."""
    with store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
        saved = saved_segment(conn, brand_row["id"], name)
        ids = members(conn, brand_row["id"], saved["rule"], now)
        customers = crm_rows.customers_by_ids(conn, ids.tolist())
        return saved, [customers[i] for i in ids.tolist()]


def list_segments(store: Store, brand: str | None) -> list[dict]:
    with store.reading() as conn:
        return crm_campaign_rows.segments(conn, resolve_brand(conn, brand)["id"])


def saved_segment(conn, brand_id: int, name: str) -> dict:
    saved = crm_campaign_rows.segment(conn, brand_id, name)
    if saved is None:
        known = [s["name"] for s in crm_campaign_rows.segments(conn, brand_id)]
        raise NotFoundError(f"no segment {name!r}", [k for k in known if name.casefold() in k.casefold()] or known[:5])
    return saved


def _preview(conn, brand_id: int, name: str, rule: str, now: datetime) -> SegmentPreview:
    saved = crm_campaign_rows.segment(conn, brand_id, name)
    new = members(conn, brand_id, rule, now)
    old = members(conn, brand_id, saved["rule"], now) if saved else np.zeros(0, dtype=np.int64)
    entering, leaving = np.setdiff1d(new, old), np.setdiff1d(old, new)
    refs = crm_rows.customer_external_ids(conn, brand_id, [*entering[:SAMPLE].tolist(), *leaving[:SAMPLE].tolist()])
    return SegmentPreview(name, rule, saved["rule"] if saved else None, len(new), len(old), len(entering),
                          len(leaving), [refs[i] for i in entering[:SAMPLE].tolist()],
                          [refs[i] for i in leaving[:SAMPLE].tolist()])
