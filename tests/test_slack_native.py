"""Slack's own features through slack-bolt's real code: local-time markup, and buttons and a menu
(block actions, acknowledged at once) that run core commands, within Block Kit's limits."""

from __future__ import annotations

import itertools
import json
import logging
from urllib.parse import urlencode

import pytest
from conftest import SEED
from test_native import ENTRIES, long_content
from test_slack_adapter import SlackServer, slack_server

from adapters.slack_app import (
    ACTION_ELEMENTS_MAX,
    ACTION_ID_MAX,
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    OPTION_TEXT_MAX,
    OPTIONS_MAX,
    render_blocks,
)
from bot.commands import Dispatcher
from bot.loading import parse_event
from bot.persistence import Database
from bot.reply import Action, Menu, Moment, Reply, ReplyField
from bot.store import FactStore

_n = itertools.count(1)


def check_limits(blocks: list[dict]) -> None:
    """Block Kit's documented limits, on blocks as sent."""
    assert len(blocks) <= BLOCKS_MAX
    for block in blocks:
        if block["type"] != "actions":
            continue
        assert len(block["elements"]) <= ACTION_ELEMENTS_MAX
        ids = [e["action_id"] for e in block["elements"]]
        assert len(set(ids)) == len(ids) and all(len(i) <= ACTION_ID_MAX for i in ids)
        for element in block["elements"]:
            if element["type"] == "button":
                assert len(element["text"]["text"]) <= BUTTON_TEXT_MAX
            else:
                assert len(element["options"]) <= OPTIONS_MAX
                assert all(len(o["text"]["text"]) <= OPTION_TEXT_MAX for o in element["options"])


def elements(message: dict) -> dict[str, dict]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


async def press(server: SlackServer, message: dict, action_id: str, *, user: str = "U1",
                value: str | None = None) -> dict:
    """Press a button (or pick `value` in a menu) on `message` as Slack sends it; returns the answer."""
    element = elements(message)[action_id]
    response_url = f"{server.fake.url}/response/action-{next(_n)}"
    action = {"action_id": action_id, "block_id": "parade-actions", "type": element["type"], "action_ts": "1.2"}
    if value is not None:
        action["selected_option"] = {"text": {"type": "plain_text", "text": value}, "value": value}
    else:
        action["value"] = element["value"]
    payload = {"type": "block_actions", "user": {"id": user, "team_id": "T1", "username": "reader"},
               "api_app_id": "A1", "token": "legacy", "trigger_id": "1.2.3", "team": {"id": "T1", "domain": "t"},
               "container": {"type": "message", "message_ts": "1.2", "channel_id": "C1", "is_ephemeral": False},
               "channel": {"id": "C1", "name": "news"}, "response_url": response_url, "actions": [action]}
    status, body, _ = await server.command("", body=urlencode({"payload": json.dumps(payload)}))
    assert (status, body) == (200, "")  # the ack: empty, at once
    [answer] = await server.fake.wait_for("POST", "^" + response_url.removeprefix(server.fake.url) + "$")
    return answer.json


@pytest.fixture
def database(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_schema()
    return db


async def test_subscribe_buttons_run_subscribe_with_the_same_checks(fake_slack, seed_store, clock, database):
    bot = Dispatcher(seed_store, clock=clock, subscriptions=database)
    async with slack_server(bot, fake_slack) as member:  # U1 is no admin here
        countdown = await member.answer("countdown")
        check_limits(countdown["blocks"])
        refused = await press(member, countdown, "parade:run:subscribe:0:")
        assert refused["blocks"][0]["text"]["text"] == "Not allowed" and refused["response_type"] == "ephemeral"
    assert database.subscription("slack", "T1", "C1") is None
    async with slack_server(bot, fake_slack, admin_ids=frozenset({"U1"})) as admin:
        done = await press(admin, countdown, "parade:run:subscribe:0:")
        assert done["blocks"][0]["text"]["text"] == "Subscribed" and done["response_type"] == "in_channel"
        # conversations.info was asked, as for the typed command
        assert [r for r in admin.fake.requests if r.path == "/api/conversations.info"]
        assert database.subscription("slack", "T1", "C1").active
        gone = await press(admin, countdown, "parade:run:unsubscribe:0:")
        assert gone["blocks"][0]["text"]["text"] == "Unsubscribed"
        assert "Asked by reader: /parade unsubscribe" in json.dumps(gone["blocks"])  # who pressed it
    assert not database.subscription("slack", "T1", "C1").active
    # slack.in_channel false: a press's answer is the presser's alone, as a typed command's would be
    async with slack_server(bot, fake_slack, admin_ids=frozenset({"U1"}), in_channel=False) as private:
        done = await press(private, countdown, "parade:run:subscribe:0:")
        assert done["blocks"][0]["text"]["text"] == "Subscribed" and done["response_type"] == "ephemeral"


async def test_the_topic_menu_answers_the_picked_topic(fake_slack, bot, seed_store):
    async with slack_server(bot, fake_slack) as server:
        await _menu_round_trip(server, seed_store)


async def _menu_round_trip(slack: SlackServer, seed_store) -> None:
    topics = await slack.answer("facts")
    check_limits(topics["blocks"])
    menu = elements(topics)["parade:pick:facts"]
    assert [o["value"] for o in menu["options"]] == list(seed_store.topics)
    picked = await press(slack, topics, "parade:pick:facts", value="russia")
    assert picked["blocks"][0]["text"]["text"] == "Facts: North Korea and Russia"


async def test_more_pages_a_long_list_for_the_presser(fake_slack, clock):
    async with slack_server(Dispatcher(long_content(), clock=clock), fake_slack) as server:
        first = await server.answer("timeline")
        assert list(elements(first)) == ["parade:run:timeline:1:"]
        second = await press(server, first, "parade:run:timeline:1:")
        assert second["response_type"] == "ephemeral"
        third = await press(server, second, "parade:run:timeline:2:")
        assert not elements(third)
    shown = [f["text"] for m in (first, second, third) for b in m["blocks"] if b["type"] == "section"
             for f in b.get("fields", []) if not f["text"].startswith("*More*")]
    assert len(shown) == ENTRIES


def test_blocks_stay_within_slacks_limits_with_many_fields_buttons_and_options(caplog):
    caplog.set_level(logging.WARNING)
    reply = Reply(title="t", text="x", fields=tuple(ReplyField(f"f{i}", "v") for i in range(600)),
                  citations=(), actions=(Action("B" * 100, "who", "y" * 300, 1),
                                         *(Action(f"B{i}", "timeline", "", i) for i in range(30))),
                  menu=Menu("pick", "facts", tuple(("T" * 90, f"t{i}") for i in range(120))))
    blocks = render_blocks(reply)
    check_limits(blocks)
    assert blocks[-1]["type"] == "actions"
    assert "too long or not valid" in caplog.text and "left off 6 buttons" in caplog.text


def test_times_become_date_markup_with_the_written_fallback():
    at = long_content().event.start
    written = "Wednesday 3 September 2025, 09:00 CST (Asia/Shanghai)"
    moment = Moment(at, written, "full", "09:00 CST (Asia/Shanghai)")
    reply = Reply(title="t", text=f"Starts {written} <!channel>", moments=(moment,))
    text = render_blocks(reply)[1]["text"]["text"]
    assert text == (f"Starts <!date^{int(at.timestamp())}^{{date_long_pretty}} {{time}}|{written}> (your time) · "
                    "09:00 CST (Asia/Shanghai) &lt;!channel&gt;")


async def open_home(server: SlackServer, user: str = "U1") -> None:
    body = json.dumps({"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": f"Ev{next(_n)}", "event_time": 1,
                       "event": {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home",
                                 "event_ts": "1.2"}})
    status, _, _ = await server.command("", body=body, headers={"Content-Type": "application/json"})
    assert status == 200


async def test_app_home_shows_the_countdown_news_and_commands_and_follows_reloads(fake_slack, seed_store, clock):
    import aiohttp
    from fakeapi import serving
    from test_slack_adapter import BOT_TOKEN, SECRET

    from adapters.slack_app import build_app, slack_client, web_app
    from adapters.slack_home import HOME_BLOCKS_MAX, AppHome
    from bot.reload import LiveContent

    content = LiveContent(seed_store)
    dispatcher = Dispatcher(content, clock=clock)
    client = slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/")
    bolt = build_app(dispatcher, client=client, signing_secret=SECRET)
    home = AppHome(dispatcher, client)
    home.register(bolt)
    async with serving(web_app(bolt, signing_secret=SECRET)) as url, aiohttp.ClientSession() as session:
        server = SlackServer(url, fake_slack, session)
        await open_home(server)
        [published] = await fake_slack.wait_for("POST", "^/api/views.publish$")
        view = published.json["view"]
        assert published.json["user_id"] == "U1" and view["type"] == "home"
        headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
        assert [h.split(":")[0] for h in headers] == ["Countdown", "News", "parade-bot"]
        assert len(view["blocks"]) <= HOME_BLOCKS_MAX and not any(b["type"] == "actions" for b in view["blocks"])
        assert "<!date^1756861200^" in json.dumps(view)  # the start in the reader's own zone
        # A reload: everyone who opened the tab gets the new content without opening it again.
        moved = SEED.read_text(encoding="utf-8").replace("starts_at: 2025-09-03T09:00:00",
                                                         "starts_at: 2025-09-03T10:00:00")
        content.store = FactStore(parse_event(moved))
        await home.content_reloaded(None)
        await home._refreshing
        _, again = fake_slack.received("POST", "^/api/views.publish$")
        assert again.json["user_id"] == "U1" and "<!date^1756864800^" in json.dumps(again.json["view"])


async def test_a_home_view_stays_within_100_blocks_and_a_refused_publish_is_logged(fake_slack, clock, caplog):
    from fakeapi import Response
    from test_slack_adapter import BOT_TOKEN

    from adapters.slack_app import slack_client
    from adapters.slack_home import HOME_BLOCKS_MAX, AppHome

    client = slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/")
    home = AppHome(Dispatcher(long_content(), clock=clock), client, admin_ids=frozenset({"U1"}))
    view = await home.view("U1", "T1")
    assert len(view["blocks"]) <= HOME_BLOCKS_MAX
    fake_slack.script("POST", "^/api/views.publish$", Response(body={"ok": False, "error": "not_enabled"}))
    assert await home.publish("U1", "T1") is False
    assert "App Home for U1 not published: not_enabled" in caplog.text


async def test_with_many_workspaces_each_home_is_published_with_its_workspace_token(fake_slack, seed_store, clock,
                                                                                    caplog):
    """OAuth mode has no bot token of its own: each Home goes out with its workspace's, and a workspace
    that is not installed (or whose token cannot be read) gets no request at all."""
    from adapters.slack_app import slack_client
    from adapters.slack_home import AppHome
    from bot.persistence import StorageUnavailable

    async def tokens(team: str) -> str | None:
        if team == "TDOWN":
            raise StorageUnavailable("no answer")
        return {"T1": "xoxb-token-of-t1", "T2": "xoxb-token-of-t2"}.get(team)

    home = AppHome(Dispatcher(seed_store, clock=clock), slack_client(None, base_url=f"{fake_slack.url}/api/"),
                   tokens=tokens)
    assert await home.publish("U1", "T1") and await home.publish("U2", "T2")
    assert not await home.publish("U3", "TGONE") and not await home.publish("U4", "TDOWN")
    published = fake_slack.received("POST", "^/api/views.publish$")
    assert [r.headers["Authorization"] for r in published] == ["Bearer xoxb-token-of-t1", "Bearer xoxb-token-of-t2"]
    assert "workspace TGONE is not installed" in caplog.text and "token unreadable" in caplog.text
