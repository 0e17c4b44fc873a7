"""Slack distribution (OAuth mode) through slack-bolt's real install flow and authorize code: the install
link, the redirect with its one-time state, `oauth.v2.access` on a loopback fake, installations and
states in the project's database (SQLite, and PostgreSQL where configured), each workspace's commands
and posts with its own token, and what `app_uninstalled` / `tokens_revoked` end."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import html
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
import yaml
from conftest import PARADE_START_UTC, SEED, FakeClock
from fakeapi import FakeAPI, Recorded, Response, serving
from slack_sdk.signature import SignatureVerifier
from test_reminders import open_db

from adapters.slack_app import NOT_INSTALLED_HERE, web_app
from adapters.slack_oauth import (
    BOT_SCOPES,
    NOT_INSTALLED,
    TOKEN_REFUSED,
    DatabaseInstallationStore,
    DatabaseStateStore,
    WorkspacePoster,
    oauth_bot,
)
from bot.commands import Dispatcher
from bot.delivery import DeliveryService
from bot.persistence import AsyncStorage, Database, Installation
from bot.ports import ChannelNeedsFix
from bot.reply import Reply

on_each_backend = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL where configured

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET = "1111.2222", "fake-client-secret-0123456789"
SECRET = "fake-signing-secret-oauth-0123"
# Each workspace's code, and the token oauth.v2.access gives for it.
CODES = {"code-T1": "T1", "code-T2": "T2"}
TOKENS = {"T1": "xoxb-t1-fake-token-1111", "T2": "xoxb-t2-fake-token-2222"}
TEAM_OF = {token: team for team, token in TOKENS.items()}
REVOKED = "xoxb-t9-revoked-token-9999"


def slack_api(req: Recorded) -> Response:
    """Slack's Web API and OAuth endpoint, answering per token as Slack does."""
    bearer = req.headers.get("Authorization", "").removeprefix("Bearer ")
    if req.path == "/api/oauth.v2.access":
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        team = CODES.get(req.form.get("code", ""))
        if req.headers.get("Authorization") != expected or team is None:
            return Response(body={"ok": False, "error": "invalid_code"})
        return Response(body={"ok": True, "app_id": "A1", "access_token": TOKENS[team], "token_type": "bot",
                              "scope": ",".join(BOT_SCOPES), "bot_user_id": f"UBOT{team}",
                              "team": {"id": team, "name": f"Team {team}"}, "enterprise": None,
                              "is_enterprise_install": False, "authed_user": {"id": "U-INSTALLER"}})
    if bearer == REVOKED:
        return Response(body={"ok": False, "error": "token_revoked"})
    if req.path == "/api/auth.test":
        if bearer not in TEAM_OF:
            return Response(body={"ok": False, "error": "invalid_auth"})
        team = TEAM_OF[bearer]
        return Response(body={"ok": True, "url": "https://t.example/", "team": team, "user": "parade",
                              "team_id": team, "user_id": f"UBOT{team}", "bot_id": f"B{team}"})
    if req.path == "/api/chat.postMessage":
        return Response(body={"ok": True, "channel": req.json["channel"], "ts": f"{time.time():.6f}"})
    if req.path == "/api/conversations.info":
        channel = req.query.get("channel", "")  # a GET: slack_sdk sends the channel in the query
        return Response(body={"ok": True, "channel": {"id": channel, "is_member": True}})
    if req.path.startswith("/response/"):
        return Response(body={"ok": True})
    return Response(404, {"ok": False, "error": "unknown_method"})


class OAuthServer:
    def __init__(self, url: str, fake: FakeAPI, session: aiohttp.ClientSession, db: Database,
                 installations: DatabaseInstallationStore, poster: WorkspacePoster) -> None:
        self.url, self.fake, self.session, self.db = url, fake, session, db
        self.installations, self.poster = installations, poster

    async def install_link(self) -> tuple[str, str]:
        """GET /slack/install: the authorize URL on the page, and the state cookie set with it."""
        async with self.session.get(f"{self.url}/slack/install") as resp:
            assert resp.status == 200
            page = await resp.text()
            cookie = resp.headers["Set-Cookie"]
        [link] = re.findall(r'<a href="([^"]+)"', page)
        return html.unescape(link), cookie.split(";")[0]

    async def redirect(self, code: str, state: str, cookie: str | None) -> tuple[int, str]:
        headers = {"Cookie": cookie} if cookie else {}
        query = urlencode({"code": code, "state": state})
        async with self.session.get(f"{self.url}/slack/oauth_redirect?{query}", headers=headers) as resp:
            return resp.status, await resp.text()

    async def install(self, code: str) -> None:
        link, cookie = await self.install_link()
        state = parse_qs(urlsplit(link).query)["state"][0]
        status, page = await self.redirect(code, state, cookie)
        assert status == 200, page

    async def signed(self, body: str, content_type: str, retry: int = 0) -> int:
        ts = str(int(time.time()))
        headers = {"X-Slack-Request-Timestamp": ts, "Content-Type": content_type,
                   "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
                   **({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"} if retry else {})}
        async with self.session.post(f"{self.url}/slack/events", data=body, headers=headers) as resp:
            return resp.status

    async def command(self, team: str, text: str, *, channel: str = "C1") -> dict:
        response_url = f"{self.fake.url}/response/{team}-{channel}-{time.monotonic_ns()}"
        body = urlencode({"team_id": team, "channel_id": channel, "user_id": "U-ADMIN", "user_name": "admin",
                          "command": "/parade", "text": text, "api_app_id": "A1", "response_url": response_url})
        assert await self.signed(body, "application/x-www-form-urlencoded") == 200
        [answer] = await self.fake.wait_for("POST", "^" + response_url.removeprefix(self.fake.url) + "$")
        return answer.json

    async def event(self, team: str, event: dict, *, event_id: str | None = None, retry: int = 0) -> int:
        body = json.dumps({"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
                           "event_id": event_id or f"Ev{time.monotonic_ns()}", "event_time": int(time.time()),
                           "event": event})
        return await self.signed(body, "application/json", retry)


@contextlib.asynccontextmanager
async def oauth_server(tmp_path: Path, seed_store, clock) -> AsyncIterator[OAuthServer]:
    """The bot in OAuth mode over HTTP on 127.0.0.1: Web API, oauth.v2.access and the authorize page on a fake."""
    db = open_db(tmp_path / "oauth.db")
    storage = AsyncStorage(db)
    dispatcher = Dispatcher(seed_store, clock=clock, subscriptions=db)
    with FakeAPI(slack_api) as fake:
        bolt, poster = oauth_bot(dispatcher, lambda: storage, CLIENT_ID, CLIENT_SECRET, signing_secret=SECRET,
                                 api_url=f"{fake.url}/api/", authorize_url=f"{fake.url}/oauth/v2/authorize",
                                 admin_ids=frozenset({"U-ADMIN"}))
        async with serving(web_app(bolt, signing_secret=SECRET)) as url, aiohttp.ClientSession() as session:
            yield OAuthServer(url, fake, session, db, poster.installations, poster)
    db.close()


@pytest.fixture
async def oauth(tmp_path, seed_store, clock):
    async with oauth_server(tmp_path, seed_store, clock) as server:
        yield server


@on_each_backend
async def test_install_page_links_to_the_authorize_url_with_client_id_and_scopes(oauth):
    link, cookie = await oauth.install_link()
    assert link.startswith(f"{oauth.fake.url}/oauth/v2/authorize?")
    query = parse_qs(urlsplit(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    state = query["state"][0]
    assert cookie == f"slack-app-oauth-state={state}"  # the browser that asked must be the one that returns
    assert oauth.fake.requests == []  # nothing called yet


@on_each_backend
async def test_redirect_with_a_valid_state_exchanges_the_code_and_stores_the_installation(oauth):
    link, cookie = await oauth.install_link()
    state = parse_qs(urlsplit(link).query)["state"][0]
    status, page = await oauth.redirect("code-T1", state, cookie)
    assert status == 200 and "Thank you!" in page
    [exchange] = oauth.fake.received("POST", "^/api/oauth.v2.access$")
    assert exchange.form["code"] == "code-T1"
    stored = oauth.db.installation("slack", "T1")
    assert stored is not None and stored.bot_token == TOKENS["T1"] and stored.workspace_name == "Team T1"
    assert stored.scopes == ",".join(BOT_SCOPES) and stored.installer == "U-INSTALLER" and stored.bot_id == "BT1"
    assert TOKENS["T1"] not in repr(stored)  # a secret never reaches a log line through a repr

    again = await oauth.redirect("code-T1", state, cookie)  # the same state a second time
    assert again[0] == 401
    assert len(oauth.fake.received("POST", "^/api/oauth.v2.access$")) == 1  # the replay exchanged nothing


@on_each_backend
@pytest.mark.parametrize("problem", ["forged state", "no cookie", "cookie of another state"])
async def test_a_bad_state_is_refused_before_the_code_is_exchanged(oauth, problem):
    link, _ = await oauth.install_link()
    state = parse_qs(urlsplit(link).query)["state"][0]
    sent = {"forged state": ("forged-state-0123456789", "slack-app-oauth-state=forged-state-0123456789"),
            "no cookie": (state, None),
            "cookie of another state": (state, "slack-app-oauth-state=other")}[problem]
    status, _ = await oauth.redirect("code-T1", *sent)
    assert status in (400, 401)
    assert oauth.fake.received("POST", "^/api/oauth.v2.access$") == []
    assert oauth.db.installation("slack", "T1") is None


@on_each_backend
async def test_a_state_expires(tmp_path):
    now = [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]
    db = open_db(tmp_path / "states.db")
    states = DatabaseStateStore(lambda: AsyncStorage(db), now=lambda: now[0])
    fresh, stale = await states.async_issue(), await states.async_issue()
    assert await states.async_consume(fresh) and not await states.async_consume(fresh)
    now[0] += dt.timedelta(seconds=601)
    assert not await states.async_consume(stale)
    assert not await states.async_consume("x" * 500)  # longer than any state issued: not even looked up


@on_each_backend
async def test_each_workspace_commands_run_with_its_own_token(oauth):
    await oauth.install("code-T1")
    await oauth.install("code-T2")
    one = await oauth.command("T1", "subscribe UTC", channel="C1")
    two = await oauth.command("T2", "subscribe UTC", channel="C2")
    assert one["blocks"][0]["text"]["text"] == two["blocks"][0]["text"]["text"] == "Subscribed"
    checks = {r.query["channel"]: r.headers["Authorization"]
              for r in oauth.fake.received("GET", "^/api/conversations.info$")}
    assert checks == {"C1": f"Bearer {TOKENS['T1']}", "C2": f"Bearer {TOKENS['T2']}"}
    authorized = {r.headers["Authorization"] for r in oauth.fake.received("POST", "^/api/auth.test$")}
    assert authorized == {f"Bearer {TOKENS['T1']}", f"Bearer {TOKENS['T2']}"}
    assert oauth.db.subscription("slack", "T2", "C2").active


@on_each_backend
async def test_a_command_from_a_workspace_without_an_installation_is_told_so(oauth):
    answer = await oauth.command("T3", "subscribe")
    assert answer["text"] == NOT_INSTALLED_HERE
    assert oauth.db.subscription("slack", "T3", "C1") is None


@on_each_backend
async def test_posts_go_out_with_the_subscriptions_workspace_token(oauth, seed_store):
    await oauth.install("code-T1")
    await oauth.install("code-T2")
    subscribed = PARADE_START_UTC - dt.timedelta(days=10)
    for team, channel in [("T1", "C1"), ("T2", "C2"), ("T9", "C9")]:  # T9 never installed the app
        oauth.db.subscribe("slack", team, channel, "UTC", subscribed)
    clock = FakeClock(PARADE_START_UTC - dt.timedelta(days=7) + dt.timedelta(seconds=30))
    delivery = DeliveryService(oauth.db, {"slack": oauth.poster}, lambda: seed_store, clock=clock, owner="t")
    report = await delivery.deliver_due()
    posts = {r.json["channel"]: r.headers["Authorization"]
             for r in oauth.fake.received("POST", "^/api/chat.postMessage$")}
    assert posts == {"C1": f"Bearer {TOKENS['T1']}", "C2": f"Bearer {TOKENS['T2']}"}
    assert report.sent == 2 and report.paused == 1
    uninstalled = oauth.db.subscription("slack", "T9", "C9")
    assert uninstalled.active and uninstalled.reason == NOT_INSTALLED  # paused, shown by status, not ended


@on_each_backend
async def test_a_refused_token_pauses_that_workspace_only(tmp_path):
    db = open_db(tmp_path / "refused.db")
    storage = AsyncStorage(db)
    now = dt.datetime.now(dt.UTC)
    db.save_installation(Installation("slack", "T9", REVOKED, now))
    db.save_installation(Installation("slack", "T1", TOKENS["T1"], now))
    with FakeAPI(slack_api) as fake:
        from adapters.slack_app import slack_client

        poster = WorkspacePoster(slack_client(None, base_url=f"{fake.url}/api/"),
                                 DatabaseInstallationStore(lambda: storage))
        with pytest.raises(ChannelNeedsFix) as refused:
            await poster.post("C9", Reply(title="x"), idempotency_key="k", workspace="T9")
        await poster.post("C1", Reply(title="x"), idempotency_key="k", workspace="T1")  # the others carry on
    assert refused.value.fix == TOKEN_REFUSED and "token_revoked" in str(refused.value)
    assert [r.json["channel"] for r in fake.received("POST", "^/api/chat.postMessage$")] == ["C9", "C1"]


@on_each_backend
async def test_app_uninstalled_ends_that_workspaces_subscriptions_and_deletes_its_token(oauth, caplog):
    await oauth.install("code-T1")
    await oauth.install("code-T2")
    now = dt.datetime.now(dt.UTC)
    for team, channel in [("T1", "C1"), ("T1", "C3"), ("T2", "C2")]:
        oauth.db.subscribe("slack", team, channel, "UTC", now)
    assert await oauth.installations.installation("T1") is not None  # cached now: the uninstall must drop it
    with caplog.at_level(logging.WARNING, logger="adapters.slack_oauth"):
        assert await oauth.event("T1", {"type": "app_uninstalled"}) == 200
        for _ in range(200):
            if oauth.db.installation("slack", "T1") is None and caplog.records:
                break
            await asyncio.sleep(0.01)
    ended = [oauth.db.subscription("slack", "T1", c) for c in ("C1", "C3")]
    assert [(s.active, s.reason) for s in ended] == [(False, "the app was uninstalled from this workspace")] * 2
    assert oauth.db.subscription("slack", "T2", "C2").active  # another workspace is untouched
    assert oauth.db.installation("slack", "T1") is None and oauth.db.installation("slack", "T2") is not None
    assert await oauth.installations.installation("T1") is None
    [line] = [r.getMessage() for r in caplog.records]
    assert line == ("Slack workspace T1: the app was uninstalled from this workspace: 2 subscriptions ended, "
                    "its bot token deleted")
    assert TOKENS["T1"] not in caplog.text


@on_each_backend
async def test_tokens_revoked_for_the_bot_ends_the_workspace_and_a_user_token_does_not(oauth):
    await oauth.install("code-T2")
    oauth.db.subscribe("slack", "T2", "C2", "UTC", dt.datetime.now(dt.UTC))
    assert await oauth.event("T2", {"type": "tokens_revoked", "tokens": {"oauth": ["U5"]}}) == 200
    await asyncio.sleep(0.2)
    assert oauth.db.subscription("slack", "T2", "C2").active  # only a user's token: nothing of the bot's
    assert await oauth.event("T2", {"type": "tokens_revoked", "tokens": {"bot": ["UBOTT2"]}}) == 200
    for _ in range(200):  # the handler runs after the ack: wait for its last step
        if oauth.db.installation("slack", "T2") is None:
            break
        await asyncio.sleep(0.01)
    assert oauth.db.subscription("slack", "T2", "C2").reason == "the bot's token was revoked in this workspace"
    assert oauth.db.installation("slack", "T2") is None


@on_each_backend
async def test_an_unsigned_uninstall_event_ends_nothing(oauth):
    await oauth.install("code-T1")
    body = json.dumps({"type": "event_callback", "team_id": "T1", "event": {"type": "app_uninstalled"}})
    async with oauth.session.post(f"{oauth.url}/slack/events", data=body,
                                  headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 401
    assert oauth.db.installation("slack", "T1") is not None


async def test_without_its_database_the_install_page_says_to_try_again(seed_store, clock):
    with FakeAPI(slack_api) as fake:
        bolt, _ = oauth_bot(Dispatcher(seed_store, clock=clock), lambda: None, CLIENT_ID, CLIENT_SECRET,
                            signing_secret=SECRET, api_url=f"{fake.url}/api/",
                            authorize_url=f"{fake.url}/oauth/v2/authorize")
        async with (serving(web_app(bolt, signing_secret=SECRET)) as url, aiohttp.ClientSession() as session,
                    session.get(f"{url}/slack/install") as resp):
            assert resp.status == 503 and "again in a minute" in await resp.text()


def test_the_manifest_asks_for_the_scopes_the_install_link_asks_for():
    manifest = yaml.safe_load((ROOT / "config" / "slack" / "manifest.yaml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")


@pytest.mark.parametrize(("env", "message"), [
    ({"SLACK_CLIENT_ID": CLIENT_ID}, "SLACK_CLIENT_SECRET is not set"),
    ({"SLACK_CLIENT_SECRET": CLIENT_SECRET}, "SLACK_CLIENT_ID is not set"),
    ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}, "SLACK_SIGNING_SECRET is not set"),
    ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SECRET,
      "SLACK_APP_TOKEN": "xapp-1-fake"}, "OAuth mode (SLACK_CLIENT_ID) serves HTTP"),
])
def test_half_set_up_oauth_is_a_one_line_error_without_secrets(monkeypatch, capsys, env, message):
    from test_slack_adapter import slack_start_error

    printed = slack_start_error(monkeypatch, capsys, env, message)
    assert CLIENT_SECRET not in printed and SECRET not in printed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_bot_started_with_client_id_and_secret_and_no_bot_token_serves_the_install_link(tmp_path):
    """The acceptance check: `parade-bot slack` in HTTP mode with SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and
    SLACK_SIGNING_SECRET set (no SLACK_BOT_TOKEN) answers GET /slack/install with a link to the authorize
    URL carrying the client id and the scopes."""
    authorize = "http://127.0.0.1:9/oauth/v2/authorize"  # only ever a link on the page: never fetched
    config = tmp_path / "settings.yaml"
    config.write_text(f"content: {SEED}\ndata_dir: {tmp_path}\nslack:\n  host: 127.0.0.1\n"
                      f"  api_url: http://127.0.0.1:9/api/\n  authorize_url: {authorize}\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "PARADE_"))}
    env.update(SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_SIGNING_SECRET=SECRET,
               PORT=str(port), PARADE_CONFIG=str(config))
    bot = subprocess.Popen([sys.executable, "-m", "adapters.cli", "slack"], cwd=ROOT, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        page = asyncio.run(_install_page(f"http://127.0.0.1:{port}/slack/install", bot))
    finally:
        bot.terminate()
        _, log_text = bot.communicate(timeout=30)
    [link] = [html.unescape(href) for href in re.findall(r'<a href="([^"]+)"', page)]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith(authorize + "?")
    assert query["client_id"] == [CLIENT_ID] and query["scope"] == [",".join(BOT_SCOPES)] and query["state"]
    assert "OAuth mode" in log_text and CLIENT_SECRET not in log_text and SECRET not in log_text


async def _install_page(url: str, bot: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert bot.poll() is None, bot.communicate()[1]
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with session.get(url) as resp:
                    assert resp.status == 200
                    return await resp.text()
            await asyncio.sleep(0.1)
    raise TimeoutError("the bot did not serve /slack/install within 30 s")


@on_each_backend
async def test_no_workspace_token_reaches_the_log_even_at_debug(oauth, caplog):
    caplog.set_level(logging.DEBUG)
    await oauth.install("code-T1")  # slack_sdk logs oauth.v2.access's answer, which holds the token
    await oauth.command("T1", "subscribe UTC")
    await oauth.event("T1", {"type": "app_uninstalled"})
    await asyncio.sleep(0.2)
    assert "oauth.v2.access" in caplog.text and "[redacted]" in caplog.text  # logged, without the token
    assert TOKENS["T1"] not in caplog.text and CLIENT_SECRET not in caplog.text


@on_each_backend
@pytest.mark.parametrize(("answer", "status"), [
    (Response(body={"ok": False, "error": "invalid_code"}), 401),  # Slack refused the code: bolt's failure page
    (Response(reset=True), 502),  # no answer
    (Response(200, "<html>gateway</html>", {"Content-Type": "text/html"}), 401),  # not JSON
])
async def test_an_exchange_slack_refuses_or_drops_stores_nothing_and_says_so(oauth, answer, status, caplog):
    oauth.fake.script("POST", "^/api/oauth.v2.access$", answer)
    link, cookie = await oauth.install_link()
    state = parse_qs(urlsplit(link).query)["state"][0]
    got, page = await oauth.redirect("code-T1", state, cookie)
    assert got == status and page
    assert oauth.db.installation("slack", "T1") is None
    assert "Traceback" not in caplog.text


@on_each_backend
async def test_slack_can_verify_the_event_url(oauth):
    body = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"})
    ts = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": ts, "Content-Type": "application/json",
               "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)}
    async with oauth.session.post(f"{oauth.url}/slack/events", data=body, headers=headers) as resp:
        assert resp.status == 200 and (await resp.json())["challenge"] == "c-123"


async def test_commands_while_the_database_is_away_are_answered_not_failed(seed_store, clock):
    with FakeAPI(slack_api) as fake:
        bolt, _ = oauth_bot(Dispatcher(seed_store, clock=clock), lambda: None, CLIENT_ID, CLIENT_SECRET,
                            signing_secret=SECRET, api_url=f"{fake.url}/api/",
                            authorize_url=f"{fake.url}/oauth/v2/authorize")
        async with serving(web_app(bolt, signing_secret=SECRET)) as url, aiohttp.ClientSession() as session:
            server = OAuthServer(url, fake, session, None, None, None)  # type: ignore[arg-type]
            answer = await server.command("T1", "when")
    assert answer["text"] == NOT_INSTALLED_HERE


@on_each_backend
def test_a_reinstall_replaces_the_workspace_token(tmp_path):
    db = open_db(tmp_path / "reinstall.db")
    first = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    db.save_installation(Installation("slack", "T1", "xoxb-old-token", first, installer="U1"))
    db.save_installation(Installation("slack", "T1", "xoxb-new-token", first + dt.timedelta(days=1), installer="U2"))
    found = db.installation("slack", "T1")
    assert (found.bot_token, found.installer, found.installed_at) == ("xoxb-new-token", "U2",
                                                                      first + dt.timedelta(days=1))
    assert db.delete_installation("slack", "T1") and db.installation("slack", "T1") is None
    assert not db.delete_installation("slack", "T1")


async def test_an_uninstall_while_the_database_is_away_is_logged_not_raised(caplog):
    from adapters.slack_oauth import end_workspace

    with caplog.at_level(logging.ERROR, logger="adapters.slack_oauth"):
        await end_workspace(DatabaseInstallationStore(lambda: None), "T1", "the app was uninstalled")
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("Slack workspace T1: the app was uninstalled, but the database did not answer")


@on_each_backend
async def test_an_uninstall_slack_retries_is_handled_once(oauth, caplog):
    """The first delivery was lost (the bot was restarting): Slack's retry is the uninstall, and is
    handled; a further retry of the same event changes nothing and logs nothing new."""
    await oauth.install("code-T1")
    oauth.db.subscribe("slack", "T1", "C1", "UTC", dt.datetime.now(dt.UTC))
    with caplog.at_level(logging.INFO):
        assert await oauth.event("T1", {"type": "app_uninstalled"}, event_id="Ev-lost", retry=1) == 200
        for _ in range(200):
            if oauth.db.installation("slack", "T1") is None:
                break
            await asyncio.sleep(0.01)
        assert not oauth.db.subscription("slack", "T1", "C1").active
        assert await oauth.event("T1", {"type": "app_uninstalled"}, event_id="Ev-lost", retry=2) == 200
    assert "ignored a repeat of Slack event Ev-lost" in caplog.text
