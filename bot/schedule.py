"""The reminder plan: which countdown posts an event gets, when, and what each one says."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.content import Event, NewsUpdate
from bot.reply import Reply, ReplyField
from bot.store import FactStore
from bot.timefmt import countdown, describe_start, format_moment, moment, relative_moment, span, start_moments

DEFAULT_OFFSETS = ("7d", "3d", "1d", "1h", "0")
_OFFSET = re.compile(r"^(?:0|(\d+)([dhm]))$")
_UNIT = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offset(text: str) -> dt.timedelta:
    """'7d', '1h', '30m' or '0' (the start itself)."""
    match = _OFFSET.match(text.strip())
    if not match:
        raise ValueError(f"reminder offset {text!r}: use a number with d, h or m (7d, 1h, 30m), or 0")
    if match[1] is None:
        return dt.timedelta(0)
    return dt.timedelta(**{_UNIT[match[2]]: int(match[1])})


@dataclass(frozen=True, slots=True)
class Reminder:
    id: str  # the ledger key: the start and the offset (see countdown_key)
    offset: dt.timedelta
    due: dt.datetime  # aware, UTC
    legacy_id: str = ""  # the key before version 0.4 (event id and offset): a post sent under it counts

    @property
    def is_start(self) -> bool:
        return not self.offset


def reminder_plan(event: Event, offsets: tuple[str, ...] = DEFAULT_OFFSETS) -> tuple[Reminder, ...]:
    """Every countdown post for the event, in the order they fall due."""
    start = event.start.astimezone(dt.UTC)
    reminders = {}
    for text in offsets:
        offset = parse_offset(text)
        label = "start" if not offset else f"T-{int(offset.total_seconds()) // 60}m"
        reminders[label] = Reminder(id=f"{countdown_key(event)}:{label}", offset=offset, due=start - offset,
                                    legacy_id=f"{event.id}:{label}")
    return tuple(sorted(reminders.values(), key=lambda r: r.due))


def render_reminder(store: FactStore, reminder: Reminder, zone: ZoneInfo, now: dt.datetime) -> Reply:
    """A countdown post: when, how long to go, and a fact or quote of the day, with sources."""
    event = store.event
    title = f"Starting now: {event.name}" if reminder.is_start else f"{span(reminder.offset)} to go: {event.name}"
    fields = [ReplyField("When", describe_start(event.start, zone, known=event.time_known))]
    cited = [s.id for s in event.sources]
    pick = _of_the_day(store, reminder)
    if pick is not None:
        name, text, sources = pick
        fields.append(ReplyField(name, f"{text} [{', '.join(sources)}]"))
        cited += sources
    return Reply(title=title, text=countdown(event, now), fields=tuple(fields), citations=store.citations(cited),
                 moments=(*start_moments(event.start, zone, known=event.time_known), relative_moment(event.start, now)))


def _of_the_day(store: FactStore, reminder: Reminder) -> tuple[str, str, tuple[str, ...]] | None:
    """A fact or quote chosen by the reminder's id: the same post on every process and every retry."""
    pool: list[tuple[str, str, tuple[str, ...]]] = [("Fact of the day", f.text, f.sources)
                                                    for f in store.facts.values()]
    for q in store.quotes.values():
        pool.append((f"Quote of the day: {store.people[q.speaker].name}", q.text, q.sources))
    if not pool:
        return None
    digest = int.from_bytes(hashlib.sha256(reminder.id.encode()).digest()[:8], "big")
    return pool[digest % len(pool)]


def countdown_key(event: Event) -> str:
    """What the countdown's ledger keys share: the start, not the event's id, so renaming the id
    re-posts nothing, while a new start makes a new countdown (its posts still ahead go out once)."""
    return f"countdown@{event.start.astimezone(dt.UTC):%Y-%m-%dT%H:%MZ}"


def update_post_id(update_id: str) -> str:
    """The ledger key of a news update: its own id, so editing its text, or the event's id, never
    re-posts it."""
    return f"update:{update_id}"


def legacy_update_post_id(event: Event, update_id: str) -> str:
    """The key before version 0.4 (event id and update id): a post sent under it counts."""
    return f"{event.id}:update:{update_id}"


def render_update(store: FactStore, update: NewsUpdate, zone: ZoneInfo) -> Reply:
    return Reply(
        title=f"News: {update.title}",
        text=update.text,
        fields=(ReplyField("Published", format_moment(update.published_at, zone)),),
        citations=store.citations(update.sources),
        moments=(moment(update.published_at, zone),),
    )
