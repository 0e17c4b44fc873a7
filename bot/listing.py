"""The event listed by a platform in a workspace: a Discord server's Scheduled Event, where members
press "Interested" and the platform itself reminds them. Platform-free: an adapter publishes the
details; the core keeps the platform's id per workspace, so listing again (or a reload that moves the
start) updates the one listing, never adds a second."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from weakref import WeakKeyDictionary

from bot.clock import Clock
from bot.storage_errors import StorageUnavailable
from bot.store import FactStore

if TYPE_CHECKING:  # commands import this module, and one-shot `say` and `ask` need no database library
    from bot.persistence import AsyncStorage, EventListing
    from bot.reload import ContentDiff, OnReloaded

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EventDetails:
    event_id: str
    name: str
    description: str  # the summary, then the sources
    location: str
    start: dt.datetime


class ListingRefused(Exception):
    """The platform would not list the event; the message says what to fix, in the admin's terms."""


class EventPublisher(Protocol):
    platform: str
    where: str  # where members find the listing: "this server's Events"

    async def publish(self, workspace: str, details: EventDetails, existing_id: str | None) -> str:
        """Create the listing, or update `existing_id`; the platform's id for it. ListingRefused if not."""
        ...


def event_details(store: FactStore) -> EventDetails:
    event = store.event
    sources = "; ".join(str(citation) for citation in store.citations(store.sources))
    assumed = "" if event.time_known else "\n\nThe sources give no time of day: the start shown is assumed."
    return EventDetails(event.id, event.name, f"{event.summary}{assumed}\n\nSources: {sources}", event.place,
                        event.start.astimezone(dt.UTC))


# One listing at a time per workspace and publisher (a publisher lives on one event loop): two admins
# pressing at once, or a subscribe with `scheduled_event: auto` beside `/parade-admin event`, must not
# both find none and create two.
_listing_locks: WeakKeyDictionary[EventPublisher, defaultdict[str, asyncio.Lock]] = WeakKeyDictionary()


async def publish_listing(storage: AsyncStorage, publisher: EventPublisher, workspace: str, store: FactStore,
                          now: dt.datetime) -> tuple[EventListing, bool]:
    """The workspace's listing, created or brought up to date; True if it is new."""
    from bot.persistence import EventListing  # loaded already: `storage` is the database's

    details = event_details(store)
    async with _listing_locks.setdefault(publisher, defaultdict(asyncio.Lock))[workspace]:
        known = await storage.event_listing(publisher.platform, workspace, details.event_id)
        external_id = await publisher.publish(workspace, details, known.external_id if known else None)
        listing = EventListing(publisher.platform, workspace, details.event_id, external_id, details.start)
        await storage.save_event_listing(listing, now)
    return listing, known is None or known.external_id != external_id


async def refresh_listings(storage: AsyncStorage, publisher: EventPublisher, store: FactStore,
                           now: dt.datetime) -> int:
    """Every workspace's listing whose start the content no longer has is updated (after a reload);
    how many were. A workspace the platform refuses is logged and left for the next reload or command."""
    details = event_details(store)
    updated = 0
    for listing in await storage.event_listings(publisher.platform, details.event_id):
        if listing.start == details.start:
            continue
        try:
            await publish_listing(storage, publisher, listing.workspace, store, now)
        except (ListingRefused, StorageUnavailable) as exc:
            log.warning("the %s listing in %s keeps its old start: %s", publisher.platform, listing.workspace, exc)
            continue
        updated += 1
    return updated


def listings_follow_reloads(publisher: EventPublisher, storage: Callable[[], AsyncStorage | None],
                            store: Callable[[], FactStore], clock: Clock) -> OnReloaded:
    """The after-reload step that moves the platform's listings with the start. The storage and the
    store are read when it runs: a database that answered only after start counts."""
    async def moved(diff: ContentDiff) -> None:
        found = storage()
        if diff.time_changed and found is not None:
            count = await refresh_listings(found, publisher, store(), clock())
            log.info("reload moved the start: %d %s listings updated", count, publisher.platform)

    return moved
