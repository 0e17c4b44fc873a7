"""The application: everything a running bot is besides its platforms, built in one place.

`Application.build(settings, ...)` loads the content, opens the database and wires the live content,
the dispatcher, delivery, the scheduler and reloads; `async with app.running(posters)` is the one
lifecycle that the CLI, the tests and the bench use. Platforms (adapters/) only add what they serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot import metrics
from bot.clock import Clock, system_clock
from bot.commands import Dispatcher
from bot.compiled import load_store
from bot.config import Settings
from bot.delivery import DeliveryService
from bot.newsfeed import FeedPoller, FeedSettings, FeedStories
from bot.persistence import Database, StorageUnavailable, call_storage
from bot.ports import Poster
from bot.posts import ContentNewsItems, CountdownReminders
from bot.reload import ContentReloader, LiveContent, OnReloaded, reload_on_sighup, watch_and_reload
from bot.reply import Reply
from bot.scheduler import ReminderScheduler, same_moment
from bot.store import FactStore

if TYPE_CHECKING:  # aiohttp is loaded only to serve metrics or fetch feeds, where they are configured
    from aiohttp import web

    from bot.feedfetch import FeedFetcher

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 10.0  # seconds a stop waits for posts under way
FEED_POLL_EVERY = 60.0  # seconds between looks at which feeds are due
RECONNECT_FIRST, RECONNECT_MAX = 5.0, 300.0  # seconds between tries to open a database that was down


DATABASE_DOWN = "database not answering: subscriptions and posts wait for it"


class PlatformError(Exception):
    """A platform cannot start as configured (a missing or rejected token): one line for the operator."""


class Application:
    """The live content, the dispatcher, the database, and (while running) delivery and reloads."""

    def __init__(self, settings: Settings, content: LiveContent, dispatcher: Dispatcher, *,
                 timezone: str | None = None, wall_time: Callable[[dt.datetime], dt.datetime] = same_moment,
                 database_url: str | None = None) -> None:
        self.settings = settings
        self.content = content
        self.dispatcher = dispatcher
        self.timezone = timezone  # for answers where a channel has set none
        self.wall_time = wall_time
        self.stopping = asyncio.Event()  # set by SIGTERM or SIGINT while running
        self.database_url = database_url
        self.delivery: DeliveryService | None = None  # while running with a database
        # Steps a platform adds after each successful reload (its listings, its Home tab), registered
        # before `running` starts.
        self.after_reload: list[OnReloaded] = []
        self._scheduler: ReminderScheduler | None = None
        self._following: asyncio.Task[None] | None = None  # the feed poll loop
        self._fetcher: FeedFetcher | None = None  # for feeds: its HTTP session opens at the first fetch
        # Whether the platform's connection is up, for /readyz: adapters with a connection replace it.
        self.connected: Callable[[], bool] = lambda: True

    def health(self) -> list[str]:
        """What stops this process doing its job (an empty list: healthy), for health checks."""
        problems = []
        if self.database is None:
            problems.append("database unavailable: no subscriptions or posts (retrying)")
        elif self.database.outage.down_since is not None:
            problems.append(DATABASE_DOWN)
        return problems + (self.delivery.breaker.problems() if self.delivery is not None else [])

    async def readiness(self) -> list[str]:
        """health(), after asking the database itself (an idle bot would not notice that it went away
        or came back), and whether the platform is connected: for `/readyz`."""
        answered = True
        if self.database is not None:
            try:
                await call_storage(self.database.ping)
            except StorageUnavailable as exc:
                answered = False
                if self.database.outage.down_since is None:  # a ping that timed out is not logged yet
                    self.database.outage.failed(exc)
        problems = self.health()
        if not answered and DATABASE_DOWN not in problems:
            problems.insert(0, DATABASE_DOWN)
        if not self.connected():
            problems.append("not connected to the platform")
        return problems

    @classmethod
    def build(cls, settings: Settings, *, store: FactStore | None = None, timezone: str | None = None,
              clock: Clock = system_clock, wall_time: Callable[[dt.datetime], dt.datetime] = same_moment,
              database_url: str | None = None) -> Application:
        """Content from `settings.content` (or `store`), the database at `database_url` (default: the
        environment's PARADE_DATABASE_URL, else the settings'); ContentError if the content is bad."""
        content = LiveContent(store or load_store(settings.content, settings.content_limits, settings.content_cache))
        url = database_url or os.environ.get("PARADE_DATABASE_URL") or settings.database
        dispatcher = Dispatcher(content, clock=clock, default_timezone=timezone,
                                reminder_offsets=settings.reminders.offsets, subscriptions=open_database(url))
        return cls(settings, content, dispatcher, timezone=timezone, wall_time=wall_time, database_url=url)

    @property
    def database(self) -> Database | None:
        return self.dispatcher.subscriptions

    @contextlib.asynccontextmanager
    async def running(self, posters: Mapping[str, Poster]) -> AsyncIterator[None]:
        """Posts through `posters` (countdown reminders and news items); reloads by command, SIGHUP
        and (optionally) a file watcher. Everything started here stops when the block ends."""
        db, clock = self.database, self.dispatcher.clock
        reloader = ContentReloader(self.content, Path(self.settings.content), db, clock=clock,
                                   limits=self.settings.content_limits, cache_dir=self.settings.content_cache)
        self.dispatcher.reloader = reloader
        reloader.on_reloaded.extend(self.after_reload)
        self._on_stop_signals()
        probes, reconnecting, watcher = None, None, None
        stop_watching = asyncio.Event()
        try:  # everything started here is stopped below, also when a later start fails
            probes = await self._serve_metrics()
            if db is not None:
                await self._start_delivery(db, posters, reloader)
            elif self.database_url:
                reconnecting = asyncio.create_task(self._reconnect(posters, reloader))
            with contextlib.suppress(NotImplementedError):  # no SIGHUP on Windows
                reload_on_sighup(reloader)
            if self.settings.reload.watch:
                watcher = asyncio.create_task(watch_and_reload(reloader, stop_watching))
            yield
        finally:
            self._on_stop_signals(remove=True)
            stop_watching.set()
            if reconnecting is not None:
                reconnecting.cancel()
            if watcher is not None:
                await watcher
            if self._following is not None:
                self._following.cancel()
            if self._scheduler is not None:
                self._scheduler.shutdown()  # no new passes
            if self.delivery is not None and await self.delivery.drain(SHUTDOWN_GRACE):
                log.info("stopped; posts under way were finished and recorded")
            if self._fetcher is not None:
                await self._fetcher.close()
            if probes is not None:
                await probes.cleanup()

    async def _serve_metrics(self) -> web.AppRunner | None:
        host, port = self.settings.metrics.host, self.settings.metrics.port
        if port is None:
            return None
        try:
            runner = await metrics.serve(host, port, self.readiness)
        except OSError as exc:  # a port in use must not stop the bot
            log.error("metrics not served on %s:%d (%s)", host, port, exc)
            return None
        log.info("metrics and probes on http://%s:%d (/metrics, /healthz, /readyz)", host, port)
        return runner

    async def _start_delivery(self, db: Database, posters: Mapping[str, Poster], reloader: ContentReloader) -> None:
        clock = self.dispatcher.clock
        owner = f"{socket.gethostname()[:50]}:{os.getpid()}"  # the ledger's claimed_by holds 64 characters
        feed_settings = FeedSettings.from_settings(self.settings)
        self._fetcher = feed_settings.fetcher()
        news = FeedPoller(lambda: self.content.store, self._fetcher, db, clock=clock,
                          settings=feed_settings, owner=owner)
        await news.restore()
        self.dispatcher.news = news
        self.delivery = DeliveryService(
            db, posters, lambda: self.content.store, clock=clock, owner=owner,
            sources=(CountdownReminders(self.settings.reminders.offsets, self.settings.reminders.grace_period),
                     ContentNewsItems(self.settings.alerts.max_age_period),
                     FeedStories(news.book, self.settings.alerts.max_age_period)),
        )
        self._following = asyncio.create_task(self._follow(news, self.delivery))
        self._scheduler = ReminderScheduler(self.delivery, wall_time=self.wall_time)
        report = await self._scheduler.start()
        log.info("posts scheduled: %s; caught up on start: %s", self._scheduler.job_ids(), report)
        reloader.on_reloaded.append(self._scheduler.content_reloaded)

    async def _follow(self, news: FeedPoller, delivery: DeliveryService) -> None:
        """Polls the content's feeds (each when it is due) every minute; new stories go out at once."""
        while True:
            try:
                report = await news.poll()
                for url, error in report.disabled:
                    await self._tell_feed_disabled(url, error, delivery.posters)
                if report.new_stories or report.learned:
                    log.info("feeds: %d new stories; %d items from other processes", len(report.new_stories),
                             report.learned)
                    await delivery.deliver_due()
            except Exception:  # a bug in one poll must not end the following
                log.exception("feed poll failed; the next one runs in a minute")
            await asyncio.sleep(FEED_POLL_EVERY)

    async def _tell_feed_disabled(self, url: str, error: str, posters: Mapping[str, Poster]) -> None:
        """The admins' channel (`feeds.notify`), told once: only the process that polled the feed
        disables it. Best effort: the log and `/parade feeds` say it whatever happens here."""
        notify = self.settings.feeds.notify
        if notify is None:
            return
        poster = posters.get(notify.platform)
        if poster is None:
            log.warning("feed %s disabled: not told in %s channel %s, which this process does not post to",
                        url, notify.platform, notify.channel)
            return
        reply = Reply(title="Feed disabled", text=(
            f"{url} failed {self.settings.feeds.disable_after} times in a row (last: {error}), so it is no "
            f"longer polled. Once it works again: `parade-bot feeds enable {url}`, or reload content that "
            "changes it."))
        key = f"feed-disabled:{url}:{self.dispatcher.clock():%Y%m%d%H%M}"
        try:
            await poster.post(notify.channel, reply, idempotency_key=key, workspace=notify.workspace)
        except Exception as exc:  # a bad channel id too: the notice is best effort, the poll goes on
            log.error("feed %s disabled: the notice to %s channel %s failed (%s)", url, notify.platform,
                      notify.channel, exc)

    async def _reconnect(self, posters: Mapping[str, Poster], reloader: ContentReloader) -> None:
        """The database was down at start: try again, backing off from 5 s to 5 minutes, and once it
        answers, take subscriptions and start posting (missed posts within their grace go out)."""
        delay = RECONNECT_FIRST
        while True:
            await asyncio.sleep(delay)
            db = await asyncio.to_thread(open_database, self.database_url or "", quiet=True)
            if db is not None:
                log.warning("database available again: subscriptions and posts are on")
                self.dispatcher.use_database(db)
                reloader.db = db
                await self._start_delivery(db, posters, reloader)
                return
            delay = min(delay * 2, RECONNECT_MAX)

    async def serve(self, main: Awaitable[object]) -> None:
        """Runs a platform's serving loop until it ends or a stop signal comes; then it is cancelled,
        and leaving `running` finishes the posts under way."""
        serving = asyncio.ensure_future(main)
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({serving, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not serving.done():
                serving.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await serving
        if not serving.cancelled():
            serving.result()  # a platform's own failure reaches the adapter

    def _on_stop_signals(self, *, remove: bool = False) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows; not the main thread
                if remove:
                    loop.remove_signal_handler(sig)
                else:
                    loop.add_signal_handler(sig, self._stop, sig)

    def _stop(self, sig: signal.Signals) -> None:
        if not self.stopping.is_set():
            log.warning("%s: stopping: no new commands; posts under way get up to %.0f s to finish",
                        sig.name, SHUTDOWN_GRACE)
        self.stopping.set()


def open_database(url: str, *, quiet: bool = False) -> Database | None:
    """The database, or None (with one log line, none if `quiet`) so that commands work without it."""
    try:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        db = Database(url)
        db.outage.watching = False
        db.create_schema()
        db.outage.watching = True
        metrics.DATABASE_UP.set(1)
        return db
    except Exception as exc:  # any failure to open (driver missing, bad URL, corrupt file) degrades the same way
        # The URL is not logged: it may hold a password.
        metrics.DATABASE_UP.set(0)
        if not quiet:
            log.error("database unavailable (%s: %s): subscriptions and reminders are off until it answers; "
                      "commands still work", exc.__class__.__name__, str(exc).splitlines()[0][:200])
        return None
