"""Discord's own ways to show a reply: local-time markup, and buttons and a select menu under it.

The buttons and the menu are discord.py dynamic items: their custom ids say what they run
(adapters/text.py ACTION_ID), and the client registers the templates at start, so a button on a
message sent before a restart still works. Pressing one runs the core command, through the same
permission checks as typing it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any, Protocol, runtime_checkable

import aiohttp
import discord

from adapters.text import ACTION_ID, MENU_ID, action_id, clip, menu_id, usable_actions
from bot.listing import EventDetails, ListingRefused
from bot.reply import Action, Menu, Moment, Reply

log = logging.getLogger(__name__)

# https://discord.com/developers/docs/components/reference
CUSTOM_ID_MAX, BUTTON_LABEL_MAX, ROWS_MAX, ROW_BUTTONS_MAX = 100, 80, 5, 5
SELECT_OPTIONS_MAX, SELECT_LABEL_MAX, SELECT_VALUE_MAX, SELECT_PLACEHOLDER_MAX = 25, 100, 100, 150
BUTTON_STYLES = {"default": discord.ButtonStyle.secondary, "primary": discord.ButtonStyle.primary,
                 "danger": discord.ButtonStyle.danger}
# https://discord.com/developers/docs/reference#message-formatting-timestamp-styles
TIMESTAMP_STYLES = {"full": "F", "short": "f", "relative": "R"}


def timestamp(moment: Moment) -> str:
    """Discord's markup: each reader sees the moment in their own zone and locale ("R" counts live).
    The channel's zone stays beside it, so a post still says what the channel agreed on."""
    markup = f"<t:{int(moment.at.timestamp())}:{TIMESTAMP_STYLES[moment.style]}>"
    return f"{markup} (your time) · {moment.zone_note}" if moment.zone_note else markup


@runtime_checkable
class ActionRunner(Protocol):
    """The client that answers a pressed button or a picked option (adapters/discord_bot.py)."""

    async def run_action(self, interaction: discord.Interaction, command: str, argument: str, page: int) -> None:
        ...


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ACTION_ID):
    """A button that runs `/parade COMMAND ARGUMENT` at PAGE, as its custom id says."""

    def __init__(self, action: Action) -> None:
        super().__init__(discord.ui.Button(label=clip(action.label, BUTTON_LABEL_MAX),
                                           style=BUTTON_STYLES[action.style], custom_id=action_id(action)))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ActionButton:
        label = item.label if isinstance(item, discord.ui.Button) and item.label else match["command"]
        return cls(Action(label, match["command"], match["argument"], int(match["page"])))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _run(interaction, self.action.command, self.action.argument, self.action.page)


class PickMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=MENU_ID):
    """A select menu: the picked option's value is the argument of `/parade COMMAND`."""

    def __init__(self, menu: Menu) -> None:
        options = [discord.SelectOption(label=clip(label, SELECT_LABEL_MAX), value=value)
                   for label, value in menu.options[:SELECT_OPTIONS_MAX] if len(value) <= SELECT_VALUE_MAX]
        super().__init__(discord.ui.Select(custom_id=menu_id(menu), options=options,
                                           placeholder=clip(menu.placeholder, SELECT_PLACEHOLDER_MAX)))
        self.command = menu.command

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> PickMenu:
        # Only the command matters when picked: the value comes with the interaction.
        return cls(Menu("", match["command"], ()))

    async def callback(self, interaction: discord.Interaction) -> None:
        data = interaction.data or {}
        values = data.get("values") or [""]
        await _run(interaction, self.command, str(values[0]), 0)


async def _run(interaction: discord.Interaction, command: str, argument: str, page: int) -> None:
    client = interaction.client
    if not isinstance(client, ActionRunner):  # only a ParadeClient registers these items
        log.error("a parade component was pressed on a client that cannot run it: %r", client)
        return
    await client.run_action(interaction, command, argument, page)


def render_view(reply: Reply) -> discord.ui.View | None:
    """The reply's buttons (a row of five at most, "More" among them) and menu, within Discord's
    limits: an action whose id would be too long, or not one of ours, is left off and logged."""
    buttons = [ActionButton(action) for action, _ in usable_actions(reply, CUSTOM_ID_MAX)]
    # One row is kept for the menu.
    room = ROW_BUTTONS_MAX * (ROWS_MAX - 1)
    if len(buttons) > room:
        log.warning("left off %d buttons past Discord's %d", len(buttons) - room, room)
    usable_menu = reply.menu is not None and any(len(v) <= SELECT_VALUE_MAX for _, v in reply.menu.options)
    if not buttons and not usable_menu:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:room]:
        view.add_item(button)
    if reply.menu is not None and usable_menu:
        view.add_item(PickMenu(reply.menu))
    return view


# https://discord.com/developers/docs/resources/guild-scheduled-event
EVENT_NAME_MAX, EVENT_DESCRIPTION_MAX, EVENT_LOCATION_MAX = 100, 1000, 100
EXTERNAL_EVENT, GUILD_ONLY = 3, 2
UNKNOWN_SCHEDULED_EVENT = 10070  # deleted in Discord since it was listed: list it anew
MISSING_PERMISSIONS = 50013
EVENT_TIMEOUT = 15.0  # s: an admin is waiting on the answer


class DiscordEvents:
    """The event as an external Scheduled Event in a server (bot/listing.py EventPublisher)."""

    platform = "discord"
    where = "this server's Events"

    def __init__(self, client: discord.Client, duration: dt.timedelta) -> None:
        self.client = client
        self.duration = duration

    async def publish(self, workspace: str, details: EventDetails, existing_id: str | None) -> str:
        payload = {"name": clip(details.name, EVENT_NAME_MAX), "description": clip(details.description,
                                                                                    EVENT_DESCRIPTION_MAX),
                   "entity_type": EXTERNAL_EVENT, "privacy_level": GUILD_ONLY,
                   "entity_metadata": {"location": clip(details.location, EVENT_LOCATION_MAX)},
                   "scheduled_start_time": details.start.isoformat(),
                   "scheduled_end_time": (details.start + self.duration).isoformat()}
        http = self.client.http
        try:
            if existing_id is not None:
                try:
                    edited = await asyncio.wait_for(http.edit_scheduled_event(workspace, existing_id, **payload),
                                                    EVENT_TIMEOUT)
                    return str(edited["id"])
                except discord.NotFound as exc:
                    if exc.code != UNKNOWN_SCHEDULED_EVENT:
                        raise
                    log.info("scheduled event %s in guild %s was deleted: listing it anew", existing_id, workspace)
            created = await asyncio.wait_for(http.create_guild_scheduled_event(workspace, **payload), EVENT_TIMEOUT)
            return str(created["id"])
        except discord.HTTPException as exc:
            raise ListingRefused(_event_refusal(exc)) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("scheduled event in guild %s: no answer from Discord (%s)", workspace,
                        exc.__class__.__name__)
            raise ListingRefused("Discord did not answer; try again in a minute") from exc


def _event_refusal(exc: discord.HTTPException) -> str:
    log.warning("Discord refused the scheduled event: HTTP %d (%s) %s", exc.status, exc.code, exc.text[:200])
    if exc.status == 403 or exc.code == MISSING_PERMISSIONS:
        return "the bot lacks the Create Events permission (Manage Events) in this server; give its role that " \
               "permission and run it again"
    return f"Discord refused it (HTTP {exc.status}{f', code {exc.code}' if exc.code else ''}: {exc.text[:120]})"
