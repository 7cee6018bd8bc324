"""Buyer companies (customers) and their contacts, imported from CSV, spreadsheets or JSON Lines.

Customers are keyed by (brand, external id): re-importing a file changes nothing; a changed row updates the
customer and queues it for re-tagging. Consent and opt-outs are per channel (旺旺 WangWang, SMS, e-mail,
WeChat Work): a `consent` value lists channels ("sms;email"), or a column per channel says yes/no
(`consent_sms`, `短信同意`); `opted_out` lists channels or maps them to the date of the opt-out.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Connection

from jbp.crm.brands import resolve_brand
from jbp.crm.clock import parse_moment
from jbp.crm.events import rematch_unmatched
from jbp.crm.records import ImportReport, Problem, Record, read_records, spellings
from jbp.crm.vocabulary import CHANNEL_ALIASES, CHANNELS
from jbp.errors import Location, NotFoundError
from jbp.sheets.folding import fold_header
from jbp.store import Store, crm_rows

CUSTOMER_HEADERS: dict[str, tuple[str, ...]] = {
    "customer": ("external id", "id", "customer id", "customer", "customer no", "客户编号", "客户id", "客户代码",
                 "客户号", "编号"),
    "name": ("company", "company name", "customer name", "客户名称", "公司名称", "名称", "公司", "企业名称"),
    "industry": ("行业", "所属行业"),
    "region": ("area", "province", "地区", "区域", "省份", "所在地区"),
    "size": ("company size", "规模", "企业规模", "公司规模"),
    "owner_rep": ("owner", "sales rep", "rep", "account manager", "销售", "负责人", "客户经理", "销售代表"),
    "phone": ("mobile", "tel", "telephone", "电话", "手机", "手机号", "联系电话"),
    "email": ("e-mail", "mail", "邮箱", "电子邮件", "邮件"),
    "wangwang": ("旺旺", "aliwangwang", "旺旺号"),
    "wecom": ("wechat work", "企业微信", "企微"),
    "consent": ("consents", "营销同意", "同意渠道"),
    "opted_out": ("opt out", "unsubscribed", "退订", "退订渠道"),
    "discount_pct": ("discount", "discount %", "折扣", "折扣率"),
    "created_at": ("since", "customer since", "注册时间", "创建时间", "建档时间"),
    "brand": ("品牌",),
    "contacts": ("联系人列表",),
    "contact_name": ("contact", "联系人"),
    "contact_role": ("contact role", "title", "position", "职位", "职务"),
}
_SPELLINGS = spellings(CUSTOMER_HEADERS)
_TEXT_FIELDS = ("name", "industry", "region", "size", "owner_rep", "wangwang", "wecom")
_LIMITS = {"name": 500, "industry": 64, "region": 64, "size": 32, "owner_rep": 64, "wangwang": 64, "wecom": 64}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_TRUE = {"yes", "y", "true", "1", "是", "同意", "允许", "√", "on"}
_FALSE = {"no", "n", "false", "0", "否", "不同意", "拒绝", "×", "off"}


def find_customer(conn: Connection, brand_id: int, external_id: str) -> dict:
    customer = crm_rows.customer_by_ref(conn, brand_id, str(external_id).strip())
    if customer is None:
        raise NotFoundError(f"no customer {external_id!r} for this brand")
    return customer


def import_customers(store: Store, path: Path | str, now: datetime, *, brand: str | None = None,
                     partial: bool = False, dry_run: bool = False) -> ImportReport:
    """Create or update customers from a file, all in one transaction (or nothing, when a row is rejected
    and `partial` is not given). Events kept aside for customers that now exist are matched to them."""
    records, problems = read_records(path)
    report = ImportReport(str(path), "customers", problems=problems)
    with store.transaction() as conn:
        brands: dict[str | None, dict] = {}
        rows: dict[tuple[int, str], tuple[dict, list[dict], Location]] = {}
        for record in records:
            parsed = _customer(record, now, report)
            if parsed is None:
                continue
            brand_code = parsed[0].pop("brand", None) or brand
            if brand_code not in brands:
                brands[brand_code] = resolve_brand(conn, brand_code)
            key = (brands[brand_code]["id"], parsed[0]["external_id"])
            if key in rows and rows[key][0]["content_hash"] != parsed[0]["content_hash"]:
                report.problems.append(Problem(record.location, f"customer {key[1]!r} appears again with other "
                                                                f"values (first at row {rows[key][2].row})"))
                continue
            rows[key] = (*parsed, record.location)
        report.rejected = len({(p.location.sheet, p.location.row) for p in report.problems})
        if report.problems and not partial:
            report.status = "rejected"
            return report
        for brand_id in sorted({k[0] for k in rows}):
            _store_customers(conn, brand_id, {k[1]: v for k, v in rows.items() if k[0] == brand_id}, now, report)
        if dry_run:
            report.status = "dry_run"
            conn.rollback()
    return report


def _store_customers(conn: Connection, brand_id: int, rows: dict[str, tuple[dict, list[dict], Location]],
                     now: datetime, report: ImportReport) -> None:
    states = crm_rows.customer_states(conn, brand_id, rows)
    new, changed, contacts = [], [], {}
    for external_id, (row, people, _where) in rows.items():
        state = states.get(external_id)
        if state is None:
            new.append({**row, "brand_id": brand_id, "created_at": row.get("created_at") or now, "updated_at": now})
        elif state[1] != row["content_hash"]:
            update = {**row, "id": state[0], "updated_at": now}
            if update.get("created_at") is None:
                update.pop("created_at", None)
            changed.append(update)
            contacts[state[0]] = people
        else:
            report.unchanged += 1
    created = crm_rows.insert_customers(conn, new)
    for external_id, customer_id in created.items():
        contacts[customer_id] = rows[external_id][1]
    for keys in {tuple(sorted(r)) for r in changed}:  # one statement per shape of update
        crm_rows.update_customers(conn, [r for r in changed if tuple(sorted(r)) == keys])
    fresh = set(created.values())  # a new customer without contacts has none to replace
    crm_rows.replace_contacts(conn, {cid: people for cid, people in contacts.items() if people or cid not in fresh})
    crm_rows.mark_dirty(conn, [*created.values(), *(r["id"] for r in changed)])
    report.created += len(created)
    report.updated += len(changed)
    report.events_rematched += rematch_unmatched(conn, brand_id, created)


def _customer(record: Record, now: datetime, report: ImportReport) -> tuple[dict, list[dict]] | None:
    """(customer row, contacts) of a record, or None with its problems added to the report."""
    known, rest = record.fields(_SPELLINGS)
    problems: list[Problem] = []

    def problem(column: str, reason: str) -> None:
        problems.append(Problem(Location(record.location.file, record.location.sheet, record.location.row, column),
                                reason))

    external_id = _text(known.get("customer"))
    if not external_id:
        problem("customer", "no customer id (external id, 客户编号)")
    elif len(external_id) > 128:
        problem("customer", "a customer id has at most 128 characters")
    row: dict = {"external_id": external_id}
    for name in _TEXT_FIELDS:
        value = _text(known.get(name))
        if value and len(value) > _LIMITS[name]:
            problem(name, f"longer than {_LIMITS[name]} characters")
        row[name] = value
    row["phone"] = _phone(known.get("phone"), problem)
    row["email"] = _email(known.get("email"), problem)
    consent = _channel_flags(known.get("consent"), "consent", problem)
    opted_out = _opt_outs(known.get("opted_out"), now, problem)
    for key, value in rest.items():  # a column per channel: consent_sms, 短信同意, opted_out_email, 邮件退订
        target = _channel_column(key)
        if target is None:
            continue
        field_name, channel = target
        if field_name == "consent":
            flag = _flag(value)
            if flag is None:
                problem(key, f"not yes/no: {value!r}")
            else:
                consent[channel] = flag
        elif _flag(value) is not False:
            opted_out[channel] = _opt_out_date(value, now)
    row["consent"], row["opted_out"] = dict(sorted(consent.items())), dict(sorted(opted_out.items()))
    row["discount_pct"] = _discount(known.get("discount_pct"), problem)
    row["created_at"] = _moment(known.get("created_at"), problem)
    if known.get("brand") is not None:
        row["brand"] = _text(known["brand"])
    people = _contacts(known, row, problem)
    if problems:
        report.problems.extend(problems)
        return None
    digest = json.dumps({**{k: v for k, v in row.items() if k != "brand"}, "contacts": people}, sort_keys=True,
                        ensure_ascii=False, default=str)
    row["content_hash"] = hashlib.sha256(digest.encode("utf-8")).hexdigest()
    return row, people


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _phone(value, problem) -> str | None:
    text = _text(value)
    if text is None:
        return None
    digits = _PHONE_SEPARATORS.sub("", text)
    if not re.fullmatch(r"\+?\d{7,15}", digits):
        problem("phone", f"not a phone number: {text!r}")
        return None
    return digits


def _email(value, problem) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if not _EMAIL.match(text) or len(text) > 254:
        problem("email", f"not an e-mail address: {text!r}")
        return None
    return text.lower()


def _channel(name: str) -> str | None:
    return CHANNEL_ALIASES.get(fold_header(str(name)))


def _channel_flags(value, column: str, problem) -> dict[str, bool]:
    if value is None:
        return {}
    if isinstance(value, dict):
        flags = {}
        for key, flag in value.items():
            channel, parsed = _channel(key), _flag(flag)
            if channel is None or parsed is None:
                problem(column, f"{key!r}: {flag!r} is not a channel ({', '.join(CHANNELS)}) with yes/no")
            else:
                flags[channel] = parsed
        return flags
    names = value if isinstance(value, list) else re.split(r"[,;|、，；\s]+", str(value).strip())
    folded = {fold_header(str(n)) for n in names if str(n).strip()}
    if folded & {"all", "全部", "所有"}:
        return dict.fromkeys(CHANNELS, True)
    if folded <= {"none", "无", "否"}:
        return {}
    flags = {}
    for name in folded:
        channel = CHANNEL_ALIASES.get(name)
        if channel is None:
            problem(column, f"unknown channel {name!r} (channels: {', '.join(CHANNELS)}, 旺旺, 短信, 邮件, 企业微信)")
        else:
            flags[channel] = True
    return flags


def _opt_outs(value, now: datetime, problem) -> dict[str, str]:
    if isinstance(value, dict):
        result = {}
        for key, when in value.items():
            channel = _channel(key)
            if channel is None:
                problem("opted_out", f"unknown channel {key!r}")
            elif _flag(when) is not False:
                result[channel] = _opt_out_date(when, now)
        return result
    return {channel: now.date().isoformat() for channel in _channel_flags(value, "opted_out", problem)}


def _opt_out_date(value, now: datetime) -> str:
    if isinstance(value, date):
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    try:
        return parse_moment(str(value)).date().isoformat()
    except ValueError:
        return now.date().isoformat()


def _channel_column(key: str) -> tuple[str, str] | None:
    folded = fold_header(key)
    for marker, field_name in (("consent", "consent"), ("同意", "consent"), ("opted out", "opted_out"),
                               ("opt out", "opted_out"), ("退订", "opted_out")):
        if folded.startswith(marker) or folded.endswith(marker):
            rest = (folded[len(marker):] if folded.startswith(marker) else folded[:-len(marker)]).strip()
            channel = CHANNEL_ALIASES.get(rest)
            if channel:
                return field_name, channel
    return None


def _flag(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = fold_header(str(value))
    return True if text in _TRUE else False if text in _FALSE else None


def _discount(value, problem) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        problem("discount_pct", f"not a number: {value!r}")
        return None
    if not Decimal(0) <= number <= Decimal(100) or number.as_tuple().exponent < -3:
        problem("discount_pct", f"a discount is 0 to 100 percent with at most 3 decimals, not {value!r}")
        return None
    return number


def _moment(value, problem) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError:
        problem("created_at", f"not an ISO date or time: {value!r}")
        return None


def _contacts(known: dict, row: dict, problem) -> list[dict]:
    given = known.get("contacts")
    if given is None:
        name = _text(known.get("contact_name"))
        return [{"name": name, "role": _text(known.get("contact_role")), "phone": row["phone"], "email": row["email"],
                 "wangwang": row["wangwang"], "wecom": row["wecom"]}] if name else []
    if not isinstance(given, list) or not all(isinstance(c, dict) for c in given):
        problem("contacts", "contacts is a list of objects with name, role, phone, email, wangwang, wecom")
        return []
    people = []
    for person in given:
        fields, _ = Record(Location(), person).fields(_SPELLINGS)
        people.append({"name": _text(fields.get("name") or fields.get("contact_name")),
                       "role": _text(fields.get("contact_role")), "phone": _phone(fields.get("phone"), problem),
                       "email": _email(fields.get("email"), problem), "wangwang": _text(fields.get("wangwang")),
                       "wecom": _text(fields.get("wecom"))})
    return people
