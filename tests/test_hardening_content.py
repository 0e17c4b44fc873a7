"""Fuzzed content files: random mutations of the seed YAML either load or are refused with the file and a
line; a refused reload never changes live content; YAML tags that would build Python objects are refused."""

from __future__ import annotations

import random

from conftest import SEED

from bot.commands import Dispatcher
from bot.loading import ContentError, parse_event
from bot.reload import ContentReloader
from bot.store import FactStore

SEED_TEXT = SEED.read_text(encoding="utf-8")
TOKENS = [":", "- ", "[", "]", "{", "}", "'", '"', "#", "&anchor", "*alias", "!!python/object/apply:os.system ['id']",
          "!!binary xyz", "\t", "\x00", "?", "|", ">", "%YAML 1.1", "---", "...", "0x1F", "null", "~", "2025-13-45"]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    match rng.randrange(8):
        case 0:
            del lines[i]
        case 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        case 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        case 3:
            lines[i] = " " * rng.randrange(0, 7) + lines[i].lstrip()
        case 4:
            pos = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + rng.choice(TOKENS) + lines[i][pos:]
        case 5:
            if ":" in lines[i]:
                key = lines[i].split(":", 1)[0]
                lines[i] = f"{key}: {rng.choice(TOKENS)}"
        case 6:
            return "\n".join(lines)[: rng.randrange(len(text))]
        case _:
            pos = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:pos] + chr(rng.randrange(0x20, 0x2FFF)) + lines[i][pos:]
    return "\n".join(lines)


def test_mutated_content_loads_or_is_refused_with_file_and_line(capsys):
    rng = random.Random(2025)
    loaded = refused = without_line = 0
    other: list[str] = []
    for n in range(400):
        text = SEED_TEXT
        for _ in range(rng.randrange(1, 4)):
            text = mutate(text, rng)
        try:
            parse_event(text, origin="mutant.yaml")
            loaded += 1
        except ContentError as exc:
            refused += 1
            assert str(exc).startswith("mutant.yaml")
            if exc.line is None:
                without_line += 1
        except Exception as exc:  # anything else is a finding
            other.append(f"#{n}: {exc.__class__.__name__}: {exc}")
    with capsys.disabled():
        print(f"\nfuzzed content: 400 mutants, {loaded} loaded, {refused} refused "
              f"({without_line} without a line), {len(other)} other errors")
    assert other == [] and without_line == 0 and refused > 100


async def test_refused_reloads_never_change_live_content(tmp_path, clock):
    path = tmp_path / "event.yaml"
    path.write_text(SEED_TEXT, encoding="utf-8")
    dispatcher = Dispatcher(FactStore(parse_event(SEED_TEXT)), clock=clock)
    reloader = ContentReloader(dispatcher.content, path)
    rng = random.Random(7)
    refused = 0
    for _ in range(60):
        live = dispatcher.store
        path.write_text(mutate(mutate(SEED_TEXT, rng), rng), encoding="utf-8")
        outcome = await reloader.reload("fuzz")
        if not outcome.ok:
            refused += 1
            assert dispatcher.store is live
            # a file that does not parse says where; one that parses but would, say, remove most facts
            # waits for `reload force` and says what it would do
            assert outcome.error is not None
            assert outcome.error.line is not None or (outcome.diff is not None and outcome.diff.risks())
        path.write_text(SEED_TEXT, encoding="utf-8")
        await reloader.reload("restore")
    assert refused > 10


def test_python_object_tags_are_refused_everywhere_in_the_file():
    payloads = ["!!python/object/apply:os.system ['id']", "!!python/object/new:subprocess.Popen [['id']]",
                "!!python/name:os.system", "!!python/module:os"]
    for payload in payloads:
        for anchor in ("place: Beijing, China", "  - id: kim-attends", "    outlet: Associated Press (AP Brief)"):
            key = anchor.split(":")[0]
            text = SEED_TEXT.replace(anchor, f"{key}: {payload}", 1)
            try:
                parse_event(text, origin="tagged.yaml")
            except ContentError as exc:
                assert exc.line is not None
            else:
                raise AssertionError(f"{payload} at {anchor} was accepted")
