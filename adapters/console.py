"""Console adapter: type commands at a prompt, read replies as plain text. For local use."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.commands import Command, Dispatcher
from bot.reply import Reply

PROMPT = "parade> "


def render_text(reply: Reply) -> str:
    lines = [reply.title, "=" * len(reply.title)]
    if reply.text:
        lines.append(reply.text)
    for field in reply.fields:
        value = field.value.replace("\n", "\n    ")
        lines.append(f"{field.name}:\n    {value}" if "\n" in field.value else f"{field.name}: {value}")
    if reply.citations:
        lines.append("Sources:")
        lines += [f"  [{c.source_id}] {c}" for c in reply.citations]
    return "\n".join(lines)


def run_console(dispatcher: Dispatcher, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    """Answer commands line by line until EOF, `quit` or Ctrl-C."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    event = dispatcher.store.event
    stdout.write(f"parade-bot console: {event.name}\nType `/parade help`, or `quit` to leave.\n")
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            break
        if not line or line.strip().casefold() in ("quit", "exit"):
            break
        if not line.strip():
            continue
        reply = dispatcher.handle(Command(text=line, user_id="console"))
        stdout.write(render_text(reply) + "\n\n")
        stdout.flush()
