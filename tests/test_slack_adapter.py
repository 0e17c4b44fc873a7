"""The Slack adapter on slack-bolt's real code path: signed slash commands over HTTP to the bolt app on
127.0.0.1, and its Web API client and `respond()` pointed at a fake Slack on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode

import aiohttp
import pytest
from aiohttp import web
from conftest import SEED_COUNTDOWN, SEED_WHEN
from fakeapi import FakeAPI, Recorded, Response, serving
from slack_sdk.signature import SignatureVerifier

from adapters.slack_app import SlackPoster, build_app, escape, slack_client, web_app
from bot.ports import ChannelGone
from bot.reply import Reply

SECRET = "fake-signing-secret-0123456789"
BOT_TOKEN = "xoxb-fake-bot-token-42"
_n = itertools.count(1)


def slack_api(req: Recorded) -> Response:
    if req.path == "/api/auth.test":
        return Response(body={"ok": True, "url": "https://t.example/", "team": "T", "user": "parade",
                              "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"})
    if req.path == "/api/chat.postMessage":
        channel = req.json["channel"]
        if channel == "CGONE":
            return Response(body={"ok": False, "error": "channel_not_found"})
        return Response(body={"ok": True, "channel": channel, "ts": f"{time.time():.6f}"})
    if req.path == "/api/views.publish":
        return Response(body={"ok": True, "view": {"id": "V1", **req.json["view"]}})
    if req.path.startswith("/response/"):
        return Response(body={"ok": True})
    if req.path == "/api/conversations.info":
        channel = parse_qs(req.body.decode()).get("channel", [""])[0] or req.query.get("channel", "")
        return Response(body={"ok": True, "channel": {"id": channel, "is_member": channel != "COUT"}})
    return Response(404, {"ok": False, "error": "unknown_method"})


class SlackServer:
    def __init__(self, url: str, fake: FakeAPI, session: aiohttp.ClientSession) -> None:
        self.url, self.fake, self.session = url, fake, session

    async def command(self, text: str, *, timestamp: int | None = None, secret: str = SECRET,
                      headers: dict[str, str] | None = None, body: str | None = None) -> tuple[int, str, str]:
        """Send `/parade text` as Slack does; returns (status, body, response_url)."""
        response_url = f"{self.fake.url}/response/{next(_n)}"
        body = body or urlencode({
            "token": "legacy", "team_id": "T1", "team_domain": "t", "channel_id": "C1", "channel_name": "news",
            "user_id": "U1", "user_name": "reader", "command": "/parade", "text": text, "api_app_id": "A1",
            "response_url": response_url, "trigger_id": "1.2.3",
        })
        ts = str(timestamp or int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        sent = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        async with self.session.post(f"{self.url}/slack/events", data=body, headers=sent) as resp:
            return resp.status, await resp.text(), response_url

    async def answer(self, text: str) -> dict:
        status, body, response_url = await self.command(text)
        assert (status, body) == (200, "")  # the ack: empty, at once
        [posted] = await self.fake.wait_for("POST", "^" + response_url.removeprefix(self.fake.url) + "$")
        return posted.json


@contextlib.asynccontextmanager
async def slack_server(dispatcher, fake: FakeAPI, **options) -> AsyncIterator[SlackServer]:
    """The real bolt app for `dispatcher`, over HTTP on 127.0.0.1, with its Web API on `fake`."""
    client = slack_client(BOT_TOKEN, base_url=f"{fake.url}/api/")
    app = web_app(build_app(dispatcher, client=client, signing_secret=SECRET, **options), signing_secret=SECRET)
    async with serving(app) as url, aiohttp.ClientSession() as session:
        yield SlackServer(url, fake, session)


@pytest.fixture
async def slack(fake_slack, bot):
    async with slack_server(bot, fake_slack) as server:
        yield server


async def test_when_answers_with_block_kit_in_channel(slack, capsys):
    sent = await slack.answer("when")
    assert sent["response_type"] == "in_channel" and sent["replace_original"] is False
    header, section, fields, buttons, context = sent["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "emoji": False,
                                                 "text": "When: Beijing military parade for the 80th anniversary "
                                                         "of the end of World War II"}}
    # The assumed start in each reader's own zone, the channel's zone beside it; a countdown as written.
    assumed = "09:00 CST (Asia/Shanghai)"
    assert section["text"]["text"] == SEED_WHEN.replace(
        assumed, f"<!date^1756861200^{{date_short_pretty}} {{time}}|{assumed}> (your time) · {assumed}")
    countdown = {"type": "mrkdwn", "text": "*Countdown*\n" + SEED_COUNTDOWN, "verbatim": True}
    assert fields["fields"][0] == countdown
    assert [b["action_id"] for b in buttons["elements"]] == ["parade:run:subscribe:0:", "parade:run:unsubscribe:0:"]
    assert context["type"] == "context" and context["elements"][0]["text"].startswith("Sources: [ap]")
    assert sent["text"].startswith("When: Beijing military parade")
    # The bot checked its token once, with the Bearer header, on the fake, never on Slack.
    [auth] = slack.fake.received("POST", "^/api/auth.test$")
    assert auth.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    with capsys.disabled():
        print("\nBlock Kit for /parade when:", json.dumps(sent))


@pytest.mark.parametrize(("text", "title", "response_type"), [
    ("", "parade-bot: Beijing", "ephemeral"),
    ("help", "parade-bot: Beijing", "ephemeral"),
    ("where", "Where: Beijing", "in_channel"),
    ("who", "Who: Beijing", "in_channel"),
    ("who easley", "Leif-Eric Easley", "in_channel"),
    ("why", "Why: Beijing", "in_channel"),
    ("facts", "Topics", "ephemeral"),
    ("facts trade", "Facts: Trade and the economy", "in_channel"),
    ("quote hong lei", "Quotes", "in_channel"),
    ("timeline", "Timeline: Beijing", "in_channel"),
    ("sources", "Sources", "in_channel"),
    ("countdown", "Countdown: Beijing", "in_channel"),
    ("ask who is attending?", "Who: Beijing", "in_channel"),
    ("ask what share of trade is with china?", "Answer", "in_channel"),
    ("ask how much did the parade cost?", "I don't know", "in_channel"),
    ("flyover", "Sorry", "ephemeral"),
])
async def test_each_command(slack, text, title, response_type):
    sent = await slack.answer(text)
    assert sent["blocks"][0]["text"]["text"].startswith(title)
    assert sent["response_type"] == response_type


async def test_bad_signature_and_stale_timestamp_are_rejected_and_not_run(slack):
    forged = await slack.command("when", secret="not-the-secret")
    stale = await slack.command("when", timestamp=int(time.time()) - 301)
    assert (forged[0], stale[0]) == (401, 401)
    await asyncio.sleep(0.2)
    assert slack.fake.received("POST", "^/response/") == []


async def test_a_slack_retry_and_a_replay_are_not_answered_twice(slack):
    body = urlencode({"command": "/parade", "text": "where", "user_id": "U1", "channel_id": "C1",
                      "team_id": "T1", "response_url": f"{slack.fake.url}/response/once"})
    ts = int(time.time())
    assert (await slack.command("", body=body, timestamp=ts))[:2] == (200, "")
    retry = await slack.command("", body=body, timestamp=ts, headers={"X-Slack-Retry-Num": "1",
                                                                       "X-Slack-Retry-Reason": "http_timeout"})
    replay = await slack.command("", body=body, timestamp=ts)
    assert retry[:2] == replay[:2] == (200, "")
    await slack.fake.wait_for("POST", "^/response/once$")
    await asyncio.sleep(0.2)
    assert len(slack.fake.received("POST", "^/response/once$")) == 1


async def test_user_text_cannot_form_mentions_or_links(slack):
    hostile = "& <https://evil.example|x> <!channel> <!here> <!everyone> <@U123> <#C999> <!subteam^S1>"
    sent = await slack.answer(f"who {hostile}")
    dumped = json.dumps(sent)
    for control in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C999>", "<!subteam", "<https"):
        assert control not in dumped
    assert "&amp; &lt;https://evil.example|x&gt; &lt;!channel&gt; &lt;!here&gt;" in sent["blocks"][1]["text"]["text"]
    assert all(block["text"].get("verbatim", True) for block in sent["blocks"][1:2])  # no automatic parsing
    assert escape("a & <b>") == "a &amp; &lt;b&gt;"


async def test_chat_post_waits_out_429_retry_after_then_succeeds(fake_slack):
    fake_slack.script("POST", "^/api/chat.postMessage$", Response(
        429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    poster = SlackPoster(slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/"))
    await poster.post("C42", Reply(title="Reminder", text="<!channel> one day"), idempotency_key="k")
    first, second = fake_slack.received("POST", "^/api/chat.postMessage$")
    assert second.at - first.at >= 1.0
    assert second.json["channel"] == "C42" and "<!channel>" not in json.dumps(second.json)


async def test_chat_post_to_a_missing_channel_raises_channel_gone(fake_slack):
    poster = SlackPoster(slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/"))
    with pytest.raises(ChannelGone, match="channel_not_found"):
        await poster.post("CGONE", Reply(title="x"), idempotency_key="k")


async def test_healthz_and_readyz(slack):
    async with slack.session.get(f"{slack.url}/healthz") as resp:
        assert resp.status == 200 and await resp.json() == {"status": "ok"}
    async with slack.session.get(f"{slack.url}/readyz") as resp:
        assert resp.status == 200 and await resp.json() == {"status": "ready"}


@pytest.mark.parametrize(("env", "message"), [
    ({}, "SLACK_BOT_TOKEN is not set"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET is not set"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "PORT": "http"}, "PORT must be a TCP port"),
])
def test_missing_settings_are_one_line_errors_without_secrets(monkeypatch, capsys, env, message):
    printed = slack_start_error(monkeypatch, capsys, env, message)
    assert BOT_TOKEN not in printed and SECRET not in printed


def slack_start_error(monkeypatch, capsys, env: dict[str, str], message: str) -> str:
    """`parade-bot slack` with exactly `env` of Slack's variables: exit 2 with `message` as its one line;
    what it printed, for the caller to check that no secret is in it."""
    from adapters.cli import main

    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
                 "SLACK_CLIENT_SECRET", "PORT", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["slack"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"parade-bot: {message}") and err.count("\n") == 1
    return out + err


async def test_socket_mode_acks_the_envelope_and_answers(fake_slack, bot):
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    acks: list[dict] = []
    acked = asyncio.Event()

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        await ws.send_json({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                            "payload": {"command": "/parade", "text": "where", "user_id": "U1", "channel_id": "C1",
                                        "team_id": "T1", "response_url": f"{fake_slack.url}/response/socket"}})
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                acks.append(json.loads(message.data))
                acked.set()
        return ws

    server = web.Application()
    server.router.add_get("/link", socket)
    async with serving(server) as url:
        fake_slack.script("POST", "^/api/apps.connections.open$",
                          Response(body={"ok": True, "url": url.replace("http", "ws") + "/link"}))
        client = slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/")
        handler = AsyncSocketModeHandler(build_app(bot, client=client, signing_secret=None), "xapp-fake-app-token")
        try:
            await handler.connect_async()
            await asyncio.wait_for(acked.wait(), 10)
            [answer] = await fake_slack.wait_for("POST", "^/response/socket$")
        finally:
            await handler.close_async()
    assert acks[0]["envelope_id"] == "env-1"
    assert answer.json["blocks"][1]["text"]["text"] == "Beijing, China"
    [opened] = fake_slack.received("POST", "^/api/apps.connections.open$")
    assert opened.headers["Authorization"] == "Bearer xapp-fake-app-token"


async def test_subscribe_is_kept_per_team_and_channel(fake_slack, seed_store, clock, tmp_path):
    from bot.commands import Dispatcher
    from bot.persistence import Database

    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_schema()
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
    async with slack_server(bot, fake_slack, admin_ids=frozenset({"U1"})) as server:
        assert (await server.answer("subscribe America/Chicago"))["blocks"][0]["text"]["text"] == "Subscribed"
        schedule = await server.answer("schedule")
        assert "America/Chicago" in schedule["blocks"][1]["text"]["text"]
    assert db.subscription("slack", "T1", "C1").timezone == "America/Chicago"


async def test_reload_is_for_listed_admins_only(fake_slack, seed_store, clock, tmp_path):
    from conftest import SEED

    from bot.commands import Dispatcher
    from bot.reload import ContentReloader

    content = tmp_path / "event.yaml"
    content.write_text(SEED.read_text())
    dispatcher = Dispatcher(seed_store, clock=clock)
    dispatcher.reloader = ContentReloader(dispatcher.content, content)
    async with slack_server(dispatcher, fake_slack, admin_ids=frozenset({"U-ADMIN"})) as server:
        refused = await server.answer("reload")  # sent by U1, not an admin
        body = urlencode({"command": "/parade", "text": "reload", "user_id": "U-ADMIN", "channel_id": "C1",
                          "team_id": "T1", "response_url": f"{fake_slack.url}/response/admin"})
        assert (await server.command("", body=body))[:2] == (200, "")
        [allowed] = await fake_slack.wait_for("POST", "^/response/admin$")
    assert refused["response_type"] == "ephemeral" and refused["blocks"][0]["text"]["text"] == "Not allowed"
    assert allowed.json["response_type"] == "ephemeral"
    assert allowed.json["blocks"][0]["text"]["text"] == "Content reloaded"


@pytest.mark.parametrize(("body", "headers", "expected"), [
    (b"\xff\xfe not utf-8", {}, 401),
    (b'{"type": "url_verification"}', {"Content-Type": "application/json"}, 401),
    (b"{", {}, 401),
    (b"payload=not-json", {}, 401),
    (b"command=%2Fparade&text=when", {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}, 401),
    (b"command=%2Fparade&text=when", {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""}, 401),
    (b"x" * (300 * 1024), {}, 413),
])
async def test_unsigned_malformed_or_huge_requests_get_a_4xx_before_any_parsing(slack, body, headers, expected):
    async with slack.session.post(f"{slack.url}/slack/events", data=body, headers=headers) as resp:
        assert resp.status == expected
    assert slack.fake.received("POST", "^/response/") == []


def test_cutting_long_text_never_splits_an_escape():
    import re

    from adapters.slack_app import SECTION_TEXT_MAX, render_blocks

    for shift in range(6):  # wherever the cut falls relative to an "&amp;"
        reply = Reply(title="t", text="x" * shift + "a & b " * (SECTION_TEXT_MAX // 4))
        text = render_blocks(reply)[1]["text"]["text"]
        assert len(text) <= SECTION_TEXT_MAX and text.endswith("…")
        assert not re.search(r"&[#a-zA-Z0-9]*…$", text), text[-12:]


async def test_subscribe_refuses_a_channel_the_bot_is_not_in_and_says_to_invite_it(fake_slack, seed_store, clock,
                                                                                   tmp_path):
    from bot.commands import Dispatcher
    from bot.persistence import Database

    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_schema()
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
    async with slack_server(bot, fake_slack) as member:  # U1 is no admin: may not change the channel's posts
        assert (await member.answer("subscribe"))["blocks"][0]["text"]["text"] == "Not allowed"
    async with slack_server(bot, fake_slack, admin_ids=frozenset({"U1"})) as slack:
        outside = urlencode({"team_id": "T1", "channel_id": "COUT", "user_id": "U1", "command": "/parade",
                             "text": "subscribe", "response_url": f"{fake_slack.url}/response/out"})
        await slack.command("subscribe", body=outside)
        [refused] = await fake_slack.wait_for("POST", "^/response/out$")
        other = urlencode({"team_id": "T2", "channel_id": "C1", "user_id": "U1", "command": "/parade",
                           "text": "subscribe", "response_url": f"{fake_slack.url}/response/other"})
        await slack.command("subscribe", body=other)
        [foreign] = await fake_slack.wait_for("POST", "^/response/other$")
        inside = await slack.answer("subscribe")
    assert "/invite @parade-bot" in refused.json["blocks"][1]["text"]["text"]
    assert "install it in this workspace" in foreign.json["blocks"][1]["text"]["text"]  # no token for T2
    assert db.subscription("slack", "T2", "C1") is None
    assert db.subscription("slack", "T1", "COUT") is None
    assert inside["blocks"][0]["text"]["text"] == "Subscribed"


async def test_an_answer_slack_refuses_or_drops_is_logged_once_and_never_resent(slack, caplog):
    slack.fake.script("POST", r"^/response/", Response(404, "expired_url"))
    slack.fake.script("POST", r"^/response/", Response(reset=True))
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            status, _, _ = await slack.command("when")
            assert status == 200
        await asyncio.sleep(0.5)
    assert len(slack.fake.received("POST", "^/response/")) == 2  # one try each: a reset is not resent
    refused = [r.getMessage() for r in caplog.records if "/parade when in T1:C1" in r.getMessage()]
    assert any("refused the answer (HTTP 404, expired_url)" in m for m in refused)
    assert any("answer not delivered" in m and "not resent" in m for m in refused)


async def test_answers_in_the_channel_say_who_asked_what(slack):
    sent = await slack.answer("where")
    assert sent["blocks"][-1]["elements"][-1]["text"] == "Asked by reader: /parade where"
