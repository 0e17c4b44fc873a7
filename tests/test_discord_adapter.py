"""The Discord adapter on discord.py's real code path: interactions go through the connection state and
the command tree, and every HTTP request lands on a fake Discord API on 127.0.0.1."""

from __future__ import annotations

import itertools
import re

import discord
import pytest
from conftest import SEED_COUNTDOWN, SEED_WHEN
from fakeapi import FakeAPI, Recorded, Response

from adapters.discord_bot import DiscordPoster, ParadeClient, delivery_nonce
from bot.commands import COMMANDS
from bot.ports import ChannelGone, ChannelNeedsFix, DeliveryError, PlatformUnavailable, TokenRejected
from bot.reply import Reply, ReplyField

APP_ID, BOT_ID, GUILD_ID, CHANNEL_ID, USER_ID = 1111, 2222, 3333, 4444, 5555
GOOD_TOKEN = "fake-discord-token-abc123"
_ids = itertools.count(900_000)


def _user(uid: int, name: str) -> dict:
    return {"id": str(uid), "username": name, "discriminator": "0", "global_name": name, "avatar": None}


def discord_api(req: Recorded) -> Response:
    path = req.path.removeprefix("/api/v10")
    if path == "/users/@me":
        if req.headers.get("Authorization") != f"Bot {GOOD_TOKEN}":
            return Response(401, {"message": "401: Unauthorized", "code": 0})
        return Response(body={**_user(BOT_ID, "parade-bot"), "bot": True})
    if path == "/oauth2/applications/@me":
        return Response(body={"id": str(APP_ID), "name": "parade-bot", "description": "", "icon": None,
                              "bot_public": True, "bot_require_code_grant": False,
                              "owner": _user(USER_ID, "owner"), "verify_key": "00"})
    if match := re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", path):
        return Response(body={"interaction": {"id": match[1], "type": 2},
                              "resource": {"type": req.json["type"]}})
    if match := re.fullmatch(r"/channels/(\d+)/messages", path):
        sent = req.json
        return Response(body={"id": str(next(_ids)), "channel_id": match[1], "author": {**_user(BOT_ID, "bot")},
                              "content": sent.get("content") or "", "timestamp": "2025-09-01T00:00:00+00:00",
                              "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
                              "mention_roles": [], "attachments": [], "embeds": sent.get("embeds", []),
                              "pinned": False, "type": 0, "nonce": sent.get("nonce")})
    if req.method == "DELETE" and re.fullmatch(r"/webhooks/\d+/[^/]+/messages/@original", path):
        return Response(204)
    if re.fullmatch(r"/webhooks/\d+/[^/]+", path):  # an interaction's follow-up
        sent = req.json
        return Response(body={"id": str(next(_ids)), "channel_id": str(CHANNEL_ID), "author": _user(BOT_ID, "bot"),
                              "content": "", "timestamp": "2025-09-01T00:00:00+00:00", "edited_timestamp": None,
                              "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
                              "attachments": [], "embeds": sent.get("embeds", []), "pinned": False, "type": 0,
                              "flags": sent.get("flags", 0)})
    if match := re.fullmatch(r"/applications/(\d+)/guilds/(\d+)/commands", path):
        return Response(body=[{**c, "id": str(next(_ids)), "application_id": str(APP_ID), "version": "1",
                               "guild_id": match[2]} for c in req.json])
    return Response(404, {"message": "404: Not Found", "code": 0})


@pytest.fixture
async def client(fake_discord, bot):
    client = ParadeClient(bot, guild_id=GUILD_ID)
    await client.login(GOOD_TOKEN)
    yield client
    await client.close()


MANAGER = str(discord.Permissions(manage_channels=True).value)  # a member who may subscribe the channel
# What the bot's role has in the channel: enough to post embeds.
POSTING = str(discord.Permissions(view_channel=True, send_messages=True, embed_links=True).value)


def interaction(subcommand: str, kind: int = 2, permissions: str = "0", app_permissions: str = POSTING,
                **options: str | tuple[str, bool]) -> dict:
    """An INTERACTION_CREATE payload as the gateway delivers it, in a guild channel."""
    opts = []
    for name, value in options.items():
        value, focused = value if isinstance(value, tuple) else (value, False)
        opts.append({"type": 3, "name": name, "value": value, **({"focused": True} if focused else {})})
    return {
        "id": str(next(_ids)), "type": kind, "token": f"tok{next(_ids)}", "version": 1,
        "application_id": str(APP_ID), "attachment_size_limit": 8_388_608, "locale": "en-US",
        "guild_id": str(GUILD_ID), "guild_locale": "en-US", "channel_id": str(CHANNEL_ID),
        "app_permissions": app_permissions,
        "channel": {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "news", "position": 0,
                    "permission_overwrites": [], "nsfw": False, "parent_id": None},
        "member": {"user": _user(USER_ID, "reader"), "roles": [], "joined_at": "2025-01-01T00:00:00+00:00",
                   "deaf": False, "mute": False, "flags": 0, "permissions": permissions},
        "data": {"id": "777", "name": "parade-admin" if COMMANDS[subcommand].admin_only else "parade", "type": 1,
                 "options": [{"type": 1, "name": subcommand, "options": opts}]},
        "entitlements": [], "authorizing_integration_owners": {}, "context": 0,
    }


async def run_interaction(client: ParadeClient, fake: FakeAPI, payload: dict) -> dict:
    """The interaction's answer, as Discord received it: the initial response's payload, or for a
    deferred command the follow-up's (with `deferred` set to the deferral's flags)."""
    client._connection.parse_interaction_create(payload)
    [callback] = await fake.wait_for("POST", rf"/interactions/{payload['id']}/[^/]+/callback$")
    assert callback.query == {"with_response": "1"}
    if callback.json["type"] != 5:  # answered at once
        return callback.json
    [followup] = await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{payload['token']}$")
    return {"type": 4, "deferred": callback.json.get("data", {}).get("flags", 0), "data": followup.json}


async def test_when_sends_an_embed_with_sources_and_no_mentions(client, fake_discord):
    sent = await run_interaction(client, fake_discord, interaction("when"))
    assert sent["type"] == 4
    data = sent["data"]
    assert data["allowed_mentions"] == {"parse": []}
    assert data.get("flags", 0) & 64 == 0  # visible in the channel
    [embed] = data["embeds"]
    assert embed["title"].startswith("When: Beijing military parade")
    # Times in each reader's own zone (Discord's markup), the channel's zone named beside them.
    start = "<t:1756861200"  # 2025-09-03 01:00 UTC: 09:00 in Beijing
    assert embed["description"] == SEED_WHEN.replace(
        "09:00 CST (Asia/Shanghai)", f"{start}:f> (your time) · 09:00 CST (Asia/Shanghai)")
    countdown = SEED_COUNTDOWN.replace("in 2 days, 3 hours", f"{start}:R>")
    assert {"name": "Countdown", "value": countdown, "inline": False} in embed["fields"]
    assert embed["footer"]["text"].startswith("Sources: [ap] Associated Press (AP Brief)")
    assert "[wire]" in embed["footer"]["text"]


@pytest.mark.parametrize(("subcommand", "options", "title", "ephemeral"), [
    ("help", {}, "parade-bot: Beijing", True),
    ("where", {}, "Where: Beijing", False),
    ("who", {}, "Who: Beijing", False),
    ("who", {"person": "hong-lei"}, "Hong Lei", False),
    ("why", {}, "Why: Beijing", False),
    ("facts", {}, "Topics", True),
    ("facts", {"topic": "trade"}, "Facts: Trade and the economy", False),
    ("quote", {"speaker": "yang-moo-jin"}, "Quotes", False),
    ("timeline", {}, "Timeline: Beijing", False),
    ("sources", {}, "Sources", False),
    ("countdown", {}, "Countdown: Beijing", False),
    ("ask", {"question": "what share of trade is with China?"}, "Answer", False),
])
async def test_each_subcommand(client, fake_discord, subcommand, options, title, ephemeral):
    data = (await run_interaction(client, fake_discord, interaction(subcommand, **options)))["data"]
    [embed] = data["embeds"]
    assert embed["title"].startswith(title)
    assert bool(data.get("flags", 0) & 64) is ephemeral
    assert data["allowed_mentions"] == {"parse": []}


async def test_every_core_command_is_a_subcommand(client):
    group, admin = client.tree.get_command("parade"), client.tree.get_command("parade-admin")
    assert sorted(c.name for c in group.commands) == sorted(n for n, c in COMMANDS.items() if not c.admin_only)
    assert sorted(c.name for c in admin.commands) == sorted(n for n, c in COMMANDS.items() if c.admin_only)
    ask = group.get_command("ask")
    assert ask.parameters[0].required and ask.parameters[0].max_value == 500


async def test_autocomplete_people_topics_speakers(client, fake_discord):
    people = await run_interaction(client, fake_discord, interaction("who", kind=4, person=("pu", True)))
    assert people["type"] == 8
    assert {"name": "Vladimir Putin", "value": "vladimir-putin"} in people["data"]["choices"]
    topics = await run_interaction(client, fake_discord, interaction("facts", kind=4, topic=("TRADE", True)))
    assert topics["data"]["choices"] == [{"name": "Trade and the economy", "value": "trade"}]
    speakers = await run_interaction(client, fake_discord, interaction("quote", kind=4, speaker=("", True)))
    names = [c["name"] for c in speakers["data"]["choices"]]
    assert names == ["Hong Lei", "Leif-Eric Easley", "Yang Moo-jin", "Donald Trump"]


async def test_unknown_option_value_gets_an_ephemeral_error(client, fake_discord):
    data = (await run_interaction(client, fake_discord, interaction("facts", topic="volcanoes")))["data"]
    assert data["flags"] & 64
    assert data["embeds"][0]["title"] == "Sorry" and "Topics:" in data["embeds"][0]["description"]


async def test_user_text_with_mentions_cannot_ping(client, fake_discord):
    hostile = "@everyone @here <@&123456> <@789012> <@!789012>"
    for payload in (interaction("who", person=hostile), interaction("ask", question=hostile)):
        data = (await run_interaction(client, fake_discord, payload))["data"]
        assert data["allowed_mentions"] == {"parse": []}
        assert not data.get("content")  # answers travel in embeds, which never notify
    echoed = fake_discord.received("POST", "/callback$")[0].json["data"]["embeds"][0]["description"]
    assert "@everyone" in echoed  # shown as text, and no mention can be parsed from it


async def test_channel_post_waits_out_a_429_and_then_succeeds(client, fake_discord):
    fake_discord.script("POST", rf"/channels/{CHANNEL_ID}/messages$", Response(
        429, {"message": "You are being rate limited.", "retry_after": 0.4, "global": False},
        {"Retry-After": "1", "Via": "1.1 google"}))
    poster = DiscordPoster(client)
    reply = Reply(title="Reminder", text="One day to go", fields=(ReplyField("Fact", "@everyone 97%"),))
    await poster.post(str(CHANNEL_ID), reply, idempotency_key="sub-1:reminder-1d")
    first, second = fake_discord.received("POST", rf"/channels/{CHANNEL_ID}/messages$")
    assert second.at - first.at >= 0.4
    for attempt in (first, second):
        body = attempt.json
        assert body["nonce"] == delivery_nonce("sub-1:reminder-1d") and body["enforce_nonce"] is True
        assert body["allowed_mentions"] == {"parse": []}
    assert len(delivery_nonce("x" * 500)) == 25


CLOUDFLARE_PAGE = Response(403, "<html><body>Sorry, you have been blocked</body></html>", {"Content-Type": "text/html"})


@pytest.mark.parametrize(("answer", "expected", "retry_safe"), [
    (Response(404, {"message": "Unknown Channel", "code": 10003}), ChannelGone, False),
    (Response(403, {"message": "Missing Access", "code": 50001}), ChannelNeedsFix, False),
    (Response(403, {"message": "Missing Permissions", "code": 50013}), ChannelNeedsFix, False),
    # An edge block (Cloudflare's HTML 403, a 429 without Via): no JSON error code, nothing about the channel.
    (CLOUDFLARE_PAGE, PlatformUnavailable, True),
    (Response(429, {"message": "You are being rate limited.", "retry_after": 5, "global": False}),
     PlatformUnavailable, True),
    # The API's own 429 (through its proxy: Via) after discord.py's retries: one route, not the platform.
    (Response(429, {"message": "You are being rate limited.", "retry_after": 0.01, "global": False},
              {"Via": "1.1 google"}), DeliveryError, True),
    (Response(401, {"message": "401: Unauthorized", "code": 0}), TokenRejected, True),
    (Response(503, "upstream unavailable", {"Content-Type": "text/plain"}), DeliveryError, True),
    (Response(400, {"message": "Invalid Form Body", "code": 50035}), DeliveryError, False),
], ids=["unknown-channel", "missing-access", "missing-permissions", "cloudflare-403", "cloudflare-429",
        "api-429", "revoked-token", "server-error", "bad-request"])
async def test_each_discord_answer_is_one_failure_class(client, fake_discord, answer, expected, retry_safe):
    fake_discord.script("POST", r"/channels/\d+/messages$", answer, times=5)  # past discord.py's own retries
    with pytest.raises(DeliveryError) as raised:
        await DiscordPoster(client).post("98765", Reply(title="x"), idempotency_key="k")
    assert type(raised.value) is expected
    assert raised.value.retry_safe is retry_safe
    assert not raised.value.retry_now  # discord.py already retried what it could; the next pass tries again


async def test_guild_sync_registers_typed_subcommands(client, fake_discord):
    synced = await client.sync_commands()
    [put] = fake_discord.received("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands$")
    parade, admin = sorted(put.json, key=lambda c: c["name"])
    assert (parade["name"], admin["name"], len(synced)) == ("parade", "parade-admin", 2)
    # Members see /parade; /parade-admin only those with Manage Server (1 << 5), and never in DMs.
    assert parade["default_member_permissions"] is None
    assert int(admin["default_member_permissions"]) == 1 << 5 and admin["contexts"] == [0]
    assert {o["name"] for o in admin["options"]} == {n for n, c in COMMANDS.items() if c.admin_only}
    options = {o["name"]: o for o in parade["options"]}
    assert set(options) == {n for n, c in COMMANDS.items() if not c.admin_only}
    assert options["subscribe"]["options"][0]["autocomplete"] is True
    assert options["who"]["options"][0] == {
        "type": 3, "name": "person", "description": "Someone to look up; leave empty for the whole guest list",
        "required": False, "autocomplete": True, "max_length": 100,
    }


def test_a_rejected_token_is_one_clean_line_and_never_logged(fake_discord, monkeypatch, capsys, caplog):
    from adapters.cli import main

    monkeypatch.setenv("DISCORD_TOKEN", "rejected-secret-token-xyz")
    code = main(["discord"])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[-1] == "parade-bot: Discord rejected DISCORD_TOKEN (HTTP 401): check the bot token"
    assert "rejected-secret-token-xyz" not in out + err + caplog.text
    [login] = fake_discord.received("GET", "/users/@me$")
    assert login.headers["Authorization"] == "Bot rejected-secret-token-xyz"  # it did reach the fake


def test_missing_token_is_one_clean_line(monkeypatch, capsys):
    from adapters.cli import main

    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["discord"]) == 2
    assert capsys.readouterr().err.startswith("parade-bot: DISCORD_TOKEN is not set")


async def test_subscribe_is_kept_per_guild_and_channel(fake_discord, seed_store, clock, tmp_path):
    from bot.commands import Dispatcher
    from bot.persistence import Database

    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_schema()
    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=db))
    await client.login(GOOD_TOKEN)
    try:
        refused = interaction("subscribe", timezone="Asia/Tokyo")
        member = await run_interaction(client, fake_discord, refused)
        assert member["data"]["embeds"][0]["title"] == "Not allowed"  # needs Manage Channels
        # Deferred in public (a success is for the channel), yet the refusal is the asker's alone: the
        # public "thinking…" is removed first, so the ephemeral follow-up is a message of its own.
        assert member["deferred"] == 0 and member["data"]["flags"] & 64
        assert fake_discord.received("DELETE", rf"/webhooks/{APP_ID}/{refused['token']}/messages/@original$")
        answer = await run_interaction(client, fake_discord, interaction("subscribe", timezone="Asia/Tokyo",
                                                                         permissions=MANAGER))
        # It touches the database, so it defers at once (Discord's 3 s) and answers in one follow-up.
        assert answer["deferred"] == 0 and answer["data"]["embeds"][0]["title"] == "Subscribed"
        assert len(fake_discord.received("POST", "/callback$")) == 2  # one each: never two first responses
        zones = await run_interaction(client, fake_discord, interaction("subscribe", kind=4, timezone=("tokyo", True)))
        assert zones["data"]["choices"] == [{"name": "Asia/Tokyo", "value": "Asia/Tokyo"}]
    finally:
        await client.close()
    subscription = db.subscription("discord", str(GUILD_ID), str(CHANNEL_ID))
    assert subscription.active and subscription.timezone == "Asia/Tokyo"


async def test_subscribe_refuses_where_the_bot_cannot_post_and_says_how_to_fix_it(fake_discord, seed_store, clock,
                                                                                  tmp_path):
    from bot.commands import Dispatcher
    from bot.persistence import Database

    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_schema()
    client = ParadeClient(Dispatcher(seed_store, clock=clock, subscriptions=db))
    await client.login(GOOD_TOKEN)
    read_only = str(discord.Permissions(view_channel=True).value)
    try:
        answer = await run_interaction(client, fake_discord, interaction("subscribe", app_permissions=read_only,
                                                                         permissions=MANAGER))
    finally:
        await client.close()
    [embed] = answer["data"]["embeds"]
    assert embed["title"] == "Sorry" and "lacks Send Messages, Embed Links" in embed["description"]
    assert db.subscription("discord", str(GUILD_ID), str(CHANNEL_ID)) is None  # no promise, no row


async def test_reload_needs_manage_server_or_a_listed_admin(fake_discord, seed_store, clock, tmp_path, caplog):
    from conftest import SEED

    from bot.commands import Dispatcher
    from bot.reload import ContentReloader

    content = tmp_path / "event.yaml"
    content.write_text(SEED.read_text())
    dispatcher = Dispatcher(seed_store, clock=clock)
    dispatcher.reloader = ContentReloader(dispatcher.content, content)
    client = ParadeClient(dispatcher, admin_ids=frozenset({"424242"}))
    await client.login(GOOD_TOKEN)
    try:
        refused = (await run_interaction(client, fake_discord, interaction("reload")))["data"]
        manage_server = interaction("reload", permissions=str(discord.Permissions(manage_guild=True).value))
        allowed = (await run_interaction(client, fake_discord, manage_server))["data"]
    finally:
        await client.close()
    assert refused["flags"] & 64 and refused["embeds"][0]["title"] == "Not allowed"
    assert f"refused /parade reload for user {USER_ID} on discord:{GUILD_ID}" in caplog.text
    assert allowed["flags"] & 64 and allowed["embeds"][0]["title"] == "Content reloaded"


async def test_global_pacer_never_exceeds_its_window_even_after_a_stall():
    import asyncio
    import time

    from adapters.discord_bot import GlobalPacer

    pacer = GlobalPacer(rate=10, window=0.2)
    sent: list[float] = []

    async def sender(n: int) -> None:
        await pacer.wait()
        sent.append(time.monotonic())
        if n == 5:
            time.sleep(0.15)  # the event loop stalls (a slow synchronous call); senders queue up meanwhile

    began = time.monotonic()
    await asyncio.gather(*(sender(n) for n in range(50)))
    busiest = max(sum(1 for t in sent if start <= t < start + 0.2) for start in sent)
    closest = min(later - earlier for earlier, later in itertools.pairwise(sent))
    assert busiest <= 10 and closest >= 0.01 - 0.002  # at least half a slot (0.02 s) apart, stall or not
    assert time.monotonic() - began >= 0.8  # 50 sends at 10 per 0.2 s need four full windows


async def test_a_hung_post_gives_up_inside_the_nonce_window(client, fake_discord, monkeypatch):
    import adapters.discord_bot as discord_bot

    monkeypatch.setattr(discord_bot, "POST_TIMEOUT", 0.3)
    fake_discord.script("POST", r"/channels/\d+/messages$", Response(200, {}, delay=1.5))
    with pytest.raises(DeliveryError) as raised:
        await DiscordPoster(client).post("98765", Reply(title="x"), idempotency_key="k")
    assert raised.value.retry_safe  # the retry carries the same nonce, so Discord drops a repeat


async def test_a_process_runs_only_its_shards(fake_discord, bot, monkeypatch):
    """Shards 1 and 3 of 4 from the settings: the gateway (a fake on loopback) sees exactly those two
    IDENTIFYs, each with [shard, count], and the client is ready once both are."""
    import asyncio
    import json

    import yarl
    from aiohttp import web
    from discord.gateway import DiscordWebSocket

    from bot.config import DiscordSettings

    identified: list[list[int]] = []

    async def gateway(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        async for message in ws:
            payload = json.loads(message.data)
            if payload["op"] == 2:  # IDENTIFY
                assert payload["d"]["token"] == GOOD_TOKEN
                identified.append(payload["d"]["shard"])
                await ws.send_json({"op": 0, "s": 1, "t": "READY", "d": {
                    "v": 10, "user": {**_user(BOT_ID, "parade-bot"), "bot": True}, "guilds": [],
                    "session_id": f"session-{payload['d']['shard'][0]}", "resume_gateway_url": str(url),
                    "shard": payload["d"]["shard"], "application": {"id": str(APP_ID), "flags": 0}}})
        return ws

    server = web.Application()
    server.router.add_get("/", gateway)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = yarl.URL(f"ws://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/")
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", url)

    async def no_identify_wait(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # Discord's 5 s between IDENTIFYs is discord.py's, not what this test is about

    monkeypatch.setattr(ParadeClient, "before_identify_hook", no_identify_wait)
    settings = DiscordSettings(shard_count=4, shard_ids=(1, 3))
    client = ParadeClient(bot, shard_count=settings.shard_count, shard_ids=settings.shard_ids)
    await client.login(GOOD_TOKEN)
    connecting = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), timeout=20)
        assert sorted(identified) == [[1, 4], [3, 4]]
        assert sorted(client.shards) == [1, 3] and client.shard_count == 4
    finally:
        await client.close()
        connecting.cancel()
        await runner.cleanup()


@pytest.mark.parametrize(("shards", "message"), [
    ({"shard_ids": (0,)}, "needs discord.shard_count"),
    ({"shard_count": 2, "shard_ids": (2,)}, "from 0 to 1"),
    ({"shard_count": 2, "shard_ids": (1, 1)}, "distinct"),
])
def test_shard_settings_that_cannot_work_are_refused(shards, message):
    from pydantic import ValidationError

    from bot.config import DiscordSettings

    with pytest.raises(ValidationError, match=message):
        DiscordSettings(**shards)


def test_each_shard_process_paces_itself_to_its_share_of_the_bots_rate():
    """Discord's 50 requests a second are per bot, not per process."""
    from adapters.discord_bot import GLOBAL_RATE, pacing_rate

    assert pacing_rate(None, None) == GLOBAL_RATE == pacing_rate(4, None)  # one process runs every shard
    assert pacing_rate(4, (0, 1)) == GLOBAL_RATE // 2 and pacing_rate(2, (1,)) == GLOBAL_RATE // 2
    assert pacing_rate(200, (7,)) == 1  # never 0
