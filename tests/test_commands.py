"""Each command, as a user in a channel would see it."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from conftest import DATA, PARADE_START_UTC, SEED, SEED_COUNTDOWN, Chat, FakeClock

from bot.commands import COMMANDS, Command, Dispatcher
from bot.loading import load_event, parse_event
from bot.reply import Reply
from bot.store import FactStore


def field(reply, name):
    return next(f.value for f in reply.fields if f.name == name)


ASSUMED = " (counted to the assumed start time)."


def test_when_before_the_parade_counts_down_in_the_event_zone(chat):
    reply = chat.say("/parade when")
    assert reply.text == ("Wednesday 3 September 2025, time of day not reported "
                          "(this bot assumes 09:00 CST (Asia/Shanghai))")
    assert field(reply, "Countdown") == SEED_COUNTDOWN
    assert {c.source_id for c in reply.citations} == {"ap", "wire"}
    assert not reply.ephemeral and not reply.is_error


def test_when_in_the_channel_timezone_names_the_venue_date_and_labels_the_assumed_time(bot):
    reply = Chat(bot, timezone="America/New_York").say("/parade when")
    assert reply.text == ("Wednesday 3 September 2025 (Asia/Shanghai), time of day not reported "
                          "(this bot assumes Tuesday 2 September 2025, 21:00 EDT (America/New_York))")
    assert "Local time at the venue" not in {f.name for f in reply.fields}  # no venue time to show


def test_when_with_a_reported_time_shows_it_and_the_venue_time(clock):
    festival = Dispatcher(FactStore(load_event(DATA / "harbour_festival.yaml")), clock=clock)
    reply = Chat(festival, timezone="UTC").say("/parade when")
    assert reply.text == "Saturday 14 June 2031, 20:30 UTC"
    assert field(reply, "Local time at the venue") == "Saturday 14 June 2031, 21:30 WEST (Europe/Lisbon)"
    assert "assumed" not in field(reply, "Countdown")


def test_after_the_parade_it_says_it_took_place(bot, clock):
    clock.now = PARADE_START_UTC + dt.timedelta(days=446, hours=5)
    assert field(Chat(bot).say("/parade when"), "Countdown") == f"Took place 446 days ago{ASSUMED}"
    clock.now = PARADE_START_UTC + dt.timedelta(hours=2)
    assert Chat(bot).say("/parade countdown").text == "Started 2 hours ago (counted to the assumed start time)."


def test_countdown(chat, clock):
    clock.now = PARADE_START_UTC - dt.timedelta(minutes=42)
    assert chat.say("/parade countdown").text == "Starts in 42 minutes (counted to the assumed start time)."


def test_where_and_why(chat):
    assert chat.say("/parade where").text == "Beijing, China"
    why = chat.say("/parade why")
    assert "80th anniversary" in why.text and "Japan's surrender" in why.text
    assert why.citations


def test_who_groups_attendees_and_lists_absentees_with_reasons(chat):
    reply = chat.say("/parade who")
    assert "26 foreign leaders" in reply.text and "Host: Xi Jinping" in reply.text
    assert "Kim Jong Un" in field(reply, "Named leaders") and "Vladimir Putin" in field(reply, "Named leaders")
    assert field(reply, "Other leaders named by country").count("Leader of") == 8
    absent = field(reply, "Not attending")
    assert "war in Ukraine" in absent and "[ap]" in absent and "[wire]" in absent


def test_who_with_a_misspelt_person(chat):
    reply = chat.say("/parade who Puttin")
    assert reply.title == "Vladimir Putin"
    assert "kim-putin-call" in reply.fact_ids


def test_facts_lists_topics_then_answers_one_with_tags(chat):
    topics = chat.say("/parade facts")
    assert topics.ephemeral and any("/parade facts trade" in f.value for f in topics.fields)
    trade = chat.say("/parade facts trade")
    assert trade.fact_ids == ("trade-shares-2023",)
    assert "97%" in trade.fields[0].value and trade.fields[0].value.endswith("[ap]")
    assert chat.say("/parade facts economy").fact_ids == trade.fact_ids  # topic title, not just id


def test_facts_shows_both_versions_where_sources_differ(chat):
    reply = chat.say("/parade facts absences")
    assert "Sources differ:" in reply.fields[0].value


def test_quote_by_speaker_is_verbatim_and_attributed(chat):
    reply = chat.say("/parade quote easley")
    assert len(reply.fields) == 2
    assert all(f.name.startswith("Leif-Eric Easley, Professor") for f in reply.fields)
    assert "position of strength" in reply.fields[1].value
    assert [c.source_id for c in reply.citations] == ["ap"]
    everyone = chat.say("/parade quote")
    assert len(everyone.fields) == 6


def test_content_only_replies_are_built_once_per_content_version(clock):
    """who/facts/quote and the argument-free replies are kept with the store, so they cost the same
    however many facts there are; the clock-dependent countdown is not, and a reload brings new ones."""
    text = Path(SEED).read_text(encoding="utf-8")
    dispatcher = Dispatcher(FactStore(parse_event(text)), clock=clock)
    chat = Chat(dispatcher)
    for command in ("/parade where", "/parade who Putin", "/parade who puttin", "/parade facts trade",
                    "/parade quote easley", "/parade timeline", "/parade sources", "/parade who"):
        assert chat.say(command) is chat.say(command), command
    assert chat.say("/parade who Putin") is chat.say("/parade who puttin")  # one reply per person, not per spelling
    first = chat.say("/parade who Kim Jong Un")  # more items than one page holds
    second = asyncio.run(dispatcher.handle(Command(text="/parade who Kim Jong Un", page=1)))
    assert second.fields[0].value not in {f.value for f in first.fields}  # each page is its own reply
    assert second.fact_ids == first.fact_ids
    before = chat.say("/parade when")
    clock.now += dt.timedelta(hours=5)
    later = chat.say("/parade when")
    assert field(later, "Countdown") != field(before, "Countdown") and later.text == before.text
    assert [m.text for m in later.moments][-1] != [m.text for m in before.moments][-1]  # "in 2 days, ..."
    assert Chat(dispatcher, timezone="UTC").say("/parade when").text != before.text
    dispatcher.content.store = FactStore(parse_event(text.replace("place: Beijing, China", "place: Pyongyang")))
    assert chat.say("/parade where").text == "Pyongyang"
    assert chat.say("/parade when").text == before.text


def test_timeline_is_in_date_order(chat):
    dates = [f.name for f in chat.say("/parade timeline").fields]
    assert dates == sorted(dates) and dates[0] == "2011-12" and dates[-1] == "2025-09-03"


def test_sources_list_outlets_bylines_and_notes(chat):
    reply = chat.say("/parade sources")
    ap = field(reply, "[ap] Associated Press (AP Brief)")
    assert "2025-08-28" in ap and "By TA" in ap
    assert "no headline" in field(reply, "[wire] Wire-based report (AP and Reuters)")


def test_ask_answers_with_citations_and_admits_what_it_does_not_know(chat):
    reply = chat.say("/parade ask what share of North Korea's trade is with China?")
    assert reply.confident and reply.fact_ids[0] == "trade-shares-2023" and "97%" in reply.text
    unknown = chat.say("/parade ask how many tanks were in the parade?")
    assert not unknown.confident and unknown.title == "I don't know" and "/parade facts" in unknown.text
    assert chat.say("/parade ask when is it?").text.startswith("Wednesday 3 September 2025")


def test_help_lists_every_command_the_asker_may_use(chat):
    reply = chat.say("/parade")
    assert [f.name.split()[1] for f in reply.fields] == [n for n, c in COMMANDS.items() if not c.admin_only]
    chat.is_admin = True
    assert [f.name.split()[1] for f in chat.say("/parade").fields] == list(COMMANDS)
    chat.is_admin = False
    names = {f.name for f in reply.fields}
    assert {"/parade who [person]", "/parade ask <question>", "/parade subscribe [timezone]"} <= names
    assert reply.ephemeral


def test_mistakes_get_short_ephemeral_errors(chat):
    unknown = chat.say("/parade wehn")
    assert unknown.is_error and unknown.ephemeral and "Did you mean `/parade when`?" in unknown.text
    assert "Topics:" in chat.say("/parade facts volcanoes").text
    assert chat.say("/parade ask").is_error
    assert "Unknown timezone" in Chat(chat.dispatcher, timezone="Mars/Olympus").say("when").text


def test_a_failing_handler_costs_one_reply_not_the_bot(chat, monkeypatch, caplog):
    import bot.commands as commands

    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(commands.COMMANDS, "where", commands.COMMANDS["where"].__class__("where", "", "", broken))
    reply = chat.say("/parade where")
    assert reply.is_error and "operator" in reply.text
    assert "command 'where' failed" in caplog.text
    assert chat.say("/parade when").text  # still answering


def test_another_event_is_served_by_the_same_commands():
    store = FactStore(load_event(DATA / "harbour_festival.yaml"))
    chat = Chat(Dispatcher(store, clock=FakeClock(dt.datetime(2031, 6, 14, 19, 0, tzinfo=dt.UTC))))
    when = chat.say("/parade when")
    assert when.text == "Saturday 14 June 2031, 21:30 WEST (Europe/Lisbon)"
    assert field(when, "Countdown") == "Starts in 1 hour, 30 minutes."
    assert chat.say("/parade ask which boats sail?").fact_ids == ("lantern-boats",)
    assert chat.say("/parade who").text == "Host: Ana Vela."
    assert chat.say("/parade quote ana").fields[0].value.startswith('"Bring a lantern')
    assert [c.outlet for c in chat.say("/parade sources").citations] == ["Portoluz Gazette"]


def test_ask_keeps_the_answer_when_it_corrected_a_typo_and_refuses_punctuation(chat):
    reply = chat.say("/parade ask is puttin going?")
    assert reply.text.startswith("Yes. Vladimir Putin") and reply.fields[-1].value == "puttin → putin"
    assert chat.say("/parade ask ?!").is_error


@pytest.fixture
def echo_command():
    """A command declared the one way every command is, removed again after the test."""
    from bot.commands import Argument, command

    @command("echo", "Says the words back.", "/parade echo hello",
             argument=Argument("words", "what to say back", required=True, max_length=20), admin_only=True)
    def cmd_echo(ctx):
        return Reply(title="Echo", text=ctx.argument)

    yield cmd_echo
    del COMMANDS["echo"]


def test_a_new_command_appears_on_every_platform_with_no_adapter_edit(echo_command, bot):
    import discord

    from adapters.discord_bot import ParadeCommands

    group = ParadeCommands(bot, admin=True)  # an admin command: under /parade-admin
    echo = group.get_command("echo")
    assert echo is not None and echo.description == "Says the words back."
    [words] = echo.parameters
    assert (words.display_name, words.required, words.max_value) == ("words", True, 20)
    assert isinstance(group, discord.app_commands.Group)
    assert "/parade echo <words>" in {f.name for f in Chat(bot, is_admin=True).say("/parade help").fields}


def test_the_dispatcher_enforces_what_a_command_declares(echo_command, bot):
    admin = Chat(bot, is_admin=True)
    assert Chat(bot).say("/parade echo hi").title == "Not allowed"           # admin_only
    assert "needs words" in admin.say("/parade echo").text                    # required
    assert "at most 20 characters" in admin.say("/parade echo " + "x" * 21).text
    assert admin.say("/parade echo hi").text == "hi"
    structured = asyncio.run(bot.handle(Command(text="", name="echo", argument="hello", is_admin=True)))
    assert structured.text == "hello"                                          # no text to parse again


def test_a_part_answered_by_an_earlier_part_points_there_instead_of_repeating_it(chat):
    reply = chat.say("/parade ask what will they show at the parade and is xi giving a speech")
    assert reply.fact_ids == {"parade-content"}
    assert reply.fields[1].value == "See above."
    assert reply.fields[0].value.count("speech by Xi") == 1
