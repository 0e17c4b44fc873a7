"""Feed items: parsed with feedparser (RSS 0.9x/1.0/2.0, Atom, RDF), made safe, given an identity,
and checked for relevance to the event.

Feed text is untrusted: HTML is stripped, entities decoded, control characters dropped, lengths capped,
and only http(s) links kept. Mentions cannot form downstream either: every adapter escapes text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.content import Event

if TYPE_CHECKING:
    import feedparser

TITLE_MAX, SUMMARY_MAX, LINK_MAX = 300, 1000, 1000
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class FeedItem:
    key: str  # identity: see item_key
    title: str
    summary: str
    link: str | None
    published: dt.datetime  # UTC; when the feed gives none, when it was first seen
    outlet: str
    feed_url: str
    title_date_key: str  # title and date: the same item under a new guid and link is still this item


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    items: tuple[FeedItem, ...]
    problem: str | None  # malformed XML that feedparser read anyway, or why nothing could be read


def parse_feed(body: bytes, *, url: str, outlet: str | None, now: dt.datetime,
               content_type: str | None = None) -> ParsedFeed:
    """The feed's items, newest first. Never raises: a body that is not a feed gives no items and a
    problem; a malformed one gives what feedparser could recover. `content_type` is the server's
    header: its charset is how feedparser decodes the body, as a feed reader should."""
    import feedparser  # here: a bot whose content lists no feeds never loads it

    headers = {"content-type": content_type} if content_type else None
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False, response_headers=headers)
    title = clean(parsed.feed.get("title", "")) or url
    problem = None
    if parsed.get("bozo"):
        problem = f"{parsed.bozo_exception.__class__.__name__}: {str(parsed.bozo_exception)[:120]}"
    if not parsed.entries and problem is None and not parsed.get("version"):
        problem = "not an RSS, RDF or Atom feed"
    items = [_item(entry, url=url, outlet=outlet or title, now=now) for entry in parsed.entries]
    kept = tuple(sorted((i for i in items if i is not None), key=lambda i: i.published, reverse=True))
    return ParsedFeed(title, kept, problem)


def _item(entry: feedparser.FeedParserDict, *, url: str, outlet: str, now: dt.datetime) -> FeedItem | None:
    title = clean(entry.get("title", ""))[:TITLE_MAX]
    summary = clean(entry.get("summary", "") or entry.get("description", ""))[:SUMMARY_MAX]
    if not title and not summary:
        return None
    link = safe_link(entry.get("link"))
    published = min(_when(entry) or now, now)  # a date in the future is a feed's mistake
    day = published.strftime("%Y-%m-%d")
    title_date = _digest(f"{title.casefold()}|{day}")
    return FeedItem(item_key(entry.get("id"), link, title_date), title or summary[:TITLE_MAX], summary, link,
                    published, clean(outlet)[:100], url, title_date)


def item_key(guid: object, link: str | None, title_date: str) -> str:
    """An item's identity: its guid, else its link, else a hash of its title and date (RSS guids are
    optional, and some feeds reuse one link for every item)."""
    if isinstance(guid, str) and guid.strip():
        return "guid:" + _digest(guid.strip())
    if link:
        return "link:" + _digest(link)
    return "title:" + title_date


def _when(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        moment = entry.get(field)
        if moment:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(moment), dt.UTC)
            except (OverflowError, ValueError, OSError):
                return None
    return None


def clean(text: object) -> str:
    """Plain text from feed HTML: tags removed, entities decoded, control and direction characters
    dropped, whitespace collapsed."""
    if not isinstance(text, str):
        return ""
    plain = html.unescape(_TAG.sub(" ", text[:20_000]))
    return _SPACE.sub(" ", _CONTROL.sub("", plain)).strip()


def safe_link(link: object) -> str | None:
    if not isinstance(link, str):
        return None
    link = link.strip()
    if not re.match(r"^https?://[^\s<>\"']+$", link, re.IGNORECASE) or len(link) > LINK_MAX:
        return None
    return link


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Relevance:
    """Whether an item is about the event (whole words, any case, in its title and summary).

    With `relevance.include` in the content: it mentions one of those phrases. By default: it names one
    of the event's people (a name, or an alias of two words or more: "Kim" alone names many people)
    and one of the event's context words or its place. Either way, no `relevance.exclude` phrase."""

    def __init__(self, event: Event) -> None:
        if event.relevance.include:
            self.required = [_pattern(event.relevance.include)]
        else:
            people = [p.name for p in event.people] + [a for p in event.people for a in p.aliases if " " in a]
            self.required = [_pattern(people), _pattern([*event.vocabulary.context, event.place.split(",")[0]])]
        self.exclude = _pattern(event.relevance.exclude) if event.relevance.exclude else None

    def matches(self, item: FeedItem) -> bool:
        text = f"{item.title} {item.summary}"
        return all(p.search(text) for p in self.required) and not (self.exclude and self.exclude.search(text))


def _pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    escaped = sorted({re.escape(p.strip()) for p in phrases if p.strip()}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(escaped or ["(?!)"]) + r")(?!\w)", re.IGNORECASE)
