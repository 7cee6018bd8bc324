"""Masking personal contact data for display: every CRM table, report and JSON output shows phone numbers,
e-mail addresses and messenger ids masked unless the user asks for them (`--reveal`)."""

from __future__ import annotations

CONTACT_FIELDS = ("phone", "email", "wangwang", "wecom", "recipient")


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; +8613812345678 -> +86138****5678."""
    if len(phone) < 11:  # a landline or short number: its first and last two digits
        return phone[:2] + "*" * max(len(phone) - 4, 1) + phone[-2:] if len(phone) > 4 else "*" * len(phone)
    keep = 3 + len(phone) - 11  # the country code and the carrier prefix
    return phone[:keep] + "****" + phone[-4:]


def mask_email(email: str) -> str:
    """buyer@huatong.cn -> b***r@huatong.cn."""
    name, _, domain = email.partition("@")
    shown = name[0] + "***" + name[-1] if len(name) > 2 else name[:1] + "***"
    return f"{shown}@{domain}" if domain else shown


def mask_handle(handle: str) -> str:
    """A messenger id: its first two characters, then stars."""
    return handle[:2] + "***" if len(handle) > 2 else "***"


def mask_value(field: str, value: str | None) -> str | None:
    if not value:
        return value
    if field == "phone" or (field == "recipient" and value.lstrip("+").isdigit()):
        return mask_phone(value)
    if field == "email" or (field == "recipient" and "@" in value):
        return mask_email(value)
    return mask_handle(value)


def masked(row: dict, reveal: bool = False) -> dict:
    """A copy of `row` with its contact fields masked (unchanged when `reveal`)."""
    if reveal:
        return dict(row)
    return {k: mask_value(k, v) if k in CONTACT_FIELDS and isinstance(v, str) else v for k, v in row.items()}
