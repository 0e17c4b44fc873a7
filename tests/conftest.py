from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import BACKEND, PG_URL, drop_schemas, pg_reachable

from bot.commands import Command, Dispatcher
from bot.loading import load_event
from bot.reply import Reply
from bot.store import FactStore


@pytest.fixture(autouse=True)
def _own_default_database(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A test that runs the command line on the default settings must neither write the checkout's own
    database (data/parade.db, which a developer's `make run` uses) nor share one with another test: it
    gets its own throwaway one (a test that sets or removes PARADE_DATABASE_URL itself still may)."""
    monkeypatch.setenv("PARADE_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('default-db')}/default.db")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "parade.yaml"
DATA = Path(__file__).resolve().parent / "data"
PARADE_START_UTC = dt.datetime(2025, 9, 3, 1, 0, tzinfo=dt.UTC)
# The seed gives no time of day: `when` says so and names the time it assumes.
SEED_WHEN = "Wednesday 3 September 2025, time of day not reported (this bot assumes 09:00 CST (Asia/Shanghai))"
SEED_COUNTDOWN = "Starts in 2 days, 3 hours (counted to the assumed start time)."


@pytest.fixture(scope="session", autouse=True)
def _private_content_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled content (bot/compiled.py) goes to a throwaway folder, never the user's cache; the
    processes tests start inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


class FakeClock:
    """A clock a test sets and moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session")
def seed_store() -> FactStore:
    return FactStore(load_event(SEED))


@pytest.fixture
def clock() -> FakeClock:
    # Two days before the parade, mid-afternoon in Beijing.
    return FakeClock(PARADE_START_UTC - dt.timedelta(days=2, hours=3, minutes=30))


@pytest.fixture
def bot(seed_store: FactStore, clock: FakeClock) -> Dispatcher:
    return Dispatcher(seed_store, clock=clock)


class Chat:
    """A conversation with the bot: `chat.say("/parade when")` returns the reply."""

    def __init__(self, dispatcher: Dispatcher, timezone: str | None = None, *, is_admin: bool = False) -> None:
        self.dispatcher = dispatcher
        self.timezone = timezone
        self.is_admin = is_admin

    def say(self, text: str) -> Reply:
        command = Command(text=text, timezone=self.timezone, user_id="U-test", is_admin=self.is_admin)
        return asyncio.run(self.dispatcher.handle(command))


@pytest.fixture
def chat(bot: Dispatcher) -> Chat:
    return Chat(bot)


@pytest.fixture
def fake_discord(monkeypatch):
    """A fake Discord HTTP API on 127.0.0.1, with discord.py pointed at it."""
    import discord
    from fakeapi import FakeAPI
    from test_discord_adapter import discord_api

    with FakeAPI(discord_api) as fake:
        monkeypatch.setattr(discord.http.Route, "BASE", f"{fake.url}/api/v10")
        yield fake


@pytest.fixture
def fake_slack():
    """A fake Slack Web API (and response_url endpoint) on 127.0.0.1."""
    from fakeapi import FakeAPI
    from test_slack_adapter import slack_api

    with FakeAPI(slack_api) as fake:
        yield fake


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test about SQLite itself; not run on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests that use `backend` run once per database: SQLite, and PostgreSQL (skipped, and counted as
    skipped, where PARADE_TEST_DATABASE_URL is not set)."""
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("backend", ["sqlite"] if sqlite_only else ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> object:
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL: set PARADE_TEST_DATABASE_URL (CI does) to run this on PostgreSQL too")
        problem = pg_reachable()
        if problem is not None:  # set but unreachable: a failure, never a silent skip
            pytest.fail(f"PARADE_TEST_DATABASE_URL is set but PostgreSQL does not answer: {problem}")
    token = BACKEND.set(request.param)
    yield request.param
    BACKEND.reset(token)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_schemas() -> object:
    yield
    drop_schemas()
