"""Live news from feeds served on 127.0.0.1: formats, fetching as a good citizen, once per story, and
the operator's `parade-bot feeds poll`. The story is the seed's own, as the two source articles tell it."""

from __future__ import annotations

import datetime as dt
import json
from email.utils import format_datetime

import aiohttp
import pytest
from conftest import SEED, FakeClock
from fakeapi import FakeAPI, Recorded, Response

from adapters import cli
from bot.content import Feed
from bot.feedfetch import FeedFetcher
from bot.feeds import parse_feed
from bot.loading import load_event
from bot.newsfeed import FeedPoller, FeedSettings, FeedStories
from bot.store import FactStore

NOW = dt.datetime(2025, 8, 28, 12, 0, tzinfo=dt.UTC)
AP_TITLE = "Kim Jong Un will attend a military parade in Beijing next week"
AP_TEXT = ("North Korean leader Kim Jong Un will make his first visit to China in six years to attend a military "
           "parade next week, the two countries said Thursday, in an event that would bring him together with a "
           "group of world leaders for the first time since taking office in late 2011. \"We warmly welcome "
           "General Secretary Kim Jong Un to China to attend the commemorative events,\" Hong Lei, China's "
           "assistant minister of foreign affairs, told a press conference.")
WIRE_TITLE = "Kim Jong Un to join world leaders at Beijing parade"
WIRE_TEXT = ("North Korean leader Kim Jong Un will attend an expansive military parade in China next week, the "
             "first event to bring him together with a clutch of world leaders since he assumed office in 2011. "
             "\"We warmly welcome General Secretary Kim Jong Un to China to attend the commemorative events,\" "
             "Hong Lei, China's assistant minister of foreign affairs, told a press conference.")


def rss(items: list[dict], title: str = "AP Top News") -> str:
    entries = "".join(
        f"<item><title>{i['title']}</title><link>{i.get('link', '')}</link><description>{i['text']}</description>"
        + (f"<guid>{i['guid']}</guid>" if i.get("guid") else "")
        + f"<pubDate>{format_datetime(i.get('at', NOW - dt.timedelta(hours=1)))}</pubDate></item>"
        for i in items)
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
    return f"{head}<channel><title>{title}</title>{entries}</channel></rss>"


def atom(items: list[dict], title: str = "Wire reports") -> str:
    entries = "".join(
        f"<entry><id>{i['guid']}</id><title>{i['title']}</title><link href=\"{i.get('link', '')}\"/>"
        f"<summary>{i['text']}</summary><updated>{i.get('at', NOW - dt.timedelta(minutes=30)).isoformat()}</updated>"
        "</entry>" for i in items)
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>{entries}</feed>'


def rdf(items: list[dict], title: str = "RDF news") -> str:
    entries = "".join(
        f"<item rdf:about=\"{i['link']}\"><title>{i['title']}</title><link>{i['link']}</link>"
        f"<description>{i['text']}</description><dc:date>{NOW.isoformat()}</dc:date></item>" for i in items)
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="x"><title>{title}</title></channel>{entries}</rdf:RDF>')


AP_ITEM = {"guid": "ap-1", "title": AP_TITLE, "text": AP_TEXT, "link": "https://apnews.example/kim-parade"}
WIRE_ITEM = {"guid": "wire-1", "title": WIRE_TITLE, "text": WIRE_TEXT, "link": "https://wire.example/kim"}
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}


class Feeds:
    """The loopback feed server: path -> Response, changeable mid-test."""

    def __init__(self) -> None:
        self.routes: dict[str, Response] = {}

    def __call__(self, req: Recorded) -> Response:
        return self.routes.get(req.path, Response(404, "no such feed"))


@pytest.fixture
def feeds():
    routes = Feeds()
    with FakeAPI(routes) as fake:
        yield routes, fake


@pytest.fixture
async def poller_for(tmp_path):
    sessions = []

    async def make(db=None, **settings) -> FeedPoller:
        session = aiohttp.ClientSession()
        sessions.append(session)
        options = FeedSettings(allow_private_addresses=True, **settings)
        store = FactStore(load_event(SEED))
        return FeedPoller(lambda: store, options.fetcher(session), db, clock=FakeClock(NOW), settings=options)

    yield make
    for session in sessions:
        await session.close()


def test_rss_atom_and_rdf_parse_to_clean_items():
    for body in (rss([AP_ITEM]), atom([WIRE_ITEM]), rdf([{**AP_ITEM, "title": "<b>Kim</b> &amp; Xi"}])):
        parsed = parse_feed(body.encode(), url="http://feed", outlet=None, now=NOW)
        [item] = parsed.items
        assert item.title and "<" not in item.title and item.published <= NOW and item.link.startswith("https://")
    [item] = parse_feed(rdf([{**AP_ITEM, "title": "<b>Kim</b> &amp; Xi"}]).encode(), url="u", outlet=None,
                        now=NOW).items
    assert item.title == "Kim & Xi"
    hostile = rss([{**AP_ITEM, "link": "javascript:alert(1)", "title": "<script>x</script>Kim\u202e"}])
    [item] = parse_feed(hostile.encode(), url="u", outlet=None, now=NOW).items
    assert item.link is None and item.title == "x Kim"


def test_malformed_and_mis_declared_feeds_give_what_can_be_read_and_say_so():
    broken = rss([AP_ITEM]).replace("</channel></rss>", "")  # cut off
    parsed = parse_feed(broken.encode(), url="u", outlet=None, now=NOW)
    assert parsed.problem and [i.title for i in parsed.items] == [AP_TITLE]
    latin = rss([{**AP_ITEM, "title": "Kim à Pékin"}]).encode("latin-1")  # declared utf-8, sent latin-1
    parsed = parse_feed(latin, url="u", outlet=None, now=NOW)
    assert parsed.items and "Kim" in parsed.items[0].title
    assert parse_feed(b"<html>not a feed</html>", url="u", outlet=None, now=NOW).items == ()
    assert parse_feed(b"\x00\xff garbage", url="u", outlet=None, now=NOW).problem


async def test_one_story_from_two_outlets_is_one_alert_and_later_outlets_join_it(feeds, poller_for):
    routes, fake = feeds
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=XML)
    routes.routes["/wire"] = Response(body=atom([WIRE_ITEM]), headers=XML)
    poller = await poller_for()
    report = await poller.poll([Feed(url=f"{fake.url}/ap", outlet="AP"), Feed(url=f"{fake.url}/wire")])
    [story] = report.new_stories
    assert story.outlets == ["AP", "Wire reports"] and len(story.links) == 2


@pytest.mark.parametrize("slow", ["/ap", "/wire"])
async def test_a_story_is_named_by_its_first_report_whichever_feed_answers_first(feeds, poller_for, slow):
    routes, fake = feeds
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=XML)  # published an hour ago
    routes.routes["/wire"] = Response(body=atom([WIRE_ITEM]), headers=XML)  # 30 minutes ago
    routes.routes[slow] = Response(body=routes.routes[slow].body, headers=XML, delay=0.3)
    poller = await poller_for()
    # The feeds listed wire first: neither the list's order nor the network's decides.
    [story] = (await poller.poll([Feed(url=f"{fake.url}/wire"), Feed(url=f"{fake.url}/ap", outlet="AP")])).new_stories
    assert (story.title, story.outlets) == (AP_TITLE, ["AP", "Wire reports"])
    assert story.key == "story:" + story.items[0].key.split(":")[-1] and story.items[0].outlet == "AP"


async def test_guid_churn_edits_off_topic_and_backlog_are_not_news(feeds, poller_for):
    routes, fake = feeds
    backlog = {**AP_ITEM, "guid": "old", "title": "Kim Jong Un in Beijing last year", "link": "https://a.example/old",
               "text": "An older report on Kim Jong Un in Beijing.", "at": NOW - dt.timedelta(days=3)}
    off_topic = {"guid": "rain", "title": "Rain in London", "text": "Wet weekend ahead.", "link": "https://a.example/r"}
    routes.routes["/ap"] = Response(body=rss([AP_ITEM, backlog, off_topic]), headers=XML)
    poller = await poller_for()
    feed = Feed(url=f"{fake.url}/ap", outlet="AP")
    assert [s.title for s in (await poller.poll([feed], force=True)).new_stories] == [AP_TITLE]
    churned = {**AP_ITEM, "guid": "ap-1-v2", "title": AP_TITLE + " (updated)", "text": AP_TEXT + " More."}
    routes.routes["/ap"] = Response(body=rss([churned, backlog, off_topic]), headers=XML)  # same link, new guid
    report = await poller.poll([feed], force=True)
    assert report.new_stories == [] and report.joined == []


async def test_conditional_get_retry_after_and_backoff(feeds, poller_for):
    routes, fake = feeds
    cached = {**XML, "ETag": '"v1"', "Cache-Control": "max-age=1800"}
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=cached)
    poller = await poller_for()
    feed = Feed(url=f"{fake.url}/ap", refresh_minutes=10)
    await poller.poll([feed])
    state = poller.states[feed.url]
    assert state.etag == '"v1"' and state.next_poll == NOW + dt.timedelta(minutes=30)  # max-age beats 10 min
    assert (await poller.poll([feed])).polled == 0  # not due yet
    routes.routes["/ap"] = Response(304)
    await poller.poll([feed], force=True)
    assert fake.received("GET", "^/ap$")[-1].headers["If-None-Match"] == '"v1"' and state.last_status == "not modified"
    routes.routes["/ap"] = Response(429, "slow down", {"Retry-After": "7200"})
    await poller.poll([feed], force=True)
    assert state.failures == 1 and state.next_poll == NOW + dt.timedelta(hours=2)
    routes.routes["/ap"] = Response(500, "oops")
    for _ in range(9):
        await poller.poll([feed], force=True)
    assert state.disabled and state.failures == 10
    assert (await poller.poll([feed])).polled == 0  # disabled: not polled until re-enabled


@pytest.mark.parametrize(("response", "error"), [
    (Response(body="<rss/>", delay=3.0), "no answer within"),
    (Response(body=b"x" * (50 * 1024 * 1024), headers=XML), "limit"),
    (Response(302, "", {"Location": "/loop"}), "redirects"),
])
async def test_slow_huge_and_looping_feeds_fail_cleanly(feeds, poller_for, response, error):
    routes, fake = feeds
    routes.routes["/loop"] = response
    poller = await poller_for(timeout=1.0)
    feed = Feed(url=f"{fake.url}/loop")
    report = await poller.poll([feed])
    assert report.failed == [feed.url] and error in poller.states[feed.url].last_status


async def test_private_addresses_are_refused_unless_allowed(feeds):
    routes, fake = feeds
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=XML)
    async with aiohttp.ClientSession() as session:
        refused = await FeedFetcher(session).fetch(f"{fake.url}/ap")
        allowed = await FeedFetcher(session, allow_private_addresses=True).fetch(f"{fake.url}/ap")
    assert refused.status == "failed" and "private" in refused.error
    assert allowed.status == "ok" and fake.received("GET", "^/ap$")[0].headers["User-Agent"].startswith("parade-bot/")


async def test_a_story_is_posted_once_and_only_to_channels_subscribed_before_it(feeds, poller_for, tmp_path):
    from test_reminders import RecordingPoster, open_db

    from bot.delivery import DeliveryService

    routes, fake = feeds
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=XML)
    db = open_db(tmp_path / "news.db")
    db.subscribe("slack", "W", "EARLY", "UTC", NOW - dt.timedelta(days=1))
    db.subscribe("slack", "W", "LATE", "UTC", NOW)  # after the item was published
    db.subscribe("slack", "W", "QUIET", "UTC", NOW - dt.timedelta(days=1))
    from bot.commands import Command, Dispatcher

    quiet = Command(text="alerts off", platform="slack", workspace="W", channel="QUIET", manages_channel=True)
    member = Command(text="alerts off", platform="slack", workspace="W", channel="EARLY")
    bot = Dispatcher(FactStore(load_event(SEED)), clock=FakeClock(NOW), subscriptions=db)
    assert (await bot.handle(member)).title == "Not allowed"
    assert (await bot.handle(quiet)).title == "Feed alerts off"
    poller = await poller_for(db)
    await poller.poll([Feed(url=f"{fake.url}/ap", outlet="AP")])
    posts: list = []
    service = DeliveryService(db, {"slack": RecordingPoster(posts)}, poller.store, clock=FakeClock(NOW),
                              owner="t", sources=(FeedStories(poller.book),))
    await service.deliver_due()
    await service.deliver_due()
    assert [(channel, title) for channel, title, _ in posts] == [("EARLY", f"News: {AP_TITLE}")]


def test_feeds_poll_prints_one_story_with_both_outlets_then_nothing(feeds, tmp_path, capsys):
    routes, fake = feeds
    now = dt.datetime.now(dt.UTC)
    routes.routes["/ap"] = Response(body=rss([{**AP_ITEM, "at": now - dt.timedelta(hours=1)}]), headers=XML)
    routes.routes["/wire"] = Response(body=atom([{**WIRE_ITEM, "at": now - dt.timedelta(minutes=20)}]), headers=XML)
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"content: {json.dumps(str(SEED))}\ndata_dir: {json.dumps(str(tmp_path))}\n"
                        "feeds:\n  allow_private_addresses: true\n", encoding="utf-8")
    argv = ["--config", str(settings), "feeds", "poll", "--json", "--feed", f"{fake.url}/ap",
            "--feed", f"{fake.url}/wire"]
    assert cli.main(argv) == 0
    [line] = capsys.readouterr().out.splitlines()
    story = json.loads(line)
    assert story["title"] == AP_TITLE and story["outlets"] == ["AP Top News", "Wire reports"]
    assert story["links"] == [AP_ITEM["link"], WIRE_ITEM["link"]] and story["published"]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == ""  # a second run over unchanged feeds prints nothing


async def test_a_disabled_feed_shows_in_the_delivery_report(feeds, poller_for, tmp_path):
    from test_reminders import open_db

    from bot.commands import Command, Dispatcher

    routes, fake = feeds
    routes.routes["/down"] = Response(500, "down")
    db = open_db(tmp_path / "report.db")
    poller = await poller_for(db, disable_after=2)
    feed = Feed(url=f"{fake.url}/down")
    for _ in range(2):
        await poller.poll([feed], force=True)
    bot = Dispatcher(FactStore(load_event(SEED)), clock=FakeClock(NOW), subscriptions=db)
    bot.news = poller
    report = await bot.handle(Command(text="status", is_admin=True))
    [field] = [f for f in report.fields if f.name.startswith("Feeds disabled")]
    assert feed.url in field.value and "feeds enable" in field.value


async def test_the_servers_charset_decodes_a_feed_whose_declaration_is_wrong(feeds, poller_for):
    routes, fake = feeds
    text = rss([{**AP_ITEM, "title": "金正恩 Kim Jong Un in Beijing for the parade", "guid": "jp"}])
    routes.routes["/jp"] = Response(body=text.encode("shift_jis"),  # declared utf-8, sent as the header says
                                    headers={"Content-Type": "application/rss+xml; charset=shift_jis"})
    poller = await poller_for()
    [story] = (await poller.poll([Feed(url=f"{fake.url}/jp")])).new_stories
    assert story.title == "金正恩 Kim Jong Un in Beijing for the parade"


@pytest.mark.usefixtures("backend")
async def test_processes_sharing_a_database_fetch_each_feed_once_and_all_post_its_stories(feeds, poller_for,
                                                                                          tmp_path):
    """Two pollers on one database stand for two bot processes (say one on Discord, one on Slack): the
    first claims the feed's poll, the second does not fetch it, yet learns the story from the database
    under the same key, so its own platform gets it once through the ledger."""
    from test_reminders import RecordingPoster, open_db

    from bot.delivery import DeliveryService

    routes, fake = feeds
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=XML)
    db = open_db(tmp_path / "shared.db")
    db.subscribe("discord", "G", "D1", "UTC", NOW - dt.timedelta(days=1))
    db.subscribe("slack", "W", "S1", "UTC", NOW - dt.timedelta(days=1))
    feed = Feed(url=f"{fake.url}/ap", outlet="AP")
    first, second = await poller_for(db), await poller_for(db)
    for poller in (first, second):
        await poller.restore()
    polled = await first.poll([feed])
    other = await second.poll([feed])
    assert polled.polled == 1 and len(polled.new_stories) == 1
    assert other.polled == 0 and other.learned == 1 and len(fake.received("GET", "^/ap$")) == 1
    assert list(second.book.stories) == list(first.book.stories)  # the same ledger key in both

    posts: list = []
    for poller, platform in ((first, "discord"), (second, "slack")):
        service = DeliveryService(db, {platform: RecordingPoster(posts)}, poller.store, clock=FakeClock(NOW),
                                  owner=platform, sources=(FeedStories(poller.book),))
        await service.deliver_due()
    assert sorted((channel, title) for channel, title, _ in posts) == [("D1", f"News: {AP_TITLE}"),
                                                                        ("S1", f"News: {AP_TITLE}")]
    later = NOW + dt.timedelta(minutes=11)  # the feed is due again (refresh 10 min): one of them fetches it
    first.clock = second.clock = FakeClock(later)
    polls = [await second.poll([feed]), await first.poll([feed])]
    assert [p.polled for p in polls] == [1, 0] and len(fake.received("GET", "^/ap$")) == 2


@pytest.mark.usefixtures("backend")
async def test_a_feed_disabled_is_told_once_in_the_admins_channel(feeds, poller_for, tmp_path, monkeypatch):
    from test_reminders import RecordingPoster, open_db

    from bot.application import Application
    from bot.config import FeedConfig, FeedNotices, load_settings

    routes, fake = feeds
    routes.routes["/down"] = Response(500, "down")
    db = open_db(tmp_path / "notices.db")
    feed = Feed(url=f"{fake.url}/down")
    first, second = await poller_for(db, disable_after=2), await poller_for(db, disable_after=2)
    disabled = []
    for minutes in (0, 30, 60, 90):  # each poll after the backoff: the two take turns, the feed fails each time
        for poller in (first, second):
            poller.clock = FakeClock(NOW + dt.timedelta(minutes=minutes))
            disabled += (await poller.poll([feed])).disabled
    assert disabled == [(feed.url, "HTTP 500")] and db.feed_states()[feed.url].disabled
    assert len(fake.received("GET", "^/down$")) == 2  # and no fetch after it was disabled

    monkeypatch.delenv("PARADE_DATABASE_URL", raising=False)
    notify = FeedNotices(platform="slack", channel="CADMINS", workspace="T1")
    settings = load_settings(None).model_copy(update={"content": str(SEED), "feeds": FeedConfig(notify=notify)})
    app = Application.build(settings, database_url=f"sqlite:///{tmp_path / 'app.db'}")
    posts: list = []
    await app._tell_feed_disabled(feed.url, "HTTP 500", {"slack": RecordingPoster(posts)})
    [(channel, title, key)] = posts
    assert (channel, title) == ("CADMINS", "Feed disabled") and key.startswith(f"feed-disabled:{feed.url}:")
    await app._tell_feed_disabled(feed.url, "HTTP 500", {"discord": RecordingPoster(posts)})  # no Slack here
    assert len(posts) == 1


@pytest.mark.usefixtures("backend")
async def test_processes_take_turns_so_one_story_from_two_feeds_is_one_alert_everywhere(feeds, poller_for, tmp_path):
    """Each process groups only after reading what the others recorded, under a lease: the wire's copy
    polled by the second process joins the AP story the first process made, instead of becoming a
    second alert; and while one process holds the lease, another polls nothing."""
    from test_reminders import open_db

    routes, fake = feeds
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=XML)
    routes.routes["/wire"] = Response(body=atom([WIRE_ITEM]), headers=XML)
    db = open_db(tmp_path / "turns.db")
    first, second = await poller_for(db), await poller_for(db)
    first.owner, second.owner = "proc-1", "proc-2"
    ap, wire = Feed(url=f"{fake.url}/ap", outlet="AP"), Feed(url=f"{fake.url}/wire", outlet="Wire")

    assert db.lease_feed_polls("proc-9", NOW, NOW + dt.timedelta(minutes=15))  # someone else is polling
    assert (await first.poll([ap])).busy and not fake.received("GET", "^/ap$")
    db.release_feed_polls("proc-9")

    made = await first.poll([ap])
    joined = await second.poll([wire])
    [story] = made.new_stories
    assert not joined.busy and joined.new_stories == [] and [s.key for s in joined.joined] == [story.key]
    assert second.book.stories[story.key].outlets == ["AP", "Wire"]


@pytest.mark.usefixtures("backend")
async def test_a_running_bot_polls_its_contents_feeds_on_a_session_it_opens_at_the_first_fetch(feeds, tmp_path,
                                                                                               monkeypatch):
    """aiohttp is loaded only for what needs it: the running bot's fetcher opens its HTTP session at its
    first fetch, posts what the feed brings, and closes that session when the bot stops."""
    import asyncio

    from backends import database_url
    from test_reminders import RecordingPoster, open_db

    from bot.application import Application
    from bot.config import FeedConfig, load_settings

    routes, fake = feeds
    routes.routes["/ap"] = Response(body=rss([AP_ITEM]), headers=XML)
    path = tmp_path / "running.db"
    open_db(path).subscribe("console", "local", "console", "UTC", NOW - dt.timedelta(days=1))
    monkeypatch.delenv("PARADE_DATABASE_URL", raising=False)
    event = load_event(SEED).model_copy(update={"feeds": (Feed(url=f"{fake.url}/ap", outlet="AP"),)})
    settings = load_settings(None).model_copy(update={"feeds": FeedConfig(allow_private_addresses=True)})
    app = Application.build(settings, store=FactStore(event), clock=FakeClock(NOW),
                            database_url=database_url(path))
    posts: list = []
    async with app.running({"console": RecordingPoster(posts)}):
        assert app.dispatcher.news is not None
        fetcher = app.dispatcher.news.fetcher
        story = ("console", f"News: {AP_TITLE}")
        for _ in range(1000):
            if story in [(channel, title) for channel, title, _ in posts]:  # besides the content's own news
                break
            await asyncio.sleep(0.01)
        session = fetcher.session
        assert session is not None and not session.closed
    assert [(channel, title) for channel, title, _ in posts].count(story) == 1
    assert session.closed and fetcher.session is None
    assert fake.received("GET", "^/ap$")[0].headers["User-Agent"].startswith("parade-bot/")
