"""Slack distribution: one bot for many workspaces, installed through Slack's OAuth v2 flow.

OAuth mode is chosen when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set (slack-bolt's own names):
`GET /slack/install` gives the install link (with a one-time `state`), `GET /slack/oauth_redirect`
checks the state, exchanges the code at `oauth.v2.access` and stores the workspace's installation in
the project's database. Commands are authorized with the token of the workspace they come from (bolt's
installation-store authorize), posts go out with the subscription's workspace token, and
`app_uninstalled` / `tokens_revoked` end that workspace's subscriptions and delete its token.

This module only translates between slack_sdk's installation and state store interfaces and the
project's storage port (`AsyncStorage`), which runs every database call off the event loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store import Installation as SlackInstallation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app import SlackPoster, build_app, slack_client
from bot.application import PlatformError
from bot.commands import Dispatcher
from bot.persistence import AsyncStorage, Installation, StorageUnavailable
from bot.ports import ChannelNeedsFix, DeliveryError, TokenRejected
from bot.reply import Reply

log = logging.getLogger(__name__)

PLATFORM = "slack"
# The bot scopes the install link asks for. config/slack/manifest.yaml lists the same (a test checks).
BOT_SCOPES = ("commands", "chat:write", "channels:read", "groups:read")
INSTALL_PATH, REDIRECT_PATH = "/slack/install", "/slack/oauth_redirect"
STATE_TTL_S = 600  # an install link is good for 10 minutes, once
TOKEN_CACHE_S = 30.0  # how long a workspace's token (or its absence) is reused before reading it again
NOT_INSTALLED = "the app is not installed in this workspace: install it from the bot's /slack/install page"
TOKEN_REFUSED = "Slack refused this workspace's token: reinstall the app from the bot's /slack/install page"


SLACK_TOKEN = re.compile(r"\bxox[a-z]-[0-9A-Za-z-]+")


class TokenRedactor(logging.Filter):
    """Takes Slack tokens out of a record before any handler sees it. slack_sdk logs each response body at
    DEBUG, and oauth.v2.access answers with the new workspace's bot token, which no log may hold."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "xox" in message:
            record.msg, record.args = SLACK_TOKEN.sub("[redacted]", message), ()
        return True


# The OAuth mode client's logger (bolt gives each request's client the same one).
WEB_API_LOG = logging.getLogger("adapters.slack_oauth.web_api")
WEB_API_LOG.addFilter(TokenRedactor())


class DatabaseInstallationStore(AsyncInstallationStore):
    """slack_sdk's installation store on the project's database: one bot installation per workspace.

    Only bot tokens are kept (the app asks for no user scopes) and token rotation is off (the manifest's
    `token_rotation_enabled: false`), so there are no refresh tokens. bolt, in bot-only mode, calls
    `async_save` after an install and `async_find_bot` for each request; deleting is the uninstall
    handler's (`end_workspace`), so the interface's other methods keep the base class's
    NotImplementedError. Tokens are looked up per command and per post, so each workspace's is cached
    for `ttl` seconds; this process forgets one at once when it saves or deletes it (another process
    sees the change within `ttl`)."""

    def __init__(self, storage: Callable[[], AsyncStorage | None], *, ttl: float = TOKEN_CACHE_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.storage = storage  # read at each use: a database down at start is taken up once it answers
        self.ttl = ttl
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, Installation | None]] = {}

    @property
    def logger(self) -> logging.Logger:
        return log

    async def installation(self, team_id: str) -> Installation | None:
        """The workspace's installation, from the cache while it is fresh. StorageUnavailable if unreadable."""
        cached = self._cache.get(team_id)
        if cached is not None and cached[0] > self.monotonic():
            return cached[1]
        found = await database(self.storage).installation(PLATFORM, team_id)
        self._cache[team_id] = (self.monotonic() + self.ttl, found)
        return found

    def forget(self, team_id: str) -> None:
        self._cache.pop(team_id, None)

    async def delete(self, team_id: str) -> bool:
        """Deletes the workspace's installation (an uninstall); forgotten here even if the database fails."""
        self.forget(team_id)
        return await database(self.storage).delete_installation(PLATFORM, team_id)

    # slack_sdk's interface ------------------------------------------------------------------------

    async def async_save(self, installation: SlackInstallation) -> None:
        if installation.is_enterprise_install or not installation.team_id:
            raise BoltError("org-wide installs are not supported: install the app in each workspace")
        if not installation.bot_token:
            raise BoltError("Slack gave no bot token: the install must include the bot scopes")
        await database(self.storage).save_installation(Installation(
            PLATFORM, installation.team_id, installation.bot_token,
            dt.datetime.fromtimestamp(installation.installed_at, dt.UTC),
            workspace_name=installation.team_name or "", app_id=installation.app_id or "",
            bot_id=installation.bot_id or "", bot_user_id=installation.bot_user_id or "",
            scopes=",".join(installation.bot_scopes or ()), installer=installation.user_id or ""))
        self.forget(installation.team_id)
        log.info("Slack: installed in workspace %s (%s) by %s", installation.team_id, installation.team_name,
                 installation.user_id)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        """What bolt's authorize reads for every request (installation_store_bot_only). A database that
        does not answer is logged and reads as "no installation": bolt then answers the asker with
        NOT_INSTALLED_HERE instead of a 500 that Slack would retry."""
        if not team_id or is_enterprise_install:
            return None
        try:
            found = await self.installation(team_id)
        except StorageUnavailable as exc:
            log.warning("Slack workspace %s: its installation could not be read (%s)", team_id, exc)
            return None
        if found is None:
            return None
        return Bot(app_id=found.app_id or None, enterprise_id=enterprise_id, team_id=found.workspace,
                   team_name=found.workspace_name, bot_token=found.bot_token, bot_id=found.bot_id,
                   bot_user_id=found.bot_user_id, bot_scopes=found.scopes, installed_at=found.installed_at.timestamp())


class DatabaseStateStore(AsyncOAuthStateStore):
    """Install-link states in the project's database: each good once, until it expires, in whichever
    process the callback lands (a state kept in memory or a local file would not be)."""

    def __init__(self, storage: Callable[[], AsyncStorage | None], *, expiration_seconds: int = STATE_TTL_S,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.storage = storage
        self.expiration = dt.timedelta(seconds=expiration_seconds)
        self.now = now

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)  # 43 characters
        now = self.now()
        await database(self.storage).issue_oauth_state(state, now + self.expiration, now)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 64:
            return False
        return await database(self.storage).consume_oauth_state(state, self.now())


def database(storage: Callable[[], AsyncStorage | None]) -> AsyncStorage:
    """The storage port, or StorageUnavailable while the bot runs without its database."""
    found = storage()
    if found is None:
        raise StorageUnavailable("no database (retrying)")
    return found


def oauth_settings(client_id: str, client_secret: str, installations: DatabaseInstallationStore,
                   states: DatabaseStateStore, *, authorization_url: str) -> AsyncOAuthSettings:
    """bolt's OAuth settings for this bot: the install and redirect paths, the scopes, the database
    stores. The redirect URL is the one set in the app's settings (or SLACK_REDIRECT_URI, read by bolt)."""
    return AsyncOAuthSettings(
        client_id=client_id, client_secret=client_secret, scopes=list(BOT_SCOPES), user_scopes=[],
        install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH, authorization_url=authorization_url,
        installation_store=installations, installation_store_bot_only=True,
        state_store=states, state_expiration_seconds=STATE_TTL_S, state_validation_enabled=True, logger=log)


def install_routes(server: web.Application, flow: AsyncOAuthFlow) -> None:
    """`GET /slack/install` and `GET /slack/oauth_redirect` on the HTTP server, run by bolt's flow.
    A database that does not answer gives a 503 page saying to try again, not a 500 and a traceback."""

    def page(handle: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]) -> Callable[..., Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            try:
                return await to_aiohttp_response(await handle(await to_bolt_request(request)))
            except StorageUnavailable as exc:
                log.error("Slack install page %s: database unavailable (%s)", request.path, exc)
                return web.Response(status=503, text="The bot's database is not answering: start the install "
                                                     "again in a minute.")
            except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                # Slack's own refusals (a bad code) are bolt's failure page; this is Slack not answering.
                log.error("Slack install page %s: oauth.v2.access did not answer (%s)", request.path,
                          exc.__class__.__name__)
                return web.Response(status=502, text="Slack did not answer: start the install again in a minute.")
        return serve

    server.router.add_get(flow.install_path, page(flow.handle_installation))
    server.router.add_get(flow.redirect_uri_path, page(flow.handle_callback))


def end_workspaces_on_uninstall(app: AsyncApp, installations: DatabaseInstallationStore) -> None:
    """`app_uninstalled`, and `tokens_revoked` for the bot's token: the workspace's subscriptions end
    (with the reason `/parade status` shows), its installation and token are deleted, one log line."""

    async def uninstalled(context: AsyncBoltContext) -> None:
        await end_workspace(installations, context.team_id, "the app was uninstalled from this workspace")

    async def revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if (event.get("tokens") or {}).get("bot"):  # user tokens: none are kept, nothing to do
            await end_workspace(installations, context.team_id, "the bot's token was revoked in this workspace")

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)


async def end_workspace(installations: DatabaseInstallationStore, team_id: str | None, reason: str) -> None:
    if not team_id:
        log.warning("Slack: %s, but the event names no workspace: nothing ended", reason)
        return
    try:
        ended = await database(installations.storage).end_workspace(PLATFORM, team_id, reason)
        deleted = await installations.delete(team_id)
    except StorageUnavailable as exc:
        # What is left fails on Slack's token errors: each subscription is paused with TOKEN_REFUSED.
        log.error("Slack workspace %s: %s, but the database did not answer (%s): its subscriptions or its token "
                  "may remain; posts there pause on Slack's token errors", team_id, reason, exc)
        installations.forget(team_id)
        return
    log.warning("Slack workspace %s: %s: %d subscription%s ended, %s", team_id, reason, ended,
                "" if ended == 1 else "s", "its bot token deleted" if deleted else "no stored token")


class WorkspacePoster(SlackPoster):
    """Posts in each workspace with that workspace's bot token, read from the installation store.

    A workspace with no installation is a "needs a fix" outcome (ChannelNeedsFix: paused, with
    NOT_INSTALLED): the channel is there, the bot may not post, and reinstalling fixes it; its
    subscriptions resume with the first post that gets through. A token Slack refuses is the same, for
    that workspace only: in single-token mode TokenRejected stops all posting, but here one workspace's
    revoked token must not stop the others."""

    def __init__(self, client: AsyncWebClient, installations: DatabaseInstallationStore) -> None:
        super().__init__(client)
        self.installations = installations

    async def token_for(self, workspace: str) -> str | None:
        """The workspace's bot token, None if it is not installed; StorageUnavailable if unreadable."""
        found = await self.installations.installation(workspace)
        return found.bot_token if found is not None else None

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str, workspace: str = "") -> None:
        where = f"slack workspace {workspace} channel {channel_id}"
        try:
            found = await self.installations.installation(workspace)
        except StorageUnavailable as exc:
            raise DeliveryError(f"{where}: its installation could not be read ({exc})", retry_safe=True) from exc
        if found is None:
            raise ChannelNeedsFix(f"{where}: not installed", NOT_INSTALLED)
        try:
            await self.send(channel_id, reply, token=found.bot_token)
        except TokenRejected as exc:
            self.installations.forget(workspace)  # a reinstall's new token is read at the next post
            raise ChannelNeedsFix(f"{where}: {exc}", TOKEN_REFUSED) from exc


def oauth_bot(dispatcher: Dispatcher, storage: Callable[[], AsyncStorage | None], client_id: str,
              client_secret: str, *, signing_secret: str, api_url: str, authorize_url: str,
              **behaviour: Any) -> tuple[AsyncApp, WorkspacePoster]:
    """The bolt app for many workspaces and its poster, sharing one installation store (and its cache).
    `behaviour`: build_app's options (in_channel, timezone, admin_ids, open_subscriptions)."""
    installations = DatabaseInstallationStore(storage)
    client = slack_client(None, base_url=api_url, logger=WEB_API_LOG)  # each call names its workspace's token
    settings = oauth_settings(client_id, client_secret, installations, DatabaseStateStore(storage),
                              authorization_url=authorize_url)
    bolt = build_app(dispatcher, client=client, signing_secret=signing_secret, oauth=settings, **behaviour)
    end_workspaces_on_uninstall(bolt, installations)
    return bolt, WorkspacePoster(client, installations)


def oauth_env(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for OAuth mode; PlatformError if it is half set up."""
    client_id, client_secret = env.get("SLACK_CLIENT_ID", ""), env.get("SLACK_CLIENT_SECRET", "")
    if not client_id and not client_secret:
        return False
    if not client_id or not client_secret:
        missing = "SLACK_CLIENT_ID" if not client_id else "SLACK_CLIENT_SECRET"
        raise PlatformError(f"{missing} is not set: OAuth mode needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                            "(Basic Information -> App Credentials)")
    if env.get("SLACK_APP_TOKEN"):
        raise PlatformError("OAuth mode (SLACK_CLIENT_ID) serves HTTP: unset SLACK_APP_TOKEN")
    if not env.get("SLACK_SIGNING_SECRET"):
        raise PlatformError("SLACK_SIGNING_SECRET is not set: OAuth mode serves HTTP and needs it")
    return True
