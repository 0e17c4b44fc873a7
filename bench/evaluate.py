"""`make eval`: how well `ask` answers the project's question sets, and how often it is confidently wrong.

Each set is a content file and a YAML list of questions written from that event's source articles:
`answerable` ones with the entry keys that count as a right answer (`expect`, or `parts` for a
multi-part question), and `unanswerable` ones, where declining is the right answer.

    python -m bench.evaluate            # every set, a summary line each
    python -m bench.evaluate --misses   # and every question not answered right
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.loading import load_event
from bot.store import FactStore

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "parade": (ROOT / "seeds" / "parade.yaml", ROOT / "tests" / "data" / "parade_eval.yaml"),
    # Written by another session from the articles alone; its first run prompted fixes, so it is no
    # longer held out, but it was never used to choose any rule before that run.
    "parade, second writer": (ROOT / "seeds" / "parade.yaml",
                              ROOT / "tests" / "data" / "parade_eval_second_writer.yaml"),
    "second event": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                     ROOT / "tests" / "data" / "second_event" / "questions.yaml"),
    # Written by a third session the same way, for both events; first run recorded in each file.
    "parade, third writer": (ROOT / "seeds" / "parade.yaml", ROOT / "tests" / "data" / "parade_eval_third_writer.yaml"),
    "second event, third writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                   ROOT / "tests" / "data" / "second_event" / "questions_third_writer.yaml"),
    # And a fourth, written after every rule above was in place: its first run is the honest figure.
    "parade, fourth writer": (ROOT / "seeds" / "parade.yaml",
                              ROOT / "tests" / "data" / "parade_eval_fourth_writer.yaml"),
    "second event, fourth writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                    ROOT / "tests" / "data" / "second_event" / "questions_fourth_writer.yaml"),
    # And a fifth, written after a later session's rules were in place; its first run is recorded too.
    "parade, fifth writer": (ROOT / "seeds" / "parade.yaml", ROOT / "tests" / "data" / "parade_eval_fifth_writer.yaml"),
    "second event, fifth writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                   ROOT / "tests" / "data" / "second_event" / "questions_fifth_writer.yaml"),
    # And a sixth, written the same way in a later session; its first run is recorded in each file.
    "parade, sixth writer": (ROOT / "seeds" / "parade.yaml", ROOT / "tests" / "data" / "parade_eval_sixth_writer.yaml"),
    "second event, sixth writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                   ROOT / "tests" / "data" / "second_event" / "questions_sixth_writer.yaml"),
    # And a seventh, written in a later session still; its first run is recorded in each file.
    "parade, seventh writer": (ROOT / "seeds" / "parade.yaml",
                               ROOT / "tests" / "data" / "parade_eval_seventh_writer.yaml"),
    "second event, seventh writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                     ROOT / "tests" / "data" / "second_event" / "questions_seventh_writer.yaml"),
    # And an eighth, written the same way in a later session; its first run is recorded in each file.
    "parade, eighth writer": (ROOT / "seeds" / "parade.yaml",
                              ROOT / "tests" / "data" / "parade_eval_eighth_writer.yaml"),
    "second event, eighth writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                    ROOT / "tests" / "data" / "second_event" / "questions_eighth_writer.yaml"),
    # And a ninth, written after the eighth's fixes; its first run is recorded in each file.
    "parade, ninth writer": (ROOT / "seeds" / "parade.yaml",
                             ROOT / "tests" / "data" / "parade_eval_ninth_writer.yaml"),
    "second event, ninth writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                   ROOT / "tests" / "data" / "second_event" / "questions_ninth_writer.yaml"),
    # And a tenth, written while the ninth's fixes were landing; its first run is recorded in each file.
    "parade, tenth writer": (ROOT / "seeds" / "parade.yaml",
                             ROOT / "tests" / "data" / "parade_eval_tenth_writer.yaml"),
    "second event, tenth writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                   ROOT / "tests" / "data" / "second_event" / "questions_tenth_writer.yaml"),
    # And an eleventh, written once this session's fixes were in; its first run is recorded in each file.
    "parade, eleventh writer": (ROOT / "seeds" / "parade.yaml",
                                ROOT / "tests" / "data" / "parade_eval_eleventh_writer.yaml"),
    "second event, eleventh writer": (ROOT / "tests" / "data" / "second_event" / "event.yaml",
                                      ROOT / "tests" / "data" / "second_event" / "questions_eleventh_writer.yaml"),
}


@dataclass
class Score:
    name: str
    right: int = 0
    confidently_wrong: int = 0
    declined: int = 0  # answerable questions declined: not right, but not wrong either
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def line(self) -> str:
        return (f"{self.name}: {self.right}/{self.total} right ({self.accuracy:.1%}), "
                f"{self.confidently_wrong} confidently wrong, {self.declined} answerable declined")


def expected_parts(item: dict[str, object]) -> list[list[str]]:
    parts = item.get("parts")
    return [list(p) for p in parts] if isinstance(parts, list) else [list(item["expect"])]  # type: ignore[call-overload]


def answers_each_part(got: list[str | None], wanted: list[list[str]]) -> bool:
    """Whether each sub-question got a right answer and no answer is wrong. One entry may answer two
    sub-questions ("what will they show and is Xi giving a speech"): the reply shows it once, and a
    part that repeats an earlier part's answer says "See above.", so it is no answer of its own; or
    the question is read as one part that such an entry answers whole; or one question is read as
    several parts, each answered by an entry that answers the whole."""
    if len(got) == len(wanted):
        return all(g in w for g, w in zip(got, wanted, strict=True))
    if len(got) == 1 and got[0] is not None:  # "malaysia & indonesia -- leaders going?": one list names both
        return all(got[0] in w for w in wanted)
    if len(wanted) == 1:  # "is Kim going?? is that confirmed": read as two parts, each answered right
        return all(g in wanted[0] for g in got)
    shown = list(dict.fromkeys(got))
    return (len(shown) < len(got) and all(any(g in w for g in shown) for w in wanted)
            and all(any(g in w for w in wanted) for g in shown))


def evaluate(store: FactStore, questions: dict[str, list[dict[str, object]]], name: str) -> Score:
    score = Score(name)
    for item in questions["answerable"]:
        score.total += 1
        answer = store.ask(str(item["q"]))
        wanted = expected_parts(item)
        got = [p.statements[0].key if p.statements else None for p in answer.parts]
        if not answer.confident:
            score.declined += 1
            score.misses.append(f"declined  {item['q']!r}: {answer.intent}, {answer.reason}")
        elif answers_each_part(got, wanted):
            score.right += 1
        else:
            score.confidently_wrong += 1
            score.misses.append(f"WRONG     {item['q']!r}: {answer.intent}, gave {got}, expected {wanted}")
    for item in questions["unanswerable"]:
        score.total += 1
        answer = store.ask(str(item["q"]))
        if answer.confident:
            score.confidently_wrong += 1
            score.misses.append(f"WRONG     {item['q']!r}: {answer.intent}, answered {list(answer.keys)}"
                                f" ({item.get('why', '')})")
        else:
            score.right += 1
    return score


def run_sets() -> list[Score]:
    scores = []
    for name, (content, questions) in SETS.items():
        store = FactStore(load_event(content))
        scores.append(evaluate(store, yaml.safe_load(questions.read_text(encoding="utf-8")), name))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every question not answered right")
    args = parser.parse_args(argv)
    for score in run_sets():
        print(score.line())
        if args.misses:
            for miss in score.misses:
                print("   ", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
