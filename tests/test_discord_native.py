"""Discord's own features through discord.py's real code: buttons and a select menu that run core
commands (also after a restart), within Discord's component limits. Requests go to the fake on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import itertools
import logging

import discord
import pytest
from conftest import PARADE_START_UTC
from fakeapi import Response
from test_discord_adapter import (
    APP_ID,
    BOT_ID,
    CHANNEL_ID,
    GOOD_TOKEN,
    GUILD_ID,
    MANAGER,
    _user,
    interaction,
    run_interaction,
)
from test_native import ENTRIES, long_content

from adapters.discord_bot import ParadeClient
from adapters.discord_ui import CUSTOM_ID_MAX, ROW_BUTTONS_MAX, ROWS_MAX, SELECT_OPTIONS_MAX, render_view
from bot.commands import Dispatcher
from bot.persistence import Database
from bot.reply import Action, Menu, Reply

_ids = itertools.count(700_000)


def check_limits(data: dict) -> None:
    """Discord's documented component limits, on a payload as sent."""
    rows = data.get("components", [])
    assert len(rows) <= ROWS_MAX
    for row in rows:
        assert row["type"] == 1
        assert len(row["components"]) <= ROW_BUTTONS_MAX
        for component in row["components"]:
            assert len(component["custom_id"]) <= CUSTOM_ID_MAX
            if component["type"] == 3:
                assert len(row["components"]) == 1 and len(component["options"]) <= SELECT_OPTIONS_MAX
            else:
                assert len(component["label"]) <= 80


def components(data: dict) -> dict[str, dict]:
    return {c["custom_id"]: c for row in data.get("components", []) for c in row["components"]}


def press(data: dict, custom_id: str, *, permissions: str = "0", values: list[str] | None = None) -> dict:
    """The INTERACTION_CREATE for pressing `custom_id` on the message the bot sent as `data`."""
    payload = interaction("when", permissions=permissions)
    component = components(data)[custom_id]
    message = {"id": str(next(_ids)), "channel_id": str(CHANNEL_ID), "author": {**_user(BOT_ID, "bot"), "bot": True},
               "content": "", "timestamp": "2025-09-01T00:00:00+00:00", "edited_timestamp": None, "tts": False,
               "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
               "embeds": data["embeds"], "pinned": False, "type": 0, "flags": data.get("flags", 0),
               "components": data["components"], "application_id": str(APP_ID)}
    payload.update(type=3, message=message, data={"custom_id": custom_id, "component_type": component["type"],
                                                  **({"values": values} if values is not None else {})})
    return payload


@pytest.fixture
async def parade(fake_discord, bot):
    client = ParadeClient(bot)
    await client.login(GOOD_TOKEN)
    yield client
    await client.close()


@pytest.fixture
def database(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_schema()
    return db


async def test_when_has_subscribe_buttons_that_work_after_a_restart(fake_discord, seed_store, clock, database):
    dispatcher = Dispatcher(seed_store, clock=clock, subscriptions=database)
    first = ParadeClient(dispatcher)
    await first.login(GOOD_TOKEN)
    try:
        data = (await run_interaction(first, fake_discord, interaction("when")))["data"]
    finally:
        await first.close()
    check_limits(data)
    buttons = components(data)
    assert [b["label"] for b in buttons.values()] == ["Subscribe", "Unsubscribe"]
    assert set(buttons) == {"parade:run:subscribe:0:", "parade:run:unsubscribe:0:"}

    restarted = ParadeClient(dispatcher)  # a new process: nothing of the first client is left
    await restarted.login(GOOD_TOKEN)
    try:
        refused = await run_interaction(restarted, fake_discord, press(data, "parade:run:subscribe:0:"))
        assert refused["data"]["embeds"][0]["title"] == "Not allowed" and refused["data"]["flags"] & 64
        assert database.subscription("discord", str(GUILD_ID), str(CHANNEL_ID)) is None
        done = await run_interaction(restarted, fake_discord, press(data, "parade:run:subscribe:0:",
                                                                    permissions=MANAGER))
        assert done["deferred"] == 0 and done["data"]["embeds"][0]["title"] == "Subscribed"
        assert database.subscription("discord", str(GUILD_ID), str(CHANNEL_ID)).active
        gone = await run_interaction(restarted, fake_discord, press(data, "parade:run:unsubscribe:0:",
                                                                    permissions=MANAGER))
        assert gone["data"]["embeds"][0]["title"] == "Unsubscribed"
    finally:
        await restarted.close()
    assert not database.subscription("discord", str(GUILD_ID), str(CHANNEL_ID)).active


async def test_the_subscribe_button_checks_the_bots_permissions_as_the_command_does(fake_discord, seed_store, clock,
                                                                                    database):
    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=database))
    await client.login(GOOD_TOKEN)
    try:
        data = (await run_interaction(client, fake_discord, interaction("countdown")))["data"]
        pressed = press(data, "parade:run:subscribe:0:", permissions=MANAGER)
        pressed["app_permissions"] = "1024"  # View Channel only
        answer = await run_interaction(client, fake_discord, pressed)
    finally:
        await client.close()
    assert "Send Messages, Embed Links" in answer["data"]["embeds"][0]["description"]
    assert database.subscription("discord", str(GUILD_ID), str(CHANNEL_ID)) is None


async def test_the_topic_menu_runs_facts_for_the_picked_topic(parade, fake_discord, seed_store):
    client = parade
    data = (await run_interaction(client, fake_discord, interaction("facts")))["data"]
    check_limits(data)
    [menu] = components(data).values()
    assert menu["custom_id"] == "parade:pick:facts" and menu["type"] == 3
    assert [o["value"] for o in menu["options"]] == list(seed_store.topics)
    picked = await run_interaction(client, fake_discord, press(data, "parade:pick:facts", values=["russia"]))
    assert picked["data"]["embeds"][0]["title"] == "Facts: North Korea and Russia"
    check_limits(picked["data"])  # the answer has the menu again, to pick another


async def test_more_pages_a_long_list_for_the_presser_only(fake_discord, clock):
    client = ParadeClient(Dispatcher(long_content(), clock=clock))
    await client.login(GOOD_TOKEN)
    try:
        data = (await run_interaction(client, fake_discord, interaction("timeline")))["data"]
        check_limits(data)
        assert list(components(data)) == ["parade:run:timeline:1:"]
        page = (await run_interaction(client, fake_discord, press(data, "parade:run:timeline:1:")))["data"]
        assert page["flags"] & 64  # ephemeral
        assert page["embeds"][0]["fields"][0]["value"].startswith("Entry ")
        assert list(components(page)) == ["parade:run:timeline:2:"]
        last = (await run_interaction(client, fake_discord, press(page, "parade:run:timeline:2:")))["data"]
        assert "components" not in last or not last["components"]
        assert len(last["embeds"][0]["fields"]) == ENTRIES - 28
    finally:
        await client.close()


async def test_render_view_keeps_within_discords_limits_and_says_what_it_left_off(caplog):
    caplog.set_level(logging.WARNING)
    too_long = Action("More", "who", "x" * CUSTOM_ID_MAX, 1)
    spaced = Action("More", "who", "two words", 1)
    many = tuple(Action(f"B{i}", "timeline", "", i) for i in range(30))
    view = render_view(Reply(title="t", actions=(too_long, spaced, *many),
                             menu=Menu("pick", "facts", tuple((f"Topic {i}", f"t{i}") for i in range(40)))))
    payload = {"components": view.to_components()}
    check_limits(payload)
    ids = components(payload)
    assert not any("x" * 10 in i or "two" in i for i in ids)
    assert len(ids) == ROW_BUTTONS_MAX * (ROWS_MAX - 1) + 1  # four rows of buttons, one for the menu
    assert len(ids["parade:pick:facts"]["options"]) == SELECT_OPTIONS_MAX
    assert "too long or not valid" in caplog.text and "left off 10 buttons" in caplog.text
    assert render_view(Reply(title="plain")) is None


async def test_a_button_for_a_command_that_no_longer_exists_gets_a_short_answer(parade, fake_discord):
    client = parade
    data = (await run_interaction(client, fake_discord, interaction("when")))["data"]
    data["components"][0]["components"][0]["custom_id"] = "parade:run:retired:0:"
    answer = await run_interaction(client, fake_discord, press(data, "parade:run:retired:0:"))
    assert answer["data"]["flags"] & 64 and "no longer exists" in answer["data"]["embeds"][0]["description"]


ADMIN = str(discord.Permissions(manage_guild=True).value)
EVENTS = rf"/guilds/{GUILD_ID}/scheduled-events"


def scheduled(event_id: str) -> Response:
    """Discord's answer to a create or edit (the fields the bot reads, and a few more)."""
    return Response(body={"id": event_id, "guild_id": str(GUILD_ID), "name": "parade", "status": 1,
                          "entity_type": 3, "privacy_level": 2})


async def test_event_lists_the_parade_once_per_server_and_updates_it(fake_discord, seed_store, clock, database):
    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=database),
                          event_duration=dt.timedelta(hours=3))
    await client.login(GOOD_TOKEN)
    try:
        fake_discord.script("POST", EVENTS + "$", scheduled("8001"))
        first = await run_interaction(client, fake_discord, interaction("event", permissions=ADMIN))
        fake_discord.script("PATCH", EVENTS + "/8001$", scheduled("8001"))
        again = await run_interaction(client, fake_discord, interaction("event", permissions=ADMIN))
        member = await run_interaction(client, fake_discord, interaction("event", permissions=MANAGER))
    finally:
        await client.close()
    assert first["data"]["embeds"][0]["title"] == "Event listed" and first["data"]["flags"] & 64
    assert "<t:1756861200:F>" in first["data"]["embeds"][0]["description"]
    assert again["data"]["embeds"][0]["title"] == "Event listing updated"
    assert member["data"]["embeds"][0]["title"] == "Not allowed"
    [created] = fake_discord.received("POST", EVENTS + "$")  # one listing: the second run edited it
    [edited] = fake_discord.received("PATCH", EVENTS + "/8001$")
    for sent in (created.json, edited.json):
        assert sent["name"].startswith("Beijing military parade") and len(sent["name"]) <= 100
        assert sent["entity_type"] == 3 and sent["privacy_level"] == 2
        assert sent["entity_metadata"] == {"location": "Beijing, China"}
        assert sent["scheduled_start_time"] == "2025-09-03T01:00:00+00:00"
        assert sent["scheduled_end_time"] == "2025-09-03T04:00:00+00:00"
        assert "Sources: Associated Press" in sent["description"] and len(sent["description"]) <= 1000
        assert "no time of day" in sent["description"]  # the seed's start is assumed
    listing = database.event_listing("discord", str(GUILD_ID), seed_store.event.id)
    assert listing.external_id == "8001" and listing.start == PARADE_START_UTC


async def test_event_without_the_permission_says_which_one(fake_discord, seed_store, clock, database, caplog):
    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=database))
    await client.login(GOOD_TOKEN)
    try:
        fake_discord.script("POST", EVENTS + "$", Response(403, {"message": "Missing Permissions", "code": 50013},
                                                          {"Via": "1.1 google"}))
        refused = await run_interaction(client, fake_discord, interaction("event", permissions=ADMIN))
    finally:
        await client.close()
    embed = refused["data"]["embeds"][0]
    assert embed["title"] == "Sorry" and "Create Events permission (Manage Events)" in embed["description"]
    assert database.event_listing("discord", str(GUILD_ID), seed_store.event.id) is None
    assert "Missing Permissions" in caplog.text


async def test_a_listing_deleted_in_discord_is_listed_anew_and_a_moved_start_moves_it(fake_discord, seed_store,
                                                                                       clock, database):
    from bot.listing import refresh_listings
    from bot.persistence import AsyncStorage, EventListing

    storage = AsyncStorage(database)
    database.save_event_listing(EventListing("discord", str(GUILD_ID), seed_store.event.id, "7000",
                                             PARADE_START_UTC - dt.timedelta(days=1)), clock())
    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=database))
    await client.login(GOOD_TOKEN)
    try:
        fake_discord.script("PATCH", EVENTS + "/7000$", Response(
            404, {"message": "Unknown Guild Scheduled Event", "code": 10070}, {"Via": "1.1 google"}))
        fake_discord.script("POST", EVENTS + "$", scheduled("7001"))
        assert await refresh_listings(storage, client.events, seed_store, clock()) == 1  # the start moved
        assert database.event_listing("discord", str(GUILD_ID), seed_store.event.id).external_id == "7001"
        fake_discord.script("PATCH", EVENTS + "/7001$", scheduled("7001"))
        database.save_event_listing(EventListing("discord", str(GUILD_ID), seed_store.event.id, "7001",
                                                 PARADE_START_UTC - dt.timedelta(hours=5)), clock())
        assert await refresh_listings(storage, client.events, seed_store, clock()) == 1
        assert await refresh_listings(storage, client.events, seed_store, clock()) == 0  # nothing moved since
    finally:
        await client.close()
    # 7000 was gone from Discord: it was created anew.
    assert fake_discord.received("PATCH", EVENTS + "/7000$") and fake_discord.received("POST", EVENTS + "$")
    [moved] = fake_discord.received("PATCH", EVENTS + "/7001$")
    assert moved.json["scheduled_start_time"] == "2025-09-03T01:00:00+00:00"
    assert database.event_listing("discord", str(GUILD_ID), seed_store.event.id).start == PARADE_START_UTC


NEWS_ID, TEXT_ID = 6001, 6002


def with_channels(client: ParadeClient) -> None:
    """The server as the gateway's GUILD_CREATE gives it (what the guilds intent caches): one
    announcement channel (type 5) and one text channel."""
    channel = {"guild_id": str(GUILD_ID), "position": 0, "permission_overwrites": [], "nsfw": False,
               "parent_id": None}
    client._connection._add_guild_from_data({
        "id": str(GUILD_ID), "name": "fans", "owner_id": "1", "roles": [], "emojis": [], "stickers": [],
        "features": ["NEWS"], "member_count": 2, "members": [], "voice_states": [], "presences": [],
        "threads": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        "channels": [{**channel, "id": str(NEWS_ID), "type": 5, "name": "announcements"},
                     {**channel, "id": str(TEXT_ID), "type": 0, "name": "chat"}]})


@pytest.mark.parametrize("crosspost", [True, False])
async def test_posts_in_an_announcement_channel_are_published_when_set(fake_discord, bot, crosspost, caplog):
    from adapters.discord_bot import DiscordPoster

    client = ParadeClient(bot)
    await client.login(GOOD_TOKEN)
    try:
        with_channels(client)
        poster = DiscordPoster(client, crosspost=crosspost)
        fake_discord.script("POST", rf"/channels/{NEWS_ID}/messages/\d+/crosspost$", Response(body={}))
        for channel in (NEWS_ID, TEXT_ID):
            await poster.post(str(channel), Reply(title="One day to go"), idempotency_key=f"k{channel}")
        # Publishing failing (Discord's 10 an hour) costs the publish only: the post is delivered.
        fake_discord.script("POST", rf"/channels/{NEWS_ID}/messages/\d+/crosspost$", Response(
            400, {"message": "This message has already been crossposted.", "code": 40033}, {"Via": "1.1 google"}))
        await poster.post(str(NEWS_ID), Reply(title="Starting now"), idempotency_key="k-start")
    finally:
        await client.close()
    published = fake_discord.received("POST", r"/crosspost$")
    assert [r.path.split("/")[4] for r in published] == ([str(NEWS_ID)] * 2 if crosspost else [])
    assert len(fake_discord.received("POST", r"/channels/\d+/messages$")) == 3
    assert ("not published: HTTP 400 (40033)" in caplog.text) is crosspost


async def test_scheduled_event_auto_lists_the_event_on_the_first_subscribe_only(fake_discord, seed_store, clock,
                                                                                database):
    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=database), list_on_subscribe=True)
    await client.login(GOOD_TOKEN)
    try:
        fake_discord.script("POST", EVENTS + "$", scheduled("9001"))
        first = await run_interaction(client, fake_discord, interaction("subscribe", permissions=MANAGER))
        again = await run_interaction(client, fake_discord, interaction("subscribe", permissions=MANAGER))
        fake_discord.script("POST", r"/guilds/3334/scheduled-events$", Response(
            403, {"message": "Missing Permissions", "code": 50013}, {"Via": "1.1 google"}))
        other_guild = interaction("subscribe", permissions=MANAGER)
        other_guild["guild_id"] = other_guild["channel"]["guild_id"] = "3334"
        refused = await run_interaction(client, fake_discord, other_guild)
    finally:
        await client.close()
    assert "now listed in this server's Events" in first["data"]["embeds"][0]["description"]
    assert "listed" not in again["data"]["embeds"][0]["description"]  # already listed: not touched
    # The listing was refused, the subscription stands, and the answer says what to fix.
    assert refused["data"]["embeds"][0]["title"] == "Subscribed"
    assert "Create Events permission" in refused["data"]["embeds"][0]["description"]
    assert len(fake_discord.received("POST", r"/guilds/\d+/scheduled-events$")) == 2
    assert database.subscription("discord", "3334", str(CHANNEL_ID)).active


async def test_an_announcement_channel_on_another_process_shards_is_asked_for_once(fake_discord, bot):
    """Shards split over processes: the sending process has not cached that server, so it asks for the
    channel once (a REST call) and remembers its type; the post is published all the same."""
    from adapters.discord_bot import DiscordPoster

    client = ParadeClient(bot)
    await client.login(GOOD_TOKEN)
    try:  # no GUILD_CREATE for this server here
        fake_discord.script("GET", rf"/channels/{NEWS_ID}$", Response(body={
            "id": str(NEWS_ID), "type": 5, "guild_id": str(GUILD_ID), "name": "announcements", "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None}))
        fake_discord.script("POST", rf"/channels/{NEWS_ID}/messages/\d+/crosspost$", Response(body={}), times=2)
        poster = DiscordPoster(client, crosspost=True)
        for key in ("k1", "k2"):
            await poster.post(str(NEWS_ID), Reply(title="One day to go"), idempotency_key=key)
    finally:
        await client.close()
    assert len(fake_discord.received("GET", rf"/channels/{NEWS_ID}$")) == 1
    assert len(fake_discord.received("POST", r"/crosspost$")) == 2


async def test_two_event_commands_at_once_list_the_parade_once(fake_discord, seed_store, clock, database):
    """Two admins at the same moment: the second waits for the first's listing and updates it."""
    import asyncio

    from bot.listing import publish_listing
    from bot.persistence import AsyncStorage

    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=database))
    await client.login(GOOD_TOKEN)
    try:
        fake_discord.script("POST", EVENTS + "$", scheduled("8001"))
        fake_discord.script("PATCH", EVENTS + "/8001$", scheduled("8001"))
        storage = AsyncStorage(database)
        made = await asyncio.gather(*(publish_listing(storage, client.events, str(GUILD_ID), seed_store, clock())
                                      for _ in range(2)))
    finally:
        await client.close()
    assert sorted(new for _, new in made) == [False, True]
    assert len(fake_discord.received("POST", EVENTS + "$")) == 1
