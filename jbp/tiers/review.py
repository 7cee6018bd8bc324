"""The quarterly review: actuals against the agreement's targets (red / amber / green), the program's
criteria measured on actuals, and a proposal to keep, promote or demote with the distance to every
threshold. A decision on it is stored with its figures, so the history shows what was known when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from jbp.errors import DataError
from jbp.store import Store, tiers_rows
from jbp.tiers.agreements import Agreement, brand_row_for, load_agreement
from jbp.tiers.assignment import TierStatus, band_of, place, record_decision, tier_of
from jbp.tiers.kpis import KPIS
from jbp.tiers.metrics import Actuals, CatalogFigures, activity, catalog_in_background, measure
from jbp.tiers.periods import Quarter
from jbp.tiers.program import Level, Program, program_in_force

DECISIONS = ("accept", "keep", "promote", "demote")
TREND_QUARTERS = 6  # the report's trend charts; the last four also give the annual GMV a review measures
LATE_REVIEW = timedelta(days=45)  # reviewed this long after the quarter, today's catalog may differ from then


@dataclass
class ScoreLine:
    kpi: str
    target: Decimal | None
    actual: Decimal | None
    last: Decimal | None
    status: str  # green | amber | red | no target | no data
    attainment: Decimal | None  # percent of the target reached (for lower-is-better KPIs: target / actual)


@dataclass
class Threshold:
    level: str
    floor: Decimal
    distance: Decimal | None  # value - floor: negative is how far short of the level


@dataclass
class CriterionCheck:
    criterion: str
    value: Decimal | None
    level: str  # the level this value reaches
    thresholds: list[Threshold]


@dataclass
class Review:
    brand: dict  # id, code, name_zh, name_en
    period: str
    program: Program
    tier: TierStatus
    agreement: Agreement | None
    actuals: Actuals
    last: Actuals
    catalog: CatalogFigures
    scorecard: list[ScoreLine]
    criteria: list[CriterionCheck]
    proposal: str  # keep | promote | demote
    proposed_level: Level
    trend: list[dict] = field(default_factory=list)  # GMV and buyers of the last quarters, oldest first
    history: list[dict] = field(default_factory=list)  # stored reviews of the brand, oldest first
    notes: list[tuple[str, dict]] = field(default_factory=list)  # (code, parameters): labels.note_text


def rag(kpi: str, target: Decimal | None, actual: Decimal | None, amber: Decimal) -> tuple[str, Decimal | None]:
    """Status and attainment of one KPI: green on target, amber within `amber` of it, red further off."""
    if target is None:
        return "no target", None
    if actual is None:
        return "no data", None
    if KPIS[kpi].higher_is_better:
        attainment = actual * 100 / target if target else None
        met, near = actual >= target, actual >= target * amber
    else:
        attainment = target * 100 / actual if actual else None
        met, near = actual <= target, actual * amber <= target
    status = "green" if met else "amber" if near else "red"
    return status, None if attainment is None else attainment.quantize(Decimal("0.1"))


def review(store: Store, brand: str, period: str, now: datetime) -> Review:
    """Measure a brand's quarter, compare it with its targets and propose its next level."""
    quarter = Quarter.parse(period)
    with store.reading() as conn:
        return review_in(store, conn, program_in_force(conn), brand_row_for(conn, brand), quarter, now)


def review_in(store: Store, conn: Connection, program: Program, brand_row: dict, quarter: Quarter,
              now: datetime) -> Review:
    """`review` on an open connection with the program already loaded (the catalog is measured on a second
    connection of `store` meanwhile)."""
    tier = tier_of(conn, program, brand_row, now)
    agreement_row = (tiers_rows.agreement_in_force(conn, brand_row["id"], quarter.last_day)
                     or tiers_rows.agreement_in_force(conn, brand_row["id"], quarter.first_day) or tier.agreement)
    agreement = load_agreement(conn, agreement_row, brand_row["code"]) if agreement_row else None
    currency = agreement.currency if agreement else program.currency
    with catalog_in_background(store, brand_row["id"]) as measuring:
        periods = activity(conn, brand_row["id"], quarter.trailing(TREND_QUARTERS), currency)
        last = measure(conn, brand_row["id"], quarter.previous(), periods[-2], None)
        catalog = measuring.result()
    actuals = measure(conn, brand_row["id"], quarter, periods[-1], catalog)
    history = tiers_rows.reviews_of(conn, brand_row["id"])
    earlier = [r for r in history if r["period"] == str(quarter.previous())]
    if earlier:  # the catalog as it was measured at the last review
        for kpi in ("catalog_completeness", "model3d_coverage"):
            stored = earlier[-1]["actuals"].get(kpi)
            last.values[kpi] = None if stored is None else Decimal(stored)
    targets = agreement.targets.get(str(quarter), {}) if agreement else {}
    scorecard = []
    for code in KPIS:
        status, attainment = rag(code, targets.get(code), actuals.values[code], program.amber)
        scorecard.append(ScoreLine(code, targets.get(code), actuals.values[code], last.values[code], status,
                                   attainment))
    points = [{k: p[k] for k in ("period", "gmv", "orders", "active_buyers", "new_buyers")} for p in periods]
    gmv_values = [p["gmv"] for p in points[-4:] if p["gmv"] is not None]
    values = {"committed_investment": agreement.commitments.get("committed_investment") if agreement else None,
              "gmv": sum(gmv_values, Decimal(0)) if gmv_values else None,
              "catalog_completeness": catalog.completeness, "model3d_coverage": catalog.model3d_coverage}
    placement = place(program, values)
    current = tier.level
    proposal = ("promote" if placement.level.position > current.position
                else "demote" if placement.level.position < current.position else "keep")
    notes = _notes(brand_row, quarter, actuals, agreement, tier, targets, now)
    return Review(brand=brand_row, period=str(quarter), program=program, tier=tier, agreement=agreement,
                  actuals=actuals, last=last, catalog=catalog, scorecard=scorecard,
                  criteria=_criteria_checks(program, values, placement.reasons), proposal=proposal,
                  proposed_level=placement.level, trend=points, history=history, notes=notes)


def _criteria_checks(program: Program, values: dict, reasons: list[dict]) -> list[CriterionCheck]:
    checks = []
    signed = [lv for lv in program.levels if lv.criteria]
    for reason in reasons:
        code = reason["criterion"]
        value = values.get(code)
        thresholds = [Threshold(lv.code, band_of(program, lv, code).low,
                                None if value is None else value - band_of(program, lv, code).low) for lv in signed]
        checks.append(CriterionCheck(code, value, reason["level"], thresholds))
    return checks


def _notes(brand_row: dict, quarter: Quarter, actuals: Actuals, agreement: Agreement | None, tier: TierStatus,
           targets: dict, now: datetime) -> list[tuple[str, dict]]:
    """What a reader must know to read the figures right, as (code, parameters) for labels.note_text."""
    notes: list[tuple[str, dict]] = []
    period = {"brand": brand_row["code"], "period": str(quarter)}
    if not actuals.has_activity:
        notes.append(("no_activity", period))
    if actuals.missing_tables:
        notes.append(("missing_tables", {"tables": ", ".join(actuals.missing_tables)}))
    if agreement is None:
        notes.append(("no_agreement", {**period, "level": tier.level.code}))
    elif not targets:
        notes.append(("no_targets", {"agreement": agreement.code, "period": str(quarter)}))
    if actuals.figures.get("orders_other_currency"):
        notes.append(("other_currency", {"count": actuals.figures["orders_other_currency"],
                                         "currency": agreement.currency if agreement else "CNY"}))
    if now - quarter.ends > LATE_REVIEW and actuals.values["catalog_completeness"] is not None:
        notes.append(("catalog_today", {}))
    return notes


def decide(store: Store, brand: str, period: str, decision: str, by: str, why: str,
           now: datetime) -> tuple[Review, dict]:
    """Review a brand's quarter and record the decision on it (changing its level if so decided); returns the
    review and the stored decision."""
    if decision not in DECISIONS:
        raise DataError(f"decision must be one of {', '.join(DECISIONS)}")
    if not by.strip():
        raise DataError("a review decision must say who decides it (--by)")
    quarter = Quarter.parse(period)
    with store.transaction() as conn:
        program = program_in_force(conn)
        brand_row = brand_row_for(conn, brand)
        result = review_in(store, conn, program, brand_row, quarter, now)
        after = _level_after(program, result, decision)
        if after.code != result.tier.level.code:
            record_decision(conn, program, brand_row, after.code, "review", by, why, now, str(quarter))
        row = {"brand_id": brand_row["id"], "period": str(quarter), "level_before": result.tier.level.code,
               "proposal": result.proposal, "proposed_level": result.proposed_level.code,
               "decision": decision, "level_after": after.code,
               "actuals": {k: None if v is None else str(v) for k, v in result.actuals.values.items()},
               "scorecard": [_line_json(line) for line in result.scorecard], "decided_by": by, "why": why or None,
               "decided_at": now}
        row["id"] = tiers_rows.insert_review(conn, row)
    return result, row


def _level_after(program: Program, result: Review, decision: str) -> Level:
    current, levels = result.tier.level, program.levels
    if decision == "accept":
        return result.proposed_level
    if decision == "keep":
        return current
    if decision == "promote":
        if result.proposal == "promote":
            return result.proposed_level
        if current.position + 1 >= len(levels):
            raise DataError(f"{result.brand['code']} is already at the highest level, {current.code}")
        return levels[current.position + 1]
    if result.proposal == "demote":
        return result.proposed_level
    if current.position == 0:
        raise DataError(f"{result.brand['code']} is already at the lowest level, {current.code}")
    return levels[current.position - 1]


def _line_json(line: ScoreLine) -> dict:
    return {"kpi": line.kpi, "status": line.status,
            **{k: None if getattr(line, k) is None else str(getattr(line, k))
               for k in ("target", "actual", "last", "attainment")}}


def review_history(store: Store, brand: str) -> list[dict]:
    with store.reading() as conn:
        return tiers_rows.reviews_of(conn, brand_row_for(conn, brand)["id"])
