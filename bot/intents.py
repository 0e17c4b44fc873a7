"""What a question asks for, read before any word is dropped: its intent, and the parts it has.

"when does it take place" asks for a date, "how many countries" for a number, "is Putin going" for a
yes or no from the attendance list. The patterns are data (bot/data/english.yaml); this module only
applies them, splits multi-part questions and sets the matched words aside.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.language import Language

# Intents answered from the event's structured fields when nothing else is asked.
EVENT_INTENTS = ("when", "time", "where", "why", "host", "attendees", "absent", "sources", "timeline")
# The answer kinds (see bot/content.py AnswerType) an intent accepts; none listed: any entry.
ANSWER_KINDS: dict[str, tuple[str, ...]] = {
    "time": ("time",),
    "when": ("date", "time"),
    "where": ("place",),
    "why": ("reason",),
    "count": ("number",),
    "duration": ("duration",),  # a time span, or a length: "how long is the bridge"
    "quote": ("quote", "statement"),
    "person": ("person",),
    "who": ("person", "place", "actor"),
}
_PART_START = r"(?:who|what|when|where|why|how|which|is|are|was|were|does|did|do|will|would|has|have|can|could)"
# Between two parts: "... and when ...". Question marks and semicolons split the raw text. A comma does
# not: in chat it mostly starts a tag question about the same thing ("..., is that right?"), which
# measured worse on both question sets as a part of its own.
_JOIN = re.compile(rf"\s*\band (?={_PART_START}\b)\s*")
_PIECES = re.compile(r"[?;]+")
_STARTS_PART = re.compile(rf"{_PART_START}\b", re.IGNORECASE)
_MOVING_ON = re.compile(r"\b(?:anyway|anyways|anyhow)\b[\s,:;.!?-]*", re.IGNORECASE)
# What the asker read or heard, before the question ("so I read the ferry takes hours, how long will it take"):
# the reports say what is so (but "I read that China is NK's lifeline, is that right?" asks about it, and
# "I heard Hungary declined, why did they?" of it; "I read about the Korean war, when did the war end?" names
# the subject).
_HEARD = re.compile(r"^(?:[^,]*,\s*)??[^,]*?\b(?:i|we)\s+(?:just\s+)?(?:read|heard|saw|see|understand|gather)\b"
                    r"(?! about\b)[^,]*,\s*(?:so\s+|but\s+|and\s+)?"
                    r"(?=(?:how|what|when|where|who|why|which|is|are|does|do|did|will|can)\b)", re.IGNORECASE)
# ... and a comma starts a new part only before a question of its own: a question word and its verb,
# with nothing that points back ("when is it, who's going?"; but "which anniversary, how many years",
# "what about Italy, who's representing them" and "..., who said that" say more about the same thing).
_NEW_QUESTION = re.compile(
    r",\s*(?=(?:who|what|when|where|why)(?:'s|’s| (?:is|are|was|were|will|did|does|do|has|have)\b))", re.IGNORECASE)
_ASKS = re.compile(rf"\b{_PART_START}\b", re.IGNORECASE)
_ELSEWHERE_BACK = re.compile(r"\b(?:there|else|then|the same)\b", re.IGNORECASE)  # "who else was invited?"
_POINTS_BACK = re.compile(r"\b(?:it|its|that|this|them|they|their|he|she|him|her|one)\b", re.IGNORECASE)
# ... but "when is it" after a question about the event alone ("where is it, when is it", "who is coming,
# when is it") asks about the event too (after "what did Trump say, where was it" it asks where he said it).
_EVENT_ONLY = re.compile(r"(?:who|when|where|why)(?:'s| is| are| was| were| will be)? "
                         r"(?:it|this|that|coming|going|attending|invited|there|happening)")
_OF_THE_EVENT = re.compile(r"(?:when|where)(?:'s|’s| is| was| will be) (?:it|this|that)\b(?: (?:happening|held|on))?"
                           r"\s*(?:,|$|and\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reading:
    """One question part as understood: its intent, who it names, and the words left to search."""

    intent: str
    rest: str  # the words not used up by the intent's pattern
    who: str = ""  # the person, country or region named, for attendance, quote and who-is questions
    after: str = ""  # for attendance: what follows the verb ("to the parade", "to give a speech")
    cue: str = ""  # the words that gave the intent away ("how long"): they rank answers, never decide


_ELABORATES = re.compile(r"(?:like|i mean|as in)\b(?!.*\b(?:how|what|when|where|who|why|which)\b).*")
_NEED = re.compile(r"(?:i |we )?(?:need|want) (?:the |a |an |some )?"
                   r"(?:number|figures?|date|name|source|attribution|quote|answer|details?)"
                   r"(?: pls| please| thx| thanks)?")


def split_parts(question: str, normalise: Callable[[str], list[str]], language: Language) -> list[str]:
    """The parts of a question ("who invited him and when was his last visit?"), each normalised and
    without its frame ("I was wondering whether ...")."""
    parts: list[str] = []
    moved_on = list(_MOVING_ON.finditer(question))
    if (moved_on and _talk(question[:moved_on[-1].start()], normalise, language)
            and _whole(question[moved_on[-1].end():])):
        question = question[moved_on[-1].end():]  # "I read that ... anyway, when is it": what came before was talk
    heard = _HEARD.match(question)
    if heard and _whole(question[heard.end():]):  # "so I read the ferry takes hours, how long ...": talk too
        question = question[heard.end():]
    for piece in (p for raw in _PIECES.split(question) for p in _comma_parts(raw, language)):
        words = normalise(piece)
        if words:
            # The whole piece loses its frame first: "hey bot, and what ..." is no part "hey bot".
            joined = _JOIN.split(language.unframe(" ".join(words)))
            parts.extend(joined if len(joined) == 1 else (language.unframe(p) for p in joined))  # once is enough
    # A later part that only says what the asker needs ("... ? need the number") asks nothing more.
    # ... nor does one that only elaborates ("is 26 a lot? like for a parade?").
    parts = parts[:1] + [p for p in parts[1:] if not _NEED.fullmatch(p) and not _ELABORATES.fullmatch(p)]
    # Nothing but a frame ("thanks", "word for word?"): one empty part, which asks nothing.
    return [p for p in parts if p] or [""]


def read(part: str, language: Language, after: str = "") -> Reading:
    """The first intent whose pattern matches (bot/data/english.yaml lists them in order); `after` one
    that matched but did not fit ("is Kim going to give a speech" is no attendance question), the
    first after it, since those before it matched nothing."""
    intents = iter(language.intents)
    if after:
        next(i for i, (name, _) in enumerate(intents) if name == after)
    for name, patterns in intents:
        for pattern in patterns:
            match = pattern.search(part)
            if match:
                groups = match.groupdict()
                after = (groups.get("after") or "").strip()
                rest = after if name.startswith("attending") else (part[: match.start()] + " " + part[match.end():])
                return Reading(name, rest=rest.strip(), who=(groups.get("who") or "").strip(), after=after,
                               cue=match[0])
    return Reading("other", rest=part)


def _talk(text: str, normalise: Callable[[str], list[str]], language: Language) -> bool:
    """Whether text before "anyway" is talk, not a question of its own ("when is it? anyway, who's going")."""
    return not any(_STARTS_PART.match(language.unframe(" ".join(normalise(p)))) for p in _PIECES.split(text))


def _whole(question: str) -> bool:
    """Whether a question asks something without the words before it: a question word first, three words
    or more, and nothing that points back ("why did they?", "when was it?" ask about what was read)."""
    return bool(_STARTS_PART.match(question.strip(" ,:;.!-"))) and len(question.split()) >= 3 and not (
        _POINTS_BACK.search(question) or _ELSEWHERE_BACK.search(question))


def _comma_parts(piece: str, language: Language) -> list[str]:
    pieces = _NEW_QUESTION.split(piece)
    parts = [pieces[0]]
    for later in pieces[1:]:
        # "hey bot, when ...", "the bridge, when does it open", "I was wondering, according to the AP, what
        # ...": what comes before asks nothing itself, its frame aside.
        before = language.unframe(" ".join(re.findall(r"[\w']+", parts[-1].casefold().replace("’", "'"))))
        about_event = _OF_THE_EVENT.match(later) and _EVENT_ONLY.fullmatch(before)
        if ((_POINTS_BACK.search(later) and not about_event)
                or not _ASKS.search(language.unframe(parts[-1].casefold()))):
            parts[-1] += ", " + later
        else:
            parts.append(later)
    return parts
