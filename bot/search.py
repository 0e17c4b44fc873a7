"""Free-text retrieval: Okapi BM25 over the lexicon's terms, with two filters that decide what may answer.

A document answers only if it holds every required term of the question (each term may have
alternatives, e.g. a typo's correction), and only if it can give the kind of answer asked for (a
number for "how many", a date for "when"). Ranking is BM25 among the documents that pass. Scores sit
in NumPy arrays with each posting's BM25 weight computed once at build time, so a query costs a few
vector operations per term, however many documents hold a common word.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

K1 = 1.5
B = 0.75
WEAK_WEIGHT = 0.3
SPEAKER = "!"  # marks who speaks in a document: a quote's speaker, or who a statement opens with
FUTURE = "future"  # the weak term on entries about what is to come (bot/data/english.yaml `future`)
WEAK = "~"  # a document term marked weak (its topic's words) ranks it but never makes it answer


@dataclass(frozen=True, slots=True)
class Hit:
    key: str
    score: float


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
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
        average = float(lengths.mean()) if n else 1.0
        norms = K1 * (1 - B + B * lengths / max(average, 1e-9))
        by_term: dict[str, tuple[list[int], list[int]]] = {}
        for doc, c in enumerate(counts):
            for term, tf in c.items():
                docs, tfs = by_term.setdefault(term, ([], []))
                docs.append(doc)
                tfs.append(tf)
        # Every posting list in two flat arrays, a term's slice found by its number: one small array
        # per term cost 13 MiB of array headers at 10,000 facts.
        self._terms: dict[str, int] = {}
        self._weak: dict[str, int] = {}
        starts, all_docs, all_weights = [0], [], []
        for number, (term, (docs, tfs)) in enumerate(by_term.items()):
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            scale = WEAK_WEIGHT if term.startswith(WEAK) else 1.0
            all_docs.extend(docs)
            all_weights.extend(scale * idf * tf * (K1 + 1) / (tf + float(norms[doc])) for doc, tf in zip(docs, tfs,
                                                                                                     strict=True))
            starts.append(len(all_docs))
            if term.startswith(WEAK):
                self._weak[term[len(WEAK):]] = number
            else:
                self._terms[term] = number
        self._starts = np.array(starts, dtype=np.int64)
        self._docs = np.array(all_docs, dtype=np.int32)
        self._weights = np.array(all_weights, dtype=np.float32)
        self._keys = tuple(keys)
        self._masks = np.array(masks, dtype=np.uint32)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, term: str) -> bool:
        return term in self._terms

    def _posting(self, number: int | None) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]] | None:
        if number is None:
            return None
        start, end = self._starts[number], self._starts[number + 1]
        return self._docs[start:end], self._weights[start:end]

    def search(self, required: Sequence[Iterable[str]], optional: Iterable[str] = (), types: int = 0,
               limit: int = 3) -> tuple[Hit, ...]:
        """The best documents holding every required group (any one of its terms), of the given types."""
        n = len(self._keys)
        if not n:
            return ()
        scores = np.zeros(n, dtype=np.float32)
        allowed = (self._masks & types) != 0 if types else np.ones(n, dtype=bool)
        for group in required:
            present = np.zeros(n, dtype=bool)
            for term in group:
                posting = self._posting(self._terms.get(term))
                if posting is not None:
                    present[posting[0]] = True
                    scores[posting[0]] += posting[1]
                weak = self._posting(self._weak.get(term))
                if weak is not None:
                    scores[weak[0]] += weak[1]
            allowed &= present
        for term in optional:
            for posting in (self._posting(self._terms.get(term)), self._posting(self._weak.get(term))):
                if posting is not None:
                    scores[posting[0]] += posting[1]
        candidates = np.flatnonzero(allowed)
        if len(candidates) > limit:  # keep every candidate tied with the last place, then sort
            cut = -np.partition(-scores[candidates], limit - 1)[limit - 1]
            candidates = candidates[scores[candidates] >= cut]
        # Best first; ties go to the document listed first in the content.
        ordered = sorted(candidates.tolist(), key=lambda doc: (-float(scores[doc]), doc))[:limit]
        return tuple(Hit(self._keys[doc], float(scores[doc])) for doc in ordered)
