"""Which level a brand is at: placed by the program's criteria from its agreement, overridden by a
person (who and why are kept), or changed by a quarterly review; every decision is kept as history.

A brand with no agreement in force is at the program's `unsigned` level. Each criterion's value lands
in exactly one level's range (the program is checked for that); the brand's level is the lowest of
those, so the reasons say which criterion held it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection

from jbp.catalog.definitions import load_definitions
from jbp.errors import DataError, NotFoundError
from jbp.store import Store, tiers_rows
from jbp.tiers.agreements import Agreement, brand_row_for, check_no_overlap_among, load_agreement, save_agreement
from jbp.tiers.kpis import format_value
from jbp.tiers.program import CRITERIA, UNSIGNED, Band, Level, Program, program_in_force


@dataclass(frozen=True)
class Placement:
    """The level a set of criterion values reaches, with one reason per criterion."""

    level: Level
    reasons: list[dict]


def band_of(program: Program, level: Level, criterion: str) -> Band:
    """The range of `criterion` that belongs to `level` (unsigned: everything under the lowest signed level)."""
    if criterion in level.criteria:
        return level.criteria[criterion]
    floors = [lv.criteria[criterion].low for lv in program.levels if criterion in lv.criteria]
    return Band(Decimal(0), min(floors) if floors else None)


def place(program: Program, values: dict[str, Decimal | None]) -> Placement:
    """The highest level whose range every criterion value reaches (a missing value reaches none)."""
    reasons, reached = [], []
    for code in program.criteria_codes():
        value = values.get(code)
        landed = program.unsigned
        if value is not None:
            landed = next((lv for lv in reversed(program.levels) if value in band_of(program, lv, code)),
                          program.unsigned)
        band = band_of(program, landed, code)
        reached.append(landed)
        reasons.append({"kind": "criterion", "criterion": code, "value": None if value is None else str(value),
                        "level": landed.code, "low": str(band.low),
                        "high": None if band.high is None else str(band.high)})
    level = min(reached, key=lambda lv: lv.position) if reached else program.unsigned
    return Placement(level, reasons)


def describe_reasons(program: Program, reasons: list[dict], lang: str = "en") -> list[str]:
    """Stored reasons as sentences, in Chinese or English."""
    lines = []
    for reason in reasons:
        kind = reason.get("kind")
        if kind == "criterion":
            criterion = CRITERIA[reason["criterion"]]
            level = _level_name(program, reason["level"], lang)
            band = Band(Decimal(reason["low"]), None if reason["high"] is None else Decimal(reason["high"]))
            if reason["value"] is None:
                value = "未承诺" if lang == "zh" else "not committed"
            else:
                value = format_value(Decimal(reason["value"]), criterion.unit, program.currency)
            lines.append(f"{criterion.name(lang)} {value} → {level} "
                         f"({band.describe(criterion.unit, program.currency)})")
        elif kind == "no_agreement":
            lines.append(f"{reason['on']} 无生效中的JBP协议" if lang == "zh"
                         else f"no agreement in force on {reason['on']}")
        elif kind in ("override", "review"):
            who = reason.get("by") or "?"
            head = {"override": ("人工调整", "override"), "review": ("季度评审", "quarterly review")}[kind]
            label = head[0] if lang == "zh" else head[1]
            period = f" {reason['period']}" if reason.get("period") else ""
            lines.append(f"{label}{period}: {reason.get('from', '?')} → {reason['level']} "
                         f"({who}: {reason.get('why') or '-'})")
    return lines


def _level_name(program: Program, code: str, lang: str) -> str:
    try:
        return program.level(code).name(lang)
    except NotFoundError:  # a level of an earlier program
        return code


@dataclass
class TierStatus:
    """A brand's level at a moment, how it was decided and under which agreement."""

    brand: str
    level: Level
    source: str  # criteria | override | review | no agreement
    reasons: list[dict] = field(default_factory=list)
    decided_by: str | None = None
    why: str | None = None
    decided_at: datetime | None = None
    agreement: dict | None = None


def tier_of(conn: Connection, program: Program, brand_row: dict, now: datetime) -> TierStatus:
    """The level in force for a brand at `now`: the latest decision on the agreement in force then."""
    agreement = tiers_rows.agreement_in_force(conn, brand_row["id"], now.date())
    if agreement is None:
        return TierStatus(brand_row["code"], program.unsigned, "no agreement",
                          [{"kind": "no_agreement", "on": now.date().isoformat()}])
    history = tiers_rows.assignments_of(conn, brand_row["id"], agreement["id"])
    decided = [row for row in history if row["decided_at"] <= now] or history[:1]
    level_codes = {lv.code for lv in program.levels}
    if not decided or decided[-1]["level"] not in level_codes:
        # never assigned, or assigned a level the program in force no longer has: place it afresh
        values = load_agreement(conn, agreement, brand_row["code"]).criteria_values()
        placement = place(program, values)
        return TierStatus(brand_row["code"], placement.level, "criteria", placement.reasons, agreement=agreement)
    row = decided[-1]
    return TierStatus(brand_row["code"], program.level(row["level"]), row["source"], row["reasons"],
                      row["decided_by"], row["why"], row["decided_at"], agreement)


def assign_from_criteria(conn: Connection, program: Program, brand_id: int, agreement_id: int,
                         agreement: Agreement, now: datetime, by: str = "") -> dict:
    """Place an agreement by the program's criteria and record the assignment."""
    placement = place(program, agreement.criteria_values())
    row = {"brand_id": brand_id, "agreement_id": agreement_id, "level": placement.level.code, "source": "criteria",
           "reasons": placement.reasons, "decided_by": by or None, "why": None, "decided_at": now,
           "program": program.code}
    row["id"] = tiers_rows.insert_assignment(conn, row)
    return row


@dataclass
class RecordedAgreement:
    code: str
    brand: str
    changed: bool
    level: str
    reasons: list[str]


def record_agreements(store: Store, agreements: list[Agreement], now: datetime,
                      by: str = "") -> list[RecordedAgreement]:
    """Validate and save agreements in one transaction; each new or changed one is assigned its tier."""
    check_no_overlap_among(agreements)
    recorded = []
    with store.transaction() as conn:
        program = program_in_force(conn)
        definitions = load_definitions(conn)
        for agreement in agreements:
            agreement_id, brand_id, changed = save_agreement(conn, agreement, now, definitions)
            history = tiers_rows.assignments_of(conn, brand_id, agreement_id)
            assignment = (assign_from_criteria(conn, program, brand_id, agreement_id, agreement, now, by)
                          if changed or not history else history[-1])
            recorded.append(RecordedAgreement(agreement.code, agreement.brand, changed, assignment["level"],
                                              describe_reasons(program, assignment["reasons"])))
    return recorded


def current_tier(store: Store, brand: str, now: datetime) -> TierStatus:
    with store.reading() as conn:
        return tier_of(conn, program_in_force(conn), brand_row_for(conn, brand), now)


def reassign(store: Store, brand: str, now: datetime, by: str = "") -> TierStatus:
    """Place the agreement in force again by the program's criteria (after a program change, or to undo an
    override) and record it when the level changes."""
    with store.transaction() as conn:
        program = program_in_force(conn)
        brand_row = brand_row_for(conn, brand)
        status = tier_of(conn, program, brand_row, now)
        if status.agreement is None:
            return status
        agreement = load_agreement(conn, status.agreement, brand_row["code"])
        if place(program, agreement.criteria_values()).level.code != status.level.code or status.source != "criteria":
            assign_from_criteria(conn, program, brand_row["id"], status.agreement["id"], agreement, now, by)
        return tier_of(conn, program, brand_row, now)


def record_decision(conn: Connection, program: Program, brand_row: dict, level: str, source: str, by: str,
                    why: str, now: datetime, period: str | None = None) -> TierStatus:
    """Record a person's decision (override, or a review's promote/demote) on the agreement in force."""
    if not by.strip():
        raise DataError(f"an {source} must say who decides it (--by)")
    if source == "override" and not why.strip():
        raise DataError("an override must say why (--why)")
    target = program.level(level)
    status = tier_of(conn, program, brand_row, now)
    if status.agreement is None:
        raise DataError(f"{brand_row['code']} has no agreement in force on {now.date()}: record its agreement first "
                        f"(a brand without one is {UNSIGNED})")
    reason = {"kind": source, "level": target.code, "from": status.level.code, "by": by, "why": why,
              "period": period}
    tiers_rows.insert_assignment(conn, {
        "brand_id": brand_row["id"], "agreement_id": status.agreement["id"], "level": target.code, "source": source,
        "reasons": [reason], "decided_by": by, "why": why or None, "decided_at": now, "program": program.code})
    return tier_of(conn, program, brand_row, now)


def override(store: Store, brand: str, level: str, by: str, why: str, now: datetime) -> TierStatus:
    """Set a brand's level by hand, recording who and why."""
    with store.transaction() as conn:
        return record_decision(conn, program_in_force(conn), brand_row_for(conn, brand), level, "override", by, why,
                               now)


def tier_history(store: Store, brand: str) -> list[dict]:
    """Every assignment of a brand, oldest first, with its agreement code and reasons as English sentences."""
    with store.reading() as conn:
        program = program_in_force(conn)
        brand_row = brand_row_for(conn, brand)
        codes = {row["id"]: row["code"] for row in tiers_rows.agreements_of(conn, brand_row["id"])}
        return [{**row, "agreement": codes.get(row["agreement_id"]),
                 "explained": describe_reasons(program, row["reasons"])}
                for row in tiers_rows.assignments_of(conn, brand_row["id"])]
