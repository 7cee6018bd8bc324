"""Pricing a matched line, in Decimal: quantity × boards, rounded up to whole units, the minimum order and
the order multiple; the price break for that quantity; the customer's discount; stock against lead time.

Prices are the catalog's (per currency, CNY first); a unit price after discount keeps four decimals
(resistors cost fractions of a fen), an extended price is rounded to cents, half up. A line ships on
the quote date when stock covers it, else after the product's lead time; an order ships complete on
the latest of its lines' dates, and has no such date while any line's is unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from jbp.units import try_parse_quantity

UNIT_PRICE_PLACES = Decimal("0.0001")
CENTS = Decimal("0.01")
HUNDRED = Decimal(100)
DEFAULT_CURRENCY = "CNY"


@dataclass
class LinePrice:
    needed: Decimal  # per-board quantity × boards, in the line's unit
    qty: int  # what is ordered
    currency: str | None = None
    list_price: Decimal | None = None  # unit price at the break reached
    unit_price: Decimal | None = None  # after the customer's discount
    extended: Decimal | None = None
    price_break: int | None = None  # the break's minimum quantity
    stock: int | None = None
    lead_time_days: int | None = None
    ready: date | None = None
    availability: str = ""
    notes: list[str] = field(default_factory=list)


def price_line(product: dict, breaks: list[tuple[str, int, Decimal]], per_board: Decimal, qty_unit: str,
               boards: int, discount_pct: Decimal | None, today: date, currency: str = DEFAULT_CURRENCY) -> LinePrice:
    """Price `per_board × boards` of `product` (a products row) with its price `breaks` (currency, min, price)."""
    needed = per_board * boards
    notes: list[str] = []
    if qty_unit and qty_unit != _unit_dimension(product["unit"]):
        notes.append(f"the BOM gives {_plain(needed)} {qty_unit}; {product['sku']} is sold per {product['unit']}")
    qty = math.ceil(needed)
    if qty != needed:
        notes.append(f"{_plain(needed)} rounded up to {qty}")
    moq, multiple = product["moq"] or 1, product["order_multiple"] or 1
    if qty < moq:
        notes.append(f"raised from {qty} to the minimum order of {moq}")
        qty = moq
    if qty % multiple:
        rounded = (qty // multiple + 1) * multiple
        notes.append(f"rounded up from {qty} to {rounded}, a multiple of {multiple}")
        qty = rounded
    price = LinePrice(needed, qty, notes=notes, stock=product["stock"], lead_time_days=product["lead_time_days"])
    _apply_break(price, breaks, currency)
    if price.list_price is not None:
        price.unit_price = price.list_price
        if discount_pct:
            price.unit_price = (price.list_price * (HUNDRED - discount_pct) / HUNDRED).quantize(
                UNIT_PRICE_PLACES, ROUND_HALF_UP)
        price.extended = (price.unit_price * price.qty).quantize(CENTS, ROUND_HALF_UP)
    _availability(price, today)
    return price


def _apply_break(price: LinePrice, breaks: list[tuple[str, int, Decimal]], wanted: str) -> None:
    currencies = sorted({currency for currency, _, _ in breaks})
    if not currencies:
        price.notes.append("no price in the catalog")
        return
    currency = wanted if wanted in currencies else currencies[0]
    if currency != wanted:
        price.notes.append(f"priced in {currency}, not {wanted}: left out of the total")
    mine = [(minimum, amount) for c, minimum, amount in breaks if c == currency]
    reached = [(minimum, amount) for minimum, amount in mine if minimum <= price.qty]
    if not reached:
        first = min(minimum for minimum, _ in mine)
        price.notes.append(f"no price below {first}: raised from {price.qty} to {first}")
        price.qty = first
        reached = [(minimum, amount) for minimum, amount in mine if minimum <= price.qty]
    price.price_break, list_price = max(reached)
    price.list_price = money(list_price)
    price.currency = currency


def _availability(price: LinePrice, today: date) -> None:
    stock, lead = price.stock, price.lead_time_days
    if stock is not None and stock >= price.qty:
        price.ready, price.availability = today, "in stock"
    elif lead is not None:
        price.ready = today + timedelta(days=lead)
        price.availability = (f"{stock} in stock, the rest in {lead} days" if stock else f"ships in {lead} days")
    else:
        price.availability = f"{stock} in stock, no lead time known" if stock else "stock and lead time unknown"


def _unit_dimension(unit: str) -> str:
    """The SI unit a sales unit measures in (`m`, `米` -> `m`), or "" for pieces, sets and the like."""
    parsed = try_parse_quantity(f"1 {unit}") if unit else None
    return parsed.unit if parsed is not None and parsed.value is not None else ""


def money(value: Decimal | str) -> Decimal:
    """An amount as stored (56.800000) in its shortest exact form with at least cents (56.80, 0.0123)."""
    value = Decimal(value)
    cents = value.quantize(CENTS)
    return cents if cents == value else value.normalize()


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def ready_date(dates: list[date | None]) -> date | None:
    """The day every line can ship: the latest line date, None while any is unknown."""
    if not dates or any(d is None for d in dates):
        return None
    return max(dates)
