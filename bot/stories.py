"""Stories: feed items grouped so that one story is one alert, however many outlets carry it.

An item already seen (by guid, link, or title and date) is dropped: an edited item or one whose guid
changed is not news. A new item joins a story from the last `window` hours when their texts are near
duplicates, else it starts one.

Near duplicates: word 3-shingles of title and summary, compared by Jaccard similarity. Syndicated
copy keeps whole sentences and changes headlines, so sentence-level overlap is what to measure; exact
Jaccard over shingles is cheap at this scale through an inverted index (only stories sharing a
shingle are compared), so MinHash's approximation buys nothing here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.feeds import FeedItem

COMMON = 50  # a shingle in more stories than this ("kim jong un will") finds no candidates by itself
SIMILAR = 0.15  # Jaccard of shingles at or above which two items are one story (measured: tests/test_stories.py)
SHINGLE = 3
_WORD = re.compile(r"\w+")


@dataclass
class Story:
    key: str  # the ledger key: "story:" + the first item's key, so every process derives the same one
    title: str
    summary: str
    published: dt.datetime
    items: list[FeedItem] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(i.outlet for i in self.items))

    @property
    def links(self) -> list[str]:
        return list(dict.fromkeys(i.link for i in self.items if i.link))


def shingles(text: str) -> frozenset[int]:
    """The text's word 3-grams, as hashes: ints make the sets smaller and the set operations faster,
    and nothing outside this process ever sees them."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(map(hash, zip(words, words[1:], words[2:], strict=False)))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class StoryBook:
    """The recent stories and every item key seen, in memory; the database keeps them across restarts."""

    def __init__(self, window: dt.timedelta = dt.timedelta(hours=6)) -> None:
        self.window = window
        self.stories: dict[str, Story] = {}
        self._seen: set[str] = set()  # item keys, title-and-date keys, links
        self._shingles: dict[str, list[frozenset[int]]] = defaultdict(list)  # story key -> each item's shingles
        # shingle -> the story key that has it, or a set once several do (up to COMMON + 1): most shingles
        # belong to one story, and a set for each would cost most of the time and memory here
        self._index: dict[int, str | set[str]] = {}

    def seen(self, item: FeedItem) -> bool:
        return bool({item.key, item.title_date_key, item.link or item.key} & self._seen)

    def add(self, item: FeedItem) -> tuple[Story, bool] | None:
        """The story the item belongs to and whether it is new; None for an item already seen."""
        if self.seen(item):
            return None
        self._remember(item)
        own = shingles(f"{item.title} {item.summary}")
        story = self._similar(item, own)
        if story is not None:
            story.items.append(item)
            self._index_story(story.key, own)
            return story, False
        story = Story("story:" + item.key.split(":")[-1], item.title, item.summary, item.published, [item])
        self.stories[story.key] = story
        self._index_story(story.key, own)
        return story, True

    def learn(self, recorded: Iterable[tuple[str, FeedItem]]) -> int:
        """Items with the story they joined, as recorded in the database (at start, or by another
        process since): each joins that story, made here if new. How many were new here."""
        learned = 0
        for key, item in recorded:
            if self.seen(item):
                continue
            self._remember(item)
            story = self.stories.get(key)
            if story is None:
                story = self.stories[key] = Story(key, item.title, item.summary, item.published)
            story.items.append(item)
            self._index_story(key, shingles(f"{item.title} {item.summary}"))
            learned += 1
        return learned

    def latest(self, limit: int) -> list[Story]:
        return sorted(self.stories.values(), key=lambda s: s.published, reverse=True)[:limit]

    def _similar(self, item: FeedItem, own: frozenset[int]) -> Story | None:
        # Candidates share a shingle that is not common to many stories: the phrases every report of the
        # event uses would make every story a candidate, and the search quadratic. A story that shares
        # only common phrases is below the threshold anyway.
        candidates: set[str] = set()
        index = self._index
        for shingle in own:
            holders = index.get(shingle)
            if holders is None:
                continue
            if isinstance(holders, str):
                candidates.add(holders)
            elif len(holders) <= COMMON:
                candidates |= holders
        best, score = None, SIMILAR
        for key in candidates:
            story = self.stories[key]
            if abs(story.published - item.published) > self.window:
                continue
            similarity = max(jaccard(own, theirs) for theirs in self._shingles[key])
            if similarity >= score:
                best, score = story, similarity
        return best

    def _remember(self, item: FeedItem) -> None:
        self._seen |= {item.key, item.title_date_key} | ({item.link} if item.link else set())

    def _index_story(self, key: str, own: frozenset[int]) -> None:
        self._shingles[key].append(own)
        index = self._index
        for shingle in own:
            holders = index.setdefault(shingle, key)
            if isinstance(holders, str):
                if holders != key:
                    index[shingle] = {holders, key}
            elif len(holders) <= COMMON:  # past that it finds no candidates: no need to grow
                holders.add(key)
