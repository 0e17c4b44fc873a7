"""For the disk-full test: one delivery pass and two commands with file growth forbidden, as on a full disk.

Usage: python disk_full_worker.py DB_PATH. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import resource
import signal
import sys
from pathlib import Path

from sqlalchemy import text

from bot.commands import Command, Dispatcher
from bot.delivery import DeliveryService
from bot.loading import load_event
from bot.persistence import Database
from bot.store import FactStore

SEED = Path(__file__).resolve().parent.parent / "seeds" / "parade.yaml"


class ListPoster:
    idempotent = False

    def __init__(self) -> None:
        self.posts: list[str] = []

    async def post(self, channel_id: str, reply: object, *, idempotency_key: str, workspace: str = "") -> None:
        self.posts.append(channel_id)


async def main(db_path: str) -> None:
    logs: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logs.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    store = FactStore(load_event(SEED))
    now = store.event.start.astimezone(dt.UTC) - dt.timedelta(days=3) + dt.timedelta(minutes=1)
    db = Database(f"sqlite:///{db_path}")
    with db.engine.connect() as connection:  # an empty WAL: any write must now grow a file
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))

    poster = ListPoster()
    report = await DeliveryService(db, {"slack": poster}, lambda: store, clock=lambda: now, owner="full").deliver_due()
    bot = Dispatcher(store, clock=lambda: now, subscriptions=db)
    when = await bot.handle(Command(text="when"))
    manager = Command(text="subscribe", platform="slack", workspace="W", channel="C9", manages_channel=True)
    subscribe = await bot.handle(manager)
    print(json.dumps({"posts": len(poster.posts), "database_errors": report.database_errors,
                      "when_answered": not when.is_error, "subscribe": subscribe.text,
                      "operator_log": next((line for line in logs if "full" in line or "disk" in line), "")}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
