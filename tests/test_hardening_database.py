"""Database faults: corrupted at start, read-only, locked by another writer, disk full. Commands that need
no database keep working, the operator gets a clear log line, and nothing already recorded is lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
from collections import Counter

from conftest import PARADE_START_UTC, FakeClock
from sqlalchemy import event
from test_reminders import RecordingPoster

from bot.application import open_database
from bot.commands import Command, Dispatcher
from bot.delivery import DeliveryService
from bot.persistence import Database

START = PARADE_START_UTC
CHANNELS = ("C1", "C2", "C3")


def prepared(path) -> Database:
    """Three subscribed channels and one delivery already recorded (the 7-day reminder to C1)."""
    db = Database(f"sqlite:///{path}")
    db.create_schema()
    for channel in CHANNELS:
        db.subscribe("slack", "W", channel, "UTC", START - dt.timedelta(days=10))
    sub = db.subscription("slack", "W", "C1").id
    db.claim(sub, "countdown@2025-09-03T01:00Z:T-10080m", "earlier", START - dt.timedelta(days=7))
    db.finish(sub, "countdown@2025-09-03T01:00Z:T-10080m", "sent", START - dt.timedelta(days=7))
    return db


async def deliver(db: Database, store, clock, posts) -> DeliveryService:
    service = DeliveryService(db, {"slack": RecordingPoster(posts)}, lambda: store, clock=clock, owner="t")
    await service.deliver_due()
    return service


async def test_database_faults(tmp_path, seed_store, caplog, capsys):
    clock = FakeClock(START - dt.timedelta(days=3) + dt.timedelta(minutes=1))  # the 3-day reminder is due
    results = {}

    async def degraded(db: Database, posts: list) -> dict:
        bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
        when = await bot.handle(Command(text="when"))
        manager = Command(text="subscribe", platform="slack", workspace="W", channel="C9", manages_channel=True)
        subscribe = await bot.handle(manager)
        refused = subscribe.is_error and ("unavailable" in subscribe.text or "Try again" in subscribe.text)
        subscribed = "refused cleanly" if refused else subscribe.title
        return {"when_answered": not when.is_error, "subscribe": subscribed, "posts_during_fault": len(posts)}

    faults = {
        "read-only": lambda path: _read_only(Database(f"sqlite:///{path}")),
        "locked by another writer": lambda path: Database(f"sqlite:///{path}", lock_timeout=0.2),
    }
    for name, open_faulty in faults.items():
        path = tmp_path / f"{name.replace(' ', '-')}.db"
        prepared(path).close()
        locker = None
        if name.startswith("locked"):
            locker = sqlite3.connect(path)
            locker.execute("BEGIN EXCLUSIVE")
        posts: list = []
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            faulty = open_faulty(path)
            await deliver(faulty, seed_store, clock, posts)
            outcome = await degraded(faulty, posts)
        outcome["operator_log"] = next((r.getMessage()[:70] for r in caplog.records), "")
        if locker is not None:
            locker.rollback()
            locker.close()
        recovered = Database(f"sqlite:///{path}")
        await deliver(recovered, seed_store, clock, posts)
        counts = Counter((channel, key) for channel, _, key in posts)
        rows = recovered.deliveries()
        outcome |= {"posts_after_recovery": len(posts), "duplicates": sum(n - 1 for n in counts.values()),
                    "earlier_record_kept": any(d.claimed_by == "earlier" and d.status == "sent" for d in rows)}
        results[name] = outcome
        assert outcome["when_answered"], name
        assert outcome["subscribe"] == "refused cleanly", name
        assert outcome["posts_during_fault"] == 0 and outcome["operator_log"], name
        # After recovery: the 3-day reminder, once to each channel (older posts are past their grace period).
        assert outcome["duplicates"] == 0 and outcome["earlier_record_kept"], name
        assert sorted(ch for ch, _, key in posts if key.endswith("T-4320m")) == list(CHANNELS), name

    with capsys.disabled():
        print(f"\ndatabase faults: {json.dumps(results)}")


async def test_corrupted_database_at_start_leaves_commands_working(tmp_path, seed_store, clock, caplog):
    path = tmp_path / "parade.db"
    path.write_bytes(b"this is not an SQLite database" * 100)
    with caplog.at_level(logging.ERROR):
        db = open_database(f"sqlite:///{path}")
    assert db is None
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("database unavailable (StorageUnavailable: ") and "commands still work" in line
    assert str(path) not in line  # the URL is not logged: it may hold a password
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
    assert (await bot.handle(Command(text="where"))).text == "Beijing, China"
    assert path.read_bytes().startswith(b"this is not")  # left as found, for the operator


def _read_only(db: Database) -> Database:
    # As root, file permissions would not stop writes; query_only refuses them as a read-only file does.
    def refuse_writes(connection, record) -> None:
        connection.execute("PRAGMA query_only = ON")

    for engine in db.engines:
        event.listen(engine, "connect", refuse_writes)
    return db


async def test_disk_full(tmp_path, seed_store, capsys):
    """File growth is forbidden in a child process (RLIMIT_FSIZE), so every write fails as on a full disk."""
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "full.db"
    prepared(path).close()
    worker = Path(__file__).with_name("disk_full_worker.py")
    done = subprocess.run([sys.executable, str(worker), str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    during = json.loads(done.stdout)
    clock = FakeClock(START - dt.timedelta(days=3) + dt.timedelta(minutes=1))
    posts: list = []
    recovered = Database(f"sqlite:///{path}")  # space is back
    await deliver(recovered, seed_store, clock, posts)
    after = {"posts_after_recovery": len(posts),
             "duplicates": len(posts) - len(set(posts)),
             "earlier_record_kept": any(d.claimed_by == "earlier" and d.status == "sent"
                                        for d in recovered.deliveries())}
    with capsys.disabled():
        print(f"\ndisk full: during {json.dumps(during)}; after {json.dumps(after)}")
    assert during["posts"] == 0 and during["database_errors"] >= 1 and during["when_answered"]
    assert "unavailable" in during["subscribe"] and during["operator_log"]
    assert after == {"posts_after_recovery": 3, "duplicates": 0, "earlier_record_kept": True}


async def test_a_write_lock_held_by_another_process_costs_subscribe_a_try_again_not_the_bot(tmp_path, seed_store,
                                                                                           clock):
    """The SQLite file locked by another writer (a separate process in the probe; a separate connection
    here): `subscribe` answers "try again" after STORAGE_TIMEOUT instead of freezing every command for
    SQLite's 30-second lock timeout, and `when` answers meanwhile."""
    from bot.persistence import STORAGE_TIMEOUT

    path = tmp_path / "locked.db"
    db = Database(f"sqlite:///{path}")  # the default 30 s lock timeout
    db.create_schema()
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        channel = {"platform": "slack", "workspace": "T1", "channel": "C1", "manages_channel": True}
        began = asyncio.get_running_loop().time()
        subscribe = asyncio.create_task(bot.handle(Command(text="subscribe", **channel)))
        await asyncio.sleep(0.1)
        when = await bot.handle(Command(text="when", platform="slack", workspace="T1", channel="C2"))
        answered_when = asyncio.get_running_loop().time() - began
        reply = await subscribe
        answered_subscribe = asyncio.get_running_loop().time() - began
    finally:
        locker.rollback()
        locker.close()
    assert when.title.startswith("When:") and answered_when < STORAGE_TIMEOUT  # not queued behind the lock
    assert reply.is_error and "Try again in a moment" in reply.text
    assert answered_subscribe < STORAGE_TIMEOUT + 1.5  # not SQLite's 30 s
    await asyncio.sleep(STORAGE_TIMEOUT)  # the refused write, had it gone on waiting, would have landed by now
    assert db.subscription("slack", "T1", "C1") is None  # "try again" was true: nothing was written
    again = await bot.handle(Command(text="subscribe", **channel))
    assert again.title == "Subscribed"  # once the lock is gone


async def test_an_outage_is_logged_once_with_a_count_and_once_when_it_is_back(tmp_path, seed_store, clock, caplog):
    path = tmp_path / "parade.db"
    db = open_database(f"sqlite:///{path}")
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
    here = {"platform": "slack", "workspace": "W", "user_id": "U", "manages_channel": True}
    for engine in db.engines:
        engine.dispose()  # closing the last connection folds SQLite's write-ahead log into the file
    good = path.read_bytes()
    path.write_bytes(b"not a database any more" * 200)  # the disk under the bot went bad
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        for n in range(100):
            reply = await bot.handle(Command(text="subscribe", channel=f"C{n}", **here))
            assert reply.is_error and "unavailable" in reply.text
        during = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        for engine in db.engines:
            engine.dispose()
        path.write_bytes(good)
        await bot.handle(Command(text="schedule", channel="C1", **here))
        after = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING][len(during):]
    assert len(during) == 1 and during[0].startswith("database unavailable")
    assert len(after) == 1 and after[0].startswith("database back after") and "100 calls failed" in after[0]
