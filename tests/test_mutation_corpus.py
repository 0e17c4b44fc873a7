"""At least 200 broken or hostile content files through start-up and reload in a real subprocess:
0 crashes, 0 files over 5 s, 0 changes to the live content from a file that is not valid, and every
refusal one line (README, "Updating content at runtime")."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import SEED

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("mutation_worker.py")
SEED_TEXT = SEED.read_text(encoding="utf-8")


def corpus(rng: random.Random) -> dict[str, bytes]:
    raw = SEED_TEXT.encode()
    lines = SEED_TEXT.splitlines(keepends=True)
    files: dict[str, bytes] = {}
    for n in range(60):
        files[f"truncated-{n}"] = raw[:rng.randrange(len(raw))]
    for n in range(40):
        flipped = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        files[f"flipped-{n}"] = bytes(flipped)
    for n in range(20):
        files[f"garbage-{n}"] = rng.randbytes(rng.randint(1, 5000)) + (b"\x00" if n % 2 else b"")
    values = [i for i, line in enumerate(lines) if ": " in line and not line.rstrip().endswith(":")]
    for n in range(20):
        i = rng.choice(values)
        key = lines[i].split(": ", 1)[0]
        wrong = rng.choice(["[1, 2]", "{a: 1}", "123456", "true", "null", "~", "''"])
        files[f"wrong-type-{n}"] = "".join([*lines[:i], f"{key}: {wrong}\n", *lines[i + 1:]]).encode()
    for n in range(10):
        files[f"missing-reference-{n}"] = SEED_TEXT.replace("sources: [ap]", f"sources: [gone{n}]", n + 1).encode()
    for n, depth in enumerate((65, 200, 1000, 25_000, 100_000)):
        files[f"deep-flow-{n}"] = f"facts: {'[' * depth}{']' * depth}\n".encode()
        files[f"deep-map-{n}"] = ("facts: " + "{a: " * depth + "1" + "}" * depth + "\n").encode()
    files["deep-block"] = "".join(" " * i + "- \n" for i in range(0, 2000, 2)).encode()
    for n in range(5):
        bomb = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}' if i else 'x'] * (9 + n))}]\n" for i in range(10))
        files[f"alias-bomb-{n}"] = (SEED_TEXT + bomb).encode()
    for n, size in enumerate((100_000, 1_000_000, 5_000_000, 11_000_000)):
        files[f"huge-scalar-{n}"] = SEED_TEXT.replace("summary: ", "summary: " + "x" * size + " ", 1).encode()
    for n in range(10):
        i = rng.choice(values)
        files[f"duplicate-key-{n}"] = "".join([*lines[:i + 1], lines[i], *lines[i + 1:]]).encode()
    for n, zone in enumerate(["localtime", "Factory", "posixrules", "posix/Asia/Shanghai", "right/UTC", "../etc/passwd",
                              "Asia/Peking", "", "UTC\x00", "A" * 300]):
        named = SEED_TEXT.replace("timezone: Asia/Shanghai", f"timezone: {json.dumps(zone)}", 1)
        files[f"timezone-{n}"] = named.encode()
    for n, start in enumerate(["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1969-12-31T23:59:59",
                               "2201-01-01T00:00:00", "1900-01-01T00:00:00", "2025-02-30T09:00:00",
                               "2025-09-03T25:00:00", "99999-01-01T00:00:00", "-1-01-01T00:00:00", "'now'"]):
        files[f"date-{n}"] = SEED_TEXT.replace("starts_at: 2025-09-03T09:00:00", f"starts_at: {start}", 1).encode()
    for n, tag in enumerate(["!!python/object/apply:os.system ['touch /tmp/pwned']", "!!python/name:os.system",
                             "!!python/object/new:subprocess.Popen [['true']]", "!!python/module:os",
                             "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!custom x",
                             "!!timestamp 2025-09-03", "!!float .inf"]):
        files[f"tag-{n}"] = SEED_TEXT.replace("place: ", f"place: {tag}\nplace_was: ", 1).encode()
    files["empty"] = b""
    files["bom-only"] = b"\xef\xbb\xbf"
    files["a-list"] = b"- 1\n- 2\n"
    files["invalid-utf8"] = raw[:500] + b"\xff\xfe\xfd" + raw[500:]
    files["renamed-id"] = SEED_TEXT.replace("id: beijing-parade-2025", "id: another-event", 1).encode()
    return files


def test_no_content_file_crashes_hangs_or_slips_in(tmp_path, capsys):
    files = corpus(random.Random(20250903))
    assert len(files) >= 200
    paths = []
    for name, data in files.items():
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(data)
        paths.append(str(path))
    run = subprocess.run([sys.executable, str(WORKER), str(SEED), *paths], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    results = [json.loads(line) for line in run.stdout.splitlines()]
    crashed = len(paths) - len(results)  # the worker stops at the first crash
    slow = [r["file"] for r in results if r["seconds"] > 5]
    slipped = [r["file"] for r in results if r["live_changed"] and not r["valid"]]
    multi_line = [r["file"] for r in results if not r["error_one_line"] or r["startup"] == "refused in several lines"]
    figures = {"files": len(paths), "crashes": crashed, "over_5_s": len(slow), "invalid_but_live": len(slipped),
               "errors_over_one_line": len(multi_line), "exit_code": run.returncode,
               "reloads": dict(Counter("accepted" if r["reload_ok"] else "refused" for r in results)),
               "slowest_s": max((r["seconds"] for r in results), default=0)}
    with capsys.disabled():
        print(f"\nmutation corpus: {json.dumps(figures)}")
    assert run.returncode == 0 and crashed == 0, run.stderr[-2000:]
    assert slow == [] and slipped == [] and multi_line == []


def test_a_hostile_file_at_start_up_is_exit_2_and_one_line(tmp_path):
    files = corpus(random.Random(20250903))
    chosen = ["deep-flow-3", "deep-map-4", "alias-bomb-0", "huge-scalar-3", "duplicate-key-0", "timezone-0",
              "date-0", "tag-0", "invalid-utf8", "garbage-1", "truncated-3"]
    outcomes = {}
    for name in chosen:
        content = tmp_path / f"{name}.yaml"
        content.write_bytes(files[name])
        settings = tmp_path / f"{name}-settings.yaml"
        settings.write_text(f"content: {json.dumps(str(content))}\n", encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "adapters.cli", "--config", str(settings), "say", "when"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        outcomes[name] = (run.returncode, len(run.stderr.strip().splitlines()))
    assert outcomes == dict.fromkeys(chosen, (2, 1))
