"""One bot process opening a database, for the concurrent-start test: waits for GO_FILE, so that
every process creates the schema at the same moment, then prints whether it has a database.

Usage: python start_worker.py URL GO_FILE
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.application import open_database
from bot.migrations import schema_head


def main(url: str, go: str) -> None:
    while not Path(go).exists():
        time.sleep(0.001)
    db = open_database(url)
    print("ok" if db is not None and db.schema_revision() == schema_head() else "no database")


if __name__ == "__main__":
    main(*sys.argv[1:])
