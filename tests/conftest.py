"""Shared fixtures: a workspace on SQLite, and the same on PostgreSQL when JBP_TEST_PG is set."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jbp.workspace import Workspace, init_workspace

PG_URL = os.environ.get("JBP_TEST_PG")
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"

needs_pg = pytest.mark.skipif(not PG_URL, reason="JBP_TEST_PG is not set")


def pg_schema_url(schema: str) -> str:
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[needs_pg, pytest.mark.pg])])
def db_url(request, tmp_path):
    """A fresh database: a SQLite file, or a throw-away schema in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jbp.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def workspace(db_url, tmp_path) -> Workspace:
    """An initialised workspace on the parametrised database."""
    ws = init_workspace(tmp_path / "ws", db_url=db_url)
    yield ws
    if "store" in ws.__dict__:
        ws.store.close()


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent")
    return REALDATA


@pytest.fixture
def run(capsys, monkeypatch):
    """The `jbp` command in-process: run("-w", DIR, "catalog", …) -> (exit code, stdout, stderr)."""
    from jbp.cli.main import main

    monkeypatch.delenv("JBP_WORKSPACE", raising=False)

    def invoke(*argv: str) -> tuple[int, str, str]:
        try:
            main(list(argv))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
