"""The databases the storage, ledger and delivery tests run on: SQLite always, PostgreSQL where
PARADE_TEST_DATABASE_URL names a server (CI sets it; `.ci/run`). Each PostgreSQL database a test opens
is a fresh schema of that server, dropped when the test run ends, so runs never see each other's rows.

A test module opts in with `pytestmark = pytest.mark.usefixtures("backend")`; a test that is about
SQLite itself (its file locks, a full disk) is marked `sqlite_only`.
"""

from __future__ import annotations

import contextvars
import os
import re
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.migrations import schema_head
from bot.persistence import Database

PG_URL = os.environ.get("PARADE_TEST_DATABASE_URL", "").strip()
BACKEND: contextvars.ContextVar[str] = contextvars.ContextVar("backend", default="sqlite")
_schemas: dict[str, str] = {}  # test database path -> its schema: opening a path again is a restart
_admin: Engine | None = None


def pg_admin() -> Engine:
    """One connection pool to the test server, for creating and dropping schemas."""
    global _admin
    if _admin is None:
        _admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    return _admin


def pg_reachable() -> str | None:
    """None if the server answers, else why not."""
    try:
        with pg_admin().connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}"
    return None


def database_url(path: Path) -> str:
    """The database for `path`: that SQLite file, or the PostgreSQL schema made for it (new the first
    time; the same one again, as a restart finds its database)."""
    if BACKEND.get() == "sqlite":
        return f"sqlite:///{path}"
    schema = _schemas.get(str(path))
    if schema is None:
        name = re.sub(r"[^a-z0-9]+", "_", Path(path).stem.lower())[:30]
        schema = f"t_{name}_{uuid.uuid4().hex[:10]}"
        with pg_admin().connect() as connection:
            connection.execute(text(f'create schema "{schema}"'))
        _schemas[str(path)] = schema
    joiner = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{joiner}options={quote(f'-csearch_path={schema}')}"


def open_test_db(path: Path, **options: object) -> Database:
    db = Database(database_url(path), **options)  # type: ignore[arg-type]
    db.create_schema()
    assert db.schema_revision() == schema_head()  # recorded, so a later bot can upgrade it
    return db


def drop_schemas() -> None:
    if _admin is None or not _schemas:
        return
    with _admin.connect() as connection:
        for schema in _schemas.values():
            connection.execute(text(f'drop schema if exists "{schema}" cascade'))
    _admin.dispose()
