"""Fuzzed command input through the core, the renderers and both adapters: nothing escapes a handler,
and every reply fits the platform's limits by visible truncation, never by being rejected."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord_bot import render_embed
from adapters.slack_app import render_blocks
from bot.commands import COMMANDS, Command, Dispatcher
from bot.persistence import Database

MARKUP = ["<!channel>", "<!here>", "<@U123>", "<#C1|x>", "@everyone", "<@&1>", "**bold**", "`code`", "```",
          "~~s~~", "||spoiler||", "&amp;", "<https://x.example|y>", "\u202e", "\u200b", "\x00", "\x1b[31m"]
COMMAND_WORDS = [*COMMANDS, "", " ", "nope", "ASK", "who", "/parade"]
FAILURES: list[str] = []
TRIED: list[int] = []


def discord_problems(embed: dict) -> list[str]:
    """Discord's embed limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits"""
    fields = embed.get("fields", [])
    total = (len(embed.get("title", "")) + len(embed.get("description", "")) +
             len(embed.get("footer", {}).get("text", "")) + sum(len(f["name"]) + len(f["value"]) for f in fields))
    problems = [
        *(["title > 256"] if len(embed.get("title", "")) > 256 else []),
        *(["description > 4096"] if len(embed.get("description", "")) > 4096 else []),
        *(["footer > 2048"] if len(embed.get("footer", {}).get("text", "")) > 2048 else []),
        *(["more than 25 fields"] if len(fields) > 25 else []),
        *(["total > 6000"] if total > 6000 else []),
    ]
    for f in fields:
        if not (0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024):
            problems.append(f"field sizes {len(f['name'])}/{len(f['value'])}")
    return problems


def slack_problems(blocks: list[dict]) -> list[str]:
    """Block Kit limits: https://api.slack.com/reference/block-kit/blocks"""
    problems = ["more than 50 blocks"] if len(blocks) > 50 else []
    for block in blocks:
        if block["type"] == "header" and not 0 < len(block["text"]["text"]) <= 150:
            problems.append("header size")
        if block["type"] == "section":
            if "text" in block and not 0 < len(block["text"]["text"]) <= 3000:
                problems.append("section text size")
            fields = block.get("fields", [])
            if len(fields) > 10 or any(not 0 < len(f["text"]) <= 2000 for f in fields):
                problems.append("section fields")
        if block["type"] == "context" and any(len(e["text"]) > 3000 for e in block["elements"]):
            problems.append("context size")
    return problems


@pytest.fixture(scope="module")
def fuzz_bot(tmp_path_factory):
    from conftest import PARADE_START_UTC, SEED, FakeClock

    from bot.loading import load_event
    from bot.store import FactStore

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'p.db'}")
    db.create_schema()
    return Dispatcher(FactStore(load_event(SEED)), clock=FakeClock(PARADE_START_UTC), subscriptions=db)


text_inputs = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=200),
    st.lists(st.sampled_from(MARKUP), max_size=12).map(" ".join),
    st.sampled_from(["", " ", "\t\n", "\u3000"]),
    st.integers(min_value=1_000, max_value=100_000).map(lambda n: ("ab<!here>&" * n)[:n]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(word=st.sampled_from(COMMAND_WORDS), argument=text_inputs)
def test_fuzzed_commands_never_escape_and_always_fit(fuzz_bot, word, argument):
    text = f"{word} {argument}"
    reply = asyncio.run(fuzz_bot.handle(Command(text=text, user_id="U", platform="slack", workspace="T",
                                                channel="C")))
    TRIED.append(len(text))
    problems = discord_problems(render_embed(reply).to_dict()) + slack_problems(render_blocks(reply))
    if "The operator has been told" in reply.text:
        problems.append("a handler raised")
    if problems:
        FAILURES.append(f"{text[:60]!r}: {problems}")
    assert not problems


def test_fuzz_figure(capsys):
    with capsys.disabled():
        print(f"\nfuzzed commands: {len(TRIED)} inputs tried (longest {max(TRIED, default=0)} chars), "
              f"{len(FAILURES)} failures")
    assert len(TRIED) >= 400 and FAILURES == []


def random_inputs(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        kind = rng.randrange(4)
        if kind == 0:
            out.append("".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 400))))
        elif kind == 1:
            out.append(" ".join(rng.choice(MARKUP) for _ in range(rng.randrange(1, 20))))
        elif kind == 2:
            out.append("".join(chr(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 50))))
        else:
            out.append("x" * rng.randrange(5_000, 100_000))
    return out


async def test_fuzzed_input_through_both_adapters(fake_slack, fake_discord, bot, capsys):
    from test_discord_adapter import GOOD_TOKEN, interaction, run_interaction
    from test_slack_adapter import slack_server

    from adapters.discord_bot import ParadeClient

    inputs = random_inputs(40)
    failures = 0
    discord_client = ParadeClient(bot)
    await discord_client.login(GOOD_TOKEN)
    try:
        async with slack_server(bot, fake_slack) as slack:
            for i, text in enumerate(inputs):
                sent = await slack.answer(f"{COMMAND_WORDS[i % len(COMMAND_WORDS)]} {text}")
                failures += bool(slack_problems(sent["blocks"]))
                payload = interaction("who" if i % 2 else "ask", **({"person": text} if i % 2 else
                                                                     {"question": text[:500]}))
                data = (await run_interaction(discord_client, fake_discord, payload))["data"]
                failures += bool(discord_problems(data["embeds"][0]))
    finally:
        await discord_client.close()
    with capsys.disabled():
        print(f"\nfuzzed input through the adapters: {2 * len(inputs)} requests, {failures} over a platform limit")
    assert failures == 0

