"""Free-text retrieval: Okapi BM25 over the lexicon's terms, with two filters that decide what may answer.

A document answers only if it holds every required term of the question (each term may have
alternatives, e.g. a typo's correction), and only if it can give the kind of answer asked for (a
number for "how many", a date for "when"). Ranking is BM25 among the documents that pass. Each
posting's BM25 weight is computed once at build time, and the postings sit in flat arrays (`array`,
not one Python object each). A query starts from its rarest required term and checks the others
against those few documents (a binary search in a common term's sorted posting list rather than a walk
through it), so its cost follows what its rarest term matches, not how many documents hold a common one.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

K1 = 1.5
B = 0.75
WEAK_WEIGHT = 0.3
SPEAKER = "!"  # marks who speaks in a document: a quote's speaker, or who a statement opens with
FUTURE = "future"  # the weak term on entries about what is to come (bot/data/english.yaml `future`)
# Words that ask about the reports themselves: the sources entry answers only a question with one of
# them or an outlet's name ("Kim to attend ..." in a headline is no answer to "has Kim attended ...").
SOURCE_WORDS = ("sources outlets articles article story stories reports reported news agency published "
                "headline title")
WEAK = "~"  # a document term marked weak (its topic's words) ranks it but never makes it answer


@dataclass(frozen=True, slots=True)
class Hit:
    key: str
    score: float


# A posting list is read whole when it is at most this many times longer than the documents still in
# the running, else each of those documents is looked up in it by binary search: reading costs about a
# tenth of a look-up per posting (measured here: 40 ns against 370).
WALK_RATIO = 8
Posting = tuple[int, int]  # a term's slice of the flat posting arrays: (start, end)


class BM25Index:
    """An immutable index over (key, terms, answer-type mask) documents. A term written `~word` is weak:
    it adds to the document's score for `word` but does not count as the document holding `word`."""

    def __init__(self, documents: Iterable[tuple[str, Sequence[str], int]]) -> None:
        keys: list[str] = []
        counts: list[Counter[str]] = []
        masks: list[int] = []
        for key, terms, mask in documents:
            keys.append(key)
            counts.append(Counter(terms))
            masks.append(mask)
        n = len(keys)
        lengths = [sum(c.values()) for c in counts]
        average = sum(lengths) / n if n else 1.0
        norms = [K1 * (1 - B + B * length / max(average, 1e-9)) for length in lengths]
        by_term: dict[str, tuple[list[int], list[int]]] = {}
        for doc, c in enumerate(counts):
            for term, tf in c.items():
                docs, tfs = by_term.setdefault(term, ([], []))
                docs.append(doc)
                tfs.append(tf)
        # Every posting list in two flat arrays, a term's slice found by its number (one list or array
        # per term would cost more in headers than the postings themselves); each slice is sorted by
        # document, as documents are numbered in order. A term's number is its place in the sorted terms
        # (then the sorted weak ones): found by binary search, with no dictionary and no number object
        # per term (2 MiB at 10,000 facts).
        ordered = sorted(by_term, key=lambda term: (term.startswith(WEAK), term))
        self._terms = tuple(term for term in ordered if not term.startswith(WEAK))
        self._weak = tuple(term[len(WEAK):] for term in ordered if term.startswith(WEAK))
        self._starts = array("q", [0])
        self._docs = array("i")
        self._weights = array("f")
        for term in ordered:
            docs, tfs = by_term[term]
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            scale = WEAK_WEIGHT if term.startswith(WEAK) else 1.0
            self._docs.extend(docs)
            self._weights.extend(scale * idf * tf * (K1 + 1) / (tf + norms[doc]) for doc, tf in zip(docs, tfs,
                                                                                                 strict=True))
            self._starts.append(len(self._docs))
        self._keys = tuple(keys)
        self._masks = array("I", masks)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, term: str) -> bool:
        return sorted_place(self._terms, term) is not None

    def _postings(self, term: str) -> tuple[Posting | None, Posting | None]:
        """The term's posting, and its weak one (the documents it adds to but does not qualify)."""
        number, weak = sorted_place(self._terms, term), sorted_place(self._weak, term)
        return self._posting(number), self._posting(None if weak is None else len(self._terms) + weak)

    def _posting(self, number: int | None) -> Posting | None:
        return None if number is None else (self._starts[number], self._starts[number + 1])

    def search(self, required: Sequence[Iterable[str]], optional: Iterable[str] = (), types: int = 0,
               limit: int = 3) -> tuple[Hit, ...]:
        """The best documents holding every required group (any one of its terms), of the given types."""
        if not self._keys:
            return ()
        groups: list[list[Posting]] = []
        scored: list[Posting] = []  # in the order their weights are added, for the same sums every time
        for group in required:
            held = []
            for term in group:
                posting, weak = self._postings(term)
                if posting is not None:
                    held.append(posting)
                scored.extend(p for p in (posting, weak) if p is not None)
            if not held:  # nothing holds this group: nothing can answer
                return ()
            groups.append(held)
        for term in optional:
            scored.extend(p for p in self._postings(term) if p is not None)
        candidates = self._holding_all(groups)
        if types:
            masks = self._masks
            candidates = {doc for doc in candidates if masks[doc] & types}
        if not candidates:
            return ()
        scores = dict.fromkeys(candidates, 0.0)
        for posting in scored:
            self._add_weights(posting, scores)
        if len(scores) > limit:  # keep every candidate tied with the last place, then sort
            cut = heapq.nlargest(limit, scores.values())[-1]
            scores = {doc: score for doc, score in scores.items() if score >= cut}
        # Best first; ties go to the document listed first in the content.
        best = sorted(scores, key=lambda doc: (-scores[doc], doc))[:limit]
        return tuple(Hit(self._keys[doc], scores[doc]) for doc in best)

    def _holding_all(self, groups: list[list[Posting]]) -> set[int]:
        """The documents that hold a term of every group: those of the rarest group, then narrowed."""
        if not groups:
            return set(range(len(self._keys)))
        groups = sorted(groups, key=_size)
        docs = self._docs
        candidates = set().union(*(docs[start:end] for start, end in groups[0]))
        for group in groups[1:]:
            if not candidates:
                break
            if _size(group) <= WALK_RATIO * len(candidates):
                candidates.intersection_update(set().union(*(docs[start:end] for start, end in group)))
            else:
                candidates = {doc for doc in candidates if any(self._find(doc, posting) >= 0 for posting in group)}
        return candidates

    def _add_weights(self, posting: Posting, scores: dict[int, float]) -> None:
        """Adds the posting's weights to the scores of the documents in `scores`."""
        start, end = posting
        docs, weights = self._docs, self._weights
        if end - start <= WALK_RATIO * len(scores):
            for doc, weight in zip(docs[start:end], weights[start:end], strict=True):
                if doc in scores:
                    scores[doc] += weight
        else:
            for doc in scores:
                at = self._find(doc, posting)
                if at >= 0:
                    scores[doc] += weights[at]

    def _find(self, doc: int, posting: Posting) -> int:
        """Where `doc` is in the posting list (sorted by document), or -1."""
        start, end = posting
        at = bisect_left(self._docs, doc, start, end)
        return at if at < end and self._docs[at] == doc else -1


def sorted_place(terms: tuple[str, ...], term: str) -> int | None:
    """Where `term` is in the sorted `terms`, or None: a sorted tuple takes an eighth of a set's memory."""
    at = bisect_left(terms, term)
    return at if at < len(terms) and terms[at] == term else None


def _size(group: list[Posting]) -> int:
    return sum(end - start for start, end in group)
