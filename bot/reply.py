"""The platform-neutral reply every command returns; adapters render it for their platform."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal


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
class Moment:
    """A time shown in a reply. `text` is exactly how it reads in the reply's text or a field value,
    written for the channel's zone: what a plain-text platform shows as is. A platform that can show
    each reader their own local time puts its markup in place of `text`, keeping `zone_note` (the time
    in the channel's zone) beside it for context."""

    at: dt.datetime  # the instant, timezone-aware
    text: str
    # "full": a long date and time; "short": a short one (an assumed time of day beside the venue's
    # date, a line in an admin report); "relative": a distance from now ("in 2 days, 3 hours",
    # "5 minutes ago"), which a platform may count live
    style: Literal["full", "short", "relative"] = "full"
    zone_note: str = ""  # "09:00 CST (Asia/Shanghai)": empty for relative moments


@dataclass(frozen=True, slots=True)
class Action:
    """A button under a reply that runs a command, as if typed: `/parade {command} {argument}`, at
    `page` of a long list. Adapters show it where their platform has buttons; the core checks the
    presser's permissions as for the typed command."""

    label: str
    command: str
    argument: str = ""
    page: int = 0
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True, slots=True)
class Menu:
    """A choice under a reply: picking an option runs `/parade {command} {value}`."""

    placeholder: str
    command: str
    options: tuple[tuple[str, str], ...]  # (label, value)


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
    moments: tuple[Moment, ...] = ()  # the times the text and fields show, for local-time markup
    actions: tuple[Action, ...] = ()
    menu: Menu | None = None


def error_reply(message: str) -> Reply:
    return Reply(title="Sorry", text=message, ephemeral=True, is_error=True, confident=False)
