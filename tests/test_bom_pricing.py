"""Pricing a line in Decimal: boards, rounding up, MOQ and order multiple, price breaks, discount, stock and
lead time, and the day an order ships complete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jbp.bom.pricing import money, price_line, ready_date

TODAY = date(2026, 11, 20)
BREAKS = [("CNY", 1, Decimal("10.000000")), ("CNY", 100, Decimal("9.500000")), ("CNY", 1000, Decimal("9.000000"))]


def product(**overrides) -> dict:
    row = {"sku": "836012", "unit": "个", "moq": 1, "order_multiple": 1, "stock": 5000, "lead_time_days": 15}
    return {**row, **overrides}


def test_quantity_is_per_board_times_boards_then_raised_to_the_moq_and_the_order_multiple():
    price = price_line(product(moq=10, order_multiple=10), BREAKS, Decimal(3), "", 4, None, TODAY)
    assert (price.needed, price.qty) == (Decimal(12), 20)
    assert price.notes == ["rounded up from 12 to 20, a multiple of 10"]
    small = price_line(product(moq=50, order_multiple=25), BREAKS, Decimal(1), "", 2, None, TODAY)
    assert small.qty == 50 and small.notes == ["raised from 2 to the minimum order of 50"]


def test_fractional_quantities_round_up_to_whole_units_with_a_note():
    price = price_line(product(unit="m"), BREAKS, Decimal("2.5"), "m", 3, None, TODAY)
    assert (price.needed, price.qty, price.notes) == (Decimal("7.5"), 8, ["7.5 rounded up to 8"])
    pieces = price_line(product(), BREAKS, Decimal("2.5"), "m", 1, None, TODAY)
    assert "the BOM gives 2.5 m; 836012 is sold per 个" in pieces.notes


@pytest.mark.parametrize(("per_board", "boards", "list_price", "extended"), [
    (1, 1, "10.00", "10.00"), (99, 1, "10.00", "990.00"), (50, 2, "9.50", "950.00"), (1, 1000, "9.00", "9000.00"),
])
def test_the_price_break_reached_by_the_ordered_quantity_applies(per_board, boards, list_price, extended):
    price = price_line(product(), BREAKS, Decimal(per_board), "", boards, None, TODAY)
    assert (price.list_price, price.unit_price, price.extended) == (Decimal(list_price), Decimal(list_price),
                                                                    Decimal(extended))
    assert price.currency == "CNY" and isinstance(price.extended, Decimal)


def test_the_customers_discount_keeps_four_decimals_and_the_extended_price_is_rounded_to_cents():
    price = price_line(product(), BREAKS, Decimal(100), "", 1, Decimal("5"), TODAY)
    assert (price.list_price, price.unit_price, price.extended) == (Decimal("9.50"), Decimal("9.0250"),
                                                                    Decimal("902.50"))
    odd = price_line(product(), [("CNY", 1, Decimal("0.0123"))], Decimal(3), "", 1, Decimal("12.5"), TODAY)
    assert (odd.unit_price, odd.extended) == (Decimal("0.0108"), Decimal("0.03"))


def test_below_the_first_break_the_quantity_is_raised_to_it_and_other_currencies_are_named():
    price = price_line(product(), [("CNY", 100, Decimal("1.2"))], Decimal(20), "", 1, None, TODAY)
    assert (price.qty, price.extended) == (100, Decimal("120.00"))
    assert price.notes == ["no price below 100: raised from 20 to 100"]
    dollars = price_line(product(), [("USD", 1, Decimal("2"))], Decimal(1), "", 1, None, TODAY)
    assert dollars.currency == "USD" and "priced in USD, not CNY: left out of the total" in dollars.notes
    unpriced = price_line(product(), [], Decimal(1), "", 1, None, TODAY)
    assert unpriced.unit_price is None and unpriced.notes == ["no price in the catalog"]


@pytest.mark.parametrize(("stock", "lead", "ready", "availability"), [
    (5000, 15, date(2026, 11, 20), "in stock"),
    (40, 15, date(2026, 12, 5), "40 in stock, the rest in 15 days"),
    (0, 7, date(2026, 11, 27), "ships in 7 days"),
    (None, None, None, "stock and lead time unknown"),
    (40, None, None, "40 in stock, no lead time known"),
])
def test_stock_against_lead_time_gives_the_day_a_line_ships(stock, lead, ready, availability):
    price = price_line(product(stock=stock, lead_time_days=lead), BREAKS, Decimal(100), "", 1, None, TODAY)
    assert (price.ready, price.availability) == (ready, availability)


def test_an_order_ships_complete_on_its_latest_line_and_not_while_one_is_unknown():
    assert ready_date([date(2026, 11, 20), date(2026, 12, 5)]) == date(2026, 12, 5)
    assert ready_date([date(2026, 11, 20), None]) is None


def test_stored_amounts_come_back_in_their_shortest_exact_form():
    assert (money("56.800000"), money("0.012300"), money(Decimal("17812.200000"))) == (
        Decimal("56.80"), Decimal("0.0123"), Decimal("17812.20"))
