"""The project's question sets (bench/evaluate.py, `make eval`), held to floors a little below what
`make eval` reaches, so a change that makes answers worse fails here."""

from __future__ import annotations

import pytest
import yaml

from bench.evaluate import SETS, evaluate
from bot.loading import load_event
from bot.store import FactStore

# name: (least share right, most confidently wrong, least answerable, least unanswerable)
FLOORS = {"parade": (0.885, 5, 200, 60), "second event": (0.87, 1, 50, 20)}


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
