"""Chat commands, platform-free: `await Dispatcher.handle(Command) -> Reply` is the core's one entry point.

Each command is a small handler taking a `Context`; the registry holds the handler with the
description and argument the adapters show users (Discord options, Slack help, console help).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from bot import metrics
from bot.answering import PartAnswer
from bot.clock import Clock, system_clock
from bot.content import Fact, Person, Quote, Topic
from bot.listing import EventPublisher, ListingRefused, publish_listing
from bot.reload import ContentReloader, LiveContent
from bot.reply import Action, Menu, Moment, Reply, ReplyField, error_reply
from bot.schedule import DEFAULT_OFFSETS, reminder_plan
from bot.storage_errors import STORAGE_TIMEOUT, StorageBusy, StorageUnavailable
from bot.store import FactStore
from bot.timefmt import (
    countdown,
    describe_start,
    format_moment,
    moment,
    relative_moment,
    span,
    start_moments,
    utc_moment,
    zone_named,
)

if TYPE_CHECKING:  # only types: one-shot `say` and `ask` load neither feedparser nor the database library
    from bot.newsfeed import FeedPoller
    from bot.persistence import AsyncStorage, ChannelStatus, Database

log = logging.getLogger(__name__)

MAX_COMMAND_CHARS = 2000  # longer input is refused before any work: search cost grows with its length
MAX_QUESTION_CHARS = 500
CHANNEL_ZONE_TTL = 60.0  # seconds a channel's zone is trusted; another process may change it
MAX_CHANNEL_ZONES = 10_000  # channels whose zone is remembered at once
MAX_ITEMS = 15  # items in one reply; beyond this the reply says how many more there are
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Command:
    """A user's command as an adapter received it; `text` is what followed `/parade`."""

    text: str
    timezone: str | None = None  # the channel's zone; None means the event's own
    # Set by adapters whose platform parses options (Discord): then `text` is not parsed again.
    name: str | None = None
    argument: str | None = None
    # Asks the platform whether the bot can post in this channel (its permissions, its membership) and
    # returns what is wrong, if anything: `subscribe` checks before it promises posts.
    posting_problem: Callable[[], Awaitable[str | None]] | None = None
    user_id: str = ""
    is_admin: bool = False
    manages_channel: bool = False  # may change what the channel gets (subscribe, unsubscribe)
    # Where it was typed: subscriptions are kept per platform, workspace (guild/team) and channel.
    platform: str = "console"
    workspace: str = ""
    channel: str = ""
    # How the platform invokes admin commands: Discord keeps them under their own top-level command,
    # which only members with Manage Server see.
    admin_prefix: str = "/parade"
    page: int = 0  # of a long list: set by a "More" button (the core's Action), counted from 0
    # Lists the event in the workspace (Discord's Scheduled Events), where the platform has listings;
    # with `list_on_subscribe`, a subscribe lists it too if the workspace has no listing yet.
    event_publisher: EventPublisher | None = None
    list_on_subscribe: bool = False


@dataclass(frozen=True, slots=True)
class Context:
    store: FactStore
    argument: str
    now: dt.datetime
    zone: ZoneInfo
    command: Command
    storage: AsyncStorage | None
    reminder_offsets: tuple[str, ...]
    reloader: ContentReloader | None
    news: FeedPoller | None = None

    @property
    def page(self) -> int:
        return self.command.page


class UsageError(Exception):
    """A mistake by the user; its message is shown to them as is."""


Handler = Callable[[Context], Reply | Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Argument:
    """A command's one text argument, as every platform shows it."""

    name: str
    description: str
    required: bool = False
    max_length: int = 100
    # Where suggestions come from, for platforms that autocomplete: people, topics, speakers, timezones.
    suggest: str | None = None

    def __str__(self) -> str:
        return f"<{self.name}>" if self.required else f"[{self.name}]"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str
    example: str
    handler: Handler
    argument: Argument | None = None
    admin_only: bool = False
    zoned: bool = False  # shows times: answers in the channel's zone, read from the database
    slow: bool = False  # may take more than a second (database writes, reloads): platforms with a deadline defer
    managers_only: bool = False  # changes the channel: its managers (or admins) only


COMMANDS: dict[str, CommandSpec] = {}  # filled by @command, in the order the handlers are declared


def command(name: str, description: str, example: str, *, argument: Argument | None = None,
            admin_only: bool = False, zoned: bool = False, slow: bool = False,
            managers_only: bool = False) -> Callable[[Handler], Handler]:
    """Declares a command next to its handler; help and every platform's command list come from this."""
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = CommandSpec(name, description, example, handler, argument, admin_only, zoned, slow,
                                     managers_only)
        return handler
    return register


class Dispatcher:
    """Routes commands to handlers against whichever fact store is live at that moment."""

    def __init__(self, content: LiveContent | FactStore, *, clock: Clock = system_clock,
                 default_timezone: str | None = None,
                 subscriptions: Database | None = None, reminder_offsets: tuple[str, ...] = DEFAULT_OFFSETS) -> None:
        self.content = content if isinstance(content, LiveContent) else LiveContent(content)
        self.clock = clock
        self.default_timezone = default_timezone
        self.subscriptions: Database | None = None  # None: the bot runs without a database (say, ask)
        self.storage: AsyncStorage | None = None
        if subscriptions is not None:
            self.use_database(subscriptions)
        self.reminder_offsets = reminder_offsets
        self.reloader: ContentReloader | None = None  # set by the runtime that can reload
        self.news: FeedPoller | None = None  # set by the runtime that follows feeds
        # channel -> (its subscription's zone, when read): a command must not wait on the database
        self._channel_zones: dict[tuple[str, str, str], tuple[str | None, float]] = {}

    def use_database(self, database: Database) -> None:
        """Subscriptions from now on (at start, or once a database that was down answers)."""
        from bot.persistence import AsyncStorage

        self.subscriptions = database
        self.storage = AsyncStorage(database)

    @property
    def store(self) -> FactStore:
        """The store being served now (a reload replaces it); a command reads it once."""
        return self.content.store

    async def handle(self, command: Command) -> Reply:
        """The reply to one command; never raises."""
        started = time.perf_counter()
        reply = await self._handle(command)
        # Labelled by declared command only: what users type must not become a metric label.
        name = command.name or _strip_prefix(command.text).partition(" ")[0].casefold() or "help"
        label = name if name in COMMANDS else "unknown"
        count, seconds = _command_metrics(label, "error" if reply.is_error else "ok")
        count.inc()
        seconds.observe(time.perf_counter() - started)
        return reply

    async def _handle(self, command: Command) -> Reply:
        store = self.store
        if len(command.text) > MAX_COMMAND_CHARS:
            log.info("refused a %d-character command from %s", len(command.text), command.user_id)
            return error_reply(f"That is too long: commands are at most {MAX_COMMAND_CHARS} characters.")
        if command.name is not None:
            name, argument = command.name, command.argument or ""
        else:
            name, _, argument = _strip_prefix(command.text).partition(" ")
            name = name.casefold() or "help"
        spec = COMMANDS.get(name)
        if spec is None:
            return error_reply(_unknown_command(name))
        argument = argument.strip()
        refusal = _refusal(spec, argument, command)
        if refusal is not None:
            return refusal
        try:
            channel_zone = await self._channel_zone(command) if spec.zoned else None
            zone = _zone(channel_zone or command.timezone or self.default_timezone or store.event.timezone)
            context = Context(store=store, argument=argument, now=self.clock(), zone=zone, command=command,
                              storage=self.storage, reminder_offsets=self.reminder_offsets,
                              reloader=self.reloader, news=self.news)
            reply = spec.handler(context)
            reply = await reply if inspect.isawaitable(reply) else reply
            # A further page is for whoever pressed "More", not a second copy of the list for the channel.
            return dataclasses.replace(reply, ephemeral=True) if command.page else reply
        except UsageError as exc:
            return error_reply(str(exc))
        # Database trouble is logged once per outage by the database itself (persistence.OutageLog).
        except StorageBusy:
            log.debug("command %r: the database did not answer within %.0f s", name, STORAGE_TIMEOUT)
            return error_reply("Subscriptions are busy right now (the database is locked or slow). "
                               "Try again in a moment; other commands still work.")
        except StorageUnavailable as exc:
            log.debug("command %r: database error (%s)", name, exc)
            return error_reply("Subscriptions are unavailable right now; other commands still work.")
        except Exception:
            # A bug must cost one reply, never the bot: the operator gets the traceback, the user a line.
            log.exception("command %r failed", name)
            return error_reply("Something went wrong answering that. The operator has been told.")
        finally:
            if spec.name in ("subscribe", "unsubscribe"):  # the channel's zone may have changed
                self._channel_zones.pop((command.platform, command.workspace, command.channel), None)


    async def _channel_zone(self, command: Command) -> str | None:
        """The zone a subscribed channel chose: every command there that shows times answers in it.
        Read off the event loop with a timeout and kept for a minute (another process's change shows
        within that); if the database is slow or down, the default zone, and no read for a minute."""
        if self.storage is None or not command.channel:
            return None
        key = (command.platform, command.workspace, command.channel)
        cached = self._channel_zones.get(key)
        if cached is not None and time.monotonic() - cached[1] < CHANNEL_ZONE_TTL:
            return cached[0]
        if len(self._channel_zones) >= MAX_CHANNEL_ZONES:
            self._channel_zones.clear()
        try:
            found = await self.storage.subscription(*key)
        except StorageUnavailable as exc:
            log.debug("channel zone of %s:%s:%s unavailable (%s): using the default zone",
                      *key, exc.__class__.__name__)
            self._channel_zones[key] = (None, time.monotonic())
            return None
        zone = found.timezone if found is not None and found.active else None
        if zone is not None and not _known_zone(zone):
            log.warning("channel %s:%s:%s is subscribed in %r, a zone this machine does not know", *key, zone)
            zone = None
        self._channel_zones[key] = (zone, time.monotonic())
        return zone


@functools.cache  # labels are declared command names (or "unknown") by outcome: a few dozen pairs
def _command_metrics(label: str, outcome: str) -> tuple[metrics.Series, metrics.Series]:
    """A command's labelled series (its count and its latency), looked up once per label."""
    return metrics.COMMANDS.labels(label, outcome), metrics.COMMAND_SECONDS.labels(label)


def _known_zone(name: str) -> bool:
    try:
        zone_named(name)
    except ValueError:
        return False
    return True


def _refusal(spec: CommandSpec, argument: str, command: Command) -> Reply | None:
    """What the command's declaration forbids: a missing or too long argument, a member who is no admin."""
    if spec.admin_only and not command.is_admin:
        log.warning("refused /parade %s for user %s on %s:%s: not an admin",
                    spec.name, command.user_id, command.platform, command.workspace)
        return Reply(title="Not allowed", text=f"Only admins can use `/parade {spec.name}`.", ephemeral=True,
                     is_error=True, confident=False)
    if spec.managers_only and not (command.is_admin or command.manages_channel):
        log.info("refused /parade %s for user %s on %s:%s:%s: cannot manage the channel",
                 spec.name, command.user_id, command.platform, command.workspace, command.channel)
        return Reply(title="Not allowed", text=f"Only people who manage this channel can use `/parade {spec.name}` "
                     "(on Discord, Manage Channels; on Slack, the bot's admins).", ephemeral=True, is_error=True,
                     confident=False)
    wanted = spec.argument
    if wanted is not None and wanted.required and not argument:
        return error_reply(f"`/parade {spec.name}` needs {wanted.name} ({wanted.description}), "
                           f"for example `{spec.example}`.")
    if wanted is not None and len(argument) > wanted.max_length:
        return error_reply(f"The {wanted.name} is too long: at most {wanted.max_length} characters.")
    return None


def _strip_prefix(text: str) -> str:
    text = " ".join(text.split())
    for prefix in ("/parade ", "parade "):
        if text.casefold().startswith(prefix):
            return text[len(prefix):]
    return "" if text.casefold() in ("/parade", "parade") else text


def _zone(name: str) -> ZoneInfo:
    try:
        return zone_named(name)
    except ValueError:
        raise UsageError(f"Unknown timezone '{_echo(name)}': use an IANA name such as Europe/Paris or UTC.") from None


def _unknown_command(name: str) -> str:
    match = process.extractOne(name, list(COMMANDS), scorer=fuzz.ratio, score_cutoff=60)
    hint = f" Did you mean `/parade {match[0]}`?" if match else ""
    return f"Unknown command `{_echo(name, 30)}`.{hint} Try `/parade help`."


def _echo(text: str, limit: int = 80) -> str:
    """User text quoted back in an error: printable characters only, and short."""
    printable = "".join(ch for ch in text if ch.isprintable())
    return printable if len(printable) <= limit else printable[:limit] + "…"


# Helpers shared by handlers -----------------------------------------------------------------


def _capped(ctx: Context, command: str, items: Sequence[T], render: Callable[[int, T], ReplyField], what: str,
            hint: str, argument: str = "") -> tuple[tuple[ReplyField, ...], tuple[Action, ...]]:
    """Fields for the context's page of `items`: at most MAX_ITEMS, the last saying how many more, with
    a "More" action running `command` for the next page (`argument` is what it needs to list the same
    items again: an id, not the user's words). Only shown items are rendered."""
    first = ctx.page * (MAX_ITEMS - 1)
    if first and first >= len(items):
        raise UsageError(f"There are no more {what}: the list has {len(items)}.")
    rest = items[first:]
    if len(rest) <= MAX_ITEMS:
        return tuple(render(i, item) for i, item in enumerate(rest, first + 1)), ()
    shown = tuple(render(i, item) for i, item in enumerate(rest[: MAX_ITEMS - 1], first + 1))
    more = ReplyField("More", f"…and {len(rest) - len(shown)} more {what}. {hint}".strip())
    return (*shown, more), (Action("More", command, argument, ctx.page + 1),)


def _channel_actions() -> tuple[Action, ...]:
    """Subscribe / Unsubscribe under the time answers: the channel's managers press instead of typing."""
    return (Action("Subscribe", "subscribe", style="primary"), Action("Unsubscribe", "unsubscribe"))


def _topic_menu(ctx: Context) -> Menu:
    return Menu("Facts on a topic…", "facts", tuple((t.title, t.id) for t in ctx.store.topics.values()))


def _per_content(handler: Callable[[Context], Reply]) -> Callable[[Context], Reply]:
    """For a command whose reply depends on the content alone and the page asked for (not the clock,
    the zone, the asker or an argument): each page is built once per content version, then served as is."""
    @functools.wraps(handler)
    def remembered(ctx: Context) -> Reply:
        return ctx.store.remembered((handler.__name__, ctx.page), lambda: handler(ctx))
    return remembered


def _tagged(text: str, sources: Iterable[str], differs: str | None = None) -> str:
    cited = list(sources)
    tag = f" [{', '.join(cited)}]" if cited else ""
    return text + tag + (f"\nSources differ: {differs}" if differs else "")


# Handlers ---------------------------------------------------------------------------------


@command("help", "List the commands.", "/parade help")
def cmd_help(ctx: Context) -> Reply:
    """The commands the asker may use: admin commands are listed to admins only."""
    fields = []
    for spec in COMMANDS.values():
        if spec.admin_only and not ctx.command.is_admin:
            continue
        prefix = ctx.command.admin_prefix if spec.admin_only else "/parade"
        example = spec.example.replace("/parade", prefix, 1)
        fields.append(ReplyField(f"{prefix} {spec.name}" + (f" {spec.argument}" if spec.argument else ""),
                                 f"{spec.description} e.g. `{example}`"))
    return Reply(title=f"parade-bot: {ctx.store.event.name}", text="Commands:", fields=tuple(fields), ephemeral=True)


@command("when", "Date and time in this channel's timezone, with a countdown.", "/parade when", zoned=True)
def cmd_when(ctx: Context) -> Reply:
    # Only the countdown depends on the clock: the rest is built once per content version and zone.
    timeless = ctx.store.remembered(("when", str(ctx.zone)), lambda: _when_in_zone(ctx.store, ctx.zone))
    start = ctx.store.event.start
    return dataclasses.replace(timeless, fields=(ReplyField("Countdown", countdown(ctx.store.event, ctx.now)),
                                                 *timeless.fields),
                               moments=(*timeless.moments, relative_moment(start, ctx.now)))


def _when_in_zone(store: FactStore, zone: ZoneInfo) -> Reply:
    event = store.event
    fields = []
    if str(zone) != event.timezone and event.time_known:
        fields.append(ReplyField("Local time at the venue", format_moment(event.start, event.start.tzinfo), True))
    if event.time_note:
        fields.append(ReplyField("Note", event.time_note))
    return Reply(
        title=f"When: {event.name}",
        text=describe_start(event.start, zone, known=event.time_known),
        fields=tuple(fields),
        citations=store.citations(store.sources),
        fact_ids=("event:when",),
        moments=start_moments(event.start, zone, known=event.time_known),
        actions=_channel_actions(),
    )


@command("countdown", "Time left until the start.", "/parade countdown", zoned=True)
def cmd_countdown(ctx: Context) -> Reply:
    event = ctx.store.event
    return Reply(
        title=f"Countdown: {event.name}",
        text=countdown(event, ctx.now),
        fields=(ReplyField("Starts", describe_start(event.start, ctx.zone, known=event.time_known)),),
        citations=ctx.store.citations(ctx.store.sources),
        fact_ids=("event:when",),
        moments=(*start_moments(event.start, ctx.zone, known=event.time_known), relative_moment(event.start, ctx.now)),
        actions=_channel_actions(),
    )


@command("where", "Where it takes place.", "/parade where")
@_per_content
def cmd_where(ctx: Context) -> Reply:
    event = ctx.store.event
    return Reply(
        title=f"Where: {event.name}",
        text=event.place,
        citations=ctx.store.citations(ctx.store.sources),
        fact_ids=("event:where",),
    )


@command("why", "What the event marks, and its context.", "/parade why")
@_per_content
def cmd_why(ctx: Context) -> Reply:
    event = ctx.store.event
    return Reply(
        title=f"Why: {event.name}",
        text=event.occasion,
        fields=(ReplyField("In brief", event.summary),),
        citations=ctx.store.citations(ctx.store.sources),
        fact_ids=("event:why",),
    )


@command("who", "Who attends and who stays away, or one person's profile.", "/parade who Putin",
         argument=Argument("person", "someone to look up; leave empty for the whole guest list", suggest="people"))
def cmd_who(ctx: Context) -> Reply:
    return _person(ctx) if ctx.argument else _attendance(ctx)


@_per_content
def _attendance(ctx: Context) -> Reply:
    store = ctx.store
    attendance = store.event.attendance
    groups: dict[str, list[str]] = {}
    used: list[str] = list(attendance.sources)
    for a in attendance.attendees:
        name = store.people[a.person].name if a.person else f"Leader of {a.country}"
        groups.setdefault(a.group, []).append(name + (f" ({a.note})" if a.note else ""))
        used += a.sources
    fields = [ReplyField(group, "\n".join(names)) for group, names in groups.items()]
    if attendance.absentees:
        lines = [_tagged(b.who + (f": {b.reason}" if b.reason else ""), b.sources) for b in attendance.absentees]
        fields.append(ReplyField("Not attending", "\n".join(lines)))
        used += [s for b in attendance.absentees for s in b.sources]
    summary = []
    if attendance.host:
        summary.append(f"Host: {store.people[attendance.host].name}.")
    if attendance.foreign_leaders is not None:
        summary.append(f"{attendance.foreign_leaders} foreign leaders are expected.")
    return Reply(
        title=f"Who: {store.event.name}",
        text=" ".join(summary),
        fields=tuple(fields),
        citations=store.citations(used),
    )


def _person(ctx: Context) -> Reply:
    store = ctx.store
    person = store.find_person(ctx.argument)
    if person is None:
        names = ", ".join(p.name for p in store.people.values())
        raise UsageError(f"I have nothing on '{_echo(ctx.argument)}'. People I know: {names}.")
    # Built once per content version and page: its citations and ids cover every one of the person's facts.
    return store.remembered(("who", person.id, ctx.page), lambda: _profile(ctx, person))


def _profile(ctx: Context, person: Person) -> Reply:
    store = ctx.store
    facts = store.facts_about(person.id)
    quotes = store.quotes_by(person.id)
    items: list[Fact | Quote] = [*facts, *quotes]

    def render(_: int, item: Fact | Quote) -> ReplyField:
        name = item.id if isinstance(item, Fact) else f"Quote: {item.id}"
        return ReplyField(name, _tagged(item.text, item.sources, item.differs))

    role = f"{person.role}" + (f", {person.country}" if person.country else "")
    fields, more = _capped(ctx, "who", items, render, "items", f"Try `/parade ask {person.name}`.", person.id)
    return Reply(
        title=person.name,
        text=role,
        fields=fields,
        actions=more,
        citations=store.citations([*person.sources, *(s for f in facts for s in f.sources),
                                    *(s for q in quotes for s in q.sources)]),
        fact_ids=tuple(f.id for f in facts),
    )


@command("facts", "Facts on a topic, or the list of topics.", "/parade facts trade",
         argument=Argument("topic", "a topic; leave empty for the list of topics", suggest="topics"))
def cmd_facts(ctx: Context) -> Reply:
    store = ctx.store
    if not ctx.argument:
        return _topics(ctx)
    topic = store.find_topic(ctx.argument)
    if topic is None:
        known = ", ".join(store.topics)
        raise UsageError(f"No topic like '{_echo(ctx.argument)}'. Topics: {known}.")
    return store.remembered(("facts", topic.id, ctx.page), lambda: _facts_on(ctx, topic))


@_per_content
def _topics(ctx: Context) -> Reply:
    store = ctx.store
    fields, more = _capped(ctx, "facts", tuple(store.topics.values()), lambda _, t: ReplyField(
        t.title, f"`/parade facts {t.id}` ({len(store.facts_on(t.id))} facts)"), "topics", "")
    return Reply(title="Topics", text="Pick a topic:", fields=fields, ephemeral=True, actions=more,
                 menu=_topic_menu(ctx))


def _facts_on(ctx: Context, topic: Topic) -> Reply:
    store = ctx.store
    facts = store.facts_on(topic.id)
    fields, more = _capped(ctx, "facts", facts,
                           lambda i, f: ReplyField(f"Fact {i}", _tagged(f.text, f.sources, f.differs)),
                           "facts", "Try `/parade ask` with a question.", topic.id)
    return Reply(
        title=f"Facts: {topic.title}",
        fields=fields,
        actions=more,
        menu=_topic_menu(ctx),
        citations=store.citations(s for f in facts for s in f.sources),
        fact_ids=tuple(f.id for f in facts),
    )


@command("quote", "What people said, verbatim, with sources.", "/parade quote Easley",
         argument=Argument("speaker", "whose quotes; leave empty for all", suggest="speakers"))
def cmd_quote(ctx: Context) -> Reply:
    store = ctx.store
    if not ctx.argument:
        return store.remembered(("quotes", "", ctx.page), lambda: _quotes(ctx, tuple(store.quotes.values()), ""))
    person = store.find_person(ctx.argument)
    if person is None or not store.quotes_by(person.id):
        speakers = ", ".join(dict.fromkeys(store.people[q.speaker].name for q in store.quotes.values()))
        raise UsageError(f"No quotes from '{_echo(ctx.argument)}'. Quoted: {speakers}.")
    return store.remembered(("quotes", person.id, ctx.page),
                            lambda: _quotes(ctx, store.quotes_by(person.id), person.id))


def _quotes(ctx: Context, quotes: Sequence[Quote], speaker_id: str) -> Reply:
    store = ctx.store

    def render(_: int, q: Quote) -> ReplyField:
        speaker = store.people[q.speaker]
        heading = f"{speaker.name}, {speaker.role}" + (f" ({q.context})" if q.context else "")
        return ReplyField(heading, _tagged(q.text, q.sources, q.differs))

    fields, more = _capped(ctx, "quote", quotes, render, "quotes", "Name a speaker: `/parade quote Easley`.",
                           speaker_id)
    return Reply(
        title="Quotes",
        fields=fields,
        actions=more,
        citations=store.citations(s for q in quotes for s in q.sources),
        fact_ids=tuple(f"quote:{q.id}" for q in quotes),
    )


@command("timeline", "Key dates, in order.", "/parade timeline")
@_per_content
def cmd_timeline(ctx: Context) -> Reply:
    store = ctx.store
    entries = sorted(store.event.timeline, key=lambda t: t.date)
    fields, more = _capped(ctx, "timeline", entries, lambda _, t: ReplyField(t.date, _tagged(t.text, t.sources)),
                           "entries", "")
    return Reply(
        title=f"Timeline: {store.event.name}",
        fields=fields,
        actions=more,
        citations=store.citations(s for t in entries for s in t.sources),
        fact_ids=tuple(f"timeline:{t.id}" for t in entries),
    )


@command("sources", "The articles this bot draws on.", "/parade sources")
@_per_content
def cmd_sources(ctx: Context) -> Reply:
    store = ctx.store
    fields = []
    for s in store.event.sources:
        lines = [f"\"{s.title}\"", f"Published {s.published.isoformat()}"]
        if s.byline:
            lines.append(f"By {s.byline}")
        if s.note:
            lines.append(s.note)
        fields.append(ReplyField(f"[{s.id}] {s.outlet}", "\n".join(lines)))
    return Reply(title="Sources", fields=tuple(fields), citations=store.citations(store.sources))


@command("ask", "Ask a question in your own words.", "/parade ask how many leaders attend?", zoned=True,
         argument=Argument("question", "your question, e.g. who is not attending?", required=True,
                           max_length=MAX_QUESTION_CHARS))
def cmd_ask(ctx: Context) -> Reply:
    if not any(ch.isalnum() for ch in ctx.argument):
        raise UsageError("Ask a question in words, e.g. `/parade ask who is attending?`")
    answer = ctx.store.ask(ctx.argument, ctx.zone)
    keys = answer.keys
    if answer.confident and len(keys) == 1 and keys[0] in _ASK_DELEGATES:
        reply = _ASK_DELEGATES[keys[0]](dataclasses.replace(ctx, argument=""))
        return dataclasses.replace(reply, fact_ids=keys, intent=answer.intent, ephemeral=False)
    several = len(answer.parts) > 1
    text = "" if several else _part_text(answer.parts[0])
    # A part answered by the very statements of an earlier one ("how much did it cost? one article says
    # 1.9bn") points there rather than repeating them.
    shown: set[str] = set()
    fields = []
    for part in answer.parts if several else ():
        keys = {s.key for s in part.statements}
        repeated = part.reason is None and bool(keys) and keys <= shown
        fields.append(ReplyField(part.question, "See above." if repeated else _part_text(part)))
        shown |= keys
    if answer.corrections:
        fields.append(ReplyField("Read as", ", ".join(f"{typed} → {meant}" for typed, meant in answer.corrections)))
    cited = ctx.store.citations(s for p in answer.parts for st in p.statements for s in st.sources)
    # A part about the start says it as `when` does: the same moments (only words present are marked).
    event = ctx.store.event
    moments = start_moments(event.start, ctx.zone, known=event.time_known)
    if not answer.confident:
        hint = "Try `/parade facts` for topics, `/parade who` for attendees or `/parade timeline`."
        return Reply(title="I don't know", text=f"{text}\n\n{hint}".strip(), fields=tuple(fields),
                     citations=cited, confident=False, intent=answer.intent, reason=answer.reason, moments=moments)
    return Reply(title="Answer", text=text, fields=tuple(fields), citations=cited, fact_ids=keys,
                 intent=answer.intent, moments=moments)


def _part_text(part: PartAnswer) -> str:
    said = "\n\n".join(_tagged(s.text, s.sources, s.differs) for s in part.statements)
    if part.reason is None:
        return said
    return part.reason + (f"\nWhat the sources do say: {said}" if said else "")


def _subscriptions(ctx: Context) -> AsyncStorage:
    if ctx.storage is None:
        raise UsageError("Subscriptions need the running bot (console, Discord or Slack) with its database.")
    if not ctx.command.channel:
        raise UsageError("Subscribe from a channel.")
    return ctx.storage




@command("subscribe", "Get countdown posts and news updates in this channel.", "/parade subscribe Europe/Paris",
         slow=True, managers_only=True,
         argument=Argument("timezone", "IANA timezone for post times, e.g. Europe/Paris (default: the event's)",
                           suggest="timezones"))
async def cmd_subscribe(ctx: Context) -> Reply:
    db = _subscriptions(ctx)
    chosen = str(_zone(ctx.argument)) if ctx.argument else None  # none: keep the channel's zone, if it has one
    c = ctx.command
    problem = await c.posting_problem() if c.posting_problem is not None else None
    if problem is not None:
        log.info("subscribe refused on %s:%s:%s: %s", c.platform, c.workspace, c.channel, problem)
        raise UsageError(f"I could not post in this channel: {problem}. Then `/parade subscribe` again.")
    subscription = await db.subscribe(c.platform, c.workspace, c.channel, chosen or str(ctx.zone), ctx.now,
                                      keep_zone=chosen is None)
    zone = ZoneInfo(subscription.timezone)
    log.info("subscribed %s (%s)", subscription.key, zone)
    upcoming = [r for r in reminder_plan(ctx.store.event, ctx.reminder_offsets) if r.due > ctx.now]
    moments: tuple[Moment, ...]
    if not upcoming:
        note = f"{countdown(ctx.store.event, ctx.now)} No countdown posts are left; news updates will still come."
        moments = (relative_moment(ctx.store.event.start, ctx.now),)
    else:
        note = f"{len(upcoming)} countdown posts to come; the first {format_moment(upcoming[0].due, zone)}."
        moments = (moment(upcoming[0].due, zone),)
    listed = await _list_on_subscribe(ctx, db)
    return Reply(title="Subscribed", text=f"This channel gets countdown posts and news updates, times in {zone}. "
                 + note + " See `/parade schedule`." + listed, moments=moments)


async def _list_on_subscribe(ctx: Context, db: AsyncStorage) -> str:
    """Lists the event where the settings ask for it on subscribe and the workspace has no listing yet:
    what to add to the answer. The subscription stands whatever the platform says."""
    c, event = ctx.command, ctx.store.event
    if not c.list_on_subscribe or c.event_publisher is None or not c.workspace or event.start <= ctx.now:
        return ""
    if await db.event_listing(c.event_publisher.platform, c.workspace, event.id) is not None:
        return ""
    try:
        await publish_listing(db, c.event_publisher, c.workspace, ctx.store, ctx.now)
    except ListingRefused as exc:
        log.info("event listing on subscribe refused in %s:%s: %s", c.platform, c.workspace, exc)
        return f" The event could not be listed in {c.event_publisher.where}: {exc}."
    return f" The event is now listed in {c.event_publisher.where}."


@command("unsubscribe", "Stop posts in this channel.", "/parade unsubscribe", slow=True, managers_only=True)
async def cmd_unsubscribe(ctx: Context) -> Reply:
    c = ctx.command
    if await _subscriptions(ctx).unsubscribe(c.platform, c.workspace, c.channel):
        log.info("unsubscribed %s:%s:%s", c.platform, c.workspace, c.channel)
        return Reply(title="Unsubscribed", text="No more posts in this channel. `/parade subscribe` to resume.")
    return Reply(title="Not subscribed", text="This channel had no subscription.", ephemeral=True)


@command("alerts", "Turn this channel's feed stories off or on; countdown posts and the content's news stay.",
         "/parade alerts off", argument=Argument("setting", "`on` or `off`", required=True, max_length=3),
         slow=True, managers_only=True)
async def cmd_alerts(ctx: Context) -> Reply:
    c = ctx.command
    setting = ctx.argument.strip().casefold()
    if setting not in ("on", "off"):
        raise UsageError("`/parade alerts on` or `/parade alerts off`.")
    db = _subscriptions(ctx)
    subscription = await db.subscription(c.platform, c.workspace, c.channel)
    if subscription is None or not subscription.active:
        raise UsageError("This channel is not subscribed: `/parade subscribe [timezone]` first.")
    await db.set_feed_alerts(subscription.id, setting == "on")
    log.info("feed alerts %s for %s", setting, subscription.key)
    if setting == "on":
        return Reply(title="Feed alerts on", text="This channel gets a post for each new story from the event's feeds.")
    return Reply(title="Feed alerts off", text="No more stories from the feeds here; countdown posts and the "
                 "event's own news updates still come. `/parade alerts on` to turn them back on.")


@command("schedule", "The next posts due in this channel.", "/parade schedule", slow=True)
async def cmd_schedule(ctx: Context) -> Reply:
    c = ctx.command
    db = _subscriptions(ctx)
    subscription = await db.subscription(c.platform, c.workspace, c.channel)
    if subscription is None or not subscription.active:
        raise UsageError("This channel is not subscribed: `/parade subscribe [timezone]`.")
    zone = ZoneInfo(subscription.timezone)
    paused = f"Posts here are paused: {subscription.reason}. They resume with the next post after that is fixed. " \
        if subscription.paused else ""
    done = await db.delivered_posts(subscription.id)
    upcoming = [r for r in reminder_plan(ctx.store.event, ctx.reminder_offsets)
                if r.due > ctx.now and not {r.id, r.legacy_id} & done]
    if not upcoming:
        return Reply(title="Schedule", text=f"{paused}{countdown(ctx.store.event, ctx.now)} Nothing more is scheduled.",
                     moments=(relative_moment(ctx.store.event.start, ctx.now),))
    fields = [ReplyField("Starting now" if r.is_start else f"{span(r.offset)} before", format_moment(r.due, zone))
              for r in upcoming]
    return Reply(title="Schedule", text=f"{paused}Next posts in this channel (times in {zone}):", fields=tuple(fields),
                 moments=tuple(moment(r.due, zone) for r in upcoming))


@command("news", "The latest stories: from the event's feeds and its own news updates, newest first.",
         "/parade news", zoned=True)
def cmd_news(ctx: Context) -> Reply:
    event = ctx.store.event
    stories = ctx.news.book.latest(MAX_ITEMS) if ctx.news is not None else []
    entries = [(s.published, ReplyField(s.title, f"{format_moment(s.published, ctx.zone)} · "
                                        + "; ".join(f"{i.outlet}: {i.link or i.title}" for i in s.items)))
               for s in stories]
    entries += [(u.published_at, ReplyField(u.title, f"{format_moment(u.published_at, ctx.zone)} · {u.text} "
                                            f"[{', '.join(u.sources)}]")) for u in event.updates]
    entries.sort(key=lambda e: e[0], reverse=True)
    if not entries:
        follows = "its feeds have brought no story yet" if event.feeds else "it follows no feeds"
        return Reply(title="News", text=f"No news about {event.name} yet: {follows}.", ephemeral=True)
    shown = entries[:MAX_ITEMS]
    return Reply(title=f"News: {event.name}", text="Newest first.", fields=tuple(field for _, field in shown),
                 moments=tuple(moment(published, ctx.zone) for published, _ in shown))


@command("feeds", "Admins: each feed's last fetch, status, items seen, next poll and failures.",
         "/parade feeds", admin_only=True)
def cmd_feeds(ctx: Context) -> Reply:
    feeds = ctx.store.event.feeds
    if not feeds:
        return Reply(title="Feeds", text="The content lists no feeds (`feeds:` in the content file).", ephemeral=True)
    states = ctx.news.states if ctx.news is not None else {}
    fields = []
    moments = []
    for feed in feeds[:MAX_ITEMS]:
        state = states.get(feed.url)
        if state is None:
            fields.append(ReplyField(feed.url, "not polled yet"))
            continue
        times = [utc_moment(at) for at in (state.last_fetch, state.next_poll) if at is not None]
        moments += times
        when = f"last fetch {times[0].text}" if state.last_fetch else "never fetched"
        upcoming = "disabled: `parade-bot feeds enable URL`" if state.disabled else (
            f"next poll {times[-1].text}" if state.next_poll else "next poll soon")
        fields.append(ReplyField(feed.url, f"{when}; {state.last_status or 'no status'}; {state.items_seen} items "
                                 f"seen; {state.failures} failures in a row; {upcoming}"))
    return Reply(title="Feeds", text=f"{len(feeds)} feeds.", fields=tuple(fields), ephemeral=True,
                 moments=tuple(moments))


@command("event", "Admins: list the event in this server's Events (Discord), or bring the listing up to date.",
         "/parade event", admin_only=True, slow=True)
async def cmd_event(ctx: Context) -> Reply:
    c = ctx.command
    publisher = c.event_publisher
    if publisher is None:
        raise UsageError("Event listings are Discord's Scheduled Events: run this in a Discord server.")
    if ctx.storage is None:
        raise UsageError("Listing the event needs the running bot with its database.")
    if not c.workspace:
        raise UsageError("Run this in a server, not in a direct message.")
    event = ctx.store.event
    if event.start <= ctx.now:
        raise UsageError("The event has started: only events still to come can be listed.")
    try:
        listing, created = await publish_listing(ctx.storage, publisher, c.workspace, ctx.store, ctx.now)
    except ListingRefused as exc:
        log.info("event listing refused in %s:%s: %s", c.platform, c.workspace, exc)
        raise UsageError(f"The event could not be listed: {exc}.") from None
    log.info("event listing %s in %s:%s (%s)", "created" if created else "updated", c.platform, c.workspace,
             listing.external_id)
    when = moment(event.start, ctx.zone)
    return Reply(title="Event listed" if created else "Event listing updated",
                 text=f"{event.name} is in {publisher.where}, starting {when.text}. Members can mark "
                 "themselves interested and are reminded when it starts; a reload that moves the start "
                 "moves the listing too.", moments=(when,), ephemeral=True)


@command("reload", "Admins: reload the content file, with a summary of changes.", "/parade reload",
         argument=Argument("force", "`force`: apply a reload that was refused as risky", max_length=5),
         admin_only=True, slow=True)
async def cmd_reload(ctx: Context) -> Reply:
    c = ctx.command
    if ctx.reloader is None:
        raise UsageError("Reloading needs the running bot (console, Discord or Slack).")
    if ctx.argument and ctx.argument.strip().casefold() != "force":
        raise UsageError(f"`{c.admin_prefix} reload` or `{c.admin_prefix} reload force`.")
    outcome = await ctx.reloader.reload(f"{c.platform}:{c.user_id}", force=bool(ctx.argument))
    if not outcome.ok:
        fields = tuple(ReplyField(name, text) for name, text in outcome.diff.lines()) if outcome.diff else ()
        return Reply(title="Reload refused", text=f"The previous content is still live. {outcome.error}",
                     fields=fields, ephemeral=True, is_error=True)
    return Reply(title="Content reloaded", text=f"Now serving {ctx.reloader.content.store.event.name}.",
                 fields=tuple(ReplyField(name, text) for name, text in outcome.diff.lines()), ephemeral=True)


@command("status", "Admins: the delivery report, by platform and state, with the last day's failures.",
         "/parade status", admin_only=True, slow=True)
async def cmd_status(ctx: Context) -> Reply:
    if ctx.storage is None:
        raise UsageError("The delivery report needs the running bot with its database.")
    channels = await ctx.storage.channel_statuses()
    failures = await ctx.storage.failures_since(ctx.now - dt.timedelta(hours=24))
    counts: dict[str, dict[str, int]] = {}
    for channel in channels:
        state, _, reason = _channel_state(channel).partition(": ")
        if state == "ended":  # counted by the cause their reason ends with ("...: channel_not_found")
            state = f"ended ({reason.rsplit(': ', 1)[-1]})"
        platform = counts.setdefault(channel.key.split(":", 1)[0], {})
        platform[state] = platform.get(state, 0) + 1
    summary = "; ".join(f"{platform}: " + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
                        for platform, states in sorted(counts.items())) or "No channel is subscribed."
    shown_failures = failures[:MAX_ITEMS]
    lines = [f"{utc_moment(f.at).text} {f.key} {f.post}: {f.status}" + (f" ({f.detail[:80]})" if f.detail else "")
             for f in shown_failures]
    fields = [ReplyField("Failures in the last 24 hours", "\n".join(lines) or "None.")]
    disabled = [url for url, state in (ctx.news.states if ctx.news is not None else {}).items() if state.disabled]
    if disabled:  # a feed that stopped after failures is a delivery problem too: say so where admins look
        fields.append(ReplyField(f"Feeds disabled ({len(disabled)})", "\n".join(disabled[:MAX_ITEMS])
                                 + "\n`parade-bot feeds enable URL` after fixing; `/parade feeds` for details"))
    listed, more = _capped(ctx, "status", channels, lambda _, c: ReplyField(c.key, _channel_outcome(c)), "channels",
                           "`parade-bot status` on the server lists every channel.")
    return Reply(title="Delivery report", text=summary, fields=(*fields, *listed), ephemeral=True, actions=more,
                 moments=tuple(utc_moment(f.at) for f in shown_failures))


def _channel_state(channel: ChannelStatus) -> str:
    """active; paused: what to fix; ended: why (unsubscribed, channel gone: ...)."""
    if not channel.active:
        return f"ended: {channel.reason or 'no reason recorded'}"
    return f"paused: {channel.reason}" if channel.reason else "active"


def _channel_outcome(channel: ChannelStatus) -> str:
    state = _channel_state(channel)
    last = (f"last post {channel.last_post}: {channel.last_status}" + (f" ({channel.last_detail[:80]})"
            if channel.last_detail else "")) if channel.last_post else "no post yet"
    return f"{state}; {last}"


# Event-level answers to `ask` are the commands' own replies, so both say the same thing.
_ASK_DELEGATES: dict[str, Handler] = {
    "event:when": cmd_when, "event:where": cmd_where, "event:why": cmd_why, "event:who": cmd_who,
    "event:absent": cmd_who, "event:sources": cmd_sources, "event:timeline": cmd_timeline,
}
