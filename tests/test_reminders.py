"""Scheduled countdown posts: the plan, subscriptions, and delivery exactly once per channel and reminder,
across restarts, two instances, crashes and dead channels. Time is simulated with a FakeClock."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter

import pytest
from backends import database_url, open_test_db
from conftest import PARADE_START_UTC, Chat, FakeClock

from bot.clock import AcceleratedClock
from bot.commands import Command, Dispatcher
from bot.delivery import DeliveryService
from bot.persistence import Database
from bot.ports import ChannelGone, DeliveryError
from bot.posts import ContentNewsItems, CountdownReminders
from bot.reply import Reply
from bot.schedule import parse_offset, reminder_plan
from bot.scheduler import ReminderScheduler

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL where configured

START = PARADE_START_UTC
COUNTDOWN = "countdown@2025-09-03T01:00Z"  # the seed's start, in UTC
PLAN_IDS = [f"{COUNTDOWN}:{label}" for label in ("T-10080m", "T-4320m", "T-1440m", "T-60m", "start")]
UPDATE_ID = "update:kim-confirmed"  # the seed's news update, published 28 August
# Each channel's posts in order: the update falls between the 7-day and 3-day reminders.
TITLES = ["7 days to go", "News", "3 days to go", "1 day to go", "1 hour to go", "Starting now"]
POSTS_PER_CHANNEL = len(TITLES)


class RecordingPoster:
    """A platform that records what reaches it; `posts` may be shared by several posters."""

    def __init__(self, posts: list[tuple[str, str, str]], *, idempotent: bool = True) -> None:
        self.posts = posts
        self.idempotent = idempotent
        self.attempts: list[str] = []
        self.failures: dict[str, list[BaseException]] = {}
        self.last_reply: dict[str, Reply] = {}  # by channel

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str, workspace: str = "") -> None:
        self.attempts.append(idempotency_key)
        await asyncio.sleep(0)  # a real post yields to the loop
        queued = self.failures.get(channel_id)
        if queued:
            raise queued.pop(0)
        self.posts.append((channel_id, reply.title, idempotency_key))
        self.last_reply[channel_id] = reply


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "parade.db"


def open_db(path) -> Database:
    """A fresh database on the test's backend (tests/backends.py)."""
    return open_test_db(path)


def service(db, posters, store, clock, owner="test-1", grace=dt.timedelta(hours=1)) -> DeliveryService:
    return DeliveryService(db, posters, lambda: store, clock=clock, owner=owner,
                           sources=(CountdownReminders(grace=grace), ContentNewsItems()))


def subscribe(db, clock, channels: dict[tuple[str, str], str]) -> None:
    """Subscribe the channels ten days before the parade (or now, if that is earlier)."""
    at = min(clock(), START - dt.timedelta(days=10))
    for (platform, channel), zone in channels.items():
        db.subscribe(platform, "W1", channel, zone, at)


async def run_until(services, clock: FakeClock, end: dt.datetime, step=dt.timedelta(minutes=10)) -> None:
    while clock.now < end:
        clock.advance(step)
        await asyncio.gather(*(s.deliver_due() for s in services))


def tally(posts, expected: int) -> dict[str, int]:
    counts = Counter((channel, key) for channel, _, key in posts)
    return {"expected": expected, "sent": len(posts), "duplicates": sum(n - 1 for n in counts.values()),
            "lost": expected - len(counts)}


CHANNELS = {("discord", "D-utc"): "UTC", ("slack", "S-shanghai"): "Asia/Shanghai",
            ("slack", "S-newyork"): "America/New_York"}


def test_plan_follows_the_offsets_and_the_event_time(seed_store):
    plan = reminder_plan(seed_store.event)
    assert [r.id for r in plan] == PLAN_IDS
    assert [START - r.due for r in plan] == [dt.timedelta(days=7), dt.timedelta(days=3), dt.timedelta(days=1),
                                             dt.timedelta(hours=1), dt.timedelta(0)]
    assert parse_offset("30m") == dt.timedelta(minutes=30)
    with pytest.raises(ValueError, match="use a number"):
        parse_offset("a week")


async def test_whole_countdown_reaches_each_channel_once_in_order_in_its_timezone(seed_store, db_path, capsys):
    clock = FakeClock(START - dt.timedelta(days=8))
    db = open_db(db_path)
    subscribe(db, clock, CHANNELS)
    posts: list = []
    posters = {"discord": RecordingPoster(posts), "slack": RecordingPoster(posts, idempotent=False)}
    await run_until([service(db, posters, seed_store, clock)], clock, START + dt.timedelta(hours=3))

    figures = tally(posts, expected=len(CHANNELS) * POSTS_PER_CHANNEL)
    assert figures == {"expected": 18, "sent": 18, "duplicates": 0, "lost": 0}
    for _, channel in CHANNELS:
        titles = [title for ch, title, _ in posts if ch == channel]
        assert [t.split(":")[0] for t in titles] == TITLES
    last = posters["slack"].last_reply["S-newyork"]  # its "starting now" post
    assert last.fields[0].value == ("Wednesday 3 September 2025 (Asia/Shanghai), time of day not reported "
                                     "(this bot assumes Tuesday 2 September 2025, 21:00 EDT (America/New_York))")
    assert last.fields[1].name.startswith(("Fact of the day", "Quote of the day")) and last.citations
    with capsys.disabled():
        print(f"\nwhole countdown, 3 channels: {figures}")


async def test_restart_mid_countdown_neither_duplicates_nor_loses(seed_store, db_path, capsys):
    clock = FakeClock(START - dt.timedelta(days=8))
    subscribe(open_db(db_path), clock, CHANNELS)
    posts: list = []
    first = service(open_db(db_path), {"discord": RecordingPoster(posts), "slack": RecordingPoster(posts)},
                    seed_store, clock, owner="before-restart")
    await run_until([first], clock, START - dt.timedelta(days=2))
    # Down for a day and 30 minutes: the 1-day reminder falls due while down, within the 1 h grace.
    clock.now = START - dt.timedelta(days=1) + dt.timedelta(minutes=30)
    second = service(open_db(db_path), {"discord": RecordingPoster(posts), "slack": RecordingPoster(posts)},
                     seed_store, clock, owner="after-restart")
    report = await ReminderScheduler(second).start()
    assert report.sent == 3  # the missed reminder, once per channel, on start
    await run_until([second], clock, START + dt.timedelta(hours=2))
    figures = tally(posts, expected=18)
    assert figures == {"expected": 18, "sent": 18, "duplicates": 0, "lost": 0}
    with capsys.disabled():
        print(f"\nrestart mid-countdown: {figures}")


async def test_reminders_missed_beyond_the_grace_period_are_skipped_and_logged(seed_store, db_path, caplog):
    clock = FakeClock(START - dt.timedelta(days=1) + dt.timedelta(hours=2))
    db = open_db(db_path)
    db.subscribe("slack", "W1", "C1", "UTC", START - dt.timedelta(days=10))
    posts: list = []
    with caplog.at_level(logging.INFO):
        report = await service(db, {"slack": RecordingPoster(posts)}, seed_store, clock).deliver_due()
    assert posts == [] and report.skipped_late == 4  # 7d, 3d, 1d reminders and the 4-day-old update
    expected = "countdown@2025-09-03T01:00Z:T-1440m was due 2025-09-02T01:00:00+00:00, more than 1:00:00 ago: skipped"
    assert expected in caplog.text


async def test_two_instances_on_one_database_post_each_reminder_once(seed_store, db_path, capsys):
    clock = FakeClock(START - dt.timedelta(days=8))
    subscribe(open_db(db_path), clock, CHANNELS)
    posts: list = []
    instances = [service(open_db(db_path), {"discord": RecordingPoster(posts), "slack": RecordingPoster(posts)},
                         seed_store, clock, owner=f"instance-{n}") for n in (1, 2)]
    await run_until(instances, clock, START + dt.timedelta(hours=2))
    figures = tally(posts, expected=18)
    assert figures == {"expected": 18, "sent": 18, "duplicates": 0, "lost": 0}
    owners = Counter(d.claimed_by for d in open_db(db_path).deliveries())
    assert sum(owners.values()) == 18
    with capsys.disabled():
        print(f"\ntwo instances, one database: {figures}, claims by instance: {dict(owners)}")


async def test_crash_between_claim_and_send_is_never_resent(seed_store, db_path):
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(minutes=1))
    subscribe(open_db(db_path), clock, CHANNELS)
    posts: list = []
    slack = RecordingPoster(posts)
    slack.failures["S-shanghai"] = [asyncio.CancelledError()]  # the process dies mid-post
    crashing = service(open_db(db_path), {"discord": RecordingPoster(posts), "slack": slack}, seed_store, clock)
    with pytest.raises(asyncio.CancelledError):
        await crashing.deliver_due()

    clock.advance(dt.timedelta(minutes=20))  # restart after the claim has gone stale
    db = open_db(db_path)
    restarted = service(db, {"discord": RecordingPoster(posts), "slack": RecordingPoster(posts)}, seed_store, clock)
    await ReminderScheduler(restarted).start()
    first_reminder = [(ch, key) for ch, _, key in posts if key.endswith(PLAN_IDS[0])]
    assert sorted(ch for ch, _ in first_reminder) == ["D-utc", "S-newyork"]  # never twice, never to Shanghai
    shanghai = db.subscription("slack", "W1", "S-shanghai")
    [interrupted] = db.deliveries(shanghai.id)
    assert interrupted.status == "unknown" and "between claim and outcome" in interrupted.detail


async def test_a_channel_that_is_gone_ends_its_subscription_and_others_carry_on(seed_store, db_path, caplog):
    clock = FakeClock(START - dt.timedelta(days=8))
    db = open_db(db_path)
    subscribe(db, clock, CHANNELS)
    posts: list = []
    discord = RecordingPoster(posts)
    discord.failures["D-utc"] = [ChannelGone("discord channel D-utc: HTTP 403")]
    await run_until([service(db, {"discord": discord, "slack": RecordingPoster(posts)}, seed_store, clock)],
                    clock, START + dt.timedelta(hours=1))
    assert [ch for ch, _, _ in posts].count("D-utc") == 0
    assert len(discord.attempts) == 1  # not tried again after the 403
    assert len([p for p in posts if p[0].startswith("S-")]) == 2 * POSTS_PER_CHANNEL
    assert db.subscription("discord", "W1", "D-utc").active is False
    assert "channel discord:W1:D-utc is gone" in caplog.text


async def test_ambiguous_failure_is_retried_only_where_the_platform_deduplicates(seed_store, db_path):
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(minutes=1))
    db = open_db(db_path)
    subscribe(db, clock, {("discord", "D1"): "UTC", ("slack", "S1"): "UTC"})
    posts: list = []
    discord, slack = RecordingPoster(posts), RecordingPoster(posts, idempotent=False)
    discord.failures["D1"] = [DeliveryError("timeout", retry_safe=True, retry_now=True)]  # as DiscordPoster raises it
    slack.failures["S1"] = [DeliveryError("connection reset")]
    report = await service(db, {"discord": discord, "slack": slack}, seed_store, clock).deliver_due()
    assert (report.sent, report.failed) == (1, 1)
    assert len(discord.attempts) == 2 and len(set(discord.attempts)) == 1  # same nonce key both times
    assert len(slack.attempts) == 1
    statuses = {d.status for d in db.deliveries()}
    assert statuses == {"sent", "failed"}


async def test_a_late_subscriber_gets_no_back_dated_posts(seed_store, db_path):
    clock = FakeClock(START - dt.timedelta(days=1) + dt.timedelta(minutes=5))
    db = open_db(db_path)
    db.subscribe("slack", "W1", "late", "UTC", clock())  # after the 1-day reminder fell due
    posts: list = []
    await service(db, {"slack": RecordingPoster(posts)}, seed_store, clock).deliver_due()
    assert posts == []


async def test_a_past_event_schedules_nothing(seed_store, db_path):
    clock = FakeClock(START + dt.timedelta(days=30))
    db = open_db(db_path)
    db.subscribe("slack", "W1", "C1", "UTC", START - dt.timedelta(days=60))
    scheduler = ReminderScheduler(service(db, {"slack": RecordingPoster([])}, seed_store, clock))
    assert scheduler.reschedule() == []


async def test_apscheduler_fires_each_reminder_and_restarts_replace_jobs(seed_store, db_path):
    # Simulated time one minute before the start, running 120x: the start reminder is 0.5 s away.
    clock = AcceleratedClock(START - dt.timedelta(minutes=1), speed=120)
    db = open_db(db_path)
    db.subscribe("discord", "G1", "C1", "UTC", START - dt.timedelta(days=10))
    posts: list = []
    scheduler = ReminderScheduler(service(db, {"discord": RecordingPoster(posts)}, seed_store, clock),
                                  wall_time=clock.real_time_of)
    caught_up = await scheduler.start()
    try:
        assert caught_up.sent == 1  # "1 hour to go", due 59 simulated minutes ago: within the grace period
        assert scheduler.job_ids() == ["countdown@2025-09-03T01:00Z:start"]
        scheduler.reschedule()
        scheduler.reschedule()
        assert scheduler.job_ids() == ["countdown@2025-09-03T01:00Z:start"]  # replaced, not duplicated
        for _ in range(200):
            if len(posts) == 2:
                break
            await asyncio.sleep(0.025)
        assert [title.split(":")[0] for _, title, _ in posts] == ["1 hour to go", "Starting now"]
    finally:
        scheduler.shutdown()


def test_subscription_commands_in_a_conversation(seed_store, db_path, clock):
    db = open_db(db_path)
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)

    def say(text: str, manager: bool = True) -> Reply:
        command = Command(text=text, platform="slack", workspace="T1", channel="C9", manages_channel=manager)
        return asyncio.run(bot.handle(command))

    refused = say("/parade subscribe", manager=False)  # a member who does not manage the channel
    assert refused.title == "Not allowed" and "manage this channel" in refused.text

    assert "not subscribed" in say("/parade schedule").text
    subscribed = say("/parade subscribe Europe/Paris")
    assert subscribed.title == "Subscribed" and "Europe/Paris" in subscribed.text
    assert "3 countdown posts to come" in subscribed.text  # 1 day and 1 hour before, and the start
    schedule = say("/parade schedule")
    assert [f.name for f in schedule.fields] == ["1 day before", "1 hour before", "Starting now"]
    assert schedule.fields[2].value == "Wednesday 3 September 2025, 03:00 CEST (Europe/Paris)"
    assert say("/parade subscribe Mars/Olympus").is_error
    assert say("/parade unsubscribe").title == "Unsubscribed"
    assert say("/parade unsubscribe").title == "Not subscribed"
    assert db.subscription("slack", "T1", "C9").active is False
    no_db = Chat(Dispatcher(seed_store, clock=clock), is_admin=True).say("/parade subscribe")
    assert no_db.is_error and "database" in no_db.text


def test_two_bot_processes_sharing_one_database_post_each_reminder_once(db_path, tmp_path, backend, capsys):
    import subprocess
    import sys
    from pathlib import Path

    db = open_db(db_path)
    channels = {("slack", f"S{n}"): "UTC" for n in range(20)} | {("discord", f"D{n}"): "UTC" for n in range(20)}
    for (platform, channel), zone in channels.items():
        db.subscribe(platform, "W1", channel, zone, START - dt.timedelta(days=10))
    posts_file, go = tmp_path / "posts.txt", tmp_path / "go"
    worker = Path(__file__).with_name("ledger_worker.py")
    url = database_url(db_path)
    processes = [subprocess.Popen([sys.executable, str(worker), url, str(posts_file), f"proc-{n}", str(go)])
                 for n in (1, 2)]
    go.touch()
    assert [p.wait(timeout=120) for p in processes] == [0, 0]

    lines = posts_file.read_text().splitlines()
    posts = [(line.split()[0], "", line.split()[1]) for line in lines]
    figures = tally(posts, expected=len(channels) * POSTS_PER_CHANNEL)
    owners = Counter(d.claimed_by for d in db.deliveries())
    with capsys.disabled():
        print(f"\ntwo processes, one {backend} database, 40 channels: {figures}, claims by process: {dict(owners)}")
    assert figures == {"expected": 240, "sent": 240, "duplicates": 0, "lost": 0}
    assert {d.status for d in db.deliveries()} == {"sent"}


async def test_news_published_ahead_gets_its_own_job(seed_store, db_path):
    clock = FakeClock(START - dt.timedelta(days=8))  # before the seed's update (28 August) is published
    scheduler = ReminderScheduler(service(open_db(db_path), {"slack": RecordingPoster([])}, seed_store, clock))
    assert scheduler.reschedule() == sorted([*PLAN_IDS, UPDATE_ID])
    clock.now = START - dt.timedelta(days=3)
    assert UPDATE_ID not in scheduler.reschedule()  # published by then: no job


def test_subscribing_after_the_start_labels_the_assumed_start_time(seed_store, db_path, clock):
    clock.now = PARADE_START_UTC + dt.timedelta(days=3)
    bot = Dispatcher(seed_store, clock=clock, subscriptions=open_db(db_path))
    reply = asyncio.run(bot.handle(Command(text="subscribe UTC", platform="slack", workspace="T1", channel="C1",
                                           manages_channel=True)))
    assert "Took place 3 days ago (counted to the assumed start time)." in reply.text
    schedule = asyncio.run(bot.handle(Command(text="schedule", platform="slack", workspace="T1", channel="C1")))
    assert schedule.text.startswith("Took place 3 days ago (counted to the assumed start time).")


def test_a_subscribed_channels_zone_applies_to_every_command_there(seed_store, db_path, clock):
    bot = Dispatcher(seed_store, clock=clock, subscriptions=open_db(db_path), default_timezone="UTC")

    def say(text: str, channel: str = "C1") -> Reply:
        command = Command(text=text, platform="slack", workspace="T1", channel=channel, manages_channel=True)
        return asyncio.run(bot.handle(command))

    assert "(this bot assumes 01:00 UTC)" in say("when").text  # not subscribed: the default zone
    say("subscribe Europe/Paris")
    assert "03:00 CEST (Europe/Paris)" in say("when").text
    assert "03:00 CEST (Europe/Paris)" in say("countdown").fields[0].value
    assert "(this bot assumes 01:00 UTC)" in say("when", channel="C2").text  # another channel
    assert "Europe/Paris" in say("subscribe").text  # again, with no zone: the channel keeps its own
    say("unsubscribe")
    assert "(this bot assumes 01:00 UTC)" in say("when").text


def test_a_locked_database_costs_the_channel_zone_not_the_answer(seed_store, db_path, clock, monkeypatch):
    import bot.persistence as persistence

    db = open_db(db_path)
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
    monkeypatch.setattr(persistence, "STORAGE_TIMEOUT", 0.2)
    monkeypatch.setattr(db, "subscription", lambda *key: time.sleep(2))

    async def timed() -> tuple[float, Reply]:
        began = time.monotonic()
        reply = await bot.handle(Command(text="when", platform="slack", workspace="T1", channel="C1"))
        return time.monotonic() - began, reply

    took, reply = asyncio.run(timed())
    assert took < 1.0 and "Asia/Shanghai" in reply.text


async def test_a_new_post_source_plugs_in_with_no_change_to_delivery(seed_store, db_path):
    """A third kind of post (here a made-up digest; later, news feeds) is one more source."""
    from bot.posts import Post

    class Digest:
        def posts(self, store, clock):
            yield Post("digest:1", START - dt.timedelta(hours=2), dt.timedelta(hours=1),
                       lambda zone: Reply(title=f"Digest for {zone}"))

    clock = FakeClock(START - dt.timedelta(hours=1, minutes=30))
    db = open_db(db_path)
    subscribe(db, clock, {("slack", "C1"): "UTC", ("slack", "C2"): "Asia/Tokyo"})
    posts: list = []
    delivery = DeliveryService(db, {"slack": RecordingPoster(posts)}, lambda: seed_store, clock=clock, owner="t",
                               sources=(CountdownReminders(), ContentNewsItems(), Digest()))
    await delivery.deliver_due()
    await delivery.deliver_due()
    assert sorted(title for _, title, _ in posts if title.startswith("Digest")) == [
        "Digest for Asia/Tokyo", "Digest for UTC"]  # once per channel, in its zone


async def test_the_delivery_report_shows_states_outcomes_and_recent_failures(seed_store, db_path):
    clock = FakeClock(START - dt.timedelta(days=3) + dt.timedelta(minutes=1))
    db = open_db(db_path)
    subscribe(db, clock, {("slack", "C1"): "UTC", ("slack", "CGONE"): "UTC", ("discord", "D1"): "UTC"})
    posts: list = []
    poster = RecordingPoster(posts)
    poster.failures["CGONE"] = [ChannelGone("slack channel CGONE: channel_not_found")]
    await service(db, {"slack": poster, "discord": RecordingPoster(posts)}, seed_store, clock).deliver_due()
    bot = Dispatcher(seed_store, clock=clock, subscriptions=db)
    member = await bot.handle(Command(text="status", platform="slack", workspace="W1", channel="C1"))
    assert member.title == "Not allowed"
    report = await bot.handle(Command(text="status", is_admin=True))
    assert report.ephemeral and report.text == "discord: 1 active; slack: 1 active, 1 ended (channel_not_found)"
    failures = report.fields[0].value
    assert f"slack:W1:CGONE {COUNTDOWN}:T-4320m: gone (slack channel CGONE: channel_not_found)" in failures
    outcomes = {f.name: f.value for f in report.fields[1:]}
    assert outcomes["slack:W1:C1"] == "active; last post countdown@2025-09-03T01:00Z:T-4320m: sent"


async def test_a_stop_waits_for_posts_under_way_and_says_what_it_left(seed_store, db_path, caplog):
    class SlowPoster(RecordingPoster):
        async def post(self, channel_id, reply, *, idempotency_key, workspace=""):
            await asyncio.sleep(0.5)
            await super().post(channel_id, reply, idempotency_key=idempotency_key)

    clock = FakeClock(START - dt.timedelta(days=3) + dt.timedelta(minutes=1))
    db = open_db(db_path)
    subscribe(db, clock, {("slack", "C1"): "UTC"})
    posts: list = []
    delivery = service(db, {"slack": SlowPoster(posts)}, seed_store, clock)
    under_way = asyncio.create_task(delivery.deliver_due())
    await asyncio.sleep(0.1)
    assert await delivery.drain(5.0)  # the stop waits: the post is made and recorded, not cut off
    assert under_way.done() and [d.status for d in db.deliveries()] == ["sent"]

    clock.advance(dt.timedelta(days=2))  # the 1-day reminder falls due
    late = asyncio.create_task(delivery.deliver_due())
    await asyncio.sleep(0.1)
    with caplog.at_level(logging.WARNING):
        assert not await delivery.drain(0.1)
    assert "stopping with 1 delivery passes under way" in caplog.text
    await late


def test_sigterm_stops_the_console_bot_cleanly(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "PARADE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PYTHONUNBUFFERED": "1"}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    bot = subprocess.Popen([sys.executable, "-m", "adapters.cli", "console"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        # The banner comes once the stop signals are handled: waiting for it, not for a fixed time, keeps
        # a slow start on a loaded machine from meeting the default SIGTERM action.
        assert bot.stdout is not None and bot.stdout.readline().startswith("parade-bot console:")
        bot.send_signal(signal.SIGTERM)
        _, err = bot.communicate(timeout=15)
    finally:
        bot.kill()
    assert bot.returncode == 0, err
    assert "SIGTERM: stopping" in err and "Traceback" not in err


async def test_a_claim_left_by_a_stopped_process_is_settled_by_the_next_retry_pass(seed_store, db_path):
    from bot.scheduler import STALE_CLAIM_AGE, ReminderScheduler

    clock = FakeClock(START - dt.timedelta(days=2))
    db = open_db(db_path)
    sub = db.subscribe("slack", "W", "C1", "UTC", START - dt.timedelta(days=10)).id
    scheduler = ReminderScheduler(service(db, {"slack": RecordingPoster([])}, seed_store, clock))
    await scheduler.start()
    try:
        db.claim(sub, "another-process-post", "proc-killed", clock())  # that process dies mid-send
        clock.advance(STALE_CLAIM_AGE + dt.timedelta(minutes=1))
        await scheduler._retry()  # what the every-minute job runs; no restart needed
        [row] = [d for d in db.deliveries() if d.reminder_id == "another-process-post"]
        assert row.status == "unknown"
    finally:
        scheduler.shutdown()


def test_three_processes_one_killed_mid_fan_out_lose_only_unknown_posts_and_double_none(
        db_path, tmp_path, backend, capsys):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    db = open_db(db_path)
    channels = 500
    for n in range(channels):
        db.subscribe("slack" if n % 2 else "discord", "W1", f"C{n}", "UTC", START - dt.timedelta(days=10))
    posts_file, first, rest = tmp_path / "posts.txt", tmp_path / "go-1", tmp_path / "go-rest"
    worker = Path(__file__).with_name("ledger_worker.py")
    url = database_url(db_path)
    processes = [subprocess.Popen([sys.executable, str(worker), url, str(posts_file), f"proc-{n}",
                                   str(first if n == 1 else rest)]) for n in (1, 2, 3)]

    def claimed_by_proc_1() -> int:
        return sum(d.claimed_by == "proc-1" for d in db.deliveries())

    # proc-1 gets a head start, so that on a loaded machine the other two cannot take the whole fan-out
    # before it is far enough in to be killed in the middle of it; then all three race.
    first.touch()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and claimed_by_proc_1() < 20:
        time.sleep(0.02)
    rest.touch()
    while time.monotonic() < deadline and claimed_by_proc_1() < 100:
        time.sleep(0.02)  # until proc-1 is well into a fan-out
    processes[0].send_signal(signal.SIGKILL)
    assert [p.wait(timeout=300) for p in processes[1:]] == [0, 0]

    lines = posts_file.read_text().splitlines()
    posted = Counter(tuple(line.split()) for line in lines)
    expected = channels * POSTS_PER_CHANNEL
    rows = db.deliveries()
    unknown = {(d.subscription_id, d.reminder_id) for d in rows if d.status == "unknown"}
    figures = {"expected": expected, "posted": len(posted), "duplicates": sum(n - 1 for n in posted.values()),
               "lost": expected - len(posted), "unknown_in_ledger": len(unknown),
               "statuses": dict(Counter(d.status for d in rows)),
               "claims_by_process": dict(Counter(d.claimed_by for d in rows))}
    with capsys.disabled():
        print(f"\nthree processes on one {backend} database, one killed -9 mid fan-out: {figures}")
    assert figures["duplicates"] == 0 and figures["claims_by_process"].get("proc-1", 0) >= 100
    # Every post not made is one the killed process had claimed: recorded `unknown`, as the README promises.
    assert figures["lost"] <= len(unknown) and all(d.claimed_by == "proc-1" for d in rows if d.status == "unknown")
    assert {d.status for d in rows} <= {"sent", "unknown"} and len(rows) == expected
