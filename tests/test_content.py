"""Loading content: the seed is valid, and every kind of bad file is refused with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, SEED

from bot.loading import ContentError, load_event, parse_event
from bot.store import FactStore

SEED_TEXT = SEED.read_text(encoding="utf-8")


def test_seed_content_is_attributed_throughout():
    event = load_event(SEED)
    source_ids = {s.id for s in event.sources}
    assert source_ids == {"ap", "wire"}
    assert event.start.isoformat() == "2025-09-03T09:00:00+08:00"
    assert len(event.facts) >= 30 and len(event.quotes) >= 5 and len(event.timeline) >= 8
    for item in (*event.facts, *event.quotes, *event.timeline):
        assert item.sources and set(item.sources) <= source_ids
    # Where the sources disagree, the content keeps both and says so.
    assert sum(1 for f in event.facts if f.differs) >= 3
    assert {q.id for q in event.quotes if q.differs} == {"hong-lei-welcome-ap", "hong-lei-welcome-wire"}


def test_seed_quotes_are_verbatim_from_the_articles():
    sources = SEED.parents[2] / "shared" / "sources"
    if not sources.is_dir():
        pytest.skip("the source articles are not beside this checkout")
    articles = " ".join(p.read_text(encoding="utf-8") for p in sources.glob("*.txt"))
    normalised = " ".join(articles.replace("’", "'").replace("“", '"').replace("”", '"').split())
    for quote in load_event(SEED).quotes:
        # A quote can be split in the article by its attribution, so each sentence is checked.
        for sentence in quote.text.strip('"').split(". "):
            assert sentence.rstrip(".") in normalised, (quote.id, sentence)


def _error(text: str) -> ContentError:
    with pytest.raises(ContentError) as caught:
        parse_event(text, origin="events/bad.yaml")
    return caught.value


def test_invalid_yaml_names_file_and_line():
    bad = SEED_TEXT.replace("place: Beijing, China", "place: [Beijing, China", 1)
    err = _error(bad)
    assert str(err).startswith("events/bad.yaml:")
    assert err.line is not None and "invalid YAML" in err.reason


def test_schema_error_names_yaml_path_and_line():
    bad = SEED_TEXT.replace("    published: 2025-08-28\n", "    published: last thursday\n", 1)
    err = _error(bad)
    line_of_bad = SEED_TEXT.splitlines().index("    published: 2025-08-28") + 1
    assert (err.where, err.line) == ("sources[0].published", line_of_bad)
    assert str(err) == f"events/bad.yaml:{line_of_bad}: sources[0].published: {err.reason}"


def test_missing_field_points_at_the_parent():
    bad = SEED_TEXT.replace("    text: Kim and Putin discuss deeper ties by phone.\n", "", 1)
    err = _error(bad)
    assert err.where.startswith("timeline[") and err.where.endswith(".text")
    assert "Field required" in err.reason
    assert SEED_TEXT.splitlines()[err.line - 1].strip() == "- id: kim-putin-call"


def test_unknown_source_id_is_refused_at_its_line():
    lines = SEED_TEXT.splitlines()
    fact = lines.index("  - id: kcna-no-details")
    sources = next(i for i in range(fact, len(lines)) if lines[i].startswith("    sources:"))
    lines[sources] = "    sources: [ap, reuters]"
    err = _error("\n".join(lines))
    assert "unknown source id 'reuters'" in err.reason
    assert err.where.endswith(".sources[1]") and err.line == sources + 1


def test_bad_timezone_is_refused():
    err = _error(SEED_TEXT.replace("timezone: Asia/Shanghai", "timezone: Asia/Beijing", 1))
    assert err.where == "timezone" and "Asia/Beijing" in err.reason
    assert SEED_TEXT.splitlines()[err.line - 1] == "timezone: Asia/Shanghai"


def test_duplicate_ids_and_unknown_keys_are_refused():
    duplicate = SEED_TEXT.replace("id: kim-putin-call\n    topic", "id: trade-shares-2023\n    topic", 1)
    assert "duplicate id 'trade-shares-2023'" in _error(duplicate).reason
    err = _error(SEED_TEXT.replace("place: Beijing, China", "place: Beijing, China\nvenue: Tiananmen", 1))
    assert err.where == "venue" and "Extra inputs" in err.reason


def test_python_object_tags_are_never_constructed():
    err = _error("id: !!python/object/apply:os.system ['echo pwned']\n")
    assert "invalid YAML" in err.reason and err.line == 1


def test_unreadable_and_non_mapping_files(tmp_path):
    with pytest.raises(ContentError, match="cannot read the file"):
        load_event(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ContentError, match="must be a YAML mapping"):
        load_event(tmp_path / "list.yaml")


def test_a_second_event_loads_with_no_code_change():
    store = FactStore(load_event(DATA / "harbour_festival.yaml"))
    assert store.event.name == "Harbour Lights Festival"
    assert store.find_person("ana") is not None


@pytest.mark.parametrize(("text", "reason"), [
    # 25,000 levels crashed the C composer; PyYAML 6.0.4's parser now refuses that many itself, in
    # its own words, and the content limit refuses what it lets through.
    ("a: " + "[" * 25_000 + "]" * 25_000, "nested more than 64 levels deep|exceeded maximum nesting depth"),
    ("a: " + "[" * 100 + "]" * 100, "nested more than 64 levels deep"),
    ("".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}' if n else '0'] * 10)}]\n" for n in range(9)),
     "YAML nodes, aliases expanded"),  # an alias bomb: 10^9 nodes in under 400 bytes
    (SEED_TEXT.replace("\nplace:", "\nname: again\nplace:", 1), "duplicate key 'name'"),
], ids=["deep", "deeper-than-the-limit", "alias-bomb", "duplicate-key"])
def test_hostile_yaml_is_one_error_not_a_crash(text, reason):
    with pytest.raises(ContentError, match=reason):
        parse_event(text)


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    from bot.loading import ContentLimits

    path = tmp_path / "big.yaml"
    path.write_text(SEED_TEXT, encoding="utf-8")
    with pytest.raises(ContentError, match="over 1,000 bytes"):
        load_event(path, ContentLimits(max_bytes=1000))


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "posix/Asia/Shanghai", "right/UTC"])
def test_only_place_names_pass_as_timezones(zone):
    with pytest.raises(ContentError, match="unknown IANA timezone"):
        parse_event(SEED_TEXT.replace("timezone: Asia/Shanghai", f"timezone: {zone}", 1))


@pytest.mark.parametrize(("old", "new"), [
    ("starts_at: 2025-09-03T09:00:00", "starts_at: 0001-01-01T00:00:00"),
    ("starts_at: 2025-09-03T09:00:00", "starts_at: 9999-12-31T23:59:59"),
    ("published_at: 2025-08-28", "published_at: 1900-08-28"),
])
def test_dates_outside_1970_to_2200_are_refused(old, new):
    assert old in SEED_TEXT
    with pytest.raises(ContentError, match="between 1970 and 2200"):
        parse_event(SEED_TEXT.replace(old, new, 1))


@pytest.mark.parametrize("name", ["english.yaml", "world.yaml"])
def test_the_bots_own_language_data_has_no_key_given_twice(name):
    """The same rule as content files: PyYAML would silently keep the last of two equal keys."""
    import yaml

    from bot.loading import SafeLoader

    path = Path(__file__).resolve().parent.parent / "bot" / "data" / name
    assert yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
