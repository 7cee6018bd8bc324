"""The outbox: messages campaigns queued, handed to the sending system as CSV or JSON Lines.

An export holds only what a channel needs to deliver: the message id (to report clicks back with), the
channel, the address, the subject (e-mail) and the text. No names, no tags, no other fields. Exported
messages are marked with the export's number; `again` writes an earlier export once more.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jbp.crm.brands import resolve_brand
from jbp.safecells import guard_cell
from jbp.store import Store, crm_campaign_rows

FIELDS = ("message_id", "channel", "to", "subject", "body")


@dataclass
class OutboxExport:
    export_id: int | None
    path: str
    messages: int


def export_outbox(store: Store, brand: str | None, path: Path | str, now: datetime, *, again: int | None = None,
                  fmt: str | None = None) -> OutboxExport:
    """Write the queued messages (or export `again`) to `path`; the format follows the suffix unless given."""
    path = Path(path)
    fmt = fmt or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
    with store.transaction() as conn:
        brand_row = resolve_brand(conn, brand)
        messages = crm_campaign_rows.queued_messages(conn, brand_row["id"], again)
        records = [{"message_id": m["id"], "channel": m["channel"], "to": m["recipient"],
                    "subject": m["subject"] if m["channel"] == "email" else None, "body": m["body"]}
                   for m in messages]
        _write(path, fmt, records)
        export_id = again
        if again is None and records:
            export_id = crm_campaign_rows.mark_exported(conn, brand_row["id"], [m["id"] for m in messages], str(path),
                                                        now)
    return OutboxExport(export_id, str(path), len(records))


def _write(path: Path, fmt: str, records: list[dict]) -> None:
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps({k: v for k, v in record.items() if v is not None}, ensure_ascii=False) + "\n")
        return
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # the BOM lets Excel read the Chinese text
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for record in records:
            writer.writerow([guard_cell(str(record[f])) if record[f] is not None else "" for f in FIELDS])


def outbox_messages(store: Store, brand: str | None, status: str | None = None, limit: int = 50) -> list[dict]:
    with store.reading() as conn:
        return crm_campaign_rows.outbox_page(conn, resolve_brand(conn, brand)["id"], status, limit)
