"""The tables of the store, as SQLAlchemy Core metadata (the current shape of every table).

Migrations in `migrations.py` bring an older database to this shape; a step that changes a table
already created must freeze the old shape it starts from rather than reuse these objects.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "jbp_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

brands = Table(
    "brands", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name_zh", Text),
    Column("name_en", Text),
    Column("aliases", JSON, nullable=False, default=list),
)

categories = Table(
    "categories", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("parent_id", Integer, ForeignKey("categories.id")),
    Column("name_zh", Text),
    Column("name_en", Text),
)

parameter_defs = Table(
    "parameter_defs", metadata,
    Column("id", Integer, primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("code", String(64), nullable=False),
    Column("name_zh", Text),
    Column("name_en", Text),
    Column("kind", String(16), nullable=False),
    Column("unit", String(16), nullable=False, default=""),
    Column("allowed_values", JSON, nullable=False, default=list),
    Column("is_key", Boolean, nullable=False, default=False),
    Column("comparison", String(24), nullable=False),
    Column("tolerance", Float),
    Column("required", Boolean, nullable=False, default=False),
    Column("aliases", JSON, nullable=False, default=list),
    Column("dimension", String(32)),
    UniqueConstraint("category_id", "code"),
)

products = Table(
    "products", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("sku", String(128), nullable=False),
    Column("category_id", Integer, ForeignKey("categories.id"), nullable=False),
    Column("mpn", String(128)),
    Column("mpn_norm", String(128)),
    Column("series", Text),
    Column("name_zh", Text),
    Column("name_en", Text),
    Column("description", Text),
    Column("lifecycle", String(16), nullable=False),
    Column("successor_sku", String(128)),
    Column("unit", String(16), nullable=False),
    Column("package_qty", Integer, nullable=False),
    Column("moq", Integer, nullable=False),
    Column("order_multiple", Integer, nullable=False),
    Column("stock", Integer),
    Column("lead_time_days", Integer),
    Column("content_hash", String(40), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("brand_id", "sku"),
    Index("ix_products_mpn_norm", "mpn_norm"),
    Index("ix_products_category", "category_id"),
)

price_breaks = Table(
    "price_breaks", metadata,
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("min_qty", Integer, primary_key=True),
    Column("price", Numeric(24, 6, asdecimal=True), nullable=False),
    sqlite_with_rowid=False,  # clustered on the key: an import inserts fewer b-tree entries per row
)

param_values = Table(
    "param_values", metadata,
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("param_id", Integer, ForeignKey("parameter_defs.id", ondelete="CASCADE"), primary_key=True),
    Column("num", Float),
    Column("num_min", Float),
    Column("num_max", Float),
    Column("text", Text),
    Column("source", Text, nullable=False),
    sqlite_with_rowid=False,
)

media = Table(
    "media", metadata,
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("uri", Text, nullable=False),
    Column("description", Text),
)

product_links = Table(
    "product_links", metadata,
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("target_sku", String(128), primary_key=True),
)

cross_refs = Table(
    "cross_refs", metadata,
    Column("id", Integer, primary_key=True),
    Column("other_brand", Text, nullable=False),
    Column("other_mpn", String(128), nullable=False),
    Column("other_mpn_norm", String(128), nullable=False),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("sku", String(128), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("note", Text),
    UniqueConstraint("other_brand", "other_mpn_norm", "brand_id", "sku", "grade"),
    Index("ix_cross_refs_mpn", "other_mpn_norm"),
)

import_runs = Table(
    "import_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("source", Text, nullable=False),
    Column("format", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("report", JSON, nullable=False),
)

# The search index compares max(products.updated_at) with the state it was built from on every query.
products_updated_at = Index("ix_products_updated_at", products.c.updated_at)


# ---- tiers: JBP tier programs, agreements, tier assignments, entitlement usage, quarterly reviews

tier_programs = Table(
    "tier_programs", metadata,  # the program in force is the latest row; none means the shipped default
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("loaded_by", String(128)),
    Column("loaded_at", DateTime, nullable=False),
)

agreements = Table(
    "agreements", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("commitments", JSON, nullable=False),  # criterion code -> committed value (decimal as text)
    Column("details", JSON, nullable=False),  # parties, pledges of both sides, initiatives
    Column("content_hash", String(64), nullable=False),
    Column("source", Text),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_agreements_brand", "brand_id", "starts_on"),
)

agreement_targets = Table(
    "agreement_targets", metadata,
    Column("agreement_id", Integer, ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("period", String(8), primary_key=True),
    Column("kpi", String(32), primary_key=True),
    Column("value", Numeric(24, 6, asdecimal=True), nullable=False),
)

tier_assignments = Table(
    "tier_assignments", metadata,  # history: every assignment, override and review decision
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("agreement_id", Integer, ForeignKey("agreements.id", ondelete="CASCADE")),
    Column("level", String(64), nullable=False),
    Column("source", String(16), nullable=False),  # criteria | override | review
    Column("reasons", JSON, nullable=False),
    Column("decided_by", String(128)),
    Column("why", Text),
    Column("decided_at", DateTime, nullable=False),
    Column("program", String(64), nullable=False),
    Index("ix_tier_assignments_brand", "brand_id", "decided_at"),
)

entitlement_ledger = Table(
    "entitlement_ledger", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("service", String(64), nullable=False),
    Column("period_key", String(16), nullable=False),  # 2026-11, 2026Q4, 2026 or total
    Column("amount", Integer, nullable=False),
    Column("level", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("ref", String(200), nullable=False),
    UniqueConstraint("brand_id", "service", "ref"),
    Index("ix_entitlement_ledger_period", "brand_id", "service", "period_key"),
)

tier_reviews = Table(
    "tier_reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("period", String(8), nullable=False),
    Column("level_before", String(64), nullable=False),
    Column("proposal", String(16), nullable=False),  # keep | promote | demote
    Column("proposed_level", String(64), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("level_after", String(64), nullable=False),
    Column("actuals", JSON, nullable=False),  # KPI code -> value (decimal as text) or null
    Column("scorecard", JSON, nullable=False),
    Column("decided_by", String(128), nullable=False),
    Column("why", Text),
    Column("decided_at", DateTime, nullable=False),
    Index("ix_tier_reviews_brand", "brand_id", "period"),
)


# ---- bom: quotes of buyers' BOMs, their lines, orders placed from quotes, buyers' confirmed matches

bom_quotes = Table(
    "bom_quotes", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("customer_ref", String(128)),  # the CRM customer's external id
    Column("content_hash", String(64), nullable=False),  # the file and the options it was quoted with
    Column("result_hash", String(64), nullable=False),  # what the quote says: same file, same answer, one quote
    Column("source_name", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),  # quoted | ordered
    Column("currency", String(3), nullable=False),
    Column("total", Numeric(24, 6, asdecimal=True), nullable=False),
    Column("lines_total", Integer, nullable=False),
    Column("lines_matched", Integer, nullable=False),  # matched or substituted
    Column("boards", Integer, nullable=False),
    Column("payload", JSON, nullable=False),  # options, sheets and blocks read, skipped rows, summary
    Index("ix_bom_quotes_hash", "brand_id", "content_hash"),
    Index("ix_bom_quotes_customer", "brand_id", "customer_ref", "created_at"),
)

bom_quote_lines = Table(
    "bom_quote_lines", metadata,
    Column("quote_id", Integer, ForeignKey("bom_quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("sheet", Text),
    Column("row", Integer, nullable=False),
    Column("line_key", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # matched | substituted | ambiguous | not_found | invalid
    Column("rule", String(32), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("sku", String(128)),
    Column("category_code", String(64)),
    Column("qty", Integer),  # the quantity ordered, after MOQ and order multiple
    Column("unit_price", Numeric(24, 6, asdecimal=True)),
    Column("extended", Numeric(24, 6, asdecimal=True)),
    Column("detail", JSON, nullable=False),  # the buyer's cells, reasons, candidates, notes, stock and dates
)

orders = Table(
    "orders", metadata,
    Column("id", Integer, primary_key=True),
    Column("quote_id", Integer, ForeignKey("bom_quotes.id"), nullable=False, unique=True),  # one order per quote
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("customer_ref", String(128)),
    Column("created_at", DateTime, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Numeric(24, 6, asdecimal=True), nullable=False),
    Column("lines", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # placed
    Index("ix_orders_customer", "brand_id", "customer_ref", "created_at"),
)

order_lines = Table(
    "order_lines", metadata,
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),  # the quote line's position
    Column("sku", String(128), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price", Numeric(24, 6, asdecimal=True), nullable=False),
    Column("extended", Numeric(24, 6, asdecimal=True), nullable=False),
    Column("category_code", String(64)),
)

bom_confirmations = Table(
    "bom_confirmations", metadata,  # a buyer's choice for an ambiguous line, used in their next quotes
    Column("brand_id", Integer, ForeignKey("brands.id"), primary_key=True),
    Column("customer_ref", String(128), primary_key=True),  # "" when the quote named no customer
    Column("line_key", String(64), primary_key=True),
    Column("sku", String(128), nullable=False),
    Column("quote_id", Integer),
    Column("confirmed_at", DateTime, nullable=False),
)


# ---- crm: buyer companies and their contacts, events, tags, segments, campaigns, the outbox

customers = Table(
    "customers", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("name", Text),
    Column("industry", String(64)),
    Column("region", String(64)),
    Column("size", String(32)),
    Column("owner_rep", String(64)),
    Column("phone", String(32)),
    Column("email", String(254)),
    Column("wangwang", String(64)),
    Column("wecom", String(64)),
    Column("consent", JSON, nullable=False),  # channel -> true/false
    Column("opted_out", JSON, nullable=False),  # channel -> ISO date of the opt-out
    Column("discount_pct", Numeric(6, 3, asdecimal=True)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("content_hash", String(64), nullable=False),
    UniqueConstraint("brand_id", "external_id"),
)

contacts = Table(
    "contacts", metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", Text),
    Column("role", Text),
    Column("phone", String(32)),
    Column("email", String(254)),
    Column("wangwang", String(64)),
    Column("wecom", String(64)),
)

events = Table(
    "events", metadata,  # append-only; the id makes recording the same event twice a no-op
    Column("id", String(128), primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id")),
    Column("customer_ref", String(128), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("day", Integer, nullable=False),  # days since 1970-01-01 of `at`: what rule windows count in
    Column("amount", Numeric(24, 6, asdecimal=True)),
    Column("category", String(128)),
    Column("ref", String(200)),  # the message, quote or order the event is about
    Column("payload", JSON, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    # covers what rules read of a customer's events, so re-tagging a few customers never visits the table
    Index("ix_events_customer", "customer_id", "kind", "day", "amount", "category"),
    Index("ix_events_brand_kind_day", "brand_id", "kind", "day"),
)

events_unmatched = Table(
    "events_unmatched", metadata,  # events naming a customer the brand does not have (yet): kept, reported
    Column("id", String(128), primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("customer_ref", String(128), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("amount", Numeric(24, 6, asdecimal=True)),
    Column("category", String(128)),
    Column("ref", String(200)),
    Column("payload", JSON, nullable=False),
    Column("source", Text, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_events_unmatched_ref", "brand_id", "customer_ref"),
)

crm_dirty = Table(
    "crm_dirty", metadata,  # customers with new events or changed fields since their tags were last evaluated
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, nullable=False),
)

tag_rule_sets = Table(
    "tag_rule_sets", metadata,  # every version of a brand's tag rules file that was applied
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    Index("ix_tag_rule_sets_brand", "brand_id", "id"),
)

customer_tags = Table(
    "customer_tags", metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(64), primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("tag_group", String(64)),
    Column("source", String(16), nullable=False),  # rule | manual
    Column("rule_set_id", Integer),
    Column("added_at", DateTime, nullable=False),
    Column("hold_day", Integer),  # a rule's TTL: kept on days before this one (days since 1970-01-01)
    Index("ix_customer_tags_tag", "brand_id", "tag", "customer_id"),
)

tag_overrides = Table(
    "tag_overrides", metadata,  # manual add/remove, stronger than any rule while it lasts
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(64), primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("mode", String(8), nullable=False),  # add | remove
    Column("tag_group", String(64)),
    Column("until_day", Integer),  # in force on days before this one; none: until cleared
    Column("reason", Text, nullable=False),
    Column("set_at", DateTime, nullable=False),
    Index("ix_tag_overrides_brand", "brand_id", "customer_id"),
)

tag_history = Table(
    "tag_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("tag", String(64), nullable=False),
    Column("change", String(8), nullable=False),  # added | removed
    Column("at", DateTime, nullable=False),
    Column("source", String(16), nullable=False),  # rule | manual
    Column("rule_set_id", Integer),
    Column("reason", Text, nullable=False),
    Index("ix_tag_history_customer", "customer_id", "tag"),
    Index("ix_tag_history_tag_at", "brand_id", "tag", "at"),
)

tag_schedule = Table(
    "tag_schedule", metadata,  # the first day a customer's tags may change with time alone
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("next_day", Integer, nullable=False),
    Index("ix_tag_schedule_day", "next_day"),
)

tag_runs = Table(
    "tag_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("rule_set_id", Integer, ForeignKey("tag_rule_sets.id"), nullable=False),
    Column("now", DateTime, nullable=False),
    Column("mode", String(16), nullable=False),  # full | incremental
    Column("evaluated", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Index("ix_tag_runs_brand", "brand_id", "id"),
)

segments = Table(
    "segments", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("rule", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("saved_at", DateTime, nullable=False),
    UniqueConstraint("brand_id", "name"),
)

campaigns = Table(
    "campaigns", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("source", Text, nullable=False),
    Column("definition", JSON, nullable=False),  # the checked definition, templates included
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # active | paused
    Column("loaded_at", DateTime, nullable=False),
    UniqueConstraint("brand_id", "name"),
)

campaign_entries = Table(
    "campaign_entries", metadata,  # one customer's way through one campaign
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("trigger_key", String(200), nullable=False),  # what let the customer in: a tag change, an event…
    Column("entered_at", DateTime, nullable=False),
    Column("step", String(64)),  # the step to run next; none when finished
    Column("wake_at", DateTime),
    Column("status", String(16), nullable=False),  # active | done | exited
    Column("finished_at", DateTime),
    Column("context", JSON, nullable=False),  # coupons issued, rep assigned, the trail of steps run
    UniqueConstraint("campaign_id", "trigger_key"),
    Index("ix_campaign_entries_due", "campaign_id", "status", "wake_at"),
    Index("ix_campaign_entries_customer", "campaign_id", "customer_id"),
    Index("ix_campaign_entries_entered", "campaign_id", "entered_at"),
)

outbox = Table(
    "outbox", metadata,  # every message a campaign decided on, sent or suppressed, for the sending system
    Column("id", String(200), primary_key=True),  # campaign:entry:step, so a rerun writes nothing twice
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("entry_id", Integer, nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(254)),
    Column("subject", Text),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),  # queued | exported | suppressed
    Column("reason", Text),
    Column("export_id", Integer),
    Column("clicked_at", DateTime),
    Index("ix_outbox_status", "brand_id", "status"),
    Index("ix_outbox_recent", "brand_id", "created_at"),
    Index("ix_outbox_campaign", "campaign_id"),
)

outbox_exports = Table(
    "outbox_exports", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("exported_at", DateTime, nullable=False),
    Column("file", Text, nullable=False),
    Column("messages", Integer, nullable=False),
)

coupons = Table(
    "coupons", metadata,
    Column("code", String(64), primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("entry_id", Integer, nullable=False),
    Column("value", Numeric(24, 6, asdecimal=True)),
    Column("issued_at", DateTime, nullable=False),
)

crm_runs = Table(
    "crm_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("brand_id", Integer, ForeignKey("brands.id"), nullable=False),
    Column("now", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("summary", JSON, nullable=False),
)


# ---- 3D models: stored model files (content-addressed blobs in the workspace) and which product has which

models3d = Table(
    "models3d", metadata,  # one row per distinct file content, however many products share it
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),  # of the original file: blobs/ab/<sha>.<format>
    Column("format", String(16), nullable=False),
    Column("original_name", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("facts", JSON, nullable=False),  # ModelFacts without its parts, lengths in mm
    Column("parts", JSON, nullable=False),  # [{name, faces, watertight}], one per body
    Column("glb_sha256", String(64), nullable=False),  # the web-ready GLB derived from it (metres)
    Column("created_at", DateTime, nullable=False),
)

product_models = Table(
    "product_models", metadata,  # a product has at most one model; replacing one keeps the old model stored
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("model_id", Integer, ForeignKey("models3d.id"), nullable=False),
    Column("origin", String(16), nullable=False),  # file (jbp model add/add-dir) | catalog (a catalog's media)
    Column("attached_at", DateTime, nullable=False),
    Index("ix_product_models_model", "model_id"),
)
