"""`parade-bot`: the command line, and the place where core and adapters are wired together.

Exit codes: 0 success, 2 a usage, settings or content error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from adapters.text import render_text
from bot.clock import AcceleratedClock, Clock, system_clock
from bot.commands import Command, Dispatcher
from bot.compiled import load_store
from bot.config import ConfigError, DiscordSettings, Settings, load_settings
from bot.loading import ContentError, ContentLimits, check_event, collector_paused, load_event, read_content
from bot.reload import ContentDiff
from bot.reply import Reply
from bot.store import FactStore
from bot.timefmt import zone_named

if TYPE_CHECKING:
    from bot.application import Application

log = logging.getLogger("parade-bot")
EXIT_USAGE = 2
SECRET_VARIABLES = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                    "SLACK_CLIENT_SECRET", "PARADE_DATABASE_URL")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def password_of(url: str) -> str:
    """The password in a database URL, if any, for the log redactor: read as a URL (SQLAlchemy's form
    is one), so that one-shot commands need not import the database library to keep it out of logs."""
    try:
        return unquote(urlsplit(url).password or "")
    except ValueError:
        return ""


class RedactingFormatter(logging.Formatter):
    """Replaces every secret's value with [redacted] in the finished line, tracebacks included, so no
    library's log message or exception text can leak a token."""

    secrets: tuple[str, ...] = ()

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


class JsonFormatter(RedactingFormatter):
    """One JSON object per line (`--log-format json`), for log collectors; redacted like the text form
    (before encoding, so a secret with a quote or a backslash in it is still found)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": self.redact(record.getMessage())}
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (so it follows redirection)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def configure_logging(level: int = logging.WARNING, *, as_json: bool = False) -> None:
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if as_json else RedactingFormatter(LOG_FORMAT))
    formatter = handler.formatter
    assert isinstance(formatter, RedactingFormatter)
    values = [os.environ.get(name, "").strip() for name in SECRET_VARIABLES]
    values.append(password_of(os.environ.get("PARADE_DATABASE_URL", "")))  # the password on its own, too
    # Short values could match ordinary words; real tokens and secrets are far longer than 8 characters.
    formatter.secrets = tuple(v for v in values if len(v) >= 8)
    root.setLevel(level)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _common() -> argparse.ArgumentParser:
    # SUPPRESS lets these options go before or after the subcommand without one hiding the other.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--content", metavar="PATH", default=argparse.SUPPRESS, help="event content file (YAML)")
    common.add_argument("--tz", metavar="ZONE", default=argparse.SUPPRESS, help="timezone for answers (IANA)")
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="settings file")
    common.add_argument("--log-format", choices=("text", "json"), default=argparse.SUPPRESS,
                        help="log lines as text (the default) or one JSON object each")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog="parade-bot", parents=[common],
                     description="News-alert chatbot. With no command it runs on the platform whose token is "
                                 "set (DISCORD_TOKEN, SLACK_BOT_TOKEN or SLACK_CLIENT_ID), else on the console.")
    sub = parser.add_subparsers(dest="mode", parser_class=_Parser)
    console = sub.add_parser("console", parents=[common], help="interactive console (the default)")
    console.add_argument("--speed", type=float, default=None, metavar="N",
                         help="simulate time N times faster (86400: a day a second), with a throwaway database")
    console.add_argument("--simulate-from", metavar="ISO", default=None,
                         help="simulated start time, e.g. 2025-08-27T09:00+08:00 (default: 8 days before the event)")
    say = sub.add_parser("say", parents=[common], help="answer one command, e.g. '/parade when'")
    say.add_argument("text", help="the command, e.g. '/parade who'")
    ask = sub.add_parser("ask", parents=[common], help="ask one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    discord = sub.add_parser("discord", parents=[common], help="run on Discord (needs DISCORD_TOKEN)")
    discord.add_argument("--sync", action="store_true", help="register the /parade commands with Discord first")
    discord.add_argument("--shard-count", type=int, default=None, metavar="N",
                         help="the total number of shards across all processes (overrides discord.shard_count)")
    discord.add_argument("--shard-ids", type=_shard_ids, default=None, metavar="I,J",
                         help="the shards this process runs, e.g. 0,1 (overrides discord.shard_ids)")
    sub.add_parser("slack", parents=[common],
                   help="run on Slack (SLACK_BOT_TOKEN, plus SLACK_APP_TOKEN or SLACK_SIGNING_SECRET; or, for "
                        "many workspaces, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET)")
    sub.add_parser("status", parents=[common], help="the delivery report: subscriptions, outcomes, failures")
    feeds = sub.add_parser("feeds", parents=[common], help="poll the content's feeds once, or re-enable a feed")
    action = feeds.add_subparsers(dest="feeds_action", required=True, parser_class=_Parser)
    poll = action.add_parser("poll", parents=[common], help="poll once; print one line per new story alert")
    poll.add_argument("--feed", metavar="URL", action="append", default=[],
                      help="poll this feed instead of the content's (repeatable); its outlet is the feed's title")
    poll.add_argument("--json", action="store_true", help="one JSON object per story")
    poll.add_argument("--dry-run", action="store_true", help="record nothing: a later poll sees the same stories")
    enable = action.add_parser("enable", parents=[common], help="re-enable a feed disabled after failures")
    enable.add_argument("url")
    database = sub.add_parser("db", parents=[common], help="the database schema: its revision, upgrading it by hand")
    schema = database.add_subparsers(dest="db_action", required=True, parser_class=_Parser)
    schema.add_parser("current", parents=[common], help="the database's schema revision, and this bot's newest")
    schema.add_parser("upgrade", parents=[common],
                      help="bring the schema to this bot's newest revision (as a start does)")
    revision = schema.add_parser("revision", parents=[common],
                                 help="developers: write the next revision from what the models changed")
    revision.add_argument("-m", "--message", required=True, help="what it changes, e.g. 'slack installations'")
    check = sub.add_parser("check", parents=[common], help="validate a content file before reloading it")
    check.add_argument("file", help="the content file to check")
    check.add_argument("--against", metavar="LIVE", default=None,
                       help="the content now live: show what a reload from it to FILE would change")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(as_json=getattr(args, "log_format", "text") == "json")
    # Starting makes the libraries' modules, the content and the application: over 100,000 objects the
    # collector tracks (at 10,000 facts), none of them garbage, which it would walk again and again as
    # they arrive (about 50 ms of a console's start). It runs again once the platform serves.
    with collector_paused():
        started = start(args)
    if isinstance(started, int):  # a one-shot command's exit code
        return started
    serve, app = started
    from bot.application import PlatformError

    try:
        return serve(app, vars(args))
    except PlatformError as exc:
        return _fail(str(exc))


def start(args: argparse.Namespace) -> int | tuple[Callable[[Application, dict[str, object]], int], Application]:
    """A one-shot command, run (its exit code), or a platform's `run` and the application it serves."""
    try:
        settings, timezone = _settings(args)
        if args.mode == "check":  # needs no content of its own
            return check(args.file, args.against, settings.content_limits)
        if args.mode == "db":
            return database_command(args.db_action, os.environ.get("PARADE_DATABASE_URL") or settings.database,
                                    getattr(args, "message", ""))
        store = load_store(settings.content, settings.content_limits, settings.content_cache)
    except (ConfigError, ContentError) as exc:
        return _fail(str(exc))

    mode = args.mode or _platform_from_environment()
    if mode in ("say", "ask"):  # one-shot answers need no database
        dispatcher = Dispatcher(store, default_timezone=timezone)
        text = args.text if mode == "say" else f"ask {args.question}"
        reply = asyncio.run(dispatcher.handle(Command(text=text, user_id="cli")))
        as_json = mode == "ask" and args.json
        print(json.dumps(ask_json(reply), ensure_ascii=False) if as_json else render_text(reply))
        return EXIT_USAGE if reply.is_error else 0

    if mode == "feeds":
        return asyncio.run(feeds_command(args, settings, store))

    # Only the modes that serve or report load the database, HTTP and scheduler libraries.
    from bot.application import Application
    from bot.scheduler import same_moment

    if mode == "status":  # the operator's delivery report, from the database every process shares
        app = Application.build(settings, store=store, timezone=timezone)
        if app.database is None:
            return _fail("the database is unavailable: no delivery report")
        reply = asyncio.run(app.dispatcher.handle(Command(text="status", user_id="cli", is_admin=True)))
        print(render_text(reply))
        return EXIT_USAGE if reply.is_error else 0

    clock: Clock = system_clock
    wall_time: Callable[[dt.datetime], dt.datetime] = same_moment
    database_url = None
    if mode == "console" and getattr(args, "speed", None):
        try:
            clock = _simulated_clock(store, args.speed, args.simulate_from)
        except ValueError as exc:
            return _fail(str(exc))
        wall_time = clock.real_time_of
        # A simulation leaves no trace in the real ledger. (A file, not sqlite:// in memory: the
        # ledger is written from worker threads, and an in-memory database is per connection.)
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='parade-sim-')}/simulation.db"
    app = Application.build(settings, store=store, timezone=timezone, clock=clock, wall_time=wall_time,
                            database_url=database_url)
    return importlib.import_module(PLATFORMS[mode]).run, app


# A platform is an adapter module with `run(app, options) -> exit code`: adding one is that module and
# one line here (and its subcommand in build_parser).
PLATFORMS = {"console": "adapters.console", "discord": "adapters.discord_bot", "slack": "adapters.slack_app"}


def _simulated_clock(store: FactStore, speed: float, start: str | None) -> AcceleratedClock:
    if start is None:
        begin = store.event.start.astimezone(dt.UTC) - dt.timedelta(days=8)
    else:
        begin = dt.datetime.fromisoformat(start)
        if begin.tzinfo is None:
            raise ValueError(f"--simulate-from {start!r}: give a UTC offset, e.g. 2025-08-27T09:00+08:00")
    return AcceleratedClock(begin, speed)


def _platform_from_environment() -> str:
    """With no subcommand: the platform whose token is set, else the console."""
    if os.environ.get("DISCORD_TOKEN"):
        return "discord"
    return "slack" if os.environ.get("SLACK_BOT_TOKEN") or os.environ.get("SLACK_CLIENT_ID") else "console"


async def feeds_command(args: argparse.Namespace, settings: Settings, store: FactStore) -> int:
    """`parade-bot feeds poll [--feed URL]... [--json] [--dry-run]` and `parade-bot feeds enable URL`."""
    import aiohttp

    from bot.application import open_database
    from bot.content import Feed
    from bot.newsfeed import FeedPoller, FeedSettings

    url = os.environ.get("PARADE_DATABASE_URL") or settings.database
    db = await asyncio.to_thread(open_database, url)
    if args.feeds_action == "enable":
        if db is None:
            return _fail("the database is unavailable: feed states live there")
        states = await asyncio.to_thread(db.feed_states)
        state = states.get(args.url)
        if state is None:
            return _fail(f"no feed {args.url!r} has been polled")
        state.disabled, state.failures, state.next_poll = False, 0, None
        await asyncio.to_thread(db.save_feed_states, [state])
        print(f"{args.url}: enabled; the next poll fetches it")
        return 0
    try:
        feeds = [Feed(url=u) for u in args.feed] or list(store.event.feeds)
    except ValueError as exc:
        return _fail(f"--feed: {str(exc).splitlines()[-1]}")
    if not feeds:
        return _fail(f"{settings.content} lists no feeds: add `feeds:` or give --feed URL")
    feed_settings = FeedSettings.from_settings(settings)
    async with aiohttp.ClientSession() as session:
        poller = FeedPoller(lambda: store, feed_settings.fetcher(session), db, clock=system_clock,
                            settings=feed_settings, owner=f"cli:{os.getpid()}")
        await poller.restore()
        report = await poller.poll(feeds, force=True, record=not args.dry_run)
    if report.busy:
        return _fail("a running bot is polling the feeds right now (or the database does not answer): "
                     "try again in a minute, or use --dry-run")
    for story in report.new_stories:
        if args.json:
            print(json.dumps({"title": story.title, "outlets": story.outlets, "links": story.links,
                              "published": story.published.isoformat()}, ensure_ascii=False))
        else:
            print(f"{story.published:%Y-%m-%d %H:%M} UTC  {story.title}  ({', '.join(story.outlets)})")
    for failed in report.failed:
        print(f"parade-bot: feed {failed}: {poller.states[failed].last_status}", file=sys.stderr)
    return 0


def database_command(action: str, url: str, message: str) -> int:
    """`parade-bot db current|upgrade|revision -m MESSAGE`: the schema by hand. The URL is never printed (it
    may hold a password), nor any error text that quotes it."""
    from bot.migrations import new_revision, schema_head, schema_revisions  # Alembic only for these commands
    from bot.persistence import Database, DatabaseError  # the database library only for them too

    if action == "revision":
        path = new_revision(message)
        print(f"wrote {path}: review it, then run the tests (tests/test_migrations.py checks it against the models)")
        return 0
    head = schema_head()
    try:
        db = Database(url)
        db.outage.watching = False  # a failure here is this command's one line, not an outage report
        try:
            if action == "upgrade":
                before = db.create_schema()
                start = f"revision {before}" if before else "an empty database"
                print(f"already at revision {head}, this bot's newest" if before == head
                      else f"upgraded from {start} to revision {head}")
                return 0
            current = db.schema_revision()
        finally:
            db.close()
    except DatabaseError as exc:
        return _fail(str(exc))
    except Exception as exc:  # unreachable, bad URL, missing driver: one line, as at start
        detail = str(exc).splitlines()[0][:200].replace(url, "[database url]")
        if password := password_of(url):
            detail = detail.replace(password, "[redacted]")
        return _fail(f"the database cannot be opened ({exc.__class__.__name__}: {detail})")
    if current is None:
        print(f"revision: none (no schema yet, or one from before versioning); this bot's newest: {head}; "
              "`parade-bot db upgrade` or starting the bot brings it there")
    elif current not in schema_revisions():
        return _fail(f"revision: {current}, unknown to this bot (its newest: {head}): a newer bot made it")
    else:
        print(f"revision: {current}; this bot's newest: {head}"
              + ("" if current == head else "; `parade-bot db upgrade` or starting the bot brings it there"))
    return 0


def check(path: str, against: str | None, limits: ContentLimits) -> int:
    """`parade-bot check FILE [--against LIVE]`: every problem with its line, and with LIVE the
    changes and risks a reload would show; exit 0 when FILE could be reloaded as it is, else 2."""
    try:
        event, problems = check_event(read_content(path, limits), origin=path, limits=limits)
    except ContentError as exc:
        problems, event = [exc], None
    for problem in problems:
        print(problem)
    if event is None:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: a reload from this file would be refused")
        return EXIT_USAGE
    print(f"{path}: valid ({len(event.facts)} facts, {len(event.quotes)} quotes, {len(event.updates)} news updates)")
    if against is None:
        return 0
    try:
        diff = ContentDiff.between(load_event(against, limits), event)
    except ContentError as exc:
        return _fail(f"--against: {exc}")
    for name, text in diff.lines():
        print(f"{name}: {text}")
    for risk in diff.risks():
        print(f"needs `/parade reload force`: {risk}")
    return EXIT_USAGE if diff.risks() else 0


def _fail(message: str) -> int:
    print(f"parade-bot: {message}", file=sys.stderr)
    return EXIT_USAGE


def _settings(args: argparse.Namespace) -> tuple[Settings, str | None]:
    settings = load_settings(getattr(args, "config", None))
    if content := getattr(args, "content", None):
        settings = settings.model_copy(update={"content": content})
    shards = {key: value for key in ("shard_count", "shard_ids") if (value := getattr(args, key, None)) is not None}
    if shards:
        try:
            discord = DiscordSettings.model_validate({**settings.discord.model_dump(), **shards})
        except ValidationError as exc:
            raise ConfigError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        settings = settings.model_copy(update={"discord": discord})
    timezone = getattr(args, "tz", None) or settings.timezone
    if timezone is not None:
        try:
            zone_named(timezone)
        except ValueError as exc:
            raise ConfigError(f"{exc}: use an IANA name such as UTC or Europe/Paris") from None
    return settings, timezone


def _shard_ids(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"shard ids are numbers separated by commas, not {text!r}") from None


def ask_json(reply: Reply) -> dict[str, object]:
    body = [reply.text] + [f"{f.name}: {f.value}" for f in reply.fields]
    declined = {} if reply.confident else {"reason": reply.reason or reply.text}
    return {
        "answer": "\n".join(part for part in body if part),
        "confident": reply.confident,
        "intent": reply.intent,
        **declined,
        "citations": [
            {"source": c.source_id, "outlet": c.outlet, "title": c.title, "date": c.published.isoformat()}
            for c in reply.citations
        ],
        "fact_ids": list(reply.fact_ids),
    }


def run() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    run()
