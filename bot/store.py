"""The fact store: one validated event, indexed for look-ups and search, never mutated.

A reload builds a new store and swaps the reference, so a command holding a store sees one
consistent version of the content from start to finish.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeVar

from rapidfuzz import fuzz, process, utils

from bot.content import Event, Fact, Person, Quote, Source, Topic
from bot.reply import Citation
from bot.search import BM25Index, SearchResult

NAME_MATCH_CUTOFF = 75.0  # rapidfuzz WRatio for "putn" -> Putin, "eco" -> Trade and the economy

K = TypeVar("K")
V = TypeVar("V")

EntryKind = Literal["fact", "quote", "person", "event"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable thing: a fact, a quote, a person or an event property."""

    key: str
    kind: EntryKind
    text: str
    sources: tuple[str, ...]
    differs: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    entries: tuple[Entry, ...]
    result: SearchResult

    @property
    def confident(self) -> bool:
        return self.result.confident


class FactStore:
    def __init__(self, event: Event) -> None:
        self.event = event
        self.sources: MappingProxyType[str, Source] = MappingProxyType({s.id: s for s in event.sources})
        self.topics: MappingProxyType[str, Topic] = MappingProxyType({t.id: t for t in event.topics})
        self.people: MappingProxyType[str, Person] = MappingProxyType({p.id: p for p in event.people})
        self.facts: MappingProxyType[str, Fact] = MappingProxyType({f.id: f for f in event.facts})
        self.quotes: MappingProxyType[str, Quote] = MappingProxyType({q.id: q for q in event.quotes})
        self._by_topic = _group((f.topic, f) for f in event.facts)
        self._by_person = _group((p, f) for f in event.facts for p in f.people)
        self._quotes_by = _group((q.speaker, q) for q in event.quotes)
        self._topic_names = {t.id: f"{t.title} {t.id.replace('-', ' ')}" for t in event.topics}
        self._person_names = {p.id: " ".join((p.name, *p.aliases)) for p in event.people}
        self._entries = MappingProxyType({e.key: e for e in self._build_entries()})
        self._index = BM25Index((e.key, self._search_text(e)) for e in self._entries.values())

    # Look-ups -------------------------------------------------------------------------------

    def facts_on(self, topic_id: str) -> tuple[Fact, ...]:
        return self._by_topic.get(topic_id, ())

    def facts_about(self, person_id: str) -> tuple[Fact, ...]:
        return self._by_person.get(person_id, ())

    def quotes_by(self, person_id: str) -> tuple[Quote, ...]:
        return self._quotes_by.get(person_id, ())

    def citations(self, source_ids: Iterable[str]) -> tuple[Citation, ...]:
        """Citations for the given source ids, in the order the content lists its sources."""
        wanted = set(source_ids)
        return tuple(Citation(s.id, s.outlet, s.title, s.published) for s in self.event.sources if s.id in wanted)

    def find_topic(self, text: str) -> Topic | None:
        """The topic a user means by `text` (id, title, or a near miss of either)."""
        found = _closest(text, self._topic_names)
        return self.topics[found] if found else None

    def find_person(self, text: str) -> Person | None:
        found = _closest(text, self._person_names)
        return self.people[found] if found else None

    # Search ---------------------------------------------------------------------------------

    def ask(self, question: str, limit: int = 3) -> Answer:
        result = self._index.search(question, limit=limit)
        return Answer(tuple(self._entries[h.key] for h in result.hits), result)

    # Building -------------------------------------------------------------------------------

    def _build_entries(self) -> Iterator[Entry]:
        event = self.event
        every_source = tuple(s.id for s in event.sources)
        yield Entry("event:when", "event", f"When is {event.name}? date time day start schedule", every_source)
        yield Entry("event:where", "event", f"Where is {event.name}? {event.place} place location venue city",
                    every_source)
        yield Entry("event:why", "event", f"Why {event.name}? occasion purpose reason {event.occasion}",
                    every_source)
        for f in event.facts:
            yield Entry(f.id, "fact", f.text, f.sources, f.differs)
        for q in event.quotes:
            speaker = self.people[q.speaker]
            yield Entry(f"quote:{q.id}", "quote", f"{speaker.name}: {q.text}", q.sources, q.differs)
        for p in event.people:
            yield Entry(f"person:{p.id}", "person", f"{p.name}: {p.role}", p.sources)

    def _search_text(self, entry: Entry) -> str:
        """What the index sees: the entry plus the words a reader would ask it with."""
        extra: list[str] = []
        if entry.kind == "fact":
            fact = self.facts[entry.key]
            extra = [self._topic_names[fact.topic], *fact.keywords, *(self._person_names[p] for p in fact.people)]
        elif entry.kind == "quote":
            quote = self.quotes[entry.key.removeprefix("quote:")]
            extra = ["quote said", quote.context or "", *quote.keywords, self._person_names[quote.speaker]]
        elif entry.kind == "person":
            person = self.people[entry.key.removeprefix("person:")]
            extra = [self._person_names[person.id], person.country or ""]
        return " ".join((entry.text, *extra))


def _group(pairs: Iterable[tuple[K, V]]) -> MappingProxyType[K, tuple[V, ...]]:
    grouped: dict[K, list[V]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return MappingProxyType({k: tuple(v) for k, v in grouped.items()})


def _closest(text: str, names: dict[str, str]) -> str | None:
    text = text.strip()
    if not text:
        return None
    if text in names:
        return text
    match = process.extractOne(
        text, names, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=NAME_MATCH_CUTOFF
    )
    return match[2] if match else None
