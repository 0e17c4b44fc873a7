"""The schema's versions and the one way they are applied.

Alembic's environment (env.py) and revisions (versions/0001_..., 0002_...) live here, inside the installed
package; the Alembic configuration is built in code (no alembic.ini), so migrations run from a wheel and
from any working directory, and no URL or secret is written in any file. `upgrade` is what a start and
`parade-bot db upgrade` run; `new_revision` is what `parade-bot db revision` runs for developers.

Alembic itself (about 0.1 s and 10 MiB to import) is imported only where a schema is changed or a revision
written: a start on a database already at the newest revision reads that revision with one query and
compares it with `schema_head`, which reads the revision files' own `revision = ...` lines (the tests check
that it agrees with Alembic's reading of them).
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import time
from argparse import Namespace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bot.persistence import META, Database, DatabaseError, make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = "bot:migrations"  # Alembic's scripts (env.py, versions/), found inside the installed package
LOCKED_ATTEMPTS = 6  # SQLite's immediate "database is locked" at start: see upgrade()
MIGRATION_WAIT = 300.0  # seconds a start waits for another process's upgrade, and an upgrade may take
PG_MIGRATION_LOCK = 0x7061726164650001  # pg_advisory_xact_lock key: "parade" and 1, one per database
# Revision 0001 is the schema the bot made before Alembic, with these tables (and no alembic_version).
PRE_ALEMBIC_REVISION = "0001"
PRE_ALEMBIC_TABLES = frozenset({"parade_meta", "subscriptions", "deliveries", "feed_state", "feed_items",
                                "feed_optouts", "content_reloads"})
# A revision file's identifiers, as Alembic's template writes them: `revision = '0002'`, `down_revision = None`.
_REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*(['"])(?P<id>[^'"\n]+)\1\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*(?::[^=\n]*)?=\s*(?:None|(['"])(?P<id>[^'"\n]+)\1)\s*$""",
                            re.MULTILINE)


def migrations_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built here rather than read from an alembic.ini, so the migrations run from
    an installed wheel and from any working directory; env.py runs them on `connection`."""
    from alembic.config import Config

    config = Config(cmd_opts=Namespace(quiet=True))  # Alembic prints nothing: the caller says what happened
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def schema_head() -> str:
    """The newest revision this bot knows: the one no other revision revises."""
    revisions = _revision_files()
    heads = set(revisions) - set(revisions.values())
    assert len(heads) == 1, f"bot/migrations/versions should have one newest revision, not {sorted(heads)}"
    return heads.pop()


def schema_revisions() -> set[str]:
    """Every revision this bot knows: a database at another one was made by a newer bot."""
    return set(_revision_files())


def _revision_files() -> dict[str, str | None]:
    """Each revision in the versions folder with the one it revises, read from the files' text (the
    files Alembic loads: *.py but __init__.py and editors' .# lock files)."""
    location = MIGRATIONS
    if ":" in location and not os.path.isabs(location):  # "package:folder", as Alembic reads it
        package, folder = location.split(":")
        location = str(resources.files(package) / folder)
    revisions: dict[str, str | None] = {}
    for path in sorted((Path(location) / "versions").glob("*.py")):
        if path.name == "__init__.py" or path.name.startswith(".#"):
            continue
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            raise DatabaseError(f"{path.name}: no `revision = ...` and `down_revision = ...` lines")
        revisions[revision["id"]] = down["id"]
    return revisions


def new_revision(message: str) -> Path:
    """For developers: write the next revision (0002, 0003, ...) holding what the models changed since the
    newest one, found by Alembic's autogenerate against a scratch SQLite database upgraded to head. It is
    written into bot/migrations/versions of this checkout (an editable install), to review and commit."""
    from alembic import command
    from alembic.script import Script

    with tempfile.TemporaryDirectory(prefix="parade-revision-") as scratch:
        db = Database(f"sqlite:///{scratch}/head.db")
        try:
            db.create_schema()
            with db.engine.begin() as connection:
                script = command.revision(migrations_config(connection), message, autogenerate=True,
                                          rev_id=f"{int(schema_head()) + 1:04d}")
        finally:
            db.close()
    assert isinstance(script, Script)
    return Path(script.path)


def upgrade(url: str) -> str | None:
    """Bring the database at `url` to head and return the revision it was at (None: it was empty).
    DatabaseError if a newer bot made it.

    Every process runs this at start, so it runs under a lock held for the whole check-and-upgrade (see
    _migration_engine and _lock_for_migration): processes starting together take turns, the first
    upgrades, the others find the database at head, and none sees a half-made schema.

    SQLite sometimes answers "database is locked" at once instead of waiting its busy timeout (a new
    file being switched to WAL by another process at that moment, or a lock it could only wait for by
    deadlocking): seen a few times in about a thousand starts of three processes together here. Nothing was committed
    then, so the whole check-and-upgrade is simply tried again."""
    for attempt in range(LOCKED_ATTEMPTS):
        engine = _migration_engine(url)
        try:
            with engine.begin() as connection:
                _lock_for_migration(connection)
                return _upgrade(connection)
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or attempt == LOCKED_ATTEMPTS - 1:
                raise
        finally:
            engine.dispose()
        time.sleep(0.05 * 2 ** attempt + random.random() * 0.05)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _migration_engine(url: str) -> Engine:
    """An engine of its own for upgrading, whose transactions wait up to MIGRATION_WAIT for the lock.

    On SQLite every transaction it begins is BEGIN EXCLUSIVE: SQLite allows one writer per file, so while
    one process holds that transaction another's BEGIN EXCLUSIVE waits (its busy timeout) until the commit,
    then reads the revision the first one wrote. The check, the upgrade and the new revision commit
    together (SQLite's DDL is transactional), so that one lock is all the serialising needed. The driver's
    own transaction handling (an implicit BEGIN before DML only) is switched off so ours is the one used:
    SQLAlchemy's documented recipe for pysqlite. Foreign keys are not enforced during the upgrade and are
    checked before its commit (_check_references), as SQLite's procedure for altering a table asks: a batch
    operation copies a table, drops the old one and renames the copy, and dropping a table that others
    refer to fails while they are enforced."""
    engine = make_engine(url, MIGRATION_WAIT)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_for_migration)
        event.listen(engine, "begin", _begin_exclusive)
    return engine


def _sqlite_for_migration(connection: object, record: object) -> None:
    connection.isolation_level = None  # type: ignore[attr-defined]
    connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[attr-defined]  # (outside a transaction)


def _begin_exclusive(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN EXCLUSIVE")


def _check_references(connection: Connection) -> None:
    """SQLite: every reference still points at a row after the upgrade (see _migration_engine), else
    DatabaseError and nothing is committed. Elsewhere foreign keys were enforced throughout."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            tables = ", ".join(sorted({str(row[0]) for row in broken}))
            count = f"{len(broken)} row" if len(broken) == 1 else f"{len(broken)} rows"
            raise DatabaseError(f"the upgrade would leave {count} of {tables} referring to rows that are gone; "
                                "nothing was changed")


def _lock_for_migration(connection: Connection) -> None:
    """PostgreSQL: a transaction-level advisory lock, released by the commit (or by the server if the
    process dies), so start-ups on one database take turns. SQLite's lock is its exclusive transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})


def _upgrade(connection: Connection) -> str | None:
    """Upgrade to head on `connection` (inside the locked transaction); the revision it was at."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = migrations_config(connection)
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None and _made_before_alembic(connection):
        command.stamp(config, PRE_ALEMBIC_REVISION)  # its tables are that revision's: nothing is re-created
        current = PRE_ALEMBIC_REVISION
    if current is not None and current not in schema_revisions():
        raise DatabaseError(f"database schema revision {current} is unknown to this bot (its newest is "
                            f"{schema_head()}): a newer bot made it; upgrade this one")
    command.upgrade(config, "head")
    _check_references(connection)
    _record_version(connection, schema_head())
    return current


def _made_before_alembic(connection: Connection) -> bool:
    """True for a database that today's tables were created in before Alembic (no alembic_version);
    False for an empty one. DatabaseError for one that holds only some of them, or a newer number."""
    present = PRE_ALEMBIC_TABLES & set(inspect(connection).get_table_names())
    if not present:
        return False
    if present != PRE_ALEMBIC_TABLES:
        missing = ", ".join(sorted(PRE_ALEMBIC_TABLES - present))
        raise DatabaseError(f"the database has some of the bot's tables but not {missing}: it was not made by "
                            "this bot, or its creation was interrupted; use an empty database")
    version = connection.scalar(select(META.c.value).where(META.c.key == "schema_version"))
    if version is not None and int(version) > 1:
        raise DatabaseError(f"database schema version {version} is newer than this bot's")
    return True


def _record_version(connection: Connection, head: str) -> None:
    """parade_meta.schema_version = the head's number: bots from before Alembic read it and refuse a
    database whose number is above theirs (1), so they never run on a schema they do not know."""
    value = str(int(head))
    changed = connection.execute(update(META).where(META.c.key == "schema_version").values(value=value))
    if not changed.rowcount:
        connection.execute(insert(META).values(key="schema_version", value=value))
