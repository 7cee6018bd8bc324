"""What a brand is entitled to now, and the ledger of what it has used.

The rest of jbp asks here before it spends a service on a brand: the CRM before sending marketing
messages, BOM before a quote, the 3D store before hosting a model. `consume` records a use inside the
caller's transaction, so a refused or rolled-back send uses nothing, and the same `ref` twice counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection

from jbp.errors import DataError, JbpError
from jbp.store import Store, tiers_rows
from jbp.tiers.agreements import brand_row_for
from jbp.tiers.assignment import tier_of
from jbp.tiers.periods import period_key
from jbp.tiers.program import Program, program_in_force


class QuotaExceeded(JbpError):
    """A use that would take a brand past its tier's quota for the period."""

    def __init__(self, brand: str, tier: str, service: str, quota: int, used: int, requested: int, period: str):
        self.brand, self.tier, self.service = brand, tier, service
        self.quota, self.used, self.requested, self.period = quota, used, requested, period
        super().__init__(f"{brand} is at tier {tier}: {service} quota {quota:,} for {period}, {used:,} used, "
                         f"{requested:,} more refused ({max(quota - used, 0):,} left)")


class ServiceNotGranted(JbpError):
    """A service the brand's tier does not include."""

    def __init__(self, brand: str, tier: str, service: str):
        self.brand, self.tier, self.service = brand, tier, service
        super().__init__(f"{brand} is at tier {tier}, which does not include {service}")


@dataclass(frozen=True)
class Entitlement:
    """One service for one brand at one moment. quota None is unlimited; `value` is for services that
    promise a number rather than a stock to use up (response_sla_hours)."""

    brand: str
    tier: str
    service: str
    granted: bool
    quota: int | None
    used: int
    period: str  # the ledger period counted: "2026-11", "2026Q4", "2026" or "total"
    remaining: int | None
    per: str | None = None
    value: Decimal | None = None


def entitlement(store: Store, brand: str, service: str, now: datetime) -> Entitlement:
    """What `brand` may use of `service` at `now`, and how much of it is used in the current period."""
    with store.reading() as conn:
        program = program_in_force(conn)
        return entitlement_in(conn, program, brand_row_for(conn, brand), service, now)


def entitlements(store: Store, brand: str, now: datetime) -> list[Entitlement]:
    """Every service of the program for `brand` at `now`, in the program's order."""
    with store.reading() as conn:
        program = program_in_force(conn)
        brand_row = brand_row_for(conn, brand)
        level = tier_of(conn, program, brand_row, now).level
        return [_entitlement(conn, program, brand_row, level.code, code, now) for code in program.services]


def entitlement_in(conn: Connection, program: Program, brand_row: dict, service: str, now: datetime) -> Entitlement:
    program.service(service)
    level = tier_of(conn, program, brand_row, now).level
    return _entitlement(conn, program, brand_row, level.code, service, now)


def _entitlement(conn: Connection, program: Program, brand_row: dict, level_code: str, service: str,
                 now: datetime) -> Entitlement:
    definition = program.service(service)
    grant = program.grant(program.level(level_code), service)
    key = period_key(definition.per or "total", now)
    used = tiers_rows.ledger_used(conn, brand_row["id"], service, [key]) if definition.kind != "value" else 0
    remaining = None if grant.quota is None else max(grant.quota - used, 0)
    return Entitlement(brand=brand_row["code"], tier=level_code, service=service, granted=grant.granted,
                       quota=grant.quota if definition.kind == "quota" else None, used=used, period=key,
                       remaining=remaining if definition.kind == "quota" else None, per=definition.per,
                       value=grant.value)


def consume(conn: Connection, brand: str, service: str, amount: int, now: datetime, ref: str) -> None:
    """Record that `brand` used `amount` of `service` at `now`, inside the caller's transaction.

    Idempotent by `ref` (a message id, a quote id): recording the same ref again does nothing. A negative
    amount gives back (a hosted model removed). Raises ServiceNotGranted or QuotaExceeded, recording nothing.
    """
    if not ref:
        raise DataError("a use of an entitlement needs a ref (the message, quote or model it was for)")
    if amount == 0:
        return
    program = program_in_force(conn)
    definition = program.service(service)
    if definition.kind == "value":
        raise DataError(f"{service} is a promised figure, not something used up")
    brand_row = brand_row_for(conn, brand)
    tiers_rows.lock_brand(conn, brand_row["id"])
    if tiers_rows.ledger_entry(conn, brand_row["id"], service, ref) is not None:
        return
    level = tier_of(conn, program, brand_row, now).level
    grant = program.grant(level, service)
    if not grant.granted:
        raise ServiceNotGranted(brand_row["code"], level.code, service)
    key = period_key(definition.per or "total", now)
    if grant.quota is not None and amount > 0:
        used = tiers_rows.ledger_used(conn, brand_row["id"], service, [key])
        if used + amount > grant.quota:
            raise QuotaExceeded(brand_row["code"], level.code, service, grant.quota, used, amount, key)
    tiers_rows.insert_ledger(conn, {"brand_id": brand_row["id"], "service": service, "period_key": key,
                                    "amount": amount, "level": level.code, "at": now, "ref": ref})


def use(store: Store, brand: str, service: str, amount: int, now: datetime, ref: str) -> Entitlement:
    """`consume` in its own transaction (for account managers booking slots, seats or reports by hand)."""
    with store.transaction() as conn:
        consume(conn, brand, service, amount, now, ref)
    return entitlement(store, brand, service, now)
