"""The reply model's platform-free parts of each platform's own features: the times a reply shows
(for local-time markup), its buttons and menu, and paging of long lists."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import yaml
from conftest import PARADE_START_UTC, SEED, Chat

from adapters.console import render_text
from adapters.text import localize
from bot.commands import MAX_ITEMS, Command, Dispatcher
from bot.loading import parse_event
from bot.reply import Action, Moment
from bot.store import FactStore

ENTRIES = 40  # timeline entries in the long content: three pages of 14 (14, 14, 12)


def long_content() -> FactStore:
    """The seed with a timeline longer than one reply holds."""
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["timeline"] = [{"id": f"day-{i:02d}", "date": f"2024-01-{i % 28 + 1:02d}", "text": f"Entry {i}.",
                         "sources": ["ap"]} for i in range(ENTRIES)]
    return FactStore(parse_event(yaml.safe_dump(data)))


@pytest.fixture(scope="module")
def long_store() -> FactStore:
    return long_content()


def run(dispatcher: Dispatcher, name: str, argument: str = "", page: int = 0, **fields: object):
    return asyncio.run(dispatcher.handle(Command(text="", name=name, argument=argument, page=page, **fields)))


def test_when_names_its_times_as_moments_and_its_plain_text_is_unchanged(chat):
    reply = chat.say("/parade when")
    assumed, distance = reply.moments
    assert assumed == Moment(PARADE_START_UTC, "09:00 CST (Asia/Shanghai)", "short", "09:00 CST (Asia/Shanghai)")
    assert assumed.text in reply.text
    assert distance.style == "relative" and distance.text == "in 2 days, 3 hours"
    assert distance.text in next(f.value for f in reply.fields if f.name == "Countdown")
    # The console shows the text as written: no markup, nothing about buttons.
    shown = render_text(reply)
    assert "this bot assumes 09:00 CST (Asia/Shanghai)" in shown and "<" not in shown
    assert [(a.label, a.command) for a in reply.actions] == [("Subscribe", "subscribe"), ("Unsubscribe", "unsubscribe")]


def test_a_known_time_is_one_full_moment_in_the_channel_zone(bot):
    reply = Chat(bot, timezone="America/New_York").say("/parade countdown")
    full = next(m for m in reply.moments if m.style == "full")
    assert full.text == "Tuesday 2 September 2025, 21:00 EDT (America/New_York)"
    assert full.zone_note == "21:00 EDT (America/New_York)" and full.at == PARADE_START_UTC
    assert full.text in reply.fields[0].value


def test_after_the_start_the_distance_is_in_the_past(bot, clock):
    clock.now = PARADE_START_UTC + dt.timedelta(days=3)
    [_, distance] = Chat(bot).say("/parade when").moments
    assert distance.text == "3 days ago"


def test_localize_replaces_each_moment_once_longest_first():
    at = PARADE_START_UTC
    full = Moment(at, "Wednesday 3 September 2025, 09:00 CST (Asia/Shanghai)", "full", "09:00 CST (Asia/Shanghai)")
    time_only = Moment(at, "09:00 CST (Asia/Shanghai)", "short", "09:00 CST (Asia/Shanghai)")
    text = f"At {full.text}; again {time_only.text}."
    out = localize(text, (time_only, full), lambda m: f"[{m.style}:{m.zone_note}]")
    # The full moment is one replacement, and the zone note put in is not replaced again.
    assert out == "At [full:09:00 CST (Asia/Shanghai)]; again [short:09:00 CST (Asia/Shanghai)]."
    assert localize("no times", (), str) == "no times"


def test_facts_offers_a_topic_menu_that_runs_facts(chat, seed_store):
    for text in ("/parade facts", "/parade facts trade"):
        menu = chat.say(text).menu
        assert menu is not None and menu.command == "facts"
        assert [value for _, value in menu.options] == list(seed_store.topics)


def test_a_long_list_pages_with_more_and_each_page_continues_the_numbering(long_store):
    dispatcher = Dispatcher(long_store)
    first = run(dispatcher, "timeline")
    assert len(first.fields) == MAX_ITEMS and first.fields[-1].name == "More"
    assert first.fields[-1].value == f"…and {ENTRIES - 14} more entries."
    assert first.actions == (Action("More", "timeline", "", 1),) and not first.ephemeral
    second = run(dispatcher, "timeline", page=1)
    assert second.ephemeral  # for whoever pressed More, not another copy for the channel
    assert second.actions == (Action("More", "timeline", "", 2),)
    third = run(dispatcher, "timeline", page=2)
    assert len(third.fields) == ENTRIES - 28 and not third.actions  # the rest fits: no More
    shown = [f for page in (first, second, third) for f in page.fields if f.name != "More"]
    assert len(shown) == ENTRIES and len({(f.name, f.value) for f in shown}) == ENTRIES
    beyond = run(dispatcher, "timeline", page=3)
    assert beyond.is_error and "no more entries" in beyond.text


def test_more_carries_an_id_not_the_words_typed(long_store):
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["facts"] += [{"id": f"extra-{i}", "text": f"Extra fact {i}.", "topic": "trade", "sources": ["ap"]}
                      for i in range(20)]
    dispatcher = Dispatcher(FactStore(parse_event(yaml.safe_dump(data))))
    reply = run(dispatcher, "facts", "Trade and the econmy")  # a near miss of the title
    [more] = reply.actions
    assert (more.command, more.argument, more.page) == ("facts", "trade", 1)
    assert run(dispatcher, "facts", more.argument, more.page).fields[0].name == "Fact 15"


def test_a_button_press_meets_the_same_permission_checks_as_typing(bot):
    refused = run(bot, "subscribe", platform="discord", workspace="g", channel="c", user_id="u")
    assert refused.title == "Not allowed" and refused.ephemeral


class RecordingPublisher:
    """A platform's listings, kept in memory: what the core asked it to publish."""

    platform = "test"
    where = "the test's events"

    def __init__(self) -> None:
        self.published: list[tuple[str, dt.datetime, str | None]] = []

    async def publish(self, workspace: str, details, existing_id: str | None) -> str:
        self.published.append((workspace, details.start, existing_id))
        return existing_id or f"listing-{len(self.published)}"


@pytest.mark.usefixtures("backend")
async def test_a_reload_that_moves_the_start_moves_every_listing(tmp_path, clock):
    from backends import open_test_db

    from bot.listing import listings_follow_reloads, publish_listing
    from bot.persistence import AsyncStorage
    from bot.reload import ContentReloader, LiveContent

    path = tmp_path / "event.yaml"
    path.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    db = open_test_db(tmp_path / "p.db")
    storage, publisher = AsyncStorage(db), RecordingPublisher()
    content = LiveContent(FactStore(parse_event(path.read_text(encoding="utf-8"))))
    reloader = ContentReloader(content, path, db, clock=clock)
    reloader.on_reloaded.append(listings_follow_reloads(publisher, lambda: storage, lambda: content.store, clock))
    for guild in ("g1", "g2"):
        await publish_listing(storage, publisher, guild, content.store, clock())
    path.write_text(path.read_text(encoding="utf-8").replace("starts_at: 2025-09-03T09:00:00",
                                                            "starts_at: 2025-09-03T10:00:00"), encoding="utf-8")
    assert (await reloader.reload("test")).ok
    moved = PARADE_START_UTC + dt.timedelta(hours=1)
    assert publisher.published[2:] == [("g1", moved, "listing-1"), ("g2", moved, "listing-2")]
    assert [listing.start for listing in db.event_listings("test", content.store.event.id)] == [moved, moved]
    assert (await reloader.reload("test")).ok  # the same start again: nothing to update
    assert len(publisher.published) == 4


def test_multi_part_answers_and_the_delivery_report_mark_their_times(bot, seed_store, clock, tmp_path):
    from bot.persistence import Database
    from bot.timefmt import utc_moment

    reply = Chat(bot).say("/parade ask when does it start and where is it?")
    start = next(m for m in reply.moments if m.at == PARADE_START_UTC)
    assert start.text in " ".join([reply.text, *(f.value for f in reply.fields)])

    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_schema()
    sub = db.subscribe("discord", "g", "c", "UTC", clock()).id
    db.claim(sub, "countdown:T-1d", "test", clock())
    db.finish(sub, "countdown:T-1d", "failed", clock(), "HTTP 500")
    report = run(Dispatcher(seed_store, clock=clock, subscriptions=db), "status", is_admin=True)
    [failed] = report.moments
    assert failed == utc_moment(clock()) and failed.text in report.fields[0].value
