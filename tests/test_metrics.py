"""The numbers an operator scrapes: commands, posts by outcome, the database, over real HTTP."""

from __future__ import annotations

import socket
import urllib.request

from conftest import Chat

from bot import metrics


def sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


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


def test_the_metrics_endpoint_serves_the_exposition_format():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    metrics.serve(port)
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert "# TYPE parade_posts_total counter" in body and "parade_database_up" in body
