"""Subscriptions and the delivery ledger, on SQLAlchemy 2 (SQLite by default, any URL it supports).

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
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
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


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    __tablename__ = "parade_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))  # Discord guild, Slack team; "" where none
    channel: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    subscribed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Why posts do not reach the channel: the end of it when inactive ("unsubscribed", "channel gone:
    # ..."), what to fix when active (paused). The column keeps its first name so no migration is needed.
    reason: Mapped[str | None] = mapped_column("inactive_reason", String(256), default=None)


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "reminder_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    reminder_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    detail: Mapped[str | None] = mapped_column(String(500), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    retry_safe: Mapped[bool] = mapped_column(default=False)  # a failure that may be claimed again


class FeedStateRow(Base):
    __tablename__ = "feed_state"
    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(500), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    next_poll: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    disabled: Mapped[bool] = mapped_column(default=False)
    last_status: Mapped[str | None] = mapped_column(String(300), default=None)
    last_fetch: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)


class FeedItemRow(Base):
    """Every feed item seen, with the story it joined: what makes "once per story" hold across restarts."""

    __tablename__ = "feed_items"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    story: Mapped[str] = mapped_column(String(64), index=True)
    title_date: Mapped[str] = mapped_column(String(64))
    link: Mapped[str | None] = mapped_column(String(1000), default=None)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(1000))
    outlet: Mapped[str] = mapped_column(String(100))
    feed_url: Mapped[str] = mapped_column(String(1000))
    published: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class EventListingRow(Base):
    """The event as a platform lists it in one workspace (a Discord server's Scheduled Event): the
    platform's id for it, so a second `/parade-admin event` or a reload updates it, never adds another."""

    __tablename__ = "event_listings"
    __table_args__ = (UniqueConstraint("platform", "workspace", "event_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(128))  # the content's event id
    external_id: Mapped[str] = mapped_column(String(64))  # the platform's id for the listing
    start: Mapped[dt.datetime] = mapped_column(UtcDateTime)  # the start it was last published with
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class FeedOptOutRow(Base):
    """A subscribed channel that takes no feed stories (it keeps the countdown and the content's news)."""

    __tablename__ = "feed_optouts"
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), primary_key=True)


class ReloadAuditRow(Base):
    __tablename__ = "content_reloads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    hash_before: Mapped[str] = mapped_column(String(64))
    hash_after: Mapped[str | None] = mapped_column(String(64))  # None: refused, nothing changed
    summary: Mapped[str] = mapped_column(String(2000))


class InstallationRow(Base):
    """A workspace that installed the app through the OAuth flow (Slack distribution): its bot token is a
    secret, so whoever can read this table can post as the bot there."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("platform", "workspace"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))  # Slack team id
    workspace_name: Mapped[str] = mapped_column(String(200), default="")
    app_id: Mapped[str] = mapped_column(String(64), default="")
    bot_token: Mapped[str] = mapped_column(String(300))
    bot_id: Mapped[str] = mapped_column(String(64), default="")
    bot_user_id: Mapped[str] = mapped_column(String(64), default="")
    scopes: Mapped[str] = mapped_column(String(1000), default="")
    installer: Mapped[str] = mapped_column(String(64), default="")  # the user who installed it
    installed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class OAuthStateRow(Base):
    """An install link's `state`, valid once and until `expires_at`: a callback must bring one back."""

    __tablename__ = "oauth_states"
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


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
    reason: str | None = None  # see SubscriptionRow.reason

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


def _listing(row: EventListingRow) -> EventListing:
    return EventListing(row.platform, row.workspace, row.event_id, row.external_id, row.start)


FEED_LEASE = "feed_poll_lease"  # parade_meta row: "<until, UTC> <owner>", or "" when free


def _lease_stamp(moment: dt.datetime) -> str:
    """A moment as text that sorts as time does (fixed width, UTC), for the lease's conditional update."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _subscription(row: SubscriptionRow) -> Subscription:
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
        with Session(self._command_engine) as session, session.begin():
            row = session.scalar(select(SubscriptionRow).filter_by(platform=platform, workspace=workspace,
                                                                   channel=channel))
            if row is None:
                row = SubscriptionRow(platform=platform, workspace=workspace, channel=channel,
                                      timezone=timezone, subscribed_at=now)
                session.add(row)
            else:
                if not row.active:
                    row.subscribed_at = now  # a returning channel gets reminders from now on
                row.timezone = row.timezone if keep_zone else timezone
                row.active, row.reason = True, None
            session.flush()
            return _subscription(row)

    def unsubscribe(self, platform: str, workspace: str, channel: str) -> bool:
        return self._deactivate(platform, workspace, channel, "unsubscribed")

    def subscription(self, platform: str, workspace: str, channel: str) -> Subscription | None:
        with Session(self._command_engine) as session:
            row = session.scalar(select(SubscriptionRow).filter_by(platform=platform, workspace=workspace,
                                                                   channel=channel))
            return _subscription(row) if row else None

    def active_subscriptions(self, subscribed_by: dt.datetime | None = None) -> list[Subscription]:
        with Session(self.engine) as session:
            query = select(SubscriptionRow).filter_by(active=True).order_by(SubscriptionRow.id)
            if subscribed_by is not None:
                query = query.where(SubscriptionRow.subscribed_at <= subscribed_by)
            return [_subscription(r) for r in session.scalars(query)]

    def mark_gone(self, subscription_id: int, reason: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(update(SubscriptionRow).where(SubscriptionRow.id == subscription_id)
                            .values(active=False, reason=reason[:256]))

    def pause(self, subscription_id: int, reason: str) -> None:
        """Keep the subscription but record what stops its posts (a permission, membership)."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(SubscriptionRow).where(SubscriptionRow.id == subscription_id,
                                                          SubscriptionRow.active.is_(True))
                            .values(reason=reason[:256]))

    def resume(self, subscription_id: int) -> None:
        """A post got through: whatever paused the channel was fixed."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(SubscriptionRow).where(SubscriptionRow.id == subscription_id,
                                                          SubscriptionRow.active.is_(True))
                            .values(reason=None))

    def _deactivate(self, platform: str, workspace: str, channel: str, reason: str) -> bool:
        with Session(self._command_engine) as session, session.begin():  # a command's: gives up on a lock soon
            result = session.execute(
                update(SubscriptionRow)
                .filter_by(platform=platform, workspace=workspace, channel=channel, active=True)
                .values(active=False, reason=reason)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def end_workspace(self, platform: str, workspace: str, reason: str) -> int:
        """Ends every active subscription of a workspace (the app was uninstalled there); how many."""
        with Session(self._command_engine) as session, session.begin():
            result = session.execute(
                update(SubscriptionRow).filter_by(platform=platform, workspace=workspace, active=True)
                .values(active=False, reason=reason[:256]))
            return int(result.rowcount)  # type: ignore[attr-defined]

    # Installations (OAuth) ------------------------------------------------------------------------

    def save_installation(self, installation: Installation) -> None:
        """Stores a workspace's installation, replacing the one it had (a reinstall brings a new token)."""
        values = {"workspace_name": installation.workspace_name[:200], "app_id": installation.app_id,
                  "bot_token": installation.bot_token, "bot_id": installation.bot_id,
                  "bot_user_id": installation.bot_user_id, "scopes": installation.scopes[:1000],
                  "installer": installation.installer, "installed_at": installation.installed_at}
        key = {"platform": installation.platform, "workspace": installation.workspace}
        for attempt in range(2):  # an insert that lost a race with another process's becomes an update
            with Session(self._command_engine) as session, session.begin():
                result = session.execute(update(InstallationRow).filter_by(**key).values(**values))
                if result.rowcount:  # type: ignore[attr-defined]
                    return
            try:
                with Session(self._command_engine) as session, session.begin():
                    session.add(InstallationRow(**key, **values))
                return
            except IntegrityError:
                if attempt:
                    raise

    def installation(self, platform: str, workspace: str) -> Installation | None:
        with Session(self._command_engine) as session:
            row = session.scalar(select(InstallationRow).filter_by(platform=platform, workspace=workspace))
            if row is None:
                return None
            return Installation(row.platform, row.workspace, row.bot_token, row.installed_at, row.workspace_name,
                                row.app_id, row.bot_id, row.bot_user_id, row.scopes, row.installer)

    def delete_installation(self, platform: str, workspace: str) -> bool:
        with Session(self._command_engine) as session, session.begin():
            result = session.execute(delete(InstallationRow).filter_by(platform=platform, workspace=workspace))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def issue_oauth_state(self, state: str, expires_at: dt.datetime, now: dt.datetime) -> None:
        """Records a new install link's state; states that expired unused are cleared on the way."""
        with Session(self._command_engine) as session, session.begin():
            session.execute(delete(OAuthStateRow).where(OAuthStateRow.expires_at <= now))
            session.add(OAuthStateRow(state=state, expires_at=expires_at))

    def consume_oauth_state(self, state: str, now: dt.datetime) -> bool:
        """True once for a state issued here and not expired: the delete's row count says who had it, so
        a state replayed (or raced by two callbacks) is accepted at most once."""
        with Session(self._command_engine) as session, session.begin():
            result = session.execute(delete(OAuthStateRow).where(OAuthStateRow.state == state,
                                                                 OAuthStateRow.expires_at > now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # Ledger -------------------------------------------------------------------------------------

    def claim(self, subscription_id: int, reminder_id: str, owner: str, now: dt.datetime) -> bool:
        """Record the intent to post; True only for the one caller whose claim is new, or who took
        over a retry-safe failure (a conditional update, so two processes cannot both win)."""
        try:
            with Session(self.engine) as session, session.begin():
                session.add(DeliveryRow(subscription_id=subscription_id, reminder_id=reminder_id,
                                        status="claimed", claimed_by=owner, claimed_at=now))
            return True
        except IntegrityError:
            pass
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.subscription_id == subscription_id, DeliveryRow.reminder_id == reminder_id,
                       DeliveryRow.status == "failed", DeliveryRow.retry_safe.is_(True),
                       DeliveryRow.attempts < MAX_ATTEMPTS)
                .values(status="claimed", claimed_by=owner, claimed_at=now, attempts=DeliveryRow.attempts + 1)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def claimable(self, reminder_id: str, subscription_ids: list[int]) -> set[int]:
        """Which of these subscriptions may still claim `reminder_id`: no row yet, or a retry-safe failure
        with attempts left. One read, so passes over posts already done cost no writes."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(DeliveryRow.subscription_id, DeliveryRow.status, DeliveryRow.retry_safe, DeliveryRow.attempts)
                .where(DeliveryRow.reminder_id == reminder_id)
            )
            settled = {sid for sid, status, safe, attempts in rows
                       if not (status == "failed" and safe and attempts < MAX_ATTEMPTS)}
        return set(subscription_ids) - settled

    def recorded(self, reminder_ids: tuple[str, ...], subscription_ids: list[int]) -> set[int]:
        """The subscriptions with a ledger row under any of `reminder_ids`, but for a retry-safe failure
        (the post certainly was not made)."""
        with Session(self.engine) as session:
            return set(session.scalars(
                select(DeliveryRow.subscription_id).distinct()
                .where(DeliveryRow.reminder_id.in_(reminder_ids), DeliveryRow.subscription_id.in_(subscription_ids),
                       ~((DeliveryRow.status == "failed") & DeliveryRow.retry_safe.is_(True)))))

    def finish(self, subscription_id: int, reminder_id: str, status: Status, now: dt.datetime,
               detail: str | None = None, *, retry_safe: bool = False) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(DeliveryRow)
                .filter_by(subscription_id=subscription_id, reminder_id=reminder_id)
                .values(status=status, finished_at=now, detail=(detail or None) and detail[:500],
                        retry_safe=retry_safe)
            )

    def settle_stale_claims(self, claimed_before: dt.datetime, now: dt.datetime) -> int:
        """Claims left without an outcome (a process stopped mid-post): mark them 'unknown', never resend.

        Such a post may or may not have reached the platform; sending again could post twice. Only
        claims older than any post takes are settled, so another live process's claims are left alone.
        """
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.status == "claimed", DeliveryRow.claimed_at < claimed_before)
                .values(status="unknown", finished_at=now, detail="process stopped between claim and outcome")
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def deliveries(self, subscription_id: int | None = None) -> list[Delivery]:
        with Session(self.engine) as session:
            query = select(DeliveryRow).order_by(DeliveryRow.id)
            if subscription_id is not None:
                query = query.filter_by(subscription_id=subscription_id)
            return [Delivery(r.subscription_id, r.reminder_id, r.status, r.claimed_by, r.detail)
                    for r in session.scalars(query)]

    def channel_statuses(self) -> list[ChannelStatus]:
        """Every subscription, with the outcome of its latest post, for `/parade status`."""
        with Session(self._command_engine) as session:
            latest = (select(DeliveryRow.subscription_id, func.max(DeliveryRow.id).label("last"))
                      .group_by(DeliveryRow.subscription_id).subquery())
            rows = session.execute(
                select(SubscriptionRow, DeliveryRow)
                .outerjoin(latest, latest.c.subscription_id == SubscriptionRow.id)
                .outerjoin(DeliveryRow, DeliveryRow.id == latest.c.last)
                .order_by(SubscriptionRow.platform, SubscriptionRow.id))
            return [ChannelStatus(f"{s.platform}:{s.workspace}:{s.channel}", s.active, s.reason,
                                  d.reminder_id if d else None, d.status if d else None, d.detail if d else None)
                    for s, d in rows]

    def failures_since(self, since: dt.datetime, limit: int = 50) -> list[Failure]:
        """Posts that failed, went to a gone channel or ended unknown since `since`, newest first."""
        with Session(self._command_engine) as session:
            at = func.coalesce(DeliveryRow.finished_at, DeliveryRow.claimed_at)
            rows = session.execute(
                select(SubscriptionRow, DeliveryRow, at)
                .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
                .where(DeliveryRow.status.in_(("failed", "gone", "unknown")), at >= since)
                .order_by(DeliveryRow.id.desc()).limit(limit))
            return [Failure(f"{s.platform}:{s.workspace}:{s.channel}", d.reminder_id, d.status,
                            d.finished_at or d.claimed_at, d.detail) for s, d, _ in rows]

    def delivered_reminders(self, subscription_id: int) -> set[str]:
        with Session(self._command_engine) as session:
            query = select(DeliveryRow.reminder_id).filter_by(subscription_id=subscription_id)
            return set(session.scalars(query))

    # Feeds ------------------------------------------------------------------------------------

    def feed_states(self) -> dict[str, FeedState]:
        with Session(self.engine) as session:
            return {row.url: FeedState(row.url, row.etag, row.last_modified, row.next_poll, row.failures,
                                       row.disabled, row.last_status, row.last_fetch, row.items_seen)
                    for row in session.scalars(select(FeedStateRow))}

    def lease_feed_polls(self, owner: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Whether this process may poll the feeds now, until `until`: one process at a time polls, so
        that every item is grouped into stories by one book and recorded before another process reads
        it (two processes grouping at once could make one story two alerts). A conditional update
        takes the lease only where it has lapsed (PostgreSQL re-checks the condition after a concurrent
        update commits; SQLite has one writer at a time); a process that dies holding it delays
        polling until `until`."""
        with Session(self.engine) as session:
            missing = session.get(MetaRow, FEED_LEASE) is None
        if missing:
            try:
                with Session(self.engine) as session, session.begin():
                    session.add(MetaRow(key=FEED_LEASE, value=""))
            except IntegrityError:  # another process made the row at the same moment
                pass
        with Session(self.engine) as session, session.begin():
            taken = session.execute(update(MetaRow).where(MetaRow.key == FEED_LEASE,
                                                          MetaRow.value < _lease_stamp(now))
                                    .values(value=f"{_lease_stamp(until)} {owner}"[:256])
                                    .execution_options(synchronize_session=False))
            return taken.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def release_feed_polls(self, owner: str) -> None:
        """Ends this process's lease at once, so the next process need not wait for it to lapse."""
        with Session(self.engine) as session, session.begin():
            mine = MetaRow.value.endswith(f" {owner}", autoescape=True)
            session.execute(update(MetaRow).where(MetaRow.key == FEED_LEASE, mine)
                            .values(value="").execution_options(synchronize_session=False))

    def save_feed_states(self, states: list[FeedState]) -> None:
        """The feeds' states, in one transaction (a poll touches up to every feed)."""
        with Session(self.engine) as session, session.begin():
            for state in states:
                session.merge(FeedStateRow(url=state.url, etag=state.etag, last_modified=state.last_modified,
                                           next_poll=state.next_poll, failures=state.failures,
                                           disabled=state.disabled, last_status=state.last_status,
                                           last_fetch=state.last_fetch, items_seen=state.items_seen))

    def record_feed_items(self, items: list[SeenItem], now: dt.datetime) -> None:
        """Items with their story. One another process recorded first is left as it is."""
        with Session(self.engine) as session:
            for seen in items:
                item = seen.item
                try:
                    with session.begin():
                        session.add(FeedItemRow(key=item.key, story=seen.story, title_date=item.title_date_key,
                                                link=item.link, title=item.title, summary=item.summary,
                                                outlet=item.outlet, feed_url=item.feed_url,
                                                published=item.published, seen_at=now))
                except IntegrityError:
                    continue

    def set_feed_alerts(self, subscription_id: int, on: bool) -> None:
        with Session(self._command_engine) as session, session.begin():
            row = session.get(FeedOptOutRow, subscription_id)
            if on and row is not None:
                session.delete(row)
            elif not on and row is None:
                session.add(FeedOptOutRow(subscription_id=subscription_id))

    def feed_optouts(self) -> set[int]:
        with Session(self.engine) as session:
            return set(session.scalars(select(FeedOptOutRow.subscription_id)))

    def feed_items_since(self, since: dt.datetime) -> list[SeenItem]:
        """Items seen since `since`, oldest first: the stories to restore at start."""
        from bot.feeds import FeedItem  # here: feedparser is imported only where feeds are used

        with Session(self.engine) as session:
            rows = session.scalars(select(FeedItemRow).where(FeedItemRow.seen_at >= since)
                                   .order_by(FeedItemRow.seen_at, FeedItemRow.key))
            return [SeenItem(r.story, FeedItem(r.key, r.title, r.summary, r.link, r.published, r.outlet, r.feed_url,
                                               r.title_date)) for r in rows]

    # Content reload audit ---------------------------------------------------------------------

    def record_reload(self, audit: ReloadAudit) -> None:
        with Session(self._command_engine) as session, session.begin():
            session.add(ReloadAuditRow(actor=audit.actor[:128], at=audit.at, hash_before=audit.hash_before,
                                       hash_after=audit.hash_after, summary=audit.summary[:2000]))

    def reload_audit(self) -> list[ReloadAudit]:
        with Session(self.engine) as session:
            rows = session.scalars(select(ReloadAuditRow).order_by(ReloadAuditRow.id))
            return [ReloadAudit(r.actor, r.at, r.hash_before, r.hash_after, r.summary) for r in rows]

    # Event listings (platform scheduled events) ------------------------------------------------

    def event_listing(self, platform: str, workspace: str, event_id: str) -> EventListing | None:
        with Session(self._command_engine) as session:
            row = session.scalar(select(EventListingRow).filter_by(platform=platform, workspace=workspace,
                                                                   event_id=event_id))
            return _listing(row) if row else None

    def event_listings(self, platform: str, event_id: str) -> list[EventListing]:
        with Session(self.engine) as session:
            rows = session.scalars(select(EventListingRow).filter_by(platform=platform, event_id=event_id)
                                   .order_by(EventListingRow.id))
            return [_listing(r) for r in rows]

    def save_event_listing(self, listing: EventListing, now: dt.datetime) -> None:
        """Record (or replace) the platform's id and start for the event in a workspace."""
        with Session(self._command_engine) as session, session.begin():
            row = session.scalar(select(EventListingRow).filter_by(
                platform=listing.platform, workspace=listing.workspace, event_id=listing.event_id))
            if row is None:
                session.add(EventListingRow(platform=listing.platform, workspace=listing.workspace,
                                            event_id=listing.event_id, external_id=listing.external_id,
                                            start=listing.start, updated_at=now))
            else:
                row.external_id, row.start, row.updated_at = listing.external_id, listing.start, now

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
