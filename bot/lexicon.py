"""Words as the bot reads them, for one event: the same steps for the content and for a question.

normalise: case, curly quotes, abbreviations, contractions and chat shorthand ("r", "w/", "whats").
terms: stems, with synonym phrases folded into one term ("fell apart" and "collapsed" both become
  `collapse`), function words and filler words dropped.
correct: a word the content and the language data never use, within one or two edits of one they do.

Synonyms come from the shipped English data, the world's country names and demonyms, and the event's
own `vocabulary:`, people and aliases: data, so another event brings its own words.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import Event
from bot.language import Language, World, english, plain_latin, world
from bot.search import sorted_place

_TOKEN = re.compile(r"w/o?|b/c|y/n|%|\d+(?:\.\d+)+(?![\d.])|[^\W_]+(?:'[^\W_]+)?")  # "1.9" is one number
# "3,500" is 3500; "1.9bn" is 1.9 billion, "4k" 4 thousand ("32 m" stays metres, not million).
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_MAGNITUDE = re.compile(r"(?<=\d) ?(bn|mn|k)\b", re.IGNORECASE)
_MAGNITUDES = {"bn": " billion", "mn": " million", "k": " thousand"}
_YEAR_RANGE = re.compile(r"\b((?:19|20)\d)(\d)\s*[-–/]\s*(\d)\b|\b((?:19|20))(\d\d)\s*[-–/]\s*(\d\d)\b")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"'})
_DETERMINERS = frozenset("the a an this that his her its their our your".split())
MAX_PHRASE = 5  # words in the longest synonym phrase matched
MAX_CORRECTIONS = 8  # typo look-ups per question: bounds the cost of a question of unknown words
MAX_REMEMBERED = 4096  # typo look-ups kept for the next questions
_FILLER = ""  # what a filler phrase folds to: nothing
_stemmers = threading.local()  # Snowball stemmers keep state: one per thread (reloads index off the loop)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The word's stem, an irregular past form's verb's ("built": "build"); the word itself (the same
    object) when it is its own stem, as most are, so the vocabulary, the stems and the index hold one
    string for it, not three."""
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    stemmed: str = stemmer.stemWord(english().irregular.get(word, word))
    return word if stemmed == word else stemmed


class Lexicon:
    """The words of one event, and how a reader's words map onto them."""

    def __init__(self, event: Event, language: Language | None = None, places: World | None = None) -> None:
        self.language = language or english()
        self.world = places or world()
        self._abbreviation = re.compile(
            r"(?<![\w.])(" + "|".join(re.escape(a) for a in sorted(self.language.abbreviations, key=len,
                                                                   reverse=True)) + r")(?![\w])")
        self._dropped = frozenset(stem(w) for w in (*self.language.stopwords, *self.language.fillers, _FILLER))
        self._phrases: dict[tuple[str, ...], str] = {}
        self._phrase_sizes: dict[str, tuple[int, ...]] = {}  # first stem of a phrase -> its lengths
        self._single: dict[str, str] = {}
        for phrase in self.language.filler_phrases:
            self._add_phrase(self._surface_stems(phrase), _FILLER)
        for group in self._synonym_groups():
            self._add_group(group)
        for group in event.vocabulary.synonyms:
            self._add_group(tuple(w.casefold() for w in group), own=True)
        self._name_parts: dict[str, str | None] = {}  # a word of an event's phrase -> the phrase's term
        for group in event.vocabulary.synonyms:
            self._add_name_parts(group)
        for person in event.people:
            # A person's full name and aliases are one term, so "Easley" finds "Leif-Eric Easley".
            self._add_group((person.name.casefold(), *(a.casefold() for a in person.aliases)), own=True)
        self._known: Counter[str] = Counter()
        self._known_stems: tuple[str, ...] = ()  # sorted
        self._buckets: dict[tuple[str, int], tuple[str, ...]] = {}
        self._corrections: dict[str, str | None] = {}  # typed word -> the known word meant, if any
        # Names are spelt by ear: "Kim Jung Un", "Xi Jinpeng". A changed vowel is a slip in them only.
        self._name_words = frozenset(w for p in event.people for n in (p.name, *p.aliases) for w in self.normalise(n))
        start = event.starts_at
        own = " ".join((event.name, event.place, f"{start:%A %B %Y} {start.day}", *event.vocabulary.context))
        # The event's own words, folded ("Danube Gate Bridge" is one term) and one by one ("Danube").
        self.context = frozenset((*self.terms(own + " " + " ".join(self.language.event_words)),
                                  *(stem(w) for w in self.normalise(own) if w not in self.language.stopwords)))

    # Reading text -----------------------------------------------------------------------------

    def normalise(self, text: str) -> list[str]:
        """Lower-case words with shorthand and contractions spelt out."""
        text = plain_latin(unicodedata.normalize("NFKC", text).translate(_QUOTES))  # full-width letters, ligatures
        text = _YEAR_RANGE.sub(_years, text)  # "2018-19" is "2018 and 2019"
        text = _MAGNITUDE.sub(lambda m: _MAGNITUDES[m[1].casefold()], _THOUSANDS.sub("", text))
        if any(ch.islower() for ch in text):  # in SHOUTED TEXT "US" is just "us"
            text = self._abbreviation.sub(lambda m: " " + self.language.abbreviations[m[1]] + " ", text)
        words: list[str] = []
        for token in _TOKEN.findall(text.casefold()):
            language = self.language
            if token in language.determined_nouns and words and words[-1] in _DETERMINERS:
                token = language.determined_nouns[token]
            if token in language.contractions:
                expanded = language.contractions[token]
            elif token in language.shorthand:
                expanded = language.shorthand[token]
            else:
                expanded = token.removesuffix("'s")
            words.extend(expanded.replace("'", " ").split())
        return words

    def terms(self, text: str) -> list[str]:
        return list(self.fold(self.normalise(text)))

    def fold(self, words: list[str]) -> Iterator[str]:
        """The searchable terms of normalised words: phrases folded, function and filler words dropped."""
        stems = [stem(w) for w in words]
        i = 0
        while i < len(words):
            for size in self._phrase_sizes.get(stems[i], ()):
                term = self._phrases.get(tuple(stems[i:i + size]))
                if term is not None:
                    if term not in self._dropped:
                        yield term
                    i += size
                    break
            else:
                word = words[i]
                if word not in self.language.stopwords and word not in self.language.fillers:
                    term = self._single.get(stems[i], stems[i])
                    if term == stems[i] or term not in self._dropped:  # "compared" may mean "versus"
                        yield term
                i += 1

    def whole_name(self, term: str) -> str | None:
        """The term of the one event phrase that a lone word of it stands for: "the coalition" for the
        "Green Danube Coalition", once the phrase is folded into its meaning."""
        found = self._name_parts.get(term)
        return found if term not in self._dropped else None

    def is_filler(self, word: str) -> bool:
        return word in self.language.fillers or word in self.language.stopwords

    # Typo correction --------------------------------------------------------------------------

    def learn(self, texts: Iterable[list[str]]) -> None:
        """Records the content's (normalised) words, the ones a misspelt word may be corrected to."""
        for words in texts:
            self._known.update(w for w in words if w.isalpha())
        self._known.update(self.language.words())
        for name in (*self.world.country_names, *self.world.region_names):
            self._known.update(name.split())
        self._known_stems = tuple(sorted({stem(w) for w in self._known}))
        # Known words by first letter and length: a typo's candidates are the few words that share
        # both (within a slip or two), compared in C by rapidfuzz, with no index of misspellings.
        buckets: dict[tuple[str, int], list[str]] = {}
        for word in self._known:
            buckets.setdefault((word[:1], len(word)), []).append(word)
        self._buckets = {key: tuple(words) for key, words in buckets.items()}

    def known_words(self) -> Counter[str]:
        """The words typo correction knows, with how often the content uses them."""
        return Counter(self._known)

    def forget_corrections(self) -> None:
        """Empties the typo cache (the benchmark's worst case pays for every correction)."""
        self._corrections.clear()

    def correct(self, words: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """The words with misspellings of known words fixed, and the (typed, meant) pairs."""
        fixed: list[str] = []
        corrections: list[tuple[str, str]] = []
        budget = MAX_CORRECTIONS
        for word in self._joined(words, corrections):
            # A form of a known word is no typo: "send" is a form of "sending", not "spend".
            if (budget and word.isalpha() and 4 <= len(word) <= 24 and word not in self._known
                    and sorted_place(self._known_stems, stem(word)) is None):
                budget -= 1
                if word not in self._corrections:
                    if len(self._corrections) >= MAX_REMEMBERED:
                        self._corrections.clear()
                    self._corrections[word] = self._closest(word)
                meant = self._corrections[word]
                if meant is not None:
                    corrections.append((word, meant))
                    word = meant
            fixed.append(word)
        return fixed, corrections

    def _joined(self, words: list[str], corrections: list[tuple[str, str]]) -> list[str]:
        """The words with a known word typed in two pieces put back together ("Xi Jin Ping", "Pyong
        yang"), where a piece is no word the content knows."""
        joined: list[str] = []
        i = 0
        while i < len(words):
            pair = words[i:i + 2]
            whole = "".join(pair)
            if len(pair) == 2 and whole in self._known and whole.isalpha() and not all(w in self._known for w in pair):
                corrections.append((" ".join(pair), whole))
                joined.append(whole)
                i += 2
            else:
                joined.append(words[i])
                i += 1
        return joined

    def _closest(self, word: str) -> str | None:
        """The known word one slip away (two for words of eight letters or more), most used first.

        A slip in a shorter word is two letters swapped or one letter missing or extra ("whne",
        "forein", "puttin"), and a four-letter word is never shortened; its first letter always
        matches. A changed letter is not a slip there, except a vowel in a person's name ("jung" for
        "jong"): without these rules, real words the content lacks turn into words it has ("tanks" into
        "talks", "wear" into "war", "till" into "will")."""
        limit = 1 if len(word) < 8 else 2
        scored = [(distance, -self._known[c], c)
                  for size in range(len(word) - limit, len(word) + limit + 1)
                  for c, distance, _ in process.extract(word, self._buckets.get((word[0], size), ()), limit=None,
                                                        scorer=OSA.distance, score_cutoff=limit)
                  if (_slip(word, c) or (c in self._name_words and _changed_vowel(word, c)))
                  # A real word is not turned into a function word ("tanks" into "thanks"); "whta" is,
                  # and so is a question's own word that lacks its last letter ("wher", "goin"; but
                  # "thin" is no "thing").
                  and (sorted(c) == sorted(word) or not self.is_filler(c)
                       or (c[:-1] == word and c in self.language.question_words))]
        best = min((s for s in scored if s[0] <= limit), default=None)
        return best[2] if best else None

    # Building ---------------------------------------------------------------------------------

    def _synonym_groups(self) -> Iterator[tuple[str, ...]]:
        yield from self.language.synonyms
        for names in (self.world.country_names, self.world.region_names):
            groups: dict[str, list[str]] = {}
            for name, place in names.items():
                groups.setdefault(place, []).append(name)
            for place, aliases in groups.items():
                yield (place.casefold(), *aliases)

    def _add_group(self, group: tuple[str, ...], *, own: bool = False) -> None:
        """One meaning for every word of `group`, searched as its first word's meaning.

        A shipped group whose first word already has a meaning joins it, and a shipped word keeps its
        first meaning. An event's `own` group is a meaning of its own that takes its words over for
        that event ("opening" is the bridge's opening there, not an opportunity; "title" is "general
        secretary"); where its first word is a country ("russia"), that is the same meaning."""
        head = self._surface_stems(group[0])
        if not head:
            return
        known = None if own else self._phrases.get(head) if len(head) > 1 else self._single.get(head[0])
        canonical = known or "_".join(head)
        for member in group:
            stems = self._surface_stems(member)
            if len(stems) > 1:
                if own or stems not in self._phrases:
                    self._add_phrase(stems, canonical)
            elif stems and (own or stems[0] not in self._single):
                self._single[stems[0]] = canonical

    def _add_name_parts(self, group: list[str]) -> None:
        """Each word of the group's phrases stands for the phrase's meaning where it has none of its own
        ("the coalition"); a word in phrases of two meanings stands for neither. People are matched by
        name elsewhere ("Kim" may be Kim Yo Jong)."""
        for member in group:
            stems = self._surface_stems(member.casefold())
            meaning = self._phrases.get(stems) if len(stems) > 1 else None
            for part in stems if meaning else ():
                self._name_parts[part] = meaning if self._name_parts.get(part, meaning) == meaning else None

    def _add_phrase(self, stems: tuple[str, ...], term: str) -> None:
        self._phrases[stems] = term
        sizes = {*self._phrase_sizes.get(stems[0], ()), len(stems)}
        self._phrase_sizes[stems[0]] = tuple(sorted(sizes, reverse=True))  # longest match first

    def _surface_stems(self, text: str) -> tuple[str, ...]:
        return tuple(stem(w) for w in self.normalise(text))[:MAX_PHRASE]


def _years(match: re.Match[str]) -> str:
    if match[1]:  # "2018-9"
        return f"{match[1]}{match[2]} and {match[1]}{match[3]}"
    return f"{match[4]}{match[5]} and {match[4]}{match[6]}"


def _changed_vowel(typed: str, known: str) -> bool:
    changed = [(a, b) for a, b in zip(typed, known, strict=False) if a != b]
    return len(typed) == len(known) and len(changed) == 1 and all(ch in "aeiouy" for ch in changed[0])


def _slip(typed: str, known: str) -> bool:
    if len(typed) >= 8:
        return True
    if sorted(typed) == sorted(known):
        return True  # two letters swapped
    grown = len(known) - len(typed)
    return grown == 1 or (grown == -1 and len(typed) > 4)


