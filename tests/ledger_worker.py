"""One bot process for the two-process ledger test: plays the whole countdown against a shared database.

Usage: python ledger_worker.py DATABASE_URL POSTS_FILE OWNER GO_FILE
Each post is appended as one line to POSTS_FILE (O_APPEND keeps lines whole across processes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import time
from pathlib import Path

from bot.delivery import DeliveryService
from bot.loading import load_event
from bot.persistence import Database
from bot.reply import Reply
from bot.store import FactStore

SEED = Path(__file__).resolve().parent.parent / "seeds" / "parade.yaml"


class FilePoster:
    idempotent = False

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str, workspace: str = "") -> None:
        await asyncio.sleep(0.002)  # a platform round trip, so the other process gets to race
        os.write(self.fd, f"{channel_id} {idempotency_key}\n".encode())


async def main(url: str, posts: str, owner: str, go: str) -> None:
    store = FactStore(load_event(SEED))
    start = store.event.start.astimezone(dt.UTC)
    now = [start - dt.timedelta(days=8)]
    db = Database(url)
    poster = FilePoster(posts)
    service = DeliveryService(db, {"slack": poster, "discord": poster}, lambda: store, clock=lambda: now[0],
                              owner=owner)
    while not os.path.exists(go):  # both processes begin together
        time.sleep(0.001)
    while now[0] < start + dt.timedelta(hours=2):
        now[0] += dt.timedelta(minutes=10)
        await service.settle_interrupted(dt.timedelta(minutes=10))  # as the retry pass does
        await service.deliver_due()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
