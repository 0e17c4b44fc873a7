"""A large synthetic event for benchmarks: the seed's sources and people, plus N generated facts."""

from __future__ import annotations

import random

import yaml

from bot.loading import load_event

SYLLABLES = ["ka", "lo", "mi", "ren", "tor", "vex", "an", "qui", "zel", "pa", "do", "sun", "ber", "ith", "ul"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def large_event_yaml(seed_path: str, facts: int, *, seed: int = 7) -> str:
    """The seed event with `facts` generated facts in 50 topics, each citing the seed's sources."""
    rng = random.Random(seed)
    base = load_event(seed_path).model_dump(mode="json")
    words = vocabulary(rng, 20_000)
    people = [p["id"] for p in base["people"]]
    base["topics"] += [{"id": f"topic-{t}", "title": f"Generated topic {t}"} for t in range(50)]
    base["facts"] += [
        {
            "id": f"gen-{i}",
            "topic": f"topic-{i % 50}",
            "text": " ".join(rng.choice(words) for _ in range(rng.randint(12, 30))) + ".",
            "sources": [rng.choice(["ap", "wire"])],
            "people": rng.sample(people, k=rng.randint(0, 2)),
            "keywords": rng.sample(words, k=3),
        }
        for i in range(facts)
    ]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 100,000 facts in seconds, not minutes
    return yaml.dump(base, Dumper=dumper, sort_keys=False, allow_unicode=True)
