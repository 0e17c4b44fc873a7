"""Human wording for moments and distances in time."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.reply import Moment

if TYPE_CHECKING:
    from bot.content import Event

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


# Files in the zone database that are not places: the host's own zone, a placeholder, and copies of
# the database under other rules. A content file or a channel naming one means something else on
# every machine.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


@functools.cache
def zone_names() -> frozenset[str]:
    """The IANA zone names this bot accepts: Area/Location names and the database's links (UTC,
    US/Eastern), not the host-specific files beside them."""
    return frozenset(name for name in available_timezones()
                     if name not in _NOT_PLACES and not name.startswith(("posix/", "right/")))


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name`; ValueError, with a short message, for anything else."""
    if name in zone_names():
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # removed from the disk since it was listed
            pass
    shown = name if len(name) <= 60 else name[:60] + "…"
    raise ValueError(f"unknown IANA timezone {shown!r}")


def format_moment(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """'Wednesday 3 September 2025, 09:00 CST (Asia/Shanghai)'."""
    local = moment.astimezone(zone)
    return f"{_date(local)}, {_time(local, zone)}"


def _time(local: dt.datetime, zone: dt.tzinfo) -> str:
    """'09:00 CST (Asia/Shanghai)', or '01:00 UTC' where the abbreviation is the zone's name."""
    label = local.tzname() if local.tzname() == str(zone) else f"{local.tzname()} ({zone})"
    return f"{local:%H:%M} {label}"


def span(delta: dt.timedelta, parts: int = 2) -> str:
    """'5 days, 3 hours': the largest `parts` non-zero units, at minute resolution."""
    seconds = int(abs(delta).total_seconds())
    words: list[str] = []
    for name, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count and len(words) < parts:
            words.append(f"{count} {name}{'' if count == 1 else 's'}")
    return ", ".join(words) or "less than a minute"


def relative(start: dt.datetime, now: dt.datetime) -> str:
    """A countdown before the start; afterwards, how long ago it took place."""
    return _relative(start, now)[0]


def relative_moment(start: dt.datetime, now: dt.datetime) -> Moment:
    """The distance in `relative`'s sentence ("in 2 days, 3 hours", "5 minutes ago"), as a moment."""
    return Moment(start, _relative(start, now)[1], "relative")


def _relative(start: dt.datetime, now: dt.datetime) -> tuple[str, str]:
    """The sentence, and the distance it contains."""
    delta = start - now
    if delta > dt.timedelta(0):
        distance = f"in {span(delta)}"
        return f"Starts {distance}.", distance
    days = (-delta).days
    if days == 0:
        distance = f"{span(delta, parts=1)} ago"
        return f"Started {distance}.", distance
    distance = f"{days} day{'' if days == 1 else 's'} ago"
    return f"Took place {distance}.", distance


def countdown(event: Event, now: dt.datetime) -> str:
    """`relative` to the event's start, saying so when that start's time of day is an assumption."""
    text = relative(event.start, now)
    return text if event.time_known else f"{text[:-1]} (counted to the assumed start time)."


def moment(at: dt.datetime, zone: dt.tzinfo) -> Moment:
    """`at` as `format_moment` writes it, as a moment a platform may show in each reader's zone."""
    return Moment(at, format_moment(at, zone), "full", _time(at.astimezone(zone), zone))


def start_moments(start: dt.datetime, zone: dt.tzinfo, *, known: bool = True) -> tuple[Moment, ...]:
    """The moments in `describe_start`'s text: the start, or when its time of day is assumed, the
    assumed time (the date shown is the venue's, and stays as written)."""
    local = start.astimezone(zone)
    if known or local.date() != start.date():
        return (moment(start, zone),)
    note = _time(local, zone)
    return (Moment(start, note, "short", note),)


def utc_moment(at: dt.datetime) -> Moment:
    """'2025-09-01 10:00 UTC', the form admin reports use, as a moment."""
    text = f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    return Moment(at, text, "short", text)


def describe_start(start: dt.datetime, zone: dt.tzinfo, *, known: bool = True) -> str:
    """The start in `zone`. When the sources give no time of day: the date at the venue, and the
    time this bot assumes, labelled as an assumption."""
    if known:
        return format_moment(start, zone)
    local = start.astimezone(zone)
    if local.date() == start.date():  # the same day: the time is what is assumed
        return f"{_date(start)}, time of day not reported (this bot assumes {_time(local, zone)})"
    return f"{_date(start)} ({start.tzinfo}), time of day not reported (this bot assumes {format_moment(start, zone)})"


def _date(moment: dt.datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"
