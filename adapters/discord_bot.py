"""Discord adapter (discord.py 2.x): the `/parade` app-command group, embeds, and an outbound poster.

It only translates: an interaction becomes a core `Command`, the core `Reply` becomes an embed.
No message this bot sends can ping anyone: `AllowedMentions.none()` on the client and on each send.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import time
import zoneinfo
from collections import deque
from collections.abc import Iterable

import aiohttp
import discord
from discord import app_commands

from adapters.text import clip, sources_line
from bot.commands import COMMANDS, Command, Dispatcher
from bot.ports import ChannelGone, DeliveryError
from bot.reply import Reply

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
TITLE_MAX, DESCRIPTION_MAX, FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX = 256, 4096, 25, 256, 1024
FOOTER_MAX, EMBED_TOTAL_MAX, CHOICES_MAX, CHOICE_NAME_MAX = 2048, 6000, 25, 100
FIELD_RESERVE = 40  # room kept for the "…and N more" field
ERROR_COLOUR, ANSWER_COLOUR = discord.Colour.red(), discord.Colour.blurple()
# Discord's global limit is 50 requests/s per bot; a little under it leaves room for command answers.
GLOBAL_RATE = 47


def render_embed(reply: Reply) -> discord.Embed:
    """The reply as one embed within Discord's limits (each part, and 6,000 characters in all);
    whatever is cut is marked with '…'."""
    title = clip(reply.title, TITLE_MAX)
    footer = clip(sources_line(reply.citations), FOOTER_MAX) if reply.citations else ""
    description = clip(reply.text, min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(title) - len(footer) - FIELD_RESERVE))
    embed = discord.Embed(title=title, description=description or None,
                          colour=ERROR_COLOUR if reply.is_error else ANSWER_COLOUR)
    if footer:
        embed.set_footer(text=footer)
    budget = EMBED_TOTAL_MAX - len(title) - len(description) - len(footer)
    fields = list(reply.fields)
    for i, field in enumerate(fields[:FIELDS_MAX]):
        name, value = clip(field.name, FIELD_NAME_MAX), clip(field.value, FIELD_VALUE_MAX)
        last_slot = i == FIELDS_MAX - 1 and len(fields) > FIELDS_MAX
        if len(name) + len(value) > budget - FIELD_RESERVE or last_slot:
            embed.add_field(name="More", value=f"…and {len(fields) - i} more not shown.", inline=False)
            break
        embed.add_field(name=name, value=value, inline=field.inline)
        budget -= len(name) + len(value)
    return embed


class ParadeCommands(app_commands.Group):
    """`/parade <subcommand>`: mirrors the core commands, with typed options and autocomplete."""

    def __init__(self, dispatcher: Dispatcher, *, timezone: str | None = None,
                 admin_ids: frozenset[str] = frozenset()) -> None:
        super().__init__(name="parade", description="Facts, quotes and countdown for the event")
        self.dispatcher = dispatcher
        self.timezone = timezone
        self.admin_ids = admin_ids

    def is_admin(self, interaction: discord.Interaction) -> bool:
        """Members with Manage Server, or user ids listed in the settings."""
        return interaction.permissions.manage_guild or str(interaction.user.id) in self.admin_ids

    async def answer(self, interaction: discord.Interaction, name: str, argument: str | None = None) -> None:
        command = Command(
            text=f"{name} {argument or ''}".strip(),
            timezone=self.timezone,
            user_id=str(interaction.user.id),
            is_admin=self.is_admin(interaction),
            platform="discord",
            workspace=str(interaction.guild_id or ""),
            channel=str(interaction.channel_id or ""),
        )
        reply = await self.dispatcher.handle(command)
        await interaction.response.send_message(
            embed=render_embed(reply), ephemeral=reply.ephemeral, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(description=COMMANDS["help"].description)
    async def help(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "help")

    @app_commands.command(description=COMMANDS["when"].description)
    async def when(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "when")

    @app_commands.command(description=COMMANDS["where"].description)
    async def where(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "where")

    @app_commands.command(description=COMMANDS["who"].description)
    @app_commands.describe(person="Someone to look up; leave empty for the whole guest list")
    async def who(self, interaction: discord.Interaction, person: str | None = None) -> None:
        await self.answer(interaction, "who", person)

    @app_commands.command(description=COMMANDS["why"].description)
    async def why(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "why")

    @app_commands.command(description=COMMANDS["facts"].description)
    @app_commands.describe(topic="A topic; leave empty for the list of topics")
    async def facts(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        await self.answer(interaction, "facts", topic)

    @app_commands.command(description=COMMANDS["quote"].description)
    @app_commands.describe(speaker="Whose quotes; leave empty for all")
    async def quote(self, interaction: discord.Interaction, speaker: str | None = None) -> None:
        await self.answer(interaction, "quote", speaker)

    @app_commands.command(description=COMMANDS["timeline"].description)
    async def timeline(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "timeline")

    @app_commands.command(description=COMMANDS["sources"].description)
    async def sources(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "sources")

    @app_commands.command(description=COMMANDS["countdown"].description)
    async def countdown(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "countdown")

    @app_commands.command(description=COMMANDS["ask"].description)
    @app_commands.describe(question="Your question, e.g. who is not attending?")
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 500]) -> None:
        await self.answer(interaction, "ask", question)

    @app_commands.command(description=COMMANDS["subscribe"].description)
    @app_commands.describe(timezone="IANA timezone for post times, e.g. Europe/Paris (default: the event's)")
    async def subscribe(self, interaction: discord.Interaction, timezone: str | None = None) -> None:
        await self.answer(interaction, "subscribe", timezone)

    @app_commands.command(description=COMMANDS["unsubscribe"].description)
    async def unsubscribe(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "unsubscribe")

    @app_commands.command(description=COMMANDS["schedule"].description)
    async def schedule(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "schedule")

    @app_commands.command(description=COMMANDS["reload"].description)
    async def reload(self, interaction: discord.Interaction) -> None:
        await self.answer(interaction, "reload")

    @subscribe.autocomplete("timezone")
    async def _zones(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(((zone, zone) for zone in _timezones()), current)

    # Autocomplete reads the live store, so a content reload changes the suggestions at once.

    @who.autocomplete("person")
    async def _people(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        store = self.dispatcher.store
        return _choices(((p.name, p.id) for p in store.people.values()), current)

    @facts.autocomplete("topic")
    async def _topics(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        store = self.dispatcher.store
        return _choices(((t.title, t.id) for t in store.topics.values()), current)

    @quote.autocomplete("speaker")
    async def _speakers(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        store = self.dispatcher.store
        speakers = dict.fromkeys(q.speaker for q in store.quotes.values())
        return _choices(((store.people[s].name, s) for s in speakers), current)


@functools.cache
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _choices(options: Iterable[tuple[str, str]], current: str) -> list[app_commands.Choice[str]]:
    typed = current.casefold().strip()
    found = [
        app_commands.Choice(name=clip(name, CHOICE_NAME_MAX), value=value)
        for name, value in options
        if typed in name.casefold() or typed in value
    ]
    return found[:CHOICES_MAX]


class ParadeClient(discord.Client):
    """A Discord client serving `/parade`. Needs no privileged intents: slash commands carry their text."""

    def __init__(self, dispatcher: Dispatcher, *, guild_id: int | None = None, sync: bool = False,
                 timezone: str | None = None, admin_ids: frozenset[str] = frozenset()) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=NO_MENTIONS)
        self.guild_id = guild_id
        self.sync_on_start = sync
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(ParadeCommands(dispatcher, timezone=timezone, admin_ids=admin_ids))
        self.tree.on_error = self._on_command_error

    async def setup_hook(self) -> None:
        if self.sync_on_start:
            synced = await self.sync_commands()
            log.info("synced %d app commands %s", len(synced),
                     f"to guild {self.guild_id}" if self.guild_id else "globally")

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Register the commands with Discord: one guild (instant, for development) or globally."""
        guild = discord.Object(id=self.guild_id) if self.guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)

    async def _on_command_error(self, interaction: discord.Interaction,
                                error: app_commands.AppCommandError) -> None:
        log.error("/parade failed: %s", error, exc_info=error)
        if not interaction.response.is_done():
            embed = discord.Embed(title="Sorry", description="That did not work. Try `/parade help`.",
                                  colour=ERROR_COLOUR)
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)


class GlobalPacer:
    """At most `rate` requests a second: each at least 1/rate after the one before, and never more than
    `rate` in any one-second window.

    discord.py learns per-route buckets from headers but meets the global limit (50/s) only through
    429s. Slots follow each other by 1/rate, so sleeping a little late never accumulates; but the
    schedule never lags real time by more than half a slot, so senders whose turn passed while the event
    loop was busy still go one by one, at least half a slot apart, rather than in a burst.
    """

    def __init__(self, rate: int = GLOBAL_RATE, window: float = 1.0) -> None:
        self.rate = rate
        self.window = window
        self.interval = window / rate
        self._sent: deque[float] = deque()
        self._slot = float("-inf")
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:  # one sender at a time takes the next place
            while True:
                now = time.monotonic()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                slot = max(self._slot + self.interval, now - self.interval / 2)
                if len(self._sent) >= self.rate:
                    slot = max(slot, self._sent[0] + self.window)
                if slot <= now:
                    self._slot = slot
                    self._sent.append(now)
                    return
                await asyncio.sleep(slot - now)


class DiscordPoster:
    """The outbound port on Discord. discord.py waits out 429s itself (per route and global buckets)."""

    idempotent = True  # nonce + enforce_nonce: Discord drops a repeat

    def __init__(self, client: discord.Client, pacer: GlobalPacer | None = None) -> None:
        self.client = client
        self.pacer = pacer or GlobalPacer()

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str) -> None:
        channel = self.client.get_partial_messageable(int(channel_id))
        await self.pacer.wait()
        try:
            # With a nonce discord.py sets enforce_nonce: Discord drops a repeat sent within minutes.
            await channel.send(embed=render_embed(reply), allowed_mentions=NO_MENTIONS,
                               nonce=delivery_nonce(idempotency_key))
        except (discord.NotFound, discord.Forbidden) as exc:
            raise ChannelGone(f"discord channel {channel_id}: HTTP {exc.status}") from exc
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError) as exc:
            # Safe to retry whatever happened: the same nonce makes Discord drop a repeat.
            raise DeliveryError(f"discord channel {channel_id}: {exc.__class__.__name__}", retry_safe=True) from exc


def delivery_nonce(idempotency_key: str) -> str:
    """Discord nonces are at most 25 characters; a hash keeps the key's identity within that."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:25]
