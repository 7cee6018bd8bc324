"""Campaign results: who entered, what was sent or held back and why, clicks, and conversion — customers with
the campaign's goal event (an order, by default) within its window after their first message."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from jbp.crm.brands import resolve_brand
from jbp.crm.campaigns.definition import Campaign
from jbp.store import Store, crm_campaign_rows


@dataclass
class CampaignResult:
    campaign: str
    status: str
    version: int
    entries: dict[str, int]  # status -> entries
    skipped: dict[str, int]  # reason -> triggers not admitted
    sent: int  # messages queued or exported
    suppressed: dict[str, int]  # reason -> messages
    messaged: int  # customers with at least one message sent
    clicked: int  # messages clicked
    converted: int  # messaged customers with the goal event within the window
    revenue: Decimal  # the amounts of those goal events
    goal: str = ""
    channels: dict[str, int] = field(default_factory=dict)

    @property
    def click_rate(self) -> float | None:
        return self.clicked / self.sent if self.sent else None

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.messaged if self.messaged else None


def campaign_report(store: Store, brand: str | None, now: datetime, name: str | None = None) -> list[CampaignResult]:
    with store.reading() as conn:
        brand_row = resolve_brand(conn, brand)
        results = []
        for row in crm_campaign_rows.campaigns(conn, brand_row["id"]):
            if name is not None and row["name"] != name:
                continue
            definition = Campaign.from_json(row["definition"])
            messages = crm_campaign_rows.outbox_summary(conn, row["id"])
            sent = [m for m in messages if m["status"] != "suppressed"]
            suppressed = Counter({m["reason"]: 0 for m in messages if m["status"] == "suppressed"})
            for m in messages:
                if m["status"] == "suppressed":
                    suppressed[m["reason"]] += m["messages"]
            channels = Counter()
            for m in sent:
                channels[m["channel"]] += m["messages"]
            converted, revenue, messaged = _conversions(conn, row["id"], definition, now)
            results.append(CampaignResult(
                row["name"], row["status"], row["version"], crm_campaign_rows.entry_counts(conn, row["id"]),
                {r["reason"]: r["entries"] for r in crm_campaign_rows.skipped_reasons(conn, row["id"])},
                sum(m["messages"] for m in sent), dict(suppressed), messaged, sum(m["clicked"] for m in sent),
                converted, revenue, f"{definition.goal_event} within {definition.goal_days}d", dict(channels)))
        return results


def _conversions(conn, campaign_id: int, definition: Campaign, now: datetime) -> tuple[int, Decimal, int]:
    firsts = dict(crm_campaign_rows.first_messages(conn, campaign_id))
    if not firsts:
        return 0, Decimal("0.00"), 0
    window = timedelta(days=definition.goal_days)
    converted: set[int] = set()
    revenue = Decimal(0)
    for customer_id, at, amount in crm_campaign_rows.customer_events(conn, list(firsts), definition.goal_event,
                                                                     min(firsts.values())):
        first = firsts[customer_id]
        if first < at <= min(first + window, now):
            converted.add(customer_id)
            revenue += Decimal(amount or 0)
    return len(converted), revenue.quantize(Decimal("0.01")), len(firsts)
