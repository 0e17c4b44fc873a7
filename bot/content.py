"""The event content schema: what an event YAML file may say, validated with pydantic.

Everything the bot knows about an event comes from one of these files, so an event is
served by swapping the file; nothing about the parade lives in code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Literal, Self, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.timefmt import zone_named

T = TypeVar("T")


def _shared(value: T, info: ValidationInfo) -> T:
    """One object for equal values of one file: an id that thousands of facts name, their lists of
    sources. They are kept once in memory, and once in the compiled content (pickle writes an object once
    however often it is referred to)."""
    table = _shared_table(info)
    return value if table is None else table.setdefault(value, value)  # type: ignore[return-value]


def _shared_table(info: ValidationInfo) -> dict[object, object] | None:
    """The parse's table of shared values (`context={"shared": {}}`, bot/loading.py); validated without
    one, values stay as they are."""
    return info.context.get("shared") if isinstance(info.context, dict) else None


Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Ref = Annotated[Id, AfterValidator(_shared)]  # an id naming something the file defines elsewhere
Refs = Annotated[tuple[Ref, ...], AfterValidator(_shared)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Search words; a bare number such as 2024 is a fine keyword, so numbers are taken as text.
Keyword = Annotated[ShortText, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) else v)]

SCHEMA_VERSION = 1


class _Model(BaseModel):
    # Unknown keys are refused: a typo such as `soruces:` must not silently drop attribution. The
    # validators are built when a file is first validated, not at import: a start from compiled content
    # validates nothing (defaults are factories for the same reason: an instance needs its validator).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    @model_validator(mode="after")
    def _share_fields_set(self, info: ValidationInfo) -> Self:
        """Which fields the file set (pydantic's `model_fields_set`) is a set per model, 700 bytes a fact:
        models that set the same fields share one. Frozen models never change theirs (model_copy copies
        it before adding to it)."""
        table = _shared_table(info)
        if table is not None:
            fields = self.__pydantic_fields_set__
            object.__setattr__(self, "__pydantic_fields_set__", table.setdefault(frozenset(fields), fields))
        return self


class Source(_Model):
    id: Id
    outlet: ShortText
    title: ShortText
    published: dt.date
    byline: ShortText | None = None
    note: Text | None = None


# What kind of question an entry can answer. Most are read off the text (a digit is a number, a month
# a date); `answers:` on a fact names the rest, e.g. that it gives a reason.
AnswerType = Literal["date", "time", "duration", "place", "number", "quote", "statement", "person", "actor", "reason",
                     "list"]


class Topic(_Model):
    id: Id
    title: ShortText
    keywords: tuple[Keyword, ...] = ()


class Person(_Model):
    id: Id
    name: ShortText
    role: ShortText
    country: ShortText | None = None
    aliases: tuple[ShortText, ...] = ()
    sources: Refs = Field(min_length=1)


class Attendee(_Model):
    """A leader expected at the event: a known person, or a country whose leader is not named."""

    group: ShortText
    person: Ref | None = None
    country: ShortText | None = None
    note: Text | None = None
    sources: Refs = Field(min_length=1)

    @model_validator(mode="after")
    def _names_someone(self) -> Self:
        if self.person is None and self.country is None:
            raise ValueError("an attendee needs a person or a country")
        return self


class Absentee(_Model):
    who: ShortText
    reason: Text | None = None
    # The countries and world regions `who` covers, so "are the Americans coming?" gets "No".
    countries: tuple[ShortText, ...] = ()
    regions: tuple[ShortText, ...] = ()
    sources: Refs = Field(min_length=1)


class Attendance(_Model):
    foreign_leaders: int | None = Field(default=None, ge=0)
    host: Ref | None = None
    attendees: tuple[Attendee, ...] = ()
    absentees: tuple[Absentee, ...] = ()
    sources: Refs = ()


class Fact(_Model):
    id: Id
    topic: Ref
    text: Text
    sources: Refs = Field(min_length=1)
    people: Refs = ()
    keywords: tuple[Keyword, ...] = ()
    answers: tuple[AnswerType, ...] = ()
    # Set where the sources disagree: says how, so a reader sees both versions.
    differs: Text | None = None


class Quote(_Model):
    id: Id
    speaker: Ref
    text: Text
    context: ShortText | None = None
    topic: Ref | None = None
    sources: Refs = Field(min_length=1)
    keywords: tuple[Keyword, ...] = ()
    differs: Text | None = None


class TimelineEntry(_Model):
    id: Id
    date: ShortText = Field(description="ISO date, or a coarser period such as 2018 or 2024-12")
    text: Text
    sources: Refs = Field(min_length=1)
    people: Refs = ()

    @field_validator("date", mode="before")
    @classmethod
    def _iso_prefix(cls, value: object) -> object:
        if isinstance(value, dt.date):  # YAML reads a bare 2025-08-28 as a date
            return value.isoformat()
        if not isinstance(value, str):
            return value
        # Periods sort as strings, so they must be ISO-shaped: YYYY, YYYY-MM or YYYY-MM-DD.
        parts = value.split("-")
        if not (1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4):
            raise ValueError("use YYYY, YYYY-MM or YYYY-MM-DD")
        return value


# Dates outside this window are a typo or an attack (year 1, year 9999): they overflow the date
# arithmetic every delivery pass does.
FIRST_YEAR, LAST_YEAR = 1970, 2200


def _within_years(value: dt.datetime) -> dt.datetime:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"give a date between {FIRST_YEAR} and {LAST_YEAR}")
    return value


class NewsUpdate(_Model):
    id: Id
    published_at: dt.datetime
    title: ShortText
    text: Text
    sources: Refs = Field(min_length=1)

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("give a UTC offset, e.g. 2025-08-28T10:00:00+08:00")
        return _within_years(value)


class Vocabulary(_Model):
    """Words readers use for this event's things: searched as the content's own words."""

    # Each group is words or short phrases with one meaning here, e.g. [bureau, press office].
    synonyms: tuple[tuple[Keyword, ...], ...] = ()
    # What every question is about anyway (e.g. parade, Beijing): such words never need a match.
    context: tuple[Keyword, ...] = ()


class Feed(_Model):
    """A news feed (RSS or Atom) that follows this event's story."""

    url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=1000)]
    outlet: ShortText | None = None  # shown on alerts; default: the feed's own title
    refresh_minutes: int = Field(default=10, ge=1, le=1440)


class Relevance(_Model):
    """Which feed items are about this event. `include`: phrases of which an item must mention one
    (default: see bot.feeds.Relevance); `exclude`: phrases that rule an item out. Matched as whole
    words, case-insensitively, in the title and summary."""

    include: tuple[ShortText, ...] = ()
    exclude: tuple[ShortText, ...] = ()


class Event(_Model):
    schema_version: int = SCHEMA_VERSION
    id: Id
    name: ShortText
    summary: Text
    starts_at: dt.datetime = Field(description="local wall-clock time at the venue, no offset")
    timezone: ShortText
    # False when the sources give the date but no time of day: `starts_at`'s time is then an
    # assumption, used for the countdown and labelled as one wherever it is shown.
    time_known: bool = True
    time_note: Text | None = None
    place: ShortText
    occasion: Text
    sources: tuple[Source, ...] = Field(min_length=1)
    topics: tuple[Topic, ...] = ()
    people: tuple[Person, ...] = ()
    attendance: Attendance = Field(default_factory=Attendance)
    facts: tuple[Fact, ...] = ()
    quotes: tuple[Quote, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    updates: tuple[NewsUpdate, ...] = ()
    vocabulary: Vocabulary = Field(default_factory=Vocabulary)
    feeds: tuple[Feed, ...] = ()
    relevance: Relevance = Field(default_factory=Relevance)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"this bot reads schema_version {SCHEMA_VERSION}")
        return value

    @field_validator("timezone")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        zone_named(value)
        return value

    @field_validator("starts_at")
    @classmethod
    def _wall_clock(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is not None:
            raise ValueError("write the local time without an offset; the zone goes in `timezone`")
        return _within_years(value)

    @property
    def start(self) -> dt.datetime:
        """The start as an aware datetime in the venue's zone."""
        return self.starts_at.replace(tzinfo=ZoneInfo(self.timezone))


Loc = tuple[str | int, ...]


def reference_problems(event: Event) -> list[tuple[Loc, str]]:
    """Ids must be unique and every reference must name something defined in the file.

    Returns (YAML path, message) pairs so the loader can point at the offending line.
    """
    problems: list[tuple[Loc, str]] = []
    known: dict[str, set[str]] = {}
    for section, ids in _ids(event):
        known[section] = set()
        for i, item_id in enumerate(ids):
            if item_id in known[section]:
                problems.append(((section, i, "id"), f"duplicate id {item_id!r}"))
            known[section].add(item_id)
    for loc, values, section in _references(event):
        if values is None:
            continue
        for j, value in enumerate((values,) if isinstance(values, str) else values):
            if value not in known[section]:
                where = loc if isinstance(values, str) else (*loc, j)
                problems.append((where, f"unknown {_KINDS[section]} id {value!r}"))
    return problems


_KINDS = {"sources": "source", "topics": "topic", "people": "person"}


def _ids(event: Event) -> Iterator[tuple[str, list[str]]]:
    yield "sources", [s.id for s in event.sources]
    yield "topics", [t.id for t in event.topics]
    yield "people", [p.id for p in event.people]
    for section in ("facts", "quotes", "timeline", "updates"):
        yield section, [item.id for item in getattr(event, section)]


References = tuple[str, ...] | str | None


def _references(event: Event) -> Iterator[tuple[Loc, References, str]]:
    """(where, the id or ids written there, the section they must name) for every reference."""
    for i, p in enumerate(event.people):
        yield ("people", i, "sources"), p.sources, "sources"
    for i, f in enumerate(event.facts):
        yield ("facts", i, "sources"), f.sources, "sources"
        yield ("facts", i, "topic"), f.topic, "topics"
        yield ("facts", i, "people"), f.people, "people"
    for i, q in enumerate(event.quotes):
        yield ("quotes", i, "sources"), q.sources, "sources"
        yield ("quotes", i, "speaker"), q.speaker, "people"
        yield ("quotes", i, "topic"), q.topic, "topics"
    for i, t in enumerate(event.timeline):
        yield ("timeline", i, "sources"), t.sources, "sources"
        yield ("timeline", i, "people"), t.people, "people"
    for i, u in enumerate(event.updates):
        yield ("updates", i, "sources"), u.sources, "sources"
    attendance = event.attendance
    yield ("attendance", "sources"), attendance.sources, "sources"
    yield ("attendance", "host"), attendance.host, "people"
    for i, a in enumerate(attendance.attendees):
        yield ("attendance", "attendees", i, "sources"), a.sources, "sources"
        yield ("attendance", "attendees", i, "person"), a.person, "people"
    for i, b in enumerate(attendance.absentees):
        yield ("attendance", "absentees", i, "sources"), b.sources, "sources"
