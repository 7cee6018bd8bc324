"""Catalog importers: one module per source format; `registry.py` merges them by file type."""
