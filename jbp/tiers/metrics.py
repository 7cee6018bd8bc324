"""A brand's actuals for a quarter, measured from the store: orders and buyers, BOM quotes, catalog
completeness and 3D coverage, CRM customers, campaign results and inquiry response times.

Orders, quotes, customers and events come from the BOM and CRM areas, read through `tiers_rows`; where
a workspace has none of those tables or rows, the KPI is None ("no data"), never a division by zero.
Catalog completeness uses catalog.quality's weights, aggregated for one brand in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection

from jbp.catalog.definitions import load_definitions
from jbp.catalog.quality import WEIGHTS
from jbp.store import Store, tiers_rows
from jbp.tiers.kpis import plain
from jbp.tiers.periods import Quarter

HUNDRED, CENT = Decimal(100), Decimal("0.01")
EVENT_KINDS = ("bom_upload", "quote", "order", "search", "inquiry", "message_sent", "message_clicked")


@dataclass
class CatalogFigures:
    skus: int = 0
    completeness: Decimal | None = None  # percent, catalog.quality's score over the brand's SKUs
    model3d_coverage: Decimal | None = None  # percent of SKUs with a 3D model
    categories: list[dict] = field(default_factory=list)  # per category: code, name, skus, score, parts (%)


@dataclass
class Actuals:
    period: str
    values: dict[str, Decimal | None]  # KPI code -> actual (None: no data)
    figures: dict[str, Decimal | int | None] = field(default_factory=dict)  # supporting counts
    missing_tables: list[str] = field(default_factory=list)
    has_activity: bool = False  # any order, quote or event in the period


def activity(conn: Connection, brand_id: int, quarters: list[Quarter], currency: str) -> list[dict]:
    """Orders and buyers of each of consecutive `quarters` (oldest first, at least two), BOM quotes of the last
    two, in a few grouped queries.

    A quarter's dict has the keys of tiers_rows.order_periods and quote_periods, None where not recorded.
    """
    present = tiers_rows.present_tables(conn)
    bounds = [q.starts for q in quarters] + [quarters[-1].ends]
    orders = (tiers_rows.order_periods(conn, brand_id, bounds, currency) if "orders" in present
              else [dict.fromkeys(("orders", "orders_in_currency", "gmv", "orders_other_currency", "active_buyers",
                                   "new_buyers")) for _ in quarters])
    # quotes only of the last two quarters (the reviewed one and the one before): nothing shows older ones
    quotes = [{"quotes": None, "quotes_converted": None} for _ in quarters[:-2]]
    if "bom_quotes" in present:
        quotes += tiers_rows.quote_periods(conn, brand_id, bounds[-3:])
    else:
        quotes += [{"quotes": None, "quotes_converted": None} for _ in quarters[-2:]]
    for period in orders:
        if period["gmv"] is not None:
            period["gmv"] = plain(period["gmv"])
    return [{"period": str(q), **o, **b} for q, o, b in zip(quarters, orders, quotes, strict=True)]


def measure(conn: Connection, brand_id: int, quarter: Quarter, period: dict, catalog: CatalogFigures | None) -> Actuals:
    """The KPIs of `quarter` for one brand from its `activity` entry; `catalog` is today's (None for a past
    quarter)."""
    start, end = quarter.starts, quarter.ends
    present = tiers_rows.present_tables(conn)
    values: dict[str, Decimal | None] = dict.fromkeys(
        ("gmv", "orders", "active_buyers", "new_buyers", "repeat_rate", "catalog_completeness", "model3d_coverage",
         "bom_quotes", "bom_conversion", "response_time"))
    figures: dict[str, Decimal | int | None] = {k: v for k, v in period.items() if k != "period" and v is not None}
    activity = (period["orders"] or 0) + (period["quotes"] or 0)
    if period["orders"]:
        repeat = tiers_rows.repeat_buyers(conn, brand_id, start, end)
        figures["repeat_buyers"] = repeat
        values.update(gmv=period["gmv"], orders=Decimal(period["orders"]),
                      active_buyers=Decimal(period["active_buyers"]), new_buyers=Decimal(period["new_buyers"]),
                      repeat_rate=_share(repeat, period["active_buyers"]))
    if period["quotes"]:
        values.update(bom_quotes=Decimal(period["quotes"]),
                      bom_conversion=_share(period["quotes_converted"], period["quotes"]))
    if "customers" in present:
        figures.update(tiers_rows.customer_figures(conn, brand_id, start, end))
    if "events" in present:
        counts = tiers_rows.event_counts(conn, brand_id, start, end, EVENT_KINDS)
        activity += sum(counts.values())
        sent, clicked = counts.get("message_sent", 0), counts.get("message_clicked", 0)
        figures.update(messages_sent=sent, messages_clicked=clicked, click_rate=_share(clicked, sent),
                       inquiries=counts.get("inquiry", 0))
        values["response_time"] = _mean_response_hours(tiers_rows.inquiry_payloads(conn, brand_id, start, end))
    if catalog is not None and catalog.skus:
        values.update(catalog_completeness=catalog.completeness, model3d_coverage=catalog.model3d_coverage)
        figures["skus"] = catalog.skus
    missing = [name for name in ("orders", "bom_quotes", "customers", "events") if name not in present]
    return Actuals(str(quarter), values, figures, missing, activity > 0)


def _share(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def _mean_response_hours(inquiries: list[tuple]) -> Decimal | None:
    """Mean hours to answer an inquiry: its payload's `response_hours`, or `responded_at` minus its time."""
    hours = []
    for at, payload in inquiries:
        payload = payload or {}
        if payload.get("response_hours") is not None:
            hours.append(Decimal(str(payload["response_hours"])))
        elif payload.get("responded_at"):
            answered = datetime.fromisoformat(str(payload["responded_at"]))
            hours.append(Decimal((answered - at).total_seconds()) / 3600)
    return (sum(hours, Decimal(0)) / len(hours)).quantize(Decimal("0.1")) if hours else None


@contextmanager
def catalog_in_background(store: Store, brand_id: int) -> Iterator[Future]:
    """Measure the brand's catalog on a second connection while the caller reads its orders and events.

    These are a review's two heavy reads; sqlite3 and psycopg release the GIL while the database works, so
    on two cores they take the time of the longer one rather than of both. The future gives CatalogFigures.
    """
    def run() -> CatalogFigures:
        with store.reading() as conn:
            return catalog_figures(conn, brand_id)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jbp-catalog") as pool:
        yield pool.submit(run)


def catalog_figures(conn: Connection, brand_id: int) -> CatalogFigures:
    """The brand's catalog completeness (catalog.quality's score) and 3D model coverage, per category too."""
    definitions = load_definitions(conn)
    required: dict[int, list[int]] = {}
    for code, category in definitions.categories.items():
        codes = [p.code for p in category.parameters if p.required] or [p.code for p in category.parameters]
        required[definitions.category_ids[code]] = [definitions.parameter_ids[(code, c)] for c in codes]
    counts = tiers_rows.completeness_counts(conn, brand_id, required)
    by_id = {definitions.category_ids[code]: category for code, category in definitions.categories.items()}
    figures = CatalogFigures()
    totals = dict.fromkeys(WEIGHTS, Decimal(0))
    for category_id, row in counts.items():
        skus = row["skus"]
        params = len(required.get(category_id, []))
        parts = {"parameters": Decimal(row["values"]) / (skus * params) if params else Decimal(1),
                 "price": Decimal(row["priced"]) / skus, "image": Decimal(row["image"]) / skus,
                 "model3d": Decimal(row["model3d"]) / skus}
        score = sum((Decimal(str(WEIGHTS[k])) * v for k, v in parts.items()), Decimal(0))
        category = by_id[category_id]
        figures.categories.append({"code": category.code, "name_zh": category.name_zh, "name_en": category.name_en,
                                   "skus": skus, "score": _percent(score),
                                   **{k: _percent(v) for k, v in parts.items()}})
        figures.skus += skus
        for key, value in parts.items():
            totals[key] += value * skus
    if figures.skus:
        score = sum((Decimal(str(WEIGHTS[k])) * v for k, v in totals.items()), Decimal(0)) / figures.skus
        figures.completeness = _percent(score)
        figures.model3d_coverage = _percent(totals["model3d"] / figures.skus)
    figures.categories.sort(key=lambda c: c["score"])
    return figures


def _percent(share: Decimal) -> Decimal:
    return (share * HUNDRED).quantize(CENT, ROUND_HALF_UP)
