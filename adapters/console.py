"""Console adapter: type commands at a prompt, read replies (and subscribed posts) as plain text."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Mapping
from typing import TextIO

from adapters.text import render_text
from bot.application import Application
from bot.commands import Command, Dispatcher
from bot.reply import Reply

PROMPT = "parade> "
CHANNEL = Command(text="", platform="console", workspace="local", channel="console")


class ConsolePoster:
    """The outbound port on the console: posts to the one local channel are printed."""

    idempotent = True  # nothing can be half-sent to a terminal

    def __init__(self, stdout: TextIO | None = None) -> None:
        self.stdout = stdout or sys.stdout

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str, workspace: str = "") -> None:
        self.stdout.write(f"\n[post in #{channel_id}]\n{render_text(reply)}\n\n")
        self.stdout.flush()


async def run_console(dispatcher: Dispatcher, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
                      is_admin: bool = False) -> None:
    """Answer commands line by line until EOF, `quit` or Ctrl-C, while scheduled posts keep arriving."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    lines = _read_lines(stdin)
    stdout.write(f"parade-bot console: {dispatcher.store.event.name}\n"
                 "Type `/parade help`, `/parade subscribe` for countdown posts, or `quit` to leave.\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = await lines.get()
        if line is None or line.strip().casefold() in ("quit", "exit"):
            break
        if not line.strip():
            continue
        command = Command(text=line, user_id="console", is_admin=is_admin, platform=CHANNEL.platform,
                          workspace=CHANNEL.workspace, channel=CHANNEL.channel)
        stdout.write(render_text(await dispatcher.handle(command)) + "\n\n")
        stdout.flush()


def _read_lines(stdin: TextIO) -> asyncio.Queue[str | None]:
    """Lines from a daemon thread, so a pending read never blocks the scheduler or the exit."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def push(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the console has already closed
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def read() -> None:
        try:
            for line in iter(stdin.readline, ""):
                push(line)
        finally:
            push(None)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return queue


def run(app: Application, options: Mapping[str, object]) -> int:
    """Serves the console until `quit` or end of input, with posts to subscribed console "channels"."""
    async def serve() -> None:
        async with app.running({"console": ConsolePoster()}):
            await app.serve(run_console(app.dispatcher, is_admin=True))  # the person at the terminal runs it

    asyncio.run(serve())
    return 0
