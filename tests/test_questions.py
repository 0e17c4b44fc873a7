"""The question set: paraphrased questions the articles answer, and questions they cannot."""

from __future__ import annotations

import yaml
from conftest import DATA

QUESTIONS = yaml.safe_load((DATA / "questions.yaml").read_text(encoding="utf-8"))


def test_question_set_accuracy(seed_store, capsys):
    answerable = QUESTIONS["answerable"]
    unanswerable = QUESTIONS["unanswerable"]
    assert len(answerable) >= 30 and len(unanswerable) >= 8

    wrong = []
    for item in answerable:
        answer = seed_store.ask(item["q"])
        top = answer.entries[0].key if answer.entries else None
        if not (answer.confident and top in item["expect"]):
            wrong.append((item["q"], top, round(answer.result.coverage, 2)))
    false_answers = [q for q in unanswerable if seed_store.ask(q).confident]

    right = len(answerable) - len(wrong)
    refused = len(unanswerable) - len(false_answers)
    with capsys.disabled():
        print(f"\nquestion set: answerable {right}/{len(answerable)} correct top answer; "
              f"unanswerable {refused}/{len(unanswerable)} refused")
        for miss in wrong:
            print("  missed:", miss)
        for q in false_answers:
            print("  answered but should not:", q)
    assert right / len(answerable) >= 0.85
    assert refused / len(unanswerable) >= 0.85
