"""The registry of what a rule may name: customer fields, event kinds and their fields, functions, RFM scores.

Every name is checked against it while parsing, so a misspelt field is an error with a suggestion, never a
silent false. Chinese names are accepted beside the English ones.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from jbp.crm.rules.tree import BOOL, DATE, MONEY, NUMBER, TEXT
from jbp.crm.vocabulary import CHANNELS, EVENT_KINDS


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    column: str  # the customers column it is read from
    key: str | None = None  # inside a JSON column: the key
    description: str = ""


def _customer_fields() -> dict[str, FieldDef]:
    fields = [
        FieldDef("external_id", TEXT, "external_id", description="the brand's own customer number"),
        FieldDef("name", TEXT, "name", description="company name"),
        FieldDef("industry", TEXT, "industry"),
        FieldDef("region", TEXT, "region"),
        FieldDef("size", TEXT, "size", description="company size class"),
        FieldDef("owner_rep", TEXT, "owner_rep", description="the sales rep who owns the account"),
        FieldDef("created_at", DATE, "created_at", description="when the customer was first recorded"),
        FieldDef("discount_pct", NUMBER, "discount_pct"),
    ]
    for channel in CHANNELS:
        fields.append(FieldDef(f"consent.{channel}", BOOL, "consent", channel, f"agreed to {channel} messages"))
        fields.append(FieldDef(f"opted_out.{channel}", BOOL, "opted_out", channel, f"opted out of {channel}"))
    return {f.name: f for f in fields}


CUSTOMER_FIELDS = _customer_fields()
EVENT_FIELDS = {"amount": MONEY, "category": TEXT}
RFM_PARTS = {"r": "recency score", "f": "frequency score", "m": "monetary score"}
FUNCTIONS = {
    "count": "count(KIND or condition on KIND[, WINDOW]): events in the last WINDOW days (all time without one)",
    "sum": "sum(KIND.amount[, WINDOW]): money spent",
    "days_since": "days_since(KIND or condition or date field): whole days since the latest one",
    "share": "share(condition on KIND[, WINDOW]): the fraction of the KIND events that meet the condition",
    "has_tag": 'has_tag("TAG"): the customer carries the tag',
    "date": 'date("2026-01-31"): a calendar day',
}

FIELD_ALIASES = {
    "名称": "name", "公司": "name", "行业": "industry", "地区": "region", "区域": "region", "规模": "size",
    "销售": "owner_rep", "负责人": "owner_rep", "客户编号": "external_id", "创建时间": "created_at",
    "折扣": "discount_pct",
}
KIND_ALIASES = {
    "订单": "order", "下单": "order", "报价": "quote", "询价": "inquiry", "搜索": "search", "上传bom": "bom_upload",
    "bom上传": "bom_upload", "发送": "message_sent", "点击": "message_clicked",
}


def customer_field(name: str) -> FieldDef | None:
    return CUSTOMER_FIELDS.get(FIELD_ALIASES.get(name, name))


def event_kind(name: str) -> str | None:
    name = KIND_ALIASES.get(name.lower(), name)
    return name if name in EVENT_KINDS else None


def suggestions(name: str, known) -> list[str]:
    return difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)


def all_names() -> list[str]:
    """Everything a rule may start a name with, for "did you mean" hints."""
    return [*CUSTOMER_FIELDS, *EVENT_KINDS, *(f"rfm.{p}" for p in RFM_PARTS), *FUNCTIONS, "consent", "opted_out"]
