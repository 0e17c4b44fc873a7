"""Slack adapter (slack-bolt, async): the `/parade` slash command, Block Kit, and an outbound poster.

It only translates: a slash command becomes a core `Command`, the core `Reply` becomes blocks.
All text is escaped per Slack's formatting rules, so nothing can become `<!channel>` or `<@U…>`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.text import ACTION_ID, MENU_ID, clip, localize, menu_id, sources_line, usable_actions
from bot import metrics
from bot.application import Application, PlatformError
from bot.commands import Command, Dispatcher
from bot.ports import ChannelGone, ChannelNeedsFix, DeliveryError, PlatformUnavailable, TokenRejected
from bot.reply import Action, Menu, Moment, Reply

log = logging.getLogger(__name__)
# A slash command or interaction is a few KB; anything far larger is refused before it is read.
MAX_BODY = 256 * 1024

# https://api.slack.com/reference/block-kit/blocks
HEADER_MAX, SECTION_TEXT_MAX, FIELD_TEXT_MAX, FIELDS_PER_SECTION, BLOCKS_MAX = 150, 3000, 2000, 10, 50
CONTEXT_ELEMENTS_MAX = 10
# https://api.slack.com/reference/block-kit/block-elements
ACTION_ELEMENTS_MAX, ACTION_ID_MAX, BUTTON_TEXT_MAX = 25, 255, 75
OPTIONS_MAX, OPTION_TEXT_MAX, OPTION_VALUE_MAX, PLACEHOLDER_MAX = 100, 75, 150, 150
# https://api.slack.com/reference/surfaces/formatting#date-formatting: each reader's own zone
DATE_TOKENS = {"full": "{date_long_pretty} {time}", "short": "{date_short_pretty} {time}"}
FALLBACK_TEXT_MAX = 3000
# Slack's errors as the core's failure classes (the README's table): https://api.slack.com/methods/chat.postMessage
GONE_ERRORS = frozenset({"channel_not_found", "is_archived", "channel_is_archived"})
NOT_MEMBER = "the bot is not a member of this channel; invite it with `/invite @parade-bot`"
NEEDS_FIX = {"not_in_channel": NOT_MEMBER,
             "access_denied": "the bot may not post here: ask a workspace admin",
             "restricted_action": "a workspace setting stops the bot posting here: ask a workspace admin",
             "team_access_not_granted": "the app is not granted access to this workspace: reinstall it",
             "missing_scope": "the app lacks the chat:write scope: reinstall it with its manifest",
             "no_permission": "the app may not post in this channel: check its access, or ask a workspace admin"}
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})
# Slack refused these before doing anything, so a later pass may try again. Not `internal_error` or
# `fatal_error`: "some aspect of the operation" may have succeeded, and a repeat could post twice.
NOT_DONE_ERRORS = frozenset({"service_unavailable", "request_timeout"})
RATE_LIMIT_REST = 60.0  # s: still rate limited after the client waited out Retry-After three times
REPLAY_WINDOW_S = 300  # Slack's own timestamp tolerance
NOT_INSTALLED_HERE = ("parade-bot is not installed in this workspace (or its database did not answer): try again "
                      "in a moment, or ask an admin to install it from the bot's /slack/install page")


def escape(text: str) -> str:
    """Slack's three control characters as entities: user and content text can never form a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The reply as Block Kit within Slack's limits; whatever is cut is marked with '…'."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(reply.title, HEADER_MAX), "emoji": False}}
    ]
    if reply.text:
        blocks.append(_mrkdwn_section(_localized(reply.text, reply.moments)))
    fields = [f"*{escape(f.name)}*\n{_localized(f.value, reply.moments)}" for f in reply.fields]
    controls = actions_block(reply)
    room = BLOCKS_MAX - len(blocks) - (1 if reply.citations else 0) - (1 if controls else 0)
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        if room == 1 and start + FIELDS_PER_SECTION < len(fields):
            blocks.append(_mrkdwn_section(f"…and {len(fields) - start} more not shown."))
            break
        chunk = fields[start:start + FIELDS_PER_SECTION]
        blocks.append({"type": "section", "fields": [_mrkdwn(clip(t, FIELD_TEXT_MAX)) for t in chunk]})
        room -= 1
    if controls:
        blocks.append(controls)
    if reply.citations:
        blocks.append({"type": "context", "elements": [
            _mrkdwn(clip(escape(sources_line(reply.citations)), SECTION_TEXT_MAX))]})
    return blocks


def _localized(text: str, moments: tuple[Moment, ...]) -> str:
    """Escaped text whose times are Slack date markup: each reader sees their own zone, and the
    channel's zone stays beside it. The fallback is the text as written, for clients that cannot
    render dates. Countdowns stay as written: Slack has no live relative time."""
    return localize(escape(text), moments, _date_markup, escape)


def _date_markup(moment: Moment) -> str:
    written = escape(moment.text)
    if moment.style == "relative":
        return written
    markup = f"<!date^{int(moment.at.timestamp())}^{DATE_TOKENS[moment.style]}|{written.replace('|', '/')}>"
    return f"{markup} (your time) · {escape(moment.zone_note)}"


def actions_block(reply: Reply) -> dict[str, Any] | None:
    """The reply's buttons and menu as one actions block, within Slack's limits: an action whose id
    would be too long or is not one of ours is left off, and logged."""
    elements = [_button(action, custom_id) for action, custom_id in usable_actions(reply, ACTION_ID_MAX)]
    menu = reply.menu
    options = [(label, value) for label, value in menu.options if len(value) <= OPTION_VALUE_MAX] if menu else []
    room = ACTION_ELEMENTS_MAX - (1 if options else 0)
    if len(elements) > room:
        log.warning("left off %d buttons past Slack's %d", len(elements) - room, room)
        elements = elements[:room]
    if menu is not None and options:
        elements.append(_select(menu, options))
    return {"type": "actions", "block_id": "parade-actions", "elements": elements} if elements else None


def _button(action: Action, custom_id: str) -> dict[str, Any]:
    button = {"type": "button", "action_id": custom_id, "value": action.argument or action.command,
              "text": {"type": "plain_text", "text": clip(action.label, BUTTON_TEXT_MAX), "emoji": False}}
    return {**button, "style": action.style} if action.style != "default" else button


def _select(menu: Menu, options: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "static_select", "action_id": menu_id(menu),
            "placeholder": {"type": "plain_text", "text": clip(menu.placeholder, PLACEHOLDER_MAX)},
            "options": [{"text": {"type": "plain_text", "text": clip(label, OPTION_TEXT_MAX)}, "value": value}
                        for label, value in options[:OPTIONS_MAX]]}


def _mrkdwn_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(clip(text, SECTION_TEXT_MAX))}


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack does no automatic parsing (no "@channel" mentions, no auto-links); the escaped
    # text then holds no manual parsing strings either. plain_text (the header) is never parsed.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def fallback_text(reply: Reply) -> str:
    """The notification and screen-reader text that accompanies blocks."""
    return clip(escape(f"{reply.title}: {reply.text}" if reply.text else reply.title), FALLBACK_TEXT_MAX)


def slack_client(token: str | None, base_url: str = AsyncWebClient.BASE_URL,
                 logger: logging.Logger | None = None) -> AsyncWebClient:
    """A Web API client that waits out 429s (honouring Retry-After) but does not retry connection
    errors: a request that may have reached Slack is not re-sent, since that could post twice.
    `token` None: each call names its own (OAuth mode, a token per workspace)."""
    return AsyncWebClient(token=token, base_url=base_url, logger=logger,
                          retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])


class ReplayGuard:
    """Bolt middleware: answers replays of an already-seen request, and repeats of an event already
    handled, with an empty 200.

    Bolt verifies signatures and timestamps but lets a valid request be replayed inside its 5-minute
    window, and does nothing with `X-Slack-Retry-Num`; a command must still run only once. Slack retries
    an event it could not deliver (the bot was restarting, say): the retry is let through, since it may
    be the only delivery of an `app_uninstalled`, unless that event id was handled already.
    """

    def __init__(self, window_s: float = REPLAY_WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def __call__(self, req: AsyncBoltRequest, resp: BoltResponse,
                       next_: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        now = self.clock()
        while self._seen and next(iter(self._seen.values())) < now - self.window_s:
            self._seen.popitem(last=False)
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        retry = req.headers.get("x-slack-retry-num")
        if event_id:
            if f"event:{event_id}" in self._seen:
                log.info("ignored a repeat of Slack event %s", event_id)
                return BoltResponse(status=200, body="")
            self._seen[f"event:{event_id}"] = now
        elif retry:  # only events are retried; anything else claiming to be a retry is not run twice
            log.info("ignored a Slack retry (%s)", req.headers.get("x-slack-retry-reason", ["?"])[0])
            return BoltResponse(status=200, body="")
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        if signature and not retry:
            if signature in self._seen:
                log.warning("ignored a replayed Slack request")
                return BoltResponse(status=200, body="")
            self._seen[signature] = now
        return await next_()


def build_app(dispatcher: Dispatcher, *, client: AsyncWebClient, signing_secret: str | None,
              in_channel: bool = True, timezone: str | None = None,
              admin_ids: frozenset[str] = frozenset(), open_subscriptions: bool = False,
              oauth: AsyncOAuthSettings | None = None) -> AsyncApp:
    """The bolt app. `signing_secret` None means Socket Mode, where Slack does not sign requests.
    With `oauth` (adapters/slack_oauth.py), each request is authorized with its workspace's token."""
    app = AsyncApp(client=client, signing_secret=signing_secret,
                   request_verification_enabled=signing_secret is not None, oauth_settings=oauth,
                   user_facing_authorize_error_message=NOT_INSTALLED_HERE if oauth else None)
    app.middleware(ReplayGuard())

    async def parade(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()  # within Slack's 3 s deadline, before any other work
        # The bot posts with one workspace's token: a channel of another (a shared channel) cannot get posts.
        own_team = context.authorize_result.team_id if context.authorize_result else None
        team = command.get("team_id", "")
        reply = await dispatcher.handle(Command(text=command.get("text", ""), timezone=timezone,
                                          user_id=command.get("user_id", ""), platform="slack",
                                          is_admin=command.get("user_id") in admin_ids,
                                          manages_channel=open_subscriptions,
                                          workspace=command.get("team_id", ""),
                                          channel=command.get("channel_id", ""),
                                          posting_problem=functools.partial(not_a_member, context.client,
                                                                            command.get("channel_id", ""),
                                                                            team, own_team)))
        visible = in_channel and not reply.ephemeral
        blocks = render_blocks(reply)
        if visible:  # the channel sees who asked what
            blocks = with_asker(blocks, command.get("user_name", ""), command.get("text", ""))
        await answer(command, {"text": fallback_text(reply), "blocks": blocks, "replace_original": False,
                               "response_type": "in_channel" if visible else "ephemeral"})

    app.command("/parade")(parade)
    add_action_listeners(app, dispatcher, in_channel=in_channel, timezone=timezone, admin_ids=admin_ids,
                         open_subscriptions=open_subscriptions)
    return app


def add_action_listeners(app: AsyncApp, dispatcher: Dispatcher, *, in_channel: bool, timezone: str | None,
                         admin_ids: frozenset[str], open_subscriptions: bool) -> None:
    """Buttons and menus under the bot's messages run the core command they name, as if the presser had
    typed it: the same permission checks, the same answer (through the action's response_url), shown
    where a typed one would be (`slack.in_channel`), with who pressed what."""

    async def pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                      context: AsyncBoltContext) -> None:
        await ack()  # within Slack's 3 s deadline, before any other work
        found = ACTION_ID.fullmatch(action.get("action_id", "")) or MENU_ID.fullmatch(action.get("action_id", ""))
        if found is None:
            return
        named = found.groupdict()  # a button names its argument; a menu's is the option picked
        argument = named.get("argument", (action.get("selected_option") or {}).get("value", ""))
        page = int(named.get("page") or 0)
        user = (body.get("user") or {}).get("id", "")
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        channel = (body.get("channel") or {}).get("id", "") or (body.get("container") or {}).get("channel_id", "")
        own_team = context.authorize_result.team_id if context.authorize_result else None
        reply = await dispatcher.handle(Command(
            text="", name=found["command"], argument=argument or None, page=page, timezone=timezone,
            user_id=user, platform="slack", is_admin=user in admin_ids, manages_channel=open_subscriptions,
            workspace=team, channel=channel,
            posting_problem=functools.partial(not_a_member, client, channel, team, own_team)))
        typed = " ".join(part for part in (found["command"], argument) if part)
        where = {"text": typed, "team_id": team, "channel_id": channel, "response_url": body.get("response_url", "")}
        visible = in_channel and not reply.ephemeral
        blocks = render_blocks(reply)
        if visible:  # the channel sees who pressed what, as it sees who typed what
            presser = body.get("user") or {}
            blocks = with_asker(blocks, presser.get("username") or presser.get("name", ""), typed)
        await answer(where, {"text": fallback_text(reply), "blocks": blocks, "replace_original": False,
                             "response_type": "in_channel" if visible else "ephemeral"})

    app.action(re.compile(r"^parade:(run|pick):"))(pressed)


def with_asker(blocks: list[dict[str, Any]], user_name: str, text: str) -> list[dict[str, Any]]:
    """The blocks with "Asked by NAME: /parade TEXT" in their context line (plain words: no mention)."""
    asked = _mrkdwn(clip(escape(f"Asked by {user_name or 'someone'}: /parade {' '.join(text.split())}"), 200))
    if blocks[-1]["type"] == "context" and len(blocks[-1]["elements"]) < CONTEXT_ELEMENTS_MAX:
        return [*blocks[:-1], {**blocks[-1], "elements": [*blocks[-1]["elements"], asked]}]
    if len(blocks) < BLOCKS_MAX:
        return [*blocks, {"type": "context", "elements": [asked]}]
    return blocks


async def answer(command: dict[str, Any], message: dict[str, Any]) -> None:
    """Sends the answer to the command's response_url once. No retry: after a dropped connection
    Slack may have it already, and a second send would show it twice. A refusal (an expired URL, a
    5xx) is logged with the command and the channel; the URL itself is not (it authorises posting)."""
    name = command.get("text", "").split(" ", 1)[0] or "help"
    where = f"{command.get('team_id', '')}:{command.get('channel_id', '')}"
    url = command.get("response_url", "")
    if not url:
        log.warning("/parade %s in %s: no response_url to answer to", name, where)
        return
    try:
        response = await AsyncWebhookClient(url=url, retry_handlers=[]).send_dict(message)
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("/parade %s in %s: answer not delivered (%s), not resent", name, where, exc.__class__.__name__)
        return
    if response.status_code != 200:
        log.warning("/parade %s in %s: Slack refused the answer (HTTP %d, %s)", name, where,
                    response.status_code, (response.body or "")[:80])


async def not_a_member(client: AsyncWebClient, channel: str, team: str, own_team: str | None) -> str | None:
    """Whether the bot can post in `channel`: the command must come from the workspace whose token the
    bot has, and the bot must be a member (conversations.info). If Slack does not answer, the
    subscription is accepted and the first post tells."""
    if own_team is not None and team != own_team:
        return (f"this bot is installed with workspace {own_team}'s token and cannot post for workspace "
                f"{team}; install it in this workspace")
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        if exc.response.get("error") == "channel_not_found":
            return "the bot cannot see this channel; invite it with `/invite @parade-bot`"
        log.warning("conversations.info for %s failed (%s): subscribing without the check",
                    channel, exc.response.get("error"))
        return None
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("conversations.info for %s failed (%s): subscribing without the check",
                    channel, exc.__class__.__name__)
        return None
    found = info.get("channel") or {}
    if found.get("is_member") or found.get("is_im"):
        return None
    return NOT_MEMBER


async def _ready() -> list[str]:
    return []


def web_app(app: AsyncApp, *, signing_secret: str | None,
            readiness: metrics.Readiness = _ready) -> web.Application:
    """HTTP mode: `/slack/events` for Slack; `/healthz` and `/readyz` for a load balancer or an
    orchestrator (bot/metrics.py: `/readyz` is 503 with the problems `readiness()` lists).

    Before bolt parses anything, the request must be small (its declared length, then what is read)
    and signed with the app's signing secret over its raw bytes: anything else gets a 4xx at once,
    never a 5xx or a traceback, and costs no parsing."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def events(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        body = await request.read()  # at most MAX_BODY: aiohttp answers 413 past client_max_size
        if verifier is not None and not _signed(verifier, body, request.headers):
            log.info("refused an unsigned or badly signed request from %s", request.remote)
            return web.Response(status=401, text="invalid signature")
        try:
            bolt_request = await to_bolt_request(request)
        except (UnicodeDecodeError, ValueError):
            return web.Response(status=400, text="malformed request")
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post("/slack/events", events)
    metrics.add_probes(server, readiness)
    if app.oauth_flow is not None:  # OAuth mode: the install link and Slack's redirect back
        from adapters.slack_oauth import install_routes

        install_routes(server, app.oauth_flow)
    return server


def _socket_open(client: Any) -> bool:
    """Whether Socket Mode's websocket is open now (slack_sdk's own check is a coroutine)."""
    session = client.current_session
    return session is not None and not session.closed


def _signed(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature:
        return False
    return verifier.is_valid(body, timestamp, signature)


class SlackPoster:
    """The outbound port on Slack: `chat.postMessage`, waiting out 429s with Retry-After."""

    idempotent = False  # chat.postMessage has no idempotency key

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str, workspace: str = "") -> None:
        # Slack has no idempotency key for chat.postMessage; the delivery ledger guards repeats.
        await self.send(channel_id, reply)

    async def send(self, channel_id: str, reply: Reply, *, token: str | None = None) -> None:
        """chat.postMessage with the client's token, or `token` (a workspace's, in OAuth mode)."""
        try:
            await self.client.chat_postMessage(channel=channel_id, text=fallback_text(reply),
                                               blocks=render_blocks(reply), unfurl_links=False, link_names=False,
                                               **({"token": token} if token else {}))
        except SlackApiError as exc:
            raise classify(exc, f"slack channel {channel_id}") from exc
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # No answer: the message may have been posted. Not retried, so it cannot appear twice.
            raise DeliveryError(f"slack channel {channel_id}: {exc.__class__.__name__}") from exc


def classify(exc: SlackApiError, where: str) -> DeliveryError:
    """Slack's answer as the core's failure class."""
    error = str(exc.response.get("error", "unknown"))
    detail = f"{where}: {error}"
    if error in TOKEN_ERRORS:
        return TokenRejected(f"Slack refused the token ({detail})")
    if error == "ratelimited":
        return PlatformUnavailable(detail, retry_after=RATE_LIMIT_REST)
    if error in GONE_ERRORS:
        return ChannelGone(detail)
    if error in NEEDS_FIX:
        return ChannelNeedsFix(detail, NEEDS_FIX[error])
    if error in NOT_DONE_ERRORS or (exc.response.status_code >= 500 and error == "unknown"):
        return DeliveryError(detail, retry_safe=True)  # not made (a gateway's 5xx has no Slack error): tried later
    # Not retried: an invalid request (msg_too_long, invalid_blocks) fails the same way again, and after
    # internal_error or fatal_error the post may exist.
    return DeliveryError(detail)


def run(app: Application, options: Mapping[str, object]) -> int:
    """Serves `/parade` on Slack. Many workspaces (OAuth mode, HTTP) with SLACK_CLIENT_ID and
    SLACK_CLIENT_SECRET; else one workspace's SLACK_BOT_TOKEN: Socket Mode with SLACK_APP_TOKEN, else HTTP
    with SLACK_SIGNING_SECRET."""
    from adapters.slack_oauth import oauth_bot, oauth_env  # here: slack_oauth builds on this module

    env = {name: os.environ.get(name, "").strip()
           for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "PORT", "SLACK_CLIENT_ID",
                        "SLACK_CLIENT_SECRET")}
    oauth = oauth_env(env)
    if not oauth and not env["SLACK_BOT_TOKEN"]:
        raise PlatformError("SLACK_BOT_TOKEN is not set: export the bot token (xoxb-...) from the Slack app's settings "
                            "(or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to serve many workspaces)")
    socket_mode = bool(env["SLACK_APP_TOKEN"])
    if not socket_mode and not env["SLACK_SIGNING_SECRET"]:
        raise PlatformError("SLACK_SIGNING_SECRET is not set: HTTP mode needs it (or set SLACK_APP_TOKEN for "
                            "Socket Mode)")
    port = env["PORT"] or "3000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise PlatformError(f"PORT must be a TCP port number, not {port!r}")

    logging.getLogger().setLevel(logging.INFO)
    settings = app.settings
    behaviour: dict[str, Any] = {"in_channel": settings.slack.in_channel, "timezone": app.timezone,
                                 "admin_ids": settings.admins.slack,
                                 "open_subscriptions": settings.subscriptions.who == "everyone"}
    tokens = None  # single-token mode: the client's own token serves the one workspace
    if oauth:
        if env["SLACK_BOT_TOKEN"]:
            log.warning("Slack: OAuth mode; SLACK_BOT_TOKEN is not used (each workspace's own token is)")
        bolt, poster = oauth_bot(app.dispatcher, lambda: app.dispatcher.storage, env["SLACK_CLIENT_ID"],
                                 env["SLACK_CLIENT_SECRET"], signing_secret=env["SLACK_SIGNING_SECRET"],
                                 api_url=settings.slack.api_url, authorize_url=settings.slack.authorize_url,
                                 **behaviour)
        tokens = poster.token_for
    else:
        client = slack_client(env["SLACK_BOT_TOKEN"], base_url=settings.slack.api_url)
        bolt = build_app(app.dispatcher, client=client,
                         signing_secret=None if socket_mode else env["SLACK_SIGNING_SECRET"], **behaviour)
        poster = SlackPoster(client)
    from adapters.slack_home import AppHome  # it renders with this module's blocks

    home = AppHome(app.dispatcher, poster.client, tokens=tokens, timezone=app.timezone,
                   admin_ids=settings.admins.slack)
    home.register(bolt)
    app.after_reload.append(home.content_reloaded)
    try:
        asyncio.run(_serve(app, bolt, poster, env["SLACK_APP_TOKEN"] or None, int(port), env["SLACK_SIGNING_SECRET"]))
    except SlackApiError as exc:
        raise PlatformError(f"Slack refused the app: {exc.response.get('error', 'unknown error')}: check the tokens"
                            ) from None
    except KeyboardInterrupt:
        pass
    return 0


async def _serve(app: Application, bolt: AsyncApp, poster: SlackPoster, app_token: str | None, port: int,
                 signing_secret: str) -> None:
    if bolt.oauth_flow is None:
        await poster.client.auth_test()  # a rejected bot token fails here, before anything is served
    async with app.running({"slack": poster}):
        if app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            log.info("Slack: Socket Mode")
            handler = AsyncSocketModeHandler(bolt, app_token)
            app.connected = functools.partial(_socket_open, handler.client)
            try:
                await app.serve(handler.start_async())
            finally:
                await handler.close_async()
            return
        runner = web.AppRunner(web_app(bolt, signing_secret=signing_secret, readiness=app.readiness), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, app.settings.slack.host, port).start()
            log.info("Slack: HTTP mode on %s:%d (/slack/events, /healthz, /readyz%s)", app.settings.slack.host, port,
                     ", /slack/install, /slack/oauth_redirect: OAuth mode" if bolt.oauth_flow else "")
            await app.serve(app.stopping.wait())
        finally:
            await runner.cleanup()  # stops taking requests; answers under way finish
