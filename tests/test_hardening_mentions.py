"""Mention injection: a corpus of attempts in user text and in content files, through both adapters.
The figure is the number of pings that reach the fake platform APIs: it must be 0."""

from __future__ import annotations

import re

import yaml
from conftest import SEED

from adapters.discord_bot import DiscordPoster
from adapters.slack_app import SlackPoster
from bot.commands import Dispatcher
from bot.loading import parse_event
from bot.reply import Reply
from bot.schedule import render_update
from bot.store import FactStore

BASE = ["@everyone", "@here", "@channel", "<!channel>", "<!here>", "<!everyone>", "<!subteam^S012AB3CD>",
        "<!subteam^S012AB3CD|@team>", "<@U012AB3CD>", "<@W012AB3CD>", "<#C012AB3CD>", "<@&123456789012345678>",
        "<@123456789012345678>", "<@!123456789012345678>", "<#123456789012345678>",
        "<!date^1392734382^{date}|x>", "&lt;!channel&gt;"]


def variants(attempt: str) -> list[str]:
    return [
        attempt,
        attempt.replace("@", "@\u200b").replace("!", "\u200b!"),  # zero-width characters inside
        attempt.replace("@", "\uff20").replace("<", "\uff1c"),  # full-width look-alikes
        f"hi {attempt}, see {attempt}!",  # inside other text
    ]


CORPUS = [v for attempt in BASE for v in variants(attempt)]
# What Slack would turn into a notification: manual parsing strings, and, where automatic parsing is on,
# bare @channel/@here/@everyone.
# The bot's own date markup (a time in each reader's zone) is the one control sequence it writes: it
# notifies no one, and an injected one (the corpus has `<!date^…^{date}|x>`) has another form and still counts.
SLACK_PING = re.compile(r"<[!@#](?!date\^\d+\^\{date_(?:long|short)_pretty\} \{time\}\|)")
SLACK_AUTO = re.compile(r"@(channel|here|everyone)\b")


def slack_pings(payload: dict) -> int:
    """Pings in the parts Slack parses: the top-level text and every mrkdwn object. plain_text objects
    (the header) are never parsed for markup or mentions (Block Kit text object reference)."""
    count = len(SLACK_PING.findall(payload.get("text", "")))

    def walk(node: object) -> None:
        nonlocal count
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                count += len(SLACK_PING.findall(node["text"]))
                if not node.get("verbatim"):
                    count += len(SLACK_AUTO.findall(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks", []))
    return count


def discord_pings(payload: dict) -> int:
    allowed = payload.get("allowed_mentions")
    if allowed != {"parse": []}:
        return 1  # anything but "parse nothing" lets some mention through
    return 1 if payload.get("content") else 0  # mentions only ever live in content; embeds never ping


def injected_content() -> str:
    event = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    event["topics"].append({"id": "injected", "title": "Injected"})
    event["facts"] += [{"id": f"inj-{i}", "topic": "injected", "text": text, "sources": ["ap"]}
                       for i, text in enumerate(CORPUS)]
    event["updates"] = [{"id": f"upd-{i}", "published_at": "2025-08-30T10:00:00+08:00", "title": text[:150],
                         "text": text, "sources": ["ap"]} for i, text in enumerate(CORPUS)]
    event["name"] = "Parade " + CORPUS[3]
    return yaml.safe_dump(event, allow_unicode=True, sort_keys=False)


async def test_no_mention_attempt_reaches_a_platform(fake_slack, fake_discord, clock, capsys):
    from zoneinfo import ZoneInfo

    from test_discord_adapter import GOOD_TOKEN, interaction, run_interaction
    from test_slack_adapter import BOT_TOKEN, slack_server

    from adapters.discord_bot import ParadeClient
    from adapters.slack_app import slack_client

    assert len(CORPUS) >= 50
    store = FactStore(parse_event(injected_content()))
    bot = Dispatcher(store, clock=clock)
    pings = {"slack": 0, "discord": 0}
    attempts = 0

    discord = ParadeClient(bot)
    await discord.login(GOOD_TOKEN)
    try:
        async with slack_server(bot, fake_slack) as slack:
            for text in CORPUS:  # in user text, echoed back in errors and searched by ask
                for command in (f"who {text}", f"ask {text}", f"facts {text}"):
                    pings["slack"] += slack_pings(await slack.answer(command))
                    attempts += 1
                for payload in (interaction("who", person=text), interaction("ask", question=text[:500])):
                    pings["discord"] += discord_pings((await run_interaction(discord, fake_discord, payload))["data"])
                    attempts += 1
            # In content: the injected facts answered in channels, and every news update posted.
            pings["slack"] += slack_pings(await slack.answer("facts injected"))
            data = (await run_interaction(discord, fake_discord, interaction("facts", topic="injected")))["data"]
            pings["discord"] += discord_pings(data)
            slack_poster = SlackPoster(slack_client(BOT_TOKEN, base_url=f"{fake_slack.url}/api/"))
            discord_poster = DiscordPoster(discord)
            for update in store.event.updates:
                reply: Reply = render_update(store, update, ZoneInfo("UTC"))
                await slack_poster.post("C1", reply, idempotency_key=update.id)
                await discord_poster.post("4444", reply, idempotency_key=update.id)
                attempts += 2
    finally:
        await discord.close()

    posted_slack = [r.json for r in fake_slack.received("POST", "^/api/chat.postMessage$")]
    posted_discord = [r.json for r in fake_discord.received("POST", r"/channels/\d+/messages$")]
    assert len(posted_slack) == len(posted_discord) == len(CORPUS)
    pings["slack"] += sum(slack_pings(p) for p in posted_slack)
    pings["discord"] += sum(discord_pings(p) for p in posted_discord)
    with capsys.disabled():
        print(f"\nmention injection: {len(CORPUS)} attempts in user text and content, {attempts} deliveries; "
              f"pings reaching Slack {pings['slack']}, Discord {pings['discord']}")
    assert pings == {"slack": 0, "discord": 0}

