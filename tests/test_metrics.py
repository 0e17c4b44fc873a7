"""The numbers an operator scrapes: commands, posts by outcome, the database, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from backends import BACKEND
from conftest import Chat


def sample(name: str, **labels: str) -> float:
    from bot import metrics

    return metrics.registry().get_sample_value(name, labels) or 0.0


def test_the_numbers_are_written_out_as_prometheus_clients_own_metrics_write_them():
    """The bot counts on its own and loads prometheus_client only to write the numbers out: the samples
    must be the ones its Counter, Gauge and Histogram give for the same events (`_created` aside)."""
    import re

    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

    from bot.metrics import Metric

    buckets = (0.001, 0.01, 0.1)
    theirs, ours = CollectorRegistry(), CollectorRegistry()
    theirs_metrics = (Counter("t_posts", "Posts", ["platform"], registry=theirs),
                      Counter("t_plain", "Plain", registry=theirs), Gauge("t_up", "Up", registry=theirs),
                      Histogram("t_seconds", "Seconds", ["command"], buckets=buckets, registry=theirs))
    our_metrics = (Metric("counter", "t_posts", "Posts", ["platform"]), Metric("counter", "t_plain", "Plain"),
                   Metric("gauge", "t_up", "Up"), Metric("histogram", "t_seconds", "Seconds", ["command"], buckets))

    class Ours:
        def collect(self):
            return (metric.family() for metric in our_metrics)

    ours.register(Ours())
    for posts, plain, up, seconds in (theirs_metrics, our_metrics):
        posts.labels("slack").inc()
        posts.labels("slack").inc(2)
        posts.labels("discord").inc()
        plain.inc()
        up.set(1)
        for value in (0.0005, 0.001, 0.05, 3.0):
            seconds.labels("when").observe(value)

    def lines(registry: CollectorRegistry) -> list[str]:
        text = generate_latest(registry).decode()
        return [re.sub(r"^(t_\w+_created(\{.*\})?) .*", r"\1", line) for line in text.splitlines()]

    assert lines(ours) == lines(theirs) and 't_seconds_bucket{command="when",le="0.001"} 2.0' in lines(ours)


def test_commands_are_counted_by_declared_name_only(bot):
    chat = Chat(bot)
    before = sample("parade_commands_total", command="when", outcome="ok")
    unknown = sample("parade_commands_total", command="unknown", outcome="error")
    chat.say("/parade when")
    chat.say("/parade drop-table-users-and-other-typed-junk")
    assert sample("parade_commands_total", command="when", outcome="ok") == before + 1
    assert sample("parade_commands_total", command="unknown", outcome="error") == unknown + 1
    assert sample("parade_commands_total", command="drop-table-users-and-other-typed-junk", outcome="error") == 0


async def test_posts_are_counted_by_outcome(seed_store, tmp_path):
    import datetime as dt

    from test_reminders import START, FakeClock, RecordingPoster, open_db, service

    from bot.ports import ChannelGone

    db = open_db(tmp_path / "m.db")
    for channel in ("OK", "GONE"):
        db.subscribe("slack", "W", channel, "UTC", START - dt.timedelta(days=10))
    poster = RecordingPoster([])
    poster.failures["GONE"] = [ChannelGone("slack channel GONE: channel_not_found")]
    sent, gone = sample("parade_posts_total", platform="slack", outcome="sent"), \
        sample("parade_posts_total", platform="slack", outcome="gone")
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(seconds=30))
    await service(db, {"slack": poster}, seed_store, clock).deliver_due()
    assert sample("parade_posts_total", platform="slack", outcome="sent") == sent + 1
    assert sample("parade_posts_total", platform="slack", outcome="gone") == gone + 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def console_app(tmp_path, monkeypatch, database_url: str):
    from bot.application import Application
    from bot.config import MetricsSettings, load_settings

    monkeypatch.delenv("PARADE_DATABASE_URL", raising=False)
    settings = load_settings(None).model_copy(update={"metrics": MetricsSettings(port=free_port())})
    return Application.build(settings, database_url=database_url)


async def get(url: str) -> tuple[int, str]:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.text()


async def test_a_console_bot_serves_metrics_and_probes_while_running(tmp_path, monkeypatch):
    from test_reminders import RecordingPoster

    from bot.commands import Command

    app = console_app(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'ops.db'}")
    base = f"http://127.0.0.1:{app.settings.metrics.port}"
    async with app.running({"console": RecordingPoster([])}):
        await app.dispatcher.handle(Command(text="when", platform="console", workspace="local", channel="console"))
        status, body = await get(f"{base}/metrics")
        assert status == 200 and "# TYPE parade_posts_total counter" in body
        assert 'parade_command_seconds_count{command="when"}' in body
        assert "parade_ledger_claim_conflicts_total" in body and "parade_database_up 1.0" in body
        assert await get(f"{base}/healthz") == (200, '{"status": "ok"}')
        assert await get(f"{base}/readyz") == (200, '{"status": "ready"}')
        app.connected = lambda: False  # what an adapter reports while its connection is down
        status, body = await get(f"{base}/readyz")
        assert status == 503 and "not connected to the platform" in body
    import aiohttp

    with pytest.raises(aiohttp.ClientConnectionError):  # stopped with the bot
        await get(f"{base}/healthz")


async def test_readyz_follows_the_database_going_away_and_coming_back(tmp_path, monkeypatch):
    """Through a TCP relay to the real PostgreSQL server, so "going away" is a refused connection."""
    from backends import PG_URL, database_url
    from sqlalchemy.engine import make_url

    if not PG_URL:
        pytest.skip("PostgreSQL: set PARADE_TEST_DATABASE_URL (CI does) to run this")
    token = BACKEND.set("postgresql")
    try:
        real = make_url(database_url(tmp_path / "ops.db"))
    finally:
        BACKEND.reset(token)
    relay = Relay(real.host or "127.0.0.1", real.port or 5432)
    await relay.start()
    relayed = real.set(host="127.0.0.1", port=relay.port).render_as_string(False)
    # Built off the loop, as before a real start: opening the database goes through the relay on this loop.
    app = await asyncio.to_thread(console_app, tmp_path, monkeypatch, relayed)
    readyz = f"http://127.0.0.1:{app.settings.metrics.port}/readyz"
    try:
        async with app.running({}):
            assert (await get(readyz))[0] == 200
            await relay.stop()
            status, body = await get(readyz)
            assert status == 503 and "database not answering" in body
            # A call already under way when the relay cut it may still finish and count as the database
            # back: the next probe, which no such call outlives, settles the gauge.
            for _ in range(20):
                if sample("parade_database_up") == 0:
                    break
                assert (await get(readyz))[0] == 503
                await asyncio.sleep(0.05)
            assert sample("parade_database_up") == 0
            await relay.start()
            assert (await get(readyz))[0] == 200
            assert sample("parade_database_up") == 1
    finally:
        await relay.stop()
        if app.database is not None:
            app.database.close()


class Relay:
    """A TCP relay on a fixed loopback port that can be stopped (every connection cut) and restarted."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            for writer in self.writers:
                writer.close()
            self.writers.clear()
            await self.server.wait_closed()
            self.server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_a_database_that_hangs_is_not_ready_and_counted_down(tmp_path, monkeypatch):
    """A ping that gets no answer within the storage timeout (a frozen server, not a refused one) makes
    /readyz unready and the database gauge 0, as a refused connection does."""
    import time

    from bot import persistence

    app = console_app(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'hang.db'}")
    monkeypatch.setattr(persistence, "STORAGE_TIMEOUT", 0.05)
    monkeypatch.setattr(type(app.database), "ping", lambda self: time.sleep(0.3))
    problems = await app.readiness()
    assert problems and problems[0].startswith("database not answering")
    assert sample("parade_database_up") == 0
    monkeypatch.undo()
    assert await app.readiness() == [] and sample("parade_database_up") == 1
