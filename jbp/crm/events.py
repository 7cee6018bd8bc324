"""Events: what buyers did (bom_upload, quote, order, search, inquiry) and what we did to them (message_sent,
message_clicked). Append-only; every event has an id, so recording it twice is a no-op and re-importing a
file adds nothing. Events naming a customer the brand does not have are kept aside (events_unmatched),
reported, and matched when the customer is imported.

Ids: as given in the file; otherwise a hash of the event's content (brand, customer, kind, time, amount,
category, ref, payload); BOM quotes and orders are `quote:<id>`, `bom_upload:<id>` and `order:<id>`, and
messages `msg:<outbox id>`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Connection

from jbp.crm.brands import resolve_brand
from jbp.crm.clock import day_number, parse_moment
from jbp.crm.records import ImportReport, Problem, Record, read_records, spellings
from jbp.crm.rules.fields import event_kind
from jbp.crm.vocabulary import EVENT_KINDS
from jbp.errors import Location
from jbp.store import Store, crm_campaign_rows, crm_rows

EVENT_HEADERS: dict[str, tuple[str, ...]] = {
    "event_id": ("id", "event id", "事件编号", "事件id"),
    "customer": ("customer id", "customer ref", "external id", "客户", "客户编号", "客户id"),
    "kind": ("event", "type", "event type", "类型", "事件", "事件类型"),
    "at": ("time", "timestamp", "date", "datetime", "occurred at", "时间", "日期", "发生时间"),
    "amount": ("total", "value", "金额", "总额", "订单金额"),
    "category": ("类目", "品类", "分类"),
    "ref": ("message id", "quote id", "order id", "关联单号"),
    "brand": ("品牌",),
}
_SPELLINGS = spellings(EVENT_HEADERS)
_BATCH = 50_000


@dataclass
class EventIn:
    """One event to record for a brand."""

    customer_ref: str | None
    kind: str
    at: datetime
    amount: Decimal | None = None
    category: str | None = None
    ref: str | None = None
    payload: dict = field(default_factory=dict)
    id: str | None = None
    source: str = "jbp"
    customer_id: int | None = None  # when the caller already knows it (jbp's own flows)

    def key(self, brand_code: str) -> str:
        if self.id:
            return self.id
        content = json.dumps([brand_code, self.customer_ref, self.kind, self.at.isoformat(), str(self.amount),
                              self.category, self.ref, self.payload], sort_keys=True, ensure_ascii=False, default=str)
        return "h:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:40]


@dataclass
class Recorded:
    added: int = 0
    duplicates: int = 0
    unmatched: int = 0
    unmatched_refs: set[str] = field(default_factory=set)


def record_events(conn: Connection, brand: dict, events: list[EventIn], now: datetime) -> Recorded:
    """Store events for `brand` inside the caller's transaction; customers with new events are queued for
    re-tagging; a click on a message marks the message clicked."""
    result = Recorded()
    for start in range(0, len(events), _BATCH):
        _record_batch(conn, brand, events[start:start + _BATCH], now, result)
    return result


def _record_batch(conn: Connection, brand: dict, events: list[EventIn], now: datetime, result: Recorded) -> None:
    refs = {e.customer_ref for e in events if e.customer_ref and e.customer_id is None}
    customers = crm_rows.customer_ids(conn, brand["id"], refs)
    by_message = crm_campaign_rows.message_customers(conn, brand["id"], [
        e.ref for e in events if e.kind == "message_clicked" and not e.customer_ref and e.ref])
    matched, unmatched, touched = [], [], set()
    for event in events:
        ref, customer_id = event.customer_ref, event.customer_id
        if customer_id is None and ref:
            customer_id = customers.get(ref)
        elif customer_id is None and event.ref in by_message:
            customer_id, ref = by_message[event.ref]
        key = event.key(brand["code"])
        if customer_id is None:
            unmatched.append((key, brand["id"], ref or "", event.kind, event.at, event.amount, event.category,
                              event.ref, event.payload, event.source, now))
            result.unmatched_refs.add(ref or f"(message {event.ref})")
            continue
        matched.append((key, brand["id"], customer_id, ref, event.kind, event.at, day_number(event.at), event.amount,
                        event.category, event.ref, event.payload, now))
        touched.add(customer_id)
    added = crm_rows.insert_events(conn, matched)
    kept_aside = crm_rows.insert_unmatched(conn, unmatched)
    result.added += added
    result.unmatched += kept_aside
    result.duplicates += len(matched) - added + len(unmatched) - kept_aside
    if added:
        crm_rows.mark_dirty(conn, touched)
    crm_campaign_rows.mark_clicked(conn, [(e.ref, e.at) for e in events if e.kind == "message_clicked" and e.ref])


def rematch_unmatched(conn: Connection, brand_id: int, customers: dict[str, int]) -> int:
    """Move events kept aside for these (new) customers, external id -> id, into the events; returns how many."""
    waiting = crm_rows.unmatched_for(conn, brand_id, customers)
    rows = [(e["id"], brand_id, customers[e["customer_ref"]], e["customer_ref"], e["kind"], e["at"],
             day_number(e["at"]), e["amount"], e["category"], e["ref"], e["payload"], e["recorded_at"])
            for e in waiting]
    moved = crm_rows.insert_events(conn, rows)
    crm_rows.delete_unmatched(conn, [e["id"] for e in waiting])
    if moved:
        crm_rows.mark_dirty(conn, {r[2] for r in rows})
    return moved


def import_events(store: Store, path: Path | str, now: datetime, *, brand: str | None = None,
                  partial: bool = False, dry_run: bool = False) -> ImportReport:
    """Record the events of a file in one transaction (nothing, when a line is rejected and `partial` is not
    given). Keys other than the event's fields go to its payload."""
    records, problems = read_records(path)
    report = ImportReport(str(path), "events", problems=problems)
    parsed = [_event(r, report) for r in records]
    report.rejected = len({(p.location.sheet, p.location.row) for p in report.problems})
    if report.problems and not partial:
        report.status = "rejected"
        return report
    with store.transaction() as conn:
        per_brand: dict[str | None, list[EventIn]] = {}
        for item in parsed:
            if item is not None:
                per_brand.setdefault(item[0] or brand, []).append(item[1])
        for brand_code, events in per_brand.items():
            result = record_events(conn, resolve_brand(conn, brand_code), events, now)
            report.events_added += result.added
            report.events_duplicate += result.duplicates
            report.events_unmatched += result.unmatched
            report.unmatched_refs += sorted(result.unmatched_refs)[:50]
        if dry_run:
            report.status = "dry_run"
            conn.rollback()
    return report


def _event(record: Record, report: ImportReport) -> tuple[str | None, EventIn] | None:
    """(brand named by the record, event), or None with its problems added to the report."""
    known, rest = record.fields(_SPELLINGS)
    problems = []

    def problem(column: str, reason: str) -> None:
        problems.append(Problem(Location(record.location.file, record.location.sheet, record.location.row, column),
                                reason))

    kind_text = str(known.get("kind", "")).strip()
    kind = event_kind(kind_text) if kind_text else None
    if kind is None:
        problem("kind", f"unknown event kind {kind_text!r} (kinds: {', '.join(EVENT_KINDS)})" if kind_text
                else "no event kind")
    at = None
    try:
        at = parse_moment(known["at"]) if "at" in known else None
    except ValueError:
        problem("at", f"not an ISO date or time: {known['at']!r}")
    if at is None and not problems:
        problem("at", "no time (at)")
    amount = None
    if "amount" in known:
        try:
            amount = Decimal(str(known["amount"]).strip())
            if not amount.is_finite() or abs(amount) >= Decimal(10) ** 17:
                raise InvalidOperation
        except InvalidOperation:
            problem("amount", f"not an amount: {known['amount']!r}")
    customer = _text(known.get("customer"))
    ref = _text(known.get("ref"))
    if customer is None and not (kind == "message_clicked" and ref):
        problem("customer", "no customer (a click may name only its message id in ref)")
    for name, value, limit in (("event_id", _text(known.get("event_id")), 128), ("customer", customer, 128),
                               ("category", _text(known.get("category")), 128), ("ref", ref, 200)):
        if value is not None and len(value) > limit:
            problem(name, f"longer than {limit} characters")
    if problems:
        report.problems.extend(problems)
        return None
    payload = {k: v if isinstance(v, str | int | float | bool | list | dict) else str(v) for k, v in rest.items()}
    return _text(known.get("brand")), EventIn(customer, kind, at, amount, _text(known.get("category")), ref, payload,
                                              _text(known.get("event_id")),
                                              source=f"{record.location.file}:{record.location.row}")


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
    return text or None


def sync_bom(conn: Connection, brand: dict, now: datetime) -> Recorded:
    """Turn the brand's BOM quotes and orders into events (each once): a BOM upload and a quote per quote,
    an order per order, with the order's main category (the one holding most of its value)."""
    events: list[EventIn] = []
    for quote in crm_rows.unsynced_quotes(conn, brand["id"]):
        upload = {"file": quote["source_name"], "lines": quote["lines_total"], "matched": quote["lines_matched"]}
        events.append(EventIn(quote["customer_ref"], "bom_upload", quote["created_at"], payload=upload,
                              ref=f"quote:{quote['id']}", id=f"bom_upload:{quote['id']}", source="bom"))
        events.append(EventIn(quote["customer_ref"], "quote", quote["created_at"], Decimal(quote["total"]),
                              ref=f"quote:{quote['id']}", id=f"quote:{quote['id']}", source="bom",
                              payload={"currency": quote["currency"], "status": quote["status"]}))
    for order in crm_rows.unsynced_orders(conn, brand["id"]):
        events.append(EventIn(order["customer_ref"], "order", order["created_at"], Decimal(order["total"]),
                              order.get("category"), f"quote:{order['quote_id']}",
                              {"currency": order["currency"], "lines": order["lines"]}, f"order:{order['id']}",
                              source="bom"))
    return record_events(conn, brand, events, now)
