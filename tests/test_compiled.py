"""Compiled content: a start with an unchanged file skips parsing and indexing, and nothing about
the cache can change an answer, serve stale content or stop the bot."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
from pathlib import Path

import pytest
from conftest import SEED

from bot import compiled
from bot.compiled import ENTRIES_KEPT, SUFFIX, load_store
from bot.config import Settings
from bot.loading import ContentError, ContentLimits
from bot.reload import ContentReloader, LiveContent
from bot.store import FactStore

LIMITS = ContentLimits()
QUESTION = "what share of north korea's trade is with china?"


def answer(store: FactStore) -> tuple[str, ...]:
    found = store.ask(QUESTION)
    return (*found.keys, *(s.text for p in found.parts for s in p.statements))


@pytest.fixture
def content(tmp_path: Path) -> Path:
    path = tmp_path / "event.yaml"
    path.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob(f"*{SUFFIX}"))


def refuse_to_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_event(*args: object, **kwargs: object) -> None:
        raise AssertionError("built from YAML although a compiled entry matches")
    monkeypatch.setattr(compiled, "parse_event", parse_event)


def test_an_unchanged_file_is_served_from_its_entry_with_the_same_answers(content, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    built = load_store(content, LIMITS, cache)
    [entry] = entries(cache)
    assert entry.stat().st_mode & 0o077 == 0 and cache.stat().st_mode & 0o077 == 0  # the user's only
    refuse_to_build(monkeypatch)
    cached = load_store(content, LIMITS, cache)
    assert cached is not built and cached.event == built.event
    assert answer(cached) == answer(built) and answer(cached)[0] == "trade-shares-2023"
    assert set(cached.entries) == set(built.entries)


def test_equal_values_of_a_file_are_one_object_parsed_and_compiled_and_models_still_copy_apart(content, tmp_path,
                                                                                                 monkeypatch):
    """An id named by many facts, their lists of sources and the fields their models set are kept once
    (a fact's set of fields was 700 bytes, a third of its memory): in the parsed event and, as pickle
    keeps shared objects shared, in the compiled one."""
    cache = tmp_path / "cache"
    built = load_store(content, LIMITS, cache)
    refuse_to_build(monkeypatch)
    for store in (built, load_store(content, LIMITS, cache)):
        first, second = [f for f in store.event.facts if f.topic == "attendance" and f.sources == ("ap", "wire")
                         and f.model_fields_set == {"id", "topic", "text", "sources", "people", "keywords"}][:2]
        assert first.topic is second.topic and first.sources is second.sources
        assert first.model_fields_set is second.model_fields_set
        copied = first.model_copy(update={"differs": "the outlets disagree"})  # the copy gets a set of its own
        assert copied.model_dump(exclude_unset=True) == {**first.model_dump(exclude_unset=True),
                                                          "differs": "the outlets disagree"}
        assert "differs" not in first.model_fields_set | second.model_fields_set


def test_a_changed_file_limits_or_code_is_a_new_entry_never_the_old_one(content, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    load_store(content, LIMITS, cache)
    content.write_text(content.read_text(encoding="utf-8").replace("97%", "96%"), encoding="utf-8")
    changed = load_store(content, LIMITS, cache)
    assert "96%" in " ".join(answer(changed)) and len(entries(cache)) == 2
    load_store(content, ContentLimits(max_nodes=1_000_000), cache)
    assert len(entries(cache)) == 3
    monkeypatch.setattr(compiled, "code_version", lambda: "another version of the bot")
    load_store(content, LIMITS, cache)
    assert len(entries(cache)) == 4


@pytest.mark.parametrize("damage", ["truncated", "garbage", "another object", "empty"])
def test_a_damaged_entry_is_ignored_rebuilt_and_replaced(content, tmp_path, caplog, damage):
    cache = tmp_path / "cache"
    load_store(content, LIMITS, cache)
    [entry] = entries(cache)
    whole = entry.read_bytes()
    header = whole[: whole.index(b"\n") + 1 + 64]  # the magic line and the key
    entry.write_bytes({"truncated": whole[: len(whole) // 2], "garbage": os.urandom(5000),
                       "another object": header + pickle.dumps({"facts": []}), "empty": b""}[damage])
    with caplog.at_level(logging.WARNING, logger="bot.compiled"):
        store = load_store(content, LIMITS, cache)
    assert answer(store)[0] == "trade-shares-2023"
    assert "ignored" in caplog.text
    assert entry.read_bytes() != b"" and load_store(content, LIMITS, cache).event == store.event


def test_an_entry_others_could_have_written_is_never_loaded(content, tmp_path, caplog, monkeypatch):
    cache = tmp_path / "cache"
    load_store(content, LIMITS, cache)
    cache.chmod(0o777)
    refuse_to_build(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="bot.compiled"), pytest.raises(AssertionError, match="built"):
        load_store(content, LIMITS, cache)  # it builds (here: refuses to) rather than unpickle the entry
    assert "writable by others" in caplog.text


def test_an_unwritable_cache_costs_speed_only(content, tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.compiled"):
        store = load_store(content, LIMITS, blocked)
    assert answer(store)[0] == "trade-shares-2023"
    assert "not written" in caplog.text


def test_a_bad_file_is_refused_and_never_cached(content, tmp_path):
    cache = tmp_path / "cache"
    content.write_text(content.read_text(encoding="utf-8").replace("timezone: Asia/Shanghai",
                                                                   "timezone: Asia/Peking"), encoding="utf-8")
    with pytest.raises(ContentError, match="Asia/Peking"):
        load_store(content, LIMITS, cache)
    assert not entries(cache)


def test_only_the_newest_entries_are_kept(content, tmp_path):
    cache = tmp_path / "cache"
    text = content.read_text(encoding="utf-8")
    for n in range(ENTRIES_KEPT + 2):
        content.write_text(text.replace("Beijing, China", f"Beijing, China {n}"), encoding="utf-8")
        load_store(content, LIMITS, cache)
    assert len(entries(cache)) == ENTRIES_KEPT
    assert not list(cache.glob(".writing-*"))


def test_a_reloaded_file_is_compiled_for_the_next_start(content, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    live = LiveContent(load_store(content, LIMITS, cache))
    content.write_text(content.read_text(encoding="utf-8").replace("97%", "96%"), encoding="utf-8")
    outcome = asyncio.run(ContentReloader(live, content, limits=LIMITS, cache_dir=cache).reload("test"))
    assert outcome.ok and "96%" in " ".join(answer(live.store))
    refuse_to_build(monkeypatch)
    assert "96%" in " ".join(answer(load_store(content, LIMITS, cache)))  # the restart after it


def test_settings_choose_the_cache_folder_or_none(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings().content_cache == tmp_path / "parade-bot"
    assert Settings(cache_dir=False).content_cache is None
    assert Settings(cache_dir=tmp_path / "mine").content_cache == tmp_path / "mine"
