"""The shipped sample catalog imports cleanly in every format, and again unchanged."""

from __future__ import annotations

import pytest
from conftest import SAMPLE

from jbp.catalog.definitions import define, load_definitions
from jbp.catalog.importing import import_catalog
from jbp.catalog.reading import iter_products

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
