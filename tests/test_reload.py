"""Content reload at runtime: atomic swaps under load, bad files refused, admins only, three triggers,
and news updates posted once per channel whatever the reloads and restarts."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import signal
from collections import Counter

import pytest
from conftest import PARADE_START_UTC, SEED, SEED_WHEN, FakeClock
from test_reminders import RecordingPoster, open_db, service

from bot.commands import Command, Dispatcher
from bot.loading import load_event
from bot.reload import ContentReloader, content_hash, reload_on_sighup, watch_and_reload
from bot.scheduler import RETRY_JOB, ReminderScheduler
from bot.store import FactStore

SEED_TEXT = SEED.read_text(encoding="utf-8")
START = PARADE_START_UTC
NAME = "Beijing military parade for the 80th anniversary of the end of World War II"


def moved_a_day_later(text: str = SEED_TEXT) -> str:
    return (text.replace("starts_at: 2025-09-03T09:00:00", "starts_at: 2025-09-04T09:00:00")
            .replace(f"name: {NAME}", "name: Beijing parade (moved)"))


def with_update(text: str, update_id: str, published: str, body: str = "Xi gives the opening speech.") -> str:
    return text + (f"  - id: {update_id}\n    published_at: {published}\n    title: Parade update\n"
                   f"    text: {body}\n    sources: [ap]\n")


@pytest.fixture
def content(tmp_path):
    path = tmp_path / "event.yaml"
    path.write_text(SEED_TEXT, encoding="utf-8")
    return path


def admin(text: str) -> Command:
    return Command(text=text, user_id="U-admin", is_admin=True, platform="slack", workspace="T1", channel="C1")


async def test_reload_under_concurrent_commands_never_fails_or_mixes_versions(content, clock, capsys):
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock)
    reloader = ContentReloader(dispatcher.content, content)
    versions = [SEED_TEXT, moved_a_day_later()]
    expected = {NAME: SEED_WHEN,
                "Beijing parade (moved)": "Thursday 4 September 2025, time of day not reported "
                                          "(this bot assumes 09:00 CST (Asia/Shanghai))"}
    done = asyncio.Event()
    answers: list = []

    async def user(n: int) -> None:
        rng = random.Random(n)
        while not done.is_set():
            reply = await dispatcher.handle(Command(text=rng.choice(["when", "countdown", "facts trade", "ask when?"])))
            answers.append(reply)
            await asyncio.sleep(0)

    users = [asyncio.create_task(user(n)) for n in range(200)]
    reloads = 0
    for i in range(20):
        content.write_text(versions[(i + 1) % 2], encoding="utf-8")
        outcome = await reloader.reload("test")
        assert outcome.ok
        reloads += 1
        await asyncio.sleep(0.005)
    done.set()
    await asyncio.gather(*users)

    failed = [a for a in answers if a.is_error]
    mixed = [a for a in answers if a.title.startswith("When: ")
             and a.text != expected[a.title.removeprefix("When: ")]]
    seen = Counter(next(v for v in expected if a.title.endswith(v)) for a in answers if a.title.startswith("When"))
    with capsys.disabled():
        print(f"\nconcurrent reload: {reloads} reloads, {len(answers)} commands from 200 tasks, "
              f"{len(failed)} failed, {len(mixed)} mixed; 'when' answers per version: {dict(seen)}")
    assert len(answers) > 2000 and failed == [] and mixed == [] and len(seen) == 2


@pytest.mark.parametrize(("broken", "where"), [
    (lambda t: t.replace("place: Beijing, China", "place: [Beijing"), "invalid YAML"),
    (lambda t: t.replace("    published: 2025-08-28\n", "    published: soon\n", 1), "sources[0].published"),
    (lambda t: t.replace("    sources: [wire]\n", "    sources: [reuters]\n", 1), "unknown source id 'reuters'"),
    (lambda t: t.replace("timezone: Asia/Shanghai", "timezone: Asia/Peking"), "unknown IANA timezone"),
])
@pytest.mark.usefixtures("backend")
async def test_a_bad_reload_keeps_the_old_content_and_reports_the_line(content, clock, tmp_path, broken, where):
    db = open_db(tmp_path / "audit.db")
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock)
    dispatcher.reloader = ContentReloader(dispatcher.content, content, db, clock=clock)
    live = dispatcher.store
    content.write_text(broken(SEED_TEXT), encoding="utf-8")
    reply = await dispatcher.handle(admin("/parade reload"))
    assert reply.is_error and reply.ephemeral
    assert "previous content is still live" in reply.text and where in reply.text
    assert f"{content}:" in reply.text  # file and line
    assert dispatcher.store is live
    assert (await dispatcher.handle(Command(text="where"))).text == "Beijing, China"
    [audit] = db.reload_audit()
    assert audit.hash_after is None and audit.summary.startswith("refused:") and audit.actor == "slack:U-admin"


@pytest.mark.usefixtures("backend")
async def test_reload_summarises_changes_and_is_audited(content, clock, tmp_path):
    db = open_db(tmp_path / "audit.db")
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock)
    dispatcher.reloader = ContentReloader(dispatcher.content, content, db, clock=clock)
    text = moved_a_day_later()
    text = text.replace("  - id: kcna-no-details\n", "  - id: kcna-silent\n")  # a fact renamed: removed + added
    text = text.replace("I loved it.", "I loved it!")  # a quote edited
    content.write_text(with_update(text, "speech", "2025-09-03T10:00:00+08:00"), encoding="utf-8")
    reply = await dispatcher.handle(admin("reload"))
    assert reply.title == "Content reloaded" and reply.ephemeral
    fields = {f.name: f.value for f in reply.fields}
    assert fields["Facts"] == "added 1 (kcna-silent); removed 1 (kcna-no-details)"
    assert fields["Quotes"] == "changed 1 (trump-dmz)"
    assert fields["News updates"] == "added 1 (speech)"
    assert fields["Event time"].startswith("2025-09-03T09:00:00+08:00 -> 2025-09-04T09:00:00+08:00")
    [audit] = db.reload_audit()
    assert audit.hash_before != audit.hash_after and "kcna-silent" in audit.summary
    # The file's hash at start (its bytes, streamed) and after the reload (its text) are the same function.
    assert (audit.hash_before, audit.hash_after) == (content_hash(SEED_TEXT), content_hash(content.read_text()))


async def test_non_admins_are_refused_and_logged(content, clock, caplog):
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock)
    dispatcher.reloader = ContentReloader(dispatcher.content, content)
    content.write_text(moved_a_day_later(), encoding="utf-8")
    reply = await dispatcher.handle(Command(text="reload", user_id="U-someone", platform="slack", workspace="T1"))
    assert reply.title == "Not allowed" and reply.ephemeral
    assert "refused /parade reload for user U-someone on slack:T1" in caplog.text
    assert dispatcher.store.event.name == NAME


async def test_sighup_reloads(content, clock):
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock)
    reloader = ContentReloader(dispatcher.content, content)
    reload_on_sighup(reloader)
    try:
        content.write_text(moved_a_day_later(), encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(200):
            if dispatcher.store.event.name != NAME:
                break
            await asyncio.sleep(0.02)
        assert dispatcher.store.event.name == "Beijing parade (moved)"
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


async def test_file_watcher_reloads_on_edit(content, clock):
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock)
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_and_reload(ContentReloader(dispatcher.content, content), stop, debounce_ms=50))
    try:
        await asyncio.sleep(0.3)  # let the watcher start
        content.write_text(moved_a_day_later(), encoding="utf-8")
        for _ in range(300):
            if dispatcher.store.event.name != NAME:
                break
            await asyncio.sleep(0.02)
        assert dispatcher.store.event.name == "Beijing parade (moved)"
    finally:
        stop.set()
        await asyncio.wait_for(watcher, 5)


@pytest.mark.usefixtures("backend")
async def test_news_update_reaches_each_channel_once_across_edits_readds_and_restart(content, tmp_path):
    clock = FakeClock(START - dt.timedelta(days=2))
    db_path = tmp_path / "ledger.db"
    db = open_db(db_path)
    for channel in ("C1", "C2", "C3"):
        db.subscribe("slack", "T1", channel, "UTC", START - dt.timedelta(days=10))
    posts: list = []

    async def start_bot() -> tuple[Dispatcher, ContentReloader, ReminderScheduler]:
        dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock, subscriptions=open_db(db_path))
        scheduler = ReminderScheduler(service(dispatcher.subscriptions, {"slack": RecordingPoster(posts)},
                                              None, clock))
        scheduler.service.store = lambda: dispatcher.store
        reloader = ContentReloader(dispatcher.content, content, dispatcher.subscriptions, clock=clock)
        reloader.on_reloaded.append(scheduler.content_reloaded)
        await scheduler.start()
        return dispatcher, reloader, scheduler

    _, reloader, scheduler = await start_bot()
    already = len(posts)  # reminders caught up on start
    published = (clock() - dt.timedelta(minutes=5)).isoformat()
    content.write_text(with_update(SEED_TEXT, "speech", published), encoding="utf-8")
    await reloader.reload("test")
    news = [p for p in posts[already:] if p[1] == "News: Parade update"]
    assert sorted(ch for ch, _, _ in news) == ["C1", "C2", "C3"]

    content.write_text(with_update(SEED_TEXT, "speech", published, "Edited text."), encoding="utf-8")
    await reloader.reload("edit")
    content.write_text(SEED_TEXT, encoding="utf-8")
    await reloader.reload("remove")
    content.write_text(with_update(SEED_TEXT, "speech", published), encoding="utf-8")
    await reloader.reload("re-add")
    scheduler.shutdown()

    clock.advance(dt.timedelta(minutes=30))
    _, _, restarted = await start_bot()  # a restart on the same database
    restarted.shutdown()
    counts = Counter(key for _, _, key in posts if key.endswith("update:speech"))
    assert sorted(counts.values()) == [1, 1, 1]


@pytest.mark.usefixtures("backend")
async def test_moving_the_event_makes_a_new_countdown_whose_posts_go_out_once(content, tmp_path):
    clock = FakeClock(START - dt.timedelta(days=3) + dt.timedelta(minutes=5))  # the 3-day reminder just went out
    db = open_db(tmp_path / "ledger.db")
    db.subscribe("slack", "T1", "C1", "UTC", START - dt.timedelta(days=10))
    posts: list = []
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock, subscriptions=db)
    scheduler = ReminderScheduler(service(db, {"slack": RecordingPoster(posts)}, None, clock))
    scheduler.service.store = lambda: dispatcher.store
    reloader = ContentReloader(dispatcher.content, content, db, clock=clock)
    reloader.on_reloaded.append(scheduler.content_reloaded)
    await scheduler.start()
    try:
        assert [t.split(":")[0] for _, t, _ in posts] == ["3 days to go"]
        before = sorted(j.next_run_time for j in scheduler.scheduler.get_jobs() if j.id != RETRY_JOB)
        content.write_text(moved_a_day_later(), encoding="utf-8")
        outcome = await reloader.reload("test")
        assert "a new countdown" in outcome.diff.summary()
        jobs = {j.id: j.next_run_time for j in scheduler.scheduler.get_jobs() if j.id != RETRY_JOB}
        assert all(i.startswith("countdown@2025-09-04T01:00Z:") for i in jobs)
        # The 3-day post of the new countdown is due again, in the future; the rest a day later too.
        assert sorted(jobs.values())[1:] == [t + dt.timedelta(days=1) for t in before]
        clock.advance(dt.timedelta(days=1))
        await scheduler.service.deliver_due()
        await scheduler.service.deliver_due()
        assert [t.split(":")[0] for _, t, _ in posts] == ["3 days to go", "3 days to go"]  # the new one, once
        schedule = await dispatcher.handle(Command(text="schedule", platform="slack", workspace="T1", channel="C1"))
        assert schedule.fields[-1].value == "Thursday 4 September 2025, 01:00 UTC"
    finally:
        scheduler.shutdown()


@pytest.mark.usefixtures("backend")
async def test_renaming_the_event_id_reposts_nothing(content, tmp_path):
    clock = FakeClock(START - dt.timedelta(days=3) + dt.timedelta(minutes=5))
    db = open_db(tmp_path / "rename.db")
    for n in range(10):
        db.subscribe("slack", "T1", f"C{n}", "UTC", START - dt.timedelta(days=10))
    posts: list = []
    dispatcher = Dispatcher(FactStore(load_event(content)), clock=clock, subscriptions=db)
    delivery = service(db, {"slack": RecordingPoster(posts)}, None, clock, grace=dt.timedelta(days=30))
    delivery.store = lambda: dispatcher.store
    await delivery.deliver_due()
    sent = len(posts)
    assert sent >= 10
    content.write_text(content.read_text(encoding="utf-8").replace("id: beijing-parade-2025", "id: parade-2025", 1),
                       encoding="utf-8")
    reloader = ContentReloader(dispatcher.content, content, db, clock=clock)
    assert not (await reloader.reload("test")).ok  # a new id: refused until forced
    outcome = await reloader.reload("test", force=True)
    assert outcome.ok and dispatcher.store.event.id == "parade-2025"
    await delivery.deliver_due()
    assert len(posts) == sent  # 0 re-posts


async def test_the_application_wires_commands_reloads_and_posts_in_one_place(content, tmp_path, monkeypatch):
    from test_reminders import RecordingPoster

    from bot.application import Application
    from bot.config import load_settings

    monkeypatch.delenv("PARADE_DATABASE_URL", raising=False)
    settings = load_settings(None).model_copy(update={"content": str(content)})
    app = Application.build(settings, database_url=f"sqlite:///{tmp_path / 'app.db'}")
    assert app.database is not None and app.dispatcher.store is app.content.store
    posts: list = []
    diffs: list = []

    async def platform_step(diff) -> None:  # what a platform adds: its listings, its Home tab
        diffs.append(diff)

    app.after_reload.append(platform_step)
    async with app.running({"console": RecordingPoster(posts)}):
        admin = Command(text="reload", is_admin=True, platform="console", workspace="local", channel="console")
        content.write_text(moved_a_day_later(), encoding="utf-8")
        reply = await app.dispatcher.handle(admin)
        assert reply.title == "Content reloaded" and app.content.store.event.name == "Beijing parade (moved)"
        [diff] = diffs
        assert diff.time_changed
        subscribed = await app.dispatcher.handle(Command(text="subscribe UTC", platform="console", manages_channel=True,
                                                         workspace="local", channel="console"))
        assert subscribed.title == "Subscribed"


async def test_a_reload_that_would_drop_most_facts_waits_for_force(content):
    """A file cut short mid-save can still be valid YAML: it must not silently empty the bot."""
    dispatcher = Dispatcher(FactStore(load_event(content)))
    dispatcher.reloader = ContentReloader(dispatcher.content, content)
    facts_before = len(dispatcher.store.event.facts)
    text = content.read_text(encoding="utf-8")
    content.write_text(text[:text.index("\nfacts:")] + "\n", encoding="utf-8")  # everything after facts: lost
    refused = await dispatcher.handle(admin("reload"))
    assert refused.title == "Reload refused" and f"of the {facts_before} facts would be removed" in refused.text
    assert "reload with `force`" in refused.text and len(dispatcher.store.event.facts) == facts_before
    cut = content.read_text(encoding="utf-8")
    content.write_text(cut + "# edited after the refusal\n", encoding="utf-8")
    changed = await dispatcher.handle(admin("reload force"))  # force applies only the file that was shown
    assert changed.title == "Reload refused" and "not the one last refused" in changed.text
    content.write_text(cut, encoding="utf-8")
    assert (await dispatcher.handle(admin("reload"))).title == "Reload refused"
    forced = await dispatcher.handle(admin("reload force"))
    assert forced.title == "Content reloaded" and not dispatcher.store.event.facts


@pytest.mark.usefixtures("backend")
async def test_posts_recorded_under_the_keys_before_0_4_are_not_sent_again(content, tmp_path):
    clock = FakeClock(START - dt.timedelta(days=7) + dt.timedelta(minutes=5))
    db = open_db(tmp_path / "legacy.db")
    sub = db.subscribe("slack", "T1", "C1", "UTC", START - dt.timedelta(days=10)).id
    db.claim(sub, "beijing-parade-2025:T-10080m", "0.3", clock())  # written by the previous version
    db.finish(sub, "beijing-parade-2025:T-10080m", "sent", clock())
    posts: list = []
    await service(db, {"slack": RecordingPoster(posts)}, FactStore(load_event(content)), clock).deliver_due()
    assert posts == []
