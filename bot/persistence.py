"""Subscriptions and the delivery ledger, on SQLAlchemy 2 Core (SQLite by default, any URL it supports).

The ledger's unique key (subscription, reminder) is what makes delivery at most once per channel:
a process claims a row before posting, and only the process whose INSERT succeeded posts. That holds
across restarts and across several bot processes sharing one database, which APScheduler alone cannot do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, Row, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from bot import metrics
from bot.storage_errors import STORAGE_TIMEOUT, StorageBusy, StorageUnavailable

if TYPE_CHECKING:
    from bot.feeds import FeedItem

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
MAX_ATTEMPTS = 3  # a retry-safe failure is claimed again at most this many times in all
Status = Literal["claimed", "sent", "failed", "gone", "unknown"]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the backend stores."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None else None


# The schema, as SQLAlchemy Core tables: the bot reads and writes rows with plain statements and needs
# none of the ORM's unit of work or identity map, whose import alone cost every start about 6 MiB.
# bot/migrations/versions must create exactly this (tests/test_migrations.py compares the two).
metadata = MetaData()

META = Table(
    "parade_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

SUBSCRIPTIONS = Table(
    "subscriptions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("workspace", String(64), nullable=False),  # Discord guild, Slack team; "" where none
    Column("channel", String(64), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("subscribed_at", UtcDateTime, nullable=False),
    # Why posts do not reach the channel: the end of it when inactive ("unsubscribed", "channel gone:
    # ..."), what to fix when active (paused). The column keeps its first name so no migration is needed.
    Column("inactive_reason", String(256), key="reason"),
    UniqueConstraint("platform", "workspace", "channel"),
)

DELIVERIES = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id"), nullable=False),
    Column("reminder_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("claimed_by", String(64), nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("detail", String(500)),
    Column("attempts", Integer, nullable=False, default=1),
    Column("retry_safe", Boolean, nullable=False, default=False),  # a failure that may be claimed again
    UniqueConstraint("subscription_id", "reminder_id"),
)

FEED_STATE = Table(
    "feed_state", metadata,
    Column("url", String(1000), primary_key=True),
    Column("etag", String(500)),
    Column("last_modified", String(100)),
    Column("next_poll", UtcDateTime),
    Column("failures", Integer, nullable=False, default=0),  # in a row
    Column("disabled", Boolean, nullable=False, default=False),
    Column("last_status", String(300)),
    Column("last_fetch", UtcDateTime),
    Column("items_seen", Integer, nullable=False, default=0),
)

# Every feed item seen, with the story it joined: what makes "once per story" hold across restarts.
FEED_ITEMS = Table(
    "feed_items", metadata,
    Column("key", String(64), primary_key=True),
    Column("story", String(64), nullable=False, index=True),
    Column("title_date", String(64), nullable=False),
    Column("link", String(1000)),
    Column("title", String(300), nullable=False),
    Column("summary", String(1000), nullable=False),
    Column("outlet", String(100), nullable=False),
    Column("feed_url", String(1000), nullable=False),
    Column("published", UtcDateTime, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False, index=True),
)

# The event as a platform lists it in one workspace (a Discord server's Scheduled Event): the platform's
# id for it, so a second `/parade-admin event` or a reload updates it, never adds another.
EVENT_LISTINGS = Table(
    "event_listings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("event_id", String(128), nullable=False),  # the content's event id
    Column("external_id", String(64), nullable=False),  # the platform's id for the listing
    Column("start", UtcDateTime, nullable=False),  # the start it was last published with
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("platform", "workspace", "event_id"),
)

# A subscribed channel that takes no feed stories (it keeps the countdown and the content's news).
FEED_OPTOUTS = Table(
    "feed_optouts", metadata,
    Column("subscription_id", Integer, ForeignKey("subscriptions.id"), primary_key=True),
)

CONTENT_RELOADS = Table(
    "content_reloads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("actor", String(128), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("hash_before", String(64), nullable=False),
    Column("hash_after", String(64)),  # None: refused, nothing changed
    Column("summary", String(2000), nullable=False),
)

# A workspace that installed the app through the OAuth flow (Slack distribution): its bot token is a
# secret, so whoever can read this table can post as the bot there.
INSTALLATIONS = Table(
    "installations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("workspace", String(64), nullable=False),  # Slack team id
    Column("workspace_name", String(200), nullable=False, default=""),
    Column("app_id", String(64), nullable=False, default=""),
    Column("bot_token", String(300), nullable=False),
    Column("bot_id", String(64), nullable=False, default=""),
    Column("bot_user_id", String(64), nullable=False, default=""),
    Column("scopes", String(1000), nullable=False, default=""),
    Column("installer", String(64), nullable=False, default=""),  # the user who installed it
    Column("installed_at", UtcDateTime, nullable=False),
    UniqueConstraint("platform", "workspace"),
)

# An install link's `state`, valid once and until `expires_at`: a callback must bring one back.
OAUTH_STATES = Table(
    "oauth_states", metadata,
    Column("state", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)


@dataclass(frozen=True, slots=True)
class Installation:
    platform: str
    workspace: str
    bot_token: str = field(repr=False)  # a secret: never in a repr, so never in a log line
    installed_at: dt.datetime
    workspace_name: str = ""
    app_id: str = ""
    bot_id: str = ""
    bot_user_id: str = ""
    scopes: str = ""
    installer: str = ""


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """One subscribed channel for the delivery report: its state and its last post's outcome."""

    key: str  # platform:workspace:channel
    active: bool
    reason: str | None  # why it is inactive
    last_post: str | None
    last_status: str | None
    last_detail: str | None


@dataclass(frozen=True, slots=True)
class EventListing:
    platform: str
    workspace: str
    event_id: str
    external_id: str
    start: dt.datetime


@dataclass(frozen=True, slots=True)
class Failure:
    key: str
    post: str
    status: str
    at: dt.datetime
    detail: str | None


@dataclass(frozen=True, slots=True)
class ReloadAudit:
    actor: str
    at: dt.datetime
    hash_before: str
    hash_after: str | None
    summary: str


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    platform: str
    workspace: str
    channel: str
    timezone: str
    active: bool
    subscribed_at: dt.datetime
    reason: str | None = None  # see SUBSCRIPTIONS.c.reason

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel}"

    @property
    def paused(self) -> bool:
        return self.active and self.reason is not None


@dataclass(frozen=True, slots=True)
class Delivery:
    subscription_id: int
    reminder_id: str
    status: str
    claimed_by: str
    detail: str | None


@dataclass(slots=True)
class FeedState:
    """What the bot knows about a feed between polls (conditional GET validators, backoff)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    next_poll: dt.datetime | None = None
    failures: int = 0
    disabled: bool = False
    last_status: str | None = None
    last_fetch: dt.datetime | None = None
    items_seen: int = 0


@dataclass(frozen=True, slots=True)
class SeenItem:
    story: str
    item: FeedItem


class DatabaseError(Exception):
    """The database cannot be used as configured (newer schema, unreachable, unreadable)."""


class OutageLog:
    """One log line when the database stops answering, a count every `every` seconds while it is
    away, one line when it is back: an outage must not cost a log line per command or per channel."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self.watching = True  # False while opening: failing to open is the opener's to report, once
        self.down_since: float | None = None
        self.failures = 0
        self._reported = 0.0
        self._lock = threading.Lock()

    def failed(self, error: StorageUnavailable) -> None:
        if not self.watching:
            return
        with self._lock:
            now = time.monotonic()
            self.failures += 1
            if self.down_since is None:
                self.down_since = self._reported = now
                metrics.DATABASE_UP.set(0)
                log.error("database unavailable (%s): subscriptions and posts wait for it; "
                          "logged again when it is back", str(error)[:200])
            elif now - self._reported >= self.every:
                self._reported = now
                log.warning("database still unavailable after %.0f s: %d calls failed", now - self.down_since,
                            self.failures)

    def succeeded(self) -> None:
        if self.down_since is None:  # the common case, without the lock
            return
        with self._lock:
            if self.down_since is not None:
                log.warning("database back after %.0f s; %d calls failed meanwhile",
                            time.monotonic() - self.down_since, self.failures)
                metrics.DATABASE_UP.set(1)
                self.down_since, self.failures = None, 0


def _translated(call: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(call)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        outage: OutageLog = args[0].outage  # type: ignore[attr-defined]
        try:
            result = call(*args, **kwargs)
        except OperationalError as exc:
            message = str(exc.orig)
            busy = any(word in message for word in ("locked", "timeout", "canceling statement"))
            error = (StorageBusy if busy else StorageUnavailable)(message.splitlines()[0][:200])
            outage.failed(error)
            raise error from exc
        except SQLAlchemyError as exc:
            error = StorageUnavailable(str(exc).splitlines()[0][:200])
            outage.failed(error)
            raise error from exc
        outage.succeeded()
        return result
    return wrapper


def _translating(cls: type[T]) -> type[T]:
    """Every public method of `cls` raises StorageUnavailable (or StorageBusy) instead of SQLAlchemy's errors."""
    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, _translated(member))
    return cls


def _listing(row: Row[Any]) -> EventListing:
    return EventListing(row.platform, row.workspace, row.event_id, row.external_id, row.start)


FEED_LEASE = "feed_poll_lease"  # parade_meta row: "<until, UTC> <owner>", or "" when free


def _lease_stamp(moment: dt.datetime) -> str:
    """A moment as text that sorts as time does (fixed width, UTC), for the lease's conditional update."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _subscription(row: Row[Any]) -> Subscription:
    return Subscription(row.id, row.platform, row.workspace, row.channel, row.timezone, row.active,
                        row.subscribed_at, row.reason)


@_translating
class Database:
    def __init__(self, url: str, *, lock_timeout: float = 30.0, command_timeout: float = 1.5) -> None:
        self.url = url
        # Delivery waits on another writer (several processes may share one SQLite file); a command
        # does not: its calls give up after `command_timeout`, so "try again" is never a lie that a
        # write still lands later.
        self.engine = make_engine(url, lock_timeout)
        self._command_engine = make_engine(url, command_timeout)
        self.engines = (self.engine, self._command_engine)
        self.outage = OutageLog()

    def create_schema(self) -> str | None:
        """Bring the database to this bot's schema (the newest revision in bot/migrations), under a lock
        so processes starting together take turns, and return the revision it was at (None: it was
        empty). DatabaseError if a newer bot made it. A database already at the newest revision, as at
        most starts, is found so with one query, without the lock or Alembic."""
        from bot.migrations import schema_head, upgrade  # here: only where the schema is touched

        try:
            current = _schema_revision(self.engine)
        except SQLAlchemyError:  # e.g. SQLite busy while another process upgrades: upgrade() waits its turn
            current = None
        if current is not None and current == schema_head():
            return current
        return upgrade(self.url)

    def schema_revision(self) -> str | None:
        """The revision the database is at; None if it has none (empty, or made before versioning)."""
        return _schema_revision(self.engine)

    def ping(self) -> None:
        """Asks the server (or opens the file) for nothing: raises if it does not answer."""
        with self._command_engine.connect() as connection:
            connection.execute(text("select 1"))

    def schema_version(self) -> int:
        """The schema's number: its revision (0001, 0002, ...) as an integer, 0 before any."""
        return int(self.schema_revision() or 0)

    # Subscriptions ------------------------------------------------------------------------------

    def subscribe(self, platform: str, workspace: str, channel: str, timezone: str,
                  now: dt.datetime, *, keep_zone: bool = False) -> Subscription:
        """Subscribe a channel, or reactivate it and set its timezone (with `keep_zone`, an existing
        subscription keeps the zone it has) if it already was."""
        with self._command_engine.begin() as connection:
            row = connection.execute(select(SUBSCRIPTIONS).filter_by(platform=platform, workspace=workspace,
                                                                     channel=channel)).first()
            if row is None:
                added = connection.execute(insert(SUBSCRIPTIONS).values(
                    platform=platform, workspace=workspace, channel=channel, timezone=timezone, subscribed_at=now))
                return Subscription(added.inserted_primary_key[0], platform, workspace, channel, timezone, True, now)
            subscribed_at = row.subscribed_at if row.active else now  # a returning channel gets reminders from now on
            zone = row.timezone if keep_zone else timezone
            wanted = {"subscribed_at": subscribed_at, "timezone": zone, "active": True, "reason": None}
            # Only what differs is written, as the ORM's flush did: a channel subscribing again as it is
            # costs no write (no write lock on SQLite for a command that changes nothing).
            changed = {name: value for name, value in wanted.items() if getattr(row, name) != value}
            if changed:
                connection.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == row.id).values(**changed))
            return Subscription(row.id, platform, workspace, channel, zone, True, subscribed_at)

    def unsubscribe(self, platform: str, workspace: str, channel: str) -> bool:
        return self._deactivate(platform, workspace, channel, "unsubscribed")

    def subscription(self, platform: str, workspace: str, channel: str) -> Subscription | None:
        with self._command_engine.connect() as connection:
            row = connection.execute(select(SUBSCRIPTIONS).filter_by(platform=platform, workspace=workspace,
                                                                     channel=channel)).first()
            return _subscription(row) if row else None

    def active_subscriptions(self, subscribed_by: dt.datetime | None = None) -> list[Subscription]:
        with self.engine.connect() as connection:
            query = select(SUBSCRIPTIONS).filter_by(active=True).order_by(SUBSCRIPTIONS.c.id)
            if subscribed_by is not None:
                query = query.where(SUBSCRIPTIONS.c.subscribed_at <= subscribed_by)
            return [_subscription(r) for r in connection.execute(query)]

    def mark_gone(self, subscription_id: int, reason: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id)
                               .values(active=False, reason=reason[:256]))

    def pause(self, subscription_id: int, reason: str) -> None:
        """Keep the subscription but record what stops its posts (a permission, membership)."""
        with self.engine.begin() as connection:
            connection.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id,
                                                           SUBSCRIPTIONS.c.active.is_(True))
                               .values(reason=reason[:256]))

    def resume(self, subscription_id: int) -> None:
        """A post got through: whatever paused the channel was fixed."""
        with self.engine.begin() as connection:
            connection.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id,
                                                           SUBSCRIPTIONS.c.active.is_(True))
                               .values(reason=None))

    def _deactivate(self, platform: str, workspace: str, channel: str, reason: str) -> bool:
        with self._command_engine.begin() as connection:  # a command's: gives up on a lock soon
            result = connection.execute(
                update(SUBSCRIPTIONS)
                .filter_by(platform=platform, workspace=workspace, channel=channel, active=True)
                .values(active=False, reason=reason)
            )
            return bool(result.rowcount)

    def end_workspace(self, platform: str, workspace: str, reason: str) -> int:
        """Ends every active subscription of a workspace (the app was uninstalled there); how many."""
        with self._command_engine.begin() as connection:
            result = connection.execute(
                update(SUBSCRIPTIONS).filter_by(platform=platform, workspace=workspace, active=True)
                .values(active=False, reason=reason[:256]))
            return int(result.rowcount)

    # Installations (OAuth) ------------------------------------------------------------------------

    def save_installation(self, installation: Installation) -> None:
        """Stores a workspace's installation, replacing the one it had (a reinstall brings a new token)."""
        values = {"workspace_name": installation.workspace_name[:200], "app_id": installation.app_id,
                  "bot_token": installation.bot_token, "bot_id": installation.bot_id,
                  "bot_user_id": installation.bot_user_id, "scopes": installation.scopes[:1000],
                  "installer": installation.installer, "installed_at": installation.installed_at}
        key = {"platform": installation.platform, "workspace": installation.workspace}
        for attempt in range(2):  # an insert that lost a race with another process's becomes an update
            with self._command_engine.begin() as connection:
                result = connection.execute(update(INSTALLATIONS).filter_by(**key).values(**values))
                if result.rowcount:
                    return
            try:
                with self._command_engine.begin() as connection:
                    connection.execute(insert(INSTALLATIONS).values(**key, **values))
                return
            except IntegrityError:
                if attempt:
                    raise

    def installation(self, platform: str, workspace: str) -> Installation | None:
        with self._command_engine.connect() as connection:
            row = connection.execute(select(INSTALLATIONS).filter_by(platform=platform, workspace=workspace)).first()
            if row is None:
                return None
            return Installation(row.platform, row.workspace, row.bot_token, row.installed_at, row.workspace_name,
                                row.app_id, row.bot_id, row.bot_user_id, row.scopes, row.installer)

    def delete_installation(self, platform: str, workspace: str) -> bool:
        with self._command_engine.begin() as connection:
            result = connection.execute(delete(INSTALLATIONS).filter_by(platform=platform, workspace=workspace))
            return bool(result.rowcount)

    def issue_oauth_state(self, state: str, expires_at: dt.datetime, now: dt.datetime) -> None:
        """Records a new install link's state; states that expired unused are cleared on the way."""
        with self._command_engine.begin() as connection:
            connection.execute(delete(OAUTH_STATES).where(OAUTH_STATES.c.expires_at <= now))
            connection.execute(insert(OAUTH_STATES).values(state=state, expires_at=expires_at))

    def consume_oauth_state(self, state: str, now: dt.datetime) -> bool:
        """True once for a state issued here and not expired: the delete's row count says who had it, so
        a state replayed (or raced by two callbacks) is accepted at most once."""
        with self._command_engine.begin() as connection:
            result = connection.execute(delete(OAUTH_STATES).where(OAUTH_STATES.c.state == state,
                                                                   OAUTH_STATES.c.expires_at > now))
            return bool(result.rowcount)

    # Ledger -------------------------------------------------------------------------------------

    def claim(self, subscription_id: int, reminder_id: str, owner: str, now: dt.datetime) -> bool:
        """Record the intent to post; True only for the one caller whose claim is new, or who took
        over a retry-safe failure (a conditional update, so two processes cannot both win)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(DELIVERIES).values(subscription_id=subscription_id, reminder_id=reminder_id,
                                                             status="claimed", claimed_by=owner, claimed_at=now))
            return True
        except IntegrityError:
            pass
        d = DELIVERIES.c
        with self.engine.begin() as connection:
            result = connection.execute(
                update(DELIVERIES)
                .where(d.subscription_id == subscription_id, d.reminder_id == reminder_id,
                       d.status == "failed", d.retry_safe.is_(True), d.attempts < MAX_ATTEMPTS)
                .values(status="claimed", claimed_by=owner, claimed_at=now, attempts=d.attempts + 1)
            )
            return bool(result.rowcount)

    def claimable(self, reminder_id: str, subscription_ids: list[int]) -> set[int]:
        """Which of these subscriptions may still claim `reminder_id`: no row yet, or a retry-safe failure
        with attempts left. One read, so passes over posts already done cost no writes."""
        d = DELIVERIES.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(d.subscription_id, d.status, d.retry_safe, d.attempts).where(d.reminder_id == reminder_id))
            settled = {sid for sid, status, safe, attempts in rows
                       if not (status == "failed" and safe and attempts < MAX_ATTEMPTS)}
        return set(subscription_ids) - settled

    def recorded(self, reminder_ids: tuple[str, ...], subscription_ids: list[int]) -> set[int]:
        """The subscriptions with a ledger row under any of `reminder_ids`, but for a retry-safe failure
        (the post certainly was not made)."""
        d = DELIVERIES.c
        with self.engine.connect() as connection:
            return set(connection.scalars(
                select(d.subscription_id).distinct()
                .where(d.reminder_id.in_(reminder_ids), d.subscription_id.in_(subscription_ids),
                       ~((d.status == "failed") & d.retry_safe.is_(True)))))

    def finish(self, subscription_id: int, reminder_id: str, status: Status, now: dt.datetime,
               detail: str | None = None, *, retry_safe: bool = False) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(DELIVERIES)
                .filter_by(subscription_id=subscription_id, reminder_id=reminder_id)
                .values(status=status, finished_at=now, detail=(detail or None) and detail[:500],
                        retry_safe=retry_safe)
            )

    def settle_stale_claims(self, claimed_before: dt.datetime, now: dt.datetime) -> int:
        """Claims left without an outcome (a process stopped mid-post): mark them 'unknown', never resend.

        Such a post may or may not have reached the platform; sending again could post twice. Only
        claims older than any post takes are settled, so another live process's claims are left alone.
        """
        with self.engine.begin() as connection:
            result = connection.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.status == "claimed", DELIVERIES.c.claimed_at < claimed_before)
                .values(status="unknown", finished_at=now, detail="process stopped between claim and outcome")
            )
            return int(result.rowcount)

    def deliveries(self, subscription_id: int | None = None) -> list[Delivery]:
        with self.engine.connect() as connection:
            query = select(DELIVERIES).order_by(DELIVERIES.c.id)
            if subscription_id is not None:
                query = query.filter_by(subscription_id=subscription_id)
            return [Delivery(r.subscription_id, r.reminder_id, r.status, r.claimed_by, r.detail)
                    for r in connection.execute(query)]

    def channel_statuses(self) -> list[ChannelStatus]:
        """Every subscription, with the outcome of its latest post, for `/parade status`."""
        s, d = SUBSCRIPTIONS.c, DELIVERIES.c
        with self._command_engine.connect() as connection:
            latest = select(d.subscription_id, func.max(d.id).label("last")).group_by(d.subscription_id).subquery()
            rows = connection.execute(
                select(s.platform, s.workspace, s.channel, s.active, s.reason, d.reminder_id, d.status, d.detail)
                .select_from(SUBSCRIPTIONS.outerjoin(latest, latest.c.subscription_id == s.id)
                             .outerjoin(DELIVERIES, d.id == latest.c.last))
                .order_by(s.platform, s.id))
            # A channel without posts has NULL for its latest post's columns: None, as the report shows it.
            return [ChannelStatus(f"{r.platform}:{r.workspace}:{r.channel}", r.active, r.reason, r.reminder_id,
                                  r.status, r.detail) for r in rows]

    def failures_since(self, since: dt.datetime, limit: int = 50) -> list[Failure]:
        """Posts that failed, went to a gone channel or ended unknown since `since`, newest first."""
        s, d = SUBSCRIPTIONS.c, DELIVERIES.c
        with self._command_engine.connect() as connection:
            at = func.coalesce(d.finished_at, d.claimed_at)
            rows = connection.execute(
                select(s.platform, s.workspace, s.channel, d.reminder_id, d.status, d.finished_at, d.claimed_at,
                       d.detail)
                .select_from(DELIVERIES.join(SUBSCRIPTIONS, s.id == d.subscription_id))
                .where(d.status.in_(("failed", "gone", "unknown")), at >= since)
                .order_by(d.id.desc()).limit(limit))
            return [Failure(f"{r.platform}:{r.workspace}:{r.channel}", r.reminder_id, r.status,
                            r.finished_at or r.claimed_at, r.detail) for r in rows]

    def delivered_reminders(self, subscription_id: int) -> set[str]:
        with self._command_engine.connect() as connection:
            query = select(DELIVERIES.c.reminder_id).filter_by(subscription_id=subscription_id)
            return set(connection.scalars(query))

    # Feeds ------------------------------------------------------------------------------------

    def feed_states(self) -> dict[str, FeedState]:
        with self.engine.connect() as connection:
            return {row.url: FeedState(row.url, row.etag, row.last_modified, row.next_poll, row.failures,
                                       row.disabled, row.last_status, row.last_fetch, row.items_seen)
                    for row in connection.execute(select(FEED_STATE))}

    def lease_feed_polls(self, owner: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Whether this process may poll the feeds now, until `until`: one process at a time polls, so
        that every item is grouped into stories by one book and recorded before another process reads
        it (two processes grouping at once could make one story two alerts). A conditional update
        takes the lease only where it has lapsed (PostgreSQL re-checks the condition after a concurrent
        update commits; SQLite has one writer at a time); a process that dies holding it delays
        polling until `until`."""
        with self.engine.connect() as connection:
            missing = connection.execute(select(META.c.key).where(META.c.key == FEED_LEASE)).first() is None
        if missing:
            try:
                with self.engine.begin() as connection:
                    connection.execute(insert(META).values(key=FEED_LEASE, value=""))
            except IntegrityError:  # another process made the row at the same moment
                pass
        with self.engine.begin() as connection:
            taken = connection.execute(update(META).where(META.c.key == FEED_LEASE, META.c.value < _lease_stamp(now))
                                       .values(value=f"{_lease_stamp(until)} {owner}"[:256]))
            return taken.rowcount == 1

    def release_feed_polls(self, owner: str) -> None:
        """Ends this process's lease at once, so the next process need not wait for it to lapse."""
        with self.engine.begin() as connection:
            mine = META.c.value.endswith(f" {owner}", autoescape=True)
            connection.execute(update(META).where(META.c.key == FEED_LEASE, mine).values(value=""))

    def save_feed_states(self, states: list[FeedState]) -> None:
        """The feeds' states, in one transaction (a poll touches up to every feed): each row updated, or
        inserted where the feed has none yet."""
        with self.engine.begin() as connection:
            for state in states:
                values = {"etag": state.etag, "last_modified": state.last_modified, "next_poll": state.next_poll,
                          "failures": state.failures, "disabled": state.disabled, "last_status": state.last_status,
                          "last_fetch": state.last_fetch, "items_seen": state.items_seen}
                changed = connection.execute(update(FEED_STATE).where(FEED_STATE.c.url == state.url).values(values))
                if not changed.rowcount:
                    connection.execute(insert(FEED_STATE).values(url=state.url, **values))

    def record_feed_items(self, items: list[SeenItem], now: dt.datetime) -> None:
        """Items with their story. One another process recorded first is left as it is."""
        with self.engine.connect() as connection:
            for seen in items:
                item = seen.item
                try:
                    with connection.begin():  # one transaction an item: a duplicate undoes only itself
                        connection.execute(insert(FEED_ITEMS).values(
                            key=item.key, story=seen.story, title_date=item.title_date_key, link=item.link,
                            title=item.title, summary=item.summary, outlet=item.outlet, feed_url=item.feed_url,
                            published=item.published, seen_at=now))
                except IntegrityError:
                    continue

    def set_feed_alerts(self, subscription_id: int, on: bool) -> None:
        with self._command_engine.begin() as connection:
            mine = FEED_OPTOUTS.c.subscription_id == subscription_id
            opted_out = connection.execute(select(FEED_OPTOUTS.c.subscription_id).where(mine)).first() is not None
            if on and opted_out:
                connection.execute(delete(FEED_OPTOUTS).where(mine))
            elif not on and not opted_out:
                connection.execute(insert(FEED_OPTOUTS).values(subscription_id=subscription_id))

    def feed_optouts(self) -> set[int]:
        with self.engine.connect() as connection:
            return set(connection.scalars(select(FEED_OPTOUTS.c.subscription_id)))

    def feed_items_since(self, since: dt.datetime) -> list[SeenItem]:
        """Items seen since `since`, oldest first: the stories to restore at start."""
        from bot.feeds import FeedItem  # here: feedparser is imported only where feeds are used

        with self.engine.connect() as connection:
            rows = connection.execute(select(FEED_ITEMS).where(FEED_ITEMS.c.seen_at >= since)
                                      .order_by(FEED_ITEMS.c.seen_at, FEED_ITEMS.c.key))
            return [SeenItem(r.story, FeedItem(r.key, r.title, r.summary, r.link, r.published, r.outlet, r.feed_url,
                                               r.title_date)) for r in rows]

    # Content reload audit ---------------------------------------------------------------------

    def record_reload(self, audit: ReloadAudit) -> None:
        with self._command_engine.begin() as connection:
            connection.execute(insert(CONTENT_RELOADS).values(
                actor=audit.actor[:128], at=audit.at, hash_before=audit.hash_before, hash_after=audit.hash_after,
                summary=audit.summary[:2000]))

    def reload_audit(self) -> list[ReloadAudit]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(CONTENT_RELOADS).order_by(CONTENT_RELOADS.c.id))
            return [ReloadAudit(r.actor, r.at, r.hash_before, r.hash_after, r.summary) for r in rows]

    # Event listings (platform scheduled events) ------------------------------------------------

    def event_listing(self, platform: str, workspace: str, event_id: str) -> EventListing | None:
        with self._command_engine.connect() as connection:
            row = connection.execute(select(EVENT_LISTINGS).filter_by(platform=platform, workspace=workspace,
                                                                      event_id=event_id)).first()
            return _listing(row) if row else None

    def event_listings(self, platform: str, event_id: str) -> list[EventListing]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(EVENT_LISTINGS).filter_by(platform=platform, event_id=event_id)
                                      .order_by(EVENT_LISTINGS.c.id))
            return [_listing(r) for r in rows]

    def save_event_listing(self, listing: EventListing, now: dt.datetime) -> None:
        """Record (or replace) the platform's id and start for the event in a workspace."""
        with self._command_engine.begin() as connection:
            row = connection.execute(select(EVENT_LISTINGS.c.id).filter_by(
                platform=listing.platform, workspace=listing.workspace, event_id=listing.event_id)).first()
            if row is None:
                connection.execute(insert(EVENT_LISTINGS).values(
                    platform=listing.platform, workspace=listing.workspace, event_id=listing.event_id,
                    external_id=listing.external_id, start=listing.start, updated_at=now))
            else:
                connection.execute(update(EVENT_LISTINGS).where(EVENT_LISTINGS.c.id == row.id).values(
                    external_id=listing.external_id, start=listing.start, updated_at=now))

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


VERSION_TABLE = "alembic_version"  # Alembic's record of the revision a database is at


def _schema_revision(engine: Engine) -> str | None:
    """The revision in Alembic's version table, read as Alembic does (None: no table, or no row)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        revisions = connection.scalars(select(text("version_num")).select_from(text(VERSION_TABLE))).all()
    if len(revisions) > 1:
        raise DatabaseError(f"the database records {len(revisions)} schema revisions at once "
                            f"({', '.join(sorted(revisions))}): it was not upgraded by this bot")
    return revisions[0] if revisions else None


def make_engine(url: str, timeout: float) -> Engine:
    """An engine whose calls wait at most about `timeout` seconds on locks: SQLite's busy timeout,
    PostgreSQL's lock and statement timeouts."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql"):
        ms = int(timeout * 1000)
        given = make_url(url).query.get("options", "")  # e.g. -csearch_path=...: kept, not replaced
        options = " ".join([*([given] if isinstance(given, str) else given), f"-c lock_timeout={ms}",
                            f"-c statement_timeout={ms}"]).strip()
        return create_engine(url, connect_args={"options": options})
    return create_engine(url)


def _sqlite_pragmas(connection: object, record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    # WAL lets readers proceed while another process writes; NORMAL sync is safe with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


async def call_storage(call: Callable[..., T], *args: object, **kwargs: object) -> T:
    """A database call off the event loop, given STORAGE_TIMEOUT: a locked SQLite file or a frozen
    server costs this one command a "try again", never the bot. (Command calls run on connections
    that give up on a lock sooner, so "try again" never hides a later write.)"""
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(_STORAGE, lambda: call(*args, **kwargs)),
                                      timeout=STORAGE_TIMEOUT)
    except TimeoutError:
        raise StorageBusy(f"no answer within {STORAGE_TIMEOUT:g} s") from None


# Storage calls get their own threads, so calls stuck behind a lock cannot starve the event loop's.
_STORAGE = ThreadPoolExecutor(max_workers=8, thread_name_prefix="storage")


class AsyncStorage:
    """The storage port that commands and reloads use (in the spirit of python-telegram-bot's
    BasePersistence): every call runs off the event loop and is given STORAGE_TIMEOUT, and fails
    only with StorageUnavailable or StorageBusy. Delivery keeps its own ledger thread."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def subscribe(self, platform: str, workspace: str, channel: str, timezone: str, now: dt.datetime, *,
                        keep_zone: bool = False) -> Subscription:
        return await call_storage(self.database.subscribe, platform, workspace, channel, timezone, now,
                                  keep_zone=keep_zone)

    async def unsubscribe(self, platform: str, workspace: str, channel: str) -> bool:
        return await call_storage(self.database.unsubscribe, platform, workspace, channel)

    async def subscription(self, platform: str, workspace: str, channel: str) -> Subscription | None:
        return await call_storage(self.database.subscription, platform, workspace, channel)

    async def set_feed_alerts(self, subscription_id: int, on: bool) -> None:
        await call_storage(self.database.set_feed_alerts, subscription_id, on)

    async def delivered_posts(self, subscription_id: int) -> set[str]:
        return await call_storage(self.database.delivered_reminders, subscription_id)

    async def record_reload(self, audit: ReloadAudit) -> None:
        await call_storage(self.database.record_reload, audit)

    async def channel_statuses(self) -> list[ChannelStatus]:
        return await call_storage(self.database.channel_statuses)

    async def failures_since(self, since: dt.datetime) -> list[Failure]:
        return await call_storage(self.database.failures_since, since)

    async def end_workspace(self, platform: str, workspace: str, reason: str) -> int:
        return await call_storage(self.database.end_workspace, platform, workspace, reason)

    async def save_installation(self, installation: Installation) -> None:
        await call_storage(self.database.save_installation, installation)

    async def installation(self, platform: str, workspace: str) -> Installation | None:
        return await call_storage(self.database.installation, platform, workspace)

    async def delete_installation(self, platform: str, workspace: str) -> bool:
        return await call_storage(self.database.delete_installation, platform, workspace)

    async def issue_oauth_state(self, state: str, expires_at: dt.datetime, now: dt.datetime) -> None:
        await call_storage(self.database.issue_oauth_state, state, expires_at, now)

    async def consume_oauth_state(self, state: str, now: dt.datetime) -> bool:
        return await call_storage(self.database.consume_oauth_state, state, now)

    async def event_listing(self, platform: str, workspace: str, event_id: str) -> EventListing | None:
        return await call_storage(self.database.event_listing, platform, workspace, event_id)

    async def event_listings(self, platform: str, event_id: str) -> list[EventListing]:
        return await call_storage(self.database.event_listings, platform, event_id)

    async def save_event_listing(self, listing: EventListing, now: dt.datetime) -> None:
        await call_storage(self.database.save_event_listing, listing, now)
