"""English as chat users write it, and the world's countries and regions: data shipped with the bot.

Both are loaded once from `bot/data/` and shared by every event; an event's own words come from its
content file's `vocabulary:` section (see bot/lexicon.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where present: 10x faster, as safe


_LETTER_FIRST = re.compile(r"(?:\((?:\?:|\?P<\w+>))*[a-z0-9]")
# Hints a pattern may carry as regular-expression comments, which the engine itself ignores.
_NEEDS = re.compile(r"\(\?#needs: (?P<words>[^)]+)\)")
_LAST = re.compile(r"\(\?#last (?P<chars>\d+) characters\)")


class Pattern:
    """A regular expression of the language data, with a quick first test, since a 500-character
    question meets some 150 of them. A leading word boundary keeps the engine from jumping straight to
    the pattern's first letters, so each would walk the question letter by letter; the pattern without
    it matches wherever the whole one does, so where it finds nothing the whole one is never run.
    Patterns that start with no word may name words they cannot match without, `(?#needs: spoke
    speak)`, tested first; and one anchored at the end whose match is short may say `(?#last 200
    characters)`, where alone it is looked for (unframing repeats until nothing changes, so a longer
    run of tags is still cut, a piece at a time)."""

    __slots__ = ("_last", "_needs", "_quick", "regex")

    def __init__(self, source: str) -> None:
        self.regex = re.compile(source)
        needs, last = _NEEDS.search(source), _LAST.search(source)
        self._needs = tuple(needs["words"].split()) if needs else ()
        # Only where a letter follows: without the boundary, "\\w+ and" would be tried mid-word too.
        quick = source.startswith("\\b") and _LETTER_FIRST.match(source, 2)
        self._quick = re.compile(source[2:]) if quick else None
        self._last = int(last["chars"]) if last else 0

    def search(self, text: str) -> re.Match[str] | None:
        if self._needs and not any(word in text for word in self._needs):  # "in" scans faster than a pattern
            return None
        if self._quick is not None and self._quick.search(text) is None:
            return None
        return self.regex.search(text, max(0, len(text) - self._last) if self._last else 0)

    def sub(self, replacement: str, text: str) -> str:
        found = self.search(text)
        if found is None:
            return text
        if self._last:  # the one match there is, at the end
            return text[:found.start()] + found.expand(replacement) + text[found.end():]
        return self.regex.sub(replacement, text)


@dataclass(frozen=True, slots=True)
class Language:
    shorthand: dict[str, str]
    abbreviations: dict[str, str]
    contractions: dict[str, str]
    stopwords: frozenset[str]
    fillers: frozenset[str]
    filler_phrases: tuple[str, ...]
    irregular: dict[str, str]  # past form -> verb
    synonyms: tuple[tuple[str, ...], ...]
    intents: tuple[tuple[str, tuple[Pattern, ...]], ...]
    event_words: tuple[str, ...]
    answer_cues: dict[str, str]
    frames: tuple[Pattern, ...]
    reorder: tuple[tuple[Pattern, str], ...]
    qualifiers: frozenset[str]
    event_modifiers: frozenset[str]
    question_words: frozenset[str]
    determined_nouns: dict[str, str]

    def words(self) -> set[str]:
        """Every word this data spells out: known words that typo correction must leave alone."""
        found: set[str] = set(self.stopwords) | self.fillers | set(self.event_words) | self.question_words
        for text in (*self.shorthand.values(), *self.contractions.values(), *(w for g in self.synonyms for w in g)):
            found.update(text.split())
        return found

    def unframe(self, text: str) -> str:
        """The question without "I was wondering whether", "any idea?" and the like around it, in the
        order of a direct question."""
        unframed = ""
        while unframed != text:  # frames come in any order: "I was wondering, wait, is Putin going too?"
            unframed = text
            for frame in self.frames:
                text = frame.sub("", text).strip()
        for pattern, direct in self.reorder:  # "what Yang's take is" -> "what is Yang's take"
            text = pattern.sub(direct, text)
        return text


@dataclass(frozen=True, slots=True)
class World:
    """Countries and regions by every name they go by (lower case)."""

    country_names: dict[str, str]  # name, alias or demonym -> country
    region_names: dict[str, str]  # name or alias -> region
    regions_of: dict[str, frozenset[str]]  # country -> every region it lies in, enclosing ones included
    capitals: dict[str, str]  # capital (lower case) -> country

    def countries_in(self, region: str) -> frozenset[str]:
        return frozenset(c for c, regions in self.regions_of.items() if region in regions)


def plain_latin(text: str) -> str:
    """Latin letters without their accents ("irán", "Türkiye", "Vučić"): chat users type them either way.
    Marks on other scripts' letters stay, where they are part of the letter."""
    if text.isascii():
        return text
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if not (unicodedata.combining(ch) and kept and kept[-1].isascii()):
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@cache
def english() -> Language:
    data = yaml.load((DATA / "english.yaml").read_text(encoding="utf-8"), Loader=_LOADER)
    return Language(
        shorthand=data["shorthand"],
        abbreviations=data["abbreviations"],
        contractions=data["contractions"],
        stopwords=_words(data["stopwords"]),
        fillers=_words(data["fillers"]),
        filler_phrases=tuple(data["filler_phrases"]),
        irregular=data["irregular"],
        synonyms=tuple(tuple(str(w).casefold() for w in group) for group in data["synonyms"]),
        intents=tuple((name, tuple(Pattern(p) for p in patterns)) for name, patterns in data["intents"].items()),
        event_words=tuple(data["event_words"].split()),
        answer_cues=data["answer_cues"],
        frames=tuple(Pattern(p) for p in data["frames"]),
        reorder=tuple((Pattern(pattern), direct) for pattern, direct in data["reorder"]),
        qualifiers=_words(data["qualifiers"]),
        event_modifiers=_words(data["event_modifiers"]),
        question_words=_words(data["words"]),
        determined_nouns=data["determined_nouns"],
    )


@cache
def world() -> World:
    data = yaml.load((DATA / "world.yaml").read_text(encoding="utf-8"), Loader=_LOADER)
    parents: dict[str, list[str]] = data["regions"]

    def enclosing(region: str) -> set[str]:
        found = {region}
        for parent in parents.get(region, []):
            found |= enclosing(parent)
        return found

    country_names: dict[str, str] = {}
    regions_of: dict[str, frozenset[str]] = {}
    grouped: dict[str, set[str]] = {}  # a country may be in several ("the West", "German-speaking countries")
    for group, members in data["groupings"].items():
        for country in members:
            grouped.setdefault(country, set()).add(group)
    for country, spec in data["countries"].items():
        cut = spec.index("|") if "|" in spec else len(spec)
        regions = {r for region in spec[:cut] for r in enclosing(region)}
        regions_of[country] = frozenset(regions | grouped.get(country, set()))
        for name in (country, *spec[cut + 1:]):
            country_names[plain_latin(name.casefold())] = country
    region_names = {region.casefold(): region for region in (*parents, *data["groupings"])}
    for region, names in data["region_names"].items():
        region_names.update({name.casefold(): region for name in names})
    capitals = {city.casefold(): country for city, country in data["capitals"].items()}
    return World(country_names, region_names, regions_of, capitals)
