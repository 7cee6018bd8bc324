"""The JBP report an account manager hands a brand: parties and tier, scorecard, trends, entitlements
used, initiatives, gaps, next quarter's commitments and the tier outlook, in Chinese or English.

`build_report` gathers and formats everything once; the HTML, PDF and xlsx writers only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

from markupsafe import Markup
from sqlalchemy import Connection

from jbp.errors import DataError
from jbp.store import Store, tiers_rows
from jbp.tiers import charts
from jbp.tiers.agreements import Agreement, brand_row_for, load_agreement
from jbp.tiers.assignment import describe_reasons, tier_of
from jbp.tiers.kpis import KPIS, format_value
from jbp.tiers.labels import LANGS, labels, note_text
from jbp.tiers.periods import Quarter, keys_within
from jbp.tiers.program import CRITERIA, Program, program_in_force
from jbp.tiers.review import Review, review_in

FORMATS = ("html", "pdf", "xlsx")


@dataclass
class JbpReport:
    """Everything a report shows, formatted for one language (raw values kept where a sheet wants numbers)."""

    lang: str
    labels: dict[str, str]
    generated_at: datetime
    period: str
    next_period: str
    brand_code: str
    brand_name: str
    platform: str
    program: str
    parties: list[tuple[str, str]]
    tier: dict
    scorecard: list[dict]
    charts: dict[str, Markup]
    catalog: dict
    crm: list[tuple[str, str]]
    entitlements: list[dict]
    initiatives: list[dict]
    gaps: list[str]
    next_targets: list[tuple[str, str]]
    next_pledges: list[tuple[str, str]]
    next_note: str | None
    outlook: dict
    notes: list[str] = field(default_factory=list)
    has_activity: bool = True


def build_report(store: Store, brand: str, period: str, now: datetime, lang: str = "zh") -> JbpReport:
    """Review `brand`'s quarter and lay out its report in `lang` (zh or en)."""
    if lang not in LANGS:
        raise DataError(f"language must be one of {', '.join(LANGS)}")
    quarter = Quarter.parse(period)
    with store.reading() as conn:
        program = program_in_force(conn)
        brand_row = brand_row_for(conn, brand)
        result = review_in(store, conn, program, brand_row, quarter, now)
        entitled = _entitlements(conn, program, brand_row, quarter, now, lang)
        next_agreement = _agreement_for(conn, brand_row, quarter.next()) or result.agreement
    return _layout(result, program, entitled, next_agreement, now, lang)


def _agreement_for(conn: Connection, brand_row: dict, quarter: Quarter) -> Agreement | None:
    row = tiers_rows.agreement_in_force(conn, brand_row["id"], quarter.first_day)
    return load_agreement(conn, row, brand_row["code"]) if row else None


def _entitlements(conn: Connection, program: Program, brand_row: dict, quarter: Quarter, now: datetime,
                  lang: str) -> list[dict]:
    """Each service: what the tier in force at the quarter's end grants for the quarter, and what was used."""
    text = labels(lang)
    moment = min(now, quarter.ends - timedelta(seconds=1))
    level = tier_of(conn, program, brand_row, moment).level
    rows = []
    for code, service in program.services.items():
        grant = program.grant(level, code)
        row = {"service": code, "name": service.name(lang), "unit": service.unit(lang), "granted": None,
               "used": None, "remaining": None, "share": None, "per": ""}
        if service.kind == "flag":
            row["granted_text"] = text["yes"] if grant.granted else text["not_granted"]
        elif service.kind == "value":
            row["granted_text"] = (f"{text['promised']} {grant.value:g} {service.unit(lang)}" if grant.granted
                                   else text["not_granted"])
        else:
            keys = keys_within(service.per or "total", quarter)
            used = tiers_rows.ledger_used(conn, brand_row["id"], code, keys)
            periods = len(keys) if service.per in ("month", "quarter") else 1
            granted = None if grant.quota is None else grant.quota * periods
            row.update(used=used, granted=granted, per=text[f"per_{service.per}"])
            if not grant.granted:
                row["granted_text"] = text["not_granted"]
            elif granted is None:
                row["granted_text"] = text["unlimited"]
            else:
                row.update(granted_text=f"{granted:,}", remaining=max(granted - used, 0),
                           share=min(Decimal(used) * 100 / granted, Decimal(100)) if granted else None)
        rows.append(row)
    return rows


def _layout(result: Review, program: Program, entitled: list[dict], next_agreement: Agreement | None,
            now: datetime, lang: str) -> JbpReport:
    text = labels(lang)
    agreement, quarter = result.agreement, Quarter.parse(result.period)
    currency = agreement.currency if agreement else program.currency
    brand = result.brand
    brand_name = (brand["name_zh"] if lang == "zh" else brand["name_en"]) or brand["name_en"] or brand["code"]
    platform = program.platform_zh if lang == "zh" else program.platform_en
    parties = [(text["brand"], f"{brand_name} ({brand['code']})"), (text["platform"], platform)]
    if agreement:
        parties += [(text["agreement"], agreement.code),
                    (text["agreement_period"], f"{agreement.starts_on} – {agreement.ends_on}"),
                    (text["signed"], agreement.signed_on.isoformat()),
                    (text["brand_signatory"], agreement.brand_signatory or "—"),
                    (text["account_manager"], agreement.account_manager or "—")]
    else:
        parties.append((text["agreement"], text["no_agreement"]))
    tier = {"code": result.tier.level.code, "name": result.tier.level.name(lang), "source": result.tier.source,
            "decided_at": result.tier.decided_at.strftime("%Y-%m-%d") if result.tier.decided_at else "—",
            "reasons": describe_reasons(program, result.tier.reasons, lang)}
    scorecard = [_score_row(line, currency, text, lang) for line in result.scorecard]
    return JbpReport(
        lang=lang, labels=text, generated_at=now, period=result.period, next_period=str(quarter.next()),
        brand_code=brand["code"], brand_name=brand_name, platform=platform,
        program=program.name_zh if lang == "zh" else program.name_en, parties=parties, tier=tier,
        scorecard=scorecard, charts=_charts(result, currency, text, lang),
        catalog={"skus": result.catalog.skus, "completeness": _pct(result.catalog.completeness),
                 "model3d": _pct(result.catalog.model3d_coverage),
                 "categories": [{**c, "name": (c["name_zh"] if lang == "zh" else c["name_en"]) or c["code"]}
                                for c in result.catalog.categories]},
        crm=_crm(result, text), entitlements=entitled,
        initiatives=[{"title": i.title, "owner": i.owner, "status": i.status, "status_label": text[i.status],
                      "due": i.due.isoformat() if i.due else "—"}
                     for i in (agreement.initiatives if agreement else ())],
        gaps=_gaps(result, program, currency, now, text, lang),
        **_next_quarter(quarter.next(), next_agreement, agreement, currency, text, lang),
        outlook=_outlook(result, program, currency, text, lang),
        notes=[note_text(code, params, lang) for code, params in result.notes],
        has_activity=result.actuals.has_activity)


def _score_row(line, currency: str, text: dict, lang: str) -> dict:
    kpi = KPIS[line.kpi]

    def show(value: Decimal | None) -> str:
        return format_value(value, kpi.unit, currency)

    return {"kpi": line.kpi, "name": kpi.name(lang), "unit": kpi.unit, "target": line.target, "actual": line.actual,
            "last": line.last, "target_text": show(line.target),
            "actual_text": show(line.actual) if line.actual is not None else text["no_data"],
            "last_text": show(line.last), "status": line.status.replace(" ", "_"),
            "status_label": text[line.status.replace(" ", "_")],
            "attainment": line.attainment, "attainment_text": "—" if line.attainment is None else f"{line.attainment}%"}


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{float(value):.1f}%"


def _charts(result: Review, currency: str, text: dict, lang: str) -> dict[str, Markup]:
    periods = [p["period"] for p in result.trend]
    targets = result.agreement.targets if result.agreement else {}
    gmv = charts.bar_chart(periods, [p["gmv"] if p["orders"] else None for p in result.trend],
                           [targets.get(p, {}).get("gmv") for p in periods], partial(_short_money, lang=lang),
                           text["chart_gmv"],
                           text["target_mark"], text["no_data"])
    buyers = charts.line_chart(periods, [(text[key], [p[key] if p["orders"] else None for p in result.trend])
                                         for key in ("active_buyers", "new_buyers")],
                               "{:,.0f}".format, text["chart_buyers"], text["no_data"])
    categories = [((c["name_zh"] if lang == "zh" else c["name_en"]) or c["code"], c["score"])
                  for c in result.catalog.categories[:10]]
    completeness = charts.hbar_chart(categories, text["chart_completeness"])
    return {"gmv": gmv, "buyers": buyers, "completeness": completeness}


def _short_money(value: float, lang: str) -> str:
    if lang == "zh" and value >= 10_000:
        return f"{value / 10_000:,.0f}万"
    if value >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M"
    return f"{value:,.0f}"


def _crm(result: Review, text: dict) -> list[tuple[str, str]]:
    figures = result.actuals.figures
    rows = []
    for key in ("customers", "new_customers", "messages_sent"):
        if figures.get(key) is not None:
            rows.append((text[key], f"{figures[key]:,}"))
    if "messages_sent" in figures:
        rows.append((text["click_rate"], _pct(figures.get("click_rate")) if figures.get("click_rate") is not None
                     else text["no_data"]))
    return rows


def _gaps(result: Review, program: Program, currency: str, now: datetime, text: dict, lang: str) -> list[str]:
    gaps = []
    for line in result.scorecard:
        kpi = KPIS[line.kpi]
        if line.status in ("red", "amber"):
            gaps.append(text["gap_kpi"].format(kpi=kpi.name(lang), actual=format_value(line.actual, kpi.unit, currency),
                                               target=format_value(line.target, kpi.unit, currency),
                                               attainment=f"{line.attainment}%"))
        elif line.status == "no data":
            gaps.append(text["gap_kpi_no_data"].format(kpi=kpi.name(lang),
                                                       target=format_value(line.target, kpi.unit, currency)))
    for category in result.catalog.categories[:3]:
        if category["score"] < 90:
            gaps.append(text["gap_catalog"].format(
                category=(category["name_zh"] if lang == "zh" else category["name_en"]) or category["code"],
                **{k: f"{float(category[k]):.0f}%" for k in ("score", "parameters", "price", "image", "model3d")}))
    above = [lv for lv in program.levels if lv.position == result.tier.level.position + 1]
    for check in result.criteria:
        for threshold in check.thresholds:
            if above and threshold.level == above[0].code and threshold.distance is not None and threshold.distance < 0:
                unit = CRITERIA[check.criterion].unit
                gaps.append(text["gap_criterion"].format(level=above[0].name(lang),
                                                         criterion=CRITERIA[check.criterion].name(lang),
                                                         distance=format_value(-threshold.distance, unit, currency)))
    for initiative in result.agreement.initiatives if result.agreement else ():
        still_open = initiative.status not in ("done", "cancelled")
        if still_open and initiative.due is not None and initiative.due < now.date():
            gaps.append(text["gap_initiative_overdue"].format(title=initiative.title, owner=initiative.owner,
                                                              due=initiative.due.isoformat(),
                                                              status=text[initiative.status]))
        elif initiative.status == "blocked":
            gaps.append(text["gap_initiative"].format(title=initiative.title, owner=initiative.owner,
                                                      status=text[initiative.status]))
    return gaps


def _next_quarter(quarter: Quarter, agreement: Agreement | None, current: Agreement | None, currency: str,
                  text: dict, lang: str) -> dict:
    targets = agreement.targets.get(str(quarter), {}) if agreement else {}
    rows = [(KPIS[k].name(lang), format_value(v, KPIS[k].unit, currency)) for k, v in targets.items()]
    pledges = [(text[f"party_{p.party}"], p.text) for p in (agreement.pledges if agreement else ())
               if p.quarter in (None, str(quarter))]
    note = None
    if current and current.ends_on < quarter.first_day and (agreement is None or agreement.code == current.code):
        note = text["agreement_ends"].format(date=current.ends_on.isoformat(), period=str(quarter))
    elif not rows:
        note = text["no_next_targets"]
    return {"next_targets": rows, "next_pledges": pledges, "next_note": note}


def _outlook(result: Review, program: Program, currency: str, text: dict, lang: str) -> dict:
    criteria = []
    for check in result.criteria:
        criterion = CRITERIA[check.criterion]
        missing = text["not_committed"] if check.criterion == "committed_investment" else text["no_data"]
        distances = []
        for threshold in check.thresholds:
            if threshold.distance is None:
                distance = missing
            else:
                word = text["above"] if threshold.distance >= 0 else text["short_of"]
                distance = f"{word} {format_value(abs(threshold.distance), criterion.unit, currency)}"
            distances.append((program.level(threshold.level).name(lang), format_value(threshold.floor, criterion.unit,
                                                                                      currency), distance))
        criteria.append({"name": criterion.name(lang),
                         "value": missing if check.value is None else format_value(check.value, criterion.unit,
                                                                                   currency),
                         "reaches": program.level(check.level).name(lang), "thresholds": distances})
    return {"proposal": result.proposal, "proposal_label": text[result.proposal],
            "current": result.tier.level.name(lang), "proposed": result.proposed_level.name(lang),
            "criteria": criteria}


def write_report(report: JbpReport, path: Path | str, fmt: str | None = None) -> Path:
    """Write the report as HTML, PDF or xlsx (from the file's suffix unless `fmt` is given)."""
    path = Path(path)
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise DataError(f"cannot write a report as {fmt or 'a file without suffix'!r}: use .html, .pdf or .xlsx")
    if fmt == "xlsx":
        from jbp.tiers.render_xlsx import write_xlsx

        write_xlsx(report, path)
    else:
        from jbp.tiers.render_html import render_html

        html = render_html(report)
        if fmt == "html":
            path.write_text(html, encoding="utf-8")
        else:
            from jbp.tiers.render_pdf import write_pdf

            write_pdf(html, path)
    return path
