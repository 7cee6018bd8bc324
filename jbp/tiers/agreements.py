"""JBP agreements: who signed what for which period, both sides' commitments, quarterly KPI targets.

An agreement is read from TOML (`jbp jbp agreement import`) or built from options (`… agreement add`),
validated against the store (known brand, no overlap with the brand's other agreements, targets inside
the period and in their KPI's unit) and saved with its tier assigned from the program's criteria.
Re-importing the same agreement changes nothing; a changed one replaces the stored version.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection

from jbp.catalog.definitions import load_definitions
from jbp.errors import DataError, Location, NotFoundError
from jbp.store import Store, tiers_rows
from jbp.tiers.kpis import KPIS, parse_value, plain
from jbp.tiers.periods import Quarter, quarters_between
from jbp.tiers.program import CRITERIA

PARTIES = ("brand", "platform")
INITIATIVE_STATUSES = ("planned", "in_progress", "done", "blocked", "cancelled")
_KEYS = {"code", "brand", "start", "end", "signed", "currency", "brand_signatory", "account_manager",
         "commitments", "targets", "pledges", "initiatives"}


@dataclass(frozen=True)
class Pledge:
    """A commitment in words by one side (brand or platform), for one quarter or the whole agreement."""

    party: str
    text: str
    quarter: str | None = None


@dataclass(frozen=True)
class Initiative:
    title: str
    owner: str
    status: str = "planned"
    due: date | None = None


@dataclass(frozen=True)
class Agreement:
    code: str
    brand: str
    starts_on: date
    ends_on: date
    signed_on: date
    currency: str = "CNY"
    brand_signatory: str = ""
    account_manager: str = ""
    commitments: dict[str, Decimal] = field(default_factory=dict)  # criterion code -> committed value
    targets: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # "2026Q3" -> KPI -> target
    pledges: tuple[Pledge, ...] = ()
    initiatives: tuple[Initiative, ...] = ()
    source: str = ""

    @property
    def quarters(self) -> list[Quarter]:
        return quarters_between(self.starts_on, self.ends_on)

    def annual_gmv(self) -> Decimal | None:
        """The committed annual GMV; else the quarterly GMV targets scaled to a year."""
        if "gmv" in self.commitments:
            return self.commitments["gmv"]
        quarterly = [kpis["gmv"] for kpis in self.targets.values() if "gmv" in kpis]
        return sum(quarterly, Decimal(0)) * 4 / len(quarterly) if quarterly else None

    def criteria_values(self) -> dict[str, Decimal | None]:
        """What the agreement says for each level criterion, for assigning its tier."""
        return {code: self.annual_gmv() if code == "gmv" else self.commitments.get(code) for code in CRITERIA}

    def details(self) -> dict:
        return {"brand_signatory": self.brand_signatory, "account_manager": self.account_manager,
                "pledges": [asdict(p) for p in self.pledges],
                "initiatives": [{**asdict(i), "due": i.due.isoformat() if i.due else None} for i in self.initiatives]}

    def content_hash(self) -> str:
        document = {"brand": self.brand, "start": self.starts_on.isoformat(), "end": self.ends_on.isoformat(),
                    "signed": self.signed_on.isoformat(), "currency": self.currency,
                    "commitments": {k: str(v) for k, v in sorted(self.commitments.items())},
                    "targets": {q: {k: str(v) for k, v in sorted(t.items())} for q, t in sorted(self.targets.items())},
                    "details": self.details()}
        return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# ------------------------------------------------------------------------------------------ reading


def read_agreements_file(path: Path | str) -> list[Agreement]:
    """Agreements of a TOML file: one at the top level, or several as [[agreements]]."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"cannot read the agreement: {exc}", Location(file=str(path))) from exc
    if "agreements" in document:
        tables = document["agreements"]
        if not isinstance(tables, list) or set(document) != {"agreements"}:
            raise DataError("write several agreements as [[agreements]] tables and nothing else",
                            Location(file=str(path)))
        return [agreement_from_table(t, str(path), f"agreements[{i}].") for i, t in enumerate(tables)]
    return [agreement_from_table(document, str(path), "")]


def agreement_from_table(table: dict, source: str, prefix: str = "") -> Agreement:
    """An Agreement from a TOML table (or the same shape built from command-line options)."""
    def at(key: str, value=None) -> Location:
        return Location(file=source or None, column=prefix + key, value=None if value is None else str(value))

    for key in table:
        if key not in _KEYS:
            hint = difflib.get_close_matches(key, sorted(_KEYS), n=1)
            raise DataError(f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""), at(key))
    for key in ("code", "brand", "start", "end", "signed"):
        if not table.get(key):
            raise DataError(f"{key} is required", at(key))
    currency = str(table.get("currency", "CNY")).upper()
    starts_on, ends_on, signed_on = (_date(table[k], at(k, table[k])) for k in ("start", "end", "signed"))
    if ends_on < starts_on:
        raise DataError(f"the agreement ends ({ends_on}) before it starts ({starts_on})", at("end", ends_on))
    if signed_on > ends_on:
        raise DataError(f"signed on {signed_on}, after the agreement ended", at("signed", signed_on))
    commitments = {}
    for key, value in _mapping(table.get("commitments", {}), at("commitments")).items():
        if key not in CRITERIA:
            raise DataError(f"unknown commitment {key!r}; known: {', '.join(CRITERIA)}", at(f"commitments.{key}"))
        commitments[key] = parse_value(value, CRITERIA[key].unit, at(f"commitments.{key}"), currency)
    quarters = {str(q) for q in quarters_between(starts_on, ends_on)}
    targets: dict[str, dict[str, Decimal]] = {}
    for period, kpis in _mapping(table.get("targets", {}), at("targets")).items():
        quarter = str(Quarter.parse(period, at(f"targets.{period}")))
        if quarter not in quarters:
            raise DataError(f"targets for {quarter}, outside the agreement ({starts_on} – {ends_on})",
                            at(f"targets.{period}"))
        for kpi, value in _mapping(kpis, at(f"targets.{period}")).items():
            if kpi not in KPIS:
                raise DataError(f"unknown KPI {kpi!r}" + _suggest(kpi, KPIS), at(f"targets.{period}.{kpi}"))
            targets.setdefault(quarter, {})[kpi] = parse_value(value, KPIS[kpi].unit,
                                                               at(f"targets.{period}.{kpi}"), currency)
    pledges = tuple(_pledge(p, at(f"pledges[{i}]")) for i, p in enumerate(table.get("pledges", [])))
    initiatives = tuple(_initiative(p, at(f"initiatives[{i}]")) for i, p in enumerate(table.get("initiatives", [])))
    return Agreement(code=str(table["code"]).strip(), brand=str(table["brand"]).strip(), starts_on=starts_on,
                     ends_on=ends_on, signed_on=signed_on, currency=currency,
                     brand_signatory=str(table.get("brand_signatory", "")),
                     account_manager=str(table.get("account_manager", "")), commitments=commitments,
                     targets=targets, pledges=pledges, initiatives=initiatives, source=source)


def _pledge(table, location: Location) -> Pledge:
    table = _mapping(table, location)
    party = table.get("party")
    if party not in PARTIES:
        raise DataError(f"party must be {' or '.join(PARTIES)}", _child(location, "party", party))
    if not table.get("text"):
        raise DataError("a pledge needs its text", _child(location, "text"))
    quarter = str(Quarter.parse(table["quarter"], _child(location, "quarter"))) if table.get("quarter") else None
    return Pledge(party=party, text=str(table["text"]), quarter=quarter)


def _initiative(table, location: Location) -> Initiative:
    table = _mapping(table, location)
    status = table.get("status", "planned")
    if status not in INITIATIVE_STATUSES:
        raise DataError(f"status must be one of {', '.join(INITIATIVE_STATUSES)}", _child(location, "status", status))
    if not table.get("title") or not table.get("owner"):
        raise DataError("an initiative needs a title and an owner", location)
    due = _date(table["due"], _child(location, "due", table["due"])) if table.get("due") else None
    return Initiative(title=str(table["title"]), owner=str(table["owner"]), status=status, due=due)


def _child(location: Location, key: str, value=None) -> Location:
    return Location(file=location.file, column=f"{location.column}.{key}",
                    value=None if value is None else str(value))


def _mapping(value, location: Location) -> dict:
    if not isinstance(value, dict):
        raise DataError("expected a table", location)
    return value


def _date(value, location: Location) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DataError("expected a date like 2026-07-01", location) from None


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    return f" (did you mean: {', '.join(close)}?)" if close else f"; known: {', '.join(known)}"


# ----------------------------------------------------------------------------------------- storing


def save_agreement(conn: Connection, agreement: Agreement, now: datetime, definitions=None) -> tuple[int, int, bool]:
    """Check an agreement against the store and save it; returns (agreement id, brand id, changed)."""
    brand_id = brand_row_for(conn, agreement.brand, definitions, agreement.source)["id"]
    clash = tiers_rows.overlapping_agreements(conn, brand_id, agreement.starts_on, agreement.ends_on, agreement.code)
    if clash:
        other = clash[0]
        raise DataError(f"agreement {agreement.code} ({agreement.starts_on} – {agreement.ends_on}) overlaps "
                        f"{other['code']} ({other['starts_on']} – {other['ends_on']}) of the same brand; "
                        "end one before the other starts", Location(file=agreement.source or None))
    row = {"code": agreement.code, "brand_id": brand_id, "starts_on": agreement.starts_on,
           "ends_on": agreement.ends_on, "signed_on": agreement.signed_on, "currency": agreement.currency,
           "commitments": {k: str(v) for k, v in agreement.commitments.items()},
           "details": agreement.details(), "content_hash": agreement.content_hash(),
           "source": agreement.source or None, "recorded_at": now}
    targets = [{"period": q, "kpi": k, "value": v} for q, kpis in agreement.targets.items() for k, v in kpis.items()]
    agreement_id, changed = tiers_rows.save_agreement(conn, row, targets)
    return agreement_id, brand_id, changed


def check_no_overlap_among(agreements: list[Agreement]) -> None:
    """Agreements given together must not repeat a code nor overlap for one brand."""
    for i, first in enumerate(agreements):
        for second in agreements[i + 1:]:
            if first.code == second.code:
                raise DataError(f"agreement {first.code} is given twice", Location(file=second.source or None))
            if (first.brand == second.brand and first.starts_on <= second.ends_on
                    and second.starts_on <= first.ends_on):
                raise DataError(f"agreements {first.code} and {second.code} of brand {first.brand} overlap "
                                f"({first.starts_on} – {first.ends_on} and {second.starts_on} – {second.ends_on})",
                                Location(file=second.source or None))


def brand_row_for(conn: Connection, name: str, definitions=None, source: str = "") -> dict:
    """The brand (id, code, names) named by code, Chinese or English name or alias; NotFoundError otherwise."""
    row = tiers_rows.brand_by_code(conn, name)
    if row is not None:
        return row
    definitions = definitions or load_definitions(conn)
    brand = definitions.find_brand(name)
    if brand is None:
        names = [n for b in definitions.brands.values() for n in (b.code, b.name_zh, b.name_en) if n]
        where = f"{source}: " if source else ""
        raise NotFoundError(f"{where}unknown brand {name!r}; declare it with `jbp catalog define` first",
                            difflib.get_close_matches(name, names, n=5))
    return tiers_rows.brand_by_id(conn, definitions.brand_ids[brand.code])


def agreement_from_row(row: dict, targets: list[dict]) -> Agreement:
    """The stored agreement as the domain object (brand as its code is not needed here: left empty)."""
    details = row["details"] or {}
    by_quarter: dict[str, dict[str, Decimal]] = {}
    for target in targets:
        by_quarter.setdefault(target["period"], {})[target["kpi"]] = plain(Decimal(target["value"]))
    return Agreement(
        code=row["code"], brand=str(row.get("brand", "")), starts_on=row["starts_on"], ends_on=row["ends_on"],
        signed_on=row["signed_on"], currency=row["currency"],
        brand_signatory=details.get("brand_signatory", ""), account_manager=details.get("account_manager", ""),
        commitments={k: Decimal(v) for k, v in (row["commitments"] or {}).items()}, targets=by_quarter,
        pledges=tuple(Pledge(**p) for p in details.get("pledges", [])),
        initiatives=tuple(Initiative(title=i["title"], owner=i["owner"], status=i["status"],
                                     due=date.fromisoformat(i["due"]) if i.get("due") else None)
                          for i in details.get("initiatives", [])),
        source=row.get("source") or "")


def load_agreement(conn: Connection, row: dict, brand: str) -> Agreement:
    return agreement_from_row({**row, "brand": brand}, tiers_rows.targets_of(conn, row["id"]))


def agreements_for(store: Store, brand: str) -> list[Agreement]:
    """Every stored agreement of a brand, oldest first."""
    with store.reading() as conn:
        brand_row = brand_row_for(conn, brand)
        return [load_agreement(conn, row, brand_row["code"])
                for row in tiers_rows.agreements_of(conn, brand_row["id"])]
