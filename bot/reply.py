"""The platform-neutral reply every command returns; adapters render it for their platform."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Citation:
    source_id: str
    outlet: str
    title: str
    published: dt.date

    def __str__(self) -> str:
        return f"{self.outlet}, \"{self.title}\" ({self.published.isoformat()})"


@dataclass(frozen=True, slots=True)
class ReplyField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    title: str
    text: str = ""
    fields: tuple[ReplyField, ...] = ()
    citations: tuple[Citation, ...] = ()
    # Only the asker sees it: errors, refusals and help, so a channel is not cluttered by mistakes.
    ephemeral: bool = False
    is_error: bool = False
    # For `ask`: whether the store found a confident answer, and which entries it drew on.
    confident: bool = True
    fact_ids: tuple[str, ...] = ()
    intent: str = ""  # what `ask` understood the question to want: when, count, attending, ...
    reason: str | None = None  # why `ask` declined, in the user's terms


def error_reply(message: str) -> Reply:
    return Reply(title="Sorry", text=message, ephemeral=True, is_error=True, confident=False)
