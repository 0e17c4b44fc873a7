"""Processes that start together on a fresh database all end up with it: one creates the schema,
the others tolerate the race (README, "Operations")."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from backends import database_url

WORKER = Path(__file__).with_name("start_worker.py")
ROOT = Path(__file__).resolve().parent.parent


def race(url: str, go: Path, processes: int = 3) -> list[str]:
    workers = [subprocess.Popen([sys.executable, str(WORKER), url, str(go)], cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(processes)]
    time.sleep(0.8)  # every worker imported and waiting
    go.touch()
    outcomes = []
    for out, err in (w.communicate(timeout=60) for w in workers):
        # A worker without its database says why on standard error (open_database's one line).
        outcomes.append(out.strip() if out.strip() == "ok" else f"{out.strip()}: {err.strip()[-400:]}")
    return outcomes


def test_three_processes_on_one_fresh_database_all_get_it(tmp_path, backend, capsys):
    outcomes: Counter[str] = Counter()
    for trial in range(10):  # on SQLite a fresh file each time, on PostgreSQL a fresh schema
        outcomes.update(race(database_url(tmp_path / f"fresh-{trial}.db"), tmp_path / f"go-{trial}"))
    with capsys.disabled():
        print(f"\nconcurrent start, 10 trials x 3 processes on a fresh {backend} database: {dict(outcomes)}")
    assert outcomes == {"ok": 30}
