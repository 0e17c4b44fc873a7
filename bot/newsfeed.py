"""Live news: polls the event's feeds, turns relevant new items into stories, and offers each story to
delivery as one post (the same ledger, pacing and mention safety as every post).

A feed is polled when due (its `refresh_minutes`, or longer if the server's Cache-Control asks);
failures back off exponentially, and after `disable_after` in a row the feed is disabled until an admin
re-enables it (`parade-bot feeds enable URL`) or the content is reloaded with it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import metrics
from bot.clock import Clock
from bot.config import Settings
from bot.content import Feed
from bot.feedfetch import FeedFetcher
from bot.feeds import FeedItem, Relevance, parse_feed
from bot.loading import collector_paused
from bot.persistence import Database, FeedState, SeenItem, StorageUnavailable
from bot.posts import Post
from bot.reply import Reply, ReplyField
from bot.schedule import parse_offset
from bot.store import FactStore
from bot.stories import Story, StoryBook
from bot.timefmt import format_moment, moment

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)
MAX_BACKOFF = dt.timedelta(hours=6)
# How long a process's lease on polling holds if it is not released: a poll's fetches are bounded
# (timeout each, one at a time per host), so this outlasts any poll of a reasonable feed list, and a
# process that dies mid-poll delays the feeds by at most this much.
POLL_LEASE = dt.timedelta(minutes=15)
# Items another process recorded are read back from a little before the last read, in case a clock
# between processes differs a little.
SYNC_OVERLAP = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class FeedSettings:
    allow_private_addresses: bool = False
    max_bytes: int = 5 * 1024 * 1024
    timeout: float = 20.0
    disable_after: int = 10  # failures in a row
    story_window: dt.timedelta = dt.timedelta(hours=6)
    max_age: dt.timedelta = dt.timedelta(hours=24)  # older items are not news (no backlog when a feed is added)

    def fetcher(self, session: aiohttp.ClientSession | None = None) -> FeedFetcher:
        """A fetcher with these settings, on `session` or (None) on one of its own, opened at its first fetch."""
        return FeedFetcher(session, timeout=self.timeout, max_bytes=self.max_bytes,
                           allow_private_addresses=self.allow_private_addresses)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedSettings:
        feeds = settings.feeds
        return cls(feeds.allow_private_addresses, feeds.max_bytes, feeds.timeout, feeds.disable_after,
                   parse_offset(feeds.story_window), settings.alerts.max_age_period)


@dataclass(slots=True)
class PollReport:
    polled: int
    new_stories: list[Story]
    joined: list[Story]  # stories a further outlet was added to
    failed: list[str]
    disabled: list[tuple[str, str]] = field(default_factory=list)  # (url, last error): disabled by this poll
    learned: int = 0  # items another process polled and recorded since the last poll
    busy: bool = False  # another process sharing the database is polling: this one did not


class FeedPoller:
    """Polls feeds and keeps the story book, recorded in `db` (if any) unless a poll says not to."""

    def __init__(self, store: Callable[[], FactStore], fetcher: FeedFetcher, db: Database | None, *,
                 clock: Clock, settings: FeedSettings = FeedSettings(), owner: str = "feeds") -> None:
        self.store = store
        self.fetcher = fetcher
        self.owner = owner  # this process, in the polling lease it may hold in the shared database
        self.db = db
        self.clock = clock
        self.settings = settings
        self.book = StoryBook(settings.story_window)
        self.states: dict[str, FeedState] = {}
        self._synced: dt.datetime | None = None  # when the database was last read
        self._disabled: list[tuple[str, str]] = []  # feeds this poll disabled, with the last error

    async def restore(self) -> None:
        """Feed states and recent stories from the database, so a restart neither re-posts nor re-fetches."""
        if self.db is not None:
            await self._sync(self.clock() - self._kept)

    @property
    def _kept(self) -> dt.timedelta:
        """How far back items matter: a story's window, or the age past which an item is no news."""
        return max(self.settings.story_window, self.settings.max_age)

    async def _sync(self, since: dt.datetime) -> int:
        """What the database knows that this process may not: every feed's state, and the items recorded
        since `since` (by this process before a restart, or by another process sharing the database),
        each in the story it joined. How many items were new here; 0 if the database does not answer."""
        assert self.db is not None
        started = self.clock()
        try:
            self.states.update(await asyncio.to_thread(self.db.feed_states))
            recorded = await asyncio.to_thread(self.db.feed_items_since, since)
        except StorageUnavailable as exc:
            log.error("feed state unavailable (%s): polling with what this process knows", exc)
            return 0
        self._synced = started
        return self.book.learn((entry.story, entry.item) for entry in recorded)

    async def poll(self, feeds: list[Feed] | None = None, *, force: bool = False, record: bool = True) -> PollReport:
        """Polls the feeds that are due (all of them with `force`) at once, one request per host at a
        time; `record=False` (a dry run) leaves the database as it was. Processes sharing a database
        take turns (a lease): each first reads what the others recorded, so each feed is fetched once
        an interval and each story is one story everywhere."""
        if self.db is None or not record:
            return await self._poll(feeds, force=force, record=record)
        now = self.clock()
        try:
            leased = await asyncio.to_thread(self.db.lease_feed_polls, self.owner, now, now + POLL_LEASE)
        except StorageUnavailable as exc:
            log.error("feeds not polled: the database does not answer (%s)", exc)
            return PollReport(0, [], [], [], busy=True)
        if not leased:
            return PollReport(0, [], [], [], busy=True)
        try:
            learned = await self._sync(self._synced - SYNC_OVERLAP if self._synced else now - self._kept)
            report = await self._poll(feeds, force=force, record=record)
        finally:
            with contextlib.suppress(StorageUnavailable):  # else it lapses by itself
                await asyncio.to_thread(self.db.release_feed_polls, self.owner)
        report.learned = learned
        return report

    async def _poll(self, feeds: list[Feed] | None, *, force: bool, record: bool) -> PollReport:
        now = self.clock()
        chosen = feeds if feeds is not None else list(self.store().event.feeds)
        due = [f for f in chosen if force or self._due(f, now)]
        relevance = Relevance(self.store().event)  # one compiled rule set for the whole poll
        self._disabled = []
        # A poll makes tens of thousands of objects (parsed entries, items, shingles), few of them in
        # cycles: the collector would walk them, and the content's, again and again while it runs.
        with collector_paused():
            results = await asyncio.gather(*(self._poll_one(feed, now, relevance) for feed in due))
            failed = [feed.url for feed, items in zip(due, results, strict=True) if items is None]
            # Grouped oldest first, whichever feed answered first: a story is named and keyed by its
            # first report, the same in every run.
            arrived = sorted((item for items in results if items for item in items), key=lambda i: i.published)
            new, joined, seen = [], [], []
            for item in arrived:
                added = self.book.add(item)
                if added is not None:
                    story, is_new = added
                    seen.append(SeenItem(story.key, item))
                    (new if is_new else joined).append(story)
        if self.db is not None and record:
            await self._record(seen, [self.states[f.url] for f in due], self.clock())
        metrics.STORIES.inc(len(new))
        fresh = {s.key for s in new}
        later = {s.key: s for s in joined if s.key not in fresh}  # each once
        return PollReport(len(due), new, list(later.values()), failed, self._disabled)

    def _due(self, feed: Feed, now: dt.datetime) -> bool:
        state = self.states.get(feed.url)
        return state is None or (not state.disabled and (state.next_poll is None or state.next_poll <= now))

    async def _poll_one(self, feed: Feed, now: dt.datetime, relevance: Relevance) -> list[FeedItem] | None:
        """The feed's items that may be news (recent, unseen, relevant); None if it failed."""
        state = self.states.setdefault(feed.url, FeedState(feed.url))
        fetched = await self.fetcher.fetch(feed.url, etag=state.etag, last_modified=state.last_modified)
        metrics.FEED_POLLS.labels(fetched.status.replace(" ", "_")).inc()
        state.last_fetch = now
        if fetched.status == "failed":
            self._failed(feed, state, fetched.error or "failed", fetched.retry_after, now)
            return None
        state.failures, state.last_status = 0, "ok" if fetched.status == "ok" else "not modified"
        wait = max(feed.refresh_minutes * 60.0, fetched.max_age or 0.0)
        state.next_poll = now + dt.timedelta(seconds=wait)
        if fetched.status == "not modified":
            return []
        state.etag, state.last_modified = fetched.etag, fetched.last_modified
        parsed = await asyncio.to_thread(parse_feed, fetched.body, url=feed.url, outlet=feed.outlet, now=now,
                                         content_type=fetched.content_type)
        if parsed.problem and not parsed.items:
            self._failed(feed, state, parsed.problem, None, now)
            return None
        if parsed.problem:
            state.last_status = f"ok, malformed: {parsed.problem}"[:300]
        state.items_seen += len(parsed.items)
        return [item for item in parsed.items
                if now - item.published <= self.settings.max_age and not self.book.seen(item)
                and relevance.matches(item)]

    def _failed(self, feed: Feed, state: FeedState, error: str, retry_after: float | None, now: dt.datetime) -> None:
        state.failures += 1
        state.last_status = error[:300]
        backoff = min(dt.timedelta(minutes=feed.refresh_minutes) * 2 ** min(state.failures, 16), MAX_BACKOFF)
        if retry_after is not None:
            backoff = max(backoff, dt.timedelta(seconds=retry_after))
        state.next_poll = now + backoff
        if state.failures >= self.settings.disable_after and not state.disabled:
            state.disabled = True
            self._disabled.append((feed.url, error))
            log.error("feed %s disabled after %d failures in a row (last: %s): `parade-bot feeds enable` "
                      "turns it back on", feed.url, state.failures, error)
        else:
            log.warning("feed %s failed (%s); next try %s", feed.url, error, state.next_poll.isoformat())

    async def _record(self, seen: list[SeenItem], states: list[FeedState], now: dt.datetime) -> None:
        # Background work, not a command: the engine's lock and statement timeouts bound it (a first poll
        # may record tens of thousands of items, far past a command's two seconds).
        assert self.db is not None
        try:
            if seen:
                await asyncio.to_thread(self.db.record_feed_items, seen, now)
            await asyncio.to_thread(self.db.save_feed_states, states)
        except StorageUnavailable as exc:
            log.error("could not record what the feeds brought (%s): the ledger still posts each story once", exc)


@dataclass(frozen=True, slots=True)
class FeedStories:
    """Post source: each story from the feeds, once, to channels subscribed when it was published."""

    book: StoryBook
    max_age: dt.timedelta = dt.timedelta(hours=24)

    def posts(self, store: FactStore, clock: Clock) -> Iterator[Post]:
        for story in list(self.book.stories.values()):
            yield Post(story.key, story.published, self.max_age, lambda zone, s=story: render_story(s, zone),
                       from_feeds=True)


def render_story(story: Story, zone: ZoneInfo) -> Reply:
    """An alert: the headline, what it says, and every outlet that carries it, with links."""
    reported = [ReplyField(item.outlet, f"{item.title}\n{item.link}" if item.link else item.title)
                for item in {i.outlet: i for i in reversed(story.items)}.values()]
    return Reply(title=f"News: {story.title}", text=story.summary or story.title,
                 fields=(ReplyField("Published", format_moment(story.published, zone)), *reported),
                 moments=(moment(story.published, zone),))
