"""What callers of the database handle, without SQLAlchemy: commands and reloads catch these, and a
process that never opens the database (`parade-bot say`, `ask`) need not import the database library."""

from __future__ import annotations

STORAGE_TIMEOUT = 2.0  # seconds a command waits on the database before answering without it


class StorageUnavailable(Exception):
    """The database failed a call (down, read-only, full, corrupt): the one error callers handle,
    so nothing outside bot/persistence.py needs to know SQLAlchemy."""


class StorageBusy(StorageUnavailable):
    """The database did not answer in time (a locked SQLite file, a frozen server): nothing was written."""
