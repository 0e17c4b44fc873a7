"""`parade-bot`: the command line, and the place where core and adapters are wired together.

Exit codes: 0 success, 2 a usage, settings or content error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.console import render_text, run_console
from bot.commands import Command, Dispatcher
from bot.config import ConfigError, Settings, load_settings
from bot.loading import ContentError, load_event
from bot.reply import Reply
from bot.store import FactStore

log = logging.getLogger("parade-bot")
EXIT_USAGE = 2


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
                     description="News-alert chatbot. With no command it runs on the console.")
    sub = parser.add_subparsers(dest="mode", parser_class=_Parser)
    sub.add_parser("console", parents=[common], help="interactive console (the default)")
    say = sub.add_parser("say", parents=[common], help="answer one command, e.g. '/parade when'")
    say.add_argument("text", help="the command, e.g. '/parade who'")
    ask = sub.add_parser("ask", parents=[common], help="ask one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    discord = sub.add_parser("discord", parents=[common], help="run on Discord (needs DISCORD_TOKEN)")
    discord.add_argument("--sync", action="store_true", help="register the /parade commands with Discord first")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings, timezone = _settings(args)
        store = FactStore(load_event(settings.content))
    except (ConfigError, ContentError) as exc:
        return _fail(str(exc))
    dispatcher = Dispatcher(store, default_timezone=timezone)

    mode = args.mode or _platform_from_environment()
    if mode == "say":
        reply = dispatcher.handle(Command(text=args.text, user_id="cli"))
        print(render_text(reply))
        return EXIT_USAGE if reply.is_error else 0
    if mode == "ask":
        reply = dispatcher.handle(Command(text=f"ask {args.question}", user_id="cli"))
        print(json.dumps(ask_json(reply), ensure_ascii=False) if args.json else render_text(reply))
        return EXIT_USAGE if reply.is_error else 0
    if mode == "discord":
        return _run_discord(dispatcher, settings, timezone, sync=getattr(args, "sync", False))
    run_console(dispatcher)
    return 0


def _platform_from_environment() -> str:
    """With no subcommand: the platform whose token is set, else the console."""
    return "discord" if os.environ.get("DISCORD_TOKEN") else "console"


def _fail(message: str) -> int:
    print(f"parade-bot: {message}", file=sys.stderr)
    return EXIT_USAGE


def _run_discord(dispatcher: Dispatcher, settings: Settings, timezone: str | None, *, sync: bool) -> int:
    import discord

    from adapters.discord_bot import ParadeClient, serve_discord

    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        return _fail("DISCORD_TOKEN is not set: export the bot token from the Discord developer portal")
    logging.getLogger().setLevel(logging.INFO)
    client = ParadeClient(dispatcher, guild_id=settings.discord.guild_id, sync=sync, timezone=timezone)
    try:
        asyncio.run(serve_discord(client, token))
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN (HTTP 401): check the bot token")
    except discord.PrivilegedIntentsRequired:
        return _fail("Discord refused the gateway intents requested")
    except KeyboardInterrupt:
        pass
    return 0


def _settings(args: argparse.Namespace) -> tuple[Settings, str | None]:
    settings = load_settings(getattr(args, "config", None))
    if content := getattr(args, "content", None):
        settings = settings.model_copy(update={"content": content})
    timezone = getattr(args, "tz", None) or settings.timezone
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"unknown timezone {timezone!r}: use an IANA name such as UTC or Europe/Paris") from None
    return settings, timezone


def ask_json(reply: Reply) -> dict[str, object]:
    body = [reply.text] + [f"{f.name}: {f.value}" for f in reply.fields]
    return {
        "answer": "\n".join(part for part in body if part),
        "confident": reply.confident,
        "citations": [
            {"source": c.source_id, "outlet": c.outlet, "title": c.title, "date": c.published.isoformat()}
            for c in reply.citations
        ],
        "fact_ids": list(reply.fact_ids),
    }


def run() -> NoReturn:
    sys.exit(main())
