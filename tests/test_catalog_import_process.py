"""Large files are read and built in a second process: the report and the store are the same either way."""

from __future__ import annotations

import gc
import os
import pickle

import pytest
from catalog_fixtures import ROWS, defined_workspace, write_csv
from conftest import SAMPLE
from sqlalchemy import text

from jbp.catalog import producer
from jbp.catalog.definitions import define, load_definitions
from jbp.catalog.importers.mapping import read_mapping
from jbp.catalog.importing import ImportOptions, import_catalog
from jbp.errors import CatalogImportError
from jbp.store import catalog_rows
from jbp.workspace import init_workspace


@pytest.fixture
def ws(workspace, tmp_path):
    return defined_workspace(workspace, tmp_path)


def stored(workspace) -> dict[str, str]:
    """SKU -> content digest recomputed from the rows, so two stores can be compared whole."""
    with workspace.store.reading() as conn:
        digests = dict(catalog_rows.stored_digests(conn))
        skus = dict(conn.execute(text("SELECT id, sku FROM products")).all())
    return {skus[product_id]: digest for product_id, digest in digests.items()}


def test_a_csv_with_bad_rows_gives_the_same_partial_import_from_a_second_process(tmp_path):
    rows = [row[:] for row in ROWS] + [row[:] for row in ROWS[:1]]  # the last row repeats the first SKU
    rows[1][5] = "-3"  # negative price
    rows[2][9] = "5 kg"  # a mass for a current
    source = write_csv(tmp_path / "cat.csv", rows)
    reports, stores = [], []
    for name, parallel in (("in-process", False), ("second-process", True)):
        workspace = defined_workspace(init_workspace(tmp_path / name), tmp_path)
        report = import_catalog(workspace.store, source, ImportOptions(partial=True, parallel=parallel))
        reports.append({k: v for k, v in report.as_dict().items() if k != "run_id"})
        stores.append(stored(workspace))
    assert reports[0] == reports[1]
    assert (reports[1]["created"], reports[1]["rejected"]) == (1, 3)
    assert [r["row"] for r in reports[1]["rejections"]] == [5, 6, 7]  # below two title rows and the header
    assert stores[0] == stores[1] and list(stores[1]) == ["NXC-09-220"]


def test_bmecat_definitions_derived_in_the_second_process_are_stored_before_their_products(tmp_path):
    source = SAMPLE / "bearings_fasteners_bmecat.xml"
    results = []
    for name, parallel in (("in-process", False), ("second-process", True)):
        workspace = init_workspace(tmp_path / name)
        define(workspace.store, SAMPLE / "categories.toml")
        with workspace.store.transaction() as conn:  # forget two categories, so the file must derive them
            conn.execute(text("DELETE FROM parameter_defs WHERE category_id IN (SELECT id FROM categories "
                              "WHERE code IN ('bearing_deep_groove', 'screw_socket_head'))"))
            conn.execute(text("DELETE FROM categories WHERE code IN ('bearing_deep_groove', 'screw_socket_head')"))
        report = import_catalog(workspace.store, source, ImportOptions(partial=True, parallel=parallel))
        again = import_catalog(workspace.store, source, ImportOptions(partial=True, parallel=parallel))
        results.append((report.status, report.created, report.rejected, sorted(report.derived), again.unchanged,
                        stored(workspace)))
    assert results[0] == results[1]
    status, created, rejected, derived, unchanged, _ = results[1]
    # a parameter derived as a number from its first value rejects the products that write it as text
    assert (status, created + rejected, unchanged) == ("committed", 243, created)
    assert derived == ["category bearing_deep_groove (9 parameters)", "category screw_socket_head (9 parameters)"]


def test_an_error_in_the_second_process_is_raised_here_with_its_location(workspace, tmp_path):
    hostile = tmp_path / "xxe.xml"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE BMECAT [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                       '<BMECAT version="2005"><HEADER/><T_NEW_CATALOG>&x;</T_NEW_CATALOG></BMECAT>',
                       encoding="utf-8")
    messages = []
    for parallel in (False, True):
        with pytest.raises(CatalogImportError) as caught:
            import_catalog(workspace.store, hostile, ImportOptions(parallel=parallel))
        messages.append((str(caught.value), caught.value.location))
    assert messages[0] == messages[1] and messages[1][1].file == str(hostile)
    assert workspace.store.counts()["products"] == 0


def test_a_reading_process_that_dies_fails_the_import_and_writes_nothing(ws, tmp_path, monkeypatch):
    source = write_csv(tmp_path / "cat.csv", ROWS)

    def dies(*_args):
        yield from ()
        os._exit(3)

    monkeypatch.setattr(producer, "_produce", dies)
    with pytest.raises(CatalogImportError, match=r"stopped unexpectedly \(exit code 3\)"):
        import_catalog(ws.store, source, ImportOptions(parallel=True))
    assert ws.store.counts()["products"] == 0


def test_large_files_go_to_a_second_process_small_ones_stay(ws, tmp_path, monkeypatch):
    source = write_csv(tmp_path / "cat.csv", ROWS)
    started = []
    monkeypatch.setattr(producer, "_produce_into", lambda *args: started.append(args))  # a child that sends nothing
    monkeypatch.setattr(producer, "PARALLEL_MIN_BYTES", source.stat().st_size + 1)
    assert import_catalog(ws.store, source).created == 3 and not started
    monkeypatch.setattr(producer, "PARALLEL_MIN_BYTES", source.stat().st_size)
    with pytest.raises(CatalogImportError, match="stopped unexpectedly"):
        import_catalog(ws.store, source)


def many_rows(count: int) -> list[list[str]]:
    """`count` valid contactor rows with SKUs of their own."""
    template = ROWS[0]
    return [[f"NXC-{i:05d}", *template[1:]] for i in range(count)]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_csv_that_turns_bad_after_batches_were_written_fails_whole_naming_its_row(ws, tmp_path, parallel):
    rows = many_rows(producer.BATCH_SIZE + 300)
    rows[producer.BATCH_SIZE + 200][4] = "x" * 200_000  # over the csv module's field limit: a csv.Error
    source = write_csv(tmp_path / "cat.csv", rows, encoding="utf-8")
    with pytest.raises(CatalogImportError, match="bad CSV") as caught:
        import_catalog(ws.store, source, ImportOptions(partial=True, parallel=parallel))
    # two title rows (one of them blank) and the header come first
    assert caught.value.location.row == producer.BATCH_SIZE + 200 + 4
    assert ws.store.counts()["products"] == 0


def test_a_mapping_can_name_a_header_row_below_the_rows_searched(ws, tmp_path):
    source = tmp_path / "cat.csv"
    write_csv(source, ROWS, encoding="utf-8", title=False)
    source.write_text("说明\n" * 40 + source.read_text(encoding="utf-8"), encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("header_row = 41\n", encoding="utf-8")
    report = import_catalog(ws.store, source, ImportOptions(mapping=mapping))
    assert (report.status, report.created) == ("committed", 3)


def test_built_batches_cross_the_pipe_unchanged(ws, tmp_path):
    source = write_csv(tmp_path / "cat.csv", ROWS + [[*ROWS[0][:5], "-1", *ROWS[0][6:]]])
    with ws.store.reading() as conn:
        definitions = load_definitions(conn)
    messages = list(producer._produce(source, definitions, read_mapping(None), ImportOptions(partial=True)))
    batch = messages[1]
    assert len(batch.products) == 3 and len(batch.rejections) == 1
    assert pickle.loads(pickle.dumps(batch)) == batch  # products travel as marshal bytes
    assert batch.products[0].prices == (("CNY", 1, "12.500000"), ("CNY", 100, "11.800000"))


@pytest.mark.parametrize("outcome", ["committed", "rejected", "failed"])
def test_imports_skip_sqlite_foreign_key_checks_only_inside_their_transaction(workspace, tmp_path, outcome):
    defined_workspace(workspace, tmp_path)
    rows = ROWS if outcome == "committed" else [*ROWS, [*ROWS[0][:5], "-1", *ROWS[0][6:]]]
    source = write_csv(tmp_path / "cat.csv", rows)
    if outcome == "failed":
        source.write_bytes(source.read_bytes() + b"\n\x00")  # NUL: not a CSV file
    try:
        report = import_catalog(workspace.store, source)
    except CatalogImportError:
        report = None
    assert (report.status if report else "failed") == outcome
    with workspace.store.engine.connect() as conn:  # the connection the import used, back from the pool
        enforced = conn.exec_driver_sql("PRAGMA foreign_keys").scalar() if conn.dialect.name == "sqlite" else 1
    assert enforced == 1


def test_an_import_collects_garbage_rarely_while_it_runs_then_as_before(ws, tmp_path):
    before = gc.get_threshold()
    during = []
    for rows in (ROWS, [*ROWS, [*ROWS[0][:5], "-1", *ROWS[0][6:]]]):  # committed, then rejected
        report = import_catalog(ws.store, write_csv(tmp_path / "cat.csv", rows),
                                progress=lambda _rows: during.append(gc.get_threshold()))
        assert gc.get_threshold() == before
    assert report.status == "rejected" and set(during) == {producer.RARE_COLLECTIONS}
