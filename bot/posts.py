"""Posts, and the sources that call for them.

A post is something every subscribed channel is owed once. Each post source reads the live content
and says which posts it calls for; delivery (bot/delivery.py) fans out whatever any source yields,
through the same ledger, so a new kind of post (a news feed) is one more source, with no change there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.reply import Reply
from bot.schedule import (
    DEFAULT_OFFSETS,
    legacy_update_post_id,
    reminder_plan,
    render_reminder,
    render_update,
    update_post_id,
)
from bot.store import FactStore


@dataclass(frozen=True, slots=True)
class Post:
    id: str  # the ledger id: stable across restarts and reloads
    due: dt.datetime  # UTC
    late_limit: dt.timedelta  # how late it may still go out
    render: Callable[[ZoneInfo], Reply]
    legacy_ids: tuple[str, ...] = ()  # earlier keys for the same post: a channel with a row under one has it
    from_feeds: bool = False  # a feed story: not for channels that turned feed alerts off


class PostSource(Protocol):
    def posts(self, store: FactStore, clock: Clock) -> Iterator[Post]:
        """The posts the content calls for (in any order)."""
        ...


@dataclass(frozen=True, slots=True)
class CountdownReminders:
    """The countdown: one post per offset before the start, and one at the start."""

    offsets: tuple[str, ...] = DEFAULT_OFFSETS
    grace: dt.timedelta = dt.timedelta(hours=1)  # a reminder missed by more than this is skipped

    def posts(self, store: FactStore, clock: Clock) -> Iterator[Post]:
        for reminder in reminder_plan(store.event, self.offsets):
            yield Post(reminder.id, reminder.due, self.grace,
                       lambda zone, r=reminder: render_reminder(store, r, zone, clock()), (reminder.legacy_id,))


@dataclass(frozen=True, slots=True)
class ContentNewsItems:
    """The news items written into the content file (`updates:`), each posted once."""

    max_age: dt.timedelta = dt.timedelta(hours=24)  # older news is not posted

    def posts(self, store: FactStore, clock: Clock) -> Iterator[Post]:
        for item in store.event.updates:
            yield Post(update_post_id(item.id), item.published_at.astimezone(dt.UTC), self.max_age,
                       lambda zone, u=item: render_update(store, u, zone),
                       (legacy_update_post_id(store.event, item.id),))
