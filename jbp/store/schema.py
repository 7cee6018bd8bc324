"""The tables of the store, as SQLAlchemy Core metadata (the current shape of every table).

Migrations in `migrations.py` bring an older database to this shape; a step that changes a table
already created must freeze the old shape it starts from rather than reuse these objects.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
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
