"""Answers to questions in a reader's own words: confident only where the sources say it.

For each part of a question: read its intent (bot/intents.py); answer event-level intents from the
event's fields, yes/no attendance from the attendance list, and everything else from the index, where
an entry answers only if it holds every salient word of the question (after synonyms; filler and
context words aside) and gives the kind of answer asked for. Otherwise decline, saying what the
sources lack.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.content import Absentee, Person
from bot.intents import ANSWER_KINDS, EVENT_INTENTS, Reading, read, split_parts
from bot.lexicon import Lexicon, stem
from bot.search import FUTURE, SOURCE_WORDS, SPEAKER
from bot.timefmt import describe_start

if TYPE_CHECKING:
    from bot.store import FactStore

# Intents asking for a value (a date, a number, a place) that belongs to whoever the question names.
_SUBJECT_BOUND = frozenset({"when", "time", "count", "duration", "where"})
_EXACT = re.compile(r"\b(?:exact|exactly|precise|precisely|specific|what day|which day|what date|which date)\b")
# A question that ends on its verb's preposition asks for that verb's object ("what are they teaming up
# against", "what was the parliament voting on").
_DANGLING = re.compile(r"^what\b.*? (?P<verb>\w+(?: up| out)?) (?P<preposition>on|against|over|with)$")
_SENTENCE = re.compile(r"[.;:!?](?=\s|$)")
# Where one statement ends and the next begins inside a sentence: "Kim will use the trip to raise his
# standing, and North Korea, China and Russia may ..." says nothing of a trip to Russia. Sentences are
# not split apart: the next one often goes on about the same thing ("this is partly due to ...").
_CLAUSE = re.compile(r",\s+(?:and|while|whereas)\s+(?=[A-Z])|\n")  # an event entry has a line per item
# A capitalised word inside a sentence: a name ("Port Veresti", "Kamenograd", "the Danube").
_MID_SENTENCE_NAME = re.compile(r"(?<=[\w,;)] )[A-Z][\w'-]*")
_LOWER_CASE_WORD = re.compile(r"\b[a-z][\w'-]*")
# "the 70th or the 80th", "Kim or Putin": two options, one word each.
_CHOICE = re.compile(r"\b(?P<first>\w+) or (?:the |a |an )?(?P<second>\w+)\b")
# Whom a relation is with: "mend ties with China", "its relationship with the United States".
_PARTNER = re.compile(r"\b(?:ties|relations|relationship|friendship)\s+(?:with|to)\s+(?:the\s+)?"
                      r"(?P<partner>[a-z]+(?: [a-z]+){0,2})")
# What someone said "about how long it will last": their words must give a duration.
_ASKED_ABOUT = re.compile(r"\babout (how long|how many|how much|when|where)\b")
_ASKED_KIND = {"how long": "duration", "how many": "count", "how much": "count", "when": "when", "where": "where"}
# How long something takes, or lasts ("will last", "built to last"; "the last trip" is no verb).
_DURATION_VERBS = {"take": re.compile(r"\b(?:take|takes|took|taken|taking)\b"),
                   "last": re.compile(r"\b(?:lasts|lasted|lasting|stands? for|endures?)\b"
                                      r"|\b(?:to|will|would|can|could|may|might|should|it|they|does|did) last\b")}
# "the second article", or "the 2nd" where the question's frame took the noun ("what does the 2nd report say").
_ORDINAL = re.compile(
    r"\b(?P<nth>first|1st|second|2nd|third|3rd)(?: (?:article|report|story|piece|source|outlet|one)\b|$)")
_NTH = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2}
# More of what the part before asked: what came of it ("did they sue? what happened?"); the signs of it
# ("were relations cool? any signs?"), if its answer says what shows it; what a quote was about.
# "What happened next" asks for something else, and "how?" is answered only where the part is.
_WHAT_HAPPENED = re.compile(r"(?:so |and |then |but )*what (?:happened|came of it|was the outcome|was the result)"
                            r"(?: in the end| with that| there)?")
_ANY_SIGNS = re.compile(r"(?:so |and |but )*(?:any (?:signs?|evidence|proof)(?: of (?:it|that))?|what is the evidence"
                        r"|how do (?:we|you|they) know)")
_WHAT_ABOUT_IT = re.compile(r"(?:so |and |but )*what (?:was|is) (?:that|it|this)(?: all)? about")
_SHOWING = re.compile(r"\b(?:suggest\w*|show\w*|indicat\w*|publish\w*|found|fell|rose|signs?|evidence)\b")
# A part that names only places ("and with Russia?", "what about Iran and Cuba too").
_ALONE = re.compile(r"(?:(?:and|so|but|ok|okay|what|how|about|with|w|then|also) )*"
                    r"(?P<places>.+?)(?: too| then| also| as well)?")
# ... of which these point back to a question before: "and Russia?", "what about Cuba", "Serbia too?".
_POINTING_BACK = re.compile(r"(?:^|[,:]|\b(?:know|wondering|but|so|ok|okay))\W*"
                            r"(?:and|(?:what|how) about|with|w/|then)\b")
_ALSO = re.compile(r".* (?:too|then|also|as well)$")
_YEAR = re.compile(r"(?:19|20)\d\d")
_PASTED = re.compile(r'["“”](?P<words>[^"“”]{4,400})["“”]')  # a passage in quotation marks
_ABOUT_SOMETHING = re.compile(r"\b(?:about|regarding|concerning) \w")  # "... about Xi": more than who said it
_NOT_OF_WORDS = frozenset("when why how many much which where".split())  # "why did she say "...""
# What a question about a pasted passage asks of it: who said it, what it means.
_ASKS_OF_WORDS = frozenset("say said says saying quote quoted quotes line lines phrase words mean means meaning "
                           "explain talk talking thing context".split())
_STANDING = re.compile(r"\bwhat is (?:the |up )?(?:deal|story|situation|going on|up) (?:with|between)\b")
# Verbs after "how many <thing>" ("are left", "did they park"), and verbs of a number's change.
_PERCENTAGE = re.compile(r"\d\s?(?:%|per ?cent\b)")
_RATE = (["a"], ["an"], ["per"], ["each"], ["every"])  # the word before a rate's unit
_COUNT_VERBS = frozenset("is are was were will would do does did have has had can could left remain remaining".split())
_CHANGES = frozenset("fell rose grew dropped declined increased decreased climbed doubled halved reached totalled "
                     "totaled numbered shrank jumped".split())
# "how many countries besides NK and Russia": what the count leaves out ("other than", "not counting"); the
# words are tested first, since most questions have none.
_EXCLUDING_CUES = ("besides", "other than", "apart from", "aside from", "except", "excluding", "not counting",
                   "not including", "on top of", "in addition to")
_EXCLUDING = re.compile(rf"\b(?:{'|'.join(_EXCLUDING_CUES)})(?: for)? (?P<excluded>.+?)(?=,|$| (?:is|are|was|were|"
                        r"will|would|do|does|did|has|have|r|coming|going|attending|sending|to|in|at|who|what|when|"
                        r"where|why|how|which)\b)")
# "Kim's first trip to China in six years" was not his first trip there: it answers no "first visit".
_FIRST_IN_A_WHILE = re.compile(r"\bfirst\b(?: [\w'-]+){0,5}? (?:in|since|for) (?:more than |over |almost |nearly )?"
                               r"(?:[\w-]+ )?(?:years?|decades?|months?|weeks?|(?:19|20)\d\d)\b")
_COUNTRY_NOUNS = frozenset({"countries", "nations", "governments"})
# "did both countries confirm it": an entry that names two countries answers, whichever they are.
# The host's country is one of them: the reports are about it ("the two countries last met" is no question
# about the U.S. and North Korea at a parade in Beijing).
_TWO_COUNTRIES = re.compile(r"\b(?:the two|both|the 2|both the) (?:countries|nations|governments)\b")
_WROTE = re.compile(r"\b(?:wrote|write|writes|written|author|authors|authored|byline|journalist|reporter)\b")
_DETERMINERS = frozenset({"the", "a", "an", "any", "some", "from", "of"})
_HOW_IMPORTANT = frozenset({"big", "major", "important"})  # ("major Western countries" stay away)
_IF_SAID = re.compile(r"^(?:did|does|do|has|have)\b.*\b(?:say|specify|give|reveal|disclose|mention|tell|confirm|"
                      r"said|specified|given|revealed|disclosed|mentioned|told|confirmed) "
                      r"(?:how|when|where|whether|if|why|what)\b")
# "which korea did Moon lead", "which party does Kim head": what a person leads, where their role says it.
_LEADS = re.compile(r"^(?:which|what)(?: (?P<thing>[\w-]+))? (?:did|does|do|has|had) (?P<who>.+?) "
                    r"(?:lead|led|leads|head|headed|heads|rule|ruled|rules|govern|governed|governs)$")
# "which countries are Kim, Xi and Putin from": where those people are from.
_FROM_WHICH = re.compile(r"^(?:which|what) (?:countries|country|nations?) (?:is|are|was|were) (?P<who>.+) from$")
# "why is Putin skipping it": he is not (but "why is Kim skipping nuclear talks" asks about the talks).
_WHY_AWAY = re.compile(r"^why (?:is|are|was|were|will|would|did|does) (?P<who>[\w -]+?) (?:be )?(?:skipping|skip|"
                       r"boycotting|boycott|staying away|stay away|sitting (?:it |this one |this )?out|absent|"
                       r"not (?:coming|going|attending|showing up|turning up))(?P<what>(?: [\w ]+)?)$")
# "why is Trump going to the parade": whether he is going comes first.
_WHY_GOING = re.compile(r"^why (?:is|are|was|were|will|would|did|does|do) (?P<who>(?:(?!not )[\w-]+ )+?)(?:be )?"
                        r"(?:going|coming|attending|attend|go|come|joining|showing up|turning up|heading)"
                        r"(?P<what>(?: [\w ]+)?)$")
# Titles of those who lead what their role names ("President of Russia", "Mayor of Kamenograd"), not of
# those who only work there ("Professor ..., Ewha Womans University"); and of those who lead a country.
_LEADS_IT = re.compile(r"\b(?:president|premier|chancellor|king|queen|leader|head|chairman|chairwoman|chair|"
                       r"director|mayor|governor|general secretary|prime minister)\b")
_HEADS_COUNTRY = re.compile(r"\b(?:president|premier|chancellor|king|queen|leader|general secretary|prime minister) "
                            r"of\b")
_AT_THE_EVENT = re.compile(r"\b(?:at|to|in|for|attend|attending|join|joining) (?:the|this|that) \w+\b")
_WH = re.compile(r"(?:what|which|who|whom|whose|when|where|why|how)\b")
_ARTICLES = frozenset({"the", "a", "an", "this", "that"})
_THE_EVENT = frozenset({"the", "this", "that"})  # "the new bridge" is the event's; "China's last big parade" not
# "which countries are NK, China and Russia reacting to": the answer names the countries asked for, so
# the word itself is no term to find; they must be others than the two or more the question names
# ("which countries are Kim and Putin from" is answered by the countries it names).
_WHICH_COUNTRIES = re.compile(r"\b(?:which|what) (?:other )?(?:countries|nations)\b")
_TEACHING = re.compile(r"\b(?:teach|teaches|teaching|lecture|lectures|lecturing)\b")  # where one works, too
_GOING_TO = re.compile(r"\b(?:to|in|at|into) (?:the )?(?P<place>[\w-]+(?: [\w-]+)?)$")
_ACADEMIC = re.compile(r"\b(?:professor|lecturer|teacher|instructor|university|college|school)\b", re.IGNORECASE)
_WHO_IS = re.compile(r"who (?:is|was|are|were|s)\b")
# "what did he talk about" (but "what did Kim and Putin talk about" asks about their talks).
_TALKED_ABOUT = re.compile(r"what (?:did|does|do|will|would) (?P<who>(?!(?:\w+ )*(?:and|n|with|they|we|you)\b)"
                           r"(?:\w+ ){0,3}?\w+) (?:talk|speak|chat) (?:about|of)")
_MENTIONED = re.compile(r"(?:why|how come) (?:is|was|are|were|does|did) (?P<who>(?:[\w-]+ ){0,3}?[\w-]+) (?:even |ever "
                        r"|being |getting |get )*(?:mentioned|named|brought up)")
_FIGURES = frozenset("numbers figures estimate estimates tally totals".split())
# "according to the BBD piece, what ...", "according to AP, ...": what that report says.
_ACCORDING = re.compile(r"according to (?P<report>(?:the )?[\w-]+(?: [\w-]+){0,4}?),? (?P<asked>(?:who|whom|what|when|"
                        r"where|why|how|which|is|are|was|were|does|did|do|will|would|has|have|can)\b.+)")
# "does Reuters say anything AP doesn't", "what's in the wire report that isn't in AP": what one report says
# and the other does not.
_ONLY_IN = re.compile(r"^(?:what |which \w+ )?(?:does |did |do )?(?P<one>.+?) (?:say|says|report|reports|mention|"
                      r"mentions|have|has|cover|covers|add|adds|include|includes)(?: about)?(?: anything| something|"
                      r" things?| stuff| details?| facts?)?(?: that| which)? (?P<other>.+?) (?:does|did|do) not\b.*$"
                      r"|^what is (?:in|there in) (?P<one2>.+?) (?:that|which) (?:is|was) not (?:in|from) "
                      r"(?P<other2>.+)$")
MOST_DIFFERENCES = 5  # differences shown at once: enough to see, few enough to read
_PAST_WORK = re.compile(r"\b(?:did|was|were|had|used to)\b")  # "where was he working": not the role now
# A role that names where: "..., Ewha Womans University", "President of Russia", "China's assistant minister".
_WORKPLACE = re.compile(r", [A-Z]|\bof (?:the )?[A-Z]|^[A-Z]\w+'s ")
_FORMER = re.compile(r"\b(?:former|ex|late|retired)\b", re.IGNORECASE)

_WHEN_CAN_I = re.compile(r"^(?:when|how soon) (?:can|could|may) (?:i|we)\b")
RUNNER_UP = 0.8  # a second entry is shown when it scores this close to the best
_RECENT_TERMS = 64  # question parts whose terms are kept: a part is read more than once
# Words around a name in "is anyone from Iran going", "the Iranian leader": not part of the name.
_AROUND_NAMES = ("leader leaders delegation delegations official officials people representative government head "
                 "anyone quoted mentioned cited named they president prime minister king queen")
# Offices a question may name ("the Romanian president"): a guest holding another one is not that guest.
_OFFICES = ("president", "prime minister", "premier", "chancellor", "king", "queen", "emperor", "monarch", "minister",
            "mayor", "governor", "commissioner", "general secretary")
_PORTFOLIOS = ("foreign", "transport", "defence", "defense", "finance", "interior", "trade", "economy", "health")
_TOWARDS = frozenset({"to", "into"})  # "has Xi been to Pyongyang": where someone goes
_LISTS_REASONS = ("attendees", "absent", "attending")  # answers that give an absentee's reasons with them
_REFERRING = frozenset("he she him her his they them their there".split())  # to the last part, not the event
_PRONOUNS = frozenset("he she it they him her them this that there you we i everyone everybody".split())
_NO_KIND = {
    "time": "The reports give no time of day for that.",
    "when": "The reports give no date for that.",
    "where": "The reports don't say where.",
    "why": "The reports give no reason for that.",
    "count": "The reports give no number for that.",
    "duration": "The reports don't say how long.",
    "quote": "The reports quote nobody on that.",
    "person": "The reports don't say who.",
    "who": "The reports don't say who.",
}
NOT_ANSWERED = "The sources I have don't answer that."
_DECLINED = {  # intents the sources can never answer
    "hypothetical": "The reports don't speculate about that.",
    "personal": "The reports cover the event, not what you should do.",
    "unnamed": "The reports do not name them.",
}


@dataclass(frozen=True, slots=True)
class Statement:
    key: str  # the entry it comes from: a fact id, quote:ID, person:ID, event:..., attending:..., absent:...
    text: str
    sources: tuple[str, ...]
    differs: str | None = None


@dataclass(frozen=True, slots=True)
class PartAnswer:
    question: str
    intent: str
    statements: tuple[Statement, ...] = ()
    reason: str | None = None  # why the bot declines; statements may still say what the sources do say

    @property
    def confident(self) -> bool:
        return bool(self.statements) and self.reason is None


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    parts: tuple[PartAnswer, ...]
    corrections: tuple[tuple[str, str], ...] = ()

    @property
    def confident(self) -> bool:
        return bool(self.parts) and all(p.confident for p in self.parts)

    @property
    def intent(self) -> str:
        return "+".join(p.intent for p in self.parts)

    @property
    def reason(self) -> str | None:
        reasons = [p.reason for p in self.parts if p.reason]
        return " ".join(dict.fromkeys(reasons)) or None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for p in self.parts for s in p.statements)


def decline(question: str, intent: str, reason: str, *statements: Statement) -> PartAnswer:
    return PartAnswer(question, intent, statements, reason)


class Answerer:
    """Answers questions against one fact store; built with it, so it sees one content version."""

    def __init__(self, store: FactStore) -> None:
        self.store = store
        self.lexicon = lexicon = store.lexicon
        self._recent_terms: dict[str, tuple[str, ...]] = {}
        self._around_names = frozenset(lexicon.terms(_AROUND_NAMES))
        self._office_words = frozenset(" ".join((*_OFFICES, *lexicon.language.qualifiers, *_PORTFOLIOS)).split())
        self._role_offices = {p.id: _offices_in(" ".join(lexicon.normalise(p.role))) for p in store.event.people}
        # A country's guest whom the reports do not name may have an office in its note ("Led by its
        # president", "Led by its deputy prime minister", which is no prime minister).
        for a in store.event.attendance.attendees:
            if not a.person and a.country and a.note:
                self._role_offices[_slug(a.country)] = _offices_in(" ".join(lexicon.normalise(a.note)),
                                                                   lexicon.language.qualifiers)
        self._countries = _single_terms(lexicon, lexicon.world.regions_of)
        self._regions = _single_terms(lexicon, set(lexicon.world.region_names.values()))
        self._role_terms = {p.id: self._words_of(f"{p.role} {p.country or ''}") for p in store.event.people}
        self._person_terms = {p.id: frozenset(lexicon.terms(" ".join((p.name, *p.aliases)))) | self._role_terms[p.id]
                              for p in store.event.people}
        self._name_terms = {p.id: frozenset(lexicon.terms(p.name)) for p in store.event.people}
        self._named: dict[str, str] = {}  # a name's term -> the first person it names
        for pid, names in self._name_terms.items():
            for term in names:
                self._named.setdefault(term, pid)
        self._names = frozenset(t for terms in self._name_terms.values() for t in terms)
        self._qualifiers = {p.id: frozenset(w for w in lexicon.normalise(p.role) if w in lexicon.language.qualifiers)
                            for p in store.event.people}
        start = store.event.start
        self._where_terms = frozenset(lexicon.terms(store.event.place))
        # The event's own words, its place aside: what "about the parade" must find in a quote.
        self._event_words = lexicon.context - self._where_terms - self._names
        self._event_places = self._places([p.strip().casefold() for p in store.event.place.split(",")])
        self._when_terms = frozenset(lexicon.terms(f"{start:%A %B %Y} {start.day}"))
        self._calendar_terms = frozenset(lexicon.terms(" ".join(
            [*calendar.day_name, *calendar.month_name[1:], *(str(y) for y in range(1900, 2101))])))
        # Units and verbs of time: in "how many years", "how long will it last" they are what is asked.
        self._time_terms = frozenset(lexicon.terms(
            "day days hour hours week weeks month months year years date long soon"))
        self._reason_words = frozenset(lexicon.terms("purpose reason reasons point motive motives motivation"))
        self._reaction = frozenset(lexicon.terms("respond react"))
        self._wanting = frozenset(lexicon.terms("want"))
        self._dispute = frozenset(lexicon.terms("dispute"))
        self._speaking = frozenset(lexicon.terms("spoke call"))  # speaking, a call: not "talks", negotiations
        self._drawing = frozenset(lexicon.terms("draw drew drawn rely relied cite cited base based include"))
        self._novelty = frozenset(lexicon.terms("first time"))  # and "a big deal", "significant"
        self._relation = frozenset(lexicon.terms("relations ties"))
        self._cooperation = frozenset(lexicon.terms("cooperation"))
        self._improving = frozenset(lexicon.terms("improve"))
        # The event's own names ("the new bridge"), not the words any event has ("the big day").
        self._event_names = frozenset(lexicon.terms(" ".join((store.event.name, *store.event.vocabulary.context))))
        # ... and the one-word names of what it is ("parade", "ceremony"), which a place may not qualify
        self._event_kinds = frozenset(t for w in store.event.vocabulary.context if " " not in w
                                      for t in lexicon.terms(w)) - self._where_terms - self._countries.keys()
        self._event_countries = set(lexicon.terms(f"{store.event.name} {store.event.place}")) & self._countries.keys()
        # Words of the event's name that say what it marks ("war" in "the end of World War II"), which another
        # word may make another thing ("the Korean War").
        self._name_words = self._event_names - self._event_kinds - self._where_terms - self._countries.keys()
        # Single words that name a kind ("parades", "ceremonies", "inauguration"), found without folding each word.
        self._kind_words = frozenset(w for group in (*lexicon.language.synonyms, *store.event.vocabulary.synonyms)
                                     for w in group if " " not in w and stem(w) not in self._event_kinds
                                     and self._event_kinds.intersection(lexicon.terms(w)))
        self._country_words = frozenset(lexicon.terms("country"))
        self._coming = frozenset(lexicon.terms("come coming came"))
        # "Where does Easley work": a person's profile names the workplace in the role, as it is now.
        self._workplace = frozenset(lexicon.terms("work works working employed"))
        self._occasions = frozenset(lexicon.terms("time times"))
        self._recency = frozenset(lexicon.terms("last latest recent recently next"))
        self._duration_verbs = frozenset(lexicon.terms("last lasts lasted take takes took"))
        self._quote_asks = frozenset(lexicon.terms(" ".join(_ASKS_OF_WORDS)))
        # Units a figure comes in: a unit alone says nothing of what is measured ("is it 2 hours long?").
        self._units = frozenset(lexicon.terms(
            "m metre metres meter meters km kilometre kilometres kilometer kilometers mile miles hour hours "
            "minute minutes percent euro euros dollar dollars billion million tonne tonnes ton tons"))
        self._venue_words = frozenset(lexicon.terms("venue location site whereabouts"))
        self._quantities = frozenset(lexicon.terms("dozen dozens couple handful hundred hundreds thousand thousands"))
        attendance = store.event.attendance
        # What the content names, people aside (they are matched as subjects): places, bodies, rivers;
        # words it also writes in lower case ("the bridge", "the Danube Gate Bridge") are no names.
        texts = [e.text for e in store.entries.values()]
        capitalised = " ".join(w for text in texts for w in _MID_SENTENCE_NAME.findall(text))
        lower = " ".join(w for text in texts for w in _LOWER_CASE_WORD.findall(text))
        self._named_things = (frozenset(lexicon.terms(capitalised)) - frozenset(lexicon.terms(lower))
                              - self._names - self._calendar_terms)
        # Names of places smaller than a country: "Kamenograd", "Port Veresti".
        self._local_names = self._named_things - self._countries.keys() - self._regions.keys()
        self._country_of = {t: c for p in store.event.people if p.country  # a name's term -> its person's country
                            for c in lexicon.terms(p.country)[:1] for t in self._name_terms[p.id]}
        self._source_terms = frozenset(lexicon.terms(" ".join(
            [SOURCE_WORDS, *(f"{s.outlet} {s.note or ''}" for s in store.event.sources)])))
        # The words that name one report and no other ("Reuters", "the wire copy"), by report; its own
        # id always does ("AP" is the AP report, though the wire copy says it draws on AP too).
        # Words the language data or the world's names also use ("press" is any journalist, "states"
        # any country) name no outlet.
        generic = {*lexicon.normalise(f"{SOURCE_WORDS} report copy version brief based one and"),
                   *lexicon.language.words(), *(w for n in lexicon.world.country_names for w in n.split())}
        outlets = {s.id: set(lexicon.normalise(s.outlet)) - generic for s in store.event.sources}
        self._outlet_words = {sid: frozenset(words - set().union(*(w for o, w in outlets.items() if o != sid))
                                             | {sid.casefold()}) for sid, words in outlets.items()}
        self._texts: dict[str, _EntryText] = {}  # an entry's text as the checks below read it, once
        self._attendance_terms = frozenset(lexicon.terms(" ".join(
            [a.group + " " + (a.country or "") + " " + (a.note or "") for a in attendance.attendees]
            + [store.people[a.person].name for a in attendance.attendees if a.person]
            + [b.who for b in attendance.absentees] + ["else besides other foreign world guest"])))

    def answer(self, question: str, zone: dt.tzinfo | None = None) -> Answer:
        corrections: list[tuple[str, str]] = []

        def normalise(piece: str) -> list[str]:
            words, fixed = self.lexicon.correct(self.lexicon.normalise(piece))
            corrections.extend(fixed)
            return words

        pasted = self._pasted_quote(question)
        if pasted is not None:  # "explain the "position of strength" quote"
            return Answer(question, (pasted,), ())
        parts = split_parts(question, normalise, self.lexicon.language)
        turn = _Turn(zone or self.store.event.start.tzinfo or dt.UTC, question=question.casefold().strip())
        answers = []
        for part in parts:
            turn.last = self._part(part, turn)
            answers.append(turn.last)
            turn.subject = self._subject_of(part, turn.last) or turn.subject
        # A piece read twice (the talk before "anyway" is read to see whether it asks anything) or a typo
        # made twice is one correction.
        return Answer(question, tuple(answers), tuple(dict.fromkeys(corrections)))

    def _pasted_quote(self, question: str) -> PartAnswer | None:
        """A question about words pasted from the reports ("\"... strained ties\" - who said that?",
        "what's the \"traditional friendship\" thing"): the entries that hold them word for word, its
        quotes first, where the rest of the question asks only about those words."""
        for match in _PASTED.finditer(question):
            words = " ".join(self.lexicon.normalise(match["words"]))
            if " " not in words:  # one word in quotation marks is emphasis, not a passage
                continue
            rest = self.lexicon.language.unframe(" ".join(self.lexicon.normalise(
                question[:match.start()] + " " + question[match.end():]))).split()  # "hello bot: ..."
            asked = set(self._terms(" ".join(rest))) - self._quote_asks - self._names - self.lexicon.context
            if (not _ASKS_OF_WORDS.intersection(rest) or asked or _NOT_OF_WORDS.intersection(rest)
                    or _ABOUT_SOMETHING.search(" ".join(rest))):  # "did Trump say "..." about the parade"
                return None
            # Said by someone: a quote, or a fact's own quotation ("calling the traditional friendship ...")
            found = set(self._terms(words))  # the index narrows the entries to read: at 10,000 facts, a few
            candidates = self.store.index.search([(t,) for t in found], limit=12) if found else ()
            holding = sorted((h.key for h in candidates if f" {words} " in self._text(h.key).quoted),
                             key=lambda k: not k.startswith("quote:"))
            named = {self._named[t] for t in self._terms(" ".join(rest)) if t in self._named}
            if holding and named and not named <= self._speakers_of(holding[0]):
                # "did Trump say \"position of strength\"?": the reports give those words to Easley
                return decline(question, "quote", "The reports give those words to someone else.",
                               self._statement(holding[0]))
            if holding:
                return PartAnswer(question, "quote", tuple(self._statement(k) for k in holding[:2]))
        return None

    def _speakers_of(self, key: str) -> set[str]:
        """Who may have said an entry's quoted words: a quote's speaker, a fact's people."""
        quote = self.store.quotes.get(key.removeprefix("quote:")) if key.startswith("quote:") else None
        fact = self.store.facts.get(key)
        return {quote.speaker} if quote is not None else set(fact.people) if fact is not None else set()

    # One part -------------------------------------------------------------------------------

    def _part(self, text: str, turn: _Turn) -> PartAnswer:
        elsewhere = self._elsewhere(text)
        if elsewhere:  # "why is Kim going to the Moscow parade": not the one the reports cover
            return decline(text, "other", f"The reports cover no {elsewhere}; this one is in {self.store.event.place}.")
        only = _ONLY_IN.match(text)
        if only:
            one, other = (self._source_named(only[g] or only[f"{g}2"] or "") for g in ("one", "other"))
            if one is not None and other is not None and one != other:
                return self._said_only_by(text, one, other)
        according = _ACCORDING.fullmatch(text)
        source = self._source_named(according["report"]) if according else None
        if according and source is not None:  # "according to the AP piece, who is coming": what AP says
            return self._from_report(text, according["asked"], source, turn)
        reading, found = self._read(text, turn)
        if found is not None:
            return found
        turn.intent = reading.intent
        if reading.intent in _DECLINED:
            return decline(text, reading.intent, _DECLINED[reading.intent])
        if reading.intent == "quote":
            return self._quote(text, reading, turn)
        if reading.intent == "about":
            person = self._person(reading.who, turn)
            if person is not None:
                return self._profile(text, person)
            reading = Reading("other", rest=reading.who)
        if reading.intent == "person":
            found = self._who_is(text, reading, turn)
            if found is not None:
                return found
        talked = _TALKED_ABOUT.fullmatch(text)
        person = self._person(talked["who"], turn) if talked else None
        if talked and person is not None:  # "what did he talk about": his words, or that he spoke
            return self._talked_about(text, talked["who"], person, turn)
        mentioned = _MENTIONED.fullmatch(text)
        if mentioned:  # "why is he even mentioned": who he is, or what the reports say of it
            person = self._person(mentioned["who"], turn)
            if person is not None:
                return self._profile(text, person)
            named = [t for t in self._terms(mentioned["who"]) if t not in self.lexicon.context]
            if named:  # "why is 2019 mentioned", "why is Belgrade even mentioned": what says it
                return self._search(text, "other", mentioned["who"], named, named)
        return self._by_words(text, reading, turn)

    def _from_report(self, text: str, asked: str, source: str, turn: _Turn) -> PartAnswer:
        """The answer to `asked` where it is that one report's word (its own version of a quote), else
        a decline: the best answer decides, not the next entry that report happens to hold."""
        found = self._part(asked, turn)
        if not found.confident:
            return found
        outlet = self.store.sources[source].outlet
        if found.statements[0].key.startswith("event:") and len(found.statements[0].sources) > 1:
            # "who is coming" sums up every report's list: whose word each name is, it does not keep
            return decline(text, found.intent, f"This sums up the reports; what {outlet} alone says of it "
                           "is not recorded.", *found.statements)
        said = tuple(s for s in found.statements if source in s.sources)
        if not said:
            return decline(text, found.intent, f"{outlet} says nothing about that.")
        return replace(found, statements=said)

    def _said_only_by(self, text: str, one: str, other: str) -> PartAnswer:
        """What one report says that another does not: the content does not compare them claim by claim
        (an entry's sources are who gives it in its words: "eight countries" is in both reports, under two
        entries), so only the differences its author recorded can be shown, and no answer is claimed."""
        both = {one, other}
        differing = [k for k, e in self.store.entries.items() if e.differs and both <= set(e.sources)]
        return decline(text, "sources", "The content does not compare the reports claim by claim"
                       + ("; where it records them differing:" if differing else "."),
                       *(self._statement(k) for k in differing[:MOST_DIFFERENCES]))

    def _talked_about(self, text: str, who: str, person: Person, turn: _Turn) -> PartAnswer:
        """What someone talked about: their words, else an entry on their having spoken ("Kim and Putin
        spoke by phone about ..."); "talks" as negotiations ("hopes to resume talks") are no conversation,
        and a speech to come says nothing of what it is about."""
        said = self._quote(text, Reading("quote", rest="", who=who, cue=text), turn)
        if said.confident:
            return said
        names = sorted(self._name_terms[person.id])
        found = self._search(text, "other", who, names, names, topic=tuple(self._speaking))
        key = found.statements[0].key if found.confident else ""
        if key and self._speaking & self._text(key).terms and self.store.done_cue.search(
                self.store.entries[key].text.casefold()):  # spoke: not "to include a speech by Xi"
            return PartAnswer(text, "other", found.statements[:1])
        return said

    def _read(self, text: str, turn: _Turn) -> tuple[Reading, PartAnswer | None]:
        """The part's reading; for attendance, already its answer."""
        reading = read(text, self.lexicon.language)
        while reading.intent.startswith("attending"):
            region = reading.intent == "attending_absent" and (self._place(reading.who) or ("",))[0] == "region"
            # "are any European leaders sitting this one out": who stays away, not who comes from there
            found = None if region else self._attending(text, reading, turn, named_only=reading.intent != "attending")
            if found is not None:
                turn.intent = reading.intent if reading.intent == "attending_absent" else "attending"
                return reading, _unpolar(found) if reading.intent == "attending_absent" else found
            reading = read(text, self.lexicon.language, after=reading.intent)  # "is Kim going to give a speech"
        if reading.intent == "about" and turn.intent.startswith("attending"):  # "is Iran going? what about the US?"
            found = self._attending(text, reading, turn, named_only=True)
            return reading, _unpolar(found) if found is not None and turn.intent == "attending_absent" else found
        return reading, None

    def _by_words(self, text: str, reading: Reading, turn: _Turn) -> PartAnswer:
        """Answers from what the part's words ask, once its intent has set aside the words it used."""
        if reading.intent == "other" and self._asks_more(text, turn):
            return self._follow_up(text, "other", turn)  # "did they take it to court? what happened?"
        rest = self._terms(reading.rest)
        salient = self._one_choice([t for t in dict.fromkeys(rest) if t not in self.lexicon.context], reading.rest)
        if reading.intent in ("count", "duration", "when", "where"):  # "how many years": the unit is asked;
            salient = [t for t in salient if t not in self._time_terms]  # "where is he headed next week"
        recency: tuple[str, ...] = ()
        if reading.intent in ("when", "where"):  # "when did they last speak": the latest date the reports give
            recency = tuple(t for t in salient if t in self._recency)
            salient = [t for t in salient if t not in self._recency]
        if reading.intent == "why":  # "why is Kim going, what's the purpose": the word asks for the reason;
            # "why would NK want better ties": the reason for wanting them is the reason for seeking them.
            salient = [t for t in salient if t not in self._reason_words and t not in self._wanting]
            if self._novelty & set(salient):  # "why is Kim's attendance a big deal": that he goes is what is new
                salient = [t for t in salient if t not in self._coming]
        if reading.intent == "duration":  # "how long will it last"
            salient = [t for t in salient if t not in self._duration_verbs]
        # "how many countries besides NK and Russia", "which countries are coming besides Russia"
        excluded = (self._excluded(reading.rest, self._terms) if reading.intent in ("count", "attendees")
                    else frozenset())
        left_out = _excluding(reading.rest)  # "what's expected besides the marching": not the marching
        # ... and what else it leaves out, where the reports never say it ("what's expected besides the
        # marching"), is no word to find; a word they do say often stands beside the answer ("what does
        # Kamenograd get besides hotel bookings": the same entry's warehouses; "who has Kim met besides Xi")
        left_terms = set(self._terms(left_out["excluded"])) if left_out else set()
        dropped = excluded | {t for t in left_terms if t not in self.store.index}
        dropped |= self._describing_event(reading.rest)  # "which towns does the new bridge connect"
        salient = [t for t in salient if t not in dropped] + self._another(reading.rest, salient)
        if self._dispute & set(salient) and len(self._countries_named(set(rest))) >= 2:
            # "does Bulgaria have a beef with Romania": an entry with both and a complaint may be a third's
            return decline(text, reading.intent, NOT_ANSWERED)
        if reading.intent == "other" and left_out and set(rest) <= left_terms:
            # "what besides Kim": what about what?
            return decline(text, reading.intent, "Besides that, what? Ask what you want to know.")
        if reading.intent == "timeline" and all(t in self.store.index for t in salient):
            return self._event(text, "timeline", turn.zone)
        if reading.intent in ("attendees", "absent"):
            place = self._place(self._origin(reading.who or reading.rest))
            if place is not None:
                return self._attendance_in(text, *place)
            if set(salient) <= self._attendance_terms:
                return self._event(text, reading.intent, turn.zone)
        if reading.intent == "other" and salient and set(salient) <= self._calendar_terms:
            return self._event(text, "when", turn.zone)  # "is it on a Thursday?": the date says
        if not salient:
            if _WHEN_CAN_I.search(text):  # "when can I cross the bridge": nothing asked but what I may do
                return decline(text, "personal", _DECLINED["personal"])
            return self._without_words(text, reading, rest, turn)
        away = _WHY_AWAY.match(text)
        asked_away = away and set(self._terms(away["what"])) <= self.lexicon.context
        guest = self._person(away["who"], turn) if asked_away else None
        going = self._person_attending(text, guest) if guest is not None else None
        if going is not None and going.statements and going.statements[0].text.startswith("Yes"):
            return _unpolar(going)  # "why is Putin skipping it": he is not
        coming = _WHY_GOING.match(text)
        if coming and set(self._terms(coming["what"])) <= self.lexicon.context:
            going = self._attendance_of(text, coming["who"], turn, named_only=True)
            if going is not None and not (going.statements and going.statements[0].text.startswith("Yes")):
                return _unpolar(going)  # "why is Trump going": the reports list no one from there, or not him
        if reading.intent == "other" and set(salient) <= self._reason_words:  # "reasons?": for what?
            return decline(text, "why", "Reasons for what? Ask why about something the reports cover.")
        workplace = (reading.intent == "where" and bool(self._workplace & set(salient) or _TEACHING.search(text))
                     and not _PAST_WORK.search(text) and not self.store.past_cue.search(text))
        if reading.intent == "where" and ("from" in text.split() or workplace):  # not Kim's trips
            verbs = self._coming | self._workplace  # "where does Kim come from", "the analyst work"
            asked = set(salient) - verbs
            named = [w for w in reading.rest.split()  # "does he teach": he
                     if w in _PRONOUNS or (set(self._terms(w)) - verbs and not _TEACHING.match(w))]
            person = self._person(" ".join(named), turn, role_words=1)
            people = ([person] if person is not None and asked <= self._person_terms[person.id]
                      else self._named_people(asked))
            if people and asked <= self._names | {t for p in people for t in self._person_terms[p.id]}:
                if workplace and _TEACHING.search(text):  # an analyst's institute is no place he teaches
                    return self._profiles(text, people, _teaches, "teaches")
                if workplace:  # a role names where one works ("..., Ewha Womans University, Seoul")
                    return self._profiles(text, people, _works_now, "works now")
                return self._profiles(text, people, lambda p: bool(p.country), "is from")
        profiled = self._led_or_from(text, turn)
        if profiled is not None:
            return profiled
        if reading.intent == "other" and rest and set(rest) <= self._names:  # "hong lei = ?", "Putin?"
            person = self._person(reading.rest, turn)
            if person is not None:
                return self._who(text, person)
        source = self._source_named(reading.rest) if reading.intent == "sources" else None
        if source is not None and _WROTE.search(text):  # "who wrote the BBD article": its byline, if any
            report = self.store.sources[source]
            if not report.byline:
                return decline(text, "sources", f"No writer is named for {report.outlet}.")
            return PartAnswer(text, "sources", (Statement(
                "event:sources", f"{report.outlet}: by {report.byline}, published {report.published:%-d %B %Y}.",
                (source,)),))
        if source is not None:  # "what sources does the second article draw on": its note may say
            asked = set(self._terms(_ORDINAL.sub(" ", reading.rest)))
            if asked & self._drawing and asked <= self._source_terms | self._drawing:
                if not self.store.sources[source].note:
                    return decline(text, "sources", f"The reports don't say what {self.store.sources[source].outlet}"
                                   " drew on.")
                return self._event(text, "sources", turn.zone)
        parties = [t for t in dict.fromkeys(rest) if t in self._countries or t in self._names]
        if (reading.intent == "other" and len(parties) >= 2 and len(parties) == len(set(rest))
                and _STANDING.search(text)):  # "what's the deal with Kim and China": their relations
            asked = [*parties, *sorted(self._relation)]
            return self._search(text, "other", reading.rest, asked, asked)
        places = self._places_alone(text) if reading.intent == "other" else None
        if places:  # "and with Russia?": the part before says what of it
            return self._about_places(text, places, turn)
        if reading.intent == "other" and set(salient) <= self._names:  # "what's the deal with Kim?"
            # ... but "have Kim, Xi and Putin been in the same room": the event's own words ask the rest.
            own = [t for t in dict.fromkeys(rest) if t not in salient and t not in self._where_terms]
            found = self._search(text, reading.intent, reading.rest, [*salient, *own], rest) if own else None
            if found is not None and found.confident:
                return found
            named = _listed([p.name for p in self._named_people(set(salient))])
            return decline(text, reading.intent, f"Ask something about {named}, or try `/parade who {named}`.")
        kinds = set(rest) - set(salient)
        if (reading.intent == "other" and len(salient) == 1 and salient[0] in self._countries and kinds
                and kinds <= self._event_kinds | self._where_terms):
            # "Pakistan at the parade?": a country and the event itself ask whether it takes part (not
            # whatever else the reports say of it); "is North Korea celebrating" or "how do Americans
            # celebrate" ask what the reports never say ("is Russia at war" is no question about the event)
            if _WH.match(text) or not _AT_THE_EVENT.search(text):
                return decline(text, reading.intent, NOT_ANSWERED)
            return self._attendance_in(text, "country", self._countries[salient[0]])
        pair = _TWO_COUNTRIES.search(reading.rest) if _COUNTRY_NOUNS & set(reading.rest.split()) else None
        paired = set(self._terms(pair.group())) if pair else set()
        salient = [t for t in salient if t not in paired]
        if pair and len(self._countries_named(set(rest))) >= 2:  # "Kim and Putin ... both countries": those two
            pair = None
        others, asked = None, [t for t in salient if t not in self._country_words]
        named = frozenset(t for t in rest if t in self._countries)  # by their names: "nk, china and russia"
        if reading.intent == "other" and asked and len(named) >= 2 and _WHICH_COUNTRIES.search(reading.rest):
            others, salient = named, asked
        future = (FUTURE,) if self.store.future_cue.search(text) else ()  # "will they meet?" prefers plans
        found = self._search(text, reading.intent, reading.rest, salient, rest,
                             topic=(*turn.topic, *self._cue_terms(reading), *future,
                                    *(recency if reading.intent == "when" else ())),
                             settled=not future and bool(self.store.past_cue.search(text)), ahead=bool(future),
                             countries=2 if pair else 0, other_countries=others)
        turn.topic = tuple(salient)  # "how many times did they meet and why did it collapse"
        if excluded and found.confident and "how many" in text:  # not "how much does the EU pay besides ..."
            return self._leaving_out(text, reading.intent, found, excluded, salient)
        return found

    def _describing_event(self, text: str) -> set[str]:
        """The terms of words that only describe the event's own ("the new bridge", "the big parade")."""
        words = text.split()
        return {t for before, word, after in zip(words, words[1:], words[2:], strict=False)
                if before in _THE_EVENT and word in self.lexicon.language.event_modifiers
                and (named := set(self._terms(after))) and named <= self._event_names for t in self._terms(word)}

    def _another(self, text: str, salient: list[str]) -> list[str]:
        """The event's own name words another word makes into another thing ("the Korean War", "a trade
        war"): asked, not the event's."""
        found = []
        for before, word in itertools.pairwise(text.split()):
            if stem(word) in self._name_words and stem(word) not in salient:
                qualifier = set(self._terms(before))
                if qualifier and qualifier <= set(salient) and not qualifier & (self._names | self._countries.keys()):
                    found.append(stem(word))
        return found

    def _elsewhere(self, text: str) -> str | None:
        """ "the Moscow parade", "a Serbian ceremony": the event's kind placed somewhere it is not."""
        if not self._event_kinds.intersection(self._terms(text)):  # most questions name no kind of event
            return None
        world, words = self.lexicon.world, text.split()
        stops = self.lexicon.language.stopwords
        for i, kind in enumerate(words):
            if stem(kind) not in self._event_kinds and kind not in self._kind_words:
                continue
            if i + 1 < len(words) and words[i + 1] not in stops:  # "a US parade boycott": the boycott is asked
                continue
            for size in (2, 1):  # "the north korean parade", "the moscow parade", but not "is Iran celebrating"
                place = " ".join(words[max(0, i - size):i])
                country = world.country_names.get(place) or world.capitals.get(place)
                if country and i > size and words[i - size - 1] in _ARTICLES and not (
                        set(self.lexicon.terms(country)) & self._event_countries):
                    return f"{place.title()} {kind}"  # "the Moscow parade": a place's name
        return None

    def _cue_terms(self, reading: Reading) -> list[str]:
        """The words that gave the intent away, to rank answers; but the unit of "what year" or "which
        day" is a date's, which every entry it may take gives ("in 2018", not "in six years")."""
        cue = self._terms(reading.cue)
        return [t for t in cue if t not in self._time_terms] if reading.intent == "when" else cue

    def _leaving_out(self, text: str, intent: str, found: PartAnswer, excluded: frozenset[str],
                     salient: list[str]) -> PartAnswer:
        """"How many leaders besides Kim and Putin": a total that counts them is no answer ("26 leaders,
        Kim and Putin among them"); an entry that leaves out the same ones, no more, is ("Besides Kim
        and Putin, the leaders of Iran, ... are coming"). The host's country is no guest of its own."""
        counted = (excluded & self._text(found.statements[0].key).terms) - self._where_terms
        if not counted:
            return found
        for hit in self.store.index.search([(t,) for t in salient], limit=5):
            if self._excluded(self.store.entries[hit.key].text.casefold(), self.lexicon.terms) == excluded:
                return PartAnswer(text, intent, (self._statement(hit.key),))
        left_out = [self.store.people[self._named[t]].name if t in self._named else self._countries[t]
                    for t in sorted(counted)]
        return decline(text, intent, f"The reports give only a number that counts {_listed(left_out)} too.",
                       *found.statements)

    def _origin(self, text: str) -> str:
        """Where the guests asked about come from: not a place they are left out of ("besides Greece"),
        nor the event's own, where they go ("who is coming to Beijing")."""
        text = _EXCLUDING.sub("", text).strip()
        for going in _GOING_TO.finditer(text):
            if set(self.lexicon.terms(going["place"])) <= self._where_terms:
                text = text.replace(going[0], " ")
        return " ".join(text.split())

    def _excluded(self, text: str, terms: Callable[[str], list[str]]) -> frozenset[str]:
        """Who or what "how many ... besides X" leaves out: the places and people named after
        "besides", each person with the country they are from and each country with its people
        ("besides North Korea" leaves out Kim too)."""
        match = _excluding(text)
        if match is None:
            return frozenset()
        named = {t for t in terms(match["excluded"]) if t in self._countries or t in self._names}
        named |= {self._country_of[t] for t in named if t in self._country_of}
        return frozenset(named | {t for t, country in self._country_of.items() if country in named})

    def _asks_more(self, text: str, turn: _Turn) -> bool:
        """Whether a part asks more of the one before: what came of it, what shows it, what it was about."""
        last = turn.last
        if last is None or not last.confident:
            return False
        if _WHAT_HAPPENED.fullmatch(text):
            return bool(turn.topic)
        if _ANY_SIGNS.fullmatch(text):
            return all(_SHOWING.search(s.text.casefold()) for s in last.statements)
        return last.intent == "quote" and bool(_WHAT_ABOUT_IT.fullmatch(text))

    def _one_choice(self, salient: list[str], rest: str) -> list[str]:
        """The question's words without an option the sources never mention, where the other is one
        of the event's own ("is it the 70th or the 80th anniversary", "on a Saturday or a Sunday"): the
        event-level answer then says which it is. An option that is only some fact's word ("the
        first or the second bridge") settles nothing, so both stay."""
        index, context = self.store.index, self.lexicon.context
        for choice in _CHOICE.finditer(rest):
            options = [self._fold(choice[side]) for side in ("first", "second")]  # one word: not kept
            for this, other in (options, options[::-1]):
                if this and other and not any(t in index for t in this) and all(t in context for t in other):
                    salient = [t for t in salient if t not in this]
        return salient

    def _without_words(self, text: str, reading: Reading, rest: list[str], turn: _Turn) -> PartAnswer:
        """A part with no word of its own beyond the event's: "when is it?", "and why?"."""
        intent = reading.intent
        if intent in ("why", "when", "where") and set(text.split()) & _REFERRING and (turn.topic or turn.subject):
            # "who is Moon Jae-in, and why is he mentioned?", "... and when was he last there?": about the
            # last part's subject, never the event's date or occasion.
            subject = turn.subject
            words = list(turn.topic) or (sorted(self._name_terms[subject.id]) if subject else [])
            return self._search(text, intent, " ".join(words), words, words)
        if intent == "why" and not rest and turn.last is not None and (
                turn.topic or turn.last.intent in _LISTS_REASONS) and not (  # "is Serbia coming? if not, why?"
                set(self._terms(text)) & self.lexicon.context):  # but "... and what is the parade marking" asks its own
            return self._follow_up(text, intent, turn)
        if intent == "when" and not rest and turn.last is not None and turn.last.intent == "sources":
            return PartAnswer(text, intent, turn.last.statements)  # "who wrote the AP piece and when": its date
        if intent in ("where", "when") and set(rest) <= self._recency and turn.topic:  # "... and where?"
            found = self._follow_up(text, intent, turn, recency=tuple(rest))  # "... and when was the last time?"
            if found.confident:
                return found
        if intent in EVENT_INTENTS:
            return self._event(text, intent, turn.zone)
        if intent in ("count", "duration"):
            if intent == "count" and set(rest) & self._time_terms:  # "how many days until it"
                # ... unless the occasion counts what is asked: "which anniversary, how many years?"
                occasion = self.store.event.occasion
                counted = any(self._numbered(occasion, t) for t in set(rest) - self._time_terms)
                return self._event(text, "why" if counted else "when", turn.zone)
            # "how long is the bridge": the event's own word names what is measured.
            describing = self._describing_event(reading.rest)  # "how long is the new bridge"
            own = [t for t in dict.fromkeys(rest) if t not in self._time_terms and t not in describing]
            if own:
                return self._search(text, intent, reading.rest, own, rest, topic=self._terms(reading.cue))
            return decline(text, intent, _NO_KIND[intent])
        if rest and set(rest) & self._venue_words and set(rest) & (self._when_terms | self._time_terms):
            # "parade location and date?": both
            where, when = self._event(text, "where", turn.zone), self._event(text, "when", turn.zone)
            if where.confident and when.confident:
                return PartAnswer(text, "where", (*where.statements, *when.statements))
        if rest:  # only the event's own words: "is it in Beijing?", "is it on a Wednesday?"
            return self._event(text, self._event_aspect(rest), turn.zone)
        return decline(text, intent, "Ask about the event: when, where, who, why, or a topic.")

    def _follow_up(self, text: str, intent: str, turn: _Turn, recency: tuple[str, ...] = ()) -> PartAnswer:
        """A bare "and why?" after another part asks about that part's subject; "and when was the last
        time?" asks for its latest date, whatever years the part before named."""
        last = turn.last
        assert last is not None
        if last.intent in _LISTS_REASONS or not turn.topic:
            return PartAnswer(text, intent, last.statements, last.reason)  # their reasons are listed there
        # "how many times ... in 2018-19, and when was the last time": not within those years, nor "times".
        topic = [t for t in turn.topic if not (recency and t in self._calendar_terms | self._occasions)]
        return self._search(text, intent, " ".join(topic), topic, topic, topic=recency)

    def _search(self, text: str, intent: str, rest: str, salient: list[str], terms: list[str],
                subjects: frozenset[str] = frozenset(), *, people: bool = True, topic: tuple[str, ...] = (),
                settled: bool = False, ahead: bool = False, cited_by: str | None = None,
                countries: int = 0, other_countries: frozenset[str] | None = None) -> PartAnswer:
        index = self.store.index
        if not salient:  # "who said it?": nothing to look for
            return decline(text, intent, NOT_ANSWERED)
        guessed = [t for t in salient if t not in index and self._figure(t)]
        if guessed and len(guessed) < len(salient):
            # "are 24 leaders going", "a couple dozen leaders?": a figure the reports do not give is
            # the asker's guess, which the entry's own figure for the rest confirms or corrects.
            salient = [t for t in salient if t not in guessed]
            terms = [t for t in terms if t not in guessed]
        else:
            guessed = []
        unknown = [t for t in salient if t not in index]
        if unknown:
            return decline(text, intent, f"The sources don't mention {_listed(self._words_for(rest, unknown))}.")
        optional = [t for t in terms if t in self.lexicon.context]
        kinds = self.store.kind_mask(ANSWER_KINDS.get(intent, ()))
        if intent == "quote" and re.search(r"\bquotes?\b|\bexact words\b", text):
            kinds = self.store.kind_mask(["quote"])  # "the exact quote": a paraphrase will not do
        if intent == "why" and set(salient) & self._novelty:  # "why is it a big deal": what is new is why
            kinds = 0
        if intent == "count" and set(terms) & self._time_terms:  # "how many years ago": a date will do
            kinds |= self.store.kind_mask(("date", "duration"))
        # A date, number or place belongs to the entry's subject: "how long will Putin stay" needs an
        # entry about Putin, not one that names him in passing.
        bound = intent in _SUBJECT_BOUND
        required = [(f"@{t}",) if (bound and t in self._names) or t in subjects else (t,) for t in salient]
        # The question's first named thing is its subject ("does North Korea want to talk to Trump"):
        # an entry that opens with it ranks first.
        subject = next((f"@{t}" for t in salient if t in self._names or t in self._countries), None)
        hits = index.search(required, [*optional, *topic, *([subject] if subject else [])], types=kinds,
                            limit=3 if people and cited_by is None else 12)
        if not set(terms) & self._source_terms:
            hits = tuple(h for h in hits if h.key != "event:sources")
        if countries:  # "when did the two countries agree": "Romania and Bulgaria agreed ...", the host's among them
            hits = tuple(h for h in hits if len(named := self._countries_named(self._text(h.key).terms)) >= countries
                         and named & self._where_terms)
        if other_countries is not None:  # named by their names, not through someone from there
            hits = tuple(h for h in hits if (self._text(h.key).terms & self._countries.keys()) - other_countries)
        if cited_by is not None:
            hits = tuple(h for h in hits if cited_by in self.store.entries[h.key].sources)[:3]
            if not hits:
                return decline(text, intent, f"{self.store.sources[cited_by].outlet} says nothing about that.")
        if intent not in ("who", "person") and not set(salient) & self._names:
            # A profile answers for its person only: "the party" is no question about Kim.
            hits = tuple(h for h in hits if not h.key.startswith("person:"))
        if not people:
            hits = tuple(h for h in hits if not h.key.startswith(("person:", "quote:")))[:3]
        elif intent == "who" and any(not h.key.startswith("person:") for h in hits):
            # "who cuts the ribbon": the fact that says so, before a profile that mentions it.
            hits = tuple(sorted(hits, key=lambda h: h.key.startswith("person:")))
        if not hits:
            untyped = kinds and index.search(required, optional, limit=1)
            return decline(text, intent, _NO_KIND[intent] if untyped else NOT_ANSWERED)
        if settled:  # "who has Kim met before": not "whether he will hold talks with Xi"
            hits = tuple(h for h in hits if not self._only_ahead(h.key, salient))
            if not hits:
                return decline(text, intent, "The reports speak of that only as something to come.")
        if ahead:  # "will Kim sit down with Xi": not "Kim has met Xi before"
            hits = tuple(h for h in hits if not self._only_past(h.key, salient))
            if not hits:
                return decline(text, intent, "The reports speak of that only as something past.")
        if "first" in salient and bound and not _FIRST_IN_A_WHILE.search(text):
            # "when did Kim first visit China" (but "is this his first trip" and "when is his first visit in
            # six years" are answered)
            hits = tuple(h for h in hits
                         if "first" in _FIRST_IN_A_WHILE.sub(" ", self.store.entries[h.key].text.casefold()))
            if not hits:
                return decline(text, intent, NOT_ANSWERED)
        counted = self._counted(rest)
        figures = text.rpartition(" ")[2] in _FIGURES  # "cost numbers": the cost's own number, before or after it
        if intent == "count" and ("how many" in text or figures) and counted and counted[0] in terms:
            hits = tuple(h for h in hits if self._counts(h.key, counted, after=figures))
            if not hits:
                return decline(text, intent, _NO_KIND[intent])
        if intent in ("count", "duration") and not set(terms) & self._time_terms:
            # "the population of Port Veresti" is not answered by "Kamenograd has 18,000 residents":
            # the number must be said of something the question asks about, in its own sentence.
            hits = tuple(h for h in hits if self._states_value(h.key, set(salient), set(terms), intent))
            if not hits:
                return decline(text, intent, _NO_KIND[intent])
        # "how long does it take to cross": a span of time (not "2.8 km long"), and one it takes
        verb = (next((v for v, said in _DURATION_VERBS.items() if said.search(text)), None)
                if intent == "duration" else None)
        if verb:
            hits = tuple(h for h in hits if self._spans(h.key, verb))
            if not hits:
                return decline(text, intent, _NO_KIND[intent])
        if intent == "when" and _EXACT.search(text):  # "what date exactly": not "earlier in August"
            dated = tuple(h for h in hits if self.store.day_cue.search(self.store.entries[h.key].text.casefold()))
            if not dated:
                return decline(text, intent, "The reports give no exact date for that.", self._statement(hits[0].key))
            hits = dated
        going = self._places(self.store.places_in(text, _TOWARDS)) - self._event_places if intent != "where" else set()
        if going:  # "has Xi ever been to Pyongyang": not "Kim travelled to China ... to meet Xi"
            wanted = set(self.lexicon.terms(" ".join(going)))
            hits = tuple(h for h in hits if wanted & self._text(h.key).terms)
            if not hits:
                return decline(text, intent, NOT_ANSWERED)
        if intent == "where":  # "where in China did Kim go": "he travelled to China" is no answer
            hits = tuple(h for h in hits if self._places_beyond(h.key, set(terms)))
            if not hits:
                return decline(text, intent, _NO_KIND[intent])
        if " or " not in f" {text} ":  # "is it Western countries or Western European ones": each may have its own
            hits = tuple(h for h in hits if self._in_one_clause(h.key, salient))
        if guessed:  # "does the bridge have 100 cables": a number of cables, not "a 2.8 km cable-stayed bridge"
            counted, after = self._guessed_counts(text)
            measured = set(salient) - self._units - self._time_terms - self._recency - self._occasions
            if not counted or not measured or (counted in self._units and measured <= self._named_things):
                # "a handful of times?", "is the opening 2 hours long?": of what; "is the ceremony 3 km from
                # Kamenograd?": a place names no length
                return decline(text, intent, NOT_ANSWERED)
            # ... in the entry's own words, of what the question asks ("is Port Veresti's population
            # 20,000?" is not Kamenograd's 18,000), and not a number its keywords alone stand for
            hits = tuple(h for h in hits if self._gives_figure(h.key, salient)
                         and self._states_figure(self.store.entries[h.key].text, counted, after)
                         and self._states_value(h.key, set(salient), set(terms), "count"))
        parties = {t for t in terms if t in self._countries or t in self._names}
        if len(parties) >= 2 and (self._relation | self._cooperation) & set(salient):
            # "how tight are NK and Russia": not NK's ties with China, and "Russia and China" are no
            # Kim-Putin call; "what are NK, China and Russia teaming up against": all three, each named.
            asked = self._countries_named(parties)
            hits = tuple(h for h in hits if asked <= self._countries_named(self._text(h.key).terms)
                         and (not self._relation & set(salient) or self._partners(h.key) <= parties))
        if len(parties) >= 2 and self._improving & set(salient):
            # "is China cozying up to Russia": "North Korea ... to mend ties with China" has China as the
            # partner: the one the question's first party turns to must be the entry's (and "ties with
            # China rather than just Russia" turn to China).
            towards = self._countries_named({[t for t in terms if t in parties][1]})
            hits = tuple(h for h in hits if towards <= self._countries_named(self._partners(h.key)))
        if intent == "who" and _WHO_IS.match(text):  # "who was Kim's father": "on his father's death" names nobody
            # (but "who did Kim take over from" is answered by "his father")
            hits = tuple(h for h in hits if h.key.startswith("person:") or self._names_another(h.key, set(terms)))
        described = self._described_countries(text) if intent == "who" else set()
        if described:  # "who heads the Romanian delegation": not the EU's head
            hits = tuple(h for h in hits if described <= self._text(h.key).terms)
        dangling = _DANGLING.search(text) if intent == "other" else None
        if dangling:  # "what was the parliament voting on": the entry must say what the vote was on
            hits = tuple(h for h in hits if self._takes(h.key, dangling["verb"], dangling["preposition"]))
        if not hits:
            return decline(text, intent, NOT_ANSWERED)
        best = hits[0].score
        chosen = [hits[0], *(h for h in hits[1:2] if h.score >= RUNNER_UP * best)]
        statements = tuple(self._statement(h.key) for h in chosen)
        holding = self._holding(hits[0].key, salient)
        if all(self.store.unsaid_cue.search(s) for s in holding) and not (
                _IF_SAID.match(text) and subjects and all(self._said_by(s, subjects) for s in holding)):
            # "KCNA did not say how long Kim will stay": what the reports lack, not an answer (but it
            # answers "did KCNA say how long he is staying?", though not "has China said ...").
            return decline(text, intent, "The reports say that is not known.", *statements[:1])
        return PartAnswer(text, intent, statements)

    def _figure(self, term: str) -> bool:
        """A count or an amount ("24", "a couple dozen"), not a year: "the 2015 parade" is another event."""
        return (self.store.number_word(term) and not _YEAR.fullmatch(term)) or term in self._quantities

    def _guessed_counts(self, text: str) -> tuple[str, bool]:
        """The term of what the question's figure counts, and whether the figure follows it: the word
        after it ("24 leaders", "a couple dozen leaders", "90% of the trade", "a handful of times"), else
        the word before ("is the cost 2 billion?"); "" where it has neither."""
        words = text.split()
        for i, word in enumerate(words):
            if self._figure(stem(word)):
                if words[i + 1:i + 2] in (["%"], ["percent"]):  # "90% of NK's trade": a share
                    return "%", False
                counted = [t for t in self._terms(" ".join(words[i + 1:i + 5])) if not self._figure(t)]
                if counted:
                    return counted[0], False
                before = [t for t in self._terms(" ".join(words[max(0, i - 4):i])) if not self._figure(t)]
                return (before[-1], True) if before else ("", False)
        return "", False

    def _states_figure(self, text: str, counted: str, after: bool) -> bool:
        """Whether a text gives a number of what a guessed figure counts: a share for a percentage."""
        if counted == "%":
            return bool(_PERCENTAGE.search(text))
        return bool(self._numbered(text, counted, after=after))

    def _gives_figure(self, key: str, salient: list[str]) -> bool:
        """Whether the entry's sentences that hold the question's words give a number of their own."""
        return any("number" in self.store.kinds_in(s) for s in self._holding(key, salient))

    def _said_by(self, sentence: str, who: frozenset[str]) -> bool:
        """Whether a sentence that says something is not known says so of `who` ("KCNA did not say")."""
        cue = self.store.unsaid_cue.search(sentence)
        return cue is not None and who <= set(self._terms(" ".join(self.lexicon.normalise(sentence[:cue.start()]))))

    def _countries_named(self, terms: set[str] | frozenset[str]) -> set[str]:
        """The countries terms name, directly or by a person from them ("Xi and Kim": China, North Korea)."""
        return (terms & self._countries.keys()) | {self._country_of[t] for t in terms if t in self._country_of}

    def _names_another(self, key: str, asked: set[str]) -> bool:
        """Whether an entry names someone or something the question does not: the answer to a who."""
        named = self._text(key).terms & (self._names | self._countries.keys() | self._named_things)
        return bool(named - asked)

    def _spans(self, key: str, verb: str) -> bool:
        """Whether an entry gives a span of time for what the question's verb asks: how long something
        takes is not how long it lasts ("built to last 120 years" is no building time)."""
        text = self.store.entries[key].text.casefold()
        said = {v for v, verb_said in _DURATION_VERBS.items() if verb_said.search(text)}
        return bool(self.store.span_cue.search(text)) and (verb in said or not said)

    def _takes(self, key: str, verb: str, preposition: str) -> bool:
        """Whether an entry's text has the verb's term with the preposition just after it ("a vote on
        the budget"), so it says what the question asks the verb was about."""
        wanted = set(self.lexicon.terms(verb))
        if not wanted:
            return True
        words = self.lexicon.normalise(self.store.entries[key].text)
        return any(wanted & set(self.lexicon.terms(w)) and preposition in words[i + 1:i + 4]
                   for i, w in enumerate(words))

    def _places(self, names: list[str]) -> set[str]:
        """The countries and regions that place names ("pyongyang", "the west") stand for."""
        return {(self._place(n) or ("", n))[1] for n in names}

    def _places_beyond(self, key: str, asked: set[str]) -> bool:
        """Whether an entry puts something in a place the question does not already name; an entry
        whose text names no place answers "where" only by its author's word (`answers: [place]`)."""
        places = self.store.places_in(self.store.entries[key].text)
        return not places or any(not set(self.lexicon.terms(p)) <= asked for p in places)

    def _in_one_clause(self, key: str, salient: list[str]) -> bool:
        """Whether the question's words that an entry's text holds stand together in one of its
        clauses: scattered over several, they are no statement of what was asked ("Hungary: its ministers
        ..." and "Serbia: Transport Minister ..." name no Hungarian transport minister). A person's name may
        stand apart ("Kim arrived on Tuesday, and he will meet Xi"), as may words only its keywords hold."""
        clauses = self._text(key).clauses
        asked = set(salient) - self._names
        held = asked & frozenset().union(*clauses)
        return not held or any(held <= clause for clause in clauses)

    def _described_countries(self, text: str) -> set[str]:
        """The countries a question names by an adjective ("the Romanian delegation"), as terms: what
        they describe must be that country's. A country's own name ("invited Kim to China") says where,
        and need not be in the answer."""
        names = self.lexicon.world.country_names
        return {t for w in text.split() if w in names and names[w].casefold() != w for t in self.lexicon.terms(w)}

    def _partners(self, key: str) -> set[str]:
        """The countries and people an entry's text names as someone's partner ("ties with China",
        "relations with Xi", "ties with Beijing"), as terms."""
        found: set[str] = set()
        for match in _PARTNER.finditer(self.store.entries[key].text.casefold()):
            partner = match["partner"]
            country = self.lexicon.world.capitals.get(partner.split()[0])
            terms = set(self._terms(country.casefold() if country else partner))
            found |= {t for t in terms if t in self._countries or t in self._names}
        return found

    def _only_past(self, key: str, salient: list[str]) -> bool:
        """Whether the sentences of an entry that hold the question's words speak of the past ("has
        met ... before") and none of them of what is to come."""
        return all(self.store.done_cue.search(s) and not self.store.future_cue.search(s)
                   for s in self._holding(key, salient))

    def _only_ahead(self, key: str, salient: list[str]) -> bool:
        """Whether the sentences of an entry that hold the question's words speak of what is to come
        and none of them of what has been done."""
        return all(self.store.future_cue.search(s) and not self.store.done_cue.search(s)
                   for s in self._holding(key, salient))

    def _holding(self, key: str, salient: list[str]) -> list[str]:
        """The sentences of an entry (lower case) that hold the most of the question's words, names
        aside; all of them where none holds any (its keywords hold the words)."""
        asked = set(salient) - self._names
        sentences = self._text(key).sentences
        held = [len(asked & said) for _, said in sentences]
        most = max(held, default=0)
        return [s.casefold() for (s, _), n in zip(sentences, held, strict=True) if n == most]

    def _text(self, key: str) -> _EntryText:
        found = self._texts.get(key)
        if found is None:
            text, terms = self.store.entries[key].text, self.lexicon.terms
            found = self._texts[key] = _EntryText(
                frozenset(terms(text)),
                tuple(frozenset(terms(c)) for c in _CLAUSE.split(text) if c),
                tuple((s, frozenset(terms(s))) for s in _SENTENCE.split(text) if s.strip()),
                " ".join(["", *(w for q in ([text] if key.startswith("quote:") else _PASTED.findall(text))
                                for w in self.lexicon.normalise(q)), ""]))
        return found

    def _states_value(self, key: str, asked: set[str], terms: set[str], intent: str) -> bool:
        """Whether an entry's text gives the number or duration asked for ("did not say how long"
        counts) in a sentence with a term the question asks about, and not of another thing the
        content names ("Kamenograd has 18,000 residents" gives no population of Port Veresti); where
        its text has none of those terms (only its keywords do), its author says it answers."""
        wanted = {"duration"} if intent == "duration" else {"number"}  # "the 80th anniversary" is no length
        named = False
        for sentence, said in self._text(key).sentences:
            if asked & said:
                named = True
                other = (terms - said) & self._named_things and (said - terms) & self._named_things
                if self.store.kinds_in(sentence) & wanted and not other:
                    return True
        return not named

    def _counted(self, rest: str) -> list[str]:
        """The terms of what "how many <rest>" counts: the words before its verb ("pelican nesting
        pairs are left"), at most three; the first word alone where no verb follows."""
        words = rest.split()
        phrase = list(itertools.takewhile(lambda w: w not in _COUNT_VERBS, words[:4]))
        return self._terms(" ".join(phrase[:3] if len(phrase) < len(words[:4]) else words[:1]))

    def _counts(self, key: str, counted: list[str], *, after: bool = False) -> bool:
        """Whether an entry's number counts what "how many <counted>" asks: where its text names that
        thing (or the phrase's last word: "pelican nesting pairs" are pairs), a number must stand
        just before it in the same sentence ("48 loaded trucks"; but "a 2.8 km cable-stayed bridge" or
        "120 years. Every cable" counts no cables)."""
        named = [self._numbered(self.store.entries[key].text, t, after=after)
                 for t in dict.fromkeys((counted[0], counted[-1]))]
        # Named only in the entry's keywords: its author says it answers this; but the event's own words
        # ("bridges", "leaders") are in every entry's reach, so an entry must say how many of them.
        return any(named) or (all(n is None for n in named) and counted[0] not in self.lexicon.context)

    def _numbered(self, text: str, term: str, *, after: bool = False) -> bool | None:
        """Whether a number stands just before `term` in one of the text's sentences (or, `after`, just
        after it: "the cost at 1.9 billion euros"); None if the text never names it."""
        named = False
        for sentence in _SENTENCE.split(text):
            words = self.lexicon.normalise(sentence)
            spots = [i for i, w in enumerate(words) if term in self.lexicon.terms(w)]
            named = named or bool(spots)
            # "14,000 vehicles a day" counts vehicles: a day is its rate's unit, no number of days
            spots = [i for i in spots if not (words[i - 1:i] in _RATE and any(
                self.store.number_word(w) for w in words[max(0, i - 4):i - 1]))]
            if any(self.store.number_word(w) for i in spots for w in words[max(0, i - 3):i + (4 if after else 0)]):
                return True
            # "nesting pairs fell from 210 to 120": how many there are now, and were.
            if any(words[i + 1:i + 2] and words[i + 1] in _CHANGES and any(
                    self.store.number_word(w) for w in words[i + 2:i + 5]) for i in spots):
                return True
            # "delegations from eight countries": one from each.
            if any(words[i + 1:i + 2] == ["from"] and self.store.number_word(words[i + 2] if i + 2 < len(words) else "")
                   for i in spots):
                return True
            # "travelled to China four times" counts trips as surely as "four trips" does.
            if any(self.store.number_word(w) and words[j + 1:j + 2] == ["times"]
                   for i in spots for j, w in enumerate(words[i + 1:i + 5], start=i + 1)):
                return True
        return False if named else None

    # Event-level answers --------------------------------------------------------------------

    def _event(self, text: str, intent: str, zone: dt.tzinfo) -> PartAnswer:
        store, event = self.store, self.store.event
        every = tuple(s.id for s in event.sources)
        if intent in ("when", "time"):
            when = Statement("event:when", describe_start(event.start, zone, known=event.time_known), every)
            if intent == "time" and not event.time_known:
                return decline(text, intent, "The reports give the date but no time of day.", when)
            return PartAnswer(text, intent, (when,))
        if intent == "where":
            return PartAnswer(text, intent, (Statement("event:where", event.place, every),))
        if intent == "host":
            host = event.attendance.host
            if host is None:
                return decline(text, intent, "The reports don't say who hosts it.")
            return PartAnswer(text, intent, (self._statement(f"person:{host}"),))
        if intent in ("attendees", "absent"):
            return PartAnswer(text, intent, (self._attendance_statement(intent),))
        if intent == "sources":
            return PartAnswer(text, intent, (self._statement("event:sources"),))
        if intent == "timeline":
            lines = "\n".join(f"{t.date}: {t.text}" for t in sorted(event.timeline, key=lambda t: t.date))
            used = tuple(dict.fromkeys(s for t in event.timeline for s in t.sources))
            return PartAnswer(text, intent, (Statement("event:timeline", lines, used),))
        return PartAnswer(text, intent, (Statement("event:why", event.occasion, tuple(store.sources)),))

    def _words_for(self, text: str, terms: list[str], most: int = 4) -> list[str]:
        """The reader's own words behind some of the question's terms, for a reply: at most `most`."""
        wanted, found, words = set(terms), [], text.split()
        for size in (1, 2, 3):  # a phrase's term ("big deal") is found only in its words together
            for start in range(len(words) - size + 1):
                chunk = " ".join(words[start:start + size])
                meant = set(self._fold(chunk))
                if chunk not in found and wanted & meant:
                    wanted -= meant
                    found.append(chunk)
                    if len(found) == most:
                        return found
        return found or [t.replace("_", " ") for t in terms[:most]]

    def _terms(self, text: str) -> list[str]:
        """Terms of text that is already normalised (question parts are); a word the content holds
        only in a longer name ("the coalition") stands for that name. A part is read more than once
        (its words, then whom it names), so the last few are kept."""
        found = self._recent_terms.get(text)
        if found is None:
            if len(self._recent_terms) >= _RECENT_TERMS:
                self._recent_terms.clear()
            found = self._recent_terms[text] = self._fold(text)
        return list(found)

    def _fold(self, text: str) -> tuple[str, ...]:
        index, whole_name = self.store.index, self.lexicon.whole_name
        return tuple(name if (name := whole_name(t)) and t not in index else t for t in self.lexicon.fold(text.split()))

    def _subject_of(self, part: str, answer: PartAnswer) -> Person | None:
        """Who "he" or "she" means in the next part: the first person this part names ("did Kim meet
        Trump, and what did he say?": Kim), else the first person its answer is about ("who cuts
        the ribbon, and what did she say?")."""
        for term in self._terms(part):
            if term in self._named:
                return self.store.people[self._named[term]]
        for statement in answer.statements[:1]:
            fact = self.store.facts.get(statement.key)
            if fact is not None and fact.people:
                return self.store.people[fact.people[0]]
        return None

    def _words_of(self, text: str) -> frozenset[str]:
        """A description's terms, folded and word by word: "Mayor of Kamenograd" may be an alias
        (one term) and still be found by "the mayor"."""
        words = self.lexicon.normalise(text)
        return frozenset((*self.lexicon.fold(words), *(stem(w) for w in words if not self.lexicon.is_filler(w))))

    def _event_aspect(self, terms: list[str]) -> str:
        """What a question made only of the event's own words asks: when, where, or what it is; a word
        of time outranks the place, which often only names the event ("the date of the Beijing parade"),
        but not a word that asks for the place ("the venue of the Wednesday parade")."""
        if set(terms) & self._venue_words:
            return "where"
        if set(terms) & self._when_terms or set(terms) & self._time_terms:
            return "when"
        if set(terms) & self._where_terms:
            return "where"
        return "why"

    def _attendance_statement(self, intent: str) -> Statement:
        attendance = self.store.event.attendance
        if intent == "absent":  # the store's entry lists them; an event without absentees has none
            if "event:absent" in self.store.entries:
                return self._statement("event:absent")
            return Statement("event:absent", "The reports name nobody staying away.", ())
        names = [self.store.people[a.person].name if a.person else _guest_of(a.country or "", a.note, lower=True)
                 for a in attendance.attendees]
        count = f"{attendance.foreign_leaders} foreign leaders are expected. " if attendance.foreign_leaders else ""
        used = [*attendance.sources, *(s for a in attendance.attendees for s in a.sources)]
        return Statement("event:who", f"{count}Named: {_listed(names)}.", tuple(dict.fromkeys(used)))

    # Attendance as yes or no ----------------------------------------------------------------

    def _attending(self, text: str, reading: Reading, turn: _Turn, *, named_only: bool) -> PartAnswer | None:
        after = self._terms(reading.after)
        # "is North Korea's foreign minister going with Kim": whether they go at all comes first.
        companion = reading.after.startswith("with ") and bool(after) and set(after) <= self._names
        if not companion and any(t not in self.lexicon.context and t not in self._around_names for t in after):
            return None
        names = [n for n in re.split(r" (?:and|or) ", reading.who) if n.strip()]  # "will France or Germany send"
        answers = [self._attendance_of(text, name, turn, named_only) for name in names]
        if companion and any(a is not None and a.confident for a in answers):
            return None  # going, but the reports say nothing of going together
        # "is kim, putin and iran going": the commas are gone, so try "kim putin" name by name.
        for i, name in enumerate(names):
            singles = [self._attendance_of(text, word, turn, True) for word in name.split()]
            if len(singles) > 1 and (answers[i] is None or not answers[i].confident) and all(singles):
                answers[i:i + 1] = singles
        if any(a is None for a in answers):
            return None
        found = [a for a in answers if a is not None]
        statements = tuple(s for a in found for s in a.statements)
        reasons = [a.reason for a in found if a.reason]
        if re.search(r"\binvit", text) and any(s.key.startswith("absent:") for s in statements):
            # Not expected is not uninvited: "was Trump invited" is not answered by "no US leaders".
            reasons.append("The reports say who is not expected, not who was invited.")
        return PartAnswer(text, "attending", statements, " ".join(reasons) or None)

    def _attendance_of(self, text: str, name: str, turn: _Turn, named_only: bool) -> PartAnswer | None:
        words = [w for w in name.split() if w not in _DETERMINERS]
        while words[1:] and words[0] in _HOW_IMPORTANT:  # "any big Western European leaders going": who, not how big
            words = words[1:]
        if words[:1] == ["us"]:  # "are us officials going": "we" would be "are we"
            words[0] = "united states"
        person = self._person(" ".join(words), turn)
        # "is the EU commission president coming": the EU's transport commissioner is no president.
        unheld = _offices_in(" ".join(words)) - self._role_offices.get(person.id, frozenset()) if person else set()
        if person is not None and unheld and self._role_offices[person.id]:
            return decline(text, "attending",
                           f"The reports name {person.name} ({person.role}), not a {_listed(sorted(unheld))}.")
        if person is not None:
            return self._person_attending(text, person)
        # "is Italy's deputy prime minister coming": a place, and after it only an office
        place = next(filter(None, (self._place(" ".join(words[:n])) for n in range(len(words), 0, -1)
                                   if set(words[n:]) <= self._office_words)), None)
        if place is not None:
            return self._attendance_in(text, *place)
        terms = self._terms(" ".join(words))
        if (named_only or "that" in words or set(terms) & self._names
                or all(t in self.lexicon.context or t in self._around_names for t in terms)):
            # "is the parade going ahead", "any quotes from analysts", "is it a big deal that Kim is
            # going", "will Kim sit down with Xi while he's there": not about a guest
            return None
        shown = " ".join(words)
        return decline(text, "attending", f"The sources don't list {shown} among those attending.")

    def _person_attending(self, text: str, person: Person) -> PartAnswer:
        attendance = self.store.event.attendance
        if person.id == attendance.host:
            return PartAnswer(text, "attending", (Statement(
                f"attending:{person.id}", f"Yes. {person.name} is the host.", attendance.sources or person.sources),))
        for a in attendance.attendees:
            if a.person == person.id:
                note = f" {a.note}" if a.note else ""
                return PartAnswer(text, "attending", (Statement(
                    f"attending:{person.id}", f"Yes. {person.name} is among those expected.{note}", a.sources),))
        if person.country:
            absent = [b for b in attendance.absentees if person.country in b.countries]
            if absent:
                return PartAnswer(text, "attending", (_absence(absent, person.country),))
        return decline(text, "attending", f"The sources don't list {person.name} among those attending.")

    def _attendance_in(self, text: str, kind: str, place: str) -> PartAnswer:
        """Attendance for a country or a region, from the attendees' countries and the absentees; where
        the question names an office ("the Romanian president"), only a guest the reports give that
        office counts."""
        store, attendance = self.store, self.store.event.attendance
        world = self.lexicon.world
        inside = {place} if kind == "country" else world.countries_in(place)
        yes: list[Statement] = []
        host = store.people.get(attendance.host or "")
        if kind == "country" and host is not None and host.country in inside:
            yes.append(Statement(f"attending:{host.id}", f"Yes. {host.name} of {host.country} is the host.",
                                 attendance.sources or host.sources))
        for a in attendance.attendees:
            person = store.people[a.person] if a.person else None
            country = person.country if person else a.country
            if country in inside:
                key = f"attending:{person.id if person else _slug(country or '')}"
                who = f"{person.name} ({country})" if person else _guest_of(country or "", a.note)
                yes.append(Statement(key, f"Yes. {who} is among those expected.", a.sources))
        offices = _offices_in(text, self.lexicon.language.qualifiers)
        if offices:
            choice = len(offices) > 1 or " or " in f" {text} "  # "is Pakistan sending the PM or the president"
            held = [s for s in yes if self._holds(s.key.removeprefix("attending:"), offices, choice)]
            if not held and yes:
                reason = (f"The reports don't say which office the guest from {place} holds." if choice
                          else f"The reports name no {min(offices)} of {place} among those attending.")
                return decline(text, "attending", reason, *(replace(s, text=s.text.removeprefix("Yes. ")) for s in yes))
            yes = held
        # ... and "Europe" holds "major Western European countries"
        named = [b for b in attendance.absentees if inside & set(b.countries) or place in b.regions
                 or (kind == "region" and any(world.countries_in(r) <= inside for r in b.regions))]
        if yes:  # "anyone from Europe?": those coming, and those the reports say are not
            away = (_absence(named, place),) if named and kind == "region" else ()
            return PartAnswer(text, "attending", (*yes, *away))
        if named:
            return PartAnswer(text, "attending", (_absence(named, place),))
        covering = [b for b in attendance.absentees
                    if any(r in world.regions_of.get(place, ()) for r in b.regions)]
        return decline(text, "attending", f"The sources don't list anyone from {place} among those attending.",
                       *((_absence(covering, place),) if covering else ()))

    def _holds(self, guest: str, offices: frozenset[str], choice: bool) -> bool:
        """Whether a guest (a person id, or a country's slug where the reports name no one) may hold
        the office asked for: a role that names another office says no ("Prime Minister of Romania"
        is no president); where the reports give no office ("the leader of Pakistan") it may, unless
        the question asks which of two it is ("the PM or the president?")."""
        given = self._role_offices.get(guest)
        if given:
            return bool(given & offices)
        return not choice

    # Quotes and people ----------------------------------------------------------------------

    def _quote(self, text: str, reading: Reading, turn: _Turn) -> PartAnswer:
        source = self._source_named(reading.who)
        if source is not None:  # "what does the AP piece say about Trump": what that report holds
            salient = [t for t in self._terms(reading.rest) if t not in self.lexicon.context]
            if set(salient) <= self._names and not re.match(r"(?:says? |said )?(?:about|on|regarding)\b", reading.rest):
                return decline(text, "quote", NOT_ANSWERED)  # "what does it say Kim ...": Kim what?
            return self._search(text, "other", reading.rest, salient, salient, cited_by=source)
        person = self._person(reading.who, turn, role_words=1)
        if person is None and reading.who.split() and all(w in _PRONOUNS for w in reading.who.split()):
            return decline(text, "quote", "Say whose words you mean: the question does not name anyone.")
        # "what did Trump say about Kim going to Beijing": his words must name the place too.
        salient = [t for t in self._terms(reading.rest) if t not in self.lexicon.context or t in self._where_terms]
        if person is None:
            # "What did China's foreign ministry say": the speaker must be what the entry is about.
            who = frozenset(t for t in self._terms(reading.who) if t not in self._around_names)
            reacted = [t for t in self._terms(reading.cue) if t in self._reaction]
            if reacted:  # "how has North Korea responded to Trump's outreach": what it did, said or not
                return self._search(text, "other", f"{reading.who} {reading.rest}", [*who, *reacted, *salient],
                                    [*who, *reacted, *salient], subjects=who)
            found = self._search(text, "quote", f"{reading.who} {reading.rest}", [*who, *salient], [*who, *salient],
                                 subjects=who)
            if found.confident or found.reason != _NO_KIND["quote"]:
                return found
            # "the exact quote from the Chinese foreign ministry": the words of the person who spoke for it
            said = self._search(text, "other", f"{reading.who} {reading.rest}", [*who, *salient], [*who, *salient],
                                subjects=who)
            return self._spoken_for(text, said) or found
        # A person's words: their quotes, or a fact that opens with them saying something ("Trump
        # recalled ..."); a fact that names them in passing ("Kim and Putin spoke by phone") is not.
        speaker = [(f"{SPEAKER}{t}",) for t in self._name_terms[person.id]]
        asked = _ASKED_ABOUT.search(reading.rest)
        if asked:  # "what did the engineer say about how long it will last": words that give a duration
            salient = [t for t in salient if t not in self._time_terms | self._duration_verbs]
        hits = self.store.index.search([*speaker, *((t,) for t in salient)],
                                       types=self.store.kind_mask(ANSWER_KINDS["quote"]))
        if asked:
            wanted = set(ANSWER_KINDS[_ASKED_KIND[asked[1]]])
            hits = tuple(h for h in hits if wanted & self.store.entries[h.key].answers)
        if set(self._terms(reading.rest)) & self._event_words:
            # "what did Trump say about the parade": his words about the DMZ name no part of the event.
            hits = tuple(h for h in hits if self._event_words & self._text(h.key).terms)
        if not hits:
            quoted = self.store.quotes_by(person.id)
            reason = (f"The reports quote {person.name} on nothing like that." if quoted
                      else f"The reports quote no words from {person.name}.")
            return decline(text, "quote", reason)
        ordered = sorted(hits, key=lambda h: not h.key.startswith("quote:"))  # their own words first
        return PartAnswer(text, "quote", tuple(self._statement(h.key) for h in ordered[:2]))

    def _led_or_from(self, text: str, turn: _Turn) -> PartAnswer | None:
        """What a person leads, where their role (or, for a country, their country) says it, else a
        decline ("which summits did Trump lead" is no "U.S.-led"); which countries people are from.
        None where the question asks neither ("which countries are the delegations from")."""
        leads = _LEADS.match(text)
        if leads:
            person = self._person(leads["who"], turn)
            thing = self._words_of(leads["thing"] or "")  # word by word: "korea" is no North Korea here
            role = " ".join(self.lexicon.normalise(person.role)) if person is not None else ""
            heads = _LEADS_IT.search(role) and not self._qualifiers[person.id] - {"former", "ex", "late"}
            country = heads and thing & self._country_words and person.country and _HEADS_COUNTRY.search(role)
            if heads and (country or thing <= self._role_terms[person.id]):
                return self._profile(text, person)
            return decline(text, "other", NOT_ANSWERED)  # not "U.S.-led sanctions"
        origin = _FROM_WHICH.match(text)
        asked = set(self._terms(origin["who"])) if origin else set()
        people = self._named_people(asked)
        if not people or not asked <= {t for p in people for t in self._name_terms[p.id]}:
            return None
        return self._profiles(text, people, lambda p: bool(p.country), "is from")

    def _named_people(self, terms: set[str] | frozenset[str]) -> list[Person]:
        """The people whose names the terms hold, in the content's order."""
        return [p for p in self.store.event.people if self._name_terms[p.id] & terms]

    def _spoken_for(self, text: str, said: PartAnswer) -> PartAnswer | None:
        """The quotes behind a fact that says what a body said ("China's Foreign Ministry welcomed Kim's
        visit"): its one quoted speaker's words that share the fact's terms; None if there are none."""
        key = said.statements[0].key if said.confident else ""
        fact = self.store.facts.get(key)
        speakers = [p for p in fact.people if self.store.quotes_by(p)] if fact is not None else []
        if len(speakers) != 1:
            return None
        told = self._text(key).terms - self._names
        quotes = [f"quote:{q.id}" for q in self.store.quotes_by(speakers[0])]
        shared = [k for k in quotes if told & self._text(k).terms]
        return PartAnswer(text, "quote", tuple(self._statement(k) for k in shared[:2])) if shared else None

    def _profiles(self, text: str, people: list[Person], says: Callable[[Person], bool], what: str) -> PartAnswer:
        """Where people are from, or work: their profiles, if the content `says` it for every one."""
        unknown = [p.name for p in people if not says(p)]
        if unknown:
            return decline(text, "where", f"The reports don't say where {_listed(unknown)} {what}.")
        return PartAnswer(text, "where", tuple(self._statement(f"person:{p.id}") for p in people))

    def _places_alone(self, text: str) -> list[tuple[str, str]] | None:
        """The countries or regions a part names with nothing else asked ("and with Russia?",
        "what about Iran and Cuba"), or None."""
        match = _ALONE.fullmatch(text)
        if match is None:
            return None
        places = [self._named_place(name) for name in re.split(r" (?:and|or|n|&) ", match["places"])]
        return [p for p in places if p is not None] if all(places) else None

    def _about_places(self, text: str, places: list[tuple[str, str]], turn: _Turn) -> PartAnswer:
        """A part that only names places asks the part before's question of them: "is Cuba coming?
        and Iran?", "how much of NK's trade is with China? and Russia?"."""
        last = turn.last
        if last is None and (_POINTING_BACK.search(turn.question) or _ALSO.match(text)):  # to a question not asked
            return decline(text, "other", f"What about {_listed([name for _, name in places])}? Ask a whole question.")
        if last is None or last.intent == "attending":
            # "Serbia?" on its own asks what the event is to it: whether anyone from there comes.
            found = [self._attendance_in(text, kind, name) for kind, name in places]
            reasons = " ".join(a.reason for a in found if a.reason)
            answer = PartAnswer(text, "attending", tuple(s for a in found for s in a.statements), reasons or None)
            return _unpolar(answer) if last is None else answer
        # The new places stand where the last part named its last country ("with China" -> "with Russia"),
        # the event's own country included.
        topic = list(dict.fromkeys(self._terms(last.question)))
        spots = [i for i, t in enumerate(topic) if t in self._countries]
        named = [t for _, name in places for t in self._terms(name.casefold())]
        asked = [*topic[:spots[-1]], *named, *topic[spots[-1] + 1:]] if spots else [*topic, *named]
        return self._search(text, last.intent, " ".join(asked), asked, asked)

    def _source_named(self, who: str) -> str | None:
        """The id of the one report that words name ("the AP piece", "Reuters"), if they name one."""
        words = set(self.lexicon.normalise(who))
        named = [sid for sid, outlet in self._outlet_words.items() if words & outlet]
        ordinal = _ORDINAL.search(who)  # "the second article": as `/parade sources` lists them
        if not named and ordinal:
            nth = _NTH[ordinal["nth"]]
            named = [self.store.event.sources[nth].id] if nth < len(self.store.event.sources) else []
        return named[0] if len(named) == 1 else None

    def _who_is(self, text: str, reading: Reading, turn: _Turn) -> PartAnswer | None:
        person = self._person(reading.who, turn, role_words=1)
        if person is not None:
            return self._who(text, person)
        if all(self.lexicon.is_filler(w) or w in _PRONOUNS for w in reading.who.split()):
            return decline(text, "person", "Say whom you mean: the question names nobody I know of.")
        # "What is China's economic role for North Korea", "the mayor of Port Veresti": the rest is asked
        # too, and the host's places with it (but "China's role" alone, or "Japan's role in the bridge",
        # names only the event's own).
        asked = f"{reading.who} {reading.rest}"
        own = [t for t in self._terms(asked) if t not in self.lexicon.context]
        if not own:
            return self._event(text, "why", turn.zone) if reading.who else None
        places = self._where_terms & (self._countries.keys() | self._local_names)  # not "the bridge"
        terms = [t for t in self._terms(asked) if t in own or t in places]
        # Nobody matched the description, so no person's profile may answer it ("China's foreign
        # minister" is not Hong Lei, the assistant minister); a fact still may ("the main aid provider"),
        # and a thing's role is no person ("what is China's role").
        intent = "who" if reading.cue.startswith("who") else "other"
        return self._search(text, intent, asked, terms, terms, people=False)

    def _who(self, text: str, person: Person) -> PartAnswer:
        """Who someone is: their profile, unless it says that is not known ("who is Lee": "AP gives only
        the surname, not who Lee is"), which is shown as a decline."""
        if self.store.unsaid_cue.search(person.role.casefold()):
            return decline(text, "person", f"The reports don't say who {person.name} is.",
                           self._statement(f"person:{person.id}"))
        return self._profile(text, person)

    def _profile(self, text: str, person: Person) -> PartAnswer:
        return PartAnswer(text, "person", (self._statement(f"person:{person.id}"),))

    def _person(self, text: str, turn: _Turn, role_words: int = 2) -> Person | None:
        """The one person `text` names, by name, alias or role ("he" is the last one named); None if
        it names nobody, several people, or only a country. A role must match in `role_words` words,
        or in one that no other person's role has ("the mayor") when `role_words` is 1."""
        words = text.split()
        if words and all(w in _PRONOUNS for w in words):
            return turn.subject
        terms = set(self._terms(text)) - self._around_names
        if not terms:
            return None
        by_name = [pid for pid, names in self._name_terms.items() if names & terms and terms <= self._person_terms[pid]]
        # By role, a person needs two words of it and every qualifier it has: "the Russian president",
        # not "the party" (Kim's role mentions one) nor "the foreign minister" (Hong Lei is the assistant).
        by_role = [pid for pid, role in self._role_terms.items()
                   if len(terms & role) >= 2 and terms <= self._person_terms[pid]
                   and self._qualifiers[pid] <= set(text.split())]
        if not by_role and role_words == 1 and len(terms) == 1:
            holders = [pid for pid, role in self._role_terms.items() if terms <= role]
            by_role = holders if len(holders) == 1 and not terms <= self._countries.keys() else []
        matches = by_name or by_role
        if len(matches) != 1:
            return None
        turn.subject = self.store.people[matches[0]]
        return turn.subject

    def _named_place(self, text: str) -> tuple[str, str] | None:
        """('country', name) or ('region', name) when `text` is exactly a place's name."""
        world, name = self.lexicon.world, text.strip()
        for names, kind in ((world.country_names, "country"), (world.capitals, "country"),
                            (world.region_names, "region")):
            for candidate in (name, name.removeprefix("the ")):
                if candidate in names:
                    return kind, names[candidate]
        return None

    def _place(self, text: str) -> tuple[str, str] | None:
        """('country', name) or ('region', name) when `text` names exactly one: by its exact name
        first ("the Americas" is no misspelt America), else by its terms."""
        exact = self._named_place(text)
        if exact is not None:
            return exact
        terms = [t for t in self._terms(text) if t not in self._around_names]
        if len(terms) != 1:
            return None
        if terms[0] in self._countries:
            return "country", self._countries[terms[0]]
        if terms[0] in self._regions:
            return "region", self._regions[terms[0]]
        return None

    def _statement(self, key: str) -> Statement:
        entry = self.store.entries[key]
        return Statement(entry.key, entry.text, entry.sources, entry.differs)


@dataclass(frozen=True, slots=True)
class _EntryText:
    """An entry's text as the answer checks read it: its terms, clause by clause, sentence by sentence."""

    terms: frozenset[str]
    clauses: tuple[frozenset[str], ...]
    sentences: tuple[tuple[str, frozenset[str]], ...]  # each sentence with its terms
    quoted: str  # its quoted words (a quote's all), normalised, space-separated and space-ended: a pasted passage's


@dataclass(slots=True)
class _Turn:
    """What one question's parts share: the reader's zone, and who "he" or "she" refers to."""

    zone: dt.tzinfo
    subject: Person | None = None
    topic: tuple[str, ...] = ()  # the last part's words: they rank the next part's answers
    intent: str = ""  # the last part's intent: "is Iran going, and what about the US?"
    last: PartAnswer | None = None  # the last part's answer: "who is not coming, and why?"
    question: str = ""  # the whole question as asked, lower case: "and Russia?" points back


def _absence(absentees: list[Absentee], place: str) -> Statement:
    """One "No" for every absentee entry that covers `place` (each source's version of it)."""
    said = "; ".join(b.who + (f" ({b.reason.rstrip('.')})" if b.reason else "") for b in absentees)
    sources = tuple(dict.fromkeys(s for b in absentees for s in b.sources))
    return Statement(f"absent:{_slug(place)}", f"No. Not expected: {said}.", sources)


def _guest_of(country: str, note: str | None, *, lower: bool = False) -> str:
    """A country's unnamed guest: its delegation where a note says who leads it ("Led by its transport
    minister."), else its leader."""
    guest = f"{country}'s delegation ({note.rstrip('.').casefold()})" if note else f"The leader of {country}"
    return guest[0].lower() + guest[1:] if lower and not note else guest


def _unpolar(found: PartAnswer) -> PartAnswer:
    """An attendance answer without its "Yes." or "No.", for a question asked the other way round
    ("isn't Putin skipping it?": "Vladimir Putin is among those expected.")."""
    statements = tuple(replace(s, text=s.text.removeprefix("Yes. ").removeprefix("No. ")) for s in found.statements)
    return replace(found, statements=statements)


def _offices_in(text: str, qualifiers: frozenset[str] = frozenset()) -> frozenset[str]:
    """The offices normalised words name, the longest first: "prime minister", not also "minister". An
    office after one of `qualifiers` is that office qualified ("deputy prime minister"), no other."""
    left, found = f" {text} ", []
    qualified = "|".join(sorted(qualifiers)) or "(?!)"
    for office in sorted(_OFFICES, key=len, reverse=True):  # "vice foreign minister": one word may come between
        for match in re.finditer(rf" (?:(?P<qualifier>{qualified}) (?:\w+ )?)?{office}(?= )", left):
            found.append(f"{match['qualifier']} {office}" if match["qualifier"] else office)
        left = re.sub(rf" (?:(?:{qualified}) (?:\w+ )?)?{office}(?= )", " ", left)
    return frozenset(found)


def _single_terms(lexicon: Lexicon, names: Iterable[str]) -> dict[str, str]:
    """Names that fold to one term, by that term: "united_state" -> "United States"."""
    found: dict[str, str] = {}
    for name in names:
        terms = lexicon.terms(name)
        if len(terms) == 1:
            found.setdefault(terms[0], name)
    return found


def _slug(name: str) -> str:
    return "-".join(name.casefold().split())


def _works_now(person: Person) -> bool:
    """Whether a role names where its holder works now ("President of Russia"; not "Former President")."""
    return not _FORMER.search(person.role) and bool(_WORKPLACE.search(person.role))


def _teaches(person: Person) -> bool:
    """Whether a role names where its holder teaches now ("Professor ..., Ewha Womans University")."""
    return _works_now(person) and bool(_ACADEMIC.search(person.role))


def _excluding(text: str) -> re.Match[str] | None:
    """What a question leaves out ("besides Kim"), if it says so."""
    return _EXCLUDING.search(text) if any(cue in text for cue in _EXCLUDING_CUES) else None


def _listed(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) < 2:
        return "".join(items) or "none"
    return ", ".join(items[:-1]) + " and " + items[-1]
