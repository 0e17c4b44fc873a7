"""Discord adapter (discord.py 2.x): the `/parade` app-command group, embeds, and an outbound poster.

It only translates: an interaction becomes a core `Command`, the core `Reply` becomes an embed.
No message this bot sends can ping anyone: `AllowedMentions.none()` on the client and on each send.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

import aiohttp
import discord
from discord import app_commands

from adapters.discord_ui import ActionButton, DiscordEvents, PickMenu, render_view, timestamp
from adapters.text import clip, localize, sources_line
from bot.application import Application, PlatformError
from bot.commands import COMMANDS, Command, CommandSpec, Dispatcher
from bot.listing import EventPublisher, listings_follow_reloads
from bot.ports import ChannelGone, ChannelNeedsFix, DeliveryError, PlatformUnavailable, TokenRejected
from bot.reply import Reply, error_reply
from bot.timefmt import zone_names

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
TITLE_MAX, DESCRIPTION_MAX, FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX = 256, 4096, 25, 256, 1024
FOOTER_MAX, EMBED_TOTAL_MAX, CHOICES_MAX, CHOICE_NAME_MAX = 2048, 6000, 25, 100
OPTION_DESCRIPTION_MAX = 100  # https://discord.com/developers/docs/interactions/application-commands
FIELD_RESERVE = 40  # room kept for the "…and N more" field
ERROR_COLOUR, ANSWER_COLOUR = discord.Colour.red(), discord.Colour.blurple()
POSTING_PERMISSIONS = (("View Channel", "view_channel"), ("Send Messages", "send_messages"),
                       ("Embed Links", "embed_links"))
POST_TIMEOUT = 30.0  # seconds: well inside the few minutes Discord remembers a nonce
PUBLISH_TIMEOUT = 10.0  # s: past Discord's publish limit (10 an hour per channel) discord.py would wait long
# Discord's global limit is 50 requests/s per bot; a little under it leaves room for command answers.
GLOBAL_RATE = 47
# Discord's JSON error codes that say what to do with a channel:
# https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
UNKNOWN_CHANNEL = 10003
NEEDS_FIX = {50001: "the bot cannot see this channel: give its role View Channel here",
             50013: "the bot lacks a permission here: give its role View Channel, Send Messages and Embed Links"}
EDGE_BLOCK_REST = 900.0  # s: a 403 or 429 from Discord's edge (Cloudflare), not its API, lasts this long or more


def render_embed(reply: Reply) -> discord.Embed:
    """The reply as one embed within Discord's limits (each part, and 6,000 characters in all);
    whatever is cut is marked with '…'."""
    title = clip(reply.title, TITLE_MAX)
    footer = clip(sources_line(reply.citations), FOOTER_MAX) if reply.citations else ""
    description = clip(localize(reply.text, reply.moments, timestamp),
                       min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(title) - len(footer) - FIELD_RESERVE))
    embed = discord.Embed(title=title, description=description or None,
                          colour=ERROR_COLOUR if reply.is_error else ANSWER_COLOUR)
    if footer:
        embed.set_footer(text=footer)
    budget = EMBED_TOTAL_MAX - len(title) - len(description) - len(footer)
    fields = list(reply.fields)
    for i, field in enumerate(fields[:FIELDS_MAX]):
        name = clip(field.name, FIELD_NAME_MAX)
        value = clip(localize(field.value, reply.moments, timestamp), FIELD_VALUE_MAX)
        last_slot = i == FIELDS_MAX - 1 and len(fields) > FIELDS_MAX
        if len(name) + len(value) > budget - FIELD_RESERVE or last_slot:
            embed.add_field(name="More", value=f"…and {len(fields) - i} more not shown.", inline=False)
            break
        embed.add_field(name=name, value=value, inline=field.inline)
        budget -= len(name) + len(value)
    return embed


ADMIN_GROUP = "parade-admin"


class ParadeCommands(app_commands.Group):
    """`/parade <subcommand>`: one subcommand per core command, built from the core's declarations
    (bot/commands.py `@command`), with a typed option and autocomplete where the command has an
    argument. A new core command appears here with no edit.

    With `admin=True`, `/parade-admin <subcommand>` for the `admin_only` commands: Discord shows it only
    to members with Manage Server (`default_member_permissions`; a server can change that under
    Integrations), and the core checks again when it runs."""

    def __init__(self, dispatcher: Dispatcher, *, admin: bool = False, timezone: str | None = None,
                 admin_ids: frozenset[str] = frozenset(), open_subscriptions: bool = False) -> None:
        super().__init__(name=ADMIN_GROUP if admin else "parade",
                         description="Admins: content reloads, the delivery report, feeds" if admin
                         else "Facts, quotes and countdown for the event",
                         default_permissions=discord.Permissions(manage_guild=True) if admin else None,
                         allowed_contexts=app_commands.AppCommandContext(guild=True) if admin else None)
        self.dispatcher = dispatcher
        self.timezone = timezone
        self.admin_ids = admin_ids
        self.open_subscriptions = open_subscriptions  # settings subscriptions.who: everyone
        self.event_publisher: EventPublisher | None = None  # the client's Scheduled Events
        self.list_on_subscribe = False  # settings discord.scheduled_event: auto
        for spec in COMMANDS.values():
            if spec.admin_only == admin:
                self.add_command(self._subcommand(spec))

    def is_admin(self, interaction: discord.Interaction) -> bool:
        """Members with Manage Server, or user ids listed in the settings."""
        return interaction.permissions.manage_guild or str(interaction.user.id) in self.admin_ids

    async def answer(self, interaction: discord.Interaction, name: str, argument: str | None = None,
                     page: int = 0) -> None:
        """Runs a core command for a slash command, a pressed button or a picked option."""
        if name not in COMMANDS:  # a button from a version of the bot that had this command
            await respond(interaction, render_embed(error_reply(f"`/parade {name}` no longer exists.")), ephemeral=True)
            return
        command = Command(
            text="",
            name=name,
            argument=argument,
            timezone=self.timezone,
            user_id=str(interaction.user.id),
            is_admin=self.is_admin(interaction),
            manages_channel=self.open_subscriptions or interaction.permissions.manage_channels,
            platform="discord",
            workspace=str(interaction.guild_id or ""),
            channel=str(interaction.channel_id or ""),
            posting_problem=functools.partial(missing_permissions, interaction.app_permissions),
            admin_prefix=f"/{ADMIN_GROUP}",
            page=page,
            event_publisher=self.event_publisher,
            list_on_subscribe=self.list_on_subscribe,
        )
        if COMMANDS[name].slow:
            # Discord wants a first response within 3 s: a slow command says "thinking" at once and
            # answers in a follow-up (visible to the asker only for admin commands).
            await interaction.response.defer(ephemeral=COMMANDS[name].admin_only, thinking=True)
        reply = await self.dispatcher.handle(command)
        await respond(interaction, render_embed(reply), ephemeral=reply.ephemeral, view=render_view(reply))

    def _subcommand(self, spec: CommandSpec) -> app_commands.Command[ParadeCommands, ..., None]:
        """A subcommand whose option discord.py reads off the callback's signature, as for any
        hand-written command: a required option for a required argument, else an optional one."""
        wanted = spec.argument
        if wanted is None:
            async def callback(interaction: discord.Interaction) -> None:
                await self.answer(interaction, spec.name)
        else:
            async def callback(interaction: discord.Interaction, value: str | None = None) -> None:
                await self.answer(interaction, spec.name, value)

            low = 1 if wanted.required else None
            callback.__annotations__["value"] = app_commands.Range[str, low, wanted.max_length]
            if wanted.required:
                callback.__defaults__ = None
            callback = app_commands.rename(value=wanted.name)(callback)
            callback = app_commands.describe(value=clip(wanted.description[:1].upper() + wanted.description[1:],
                                                        OPTION_DESCRIPTION_MAX))(callback)
        subcommand = app_commands.Command(name=spec.name, description=spec.description, callback=callback,
                                          parent=self)
        if wanted is not None and wanted.suggest is not None:
            subcommand.autocomplete("value")(getattr(self, f"_{wanted.suggest}"))
        return subcommand

    # Suggestions, named after an argument's `suggest` (bot/commands.py Argument). They read the live
    # store, so a content reload changes them at once.

    async def _timezones(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(((zone, zone) for zone in _zone_names()), current)

    async def _people(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        store = self.dispatcher.store
        return _choices(((p.name, p.id) for p in store.people.values()), current)

    async def _topics(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        store = self.dispatcher.store
        return _choices(((t.title, t.id) for t in store.topics.values()), current)

    async def _speakers(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        store = self.dispatcher.store
        speakers = dict.fromkeys(q.speaker for q in store.quotes.values())
        return _choices(((store.people[s].name, s) for s in speakers), current)



@functools.cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zone_names()))


def _choices(options: Iterable[tuple[str, str]], current: str) -> list[app_commands.Choice[str]]:
    typed = current.casefold().strip()
    found = [
        app_commands.Choice(name=clip(name, CHOICE_NAME_MAX), value=value)
        for name, value in options
        if typed in name.casefold() or typed in value
    ]
    return found[:CHOICES_MAX]


class ParadeClient(discord.AutoShardedClient):
    """A Discord client serving `/parade`. Needs no privileged intents: slash commands carry their text.

    Sharded (discord.py's AutoShardedClient): with no shard settings it runs as many shards as Discord
    recommends; with `shard_ids` it runs only those of `shard_count`, so N processes can split them.
    An interaction is answered by the shard that received it; posts need no shard (they are REST calls
    to a channel id), so any process sends any post, once, through the shared ledger."""

    def __init__(self, dispatcher: Dispatcher, *, guild_id: int | None = None, sync: bool = False,
                 timezone: str | None = None, admin_ids: frozenset[str] = frozenset(),
                 open_subscriptions: bool = False, event_duration: dt.timedelta = dt.timedelta(hours=2),
                 list_on_subscribe: bool = False, shard_count: int | None = None,
                 shard_ids: Sequence[int] | None = None) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=NO_MENTIONS,
                         shard_count=shard_count, shard_ids=list(shard_ids) if shard_ids is not None else None)
        self.guild_id = guild_id
        self.sync_on_start = sync
        self.tree = app_commands.CommandTree(self)
        self.commands = ParadeCommands(dispatcher, timezone=timezone, admin_ids=admin_ids,
                                       open_subscriptions=open_subscriptions)
        admin = ParadeCommands(dispatcher, admin=True, timezone=timezone, admin_ids=admin_ids,
                               open_subscriptions=open_subscriptions)
        self.events = DiscordEvents(self, event_duration)
        self.commands.event_publisher = admin.event_publisher = self.events
        self.commands.list_on_subscribe = list_on_subscribe
        self.tree.add_command(self.commands)
        self.tree.add_command(admin)
        self.tree.on_error = self._on_command_error
        # Buttons and menus on any message this bot ever sent, whatever ran before this process.
        self.add_dynamic_items(ActionButton, PickMenu)

    async def run_action(self, interaction: discord.Interaction, command: str, argument: str, page: int) -> None:
        """A pressed button or a picked option: the command it names, as if typed by the presser."""
        try:
            await self.commands.answer(interaction, command, argument or None, page)
        except discord.HTTPException as exc:  # too late to answer (past 3 s), or Discord refused it
            log.warning("component %s could not be answered: %s", command, exc)

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
        embed = discord.Embed(title="Sorry", description="That did not work. Try `/parade help`.", colour=ERROR_COLOUR)
        with contextlib.suppress(discord.HTTPException):  # the interaction may be past answering
            await respond(interaction, embed, ephemeral=True)


def pacing_rate(shard_count: int | None, shard_ids: Sequence[int] | None) -> int:
    """This process's share of the bot's global rate: Discord's 50 requests a second are per bot, so
    N processes splitting the shards evenly (as the README shows) each take 1/N of it."""
    processes = shard_count // len(shard_ids) if shard_count and shard_ids else 1
    return max(1, GLOBAL_RATE // max(1, processes))


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

    def __init__(self, client: discord.Client, pacer: GlobalPacer | None = None, *, crosspost: bool = False) -> None:
        self.client = client
        self.pacer = pacer or GlobalPacer()
        self.crosspost = crosspost  # settings discord.crosspost: publish posts in announcement channels
        self._announcement: dict[int, bool] = {}  # channel id -> announcement or not, for uncached channels

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str, workspace: str = "") -> None:
        channel = self.client.get_partial_messageable(int(channel_id))
        await self.pacer.wait()
        try:
            # With a nonce discord.py sets enforce_nonce: Discord drops a repeat sent within minutes. So a
            # post must give up well inside that window (discord.py would wait 300 s), or its retry could
            # arrive after Discord has forgotten the nonce and post twice.
            message = await asyncio.wait_for(channel.send(embed=render_embed(reply), allowed_mentions=NO_MENTIONS,
                                                          nonce=delivery_nonce(idempotency_key)), timeout=POST_TIMEOUT)
        except discord.HTTPException as exc:
            raise classify(exc, f"discord channel {channel_id}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            # The request may or may not have arrived; the same nonce makes Discord drop a repeat.
            raise DeliveryError(f"discord channel {channel_id}: {exc.__class__.__name__}",
                                retry_safe=True, retry_now=True) from exc
        if self.crosspost and await self._is_announcement(message.channel.id):
            await publish(message)

    async def _is_announcement(self, channel_id: int) -> bool:
        """From the gateway's guild data (no request per post); a channel in a server on another
        process's shards is not there, so it is asked for once and remembered."""
        channel = self.client.get_channel(channel_id)
        if channel is None:
            if channel_id not in self._announcement:
                try:
                    fetched = await asyncio.wait_for(self.client.fetch_channel(channel_id), timeout=PUBLISH_TIMEOUT)
                except (discord.HTTPException, TimeoutError, aiohttp.ClientError) as exc:
                    log.warning("channel %s: its type is unknown (%s), so this post is not published",
                                channel_id, exc.__class__.__name__)
                    return False
                self._announcement[channel_id] = isinstance(fetched, discord.TextChannel) and fetched.is_news()
            return self._announcement[channel_id]
        return isinstance(channel, discord.TextChannel) and channel.is_news()


async def publish(message: discord.Message) -> None:
    """Publishes a post made in an announcement channel, so every server following the channel gets it.
    The post itself is delivered whatever happens here: a refusal (Discord allows 10 publishes an hour
    per channel; publishing needs Send Messages there) or a slow answer is logged, never retried."""
    channel = message.channel
    try:
        await asyncio.wait_for(message.publish(), timeout=PUBLISH_TIMEOUT)
    except discord.HTTPException as exc:
        log.warning("post in announcement channel %s not published: HTTP %d (%s)", channel.id, exc.status,
                    exc.code or exc.text[:80])
    except (TimeoutError, aiohttp.ClientError) as exc:
        log.warning("post in announcement channel %s not published: %s", channel.id, exc.__class__.__name__)


def classify(exc: discord.HTTPException, where: str) -> DeliveryError:
    """Discord's answer as the core's failure class (the README's table). An answer without a Discord
    JSON error code came from the edge (Cloudflare), not the API: it says nothing about the channel."""
    status, code = exc.status, exc.code
    detail = f"{where}: HTTP {status}" + (f" ({code})" if code else "")
    if status == 401:
        return TokenRejected(f"Discord refused the token ({detail})")
    # discord.py's own test: Discord's API answers a 429 through its proxy (a Via header); the edge does not.
    from_edge = status == 403 or exc.response is None or "Via" not in exc.response.headers
    if status in (403, 429) and not code and from_edge:
        return PlatformUnavailable(f"{detail} from Discord's edge", retry_after=EDGE_BLOCK_REST)
    if code in NEEDS_FIX:
        return ChannelNeedsFix(detail, NEEDS_FIX[code])
    if status == 403:
        return ChannelNeedsFix(detail, "the bot may not post here: check its role's permissions in this channel")
    if status == 404 and code == UNKNOWN_CHANNEL:
        return ChannelGone(detail)
    if status >= 500 or status in (404, 429):
        # A 5xx discord.py already retried; a 404 that is not Unknown Channel; a 429 past discord.py's waits.
        return DeliveryError(detail, retry_safe=True)
    return DeliveryError(detail)  # a 400 will fail the same way again: not retried


async def missing_permissions(granted: discord.Permissions) -> str | None:
    """What the bot lacks to post embeds in the channel, from the interaction's app_permissions."""
    missing = [name for name, needed in POSTING_PERMISSIONS if not getattr(granted, needed)]
    if not missing:
        return None
    return f"the bot lacks {', '.join(missing)} here; give its role these permissions in this channel"


async def respond(interaction: discord.Interaction, embed: discord.Embed, *, ephemeral: bool,
                  view: discord.ui.View | None = None) -> None:
    """The answer: the interaction's one initial response, or a follow-up once it was deferred.

    A deferral's first follow-up takes the deferral's visibility, whatever it asks for: so an answer
    only the asker may see (an error, "Not allowed") first removes the "thinking…" message, and then
    goes out as a new, ephemeral message rather than into the channel."""
    if interaction.response.is_done():
        if ephemeral:
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await interaction.followup.send(embed=embed, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS,
                                        **({"view": view} if view is not None else {}))
    else:
        await interaction.response.send_message(embed=embed, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS,
                                                **({"view": view} if view is not None else {}))


def delivery_nonce(idempotency_key: str) -> str:
    """Discord nonces are at most 25 characters; a hash keeps the key's identity within that."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:25]


def run(app: Application, options: Mapping[str, object]) -> int:
    """Serves `/parade` on Discord with DISCORD_TOKEN; `options["sync"]` registers the commands first."""
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise PlatformError("DISCORD_TOKEN is not set: export the bot token from the Discord developer portal")
    logging.getLogger().setLevel(logging.INFO)
    settings = app.settings
    client = ParadeClient(app.dispatcher, guild_id=settings.discord.guild_id, sync=bool(options.get("sync")),
                          timezone=app.timezone, admin_ids=settings.admins.discord,
                          open_subscriptions=settings.subscriptions.who == "everyone",
                          event_duration=settings.discord.event_period,
                          list_on_subscribe=settings.discord.scheduled_event == "auto",
                          shard_count=settings.discord.shard_count, shard_ids=settings.discord.shard_ids)
    app.connected = lambda: client.is_ready() and not client.is_closed()
    dispatcher = app.dispatcher
    app.after_reload.append(listings_follow_reloads(client.events, lambda: dispatcher.storage,
                                                    lambda: dispatcher.store, dispatcher.clock))

    async def serve() -> None:
        async with client:
            await client.login(token)
            poster = DiscordPoster(client, GlobalPacer(pacing_rate(settings.discord.shard_count,
                                                                   settings.discord.shard_ids)),
                                   crosspost=settings.discord.crosspost)
            async with app.running({"discord": poster}):
                await app.serve(client.connect())

    try:
        asyncio.run(serve())
    except discord.LoginFailure:
        raise PlatformError("Discord rejected DISCORD_TOKEN (HTTP 401): check the bot token") from None
    except discord.PrivilegedIntentsRequired:
        raise PlatformError("Discord refused the gateway intents requested") from None
    except KeyboardInterrupt:
        pass
    return 0
