"""`parade-bot`: the command line, and the place where core and adapters are wired together.

Exit codes: 0 success, 2 a usage, settings or content error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from adapters.console import ConsolePoster, render_text, run_console
from bot.clock import AcceleratedClock, Clock, system_clock
from bot.commands import Command, Dispatcher
from bot.config import ConfigError, Settings, load_settings
from bot.delivery import DeliveryService
from bot.loading import ContentError, load_event
from bot.persistence import Database, password_of
from bot.ports import Poster
from bot.posts import ContentNewsItems, CountdownReminders
from bot.reload import ContentReloader, reload_on_sighup, watch_and_reload
from bot.reply import Reply
from bot.scheduler import ReminderScheduler, same_moment
from bot.store import FactStore
from bot.timefmt import zone_named

log = logging.getLogger("parade-bot")
EXIT_USAGE = 2
SECRET_VARIABLES = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
                    "PARADE_DATABASE_URL")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Replaces every secret's value with [redacted] in the finished line, tracebacks included, so no
    library's log message or exception text can leak a token."""

    secrets: tuple[str, ...] = ()

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, "[redacted]")
        return line


class StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (so it follows redirection)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def configure_logging(level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        handler.setFormatter(RedactingFormatter(LOG_FORMAT))
        root.addHandler(handler)
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
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog="parade-bot", parents=[common],
                     description="News-alert chatbot. With no command it runs on the platform whose token is "
                                 "set (DISCORD_TOKEN, SLACK_BOT_TOKEN), else on the console.")
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
    sub.add_parser("slack", parents=[common],
                   help="run on Slack (SLACK_BOT_TOKEN, plus SLACK_APP_TOKEN or SLACK_SIGNING_SECRET)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        settings, timezone = _settings(args)
        store = FactStore(load_event(settings.content))
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

    clock: Clock = system_clock
    wall_time: Callable[[dt.datetime], dt.datetime] = same_moment
    database_url = os.environ.get("PARADE_DATABASE_URL") or settings.database
    if mode == "console" and getattr(args, "speed", None):
        try:
            clock = _simulated_clock(store, args.speed, args.simulate_from)
        except ValueError as exc:
            return _fail(str(exc))
        wall_time = clock.real_time_of
        # A simulation leaves no trace in the real ledger. (A file, not sqlite:// in memory: the
        # ledger is written from worker threads, and an in-memory database is per connection.)
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='parade-sim-')}/simulation.db"
    bot = Bot(Dispatcher(store, clock=clock, default_timezone=timezone, reminder_offsets=settings.reminders.offsets,
                         subscriptions=open_database(database_url)), settings, wall_time)
    if mode == "discord":
        return _run_discord(bot, timezone, sync=getattr(args, "sync", False))
    if mode == "slack":
        return _run_slack(bot, timezone)
    asyncio.run(_console(bot))
    return 0


class Bot:
    """A running bot's parts besides the adapter: the dispatcher, its database, reminders and reloads."""

    def __init__(self, dispatcher: Dispatcher, settings: Settings,
                 wall_time: Callable[[dt.datetime], dt.datetime] = same_moment) -> None:
        self.dispatcher = dispatcher
        self.settings = settings
        self.wall_time = wall_time

    @contextlib.asynccontextmanager
    async def running(self, posters: Mapping[str, Poster]) -> AsyncIterator[None]:
        """Reminders and news alerts through `posters`; reload by command, SIGHUP and (optionally) watcher."""
        db = self.dispatcher.subscriptions
        reloader = ContentReloader(self.dispatcher, Path(self.settings.content), db, clock=self.dispatcher.clock)
        self.dispatcher.reloader = reloader
        scheduler = None
        if db is not None:
            service = DeliveryService(
                db, posters, lambda: self.dispatcher.store, clock=self.dispatcher.clock,
                owner=f"{socket.gethostname()}:{os.getpid()}",
                sources=(CountdownReminders(self.settings.reminders.offsets, self.settings.reminders.grace_period),
                         ContentNewsItems(self.settings.alerts.max_age_period)),
            )
            scheduler = ReminderScheduler(service, wall_time=self.wall_time)
            report = await scheduler.start()
            log.info("reminders scheduled: %s; caught up on start: %s", scheduler.job_ids(), report)
            reloader.on_reloaded.append(scheduler.content_reloaded)
        with contextlib.suppress(NotImplementedError):  # no SIGHUP on Windows
            reload_on_sighup(reloader)
        stop_watching = asyncio.Event()
        watcher = (asyncio.create_task(watch_and_reload(reloader, stop_watching))
                   if self.settings.reload.watch else None)
        try:
            yield
        finally:
            stop_watching.set()
            if watcher is not None:
                await watcher
            if scheduler is not None:
                scheduler.shutdown()


def open_database(url: str) -> Database | None:
    """The database, or None (with one log line) so that commands work without it."""
    try:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        db = Database(url)
        db.create_schema()
        return db
    except Exception as exc:  # any failure to open (driver missing, bad URL, corrupt file) degrades the same way
        # The URL is not logged: it may hold a password.
        log.error("database unavailable (%s: %s): subscriptions and reminders are off, commands still work",
                  exc.__class__.__name__, str(exc).splitlines()[0][:200])
        return None


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
    return "slack" if os.environ.get("SLACK_BOT_TOKEN") else "console"


def _fail(message: str) -> int:
    print(f"parade-bot: {message}", file=sys.stderr)
    return EXIT_USAGE


def _settings(args: argparse.Namespace) -> tuple[Settings, str | None]:
    settings = load_settings(getattr(args, "config", None))
    if content := getattr(args, "content", None):
        settings = settings.model_copy(update={"content": content})
    timezone = getattr(args, "tz", None) or settings.timezone
    if timezone is not None:
        try:
            zone_named(timezone)
        except ValueError as exc:
            raise ConfigError(f"{exc}: use an IANA name such as UTC or Europe/Paris") from None
    return settings, timezone


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


# Long-running modes ---------------------------------------------------------------------------


async def _console(bot: Bot) -> None:
    async with bot.running({"console": ConsolePoster()}):
        await run_console(bot.dispatcher, is_admin=True)  # the person at the terminal runs the bot


def _run_discord(bot: Bot, timezone: str | None, *, sync: bool) -> int:
    import discord

    from adapters.discord_bot import DiscordPoster, ParadeClient

    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        return _fail("DISCORD_TOKEN is not set: export the bot token from the Discord developer portal")
    logging.getLogger().setLevel(logging.INFO)
    client = ParadeClient(bot.dispatcher, guild_id=bot.settings.discord.guild_id, sync=sync, timezone=timezone,
                          admin_ids=bot.settings.admins.discord)

    async def serve() -> None:
        async with client:
            await client.login(token)
            async with bot.running({"discord": DiscordPoster(client)}):
                await client.connect()

    try:
        asyncio.run(serve())
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN (HTTP 401): check the bot token")
    except discord.PrivilegedIntentsRequired:
        return _fail("Discord refused the gateway intents requested")
    except KeyboardInterrupt:
        pass
    return 0


def _run_slack(bot: Bot, timezone: str | None) -> int:
    from slack_sdk.errors import SlackApiError

    from adapters.slack_app import build_app, slack_client

    env = {name: os.environ.get(name, "").strip()
           for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "PORT")}
    if not env["SLACK_BOT_TOKEN"]:
        return _fail("SLACK_BOT_TOKEN is not set: export the bot token (xoxb-...) from the Slack app's settings")
    socket_mode = bool(env["SLACK_APP_TOKEN"])
    if not socket_mode and not env["SLACK_SIGNING_SECRET"]:
        return _fail("SLACK_SIGNING_SECRET is not set: HTTP mode needs it (or set SLACK_APP_TOKEN for Socket Mode)")
    port = env["PORT"] or "3000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        return _fail(f"PORT must be a TCP port number, not {port!r}")

    logging.getLogger().setLevel(logging.INFO)
    client = slack_client(env["SLACK_BOT_TOKEN"], base_url=bot.settings.slack.api_url)
    app = build_app(bot.dispatcher, client=client,
                    signing_secret=None if socket_mode else env["SLACK_SIGNING_SECRET"],
                    in_channel=bot.settings.slack.in_channel, timezone=timezone,
                    admin_ids=bot.settings.admins.slack)
    try:
        asyncio.run(_serve_slack(bot, app, client, env["SLACK_APP_TOKEN"] or None, int(port)))
    except SlackApiError as exc:
        return _fail(f"Slack refused the app: {exc.response.get('error', 'unknown error')}: check the tokens")
    except KeyboardInterrupt:
        pass
    return 0


async def _serve_slack(bot: Bot, app: Any, client: Any, app_token: str | None, port: int) -> None:
    from aiohttp import web

    from adapters.slack_app import SlackPoster, web_app

    await client.auth_test()  # a rejected bot token fails here, before anything is served
    async with bot.running({"slack": SlackPoster(client)}):
        if app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            log.info("Slack: Socket Mode")
            await AsyncSocketModeHandler(app, app_token).start_async()
            return
        runner = web.AppRunner(web_app(app), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, bot.settings.slack.host, port).start()
        log.info("Slack: HTTP mode on %s:%d (/slack/events, /healthz)", bot.settings.slack.host, port)
        await asyncio.Event().wait()


def run() -> NoReturn:
    sys.exit(main())
