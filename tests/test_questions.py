"""The project's question sets (bench/evaluate.py, `make eval`), held to floors a little below what
`make eval` reaches, so a change that makes answers worse fails here."""

from __future__ import annotations

import pytest
import yaml

from bench.evaluate import SETS, answers_each_part, evaluate
from bot.loading import load_event
from bot.store import FactStore

# name: (least share right, most confidently wrong, least answerable, least unanswerable)
FLOORS = {"parade": (0.978, 0, 200, 60), "parade, second writer": (0.975, 0, 60, 30),
          "second event": (0.975, 0, 50, 20), "parade, third writer": (0.95, 0, 90, 55),
          "second event, third writer": (0.98, 0, 40, 25), "parade, fourth writer": (0.96, 0, 70, 45),
          "second event, fourth writer": (0.97, 0, 35, 22), "parade, fifth writer": (0.93, 0, 80, 30),
          "second event, fifth writer": (0.91, 0, 40, 12), "parade, sixth writer": (0.91, 0, 80, 40),
          "second event, sixth writer": (0.93, 1, 40, 20), "parade, seventh writer": (0.90, 0, 80, 40),
          "second event, seventh writer": (0.91, 0, 40, 20), "parade, eighth writer": (0.82, 0, 80, 40),
          "second event, eighth writer": (0.75, 0, 40, 20), "parade, ninth writer": (0.63, 0, 80, 40),
          "second event, ninth writer": (0.65, 0, 40, 20), "parade, tenth writer": (0.86, 3, 80, 40),
          "second event, tenth writer": (0.92, 0, 40, 20), "parade, eleventh writer": (0.72, 2, 55, 25),
          "second event, eleventh writer": (0.84, 0, 27, 13)}


@pytest.mark.parametrize("name", list(SETS))
def test_question_set(name, capsys):
    content, questions_file = SETS[name]
    questions = yaml.safe_load(questions_file.read_text(encoding="utf-8"))
    least_right, most_wrong, least_answerable, least_unanswerable = FLOORS[name]
    assert len(questions["answerable"]) >= least_answerable
    assert len(questions["unanswerable"]) >= least_unanswerable
    score = evaluate(FactStore(load_event(content)), questions, name)
    with capsys.disabled():
        print("\n" + score.line())
    assert score.accuracy >= least_right, score.misses
    assert score.confidently_wrong <= most_wrong, score.misses


# Greetings, frames and tags around a question that change nothing it asks.
_AROUND = [("hey bot, ", ""), ("hello parade bot: ", ""), ("quick question: ", ""), ("ok but ", ""),
           ("i was wondering ", ""), ("does anyone know ", ""), ("so ", " lol"), ("", ", any idea?"),
           ("", " tho"), ("", " pls"), ("", "??")]


@pytest.mark.parametrize("name", list(SETS))
def test_words_around_a_question_do_not_change_its_answer(name):
    """Every question of a set, wrapped in chat greetings and tags, gets the answer it gets bare (a
    greeting once hid the question word: "hey bot, were is the parade happening" got the occasion)."""
    content, questions_file = SETS[name]
    questions = yaml.safe_load(questions_file.read_text(encoding="utf-8"))
    store = FactStore(load_event(content))
    changed = []
    for item in [*questions["answerable"], *questions["unanswerable"]]:
        bare = str(item["q"]).rstrip("?")
        expected = store.ask(bare)
        for before, after in _AROUND:
            got = store.ask(before + bare + after)
            if (got.confident, got.keys[:1]) != (expected.confident, expected.keys[:1]):
                changed.append((before + bare + after, got.keys[:1], expected.keys[:1]))
    assert not changed


@pytest.mark.parametrize(("got", "wanted", "right"), [
    (["a", "b"], [["a"], ["b", "c"]], True),  # each part its own answer
    (["a", "c"], [["a"], ["b"]], False),  # one part wrong
    (["a"], [["a", "x"], ["a", "y"]], True),  # read as one part, which one entry answers whole
    (["a"], [["a"], ["b"]], False),  # ... but not where a part needs another entry
    ([None], [["a"], ["a"]], False),
    (["a", "x"], [["a", "x", "y"]], True),  # one question read as two parts, each answered right
    (["a", "z"], [["a", "x"]], False),  # ... but not where one of them is wrong
])
def test_how_a_multi_part_answer_is_scored(got, wanted, right):
    assert answers_each_part(got, wanted) is right
