"""Workspaces are found like git repositories; the store migrates forward and refuses what it cannot use."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from jbp.errors import StoreError, WorkspaceError
from jbp.store import SCHEMA_VERSION, Store, catalog_rows, mask_url, migrations, schema
from jbp.store.migrations import upgrade
from jbp.workspace import find_workspace, init_workspace


def test_workspace_is_found_from_a_subfolder(tmp_path):
    root = init_workspace(tmp_path / "shop").root
    nested = root / "a" / "b"
    nested.mkdir(parents=True)
    assert find_workspace(start=nested).root == root


def test_explicit_dir_and_environment_win_over_discovery(tmp_path, monkeypatch):
    first = init_workspace(tmp_path / "one").root
    second = init_workspace(tmp_path / "two").root
    monkeypatch.setenv("JBP_WORKSPACE", str(second))
    assert find_workspace(start=first).root == second
    assert find_workspace(explicit=first).root == first


def test_no_workspace_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.delenv("JBP_WORKSPACE", raising=False)
    with pytest.raises(WorkspaceError, match="jbp init"):
        find_workspace(start=tmp_path)


def test_init_twice_is_refused(tmp_path):
    init_workspace(tmp_path / "w")
    with pytest.raises(WorkspaceError, match="already"):
        init_workspace(tmp_path / "w")


def test_password_is_masked():
    assert mask_url("postgresql://jbp:s3cret@db/jbp") == "postgresql://jbp:***@db/jbp"
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_sqlite_is_tuned_for_wal_and_foreign_keys(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.reading() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_old_workspace_is_refused_until_upgraded_then_keeps_its_data(db_url):
    store = Store(db_url)
    upgrade(store.engine, target=1)
    with store.transaction() as conn:
        conn.execute(text("INSERT INTO brands (code, aliases) VALUES ('CHNT', '[]')"))
    with pytest.raises(StoreError, match="jbp db upgrade"):
        store.check_version()
    assert "import_runs" not in store.counts()
    steps = store.upgrade()
    assert steps and steps[-1].startswith(f"{SCHEMA_VERSION}:")
    store.check_version()
    assert store.counts()["brands"] == 1 and store.counts()["import_runs"] == 0
    assert store.upgrade() == []
    store.close()


def test_schema_version_counts_the_migration_steps():
    assert len(migrations.STEPS) == SCHEMA_VERSION  # a new step must bump jbp/store/version.py


@pytest.mark.parametrize(("version", "message"), [("1", "run `jbp db upgrade`"), ("999", "newer than this jbp")])
def test_plain_reads_refuse_a_schema_older_or_newer_than_the_code(tmp_path, version, message):
    workspace = init_workspace(tmp_path / "w")
    with workspace.reading() as conn:
        assert conn.rows("SELECT count(*) FROM products") == [(0,)]
    store = Store(workspace.db_url)
    with store.transaction() as conn:
        conn.execute(text("UPDATE jbp_meta SET value = :v WHERE key = 'schema_version'"), {"v": version})
    store.close()
    again = find_workspace(explicit=workspace.root)  # a workspace keeps its checked connection: a new one
    with pytest.raises(StoreError, match=message), again.reading():
        pass


def test_database_newer_than_the_code_is_refused(db_url):
    store = Store(db_url)
    store.upgrade()
    with store.transaction() as conn:
        conn.execute(text("UPDATE jbp_meta SET value = '999' WHERE key = 'schema_version'"))
    with pytest.raises(StoreError, match="newer"):
        store.check_version()
    store.close()


@pytest.mark.parametrize("count", [1, 99, 100, 101, 250])
@pytest.mark.parametrize("variable_limit", [None, 100])
def test_bulk_insert_writes_every_row_in_order_whatever_the_statement_size(workspace, count, variable_limit):
    rows = [(f"B{i:04d}", f"品牌{i}", None if i % 3 else f"Brand {i}", "[]") for i in range(count)]
    with workspace.store.transaction() as conn:
        if variable_limit and conn.dialect.name == "sqlite":  # as builds that bind fewer values (999 before 3.32)
            conn.connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variable_limit)
        catalog_rows.bulk_insert(conn, schema.brands, ("code", "name_zh", "name_en", "aliases"), rows)
    with workspace.store.reading() as conn:
        stored = conn.execute(text("SELECT code, name_zh, name_en FROM brands ORDER BY id")).all()
    assert [tuple(row) for row in stored] == [row[:3] for row in rows]
