"""A stored quote shown, a buyer's choice for an ambiguous line confirmed (and remembered for their next
BOMs), and a quote turned into an order — once: ordering the same quote again returns the same order.

An order takes the quote's matched and substituted lines at their quoted prices. A line that is not
ready (ambiguous, not found, invalid, unpriced) stops the order unless `partial` is asked for; then
it is listed as left out. CRM turns stored quotes and orders into `quote` and `order` events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from jbp.bom.pricing import money, price_line
from jbp.bom.quotes import ORDERABLE, jsonable, result_hash, summary_of
from jbp.catalog.definitions import load_definitions
from jbp.errors import JbpError, NotFoundError
from jbp.store import bom_rows
from jbp.workspace import Workspace


@dataclass
class OrderLine:
    position: int
    sku: str
    qty: int
    unit_price: Decimal
    extended: Decimal
    category_code: str | None = None


@dataclass
class Order:
    id: int
    quote_id: int
    brand: str
    customer: str | None
    created_at: datetime
    currency: str
    total: Decimal
    lines: list[OrderLine]
    left_out: list[dict] = field(default_factory=list)  # quote lines not ordered, with why
    existing: bool = False  # the quote had been ordered before; this is that order

    def as_dict(self) -> dict:
        return {"order_id": self.id, "quote_id": self.quote_id, "brand": self.brand, "customer": self.customer,
                "created_at": self.created_at, "currency": self.currency, "total": self.total,
                "existing": self.existing, "lines": [vars(line) for line in self.lines], "left_out": self.left_out}


def show_quote(workspace: Workspace, quote_id: int) -> dict:
    """The stored quote as `quote_bom(...).as_dict()` gave it, with its order id once ordered."""
    with workspace.store.reading() as conn:
        row = _quote(conn, quote_id)
        lines = [line["detail"] for line in bom_rows.quote_lines(conn, quote_id)]
        order = bom_rows.order_for_quote(conn, quote_id)
    return {"quote_id": row["id"], **row["payload"], "status": row["status"],
            "order_id": order["id"] if order else None, "lines": lines}


def _quote(conn, quote_id: int) -> dict:
    row = bom_rows.quote_row(conn, quote_id)
    if row is None:
        raise NotFoundError(f"no quote {quote_id}")
    return row


def order_quote(workspace: Workspace, quote_id: int, *, partial: bool = False, now: datetime | None = None) -> Order:
    """Place the order for a quote (see the module docstring); the same quote twice gives one order."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    try:
        with workspace.store.transaction() as conn:
            return _place(conn, quote_id, partial, now)
    except IntegrityError:  # another process ordered it between our check and our insert
        with workspace.store.transaction() as conn:
            return _place(conn, quote_id, partial, now)


def _place(conn, quote_id: int, partial: bool, now: datetime) -> Order:
    row = _quote(conn, quote_id)
    payload = row["payload"]
    lines = [line["detail"] for line in bom_rows.quote_lines(conn, quote_id)]
    ordered, left_out = [], []
    for line in lines:
        why = _not_orderable(line, row["currency"])
        if why:
            left_out.append({"position": line["position"], "sheet": line["sheet"], "row": line["row"],
                             "status": line["status"], "why": why})
        else:
            ordered.append(OrderLine(line["position"], line["sku"], line["order_qty"], money(line["unit_price"]),
                                     money(line["extended"]), line.get("category")))
    existing = bom_rows.order_for_quote(conn, quote_id)
    if existing is not None:
        stored = [OrderLine(r["position"], r["sku"], r["qty"], money(r["unit_price"]), money(r["extended"]),
                            r["category_code"]) for r in bom_rows.order_lines(conn, existing["id"])]
        taken = {line.position for line in stored}
        return Order(existing["id"], quote_id, payload["brand"], row["customer_ref"], existing["created_at"],
                     existing["currency"], money(existing["total"]), stored,
                     [item for item in left_out if item["position"] not in taken], existing=True)
    if left_out and not partial:
        shown = "; ".join(f"#{item['position']} (row {item['row']}) {item['status']}: {item['why']}"
                          for item in left_out[:8])
        more = f"; and {len(left_out) - 8} more" if len(left_out) > 8 else ""
        raise JbpError(f"quote {quote_id} has {len(left_out)} line(s) that cannot be ordered: {shown}{more}. "
                       f"Confirm ambiguous lines (jbp bom confirm {quote_id} LINE SKU) or order the rest with "
                       "--partial")
    if not ordered:
        raise JbpError(f"quote {quote_id} has no line that can be ordered")
    total = sum((line.extended for line in ordered), Decimal(0))
    order = {"quote_id": quote_id, "brand_id": row["brand_id"], "customer_ref": row["customer_ref"],
             "created_at": now, "currency": row["currency"], "total": total, "lines": len(ordered), "status": "placed"}
    order_id = bom_rows.insert_order(conn, order, [vars(line) for line in ordered])
    bom_rows.update_quote(conn, quote_id, {"status": "ordered"})
    return Order(order_id, quote_id, payload["brand"], row["customer_ref"], now, row["currency"], total, ordered,
                 left_out)


def _not_orderable(line: dict, currency: str) -> str | None:
    if line["status"] not in ORDERABLE:
        return "; ".join(line["reasons"][:1]) or line["status"]
    if line.get("unit_price") is None:
        return "no price"
    if line.get("currency") != currency:
        return f"priced in {line.get('currency')}"
    return None


def confirm_line(workspace: Workspace, quote_id: int, position: int, sku: str) -> dict:
    """The buyer's choice of `sku` for line `position` of a quote: the line becomes matched (rule
    `confirmed`), is re-priced, and the choice is remembered for this customer's next BOMs."""
    with workspace.store.transaction() as conn:
        row = _quote(conn, quote_id)
        if row["status"] == "ordered":
            raise JbpError(f"quote {quote_id} is already ordered; quote the file again to change it")
        payload = row["payload"]
        lines = {line["position"]: line for line in bom_rows.quote_lines(conn, quote_id)}
        if position not in lines:
            raise NotFoundError(f"quote {quote_id} has no line {position} (lines 1 to {len(lines)})")
        detail = dict(lines[position]["detail"])
        if detail["status"] == "invalid":
            raise JbpError(f"line {position} of quote {quote_id} is invalid ({'; '.join(detail['reasons'])}): correct "
                           "the BOM and quote it again")
        definitions = load_definitions(conn)
        brand_id = definitions.brand_ids[payload["brand"]]
        product = _product(conn, brand_id, sku, [c["sku"] for c in detail["candidates"]])
        breaks = bom_rows.price_breaks_of(conn, [product["id"]]).get(product["id"], [])
        category = next(code for code, i in definitions.category_ids.items() if i == product["category_id"])
        detail.update(jsonable(_confirmed(detail, product, category, breaks, payload)))
        bom_rows.update_quote_line(conn, quote_id, position, {
            "status": "matched", "rule": "confirmed", "confidence": 1.0, "sku": product["sku"],
            "category_code": category, "qty": detail.get("order_qty"), "unit_price": detail.get("unit_price"),
            "extended": detail.get("extended"), "detail": detail})
        bom_rows.save_confirmation(conn, {"brand_id": brand_id, "customer_ref": row["customer_ref"] or "",
                                          "line_key": detail["line_key"], "sku": product["sku"], "quote_id": quote_id,
                                          "confirmed_at": datetime.now(UTC).replace(tzinfo=None)})
        all_lines = [detail if p == position else line["detail"] for p, line in sorted(lines.items())]
        summary = jsonable(summary_of(all_lines, row["currency"], payload["summary"]["skipped_rows"]))
        bom_rows.update_quote(conn, quote_id, {
            "payload": {**payload, "summary": summary}, "total": Decimal(summary["total"]),
            "lines_matched": summary["by_status"]["matched"] + summary["by_status"]["substituted"],
            "result_hash": result_hash({**payload, "lines": all_lines})})
    return detail


def _product(conn, brand_id: int, sku: str, candidates: list[str]) -> dict:
    found = bom_rows.product_ids_by_skus(conn, [(brand_id, sku)])
    if not found:
        raise NotFoundError(f"no SKU {sku!r} in this brand's catalog", candidates)
    return bom_rows.products_by_ids(conn, found.values())[next(iter(found.values()))]


def _confirmed(detail: dict, product: dict, category: str, breaks: list, payload: dict) -> dict:
    changes = {"status": "matched", "rule": "confirmed", "confidence": 1.0, "match_notes": [], "candidates": [],
               "reasons": [f"confirmed by the buyer: {product['sku']}"], "sku": product["sku"], "mpn": product["mpn"],
               "name": product["name_zh"] or product["name_en"], "lifecycle": product["lifecycle"],
               "category": category, "grade": None}
    if detail.get("qty_per_board") is None:
        return changes
    discount = Decimal(payload["discount_pct"]) if payload.get("discount_pct") else None
    price = price_line(product, breaks, Decimal(detail["qty_per_board"]), detail["qty_unit"], payload["boards"],
                       discount, date.fromisoformat(payload["created_at"][:10]), payload["currency"])
    changes.update({"needed": price.needed, "order_qty": price.qty, "currency": price.currency,
                    "list_price": price.list_price, "unit_price": price.unit_price, "extended": price.extended,
                    "price_break": price.price_break, "stock": price.stock, "lead_time_days": price.lead_time_days,
                    "ready": price.ready, "availability": price.availability, "price_notes": price.notes})
    return changes
