"""Near-duplicate grouping, measured on the two source articles (one story, two outlets, different
headlines and leads, one shared quote) and on distinct stories about the same people and place."""

from __future__ import annotations

import datetime as dt

from test_feeds import AP_TEXT, AP_TITLE, WIRE_TEXT, WIRE_TITLE

from bot.feeds import FeedItem
from bot.stories import SIMILAR, StoryBook, jaccard, shingles

NOW = dt.datetime(2025, 8, 28, 12, 0, tzinfo=dt.UTC)
# Other stories of the same days, written the way wires write them: same people, same place, same openings.
DISTINCT = [
    ("Kim Jong Un arrives in Beijing by armoured train",
     "North Korean leader Kim Jong Un arrived in Beijing on Tuesday aboard his armoured train, state media said, "
     "a day before the military parade."),
    ("Putin and Xi hold talks before the parade",
     "Russian President Vladimir Putin held talks with Chinese President Xi Jinping in Beijing on Tuesday, "
     "discussing energy deals and the war in Ukraine."),
    ("China shows new missiles at the parade",
     "China displayed new intercontinental missiles and drones at the military parade in Beijing on Wednesday, "
     "as Xi Jinping warned of a choice between peace and war."),
    ("South Korea watches Kim's Beijing trip",
     "South Korea's government said it was closely watching North Korean leader Kim Jong Un's trip to Beijing "
     "and hoped it would lead to dialogue."),
]


def item(key: str, title: str, text: str, minutes: int = 0) -> FeedItem:
    return FeedItem(key, title, text, f"https://news.example/{key}", NOW + dt.timedelta(minutes=minutes), key, "u",
                    key + "-td")


def test_the_two_reports_of_one_story_group_and_distinct_stories_do_not(capsys):
    same = jaccard(shingles(f"{AP_TITLE} {AP_TEXT}"), shingles(f"{WIRE_TITLE} {WIRE_TEXT}"))
    pairs = [(a, b) for a in [(AP_TITLE, AP_TEXT), (WIRE_TITLE, WIRE_TEXT), *DISTINCT] for b in DISTINCT if a != b]
    different = max(jaccard(shingles(" ".join(a)), shingles(" ".join(b))) for a, b in pairs)
    with capsys.disabled():
        print(f"\nshingle Jaccard: same story, two outlets {same:.2f}; distinct stories at most {different:.2f}; "
              f"threshold {SIMILAR}")
    assert same >= SIMILAR > different

    book = StoryBook()
    first = book.add(item("ap", AP_TITLE, AP_TEXT))
    joined = book.add(item("wire", WIRE_TITLE, WIRE_TEXT, minutes=40))
    others = [book.add(item(f"d{n}", title, text, minutes=n)) for n, (title, text) in enumerate(DISTINCT)]
    assert first[1] and joined == (first[0], False) and all(new for _, new in others)
    late = book.add(item("wire-late", WIRE_TITLE, WIRE_TEXT + " Later.", minutes=7 * 60))  # outside 6 h
    assert late[1]
