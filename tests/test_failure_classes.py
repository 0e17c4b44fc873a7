"""Each platform failure is acted on by its class (README, "Delivery guarantees"): an edge block or a
revoked token stops posting on the platform after a handful of requests, a missing permission pauses the
channel until a post gets through, a gone channel ends its subscription. Through the real discord.py and
slack_sdk code, against loopback fakes."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import discord
import pytest
from conftest import PARADE_START_UTC, FakeClock
from fakeapi import FakeAPI, Recorded, Response, serving
from sqlalchemy import insert
from test_discord_adapter import GOOD_TOKEN, discord_api
from test_reminders import open_db
from test_slack_adapter import BOT_TOKEN

from adapters.discord_bot import DiscordPoster, ParadeClient
from adapters.slack_app import SlackPoster, classify, slack_client
from bot.commands import Command, Dispatcher
from bot.delivery import DeliveryService
from bot.persistence import SUBSCRIPTIONS, Database
from bot.ports import ChannelGone, ChannelNeedsFix, DeliveryError, PlatformUnavailable, TokenRejected
from bot.reply import Reply

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL where configured

START = PARADE_START_UTC
SUBSCRIBED = START - dt.timedelta(days=10)
POSTS = r"/channels/\d+/messages$"
CLOUDFLARE_PAGE = Response(403, "<html><body>Sorry, you have been blocked</body></html>", {"Content-Type": "text/html"})


def subscribe_many(db: Database, platform: str, count: int) -> None:
    with db.engine.begin() as connection:  # one statement: 10,000 subscribe() calls would take minutes
        connection.execute(insert(SUBSCRIPTIONS), [
            {"platform": platform, "workspace": "W", "channel": str(1000 + n), "timezone": "UTC", "active": True,
             "subscribed_at": SUBSCRIBED} for n in range(count)])


class Switchable:
    """The Discord fake with a fault that can be lifted: `fault(req)` returns a Response or None."""

    def __init__(self) -> None:
        self.fault = lambda req: None
        self.posted: list[str] = []

    def __call__(self, req: Recorded) -> Response:
        if req.method == "POST" and "/messages" in req.path:
            failure = self.fault(req)
            if failure is not None:
                return failure
            self.posted.append(req.path.split("/")[-2])
        return discord_api(req)


@pytest.fixture
async def discord_fake(monkeypatch):
    api = Switchable()
    with FakeAPI(api) as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", f"{fake.url}/api/v10")
        client = ParadeClient(Dispatcher(None))
        await client.login(GOOD_TOKEN)
        yield api, fake, client
        await client.close()


def discord_delivery(path, client, store, channels: int) -> tuple[Database, FakeClock, DeliveryService]:
    """`channels` Discord channels subscribed, the week-before reminder just due, posting through `client`."""
    db = open_db(path)
    subscribe_many(db, "discord", channels)
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(seconds=30))
    return db, clock, DeliveryService(db, {"discord": DiscordPoster(client)}, lambda: store, clock=clock, owner="t")


def later(service: DeliveryService, seconds: float) -> None:
    """Moves the breaker's clock on (it runs on monotonic time, not the posts' clock)."""
    now = time.monotonic() + seconds
    service.breaker.monotonic = lambda: now


async def test_an_edge_block_keeps_every_subscription_and_the_next_post_reaches_all(
        tmp_path, seed_store, discord_fake, capsys):
    api, fake, client = discord_fake
    db, clock, service = discord_delivery(tmp_path / "edge.db", client, seed_store, 20)

    api.fault = lambda req: CLOUDFLARE_PAGE
    blocked = await service.deliver_due()
    requests_while_blocked = len(fake.received("POST", POSTS))
    assert len(db.active_subscriptions()) == 20 and blocked.gone == 0 and blocked.paused == 0
    assert requests_while_blocked <= service.concurrency  # the breaker held back the rest
    assert blocked.held == 20 - requests_while_blocked
    assert [p for p in service.breaker.problems() if "discord: posting stopped" in p]

    api.fault = lambda req: None  # the block lifts; the breaker lets posts through after its rest
    later(service, 901)
    [next_post] = [p for p in service.posts() if p.due > clock()][:1]
    clock.now = next_post.due + dt.timedelta(seconds=5)
    reached = await service.deliver_due()
    got_next = {d.subscription_id for d in db.deliveries() if d.reminder_id == next_post.id and d.status == "sent"}
    with capsys.disabled():
        print(f"\nCloudflare 403 on 20 channels: {requests_while_blocked} requests while blocked, "
              f"20/20 active after, next post sent to {len(got_next)}/20 ({reached})")
    assert len(got_next) == 20 and len(db.active_subscriptions()) == 20
    assert not service.breaker.problems()


async def test_a_revoked_token_costs_a_handful_of_requests_not_one_per_channel(
        tmp_path, seed_store, discord_fake, capsys):
    api, fake, client = discord_fake
    db, clock, service = discord_delivery(tmp_path / "revoked.db", client, seed_store, 10_000)
    api.fault = lambda req: Response(401, {"message": "401: Unauthorized", "code": 0})

    for _ in range(3):  # the first pass and two retry passes
        await service.deliver_due()
        clock.advance(dt.timedelta(minutes=1))
    made = len(fake.received("POST", POSTS))
    with capsys.disabled():
        print(f"\nrevoked token, 10,000 channels, 3 passes: {made} requests to Discord")
    assert made <= service.concurrency
    assert service.breaker.problems() == [p for p in service.breaker.problems() if "until a restart" in p] != []
    assert len(db.active_subscriptions()) == 10_000  # the channels did nothing wrong


async def test_a_missing_permission_pauses_the_channel_until_a_post_gets_through(
        tmp_path, seed_store, discord_fake, caplog):
    caplog.set_level(logging.INFO, "bot.delivery")
    api, _, client = discord_fake
    db, clock, service = discord_delivery(tmp_path / "paused.db", client, seed_store, 3)
    api.fault = lambda req: (Response(403, {"message": "Missing Permissions", "code": 50013})
                             if "/1001/" in req.path else None)

    report = await service.deliver_due()
    assert (report.sent, report.paused, report.gone) == (2, 1, 0)
    [paused] = [s for s in db.active_subscriptions() if s.paused]
    assert paused.channel == "1001" and "Send Messages" in (paused.reason or "")
    status = await Dispatcher(seed_store, subscriptions=db).handle(Command(text="status", user_id="op", is_admin=True))
    assert "discord: 2 active, 1 paused" in status.text
    assert "Send Messages" in json.dumps([f.value for f in status.fields])

    clock.advance(dt.timedelta(minutes=1))
    assert (await service.deliver_due()).sent == 0  # refused requests are not repeated for the same post
    api.fault = lambda req: None  # an admin fixes the role; the next post gets through
    clock.now = next(p.due for p in service.posts() if p.due > clock()) + dt.timedelta(seconds=5)
    report = await service.deliver_due()
    assert report.sent == 3 and not [s for s in db.active_subscriptions() if s.paused]
    assert "1001" in api.posted and "resumed" in caplog.text


@pytest.mark.parametrize(("error", "status", "expected", "retry_safe"), [
    ("channel_not_found", 200, ChannelGone, False),
    ("is_archived", 200, ChannelGone, False),
    ("not_in_channel", 200, ChannelNeedsFix, False),
    ("no_permission", 200, ChannelNeedsFix, False),
    ("token_revoked", 200, TokenRejected, True),
    ("invalid_auth", 200, TokenRejected, True),
    ("service_unavailable", 503, DeliveryError, True),
    ("internal_error", 500, DeliveryError, False),  # Slack may have posted it: at most once
    ("msg_too_long", 200, DeliveryError, False),
])
async def test_each_slack_answer_is_one_failure_class(fake_slack, error, status, expected, retry_safe):
    fake_slack.script("POST", "^/api/chat.postMessage$", Response(status, {"ok": False, "error": error}), times=5)
    poster = SlackPoster(slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/"))
    with pytest.raises(DeliveryError) as raised:
        await poster.post("C42", Reply(title="x"), idempotency_key="k")
    assert type(raised.value) is expected and raised.value.retry_safe is retry_safe
    if error == "not_in_channel":
        assert "/invite" in raised.value.fix


def test_a_slack_rate_limit_past_the_clients_waits_rests_the_platform():
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.slack_response import SlackResponse

    response = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={},
                             data={"ok": False, "error": "ratelimited"}, headers={}, status_code=429)
    failure = classify(SlackApiError("limited", response), "slack channel C1")
    assert isinstance(failure, PlatformUnavailable) and failure.retry_after > 0


async def test_a_revoked_slack_token_stops_posting_and_turns_readyz_unready(tmp_path, seed_store, fake_slack):
    import aiohttp
    from test_slack_adapter import SECRET

    from adapters.slack_app import build_app, web_app

    db = open_db(tmp_path / "slack-revoked.db")
    subscribe_many(db, "slack", 50)
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(seconds=30))
    client = slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/")
    service = DeliveryService(db, {"slack": SlackPoster(client)}, lambda: seed_store, clock=clock, owner="t")
    fake_slack.script("POST", "^/api/chat.postMessage$", Response(200, {"ok": False, "error": "token_revoked"}),
                      times=100)
    report = await service.deliver_due()
    assert len(fake_slack.received("POST", "^/api/chat.postMessage$")) <= service.concurrency
    assert report.held + report.failed == 50 and report.sent == 0

    async def readiness() -> list[str]:
        return service.breaker.problems()

    server = web_app(build_app(Dispatcher(seed_store), client=client, signing_secret=SECRET),
                     signing_secret=SECRET, readiness=readiness)
    async with serving(server) as url, aiohttp.ClientSession() as session:
        async with session.get(f"{url}/readyz") as resp:
            body = await resp.json()
        async with session.get(f"{url}/healthz") as alive:
            assert alive.status == 200  # the process answers: restarting it would not bring the token back
    assert resp.status == 503 and body["status"] == "unready"
    assert "slack: posting stopped until a restart" in body["problems"][0]


async def test_a_paused_channel_is_told_why_and_subscribe_resumes_it(tmp_path, seed_store):
    db = open_db(tmp_path / "told.db")
    subscription = db.subscribe("discord", "W", "1", "UTC", SUBSCRIBED)
    db.pause(subscription.id, "the bot lacks a permission here: give its role Send Messages")
    dispatcher = Dispatcher(seed_store, subscriptions=db, clock=FakeClock(START - dt.timedelta(days=2)))
    here = {"platform": "discord", "workspace": "W", "channel": "1", "user_id": "u", "is_admin": True}
    schedule = await dispatcher.handle(Command(text="schedule", **here))
    assert schedule.text.startswith("Posts here are paused: the bot lacks a permission here")
    await dispatcher.handle(Command(text="subscribe", **here))
    assert not db.subscription("discord", "W", "1").paused
