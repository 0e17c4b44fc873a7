"""Fan-out of due posts (from every post source) to subscribed channels, guarded by the delivery ledger.

Per channel and post: claim the ledger row (only one process can), post, record the outcome.
A post whose outcome is unknown is never sent again on Slack (at most once); on Discord it is retried
promptly with the same nonce, which Discord de-duplicates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot import metrics
from bot.clock import Clock
from bot.persistence import Database, StorageUnavailable, Subscription
from bot.ports import ChannelGone, ChannelNeedsFix, DeliveryError, PlatformUnavailable, Poster, TokenRejected
from bot.posts import ContentNewsItems, CountdownReminders, Post, PostSource
from bot.reply import Reply
from bot.store import FactStore

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class FanOutReport:
    sent: int = 0
    already_claimed: int = 0  # another process, or an earlier run, has this one
    failed: int = 0
    gone: int = 0
    database_errors: int = 0  # posts not attempted because the ledger could not be written
    skipped_late: int = 0  # reminders missed by more than the grace period, updates older than max age
    paused: int = 0  # the channel needs a fix (a permission, membership): kept, retried, resumes by itself
    held: int = 0  # not attempted: posting on the platform is stopped for now (see PlatformBreaker)


# A platform on which this many posts in a row failed, none succeeding, is rested for BREAKER_REST s
# (a persistent 5xx would otherwise hold each channel's send slot through the library's own retries).
BREAKER_FAILURES = 10
BREAKER_REST = 120.0


class PlatformBreaker:
    """Stops posting on a platform where every request would fail, so a revoked token or an edge block
    costs a handful of requests, not one (or three) per channel: Discord bans bots that make 10,000
    invalid requests in 10 minutes."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._open: dict[str, tuple[float | None, str]] = {}  # platform -> (monotonic end or None: for good, why)
        self._failures: dict[str, int] = {}

    def closed(self, platform: str) -> bool:
        until = self._open.get(platform, (0.0, ""))[0]
        closed = until is not None and until <= self.monotonic()
        if closed and platform in self._open:
            metrics.PLATFORM_STOPPED.labels(platform).set(0)
        return closed

    def open(self, platform: str, why: str, rest: float | None) -> None:
        if not self.closed(platform):
            return  # already open: one log line per opening, however many posts were in flight
        self._open[platform] = (None if rest is None else self.monotonic() + rest, why)
        metrics.PLATFORM_STOPPED.labels(platform).set(1)
        if rest is None:
            log.critical("posting on %s stopped until a restart: %s", platform, why)
        else:
            log.error("posting on %s paused for %.0f s: %s", platform, rest, why)

    def failed(self, platform: str, why: str) -> None:
        self._failures[platform] = self._failures.get(platform, 0) + 1
        if self._failures[platform] >= BREAKER_FAILURES:
            self._failures[platform] = 0
            self.open(platform, f"{BREAKER_FAILURES} posts in a row failed, the last with {why}", BREAKER_REST)

    def succeeded(self, platform: str) -> None:
        self._failures[platform] = 0

    def problems(self) -> list[str]:
        """What stops posting now, for health checks."""
        return [f"{platform}: posting stopped" + (" until a restart" if until is None else "") + f": {why}"
                for platform, (until, why) in self._open.items() if not self.closed(platform)]


# The countdown and the content's news items, with their default timing.
DEFAULT_SOURCES: tuple[PostSource, ...] = (CountdownReminders(), ContentNewsItems())


class DeliveryService:
    def __init__(self, db: Database, posters: Mapping[str, Poster], store: Callable[[], FactStore], *,
                 clock: Clock, owner: str,
                 sources: Sequence[PostSource] = DEFAULT_SOURCES,
                 concurrency: int = 8, idempotent_retries: int = 2) -> None:
        self.db = db
        self.posters = posters
        self.store = store  # read at each use, so a content reload is picked up
        self.clock = clock
        self.owner = owner
        self.sources = tuple(sources)
        self.concurrency = concurrency
        self.idempotent_retries = idempotent_retries
        self.breaker = PlatformBreaker()
        self._reported_late: set[str] = set()
        self._passes = 0  # delivery passes under way
        self._idle = asyncio.Event()
        self._idle.set()
        # Ledger I/O off the event loop (a slow commit must not stall it and release a burst of paced
        # posts), on one thread: SQLite takes one writer at a time, and more threads only contend.
        self._ledger_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")

    async def _ledger(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ledger_thread, functools.partial(call, *args, **kwargs))

    def posts(self) -> list[Post]:
        """Every post the sources call for, in the order they fall due. Ids are ledger keys: a second
        post with an id already taken is left out (and logged), never merged with the first."""
        store = self.store()
        posts: dict[str, Post] = {}
        for source in self.sources:
            for post in source.posts(store, self.clock):
                if post.id in posts:
                    log.error("two posts share the id %s: the second (from %s) is left out",
                              post.id, source.__class__.__name__)
                    continue
                posts[post.id] = post
        return sorted(posts.values(), key=lambda p: p.due)

    async def deliver_due(self) -> FanOutReport:
        """Post what is due (and not later than its source allows) to every channel still owed it."""
        report = FanOutReport()
        self._passes += 1
        self._idle.clear()
        try:
            await self._deliver_due(report)
        except StorageUnavailable as exc:
            report.database_errors += 1
            log.error("delivery pass stopped, database error (%s); the next pass tries again",
                      str(exc).splitlines()[0][:200])
        finally:
            self._passes -= 1
            if not self._passes:
                self._idle.set()
        return report

    async def settle_interrupted(self, older_than: dt.timedelta) -> int:
        """Claims older than `older_than` with no outcome (their process stopped mid-send) become
        'unknown': their post may have been made, so it is never resent."""
        now = self.clock()
        try:
            settled = await self._ledger(self.db.settle_stale_claims, now - older_than, now)
        except StorageUnavailable:
            return 0  # the next pass tries again
        if settled:
            log.warning("%d posts were interrupted mid-send by a stop; not resent (outcome unknown)", settled)
        return settled

    async def drain(self, timeout: float) -> bool:
        """Waits, up to `timeout` seconds, for the delivery passes under way to finish, so that their
        posts are made and recorded rather than cut off by a stop."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("stopping with %d delivery passes under way after %.0f s: posts still being sent stay "
                        "claimed and are settled as unknown, never resent", self._passes, timeout)
            return False
        return True

    async def _deliver_due(self, report: FanOutReport) -> None:
        now = self.clock()
        for post in self.posts():
            if post.due > now:
                break
            if self._too_late(post, now, report):
                continue
            await self._fan_out(post, report)

    def _too_late(self, post: Post, now: dt.datetime, report: FanOutReport) -> bool:
        if now - post.due <= post.late_limit:
            return False
        report.skipped_late += 1
        if post.id not in self._reported_late:
            self._reported_late.add(post.id)
            log.info("%s was due %s, more than %s ago: skipped", post.id, post.due.isoformat(), post.late_limit)
        return True

    async def _fan_out(self, post: Post, report: FanOutReport) -> None:
        post_id, render = post.id, post.render
        # Only channels subscribed by the time it fell due: a late subscriber gets no back-dated posts.
        subscribed = await self._ledger(self.db.active_subscriptions, subscribed_by=post.due)
        if post.from_feeds:
            muted = await self._ledger(self.db.feed_optouts)
            subscribed = [s for s in subscribed if s.id not in muted]
        ours = [s for s in subscribed if s.platform in self.posters and self._may_post(s, report)]
        open_ids = await self._ledger(self.db.claimable, post_id, [s.id for s in ours])
        if post.legacy_ids and open_ids:
            open_ids -= await self._ledger(self.db.recorded, post.legacy_ids, sorted(open_ids))
        report.already_claimed += len(ours) - len(open_ids)
        targets = [s for s in ours if s.id in open_ids]
        limit = asyncio.Semaphore(self.concurrency)

        async def deliver(subscription: Subscription) -> None:
            async with limit:
                if self._may_post(subscription, report):  # the breaker may have opened while this waited
                    await self._deliver(post_id, subscription, report, render)

        await asyncio.gather(*(deliver(s) for s in targets))

    def _may_post(self, subscription: Subscription, report: FanOutReport) -> bool:
        """Unclaimed posts held back by an open breaker stay owed: a later pass sends them."""
        if self.breaker.closed(subscription.platform):
            return True
        report.held += 1
        metrics.POSTS.labels(subscription.platform, "held").inc()
        return False

    async def _deliver(self, post_id: str, subscription: Subscription, report: FanOutReport,
                       render: Callable[[ZoneInfo], Reply]) -> None:
        try:
            claimed = await self._ledger(self.db.claim, subscription.id, post_id, self.owner, self.clock())
        except StorageUnavailable as exc:
            # No claim, no post: the next pass tries again, so nothing is lost and nothing doubled.
            report.database_errors += 1
            log.debug("cannot claim %s for %s (%s): not posted now", post_id, subscription.key,
                      str(exc).splitlines()[0][:200])
            return
        if not claimed:  # another process claimed it between our look and our claim
            report.already_claimed += 1
            metrics.CLAIM_CONFLICTS.inc()
            return
        poster = self.posters[subscription.platform]
        reply = render(ZoneInfo(subscription.timezone))
        attempts = 1 + (self.idempotent_retries if poster.idempotent else 0)
        error: DeliveryError | None = None
        for _ in range(attempts):
            try:
                await poster.post(subscription.channel, reply, idempotency_key=f"{subscription.id}:{post_id}",
                                  workspace=subscription.workspace)
            except DeliveryError as exc:
                error = exc
                if not exc.retry_now:
                    break
                log.warning("posting %s to %s failed, trying again: %s", post_id, subscription.key, exc)
                continue
            except Exception as exc:
                # An adapter bug or an error it did not expect: the post may have left, so it is not retried.
                log.exception("posting %s to %s failed unexpectedly", post_id, subscription.key)
                error = DeliveryError(f"{exc.__class__.__name__}: {exc}")
                break
            await self._record(self.db.finish, subscription.id, post_id, "sent", self.clock())
            if subscription.paused:
                await self._record(self.db.resume, subscription.id)
                log.info("posts to %s resumed: a post got through", subscription.key)
            self.breaker.succeeded(subscription.platform)
            report.sent += 1
            metrics.POSTS.labels(subscription.platform, "sent").inc()
            return
        assert error is not None
        await self._failed(post_id, subscription, error, report)

    async def _failed(self, post_id: str, subscription: Subscription, error: DeliveryError,
                      report: FanOutReport) -> None:
        """Records a failure and acts on its class: end, pause, stop the platform, or count it."""
        if isinstance(error, ChannelGone):
            await self._record(self.db.mark_gone, subscription.id, f"channel gone: {error}")
            await self._record(self.db.finish, subscription.id, post_id, "gone", self.clock(), str(error))
            log.warning("channel %s is gone (%s): subscription ended, no more posts there", subscription.key, error)
            report.gone += 1
            metrics.POSTS.labels(subscription.platform, "gone").inc()
            return
        await self._record(self.db.finish, subscription.id, post_id, "failed", self.clock(), str(error),
                           retry_safe=error.retry_safe)
        if isinstance(error, ChannelNeedsFix):
            if subscription.reason != error.fix:
                await self._record(self.db.pause, subscription.id, error.fix)
                log.warning("posts to %s paused (%s): %s", subscription.key, error, error.fix)
            report.paused += 1
            metrics.POSTS.labels(subscription.platform, "paused").inc()
            return
        report.failed += 1
        metrics.POSTS.labels(subscription.platform, "failed").inc()
        if isinstance(error, TokenRejected):
            self.breaker.open(subscription.platform, str(error), None)
        elif isinstance(error, PlatformUnavailable):
            self.breaker.open(subscription.platform, str(error), error.retry_after)
        else:
            log.warning("posting %s to %s failed: %s", post_id, subscription.key, error)
            if error.retry_safe:  # only what passes counts: a malformed post must not rest the platform
                self.breaker.failed(subscription.platform, str(error))

    async def _record(self, write: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """An outcome the ledger could not store stays 'claimed': settled as 'unknown' later, never resent."""
        try:
            await self._ledger(write, *args, **kwargs)
        except StorageUnavailable as exc:
            log.error("could not record a delivery outcome (%s)", str(exc).splitlines()[0][:200])
