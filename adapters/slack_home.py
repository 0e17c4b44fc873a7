"""Slack's App Home tab: the countdown (each reader sees times in their own zone), the latest news and
the commands, per user. Rendered from the core's own replies (`countdown`, `news`, `help`) on every
opening, and published again for everyone who opened it since start when the content reloads."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app import render_blocks
from bot.commands import Command, Dispatcher
from bot.persistence import StorageUnavailable
from bot.reload import ContentDiff

log = logging.getLogger(__name__)

HOME_BLOCKS_MAX = 100  # https://api.slack.com/reference/block-kit/views
MAX_HOME_VIEWERS = 10_000  # users refreshed after a reload: the most recent openers
SECTIONS = ("countdown", "news", "help")


class AppHome:
    def __init__(self, dispatcher: Dispatcher, client: AsyncWebClient, *,
                 tokens: Callable[[str], Awaitable[str | None]] | None = None, timezone: str | None = None,
                 admin_ids: frozenset[str] = frozenset()) -> None:
        self.dispatcher = dispatcher
        self.client = client
        self.tokens = tokens  # OAuth mode: a workspace's own bot token; None: the client's token
        self.timezone = timezone
        self.admin_ids = admin_ids
        self._viewers: OrderedDict[str, str] = OrderedDict()  # user -> team, most recent last
        self._refreshing: asyncio.Task[int] | None = None

    def register(self, app: AsyncApp) -> None:
        app.event("app_home_opened")(self.opened)

    async def opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") != "home" or not event.get("user"):
            return
        user, team = event["user"], body.get("team_id", "")
        self._viewers.pop(user, None)
        self._viewers[user] = team
        if len(self._viewers) > MAX_HOME_VIEWERS:
            self._viewers.popitem(last=False)
        await self.publish(user, team)

    async def view(self, user: str, team: str) -> dict[str, Any]:
        """The Home view for `user`: each section is the core command's reply, without its buttons
        (they act on a channel, and the Home tab is none)."""
        blocks: list[dict[str, Any]] = []
        for name in SECTIONS:
            reply = await self.dispatcher.handle(Command(text="", name=name, timezone=self.timezone, user_id=user,
                                                         is_admin=user in self.admin_ids, platform="slack",
                                                         workspace=team))
            section = render_blocks(dataclasses.replace(reply, actions=(), menu=None))
            room = HOME_BLOCKS_MAX - len(blocks) - (1 if blocks else 0)
            if room <= 0:
                break
            blocks += ([{"type": "divider"}] if blocks else []) + section[:room]
        return {"type": "home", "blocks": blocks}

    async def publish(self, user: str, team: str) -> bool:
        """views.publish for one user; a failure is logged (the tab keeps its last view)."""
        token: dict[str, str] = {}
        if self.tokens is not None:
            try:
                found = await self.tokens(team)
            except StorageUnavailable as exc:
                log.warning("App Home for %s not published: workspace token unreadable (%s)", user, exc)
                return False
            if found is None:
                log.warning("App Home for %s not published: workspace %s is not installed", user, team)
                return False
            token = {"token": found}
        try:
            await self.client.views_publish(user_id=user, view=await self.view(user, team), **token)
        except SlackApiError as exc:
            log.warning("App Home for %s not published: %s", user, exc.response.get("error"))
            return False
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("App Home for %s not published: %s", user, exc.__class__.__name__)
            return False
        return True

    async def content_reloaded(self, diff: ContentDiff) -> None:
        """Everyone who opened the tab since start sees the new content without opening it again. In the
        background: views.publish is rate limited per workspace, and the reload must not wait on it. A
        refresh still running is replaced, since the newer content is what matters."""
        if self._refreshing is not None:
            self._refreshing.cancel()
        self._refreshing = asyncio.create_task(self.refresh(), name="slack-app-home-refresh")

    async def refresh(self) -> int:
        """Publishes every known viewer's Home again, one after another; how many succeeded."""
        viewers = list(self._viewers.items())
        published = 0
        for user, team in viewers:
            published += await self.publish(user, team)
        log.info("App Home refreshed after a reload for %d of %d users", published, len(viewers))
        return published
