"""Campaigns: definitions (TOML), the engine that runs them, their actions, the outbox and their results."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jbp.crm.brands import resolve_brand
from jbp.crm.campaigns.definition import Campaign, load_campaign
from jbp.errors import NotFoundError
from jbp.store import Store, crm_campaign_rows


def save_campaign(store: Store, brand: str | None, path: Path | str, now: datetime) -> tuple[Campaign, int, int]:
    """Check and store a campaign file (replacing the brand's campaign of the same name); returns the campaign,
    its id and version. A new campaign starts active."""
    campaign = load_campaign(path)
    with store.transaction() as conn:
        brand_row = resolve_brand(conn, brand)
        existing = crm_campaign_rows.campaign(conn, brand_row["id"], campaign.name)
        campaign_id, version = crm_campaign_rows.save_campaign(conn, {
            "brand_id": brand_row["id"], "name": campaign.name, "source": str(path), "definition": campaign.as_json(),
            "content_hash": campaign.content_hash, "status": existing["status"] if existing else "active",
            "loaded_at": now})
    return campaign, campaign_id, version


def set_status(store: Store, brand: str | None, name: str, status: str) -> None:
    """Pause or resume a campaign: a paused one admits nobody and moves no entry."""
    with store.transaction() as conn:
        brand_row = resolve_brand(conn, brand)
        row = crm_campaign_rows.campaign(conn, brand_row["id"], name)
        if row is None:
            known = [c["name"] for c in crm_campaign_rows.campaigns(conn, brand_row["id"])]
            raise NotFoundError(f"no campaign {name!r}", known[:5])
        crm_campaign_rows.set_campaign_status(conn, row["id"], status)


def list_campaigns(store: Store, brand: str | None) -> list[dict]:
    with store.reading() as conn:
        return crm_campaign_rows.campaigns(conn, resolve_brand(conn, brand)["id"])
