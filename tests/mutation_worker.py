"""Feeds hostile content files to the real loader and reloader in one process, for the mutation
corpus test: one JSON line per file, written before the next file is tried, so that a crash names
the file that caused it.

Usage: python mutation_worker.py SEED_FILE FILE...
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bot.loading import ContentError, check_event, load_event, read_content
from bot.reload import ContentReloader, LiveContent
from bot.store import FactStore


async def main(seed: str, files: list[str]) -> None:
    live = LiveContent(FactStore(load_event(seed)))
    workdir = Path(tempfile.mkdtemp(prefix="mutations-"))
    target = workdir / "event.yaml"
    shutil.copyfile(seed, target)
    reloader = ContentReloader(live, target)  # built on the good file, as at start-up
    for name in files:
        began = time.monotonic()
        try:  # start-up: the same loading, as `parade-bot` does before anything else
            load_event(name)
            startup = "loaded"
        except ContentError as exc:
            startup = "refused" if "\n" not in str(exc) else "refused in several lines"
        shutil.copyfile(name, target)
        before = live.store
        outcome = await reloader.reload("corpus")
        try:
            valid = not check_event(read_content(target), origin=str(target))[1]
        except ContentError:
            valid = False
        print(json.dumps({"file": name, "startup": startup, "reload_ok": outcome.ok,
                          "error_one_line": outcome.ok or "\n" not in str(outcome.error),
                          "live_changed": live.store is not before, "valid": valid,
                          "seconds": round(time.monotonic() - began, 3)}), flush=True)
        live.store = before  # every file is tried against the seed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
