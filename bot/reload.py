"""Content reload at runtime: validate the whole new file first, then swap the fact store in one step.

A command holds one store from start to finish, so during a reload it sees the old content or the new,
never a mix. A bad file changes nothing: the old content stays live and the admin is told why.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.clock import Clock, system_clock
from bot.compiled import store_for
from bot.content import Event
from bot.loading import ContentError, ContentLimits, read_content
from bot.storage_errors import StorageUnavailable
from bot.store import FactStore

if TYPE_CHECKING:
    from bot.persistence import Database

log = logging.getLogger(__name__)

OnReloaded = Callable[["ContentDiff"], Awaitable[None]]


class LiveContent:
    """The fact store being served. A reload replaces it whole; a reader takes `.store` once per
    use, so one command sees one version. Commands, delivery and the reloader share this holder."""

    def __init__(self, store: FactStore) -> None:
        self.store = store


@dataclass(frozen=True, slots=True)
class Change:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def describe(self) -> str:
        parts = [f"{label} {len(ids)} ({', '.join(ids[:5])}{', …' if len(ids) > 5 else ''})"
                 for label, ids in (("added", self.added), ("changed", self.changed), ("removed", self.removed))
                 if ids]
        return "; ".join(parts) or "no change"


def _compare(old: Iterable[BaseModel], new: Iterable[BaseModel]) -> Change:
    before = {item.id: item for item in old}  # type: ignore[attr-defined]
    after = {item.id: item for item in new}  # type: ignore[attr-defined]
    return Change(
        added=tuple(i for i in after if i not in before),
        changed=tuple(i for i in after if i in before and after[i] != before[i]),
        removed=tuple(i for i in before if i not in after),
    )


@dataclass(frozen=True, slots=True)
class ContentDiff:
    facts: Change
    quotes: Change
    updates: Change
    start_before: dt.datetime
    start_after: dt.datetime
    id_before: str = ""
    id_after: str = ""
    facts_before: int = 0

    @classmethod
    def between(cls, old: Event, new: Event) -> ContentDiff:
        return cls(_compare(old.facts, new.facts), _compare(old.quotes, new.quotes),
                   _compare(old.updates, new.updates), old.start, new.start, old.id, new.id, len(old.facts))

    def risks(self) -> list[str]:
        """Why this reload may be a mistake (a file cut short mid-save, another event's file): such a
        reload waits for an admin's `reload force`."""
        found = []
        if self.id_before != self.id_after:
            found.append(f"the event's id changes from {self.id_before!r} to {self.id_after!r}")
        if self.facts_before and len(self.facts.removed) * 2 > self.facts_before:
            found.append(f"{len(self.facts.removed)} of the {self.facts_before} facts would be removed")
        return found

    @property
    def time_changed(self) -> bool:
        return self.start_before != self.start_after

    def lines(self) -> list[tuple[str, str]]:
        rows = [("Facts", self.facts.describe()), ("Quotes", self.quotes.describe()),
                ("News updates", self.updates.describe())]
        if self.id_before != self.id_after:
            rows.append(("Event id", f"{self.id_before} -> {self.id_after} (posts already sent are not repeated)"))
        if self.time_changed:
            rows.append(("Event time", f"{self.start_before.isoformat()} -> {self.start_after.isoformat()}"
                                       " (a new countdown: its posts still ahead follow the new time)"))
        return rows

    def summary(self) -> str:
        return "; ".join(f"{name}: {text}" for name, text in self.lines())


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    ok: bool
    diff: ContentDiff | None = None
    error: ContentError | None = None
    hash_before: str = ""
    hash_after: str | None = None
    parse_seconds: float = 0.0  # reading, validating, indexing and diffing the new file, off the event loop
    swap_seconds: float = 0.0  # on the loop: the swap itself


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ContentReloader:
    """Reloads the content file into the live content. One reload at a time; commands never wait for it."""

    content: LiveContent
    path: Path
    db: Database | None = None
    clock: Clock = system_clock
    on_reloaded: list[OnReloaded] = field(default_factory=list)
    limits: ContentLimits = field(default_factory=ContentLimits)
    cache_dir: Path | None = None  # compiled content (bot/compiled.py): a restart after a reload starts fast

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()
        self._refused_hash: str | None = None  # the risky file last refused: the one `force` may apply
        try:  # content_hash of the file's text, which is its bytes decoded: the bytes are hashed as they stream in
            with self.path.open("rb") as file:
                self._hash = hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            self._hash = ""

    async def reload(self, actor: str, *, force: bool = False) -> ReloadOutcome:
        """Swap in the file's content if it is valid and, unless `force`, has none of ContentDiff.risks."""
        async with self._lock:
            began = time.perf_counter()
            old = self.content.store  # reloads are serialised by the lock: nothing else replaces it
            try:
                # Everything slow (parse, validate, index, diff) happens off the event loop.
                text, store, diff = await asyncio.to_thread(self._build, old.event)
            except ContentError as exc:
                log.error("reload by %s refused, old content stays live: %s", actor, exc)
                await self._audit(actor, None, f"refused: {exc}")
                return ReloadOutcome(ok=False, error=exc, hash_before=self._hash)
            risks = diff.risks()
            refusal = None
            if risks and not force:
                refusal = "; ".join(risks) + ": check the file, then reload with `force` to apply it anyway"
                self._refused_hash = content_hash(text)
            elif risks and self._refused_hash != content_hash(text):
                # `force` applies what the admin was shown, never a file that changed since.
                refusal = "; ".join(risks) + ": the file is not the one last refused; reload without `force` first"
            if refusal is not None:
                error = ContentError(str(self.path), refusal)
                log.error("reload by %s refused, old content stays live: %s", actor, error)
                await self._audit(actor, None, f"refused: {error}")
                return ReloadOutcome(ok=False, diff=diff, error=error, hash_before=self._hash)
            self._refused_hash = None
            parsed = time.perf_counter()
            self.content.store = store  # the swap: one reference assignment
            swapped = time.perf_counter()
            before, self._hash = self._hash, content_hash(text)
            log.info("content reloaded by %s: %s", actor, diff.summary())
            await self._audit(actor, self._hash, diff.summary(), before)
            for callback in self.on_reloaded:
                try:
                    await callback(diff)
                except Exception:
                    log.exception("after-reload step %r failed; the new content is live", callback)
            return ReloadOutcome(ok=True, diff=diff, hash_before=before, hash_after=self._hash,
                                 parse_seconds=parsed - began, swap_seconds=swapped - parsed)

    def _build(self, current: Event) -> tuple[str, FactStore, ContentDiff]:
        text = read_content(self.path, self.limits)
        store = store_for(text, str(self.path), self.limits, self.cache_dir)
        return text, store, ContentDiff.between(current, store.event)

    async def _audit(self, actor: str, hash_after: str | None, summary: str, hash_before: str | None = None) -> None:
        if self.db is None:
            return
        from bot.persistence import AsyncStorage, ReloadAudit  # loaded already: self.db is one

        record = ReloadAudit(actor, self.clock(), hash_before or self._hash, hash_after, summary)
        try:
            await AsyncStorage(self.db).record_reload(record)
        except StorageUnavailable as exc:
            log.error("could not write the reload audit record (%s): %s", exc, summary)


def reload_on_sighup(reloader: ContentReloader) -> None:
    """`kill -HUP <pid>` reloads the content (Unix)."""
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[ReloadOutcome]] = set()

    def on_signal() -> None:
        task = loop.create_task(reloader.reload("SIGHUP"))
        pending.add(task)  # keep a reference until it is done
        task.add_done_callback(pending.discard)

    loop.add_signal_handler(signal.SIGHUP, on_signal)


async def watch_and_reload(reloader: ContentReloader, stop: asyncio.Event | None = None,
                           debounce_ms: int = 500, settle: float = 1.0) -> None:
    """Reload whenever the content file changes on disk (`reload.watch: true`), once the file has
    stayed the same (size and modification time) for `settle` seconds: an editor that saves in place
    writes in several steps, and a half-written file must not be read."""
    from watchfiles import awatch

    # Watch the folder, not the file: editors often save by replacing the file.
    async for changes in awatch(reloader.path.parent, stop_event=stop, debounce=debounce_ms):
        if any(Path(changed).resolve() == reloader.path.resolve() for _, changed in changes):
            await _settled(reloader.path, settle)
            await reloader.reload("file watcher")


async def _settled(path: Path, settle: float, checks: int = 30) -> None:
    """Waits until `path`'s size and mtime are unchanged across `settle` seconds (at most `checks` tries)."""
    def stamp() -> tuple[int, int] | None:
        try:
            info = path.stat()
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns

    before = await asyncio.to_thread(stamp)
    for _ in range(checks):
        await asyncio.sleep(settle)
        now = await asyncio.to_thread(stamp)
        if now == before and now is not None:
            return
        before = now
