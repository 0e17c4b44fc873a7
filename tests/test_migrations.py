"""The versioned schema (README, "Operations"): a database made before Alembic is upgraded at start with
every row kept, the models and the revisions agree, an unknown revision is refused, and the operator's
`parade-bot db` commands work. Processes starting together on a fresh database: tests/test_concurrent_start.py."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from backends import database_url, open_test_db
from conftest import ROOT
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from test_concurrent_start import race

from adapters.cli import main
from bot import migrations, persistence
from bot.application import open_database
from bot.migrations import new_revision, schema_head, schema_revisions
from bot.persistence import Database, DatabaseError, metadata

pytestmark = pytest.mark.usefixtures("backend")

# Today's schema as the bot made it before Alembic (Base.metadata.create_all, then parade_meta.schema_version
# 1), frozen here so this test keeps meaning the same database whatever the live models become.
BEFORE_ALEMBIC = MetaData()
Table("parade_meta", BEFORE_ALEMBIC,
      Column("key", String(64), primary_key=True), Column("value", String(256), nullable=False))
Table("subscriptions", BEFORE_ALEMBIC,
      Column("id", Integer, primary_key=True, autoincrement=True), Column("platform", String(16), nullable=False),
      Column("workspace", String(64), nullable=False), Column("channel", String(64), nullable=False),
      Column("timezone", String(64), nullable=False), Column("active", Boolean, nullable=False),
      Column("subscribed_at", DateTime, nullable=False), Column("inactive_reason", String(256)),
      UniqueConstraint("platform", "workspace", "channel"))
Table("deliveries", BEFORE_ALEMBIC,
      Column("id", Integer, primary_key=True, autoincrement=True),
      Column("subscription_id", Integer, ForeignKey("subscriptions.id"), nullable=False),
      Column("reminder_id", String(200), nullable=False), Column("status", String(16), nullable=False),
      Column("claimed_by", String(64), nullable=False), Column("claimed_at", DateTime, nullable=False),
      Column("finished_at", DateTime), Column("detail", String(500)), Column("attempts", Integer, nullable=False),
      Column("retry_safe", Boolean, nullable=False),
      UniqueConstraint("subscription_id", "reminder_id"))
Table("feed_state", BEFORE_ALEMBIC,
      Column("url", String(1000), primary_key=True), Column("etag", String(500)),
      Column("last_modified", String(100)), Column("next_poll", DateTime),
      Column("failures", Integer, nullable=False), Column("disabled", Boolean, nullable=False),
      Column("last_status", String(300)), Column("last_fetch", DateTime), Column("items_seen", Integer, nullable=False))
Table("feed_items", BEFORE_ALEMBIC,
      Column("key", String(64), primary_key=True), Column("story", String(64), nullable=False),
      Column("title_date", String(64), nullable=False), Column("link", String(1000)),
      Column("title", String(300), nullable=False), Column("summary", String(1000), nullable=False),
      Column("outlet", String(100), nullable=False), Column("feed_url", String(1000), nullable=False),
      Column("published", DateTime, nullable=False), Column("seen_at", DateTime, nullable=False),
      Index("ix_feed_items_story", "story"), Index("ix_feed_items_seen_at", "seen_at"))
Table("feed_optouts", BEFORE_ALEMBIC,
      Column("subscription_id", Integer, ForeignKey("subscriptions.id"), primary_key=True))
Table("content_reloads", BEFORE_ALEMBIC,
      Column("id", Integer, primary_key=True, autoincrement=True), Column("actor", String(128), nullable=False),
      Column("at", DateTime, nullable=False), Column("hash_before", String(64), nullable=False),
      Column("hash_after", String(64)), Column("summary", String(2000), nullable=False))

AT = dt.datetime(2025, 9, 1, 8, 30, 15, 123456)  # stored naive, in UTC, as UtcDateTime stores it
ROWS = {
    "parade_meta": [{"key": "schema_version", "value": "1"}],
    "subscriptions": [
        {"id": 1, "platform": "slack", "workspace": "T1", "channel": "C1", "timezone": "Asia/Tokyo", "active": True,
         "subscribed_at": AT, "inactive_reason": None},
        {"id": 2, "platform": "discord", "workspace": "G9", "channel": "42", "timezone": "Europe/Paris",
         "active": False, "subscribed_at": AT + dt.timedelta(hours=1), "inactive_reason": "channel gone: 404 «x»"},
        {"id": 3, "platform": "slack", "workspace": "T1", "channel": "C3", "timezone": "UTC", "active": True,
         "subscribed_at": AT, "inactive_reason": "paused: invite the bot"},
    ],
    "deliveries": [
        {"id": 1, "subscription_id": 1, "reminder_id": "countdown@2025-09-03T01:00Z:T-10080m", "status": "sent",
         "claimed_by": "proc-1", "claimed_at": AT, "finished_at": AT + dt.timedelta(seconds=2), "detail": None,
         "attempts": 1, "retry_safe": False},
        {"id": 2, "subscription_id": 3, "reminder_id": "news:parade-announced", "status": "failed",
         "claimed_by": "proc-2", "claimed_at": AT, "finished_at": None, "detail": "503 from slack",
         "attempts": 2, "retry_safe": True},
    ],
    "feed_state": [
        {"url": "https://example.org/feed.xml", "etag": 'W/"abc"', "last_modified": "Mon, 01 Sep 2025 08:00:00 GMT",
         "next_poll": AT + dt.timedelta(minutes=15), "failures": 2, "disabled": False, "last_status": "304",
         "last_fetch": AT, "items_seen": 17},
    ],
    "feed_items": [
        {"key": "k" * 64, "story": "s1", "title_date": "kim arrives|2025-09-01", "link": None,
         "title": "Kim arrives in Beijing", "summary": "北京 — the train arrived", "outlet": "Wire",
         "feed_url": "https://example.org/feed.xml", "published": AT, "seen_at": AT + dt.timedelta(minutes=1)},
    ],
    "feed_optouts": [{"subscription_id": 3}],
    "content_reloads": [
        {"id": 1, "actor": "slack:U1", "at": AT, "hash_before": "a" * 64, "hash_after": None,
         "summary": "refused: 2 facts removed"},
    ],
}


def made_before_alembic(url: str) -> None:
    """A database as the bot made it before Alembic, with rows in every table."""
    engine = create_engine(url)
    BEFORE_ALEMBIC.create_all(engine)
    with engine.begin() as connection:
        for table in BEFORE_ALEMBIC.sorted_tables:
            connection.execute(insert(table), ROWS[table.name])
    engine.dispose()


def every_row(url: str) -> dict[str, list[dict[str, object]]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {table.name: [dict(row._mapping) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in BEFORE_ALEMBIC.sorted_tables}
    engine.dispose()
    return rows


def differences(db: Database, models: MetaData = metadata) -> list[object]:
    """What Alembic's autogenerate finds between `models` and the database: what a new revision would hold."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), models)


def test_a_database_made_before_alembic_is_upgraded_at_start_with_every_row_kept(tmp_path):
    url = database_url(tmp_path / "before-alembic.db")
    made_before_alembic(url)
    before = every_row(url)
    assert before == ROWS

    db = open_database(url)  # what a start does
    assert db is not None and db.schema_revision() == schema_head()
    after = every_row(url)
    meta = after.pop("parade_meta")
    assert meta == [{"key": "schema_version", "value": str(int(schema_head()))}]  # pre-Alembic bots read this
    assert after == {name: rows for name, rows in before.items() if name != "parade_meta"}
    assert differences(db) == []  # stamped as revision 0001, not re-created: and it is what 0001 makes

    # The live code reads the old rows as it always did.
    paused = db.subscription("slack", "T1", "C3")
    assert paused is not None and paused.paused and paused.subscribed_at == AT.replace(tzinfo=dt.UTC)
    assert db.feed_optouts() == {3}
    assert db.claimable("news:parade-announced", [1, 3]) == {1, 3}  # the retry-safe failure may go again
    assert db.feed_states()["https://example.org/feed.xml"].items_seen == 17
    assert db.create_schema() == schema_head()  # a second start has nothing to do
    db.close()


def test_processes_starting_together_on_a_database_made_before_alembic_all_get_it_upgraded_once(tmp_path):
    url = database_url(tmp_path / "before-alembic-race.db")
    made_before_alembic(url)
    assert race(url, tmp_path / "go") == ["ok", "ok", "ok"]
    after = every_row(url)
    assert after.pop("parade_meta") == [{"key": "schema_version", "value": str(int(schema_head()))}]
    assert after == {name: rows for name, rows in ROWS.items() if name != "parade_meta"}


def test_models_and_revisions_agree(tmp_path):
    db = open_test_db(tmp_path / "fresh.db")
    assert differences(db) == []  # a model change without its revision fails here
    # ... and the comparison sees such a change: a model with one more column and one more table.
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["subscriptions"].append_column(Column("installed_by", String(64)))
    Table("slack_installations", changed, Column("team_id", String(32), primary_key=True))
    found = {(d[0], d[3].name if d[0] == "add_column" else d[1].name) for d in differences(db, changed)}
    assert found == {("add_column", "installed_by"), ("add_table", "slack_installations")}
    db.close()


def test_revisions_are_numbered_in_one_line():
    """Revision ids are 0001, 0002, ... each revising the one before: parade_meta keeps the number, and two
    branches that both add 0002 collide here rather than as two heads in production."""
    numbers = sorted(int(revision) for revision in schema_revisions())
    assert numbers == list(range(1, len(numbers) + 1)) and schema_head() == f"{numbers[-1]:04d}"
    files = sorted(path.name for path in (Path(migrations.__file__).parent / "versions").glob("*.py"))
    assert [name[:4] for name in files] == [f"{number:04d}" for number in numbers]  # one file per number


def test_the_newest_revision_read_from_the_files_is_the_one_alembic_finds(tmp_path, monkeypatch):
    """A start compares the database's revision with schema_head(), read from the revision files' text so
    that Alembic need not be imported: it names what Alembic's own reading finds, with one more revision too."""
    from alembic.script import ScriptDirectory

    def alembics() -> tuple[str | None, set[str]]:
        scripts = ScriptDirectory.from_config(migrations.migrations_config())
        return scripts.get_current_head(), {script.revision for script in scripts.walk_revisions()}

    assert (schema_head(), schema_revisions()) == alembics()
    scripts = migrations_copy(tmp_path, monkeypatch)
    (scripts / "versions" / f"{NEXT}_wider_reason.py").write_text(numbered(WIDER_REASON))
    assert (schema_head(), schema_revisions()) == alembics() and schema_head() == NEXT


def test_a_start_on_a_database_at_the_newest_revision_does_not_import_alembic(tmp_path):
    """Most starts find the schema current: one query says so, and Alembic (0.1 s, 10 MiB) stays
    unloaded. An empty database is upgraded as before."""
    probe = ("import sys\nfrom bot.application import open_database\ndb = open_database(sys.argv[1])\n"
             "print(db is not None and db.schema_revision(), 'alembic' in sys.modules)")
    url = database_url(tmp_path / "current.db")

    def start() -> str:
        done = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, timeout=60,
                              cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert start() == f"{schema_head()} True"  # empty: upgraded, with Alembic
    assert start() == f"{schema_head()} False"  # at the newest revision: nothing to do, no Alembic


def test_a_revision_unknown_to_this_bot_is_refused_in_one_line(tmp_path, caplog):
    path = tmp_path / "newer.db"
    db = open_test_db(path)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    db.close()

    newer = Database(database_url(path))
    with pytest.raises(DatabaseError) as refused:
        newer.create_schema()
    assert str(refused.value) == (f"database schema revision 0999 is unknown to this bot (its newest is "
                                  f"{schema_head()}): a newer bot made it; upgrade this one")
    newer.close()
    with caplog.at_level(logging.ERROR):
        assert open_database(database_url(path)) is None  # the bot runs without subscriptions, as when down
    [line] = [r.getMessage() for r in caplog.records]
    assert "DatabaseError: database schema revision 0999 is unknown to this bot" in line


def test_a_pre_alembic_database_with_a_newer_number_or_missing_tables_is_refused(tmp_path):
    url = database_url(tmp_path / "numbered.db")
    made_before_alembic(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE parade_meta SET value = '2' WHERE key = 'schema_version'"))
    with pytest.raises(DatabaseError, match=r"^database schema version 2 is newer than this bot's$"):
        Database(url).create_schema()

    with engine.begin() as connection:
        connection.execute(text("DROP TABLE content_reloads"))
    with pytest.raises(DatabaseError, match=r"has some of the bot's tables but not content_reloads"):
        Database(url).create_schema()
    engine.dispose()
    assert "alembic_version" not in inspect(create_engine(url)).get_table_names()  # nothing was stamped


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_operator_commands_show_and_upgrade_the_revision_without_printing_the_url(tmp_path, monkeypatch, capsys):
    url = database_url(tmp_path / "operator.db")
    made_before_alembic(url)
    monkeypatch.setenv("PARADE_DATABASE_URL", url)
    head = schema_head()
    code, out, err = run(capsys, "db", "current")
    assert (code, err) == (0, "") and out.startswith(f"revision: none (no schema yet, or one from before versioning); "
                                                     f"this bot's newest: {head};")
    assert run(capsys, "db", "upgrade") == (0, f"upgraded from revision 0001 to revision {head}\n"
                                            if head != "0001" else f"already at revision {head}, this bot's newest\n",
                                            "")
    assert run(capsys, "db", "current") == (0, f"revision: {head}; this bot's newest: {head}\n", "")

    monkeypatch.setenv("PARADE_DATABASE_URL", database_url(tmp_path / "empty.db"))
    assert run(capsys, "db", "upgrade") == (0, f"upgraded from an empty database to revision {head}\n", "")

    monkeypatch.setenv("PARADE_DATABASE_URL", "postgresql+psycopg://parade:s3cret-Passw0rd@127.0.0.1:9/parade")
    code, out, err = run(capsys, "db", "upgrade")
    assert code == 2 and out == "" and err.startswith("parade-bot: the database cannot be opened (")
    assert err.count("\n") == 1 and "s3cret-Passw0rd" not in err


HEAD = schema_head()
NEXT = f"{int(HEAD) + 1:04d}"  # the number a test's own revision takes, after the package's newest


def numbered(template: str) -> str:
    """A test revision's text, numbered after the package's newest revision."""
    numbers = template.replace('"0002"', f'"{NEXT}"').replace('"0001"', f'"{HEAD}"')
    return numbers.replace("revision 0002", f"revision {NEXT}")


def migrations_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This bot's migrations, copied where a test may add revisions, and used instead of the package's."""
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(migrations.__file__).parent, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "MIGRATIONS", str(scripts))
    return scripts


FAILING_REVISION = '''"""A revision that fails half way."""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("UPDATE parade_meta SET value = 'changed'")
    raise RuntimeError("revision 0002 failed")
'''


def test_an_upgrade_that_fails_half_way_changes_nothing(tmp_path, monkeypatch):
    """The check, the revisions and the new revision number commit together (SQLite's exclusive
    transaction, PostgreSQL's transactional DDL): a failed upgrade leaves the database as it was."""
    path = tmp_path / "at-0001.db"
    open_test_db(path).close()
    scripts = migrations_copy(tmp_path, monkeypatch)
    (scripts / "versions" / f"{NEXT}_fails.py").write_text(numbered(FAILING_REVISION))
    db = Database(database_url(path))
    with pytest.raises(RuntimeError, match=f"revision {NEXT} failed"):
        db.create_schema()
    assert db.schema_revision() == HEAD and "half_done" not in inspect(db.engine).get_table_names()
    assert every_row(database_url(path))["parade_meta"] == [{"key": "schema_version", "value": str(int(HEAD))}]
    db.close()


WIDER_REASON = '''"""A change that makes SQLite copy a table other tables refer to."""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:  # copies on SQLite, ALTER elsewhere
        batch.alter_column("inactive_reason", type_=sa.String(512), existing_type=sa.String(256))
'''


def test_a_revision_that_rebuilds_a_referenced_table_keeps_every_row_and_reference(tmp_path, monkeypatch):
    """SQLite alters a table by copying it, dropping the old one and renaming the copy: with foreign keys
    enforced, dropping `subscriptions` under its deliveries would fail (or, worse, cascade). The upgrade
    follows SQLite's own procedure: foreign keys off for the upgrade, checked before the commit."""
    url = database_url(tmp_path / "rebuilt.db")
    made_before_alembic(url)
    scripts = migrations_copy(tmp_path, monkeypatch)
    (scripts / "versions" / f"{NEXT}_wider_reason.py").write_text(numbered(WIDER_REASON))
    db = Database(url)
    assert db.create_schema() == "0001" and db.schema_revision() == NEXT
    after = every_row(url)
    after.pop("parade_meta")
    assert after == {name: rows for name, rows in ROWS.items() if name != "parade_meta"}
    [reason] = inspect(db.engine).get_columns("subscriptions")[-1:]
    assert reason["name"] == "inactive_reason" and reason["type"].length == 512
    assert {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("deliveries")} == {"subscriptions"}
    with pytest.raises(IntegrityError), db.engine.begin() as connection:  # and still enforced afterwards
        connection.execute(text("INSERT INTO feed_optouts (subscription_id) VALUES (999)"))
    db.close()


def test_a_revision_that_would_break_references_is_refused_and_changes_nothing(tmp_path, monkeypatch, backend):
    url = database_url(tmp_path / "orphans.db")
    made_before_alembic(url)
    scripts = migrations_copy(tmp_path, monkeypatch)
    (scripts / "versions" / f"{NEXT}_orphans.py").write_text(numbered(WIDER_REASON).replace(
        "    with op.batch_alter_table", "    op.execute(\"DELETE FROM subscriptions WHERE id = 1\")\n"
        "    with op.batch_alter_table"))
    db = Database(url)
    with pytest.raises((DatabaseError, persistence.StorageUnavailable)) as refused:
        db.create_schema()
    if backend == "sqlite":  # checked before the commit; PostgreSQL enforced the reference at the DELETE
        assert str(refused.value) == ("the upgrade would leave 1 row of deliveries referring to rows that are "
                                      "gone; nothing was changed")
    assert every_row(url) == ROWS and db.schema_revision() is None
    db.close()


@pytest.mark.sqlite_only
def test_a_developer_revision_holds_the_model_change_and_upgrades_a_database(tmp_path, monkeypatch):
    """`parade-bot db revision -m ...` with a model change (a Slack installations table, as a branch adds):
    the revision written is the next number, it creates the table, a start upgrades to it, and it is
    ruff clean."""
    scripts = migrations_copy(tmp_path, monkeypatch)
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    Table("slack_installations", changed, Column("team_id", String(32), primary_key=True),
          Column("installed_at", persistence.UtcDateTime(), nullable=False))
    monkeypatch.setattr(persistence, "metadata", changed)  # what env.py compares with

    path = new_revision("slack installations")
    assert path == scripts / "versions" / f"{NEXT}_slack_installations.py"
    source = path.read_text()
    assert re.search(r"op\.create_table\('slack_installations',", source) and "sa.DateTime()" in source
    assert "bot.persistence" not in source  # a revision never imports the live models
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                           str(ROOT / "pyproject.toml"), str(path)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout

    db = open_test_db(tmp_path / "upgraded.db")
    assert db.schema_revision() == NEXT and db.schema_version() == int(NEXT)
    assert differences(db, changed) == []
    db.close()
