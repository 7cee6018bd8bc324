"""`quote_bom`: a buyer's BOM file read, matched, priced and stored as a quote.

A quote is kept with a hash of the file and the options it was quoted with. Quoting the same file
again gives the same quote back (`recognised`) when nothing changed; when prices, stock or the buyer's
confirmations changed the answer, it is stored as a new quote that names the earlier one. A new quote
uses one of the brand's `bom_ordering` entitlements (jbp.tiers; a brand over its monthly quota gets
QuotaExceeded and no quote).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from jbp.bom.columns import read_mapping
from jbp.bom.matching import Candidate, LineMatch, MatchContext, Matcher, Query
from jbp.bom.partnumber_index import load_index
from jbp.bom.partnumbers import packaging_key
from jbp.bom.pricing import DEFAULT_CURRENCY, LinePrice, price_line, ready_date
from jbp.bom.reading import DEFAULT_MAX_ROWS, BomDocument, BomLine, read_bom
from jbp.bom.replacing import Replacer
from jbp.catalog.definitions import Definitions, load_definitions
from jbp.catalog.models import Brand, normalise_part_number
from jbp.errors import JbpError, NotFoundError
from jbp.store import bom_rows
from jbp.workspace import Workspace

ORDERABLE = ("matched", "substituted")
SERVICE = "bom_ordering"


@dataclass
class QuoteOptions:
    sheets: tuple[str, ...] = ()
    all_sheets: bool = False
    customer: str | None = None  # the CRM customer's external id
    brand: str | None = None  # which of the store's brands quotes; needed when it holds several
    boards: int = 1
    mapping: Path | str | None = None
    now: datetime | None = None
    max_rows: int | None = None  # default: [bom] max_rows in jbp.toml, else 50,000
    replace_short_stock: bool = True  # offer a drop-in with stock for a part short of it and not promised
    max_lead_days: int | None = None  # the longest lead time accepted ([bom] max_lead_days); None: any known


@dataclass
class QuoteLine:
    line: BomLine
    key: str
    match: LineMatch
    category: str | None = None  # of the part offered
    price: LinePrice | None = None


@dataclass
class Quote:
    """A quote as computed; `as_dict()` is what is stored, shown and printed as JSON."""

    brand: str
    customer: str | None
    source: str
    content_hash: str
    created_at: datetime
    boards: int
    currency: str
    lines: list[QuoteLine]
    document: BomDocument
    discount_pct: Decimal | None = None
    notes: list[str] = field(default_factory=list)
    id: int | None = None
    recognised: bool = False
    previous_quote_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    entitlement: dict | None = None

    @property
    def total(self) -> Decimal:
        return sum((q.price.extended for q in self.lines if _counted(q, self.currency)), Decimal(0))

    @property
    def ready(self) -> date | None:
        return ready_date([q.price.ready for q in self.lines if q.match.status in ORDERABLE and q.price])

    @cached_property
    def line_documents(self) -> list[dict]:
        return [line_document(q) for q in self.lines]

    def as_dict(self) -> dict:
        lines = self.line_documents
        return {
            "quote_id": self.id, "brand": self.brand, "customer": self.customer, "source": self.source,
            "content_hash": self.content_hash, "created_at": self.created_at, "status": "quoted",
            "recognised": self.recognised, "previous_quote_id": self.previous_quote_id, "boards": self.boards,
            "currency": self.currency, "discount_pct": self.discount_pct, "notes": self.notes,
            "summary": summary_of(lines, self.currency, len(self.document.skipped)),
            "sheets": [{"name": s.name, "rows": len(s.rows),
                        "blocks": [{"header_row": b.header_row,
                                    "columns": [{"column": c.letter, "header": c.header, "field": c.field,
                                                 "decided": c.decided} for c in b.columns if c.header]}
                                   for b in s.blocks]} for s in self.document.sheets],
            "other_sheets": self.document.other_sheets,
            "skipped": [{"sheet": s.sheet, "row": s.row, "reason": s.reason, "text": s.text}
                        for s in self.document.skipped],
            "entitlement": self.entitlement,
            "lines": lines,
        }


def _counted(line: QuoteLine, currency: str) -> bool:
    price = line.price
    return (line.match.status in ORDERABLE and price is not None and price.extended is not None
            and price.currency == currency)


def line_document(quoted: QuoteLine) -> dict:
    """One line as stored and shown: the buyer's cells, the answer and why, the price and the dates."""
    line, match, price = quoted.line, quoted.match, quoted.price
    product = match.product or {}
    document = {
        "position": line.position, "sheet": line.sheet, "row": line.row, "line_key": quoted.key,
        "status": match.status, "rule": match.rule, "confidence": round(match.confidence, 3),
        "reasons": match.reasons,
        "reading_notes": line.notes, "match_notes": match.notes, "price_notes": price.notes if price else [],
        "buyer": line.fields, "qty_per_board": line.qty, "qty_unit": line.qty_unit, "designators": line.designators,
        "sku": product.get("sku"), "mpn": product.get("mpn"), "category": quoted.category,
        "name": product.get("name_zh") or product.get("name_en"), "lifecycle": product.get("lifecycle"),
        "grade": match.grade, "original": match.original,
        "candidates": [{"sku": c.sku, "mpn": c.mpn, "name": c.name} for c in match.candidates],
    }
    for key, attribute in _PRICE_FIELDS.items():
        document[key] = getattr(price, attribute) if price is not None else None
    return document


# line document key -> LinePrice attribute; present (None) on unpriced lines too, so every line has one shape
_PRICE_FIELDS = {"needed": "needed", "order_qty": "qty", "currency": "currency", "list_price": "list_price",
                 "unit_price": "unit_price", "extended": "extended", "price_break": "price_break", "stock": "stock",
                 "lead_time_days": "lead_time_days", "ready": "ready", "availability": "availability"}


def summary_of(lines: list[dict], currency: str, skipped: int) -> dict:
    """Counts by status, the total of orderable priced lines and the day the order ships complete."""
    by_status = {status: 0 for status in ("matched", "substituted", "ambiguous", "not_found", "invalid")}
    total, dates, undated = Decimal(0), [], []
    for line in lines:
        by_status[line["status"]] += 1
        if line["status"] in ORDERABLE:
            if line.get("extended") is not None and line.get("currency") == currency:
                total += Decimal(str(line["extended"]))
            ready = line.get("ready")
            dates.append(ready)
            if ready is None:
                undated.append(line["position"])
    return {"lines": len(lines), "by_status": by_status, "skipped_rows": skipped,
            "priced": sum(1 for line in lines if line.get("extended") is not None), "total": total,
            "currency": currency, "ready": ready_date(dates) if dates else None,
            "lines_without_date": undated}


def quote_bom(workspace: Workspace, path: Path | str, options: QuoteOptions | None = None) -> Quote:
    """Read, match, price and store the BOM in `path` (see the module docstring)."""
    options = options or QuoteOptions()
    if options.boards < 1:
        raise JbpError("--boards must be at least 1")
    stopwatch = Stopwatch()
    mapping = read_mapping(options.mapping)
    max_rows = options.max_rows or int(workspace.setting("bom", "max_rows", DEFAULT_MAX_ROWS))
    document = read_bom(path, sheets=options.sheets, all_sheets=options.all_sheets, mapping=mapping,
                        max_rows=max_rows)
    stopwatch.lap("read")
    now = options.now or datetime.now(UTC).replace(tzinfo=None)
    store = workspace.store
    with store.reading() as conn:
        definitions = load_definitions(conn)
        brand = choose_brand(definitions, options.brand)
        brand_id = definitions.brand_ids[brand.code]
        customer_ref = options.customer or ""
        index = load_index(conn, workspace.index_dir, store.url)
        stopwatch.lap("index")
        context = MatchContext(workspace, conn, definitions, brand, brand_id, index,
                               bom_rows.confirmations(conn, brand_id, customer_ref))
        matcher = Matcher(context)
        queries, matches = _match(matcher, document)
        stopwatch.lap("match")
        max_lead = options.max_lead_days
        if max_lead is None and workspace.setting("bom", "max_lead_days") is not None:
            max_lead = int(workspace.setting("bom", "max_lead_days"))
        replacer = Replacer(store, matcher, options.boards, options.replace_short_stock, max_lead)
        quoted = [_finished(matcher, replacer, query, match) for query, match in zip(queries, matches, strict=True)]
        stopwatch.lap("replace")
        notes: list[str] = []
        discount = _discount(conn, brand_id, options.customer, notes)
        breaks = bom_rows.price_breaks_of(conn, [q.match.product["id"] for q in quoted if q.match.product])
    currency = _currency(quoted, breaks)
    for line in quoted:
        if line.match.product is not None and line.line.qty is not None:
            line.price = price_line(line.match.product, breaks.get(line.match.product["id"], []), line.line.qty,
                                    line.line.qty_unit, options.boards, discount, now.date(), currency)
    stopwatch.lap("price")
    quote = Quote(brand.code, options.customer, Path(path).name, content_hash(path, options, mapping.source),
                  now, options.boards, currency, quoted, document, discount, notes, timings=stopwatch.laps)
    _store(workspace, quote, brand_id)
    stopwatch.lap("store")
    return quote


class Stopwatch:
    """Seconds per stage, for the per-stage times `jbp bom quote` prints and the benchmark reads."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + now - self._last
        self._last = now


def choose_brand(definitions: Definitions, name: str | None) -> Brand:
    """The brand named (any of its names), or the store's only brand."""
    if name:
        return definitions.require_brand(name)
    if len(definitions.brands) == 1:
        return next(iter(definitions.brands.values()))
    if not definitions.brands:
        raise NotFoundError("the store has no brands: define and import a catalog first")
    raise JbpError(f"the store holds {len(definitions.brands)} brands ({', '.join(sorted(definitions.brands))}): "
                   "say which one quotes with --brand")


def _match(matcher: Matcher, document: BomDocument) -> tuple[list[Query], list[LineMatch]]:
    queries = [matcher.prepare(line) for line in document.lines]
    entries = matcher.lookup(queries)
    keys = {key for q in queries for text in q.mpn_texts
            for key in (normalise_part_number(text), packaging_key(text)) if key}
    cross_refs: dict[str, list[dict]] = {}
    for ref in bom_rows.cross_refs_by_mpns(matcher.context.conn, keys):
        cross_refs.setdefault(ref["other_mpn_norm"], []).append(ref)
    return queries, matcher.match_all(queries, entries, cross_refs)


def _finished(matcher: Matcher, replacer: Replacer, query: Query, found: LineMatch) -> QuoteLine:
    """What is found, checked for what can be sold; a line with bad cells is invalid whatever it matched."""
    match = replacer.finish(query, found)
    if query.line.problems:
        match = _invalid(match, query.line.problems)
    category = matcher.category_code(match.product) if match.product else None
    return QuoteLine(query.line, query.key, match, category)


def _invalid(match: LineMatch, problems: list[str]) -> LineMatch:
    """A line with bad cells is invalid; what its part number matched is kept as the suggestion."""
    candidates = list(match.candidates)
    if match.product is not None:
        product = match.product
        candidates.insert(0, Candidate(product["sku"], product["mpn"], product["name_zh"] or product["name_en"]))
    return LineMatch("invalid", "invalid", 0.0, None, reasons=list(problems), notes=match.reasons,
                     candidates=candidates, original=match.original)


def _discount(conn, brand_id: int, customer: str | None, notes: list[str]) -> Decimal | None:
    if not customer:
        return None
    known, discount = bom_rows.customer_discount(conn, brand_id, customer)
    if not known:
        notes.append(f"customer {customer!r} has no record with a discount: list prices")
    elif discount:
        notes.append(f"customer {customer!r}: {discount.normalize():f}% discount")
    return discount


def _currency(quoted: list[QuoteLine], breaks: dict[int, list]) -> str:
    """CNY, unless no offered part is priced in it and they share another."""
    currencies = {c for q in quoted if q.match.product for c, _, _ in breaks.get(q.match.product["id"], [])}
    if DEFAULT_CURRENCY in currencies or not currencies:
        return DEFAULT_CURRENCY
    return sorted(currencies)[0]


def content_hash(path: Path | str, options: QuoteOptions, mapping_source: str | None) -> str:
    """The file's bytes and the options that change the answer: the same file quoted the same way twice."""
    digest = hashlib.sha256(Path(path).read_bytes())
    mapping_text = Path(mapping_source).read_bytes().hex() if mapping_source else None
    settings = {"sheets": sorted(options.sheets), "all": options.all_sheets, "boards": options.boards,
                "mapping": mapping_text, "short": options.replace_short_stock}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def result_hash(document: dict) -> str:
    """What the quote says, without when it was made: equal hashes mean the same answer."""
    lines = [[line["status"], line["rule"], line["sku"], line.get("order_qty"), str(line.get("unit_price")),
              str(line.get("extended")), str(line.get("ready"))] for line in document["lines"]]
    answer = [lines, str(document["discount_pct"]), document["currency"]]
    return hashlib.sha256(json.dumps(answer, default=str).encode()).hexdigest()


def _store(workspace: Workspace, quote: Quote, brand_id: int) -> None:
    from jbp.tiers import consume, entitlement

    document = quote.as_dict()
    answer = result_hash(document)
    with workspace.store.transaction() as conn:
        earlier = bom_rows.quotes_with_hash(conn, brand_id, quote.customer, quote.content_hash)
        if earlier and earlier[0]["result_hash"] == answer:
            quote.id, quote.recognised, quote.created_at = earlier[0]["id"], True, earlier[0]["created_at"]
            quote.notes.append(f"the same file was quoted as {quote.id} on {quote.created_at:%Y-%m-%d %H:%M}, with "
                               "the same answer")
        else:
            if earlier:
                quote.previous_quote_id = earlier[0]["id"]
                quote.notes.append(f"this file was quoted before as {earlier[0]['id']}; prices, stock or "
                                   "confirmations changed the answer")
            document = quote.as_dict()
            quote.id = bom_rows.insert_quote(conn, _quote_row(quote, document, brand_id, answer),
                                             [_line_row(line) for line in document["lines"]])
            consume(conn, quote.brand, SERVICE, 1, quote.created_at, f"bom_quote:{quote.id}")
    granted = entitlement(workspace.store, quote.brand, SERVICE, quote.created_at)
    quote.entitlement = {"tier": granted.tier, "period": granted.period, "quota": granted.quota,
                         "used": granted.used, "remaining": granted.remaining}


def _quote_row(quote: Quote, document: dict, brand_id: int, answer: str) -> dict:
    summary = document["summary"]
    payload = {key: value for key, value in document.items() if key not in ("lines", "quote_id")}
    return {"brand_id": brand_id, "customer_ref": quote.customer, "content_hash": quote.content_hash,
            "result_hash": answer, "source_name": quote.source, "created_at": quote.created_at, "status": "quoted",
            "currency": quote.currency, "total": summary["total"], "lines_total": summary["lines"],
            "lines_matched": summary["by_status"]["matched"] + summary["by_status"]["substituted"],
            "boards": quote.boards, "payload": jsonable(payload)}


def _line_row(line: dict) -> dict:
    return {"position": line["position"], "sheet": line["sheet"], "row": line["row"], "line_key": line["line_key"],
            "status": line["status"], "rule": line["rule"], "confidence": line["confidence"], "sku": line["sku"],
            "category_code": line.get("category"), "qty": line.get("order_qty"), "unit_price": line.get("unit_price"),
            "extended": line.get("extended"), "detail": line}


def jsonable(value):
    """Decimals, dates and datetimes as text, so the JSON columns hold no float money and load anywhere."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
