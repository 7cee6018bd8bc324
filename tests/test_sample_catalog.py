"""The shipped sample catalog imports cleanly in every format, and again unchanged."""

from __future__ import annotations

import pytest
from conftest import SAMPLE
from sqlalchemy import text

from jbp.catalog.definitions import define, load_definitions
from jbp.catalog.export import export_catalog
from jbp.catalog.importing import ImportOptions, import_catalog
from jbp.catalog.reading import iter_products
from jbp.store import SCHEMA_VERSION, Store, catalog_rows
from jbp.store.migrations import STEPS, upgrade

FILES = {"chnt_catalog.xlsx": 185, "delixi_catalog.csv": 98, "bearings_fasteners_bmecat.xml": 243}


@pytest.fixture
def sample_ws(workspace):
    define(workspace.store, SAMPLE / "categories.toml")
    return workspace


def test_sample_files_import_without_rejections_then_reimport_unchanged(sample_ws):
    for name, count in FILES.items():
        report = import_catalog(sample_ws.store, SAMPLE / name)
        assert (report.status, report.created, report.rejected) == ("committed", count, 0), report.rejections[:3]
    for name, count in FILES.items():
        assert import_catalog(sample_ws.store, SAMPLE / name).unchanged == count


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_the_whole_sample_catalog_exports_and_reimports_unchanged(sample_ws, tmp_path, fmt):
    for name in FILES:
        import_catalog(sample_ws.store, SAMPLE / name)
    with sample_ws.store.reading() as conn:
        described, kinds = conn.execute(text("SELECT count(description), count(DISTINCT kind) FROM media")).one()
    assert described > 500 and kinds == 3  # BMEcat's described images, datasheets and CAD files among them
    path = tmp_path / f"catalog.{fmt}"
    total = sum(FILES.values())
    assert export_catalog(sample_ws.store, path).products == total
    again = import_catalog(sample_ws.store, path)
    assert (again.status, again.created, again.updated, again.unchanged) == ("committed", 0, 0, total)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_real_catalogs_export_to_a_table_and_reimport_unchanged(workspace, realdata, tmp_path, fmt):
    """fischer's article lists documents, datasheets and images interleaved, each described; CPL parts
    have images and footprint documents."""
    for name in ("bmecat/fischer_nexmart_bmecat12.xml", "catalog/octopart_cpl_production_Resistors.yaml"):
        assert import_catalog(workspace.store, realdata / name, ImportOptions(partial=True)).created
    path = tmp_path / f"catalog.{fmt}"
    count = export_catalog(workspace.store, path).products
    again = import_catalog(workspace.store, path)
    assert (again.status, again.updated, again.unchanged) == ("committed", 0, count)


def test_fischer_packaging_features_in_un_ece_units_are_numbers(workspace, realdata):
    """fischer gives FUNIT as UN/ECE Rec 20 codes (MTR, KGM); they were stored as bare text, unit lost."""
    import_catalog(workspace.store, realdata / "bmecat/fischer_nexmart_bmecat12.xml")
    with workspace.store.reading() as conn:
        definitions = load_definitions(conn)
        [product] = iter_products(conn, definitions)
    parameters = {p.code: p for p in definitions.categories[product.category].parameters}
    assert (parameters["packaginglength"].unit, parameters["grossweight"].unit) == ("m", "kg")
    assert product.params["packaginglength"].num == 0.28 and product.params["packaginglength"].source == "0.28 MTR"
    assert product.params["grossweight"].num == 4.158


def test_bmecat_old_products_are_obsolete_with_their_successor(sample_ws):
    import_catalog(sample_ws.store, SAMPLE / "bearings_fasteners_bmecat.xml")
    with sample_ws.store.reading() as conn:
        bearings = list(iter_products(conn, load_definitions(conn), category="bearing_deep_groove"))
    obsolete = [p for p in bearings if p.lifecycle == "obsolete"]
    assert obsolete and all(p.successor_sku for p in obsolete)
    by_sku = {p.sku: p for p in bearings}
    assert all(by_sku[p.successor_sku].lifecycle == "active" for p in obsolete)
    sample = by_sku[obsolete[0].successor_sku]
    assert {"bore", "outer_diameter", "width"} <= set(sample.params)


@pytest.mark.parametrize(("name", "fmt"), [("fischer_nexmart_bmecat12.xml", "bmecat-1.2"),
                                           ("weidmueller_WEI_BMECat_7760056069.xml", "bmecat-2005")])
def test_real_bmecat_files_import_with_derived_definitions_and_reimport_unchanged(workspace, realdata, name, fmt):
    path = realdata / "bmecat" / name
    report = import_catalog(workspace.store, path)
    assert (report.status, report.format, report.created, report.rejected) == ("committed", fmt, 1, 0)
    assert any(line.startswith("brand ") for line in report.derived)
    with workspace.store.reading() as conn:
        definitions = load_definitions(conn)
        (product,) = list(iter_products(conn, definitions))
    assert product.mpn and product.params  # features became parameters of a derived category
    assert definitions.categories[product.category].parameters
    assert import_catalog(workspace.store, path).unchanged == 1


def _stored_hashes(store) -> dict[int, str]:
    with store.reading() as conn:
        return dict(conn.execute(text("SELECT id, content_hash FROM products")).all())


def test_content_hash_is_a_digest_of_the_stored_values(sample_ws):
    for name in FILES:
        import_catalog(sample_ws.store, SAMPLE / name)
    with sample_ws.store.reading() as conn:
        recomputed = dict(catalog_rows.stored_digests(conn))
    assert len(recomputed) == sum(FILES.values())
    assert recomputed == _stored_hashes(sample_ws.store)


def test_upgrade_recomputes_hashes_so_an_old_store_reimports_unchanged(db_url):
    store = Store(db_url)
    upgrade(store.engine, target=SCHEMA_VERSION - 1)
    define(store, SAMPLE / "categories.toml")
    for name in FILES:
        import_catalog(store, SAMPLE / name)
    with store.transaction() as conn:  # what the previous version stored: another hash of each product
        conn.execute(text("UPDATE products SET content_hash = 'json-dump-sha1'"))
    counts = store.counts()
    assert store.upgrade() == [f"{SCHEMA_VERSION}: {STEPS[-1][0]}"]
    assert store.counts() == counts
    assert "json-dump-sha1" not in _stored_hashes(store).values()
    for name, count in FILES.items():
        assert import_catalog(store, SAMPLE / name).unchanged == count
    if store.engine.dialect.name == "sqlite":
        with store.reading() as conn:
            ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'param_values'")).scalar()
        assert ddl.endswith("WITHOUT ROWID")
    store.close()
