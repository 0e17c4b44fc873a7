"""Free-text retrieval: Okapi BM25 over stemmed terms, with typo correction against the vocabulary.

Built once per content load; a query touches only in-memory dicts. BM25 scores are not comparable
across queries, so confidence is judged separately, by how much of the query's information (IDF
mass) the best document actually covers: a question about something the content never mentions
leaves most of its rare words unmatched, however well its common words score.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# Snowball stemmers keep state while stemming: one per thread, since reloads index off the event loop.
_stemmers = threading.local()

# Function words and question scaffolding. "when", "where" and "why" stay: they carry intent.
STOPWORDS = frozenset(
    """a an the and or but of to in on at by for with from as is are was were be been being am do does
    did doing has have had having it its this that these those there their they them he him his she her
    i me my we our us you your what which who whom whose how about into over than then so if not no
    can could will would should shall may might must just also any some all very more most such only
    tell know say said please go goes going went gone get gets got happen happens happened think thinks
    want wants like really thing things anything something way let make made take takes took many much""".split()
)

K1 = 1.5
B = 0.75
FUZZY_CUTOFF = 88.0  # rapidfuzz ratio (0-100) a misspelt word must reach to count as a known one
CONFIDENCE = 0.45  # share of the query's IDF mass the best hit must cover


def terms(text: str) -> list[str]:
    words = (w.removesuffix("'s") for w in _WORD.findall(text.casefold()))
    return [_stem(w) for w in words if w not in STOPWORDS]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # Content repeats its words many times over; stemming each distinct word once made indexing 10,000
    # facts about 50 times faster (see bench/RESULTS.md).
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)


@dataclass(frozen=True, slots=True)
class Hit:
    key: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: tuple[Hit, ...]
    coverage: float  # share of the query's IDF mass that the top hit matches
    corrections: tuple[tuple[str, str], ...]  # (typed, understood as) stems

    @property
    def confident(self) -> bool:
        return bool(self.hits) and self.coverage >= CONFIDENCE


class BM25Index:
    """An immutable BM25 index over (key, text) documents."""

    def __init__(self, documents: Iterable[tuple[str, str]]) -> None:
        keys: list[str] = []
        lengths: list[int] = []
        # Per term, the documents holding it and how often: two compact arrays rather than a tuple per
        # (document, count) pair, which took half the memory of a 10,000-fact store.
        postings: dict[str, tuple[array[int], array[int]]] = {}
        for doc, (key, text) in enumerate(documents):
            counts = Counter(terms(text))
            keys.append(key)
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                docs, tfs = postings.setdefault(term, (array("I"), array("I")))
                docs.append(doc)
                tfs.append(tf)
        n = len(keys)
        self._keys = tuple(keys)
        self._lengths = array("I", lengths)
        self._avg_length = (sum(lengths) / n) if n else 0.0
        self._postings = postings
        self._idf = {t: math.log(1 + (n - len(d) + 0.5) / (len(d) + 0.5)) for t, (d, _) in postings.items()}
        # A word the content never uses weighs as much as one used in a single document.
        self._unknown_idf = math.log(1 + (n - 0.5) / 1.5) if n else 1.0
        self._vocabulary = tuple(sorted(postings))
        self._correct = lru_cache(maxsize=4096)(self._closest_term)

    def __len__(self) -> int:
        return len(self._keys)

    def search(self, query: str, limit: int = 5) -> SearchResult:
        weights: dict[str, float] = {}  # query term -> weight (1.0, or the fuzzy similarity)
        information = 0.0
        corrections: list[tuple[str, str]] = []
        for term in dict.fromkeys(terms(query)):
            if term in self._idf:
                weights[term] = 1.0
                information += self._idf[term]
                continue
            corrected = self._correct(term)
            if corrected is None:
                information += self._unknown_idf
                continue
            known, similarity = corrected
            corrections.append((term, known))
            weights[known] = max(weights.get(known, 0.0), similarity)
            information += self._idf[known]

        scores: dict[int, float] = {}
        matched: dict[int, float] = {}  # doc -> IDF mass of the query terms it contains
        for term, weight in weights.items():
            idf = self._idf[term]
            for doc, tf in zip(*self._postings[term], strict=True):
                norm = K1 * (1 - B + B * self._lengths[doc] / self._avg_length)
                scores[doc] = scores.get(doc, 0.0) + weight * idf * tf * (K1 + 1) / (tf + norm)
                matched[doc] = matched.get(doc, 0.0) + weight * idf
        ranked = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
        hits = tuple(Hit(self._keys[doc], score) for doc, score in ranked)
        coverage = matched[ranked[0][0]] / information if ranked and information else 0.0
        return SearchResult(hits, coverage, tuple(corrections))

    def _closest_term(self, term: str) -> tuple[str, float] | None:
        if len(term) < 4:  # short words have too many near neighbours to guess safely
            return None
        match = process.extractOne(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return (match[0], match[1] / 100) if match else None
