"""Compiled content: the validated and indexed fact store of a content file, kept on disk so that a
start with an unchanged file skips YAML, validation and indexing (at 10,000 facts, about 2 s of
parsing and indexing become well under 0.1 s of unpickling).

An entry is keyed by the file's text, the content limits and the code that builds a store (every file
of the `bot` package, the Python and library versions), so any change to either is a miss and a
rebuild: nothing is trusted across versions. Entries are written atomically once a file has
validated; an entry that cannot be read, or reads as anything but a store, is ignored (and rebuilt);
the folder is safe to delete. Unpickling runs code named in the file, so the folder must be as private
as the bot's own code: it is the user's cache folder, created readable by the user only.
"""

from __future__ import annotations

import contextlib
import copyreg
import functools
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from types import MappingProxyType
from typing import IO

from bot.loading import ContentLimits, collector_paused, parse_event, read_content
from bot.store import FactStore

log = logging.getLogger(__name__)

ENTRIES_KEPT = 4  # the newest entries stay; older ones are removed when a new one is written
SUFFIX = ".store"
_MAGIC = b"parade-bot compiled content\n"


def load_store(path: str | Path, limits: ContentLimits, cache_dir: Path | None) -> FactStore:
    """The store for the content file at `path` (ContentError if the file is bad); see `store_for`."""
    return store_for(read_content(path, limits), str(path), limits, cache_dir)


def store_for(text: str, origin: str, limits: ContentLimits, cache_dir: Path | None) -> FactStore:
    """The store for a content file's text: from `cache_dir` when an entry matches it, else built
    (ContentError if the text is bad) and written there for the next start. None: no cache."""
    if cache_dir is None:
        return FactStore(parse_event(text, origin=origin, limits=limits))
    key = entry_key(text, limits)
    store = _read(cache_dir / f"{key}{SUFFIX}", key)
    if store is None:
        store = FactStore(parse_event(text, origin=origin, limits=limits))
        _write(cache_dir, key, store)
    return store


def entry_key(text: str, limits: ContentLimits) -> str:
    digest = hashlib.sha256(code_version().encode())
    digest.update(repr(limits).encode())
    digest.update(text.encode())
    return digest.hexdigest()


@functools.cache
def code_version() -> str:
    """Everything a pickled store depends on besides the content: the bot's code and data, file by
    file, and the versions of Python and of the libraries whose objects it holds or whose output it
    keeps (the stemmers made the index's terms: a new stemmer must not meet an old index)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    libraries = " ".join(installed(name) for name in (
        "pydantic", "pydantic-core", "PyYAML", "snowballstemmer", "PyStemmer", "rapidfuzz"))
    digest = hashlib.sha256(f"{sys.version} {libraries} {pickle.HIGHEST_PROTOCOL}".encode())
    package = Path(__file__).resolve().parent
    for file in sorted(package.rglob("*")):
        if file.suffix in (".py", ".yaml") and "__pycache__" not in file.parts:
            digest.update(str(file.relative_to(package)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _read(entry: Path, key: str) -> FactStore | None:
    try:
        if not (_private(entry.parent) and _private(entry)):  # unpickling what others could write runs their code
            log.warning("compiled content %s ignored: it or its folder is writable by others or not ours", entry)
            return None
        with entry.open("rb") as file:
            if file.read(len(_MAGIC) + len(key)) != _MAGIC + key.encode():
                raise ValueError("not an entry for this key")
            with collector_paused():  # a store is a million objects and no garbage
                store = pickle.load(file)  # our own entry, in the user's private cache folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # a half-written, corrupt or foreign entry: rebuilt, never trusted or fatal
        log.warning("compiled content %s ignored (%s); building it again", entry, exc.__class__.__name__)
        return None
    if not isinstance(store, FactStore):
        log.warning("compiled content %s ignored (not a fact store); building it again", entry)
        return None
    return store


def _private(path: Path) -> bool:
    """Whether only this user can change `path` (FileNotFoundError if it is missing)."""
    info = path.stat()
    owner = getattr(os, "getuid", lambda: info.st_uid)()  # no owners to compare where there is no getuid
    return info.st_uid == owner and not info.st_mode & 0o022


def _write(cache_dir: Path, key: str, store: FactStore) -> None:
    """The entry, written to a temporary file and renamed into place: a reader sees a whole entry or none."""
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".writing-")  # not *.store: never pruned or read
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(_MAGIC + key.encode())
                _pickler(file).dump(store)
            os.replace(temporary, cache_dir / f"{key}{SUFFIX}")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(cache_dir)
    except Exception as exc:  # a read-only or full disk costs the next start its speed, nothing else
        log.warning("compiled content not written to %s (%s: %s)", cache_dir, exc.__class__.__name__, exc)


def _prune(cache_dir: Path) -> None:
    entries = sorted(cache_dir.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[ENTRIES_KEPT:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _proxy(mapping: dict[object, object]) -> MappingProxyType[object, object]:
    return MappingProxyType(mapping)


def _pickler(file: IO[bytes]) -> pickle.Pickler:
    """A pickler that also writes the store's read-only mappings (as the dicts behind them)."""
    pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table,  # type: ignore[misc]
                              MappingProxyType: lambda proxy: (_proxy, (dict(proxy),))}
    return pickler
