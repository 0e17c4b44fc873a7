"""The fact store: one validated event, indexed for look-ups and search, never mutated.

A reload builds a new store and swaps the reference, so a command holding a store sees one
consistent version of the content from start to finish.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeVar, get_args

from rapidfuzz import fuzz, process, utils

from bot.answering import Answer, Answerer
from bot.content import AnswerType, Event, Fact, Person, Quote, Source, Topic
from bot.lexicon import Lexicon
from bot.reply import Citation
from bot.search import FUTURE, SOURCE_WORDS, SPEAKER, WEAK, BM25Index

SUBJECT_WORDS = 6  # an entry's first terms name what it is about: "China's Foreign Ministry welcomed ..."
NAME_MATCH_CUTOFF = 75.0  # rapidfuzz WRatio for "putn" -> Putin, "eco" -> Trade and the economy
MAX_REMEMBERED_ANSWERS = 4096  # answers kept per store: one per person, topic, speaker and zone in practice

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

EntryKind = Literal["fact", "quote", "person", "event"]
ANSWER_TYPES: tuple[str, ...] = get_args(AnswerType)
_BIT = {name: 1 << i for i, name in enumerate(ANSWER_TYPES)}


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable thing: a fact, a quote, a person or the list of sources."""

    key: str
    kind: EntryKind
    text: str
    sources: tuple[str, ...]
    differs: str | None = None
    answers: frozenset[str] = frozenset()  # the kinds of question it can answer (content.AnswerType)


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
        self._topic_words = {t.id: " ".join((self._topic_names[t.id], *t.keywords)) for t in event.topics}
        self._person_names = {p.id: " ".join((p.name, *p.aliases)) for p in event.people}
        self.lexicon = Lexicon(event)
        self._cues = {kind: re.compile(cue) for kind, cue in self.lexicon.language.answer_cues.items()}
        self.future_cue = self._cues["future"]
        self.past_cue = self._cues["past"]
        self.done_cue = self._cues["done"]
        self.unsaid_cue = self._cues["unsaid"]
        self.day_cue = self._cues["day"]
        self.span_cue = self._cues["span"]
        # A place answers "where" when the text puts something there: "in Washington", "to China".
        self._located = re.compile(r"\b(?P<preposition>in|at|to|from|near|inside|outside|across|into)\s+(?:the\s+)?"
                                   r"(?P<place>" + "|".join(
            re.escape(n) for n in sorted({*self.lexicon.world.country_names, *self.lexicon.world.region_names,
                                          *self.lexicon.world.capitals,
                                          *(p.strip().casefold() for p in event.place.split(","))},
                                         key=len, reverse=True)) + r")\b")
        # A country as the subject answers "who": "China has long been North Korea's main source of aid".
        self._actor = re.compile(r"^(?:the\s+)?(?:" + "|".join(
            re.escape(n) for n in sorted(self.lexicon.world.country_names, key=len, reverse=True)) + r")\b")
        self.entries = MappingProxyType({e.key: e for e in self._build_entries()})
        # Each entry's text and the words a reader would ask it with, normalised once for the index
        # and for the typo corrector's vocabulary.
        words = {key: (self.lexicon.normalise(e.text), self.lexicon.normalise(self._search_extra(e)))
                 for key, e in self.entries.items()}
        self.lexicon.learn(w for pair in words.values() for w in pair)
        self._name_terms = {p.id: self.lexicon.terms(p.name) for p in event.people}
        # A fact's topic hints at what it answers, but every fact of a topic would otherwise "hold" the
        # topic's words ("trips" for any fact filed under Kim's trips): they rank, never qualify.
        self._topic_terms = {t: self.lexicon.terms(words) for t, words in self._topic_words.items()}
        self.index = BM25Index((key, self._indexed_terms(self.entries[key], *pair),
                                self.kind_mask(self.entries[key].answers)) for key, pair in words.items())
        self.answerer = Answerer(self)
        self._remembered: dict[Hashable, object] = {}

    # Look-ups -------------------------------------------------------------------------------

    def facts_on(self, topic_id: str) -> tuple[Fact, ...]:
        return self._by_topic.get(topic_id, ())

    def facts_about(self, person_id: str) -> tuple[Fact, ...]:
        return self._by_person.get(person_id, ())

    def quotes_by(self, person_id: str) -> tuple[Quote, ...]:
        return self._quotes_by.get(person_id, ())

    def remembered(self, key: Hashable, build: Callable[[], T]) -> T:
        """What `build` returns for `key`, built once for this store. The store never changes and a
        reload brings a new one, so an answer that depends only on the content (and on what `key`
        names: a person, a zone) is computed once per content version, however many facts it covers."""
        try:
            return self._remembered[key]  # type: ignore[return-value]
        except KeyError:
            pass
        if len(self._remembered) >= MAX_REMEMBERED_ANSWERS:  # keys come from the content and the zones: rarely reached
            self._remembered.clear()
        value = self._remembered[key] = build()
        return value

    def forget_replies(self) -> None:
        """Drops the remembered replies (the benchmark measures the first look-up of a content version)."""
        self._remembered.clear()

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

    def ask(self, question: str, zone: dt.tzinfo | None = None) -> Answer:
        return self.answerer.answer(question, zone)

    @staticmethod
    def kind_mask(kinds: Iterable[str]) -> int:
        mask = 0
        for kind in kinds:
            mask |= _BIT[kind]
        return mask

    # Building -------------------------------------------------------------------------------

    def _build_entries(self) -> Iterator[Entry]:
        event = self.event
        kinds: dict[frozenset[str], frozenset[str]] = {}  # a few dozen distinct sets for 10,000 facts: kept once
        for f in event.facts:
            people = {"person"} if f.people else set()
            answers = self.kinds_in(f.text) | people | set(f.answers)
            yield Entry(f.id, "fact", f.text, f.sources, f.differs, kinds.setdefault(answers, answers))
        for q in event.quotes:
            speaker = self.people[q.speaker]
            text = f"{speaker.name}: {q.text}"
            yield Entry(f"quote:{q.id}", "quote", text, q.sources, q.differs,
                        self.kinds_in(q.text) | {"quote", "statement", "person"})
        for p in event.people:
            text = f"{p.name}: {p.role}" + (f", {p.country}" if p.country else "")
            yield Entry(f"person:{p.id}", "person", text, p.sources, None,
                        frozenset({"person", "place"} if p.country else {"person"}))
        outlets = "; ".join(f"{s.outlet}, \"{s.title}\" ({s.published.isoformat()})" + (f". {s.note}" if s.note else "")
                            for s in event.sources)
        # A headline's place or number is no answer ("where is Kim going" is not "... in Beijing next
        # week" by AP); the publication dates are.
        yield Entry("event:sources", "event", outlets, tuple(s.id for s in event.sources), None,
                    self.kinds_in(outlets) & {"date"} | {"statement", "list"})
        absentees = event.attendance.absentees
        if absentees:  # "why is Serbia staying away?" is answered by the list of who stays away
            text = "\n".join(b.who + (f": {b.reason}" if b.reason else "") for b in absentees)
            yield Entry("event:absent", "event", text, tuple(dict.fromkeys(s for b in absentees for s in b.sources)),
                        None, self.kinds_in(text) | {"list", "reason"})

    def kinds_in(self, text: str) -> frozenset[str]:
        """The kinds of answer a text gives, read off its words (bot/data/english.yaml `answer_cues`)."""
        lower = text.casefold()
        found = {kind for kind, cue in self._cues.items() if kind in ANSWER_TYPES and cue.search(lower)}
        # A date's digits ("28 August 2025") are not a count: numbers are looked for once dates are out.
        if "number" in found and not self._cues["number"].search(self._cues["date"].sub(" ", lower)):
            found.discard("number")
        if self._located.search(lower):
            found.add("place")
        if self._actor.search(lower):
            found.add("actor")
        return frozenset(found)

    def places_in(self, text: str, prepositions: frozenset[str] | None = None) -> list[str]:
        """The places a text puts something in ("to China", "in Washington"), lower case; only after
        the given prepositions, if any are given."""
        return [m["place"] for m in self._located.finditer(text.casefold())
                if prepositions is None or m["preposition"] in prepositions]

    def number_word(self, word: str) -> bool:
        """Whether one normalised word is a number ("26", "three", "1.2", "80th")."""
        digits = word.replace(".", "").replace(",", "").removesuffix("st").removesuffix("nd").removesuffix("rd")
        return bool(self._cues["number"].fullmatch(word) or digits.removesuffix("th").isdigit())  # "80th" too

    def _speakers(self, text: str) -> list[str]:
        """Who a fact reports as saying something: the words just before its first verb of saying
        ("Trump recalled"), or after "according to"; none if it reports nobody's words."""
        lower = text.casefold()
        said = self._cues["statement"].search(lower)
        if said is None:
            return []
        if said[0] == "according to":
            return self.lexicon.terms(" ".join(lower[said.end():].split()[:5]))
        return self.lexicon.terms(" ".join(lower[:said.start()].split()[-4:]))

    def _indexed_terms(self, entry: Entry, text: list[str], extra: list[str]) -> list[str]:
        """The entry's terms, plus its subjects marked with @ (the people it declares, its speaker, the
        first words of its text: "how long will Putin stay" needs Putin as a subject, not a name in
        passing), who speaks in it marked with ! (a quote's speaker, or the first words of a fact),
        and its topic's words marked weak."""
        terms = list(self.lexicon.fold(text))
        if entry.kind == "quote":  # a quote is the speaker's, whoever it names
            subjects = speakers = self._name_terms[self.quotes[entry.key.removeprefix("quote:")].speaker]
        else:
            subjects, speakers = terms[:SUBJECT_WORDS], self._speakers(entry.text)
        if entry.kind == "fact":
            subjects = subjects + [t for p in self.facts[entry.key].people for t in self._name_terms[p]]
        topic = self._topic_terms.get(self.facts[entry.key].topic, []) if entry.kind == "fact" else []
        if self._cues["future"].search(entry.text.casefold()):
            topic = [*topic, FUTURE]
        return [*terms, *self.lexicon.fold(extra), *(f"@{t}" for t in subjects), *(f"{SPEAKER}{t}" for t in speakers),
                *(f"{WEAK}{t}" for t in topic)]

    def _search_extra(self, entry: Entry) -> str:
        """What the index sees besides the entry's text: the words a reader would ask it with."""
        extra: list[str] = []
        if entry.kind == "fact":
            fact = self.facts[entry.key]
            people = [self.people[p] for p in fact.people]
            extra = [*fact.keywords, *(self._person_names[p.id] for p in people), *(p.country or "" for p in people)]
        elif entry.kind == "quote":
            quote = self.quotes[entry.key.removeprefix("quote:")]
            speaker = self.people[quote.speaker]
            extra = ["quote", quote.context or "", *quote.keywords, self._person_names[speaker.id], speaker.role]
        elif entry.kind == "person":
            person = self.people[entry.key.removeprefix("person:")]
            extra = [self._person_names[person.id]]
        elif entry.key == "event:absent":
            absentees = self.event.attendance.absentees
            extra = ["absent not attending staying away", *(c for b in absentees for c in (*b.countries, *b.regions))]
        elif entry.key == "event:sources":
            extra = [SOURCE_WORDS]
        return " ".join(extra)


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
