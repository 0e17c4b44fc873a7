"""Platform faults against the loopback fakes: 5xx, timeouts, connection resets, 429 storms and a Socket
Mode disconnect. Scheduled posts are neither lost nor doubled (ledger and fake counts), and the bot keeps
answering once the fake recovers."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import discord
import pytest
from aiohttp import web
from conftest import PARADE_START_UTC, FakeClock
from fakeapi import FakeAPI, Recorded, Response, serving
from test_discord_adapter import GOOD_TOKEN, discord_api
from test_reminders import open_db
from test_slack_adapter import BOT_TOKEN, slack_api

from adapters.discord_bot import DiscordPoster, ParadeClient
from adapters.slack_app import SlackPoster, slack_client
from bot.commands import Dispatcher
from bot.delivery import DeliveryService
from bot.persistence import Database

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL where configured

START = PARADE_START_UTC
CHANNELS = 6


def subscribed(db: Database, platform: str) -> None:
    for n in range(CHANNELS):
        db.subscribe(platform, "W", f"{100 + n}", "UTC", START - dt.timedelta(days=10))


class Accepted:
    """Counts the posts a platform accepted, per channel; de-duplicates nonces as Discord does."""

    def __init__(self, inner):
        self.inner = inner
        self.posts: Counter[str] = Counter()
        self.nonces: set[str] = set()

    def __call__(self, req: Recorded) -> Response:
        response = self.inner(req)
        if req.method == "POST" and ("/messages" in req.path or req.path == "/api/chat.postMessage"):
            body = req.json
            nonce = body.get("nonce")
            if nonce is None or nonce not in self.nonces:
                self.posts[body.get("channel") or req.path.split("/")[-2]] += 1
            if nonce:
                self.nonces.add(nonce)
        return response


async def run_passes(service: DeliveryService, clock: FakeClock, passes: int) -> None:
    for _ in range(passes):  # the scheduler's retry pass runs every minute
        await service.deliver_due()
        clock.advance(dt.timedelta(minutes=1))


def figures(accepted: Accepted, db: Database) -> dict[str, int]:
    return {"expected": CHANNELS, "accepted": sum(accepted.posts.values()),
            "duplicates": sum(n - 1 for n in accepted.posts.values()), "lost": CHANNELS - len(accepted.posts),
            "ledger_sent": sum(d.status == "sent" for d in db.deliveries())}


async def test_slack_faults(tmp_path, capsys, seed_store):
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(seconds=30))
    results = {}
    faults = {
        "503s": Response(503, {"ok": False, "error": "service_unavailable"}),
        "429 storm": Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}),
    }
    for name, fault in faults.items():
        db = open_db(tmp_path / f"slack-{name}.db")
        subscribed(db, "slack")
        accepted = Accepted(slack_api)
        with FakeAPI(accepted) as fake:
            fake.script("POST", "^/api/chat.postMessage$", fault, times=8)  # more than the client retries
            client = slack_client(BOT_TOKEN, base_url=f"{fake.url}/api/")
            service = DeliveryService(db, {"slack": SlackPoster(client)}, lambda: seed_store, clock=clock, owner="t")
            await run_passes(service, clock, 4)
            results[name] = figures(accepted, db)
            # After the storm, the bot still gets through.
            assert (await client.chat_postMessage(channel="C9", text="ok"))["ok"]
    with capsys.disabled():
        print(f"\nSlack faults: {json.dumps(results)}")
    for name in faults:
        assert results[name] == {"expected": 6, "accepted": 6, "duplicates": 0, "lost": 0, "ledger_sent": 6}, name


async def test_slack_ambiguous_faults_are_never_doubled(tmp_path, capsys, seed_store):
    """A timeout or a reset after the request reached Slack: the post may exist, so it is not re-sent."""
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(seconds=30))
    results = {}
    for name, fault in {"timeout": Response(body={"ok": True, "ts": "1"}, delay=1.5),
                        "reset": Response(reset=True)}.items():
        db = open_db(tmp_path / f"slack-{name}.db")
        subscribed(db, "slack")
        with FakeAPI(slack_api) as fake:
            fake.script("POST", "^/api/chat.postMessage$", fault, times=1)
            client = slack_client(BOT_TOKEN, base_url=f"{fake.url}/api/")
            client.timeout = 0.5
            service = DeliveryService(db, {"slack": SlackPoster(client)}, lambda: seed_store, clock=clock, owner="t",
                                      concurrency=1)
            await run_passes(service, clock, 3)
            arrived = Counter(r.json["channel"] for r in fake.received("POST", "^/api/chat.postMessage$"))
        statuses = Counter(d.status for d in db.deliveries())
        results[name] = {"arrived_at_fake": sum(arrived.values()), "doubled": sum(n - 1 for n in arrived.values()),
                         "ledger": dict(statuses)}
        assert sum(n - 1 for n in arrived.values()) == 0 and len(arrived) == CHANNELS
        assert statuses == {"sent": CHANNELS - 1, "failed": 1}
    with capsys.disabled():
        print(f"\nSlack ambiguous faults (at most once): {json.dumps(results)}")


async def test_discord_faults(tmp_path, monkeypatch, capsys, seed_store):
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(seconds=30))
    results = {}
    faults = {
        "500s": (Response(500, {"message": "Internal Server Error", "code": 0}), 2),
        "reset after the post was made": (None, 2),
        "429 storm": (Response(429, {"message": "rate limited", "retry_after": 0.05, "global": False},
                               {"Via": "1.1 google"}), 4),
    }
    for name, (fault, times) in faults.items():
        db = open_db(tmp_path / f"discord-{name}.db")
        subscribed(db, "discord")
        accepted = Accepted(discord_api)
        processed_then_reset = {"left": times}

        def responder(req: Recorded, accepted=accepted, state=processed_then_reset, name=name) -> Response:
            response = accepted(req)  # the post is made (and its nonce remembered) ...
            if name.startswith("reset") and "/messages" in req.path and state["left"] > 0:
                state["left"] -= 1
                return Response(reset=True)  # ... but the answer never arrives
            return response

        with FakeAPI(responder) as fake:
            monkeypatch.setattr(discord.http.Route, "BASE", f"{fake.url}/api/v10")
            if fault is not None:
                fake.script("POST", r"/channels/\d+/messages$", fault, times=times)
            client = ParadeClient(Dispatcher(seed_store))
            await client.login(GOOD_TOKEN)
            service = DeliveryService(db, {"discord": DiscordPoster(client)}, lambda: seed_store, clock=clock,
                                      owner="t")
            await run_passes(service, clock, 3)
            await client.close()
        results[name] = figures(accepted, db)
    with capsys.disabled():
        print(f"\nDiscord faults: {json.dumps(results)}")
    for name in faults:
        assert results[name] == {"expected": 6, "accepted": 6, "duplicates": 0, "lost": 0, "ledger_sent": 6}, name


async def test_socket_mode_reconnects_after_a_disconnect_mid_answer(fake_slack, bot):
    import aiohttp
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from adapters.slack_app import build_app

    connections = 0

    async def socket(request: web.Request) -> web.WebSocketResponse:
        nonlocal connections
        connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        envelope = f"env-{connections}"
        await ws.send_json({"envelope_id": envelope, "type": "slash_commands", "accepts_response_payload": True,
                            "payload": {"command": "/parade", "text": "where", "user_id": "U1", "channel_id": "C1",
                                        "team_id": "T1", "response_url": f"{fake_slack.url}/response/{envelope}"}})
        if connections == 1:
            await ws.close()  # the platform drops the connection before the ack
            return ws
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
        return ws

    server = web.Application()
    server.router.add_get("/link", socket)
    async with serving(server) as url:
        fake_slack.script("POST", "^/api/apps.connections.open$",
                          Response(body={"ok": True, "url": url.replace("http", "ws") + "/link"}), times=5)
        client = slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/")
        handler = AsyncSocketModeHandler(build_app(bot, client=client, signing_secret=None), "xapp-fake")
        try:
            await handler.connect_async()
            [answer] = await fake_slack.wait_for("POST", "^/response/env-2$", timeout=20)
        finally:
            await handler.close_async()
    assert connections >= 2
    assert answer.json["blocks"][1]["text"]["text"] == "Beijing, China"



def test_ledger_refuses_a_fourth_attempt(tmp_path):
    db = open_db(tmp_path / "p.db")
    db.subscribe("slack", "W", "C", "UTC", START)
    sub = db.subscription("slack", "W", "C").id
    now = START
    assert db.claim(sub, "r", "a", now)
    for _ in range(2):
        db.finish(sub, "r", "failed", now, "500", retry_safe=True)
        assert db.claim(sub, "r", "a", now)
    db.finish(sub, "r", "failed", now, "500", retry_safe=True)
    assert not db.claim(sub, "r", "a", now)  # three attempts in all, then it stays failed
    db.finish(sub, "r", "failed", now, "timeout", retry_safe=False)
    assert not db.claim(sub, "r", "b", now)
