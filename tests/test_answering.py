"""`ask`, class by class: each failure class of issue 11, on the seed and on an unrelated event."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import DATA

from bot.language import Pattern, english, world
from bot.lexicon import MAX_CORRECTIONS
from bot.loading import load_event
from bot.store import FactStore

SECOND = DATA / "second_event" / "event.yaml"


@pytest.fixture(scope="module")
def bridge() -> FactStore:
    return FactStore(load_event(SECOND))


def top(store: FactStore, question: str) -> str | None:
    answer = store.ask(question)
    assert answer.confident, (question, answer.reason)
    return answer.keys[0]


def shown_declined(store: FactStore, question: str) -> str:
    """The key of the statement a decline shows ("KCNA did not say how long ...")."""
    declined(store, question)
    return store.ask(question).keys[0]


def declined(store: FactStore, question: str) -> str:
    answer = store.ask(question)
    assert not answer.confident, (question, answer.keys)
    assert answer.reason
    return answer.reason


# The question's type decides what may answer it ---------------------------------------------


@pytest.mark.parametrize(("question", "expected"), [
    ("when does it take place", "event:when"),          # "place" must not make it a where-question
    ("where is it being held", "event:where"),
    ("how many countries are sending leaders", "foreign-leader-count"),  # the number, not the list
    ("who is staying away", "event:absent"),           # the absentees, not the attendees
    ("who is attending", "event:who"),
    ("why is Kim going to china", "invitation"),        # "Kim goes at Xi Jinping's invitation"
    ("who is hosting it", "person:xi-jinping"),
    ("were is the parade happening", "event:where"),    # "were" typed for "where"
    ("were the leaders of cuba invited", "attending:cuba"),  # ... but a real "were" stays a yes/no question
])
def test_the_intent_is_read_before_words_are_dropped(seed_store, question, expected):
    assert top(seed_store, question) == expected


def test_a_typed_question_needs_an_entry_of_that_type(seed_store):
    assert "no number" in declined(seed_store, "how many new weapons will the parade show")
    assert "don't mention tanks" in declined(seed_store, "how many tanks will be in the parade")
    assert "no words from Vladimir Putin" in declined(seed_store, "what did Putin say about the parade")
    # Putin is named in the KCNA fact, but how long *Kim* stays is what it is about.
    declined(seed_store, "how long will putin stay in beijing")


def test_a_number_answers_only_what_its_own_sentence_is_about(seed_store, bridge):
    """A how-long or how-many question needs the value in a sentence with what it asks about: the quote
    "built to stand for 120 years. Every cable has been tested" gives no length for the tests."""
    assert "don't say how long" in declined(bridge, "how long did the load test take")
    assert "don't say how long" in declined(bridge, "how long did the cable tests last")
    # A sentence that says the value is not known is shown, as what the reports lack.
    assert shown_declined(seed_store, "how long is Kim staying in Beijing") == "kcna-no-details"
    assert top(bridge, "how long is the bridge") == top(bridge, "what length is the bridge")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "any idea where the parade is", "event:where"),       # was the occasion
    ("seed_store", "do you know who hong lei is", "person:hong-lei"),    # was his quote
    ("seed_store", "you know what easley's view is?", "quote:easley-strained"),  # was declined
    ("bridge", "any idea who the mayor is", "person:stefan-georgiev"),   # was a fact naming the mayor
])
def test_an_embedded_question_is_read_as_the_direct_question(request, store, question, expected):
    """"(Do you know) what X is" puts the verb last; once the frame is gone it is read as "what is X"."""
    assert top(request.getfixturevalue(store), question) == expected


def test_an_idiom_the_sources_never_use_is_not_dropped(seed_store, bridge):
    """"A big deal" once folded into a dropped word, so "why ... Kim" got any reason for Kim's trip.
    It asks what is new about it, and only a first the reports name answers that."""
    declined(bridge, "why is everyone making a big deal out of the pelicans")
    # the first time Kim, Putin and Xi appear at one event: not a reason for Putin's trip
    assert top(seed_store, "why is everyone making such a big deal of putin coming") == "kim-xi-putin-together"


@pytest.mark.parametrize("question", [
    "is it a big deal that kim is going",
    "why's everyone making such a big deal out of kim going",
    "I'm prepping a lesson for tomorrow. In a line or two, why is Kim going considered a big deal?",
])
def test_a_big_deal_is_what_the_reports_call_a_first(seed_store, question):
    assert top(seed_store, question) in ("first-multilateral", "kim-xi-putin-together")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "wher is the parade being held", "event:where"),   # a question word lacking a letter
    ("seed_store", "is putin goin to beijing", "attending:vladimir-putin"),
    ("bridge", "wher is the ceremony", "event:where"),
    ("seed_store", "pakistan pm attending?", "attending:pakistan"),     # chat shorthand
    ("seed_store", "what did the foreign ministry guy say", "china-welcome"),  # "guy" adds nothing
    ("bridge", "what did the environmental group lady say", "quote:koleva-graveyard"),
    ("seed_store", "which news sources r u using", "event:sources"),  # was China's trade share
    ("bridge", "what's the status of the lawsuit", "lawsuit"),        # "status" adds nothing
])
def test_chat_spellings_found_by_a_second_writer(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_a_question_about_the_past_is_not_answered_by_a_plan(seed_store):
    """"Before", "ever", "so far" ask what has happened: "KCNA did not say whether he will hold talks
    with Xi" answers "will they meet", not "who has Kim met before"."""
    assert top(seed_store, "who has kim met with before") == "past-summits"
    assert shown_declined(seed_store, "will kim hold talks with xi") == "kcna-no-details"
    assert "something to come" in declined(seed_store, "has kim ever stayed long in beijing before")


def test_a_question_about_what_is_to_come_is_not_answered_by_the_past(seed_store, bridge):
    """"Will Kim sit down with Xi" is not answered by "Kim has met Xi and Putin before"; the lawsuit
    that was filed in 2027 does not say whether the coalition will sue."""
    assert shown_declined(seed_store, "will kim sit down with xi while he's there") == "kcna-no-details"
    assert "something past" in declined(bridge, "will the green danube coalition sue")
    assert "something past" in declined(seed_store, "will kim meet trump")  # "Trump recalled his summits"
    assert shown_declined(seed_store, "will kim and putin talk") == "kcna-no-details"  # not "spoke by phone"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "when did trump last meet kim", "trump-kim-meetings"),
    ("bridge", "when was the bridge last tested", "load-test"),
])
def test_when_something_last_happened_asks_for_its_date(request, store, question, expected):
    """"Last" in a when-question asks for the latest date the reports give; no entry needs the word."""
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "is kim jung un going", "attending:kim-jong-un"),
    ("seed_store", "who is xi jinpeng", "person:xi-jinping"),
    ("bridge", "who is todor vasiliv", "person:todor-vasilev"),
])
def test_a_name_spelt_by_ear_is_the_name(request, store, question, expected):
    """One changed vowel is a slip in a person's name, and only there ("tanks" stays no "talks")."""
    assert top(request.getfixturevalue(store), question) == expected
    assert "tanks" in declined(request.getfixturevalue(store), "are there tanks on it")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "will kim sit down w xi one on one?", "kcna-no-details"),
    ("seed_store", "how long is kim staying in china", "kcna-no-details"),
    ("seed_store", "will russian cooperation with north korea last", "turn-back-to-china"),  # "it is unclear"
])
def test_a_statement_that_something_is_not_known_is_no_answer(request, store, question, expected):
    """"KCNA did not say how long Kim will stay" is what the reports lack: shown, not confident."""
    assert "not known" in declined(request.getfixturevalue(store), question)
    assert shown_declined(request.getfixturevalue(store), question) == expected


def test_an_office_asked_for_must_be_the_guests(seed_store, bridge):
    """"The Romanian president" is not Romania's prime minister; "the leader of Pakistan" may be its
    prime minister, but the reports cannot say which of two offices it is."""
    assert "no president of Romania" in declined(bridge, "is the romanian president attending")
    assert shown_declined(bridge, "is the romanian president attending") == "attending:ioana-marinescu"
    assert top(bridge, "is the romanian pm attending") == "attending:ioana-marinescu"
    assert "which office" in declined(seed_store, "is pakistan sending the pm or the president")
    assert "which office" in declined(seed_store, "who is iran sending, the president or the supreme leader")
    assert top(seed_store, "is the pakistani prime minister going") == "attending:pakistan"
    assert top(seed_store, "is the russian president going") == "attending:vladimir-putin"


def test_not_expected_is_not_uninvited(seed_store, bridge):
    assert "not who was invited" in declined(seed_store, "was trump invited")
    assert "not who was invited" in declined(bridge, "was serbia invited")
    assert top(seed_store, "was putin invited") == "attending:vladimir-putin"


def test_where_is_not_answered_by_the_place_the_question_names(seed_store):
    """"Kim travelled to China four times" does not say where in China he went."""
    assert "don't say where" in declined(seed_store, "where in china did kim go in 2019")
    assert top(seed_store, "where did trump meet lee") == "trump-lee-meeting"


def test_an_exact_date_is_not_answered_by_a_month(seed_store):
    assert "no exact date" in declined(seed_store, "what date exactly was the kim putin phone call")
    assert top(seed_store, "when did kim and putin talk on the phone") == "kim-putin-call"
    assert top(seed_store, "what day exactly is the parade") == "event:when"


def test_what_someone_said_about_the_event_must_name_the_event(seed_store):
    """Trump's words about the DMZ are not his words about the parade."""
    assert "on nothing like that" in declined(seed_store, "what did trump say about the parade")
    assert top(seed_store, "what did hong lei say about the parade") == "quote:hong-lei-welcome-ap"
    assert top(seed_store, "what did easley say about the parade") == "quote:easley-repair"


def test_what_a_reader_may_do_there_is_personal(bridge, seed_store):
    """The generic "you": the reports tell what happens, not whether a reader can walk across."""
    assert "not what you should do" in declined(bridge, "can you walk across it")
    assert "not what you should do" in declined(seed_store, "can you watch the parade on tv")
    assert top(bridge, "can you tell me when the bridge opens") == "event:when"


def test_how_much_time_asks_how_long(bridge):
    assert bridge.ask("how much faster is it than the ferry").intent == "duration"
    assert top(bridge, "how much faster is it than the ferry") == "journey-time"


def test_a_bare_where_after_a_part_asks_where_that_happens(bridge):
    """"Who's cutting the ribbon, and where": where the ribbon is cut, not where the event is."""
    assert bridge.ask("who's cutting the ribbon and where").keys == ("ribbon-cutting", "ribbon-cutting")
    assert bridge.ask("who cuts the ribbon and when").keys == ("ribbon-cutting", "event:when")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "is kim rly going lol", "attending:kim-jong-un"),
    ("seed_store", "wat's the parade even for", "event:why"),
    ("seed_store", "how many times did kim go to china in 2018-19", "four-china-trips"),
    ("bridge", "why'd hungary say no", "hungary-absent"),
    ("seed_store", "yang moo jin - who's that", "person:yang-moo-jin"),
    ("seed_store", "nk leader confirmed for the parade or nah", "attending:kim-jong-un"),
    ("seed_store", "indonesia sending its leader to beijing?", "attending:indonesia"),
    ("bridge", "who's japan sending", "attending:japan"),
    ("bridge", "who's representing italy", "attending:italy"),
    ("seed_store", "who extended the invite to kim jong un?", "invitation"),
    ("bridge", "why are serbia staying away, what's the reason", "serbia-absent"),
    ("seed_store", "who's trump in this story", "person:donald-trump"),
    ("seed_store", "any idea where kim's headed next week?", "first-china-trip-since-2019"),
    ("seed_store", "myanmars leader going?? asking for a friend", "attending:myanmar"),
    ("seed_store", "will malaysia be there at leader level", "attending:malaysia"),
    ("seed_store", "what did hong lei say at the presser", "quote:hong-lei-welcome-wire"),
])
def test_more_chat_spellings_from_a_third_writer(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_a_headline_is_no_answer_but_its_date_is(seed_store):
    """The sources list answers "when were the articles published", not "where is Kim going next"
    (AP's headline says "in Beijing next week")."""
    assert top(seed_store, "where is kim going next") != "event:sources"
    assert top(seed_store, "when were the articles published") == "event:sources"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "who is nk's main benefactor", "china-biggest-partner"),
    ("seed_store", "who's north korea's biggest trading partner", "china-biggest-partner"),
])
def test_a_country_answers_who(request, store, question, expected):
    """"China has long been North Korea's main source of aid" answers who gives it aid."""
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "hong lei = ?", "person:hong-lei"),
    ("seed_store", "putin?", "person:vladimir-putin"),
    ("bridge", "marinescu?", "person:ioana-marinescu"),
])
def test_a_bare_name_asks_who_that_is(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_one_of_them_asks_attendance(seed_store):
    assert seed_store.ask("how many leaders are coming and is putin one of them").keys == (
        "foreign-leader-count", "attending:vladimir-putin")


def test_a_question_ending_on_a_preposition_asks_for_the_verbs_object(seed_store, bridge):
    """"A parliamentary vote that day" does not say what the vote was on; "cooperation with Russia ...
    war against Ukraine" does not say what the three are teaming up against."""
    declined(bridge, "what was the hungarian parliament voting on?")
    declined(seed_store, "what are nk, china and russia supposedly teaming up against")
    assert top(seed_store, "what did kim and putin talk about") == "kim-putin-call"


def test_he_or_there_in_a_later_part_means_the_last_parts_subject_not_the_event(seed_store):
    """"... and why is he mentioned?" is not the parade's occasion; "... and when was he last there?"
    is not the parade's date."""
    assert "event:why" not in seed_store.ask("who is moon jae-in and why is he even mentioned").keys
    assert seed_store.ask("how many times did kim visit china in 2018-19 and when was he last there").keys[1] \
        == "four-china-trips"
    assert seed_store.ask("is kim going and when").keys == ("attending:kim-jong-un", "event:when")


def test_a_destination_the_question_names_must_be_in_the_answer(seed_store):
    """"Has Xi ever been to Pyongyang" is not answered by Kim's trips to China to meet Xi (Pyongyang
    is North Korea's capital, which the entry names only through Kim)."""
    declined(seed_store, "has xi ever been to pyongyang")
    assert top(seed_store, "did nk send troops to russia bc of ukraine") == "russia-troops"
    assert top(seed_store, "when did kim last go to china") == "first-china-trip-since-2019"


def test_or_between_guests_asks_about_each(seed_store):
    assert seed_store.ask("is kim or putin going").keys == ("attending:kim-jong-un", "attending:vladimir-putin")
    assert "from France" in declined(seed_store, "will france or germany send their leaders?")


@pytest.mark.parametrize("question", ["thanks", "", "???"])
def test_a_question_of_nothing_but_a_frame_is_declined_with_a_hint(seed_store, question):
    assert "Ask about the event" in declined(seed_store, question)


def test_a_real_word_is_not_completed_into_a_function_word(seed_store):
    """"thin" is not "thing" (which would leave "line" to match Trump's walk across the DMZ line)."""
    declined(seed_store, "is the thin line in the parade")


def test_a_count_of_years_the_occasion_gives_is_answered_by_the_occasion(seed_store, bridge):
    """"How many years" is a countdown unless the occasion numbers what is asked ("80th anniversary")."""
    assert top(seed_store, "how many years is the anniversary") == "event:why"
    assert top(seed_store, "how many days until the parade") == "event:when"
    assert top(bridge, "how many days until the opening") == "event:when"


@pytest.mark.parametrize("question", [
    "did kim ever travel to russia",   # "Kim ... the trip ..., and North Korea, China and Russia may ..."
    "has yang been to russia",
])
def test_words_spread_over_two_statements_of_a_sentence_answer_nothing(seed_store, question):
    declined(seed_store, question)


def test_a_number_said_of_another_named_thing_does_not_answer(bridge):
    """Only Kamenograd's population is given: the other town named in the question gets no number, and
    a sentence that counts bridges must be about the ones asked for."""
    assert top(bridge, "how many residents does kamenograd have") == "kamenograd-ferry"
    assert "no number" in declined(bridge, "how many people live in port veresti")
    assert "no number" in declined(bridge, "how many inhabitants does port veresti have")
    assert top(bridge, "how many bridges cross the danube between romania and bulgaria") == "bridge-route"


@pytest.mark.parametrize("question", [
    "how long is the march",             # homonym: March 2025, when the bureau reopened
    "what should I bring to the parade",
    "which line will the tanks take",    # homonym: Trump walked across the line
    "who won the football world cup",
    "what will kim wear",                # "wear" is no typo of "war"
    "what does DPRK stand for",          # "stand" is in "standing", but the acronym is never expanded
    "who is china's foreign minister",   # Hong Lei is the *assistant* minister
    "is the un secretary-general attending",
    "who would take power in nk if something happened to kim",
])
def test_on_topic_questions_the_sources_do_not_answer_are_declined(seed_store, question):
    declined(seed_store, question)


@pytest.mark.parametrize(("question", "expected"), [
    ("why did the trump-kim talks fall apart", "trump-kim-meetings"),      # fall apart = broke down
    ("whats the share of nk trade w/ china", "trade-shares-2023"),         # whats, nk, w/
    ("did nk let chinese reporters back in", "journalists-bureau"),       # let back in = reopen
    ("what exactly did trump really say about the dmz", "quote:trump-dmz"),  # fillers never count
    ("is pyongyang trying to patch things up with beijing", "turn-back-to-china"),
    ("how many foriegn leadres r coming", "foreign-leader-count"),         # typos and shorthand
])
def test_paraphrase_and_chat_language(seed_store, question, expected):
    assert top(seed_store, question) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("is putin going", "attending:vladimir-putin"),
    ("will the russian president be there", "attending:vladimir-putin"),
    ("any iranians there?", "attending:iran"),
    ("are the Americans coming?", "absent:united-states"),
    ("is Trump going to the parade", "absent:united-states"),
    ("is someone from South-East Asia coming?", "attending:indonesia"),
    ("will cuba be represented", "attending:cuba"),
    ("were there any americans", "absent:united-states"),  # was answered with Trump's diplomacy
])
def test_attendance_as_yes_or_no(seed_store, question, expected):
    answer = seed_store.ask(question)
    assert answer.confident and answer.intent == "attending" and answer.keys[0] == expected


def test_attendance_says_when_the_sources_do_not_list_someone(seed_store):
    assert "don't list modi" in declined(seed_store, "is Modi attending?").casefold()
    assert "Africa" in declined(seed_store, "anyone from africa coming?")
    # "going to" + a verb is not attendance: Kim gives no speech in the sources.
    assert seed_store.ask("is kim going to give a speech").intent != "attending"


def test_multi_part_questions_are_answered_part_by_part(seed_store):
    answer = seed_store.ask("who invited him and when was his last visit to china?")
    assert answer.confident and [p.statements[0].key for p in answer.parts] == [
        "invitation", "first-china-trip-since-2019"]
    half = seed_store.ask("when was his last visit to china and what will kim wear?")
    assert not half.confident and half.parts[0].confident and not half.parts[1].confident


def test_the_time_of_day_is_not_claimed(seed_store):
    answer = seed_store.ask("what time does the parade start")
    assert not answer.confident and answer.intent == "time" and "no time of day" in (answer.reason or "")
    assert seed_store.ask("when is the parade").confident


def test_the_sources_are_searchable(seed_store):
    assert top(seed_store, "which outlets reported this") == "event:sources"
    assert top(seed_store, "did reuters report on this?") == "event:sources"


def test_typo_correction_is_bounded_and_never_changes_a_letter_of_a_short_word(seed_store):
    answer = seed_store.ask(" ".join(f"zq{i}xv" for i in range(80)))
    assert not answer.confident and len(answer.corrections) == 0
    assert ("puttin", "putin") in seed_store.ask("is puttin comming").corrections
    assert seed_store.lexicon.correct(["tanks", "wear", "till"])[1] == []
    many = seed_store.lexicon.correct([f"leadre{c}" for c in "abcdefghijkl"])
    assert len(many[1]) <= MAX_CORRECTIONS


# Nothing above is specific to the parade ---------------------------------------------------


@pytest.mark.parametrize(("question", "expected"), [
    ("when does the bridge open", "event:when"),
    ("how long is the bridge", "bridge-length"),
    ("is hungary sending anyone", "absent:hungary"),
    ("any germans there?", "attending:germany"),
    ("what did the mayor say", "quote:georgiev-waited"),
    ("who cuts the ribbon", "ribbon-cutting"),
])
def test_a_second_event_is_answered_by_the_same_rules(bridge, question, expected):
    assert top(bridge, question) == expected


def test_a_second_event_declines_what_its_sources_lack(bridge):
    assert "no time of day" in declined(bridge, "what time does the ceremony start")
    declined(bridge, "how many cables does the bridge have")
    declined(bridge, "how long will the ceremony last")


def test_every_shipped_synonym_means_what_its_group_means(seed_store):
    """A word listed in two groups, or stemming like another group's word ("powerful" and "power"),
    would silently join the wrong meaning."""
    from bot.language import english

    lexicon = FactStore(load_event(DATA / "harbour_festival.yaml")).lexicon  # an event that adds no words
    for group in english().synonyms:
        meaning = lexicon.terms(group[0])
        assert all(lexicon.terms(word) in ([], meaning) for word in group), group


def test_an_events_own_words_take_a_shipped_word_over(bridge):
    # The bridge event lists "opening" with its inauguration; in English data it is an opportunity.
    assert bridge.lexicon.terms("opening") == bridge.lexicon.terms("inauguration")
    assert bridge.lexicon.terms("opening") != bridge.lexicon.terms("opportunity")


# Found by review: each of these was answered wrongly or crashed ---------------------------------


@pytest.mark.parametrize("question", ["who said it?", "what did the officials say?", "who is he?"])
def test_questions_that_name_nothing_are_declined(seed_store, question):
    declined(seed_store, question)


@pytest.mark.parametrize(("question", "expected"), [
    # "americas" is no misspelt America; a region's answer says who from there is not expected, too
    ("anyone from the americas going?", ["attending:cuba", "absent:americas"]),
    ("is kim, putin and iran going?", ["attending:kim-jong-un", "attending:vladimir-putin", "attending:iran"]),
    ("CAN YOU TELL US WHEN IT STARTS?", ["event:when"]),            # shouted "US" is no country
    ("Ｐｕｔｉｎ ｇｏｉｎｇ？", ["attending:vladimir-putin"]),           # full-width letters
    ("is it on a Thursday?", ["event:when"]),                       # the date answers, not a fact naming Thursday
    ("any americans there?", ["absent:united-states"]),             # both sources' versions in one "No"
])
def test_names_dates_and_odd_text(seed_store, question, expected):
    answer = seed_store.ask(question)
    assert answer.confident and list(answer.keys) == expected


def test_attendance_on_an_event_without_attendees_does_not_crash():
    event = load_event(DATA / "harbour_festival.yaml")
    bare = FactStore(event.model_copy(update={"attendance": event.attendance.model_copy(update={"attendees": ()})}))
    assert bare.ask("is anyone from portugal coming?").keys == ("attending:ana-vela",)  # the host
    assert not bare.ask("is anyone from spain coming?").confident


def test_a_question_that_is_not_about_a_guest_is_not_an_attendance_question(seed_store):
    answer = seed_store.ask("is there a flypast?")
    assert not answer.confident and "attending" not in (answer.reason or "")


# Verbs and names as readers write them ------------------------------------------------------------


@pytest.mark.parametrize(("store", "question", "expected"), [
    # "want to", "willing to": the verb after them is what is asked; no report says what anyone wants.
    ("seed_store", "why does north korea want to mend ties with china", "turn-back-to-china"),
    ("seed_store", "is pyongyang willing to get back to talks with trump", "trump-outreach-dismissed"),
    ("bridge", "does the coalition want to protest", "protest"),
    # "talks with the US" are negotiations, not a meeting; the question's subject (North Korea) ranks
    # the entry that opens with it over one that names it in passing.
    ("seed_store", "would north korea return to negotiations with washington", "trump-outreach-dismissed"),
    ("seed_store", "does north korea want to talk with trump again", "trump-outreach-dismissed"),
    # A lone word of a name the content folds into one term ("Green Danube Coalition").
    ("bridge", "who leads the coalition", "protest"),
    # Irregular past forms: "led by", "has built".
    ("bridge", "did the consortium build noise screens", "consortium-response"),
])
def test_verbs_and_names_as_readers_write_them(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_a_word_of_a_person_s_name_is_no_other_person(seed_store):
    # "Jong" is part of Kim Jong Un's name, not a word for him: Kim Yo Jong is never mentioned.
    declined(seed_store, "is kim yo jong going")


# Comparing the reports ------------------------------------------------------------------------------


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "do the two reports agree on when kim took power", "kim-in-power"),
    ("seed_store", "which report mentions the phone call between kim and putin", "kim-putin-call"),
    ("seed_store", "one report says the end of ww2 and the other says japan's surrender, which is right?", "event:why"),
    ("seed_store", "do both reports give a reason for the western leaders staying away", "western-absence"),
    ("bridge", "do the papers agree on what it cost", "cost"),
    ("bridge", "which paper mentions the noise screens", "consortium-response"),
    ("bridge", "do both articles give a reason for hungary staying away", "hungary-absent"),
    ("bridge", "do the two articles describe the clearance the same way", "clearance"),
    # Numbers as readers write them: "3500" is the content's "3,500", "1.9bn" its "1.9 billion".
    ("bridge", "was it 3500 guests or 4000? the articles say different things", "guest-count"),
    ("bridge", "one paper says 1.9bn and the other says 2.1bn. which is it?", "cost"),
])
def test_a_question_comparing_the_reports_gets_the_fact_with_every_version(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected



@pytest.mark.parametrize(("store", "question", "expected"), [
    # A comma before a question word and its verb starts a question of its own ...
    ("seed_store", "when is it, who is going, and is anyone staying away", ["when", "attendees", "other"]),
    ("bridge", "where is the ceremony, who is cutting the ribbon?", ["where", "who"]),
    # ... and "when is it" asks about the event, whatever the part before it
    ("seed_store", "where is it, when is it, and is Putin coming??", ["where", "when", "attending"]),
    ("seed_store", "who is coming, when is it and where", ["attendees", "when", "where"]),
    # ... but after a question about something else, "where was it" asks where that was (found by review)
    ("seed_store", "what about Trump's meeting with Lee, where was it?", ["person"]),
    ("bridge", "what did Marinescu tell reporters, where was it?", ["quote"]),
    # ... but not where the words after it point back to the first part, or have no verb.
    ("bridge", "what about italy, who's representing them", ["other"]),
    ("seed_store", "ww2 anniversary, which one?", ["why"]),
])
def test_a_comma_starts_a_part_only_before_a_question_of_its_own(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and [p.intent for p in answer.parts] == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    # "How did X react": what X did counts ("has so far rejected"), not only X's quoted words; and the
    # sentence that holds the question's words decides its tense, not a later one ("would return").
    ("seed_store", "how did north korea react to trump's overtures", "trump-outreach-dismissed"),
    ("seed_store", "is the visit linked to trump somehow", "trump-diplomacy"),        # "somehow": filler
    ("seed_store", "do the ap report and the wire copy describe what the parade marks the same way", "event:why"),
    ("bridge", "what is the drama with the pelicans", "pelican-controversy"),        # drama: controversy
    ("bridge", "what happened to the court case against the bridge", "lawsuit"),    # "against": no content word
])
def test_reactions_and_chat_words(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_a_reaction_nobody_reports_is_declined(seed_store):
    declined(seed_store, "how did japan react to the parade")


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "which of the 26 leaders have not been identified"),
    ("bridge", "who are the unnamed guests among the 3500"),
])
def test_who_the_reports_leave_unnamed_is_declined(request, store, question):
    assert declined(request.getfixturevalue(store), question) == "The reports do not name them."


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "on which date did the chinese bureau reopen"),   # "March 2025" is no date to the day
    ("bridge", "on what date was the lawsuit dismissed"),            # "February 2028"
])
def test_what_date_asks_for_a_day(request, store, question):
    assert declined(request.getfixturevalue(store), question) == "The reports give no exact date for that."


@pytest.mark.parametrize(("store", "question", "expected"), [
    # "if not, why?" after a yes/no about a guest: that guest's reasons, never the event's occasion ...
    ("bridge", "is hungary sending anyone? if not, why", ["absent:hungary", "absent:hungary"]),
    # ... while a part with words of its own asks them, not the last part's subject again.
    ("seed_store", "who invited kim and what is the parade commemorating", ["invitation", "event:why"]),
])
def test_a_bare_why_follows_the_last_part_and_only_a_bare_one(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and list(answer.keys) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    # An option the sources never mention, beside one they do: the answer says which it is.
    ("seed_store", "which anniversary is it, 70th or 80th?", "event:why"),
    ("bridge", "is the opening on a saturday or a sunday", "event:when"),
    # "asked X to come" is an invitation; "how much time does X save" asks how much faster X is.
    ("seed_store", "who asked kim to come?", "invitation"),
    ("bridge", "how much time does the bridge save compared with the ferry", "journey-time"),
    # Greetings and "what occasion is it marking" around the question of what the event marks.
    ("seed_store", "good afternoon. could you tell me what occasion the parade is commemorating?", "event:why"),
    ("bridge", "what occasion is the ceremony marking", "event:why"),
    # Only names are searched, but the event's own words say what is asked of them.
    ("seed_store", "have kim, xi and putin ever been in the same room before?", "kim-xi-putin-together"),
])
def test_choices_invitations_savings_and_greetings(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "is it the 90th or the 70th anniversary"),  # neither option is in the sources
    ("bridge", "do the pelicans nest in the sava or the drava delta"),  # neither is the marsh named
])
def test_choices_and_names_the_sources_cannot_settle_are_declined(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "what did kim and putin discuss on their call", "kim-putin-call"),       # discuss: talk
    ("seed_store", "what does pyongyang receive from moscow in exchange", "russia-troops"),  # receive: aid
    ("seed_store", "did the russia cooperation hurt nk china relations", "quote:easley-strained"),  # hurt: strain
    ("seed_store", "when did kim become leader of north korea", "kim-in-power"),             # become leader: power
    ("seed_store", "how did kim get the job in the first place", "kim-in-power"),            # "in the first place"
    ("seed_store", "could nk china and russia gang up vs sk, japan and us", "yang-view"),     # gang up; SK
])
def test_more_verbs_and_idioms_as_readers_write_them(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "how much did it cost to build", "cost"),                  # "to build" adds nothing to a cost
    ("bridge", "who heads the eu delegation", "eu-delegation"),          # "heads the" leads; "headed to" travels
    ("bridge", "did the coalition take anyone to court", "lawsuit"),     # "take X to court": sue
    ("bridge", "why do the two reports give different price tags", "cost"),  # their figures, side by side
    ("seed_store", "why do the reports give different dates for kim taking power", "kim-in-power"),
])
def test_costs_heads_courts_and_differing_reports(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question"), [
    ("bridge", "who heads the romanian delegation"),   # the reports name the EU's head, not Romania's
    ("seed_store", "why do the articles give different reasons"),  # reasons for what?
    ("seed_store", "reasons?"),
])
def test_a_country_or_a_reason_the_question_names_must_be_answered(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("question", "expected"), [
    ("when did kim n putin last speak", "kim-putin-call"),     # two people speaking: a talk, not a speech
    ("how many trips did kim make to china in 2018-2019?", "four-china-trips"),  # "travelled ... four times"
])
def test_talks_between_two_and_counts_of_times(seed_store, question, expected):
    assert top(seed_store, question) == expected


def test_speaking_at_an_event_is_still_a_speech(seed_store):
    declined(seed_store, "will xi and putin speak at the parade")  # the reports give no speech by either


def test_when_can_i_asks_when_it_becomes_possible(bridge):
    assert top(bridge, "when can i actually drive on it") == "traffic-opens"
    assert "not what you should do" in declined(bridge, "when should i arrive to get a good spot")


@pytest.mark.parametrize("question", [
    "has kim ever been to a multilateral summit b4",
    "has kim ever been to a summit w lots of leaders before",   # "been to a summit" attends one
])
def test_been_to_an_event_is_attending_it(seed_store, question):
    assert top(seed_store, question) == "past-summits"


@pytest.mark.parametrize(("store", "question"), [
    # A headline ("Kim Jong Un to join world leaders at Beijing parade") is no answer to a question
    # that asks nothing about the reports.
    ("seed_store", "has kim been to a parade in beijing before"),
    ("bridge", "did the long-delayed bridge open before"),
])
def test_the_sources_entry_answers_only_questions_about_the_reports(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("store", "question", "expected", "source"), [
    ("seed_store", "what does the AP piece say abt trump", "trump-outreach-dismissed", "ap"),
    ("seed_store", "what does reuters say about sanctions", "sanctions", "wire"),  # the wire copy draws on Reuters
    ("bridge", "what does balkan business daily say about the cost", "cost", "a2"),
])
def test_what_one_report_says_comes_from_that_report(request, store, question, expected, source):
    facts = request.getfixturevalue(store)
    assert top(facts, question) == expected
    assert all(source in facts.entries[key].sources for key in facts.ask(question).keys)


def test_a_report_that_says_nothing_on_it_is_declined(bridge):
    assert declined(bridge, "what does balkan business daily say about the lawsuit") == (  # only CP reports it
        "Balkan Business Daily says nothing about that.")


def test_the_quick_first_test_of_a_pattern_never_changes_what_it_finds(seed_store):
    """Every intent, frame and reorder pattern finds what the plain regular expression finds, on
    every question of the project's sets."""
    language = english()
    patterns = [p for _, group in language.intents for p in group] + [*language.frames]
    patterns += [p for p, _ in language.reorder]
    questions = [str(item["q"]) for path in DATA.rglob("*.yaml") if "eval" in path.name or "questions" in path.name
                 for kind in ("answerable", "unanswerable")
                 for item in yaml.safe_load(path.read_text(encoding="utf-8")).get(kind, [])]
    assert len(questions) > 1000
    for question in questions:
        text = " ".join(seed_store.lexicon.normalise(question))
        for pattern in patterns:
            plain = re.compile(pattern.regex.pattern)
            found, expected = pattern.search(text), plain.search(text)
            assert (found and found.span()) == (expected and expected.span()), (plain.pattern, question)
            assert pattern.sub("", text) == plain.sub("", text), (plain.pattern, question)


@pytest.mark.parametrize(("store", "question", "expected"), [
    # What the asker needs it for, before the question, and an elaboration after it, say nothing asked.
    ("bridge", "my boss is asking about this, i need to know when the bridge opens, like is it this month or next",
     "event:when"),
    ("bridge", "i am writing a report for school, who cuts the ribbon", "ribbon-cutting"),
    ("seed_store", "we are doing a quiz tonight, which leaders are coming", "event:who"),
    ("seed_store", "basically i need to know if putin is going", "attending:vladimir-putin"),
])
def test_what_a_long_message_says_about_the_asker_is_not_asked(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "Which countries have leaders confirmed for the parade? I need a list for my class.", "event:who"),
    ("bridge", "who is confirmed for the opening? we need it for the newsletter", "event:who"),
    ("seed_store", "China's assistant foreign minister - what's his name?", "person:hong-lei"),
    ("bridge", "the mayor of kamenograd, what's his name", "person:stefan-georgiev"),
])
def test_who_is_confirmed_and_what_is_his_name(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_a_message_that_only_says_what_the_asker_needs_is_declined(seed_store):
    declined(seed_store, "i need a list for my class")
    assert top(seed_store, "who confirmed kim's visit") == "kim-attends"  # who confirmed it, not who attends


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "who announced the list of 26 leaders", "foreign-leader-count"),  # "..., according to ..."
    ("bridge", "who announced that the bridge will last 120 years", "design-life"),
])
def test_according_to_says_who_announced_it(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "where did the news of kim's invite come from", ["invitation"]),      # who said so
    ("seed_store", "where does the 26 leaders number come from", ["foreign-leader-count"]),
    ("bridge", "where does the 120 years figure come from", ["design-life", "quote:craciun-120-years"]),
    ("seed_store", "where does this info come from", ["event:sources"]),                 # still the sources
    # Where someone is from is their profile's country, not a trip of theirs.
    ("seed_store", "where does kim come from", ["person:kim-jong-un"]),
    ("seed_store", "where are kim and putin from", ["person:kim-jong-un", "person:vladimir-putin"]),
    ("bridge", "where is the mayor from", ["person:stefan-georgiev"]),
])
def test_where_a_claim_or_a_person_comes_from(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and list(answer.keys) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "where does easley work", "person:leif-eric-easley"),   # the role names the university
    ("bridge", "where does the analyst work", "person:andrei-popa"),
])
def test_where_someone_works_is_their_role(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_where_someone_worked_before_is_not_their_role_now(seed_store):
    declined(seed_store, "where did putin work before")


def test_where_someone_is_from_the_reports_do_not_say_is_declined(bridge):
    assert declined(bridge, "where does van damme come from") == (
        "The reports don't say where Pieter van Damme is from.")


@pytest.mark.parametrize(("question", "expected"), [
    ("how tight are nk and russia rn", "kim-putin-call"),   # not "mend ties with China ...: Russia can only ..."
    ("how are relations between nk and china", "cooler-relations"),
])
def test_a_relation_between_two_is_answered_by_their_own_ties(seed_store, question, expected):
    assert top(seed_store, question) == expected


def test_ties_with_a_third_party_do_not_answer(seed_store):
    declined(seed_store, "does kim want better relations with trump")  # Easley: "repair relations with Xi"


def test_world_war_2_is_the_reports_world_war_ii(seed_store):
    assert top(seed_store, "Is the parade about World War 2?") == "event:why"
    declined(seed_store, "what does the parade have to do with world war 1")


def test_what_someone_said_about_how_long_needs_words_that_give_a_duration(seed_store, bridge):
    assert top(bridge, "what did the chief engineer say about how long it will last") == "quote:craciun-120-years"
    assert "on nothing like that" in declined(seed_store, "what did easley say about when kim will meet trump")


@pytest.mark.parametrize(("store", "question"), [
    # Found by a review of the rules above: each was answered confidently and wrongly while they were
    # first written.
    ("bridge", "is this the first or second bridge between romania and bulgaria"),  # "first" settles nothing
    ("seed_store", "is this kim's first or fifth visit to china"),
    ("seed_store", "are relations between china and north korea warm or cold"),
    ("seed_store", "what does the chinese press say about kim"),         # "press" names no outlet
    ("bridge", "who is confirmed to speak at the ceremony"),             # not who attends
    ("bridge", "I am driving from Bucharest, how long will the drive take"),  # no preamble: it is asked
    ("bridge", "when can i cross the bridge"),                           # nothing asked but what I may do
    ("bridge", "who heads the romanian delegation"),
])
def test_rules_do_not_reach_past_their_class(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "who invited kim to china", ["invitation"]),          # China says where, not whose
    ("seed_store", "what does the wire report say about the trip", ["kim-attends"]),  # past the first three hits
    ("bridge", "who is going? I need the date too", ["event:who", "event:when"]),     # the date is asked
    ("seed_store", "who announced it - china or north korea?", ["kim-attends"]),
])
def test_rules_keep_what_was_right(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and list(answer.keys) == expected


def test_when_was_the_last_time_after_a_count_asks_for_the_latest_date(seed_store):
    # Not the four visits "in 2018 and 2019" the first part counted, but the last one.
    answer = seed_store.ask("how many times did kim visit china in 2018-19 and when was the last time")
    assert answer.confident and list(answer.keys) == ["four-china-trips", "first-china-trip-since-2019"]


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "did the chinese government sound happy about the visit", "china-welcome"),  # "sound": no word
    ("seed_store", "is china pleased kim is coming", "quote:hong-lei-welcome-ap"),             # pleased: welcome
])
def test_how_someone_sounds_is_what_they_said(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_pleased_is_declined_where_nobody_welcomes_anything(bridge):
    assert "pleased" in declined(bridge, "does the coalition seem pleased")


def test_drive_across_is_answered_by_the_entry_whose_keywords_say_across(bridge):
    """The bridge's content makes "crossing" (and so "cross") the bridge, while "across" keeps its
    shipped meaning; the entry that answers "drive across" says so in its keywords."""
    assert top(bridge, "when can i actually drive across it") == "traffic-opens"


def test_an_event_word_taking_over_a_shipped_one_leaves_the_shipped_synonyms_alone(seed_store):
    """The parade's "title" is "general secretary"; "job", "post" and "role" are no such thing."""
    assert seed_store.lexicon.terms("job") != seed_store.lexicon.terms("general secretary")
    assert "quote:hong-lei-welcome-ap" not in seed_store.ask("what job does hong lei have").keys


@pytest.mark.parametrize(("question", "expected"), [
    ("how long does it take to cross", "journey-time"),       # a span of time, not "2.8 km long"
    ("how long will the bridge last", "design-life"),
])
def test_how_long_something_takes_is_a_span_of_time_it_takes(bridge, question, expected):
    assert top(bridge, question) == expected


def test_how_long_it_lasts_does_not_answer_how_long_it_took(bridge):
    declined(bridge, "how long did it take to build")  # "designed to stand for 120 years" is no build time


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "and w/ russia?"), ("seed_store", "what about russia?"), ("bridge", "and greece?")])
def test_a_country_alone_asks_nothing(request, store, question):
    assert declined(request.getfixturevalue(store), question).startswith("What about")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "what about cuba, r they sending someone", "attending:cuba"),
    ("bridge", "what about serbia, are they sending anyone", "absent:serbia"),
])
def test_what_about_x_then_a_question_about_them_asks_it_of_x(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_going_with_someone_is_first_whether_they_go_at_all(seed_store):
    # the reports name Kim, who holds no ministry, and no one else from North Korea
    assert "name no minister of North Korea" in declined(seed_store, "is north korea's foreign minister going with kim")
    declined(seed_store, "is putin going with kim")  # both go; the reports say nothing of going together


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "why isnt serbia coming", "serbia-absent"),          # "is not coming", split by its subject
    ("bridge", "why aren't the serbians attending", "serbia-absent"),
    ("seed_store", "why isn't the us sending anyone", "western-absence"),
])
def test_why_is_not_x_coming_asks_why_x_stays_away(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_cold_relations_are_cool_ones_but_cold_weather_is_not(seed_store):
    assert top(seed_store, "were china-nk relations kinda cold lately?") == "cooler-relations"
    declined(seed_store, "is it cold in beijing")
    declined(seed_store, "what was the cold war")


def test_who_is_x_in_these_stories_asks_who_x_is(seed_store):
    assert top(seed_store, "who is donald trump in these stories") == "person:donald-trump"


def test_why_someone_would_want_a_thing_is_why_they_seek_it(seed_store):
    assert top(seed_store, "why would north korea want better ties w china now") == "turn-back-to-china"


@pytest.mark.parametrize(("store", "question", "source"), [
    ("seed_store", "what does the second article say kim could get out of going", "wire"),
    ("bridge", "what does the 2nd report say about pelicans", "a2"),   # the frame took "report"
    ("bridge", "what does the first article say about the pelicans", "a1"),
])
def test_the_nth_article_is_the_nth_source_listed(request, store, question, source):
    store = request.getfixturevalue(store)
    answer = store.ask(question)
    assert answer.confident and all(source in store.entries[k].sources for k in answer.keys)


def test_what_is_gained_is_what_someone_gets_out_of_it(seed_store):
    assert top(seed_store, "what could kim get out of going") == "outreach-opportunity"


def test_an_article_saying_a_name_and_nothing_more_asks_nothing(seed_store):
    declined(seed_store, "what does the wire piece say kim could get")
    assert top(seed_store, "what does the AP piece say abt trump")  # "about Trump" asks for what it says of him


@pytest.mark.parametrize("question", ["what sources does the second article draw on",
                                      "which outlets did the wire piece draw on"])
def test_what_a_report_draws_on_is_in_the_sources_entry(seed_store, question):
    assert top(seed_store, question) == "event:sources"


def test_a_persons_death_is_not_a_collapse_of_talks(seed_store):
    assert top(seed_store, "when did kim's dad die") == "kim-in-power"     # "on his father's death"
    assert top(seed_store, "usa + nk talks r dead?") == "trump-kim-meetings"  # talks still die as talks do
    assert declined(seed_store, "how did kim's father die") == "The reports give no reason for that."




@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "did the environmentalists ever take it to court? what happened", ["lawsuit", "lawsuit"]),
    ("seed_store", "did trump meet kim? what happened", ["trump-kim-meetings", "trump-kim-meetings"]),
])
def test_what_happened_after_a_part_asks_what_came_of_it(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and [p.statements[0].key for p in answer.parts] == expected


def test_what_happened_alone_asks_nothing(bridge):
    declined(bridge, "what happened")


@pytest.mark.parametrize(("question", "expected"), [
    ("were china and north korea on cooler terms lately?", "cooler-relations"),   # cooler relations
    ("r china and nk on bad terms", "china-biggest-partner"),                      # a phrase of its own
])
def test_on_some_terms_is_relations(seed_store, question, expected):
    assert top(seed_store, question) == expected


@pytest.mark.parametrize(("store", "question", "source"), [
    ("seed_store", "does the AP story mention malaysia", "ap"),
    ("bridge", "does the second article mention the pelicans", "a2"),
])
def test_does_a_report_mention_x_is_what_it_says_about_x(request, store, question, source):
    store = request.getfixturevalue(store)
    answer = store.ask(question)
    assert answer.confident and all(source in store.entries[k].sources for k in answer.keys)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "will xi address the crowd", "parade-content"),    # "a speech by Xi"
    ("bridge", "who will address the crowd", "eu-delegation"),         # van Damme "is due to speak"
])
def test_addressing_the_crowd_is_a_speech(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("whats the deal w/ kim and china", "cooler-relations"),
    ("what's going on between nk and russia", "kim-putin-call"),   # not NK's ties with China
])
def test_the_deal_between_two_parties_is_their_relations(seed_store, question, expected):
    assert top(seed_store, question) == expected


def test_the_deal_with_two_things_that_are_no_parties_is_what_links_them(bridge):
    assert "pelican-controversy" in bridge.ask("what's the deal with the pelicans and the bridge").keys


@pytest.mark.parametrize("question", ["how many pelican nesting pairs are left", "how many nesting pairs r left"])
def test_how_many_counts_the_phrase_before_its_verb(bridge, question):
    """"pelican nesting pairs" are pairs, and "pairs fell from 210 to 120" says how many there are."""
    assert top(bridge, question) == "pelican-controversy"


def test_according_to_someone_is_who_says_it_not_a_word_to_find(seed_store):
    assert top(seed_store, "according to yang what might NK china & russia do together") == "yang-view"


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "where does moon work now"),     # "Former President of South Korea"
    ("seed_store", "where does lee work"),          # his role names no place
    ("seed_store", "where was easley working"),
    ("bridge", "where is dunalink based"),          # an organisation, not the engineer whose role names it
])
def test_where_someone_works_needs_a_role_that_names_where_now(request, store, question):
    declined(request.getfixturevalue(store), question)


def test_the_last_trip_is_no_verb_of_lasting(bridge):
    assert top(bridge, "how long did the last ferry trip take") == "journey-time"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "is cuba coming? and iran?", ["attending:cuba", "attending:iran"]),
    ("bridge", "is greece coming? and serbia?", ["attending:greece", "absent:serbia"]),
    ("seed_store", "how are nk's ties with china? and with russia?", ["china-biggest-partner", "kim-putin-call"]),
])
def test_a_part_naming_only_places_asks_the_part_before_of_them(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and [p.statements[0].key for p in answer.parts] == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "is iran going with cuba", "other-attendees"),
    ("bridge", "what about italy, who's representing them", "delegations"),
])
def test_places_with_a_question_around_them_are_no_places_alone(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_what_a_report_drew_on_is_declined_where_its_entry_says_nothing_of_it(seed_store):
    assert declined(seed_store, "what sources does the ap story cite").startswith("The reports don't say what")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "how many other leaders besides kim and putin", "other-attendees"),
    ("seed_store", "how many countries are coming other than north korea and russia", "other-attendees"),
])
def test_how_many_besides_x_is_answered_by_an_entry_that_leaves_x_out(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "left_out"), [
    ("bridge", "how many countries send delegations besides greece", "Greece"),
    ("bridge", "how many countries apart from greece are sending delegations", "Greece"),
])
def test_a_total_that_counts_what_the_question_leaves_out_is_no_answer(request, store, question, left_out):
    assert f"counts {left_out} too" in declined(request.getfixturevalue(store), question)


def test_a_first_in_some_years_is_no_first_time(seed_store, bridge):
    assert declined(seed_store, "when did kim first visit china")  # "his first trip to China in six years"
    assert top(seed_store, "is this kim's first trip to china") == "first-china-trip-since-2019"
    event = bridge.event
    fair = event.facts[0].model_copy(update={
        "id": "trade-fair", "text": "Port Veresti holds its first trade fair in twelve years in May 2032.",
        "keywords": (), "people": (), "differs": None})
    store = FactStore(event.model_copy(update={"facts": (*event.facts, fair)}))
    assert top(store, "when is the trade fair in port veresti") == "trade-fair"
    assert declined(store, "when did port veresti first hold a trade fair")


def test_what_year_asks_for_a_date_not_for_the_word_year(seed_store):
    # "first trip to China in six years: his last visit was in 2019" says "years", but not when they began
    assert top(seed_store, "what year did kim's china visits start") == "four-china-trips"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "did both countries confirm the trip?", "kim-attends"),  # "announced by China and North Korea"
    ("bridge", "when did the two countries agree to build it?", "agreement-2019"),
])
def test_the_two_countries_are_any_two_the_host_country_among_them(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_the_two_countries_are_the_host_and_another_unless_the_question_names_two(seed_store, bridge):
    # "Kim travelled to China ... to meet Xi" (China and, by Kim, North Korea); not Trump and Kim's summits
    assert top(seed_store, "when did the two countries last meet") == "four-china-trips"
    declined(seed_store, "did the two countries' summits collapse")  # Trump and Kim's: no host among them
    assert top(seed_store, "kim and putin had a call - what about ties between both countries") == "kim-putin-call"
    assert top(bridge, "germany and austria, who do both countries send") == "delegations"


def test_dealings_with_a_country_are_no_agreement(seed_store):
    # "Pyongyang's dealings with Moscow have strained its ties with Beijing"
    declined(seed_store, "did north korea and russia sign an agreement")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "how did dunalink deal with the pelicans", "consortium-response"),  # "what's the deal with"
    ("seed_store", "is kim trying to look strong before dealing with trump again", "quote:easley-repair"),
])
def test_deal_alone_asks_nothing(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_before_something_to_come_is_no_question_about_the_past(seed_store):
    # "before dealing with Trump again" orders two things ahead; "has he met them before" asks the past
    assert top(seed_store, "is kim trying to look strong before dealing with trump again") == "quote:easley-repair"
    assert top(seed_store, "which leaders has kim met before this") == "past-summits"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "why does one report mention kim's father and the other doesn't", "kim-in-power"),
    ("seed_store", "how does the second article differ from AP on which western countries aren't coming?",
     "western-absence"),
    ("seed_store", "What does the wire report say about sanctions that the AP one doesn't?", "sanctions"),
    ("bridge", "how does the second article differ on the cost", "cost"),
    ("bridge", "why does one article mention the wetland and the other doesn't", "pelican-controversy"),
])
def test_a_question_comparing_the_reports_asks_for_the_fact_they_compare(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("why do the two articles give different cost numbers?", "cost"),
    ("what are the guest numbers", "guest-count"),
])
def test_numbers_and_figures_ask_for_a_number(bridge, question, expected):
    answer = bridge.ask(question)
    assert answer.confident and answer.intent == "count" and answer.keys[0] == expected


def test_key_figures_are_people_not_numbers(bridge):
    assert bridge.ask("who are the key figures").intent == "who"


def test_a_rise_to_power_is_taking_power(seed_store):
    assert top(seed_store, "how do the reports differ on kim's rise to power") == "kim-in-power"


@pytest.mark.parametrize("question", [
    "according to the balkan business daily piece, what's going on with hotels and businesses in kamenograd",
    "i was wondering according to the balkan business daily piece, what's going on with hotels and businesses"
    " in kamenograd",  # a frame before the comma makes what follows no second question
])
def test_according_to_a_report_first_asks_what_that_report_says(bridge, question):
    answer = bridge.ask(question)
    assert answer.confident and answer.keys == ("kamenograd-bookings",)


def test_a_persons_words_about_a_place_must_name_it(seed_store):
    # Trump "recalled his summits with Kim" in Washington: nothing about Kim going to Beijing
    reason = declined(seed_store, "what did trump say about kim going to beijing")
    assert "quote Donald Trump on nothing like that" in reason
    assert top(seed_store, "what did hong lei say about kim coming to china") == "quote:hong-lei-welcome-ap"


def test_who_needs_an_entry_naming_someone_the_question_does_not(seed_store, bridge):
    declined(seed_store, "who was kim's father")  # "he inherited power on his father's death": no name
    event = bridge.event
    firm = event.facts[0].model_copy(update={
        "id": "firm-handover", "text": "Elena Craciun took over the family firm on her mother's retirement in 2020.",
        "keywords": (), "people": ("elena-craciun",), "differs": None})
    store = FactStore(event.model_copy(update={"facts": (*event.facts, firm)}))
    assert top(store, "who took over the family firm") == "firm-handover"
    declined(store, "who was craciun's mother")


def test_where_someone_teaches_is_where_they_work_if_it_is_a_school(seed_store, bridge):
    answer = seed_store.ask("who is Easley and where does he teach?")  # a professor at Ewha Womans University
    assert answer.confident and answer.keys == ("person:leif-eric-easley",) * 2
    # an analyst at an institute: where he works, but nothing says he teaches
    assert "don't say where Andrei Popa teaches" in declined(bridge, "where does andrei popa teach")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "which countries are sending leaders besides russia and north korea", "event:who"),
    ("bridge", "which countries are sending delegations besides greece", "event:who"),
])
def test_who_else_is_coming_besides_x_is_the_attendance_list(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.intent == "attendees" and answer.keys[0] == expected


def test_a_countrys_role_is_asked_of_the_country_and_what_follows(seed_store):
    # not "Russia gives economic help": China's role for North Korea, the host country's name kept
    assert top(seed_store, "what's china's economic role for north korea") == "china-biggest-partner"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "who did trump meet in washington this week and what did he talk about",
     ("trump-lee-meeting", "quote:trump-dmz", "trump-lee-meeting")),
    ("seed_store", "what did kim and putin talk about", ("kim-putin-call", "kcna-no-details")),  # their talks
    ("bridge", "what did popa talk about", ("quote:popa-ferry-tax", "trade-boost")),
])
def test_what_someone_talked_about_is_what_they_said(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.keys == expected


@pytest.mark.parametrize("question", ["is the eu coming", "is anyone from the eu coming", "is the EU sending someone"])
def test_the_eu_in_lower_case_is_the_european_union(bridge, question):
    assert top(bridge, question) == "attending:pieter-van-damme"


def test_a_guest_named_by_role_is_not_a_guest_of_another_office(bridge):
    # the typo fixer reads "commission" as "commissioner": the president asked for is still no commissioner
    assert "not a president" in declined(bridge, "is the eu commission president coming")
    assert top(bridge, "is the bulgarian prime minister coming") == "attending:todor-vasilev"


def test_how_many_countries_send_people_counts_the_delegations(bridge):
    assert top(bridge, "how many countries send ppl") in ("delegations", "delegation-count")  # eight, in both


def test_according_to_a_report_searches_that_reports_entries(bridge):
    # Balkan Business Daily gives the count alone; the list is Continental Press's
    assert top(bridge, "according to balkan business daily, how many delegations are coming") == "delegation-count"
    assert "Balkan Business Daily says nothing" in declined(
        bridge, "according to balkan business daily, is japan sending a delegation")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "who is moon jae-in and why is he even mentioned", ("person:moon-jae-in",) * 2),
    ("bridge", "why is koleva mentioned", ("person:vesela-koleva",)),
])
def test_why_someone_is_mentioned_is_who_they_are_in_the_story(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.keys == expected


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "is kim going to beijing? and how?"),  # the reports never say how: no repeat of the yes
    ("bridge", "will the opening be on saturday? and how?"),
])
def test_and_how_after_a_part_is_not_answered_by_that_part_again(request, store, question):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.parts[0].confident and not answer.parts[1].confident


def test_how_alone_asks_nothing(seed_store):
    declined(seed_store, "how?")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "is myanmar's leader invited / attending", "attending:myanmar"),
    ("bridge", "is japan invited or coming", "attending:japan"),
])
def test_invited_or_attending_is_answered_by_attendance(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "what weapons or stuff will they show at the parade", "parade-content"),
    ("bridge", "how long is the bridge and stuff", "bridge-length"),
])
def test_vague_extenders_ask_nothing(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "whats serbia's problem with the bridge height", "serbia-absent"),
    ("bridge", "what's jovic's beef with the bridge", "serbia-absent"),
    ("bridge", "does serbia have an issue with the bridge", "event:absent"),  # its reason among the absentees
])
def test_a_beef_or_problem_with_something_is_a_complaint(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize("question", ["what has the builder done for the wetland",
                                      "what has dunalink done about the wetland"])
def test_what_the_builder_did_for_the_wetland_is_its_response(bridge, question):
    assert top(bridge, question) == "consortium-response"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "how many guests does each article say", ("guest-count",)),
    ("bridge", "does the continental press article say why hungary isn't coming", ("hungary-absent",)),
    ("seed_store", "does the AP article say why the west isn't coming", ("western-absence",)),
    ("seed_store", "when does each report say kim took power", ("kim-in-power",)),
])
def test_what_each_report_or_one_report_says_asks_for_the_fact(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.keys[:1] == expected


# Found by a read-only review of the rules above, each answered confidently and wrongly or lost ------------


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "how many countries other than china are attending", "foreign-leader-count"),  # 26 foreign
    ("seed_store", "how many leaders besides kim and putin are going to beijing", "other-attendees"),
    ("bridge", "how much does the eu pay besides what romania and bulgaria pay", "financing"),  # not a count
    ("seed_store", "who else is coming to beijing besides kim", "event:who"),  # Beijing is where, not who
    ("bridge", "which countries are coming to romania besides greece", "event:who"),
    ("seed_store", "who did kim take over from", "kim-in-power"),  # "his father": who, described
    ("seed_store", "what is china's role in the parade", "event:why"),
    ("bridge", "what is japan's role in the bridge", "financing"),
    ("seed_store", "what did putin talk about", "kim-putin-call"),  # no words of his: what he talked about
    ("seed_store", "when is kim's first visit to china in six years", "first-china-trip-since-2019"),
    ("bridge", "what does the second article say about the eu", "eu-share"),
    ("seed_store", "according to the AP piece, how many leaders are coming", "foreign-leader-count"),
    ("seed_store", "according to the wire report, what did hong lei say", "quote:hong-lei-welcome-wire"),
    ("seed_store", "what did kim talk about", "kim-putin-call"),  # not "hopes to resume talks"
])
def test_review_findings_answered(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "how many leaders besides kim"),  # 26 counts Kim; "besides Kim and Putin" leaves out two
    ("bridge", "according to the second article, who pays 25%"),  # the loan is Continental Press's alone
    ("seed_store", "start time?"),  # no time of day, not "four times"
    ("seed_store", "sanctions figures"),
    ("bridge", "hotel room numbers"),  # "every room booked" gives no number of rooms
    ("bridge", "what does balkan business daily say about the japanese loan"),  # only Continental Press has it
    ("seed_store", "did trump make a deal with kim"),
    ("seed_store", "what deal did kim make with russia"),  # "dealings with Moscow" are no deal
    ("seed_store", "what did xi talk about"),  # "to include a speech by Xi": a speech to come, on nothing said
    ("bridge", "who is the mayor of port veresti"),  # the mayor named is Kamenograd's
])
def test_review_findings_declined(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "how close are the two countries", "cooler-relations"),  # not the bureau that was closed
    ("seed_store", "how close are kim and xi", "cooler-relations"),
])
def test_how_close_two_parties_are_is_their_relations(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "were china-north korea relations cool recently? any signs?", ("cooler-relations",) * 2),
    ("bridge", "how many nesting pairs are left? any evidence?", ("pelican-controversy",) * 2),  # "fell from"
])
def test_any_signs_after_a_part_asks_for_what_shows_it(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.keys[:2] == expected


def test_any_signs_alone_asks_nothing(seed_store):
    declined(seed_store, "any signs?")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "who said the part about re-engaging trump from a position of strength", "quote:easley-repair"),
    ("seed_store", "why would north korea want better ties with china rather than just russia",
     "turn-back-to-china"),
    ("bridge", "who said the bit about the ferry queues being a tax", "quote:popa-ferry-tax"),
])
def test_words_around_what_is_asked(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize("question", ["why is kim's attendance a big deal",
                                      "In a line or two, why is Kim's attendance considered a big deal?"])
def test_why_someones_attendance_is_a_big_deal_is_what_is_new(seed_store, question):
    assert top(seed_store, question) == "kim-xi-putin-together"


def test_a_big_deal_on_an_event_with_no_first_is_declined(bridge):
    declined(bridge, "why is the eu's attendance a big deal")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "sorry for my bad english, when is parade", "event:when"),
    ("seed_store", "Hello, I am not so good english, please can you tell me how many year since Kim Jong Un was "
                   "visit China?", "first-china-trip-since-2019"),
    ("bridge", "my english is not so good, how long is the bridge", "bridge-length"),
])
def test_an_apology_for_ones_english_asks_nothing(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "what does kamenograd get besides hotel bookings", "kamenograd-bookings"),  # ... and warehouses
    ("bridge", "who is protesting besides the coalition", "protest"),  # "environmental groups led by" it
    ("seed_store", "who has kim met besides xi", "past-summits"),  # "Xi, Putin, Donald Trump and ..."
])
def test_what_is_left_out_stands_beside_the_answer(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_besides_with_nothing_else_asked_is_declined(seed_store):
    assert "Besides that, what?" in declined(seed_store, "what besides kim")


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "trump said something about walking across a line?? what was that about",
     ("quote:trump-dmz", "quote:trump-dmz")),
    ("bridge", "what did popa say about the ferry queues? what was that about", ("quote:popa-ferry-tax",) * 2),
])
def test_what_was_that_about_after_a_part_asks_more_of_it(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.keys[:2] == expected


def test_what_was_that_about_alone_asks_nothing(seed_store):
    declined(seed_store, "what was that about")


@pytest.mark.parametrize(("store", "question"), [
    ("bridge", "does bulgaria have a beef with romania"),  # the complaint in the entry naming both is Serbia's
    ("bridge", "does romania have a problem with serbia"),
    ("bridge", "will the opening be on saturday? and how?"),
    ("seed_store", "according to the AP, why is north korea sanctioned"),  # only the wire report says why
    ("seed_store", "how close are russia and china"),  # not the Kim-Putin call
    ("bridge", "how close is kamenograd to port veresti"),  # a distance, which the reports do not give
    ("seed_store", "what deal did kim make with russia"),
])
def test_second_review_findings_declined(request, store, question):
    assert not request.getfixturevalue(store).ask(question).confident


def test_according_to_one_report_a_summed_up_list_is_not_its_word(seed_store):
    # the attendance list sums up both reports; the wire report names only Kim and Putin
    reason = declined(seed_store, "according to the wire, which countries are coming")
    assert "alone says of it is not recorded" in reason


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "does the AP report say how many leaders are coming", "foreign-leader-count"),
    ("seed_store", "why is 2019 mentioned", "first-china-trip-since-2019"),  # not the parade's date
    ("bridge", "why is belgrade even mentioned", "event:absent"),  # Serbia's capital: its absence
    ("bridge", "besides japan, who sends a delegation", "delegations"),
])
def test_second_review_findings_answered(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_any_evidence_is_only_what_shows_it(bridge):
    answer = bridge.ask("are the pelicans declining? any evidence?")  # DunaLink's drought claim shows nothing
    assert len(answer.parts) == 2 and not answer.parts[1].confident


def test_a_countrys_leader_talking_is_not_an_analysts_view_of_the_country(seed_store):
    assert "strained-by-moscow" not in seed_store.ask("what did the president of russia talk about").keys


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "is the moldovan president coming", "attending:moldova"),  # "Led by its president."
    ("bridge", "is italy's deputy prime minister coming", "attending:italy"),
    ("bridge", "is germany's transport minister coming", "attending:germany"),
    ("bridge", "is japan's vice foreign minister coming", "attending:japan"),
])
def test_a_countrys_guest_holds_the_office_its_note_gives(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question"), [
    ("bridge", "is the moldovan prime minister coming"),  # Moldova sends its president
    ("bridge", "is the italian prime minister coming"),  # ... Italy its deputy prime minister
    ("bridge", "is the japanese foreign minister coming"),  # ... Japan a vice foreign minister
    ("seed_store", "is the north korean prime minister coming"),  # Kim is General Secretary, no premier
])
def test_a_countrys_guest_holds_no_other_office(request, store, question):
    assert "The reports name no" in declined(request.getfixturevalue(store), question)


# Paraphrases of the reports' own words (issue 11: "paraphrase and chat language") ------------


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "why would north korea pivot back toward beijing", "turn-back-to-china"),
    ("seed_store", "is nk cozying up to china again", "turn-back-to-china"),
    ("seed_store", "is it a victory over japan kind of parade", "occasion-ap"),  # Japan's surrender
    ("seed_store", "is this kim's debut on the world stage", "first-multilateral"),
    ("bridge", "how many bridges do romania and bulgaria share over the danube", "bridge-route"),
    ("bridge", "how many trucks did they park on it for the test", "load-test"),  # its own vocabulary
])
def test_a_paraphrase_finds_the_reports_words(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


# Each was answered by a first draft of the rules above (a read-only review found them).
@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "is north korea pivoting to russia"),  # "mend ties with China": China is the partner
    ("seed_store", "is china cozying up to russia"),
    ("seed_store", "is trump cozying up to kim"),  # Easley: Kim repairs relations with Xi
    ("seed_store", "was it a defeat for the us"),  # only "a victory over" someone is their surrender
    ("seed_store", "is this xi's debut"),  # a debut alone is no first among other leaders
    ("seed_store", "how does trump look on the international stage"),
    ("seed_store", "what happens on the big day"),  # "big" describes no name of the event
    ("seed_store", "which countries did trump meet kim in"),
    ("bridge", "what do romania and bulgaria have in common"),
])
def test_paraphrase_review_findings_declined(request, store, question):
    declined(request.getfixturevalue(store), question)


def test_pay_keeps_its_meaning(bridge):
    assert top(bridge, "what do drivers pay in tolls for the bridge") == "tolls"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "which towns does the new bridge connect", "bridge-route"),  # "new" only describes it
    ("seed_store", "when is the big parade", "event:when"),
])
def test_words_describing_the_event_ask_nothing(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize("question", ["when was the last big military parade in beijing",  # another parade
                                      "how big is the chinese military"])
def test_a_describing_word_elsewhere_keeps_its_meaning(seed_store, question):
    declined(seed_store, question)


def test_which_countries_asks_for_others_than_those_named(seed_store):
    answer = seed_store.ask("which countries are nk, china and russia reacting to, per yang")
    assert answer.confident and set(answer.keys) <= {"yang-view", "quote:yang-status"}


def test_cooperation_among_named_countries_needs_each_of_them(seed_store):
    # "North Korea has been deepening cooperation with Russia" is no cooperation of Russia with China
    assert "russia-troops" not in seed_store.ask("is russia cooperating with china").keys


def test_the_exact_quote_of_a_body_is_its_speakers_words(seed_store):
    answer = seed_store.ask("give me the exact quote from the chinese foreign ministry")
    assert answer.confident and set(answer.keys) == {"quote:hong-lei-welcome-ap", "quote:hong-lei-welcome-wire"}


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("bridge", "any german-speaking countries sending a delegation?", {"attending:germany", "attending:austria"}),
    ("seed_store", "is anyone from a spanish-speaking country coming", {"attending:cuba"}),
])
def test_a_language_grouping_is_its_countries(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and set(answer.keys) == expected


def test_a_language_grouping_nobody_comes_from_is_declined(seed_store):
    assert "Arab countries" in declined(seed_store, "any arab leaders there?")


def test_a_country_may_be_in_several_groupings():
    regions = world().regions_of["Austria"]
    assert {"the West", "German-speaking countries", "Western Europe"} <= regions


# The language data's quick tests change no answer, only how soon a pattern gives up ------------


def test_a_pattern_that_needs_a_word_is_not_run_without_it():
    pattern = Pattern(r"(?#needs: spoke)\b(?P<pair>\w+ and \w+) spoke\b")
    assert pattern.search("kim and putin spoke")["pair"] == "kim and putin"
    assert pattern.search("kim and putin talked") is None
    assert pattern.sub("x", "kim and putin talked") == "kim and putin talked"


def test_a_pattern_at_the_end_looks_only_at_the_last_characters_yet_a_long_run_is_cut_piece_by_piece():
    tags = " ".join(["thanks"] * 60)  # 419 characters of tags, more than the pattern looks at
    assert english().unframe(f"when is the parade {tags}") == "when is the parade"


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "did the kim putin phone call go well"),  # the call, but not how it went
    ("seed_store", "did kim's trips to china go well"),
    ("seed_store", "was the parade a success"),
    ("bridge", "did the construction go well"),
    ("bridge", "will the opening go well"),
])
def test_whether_something_went_well_is_no_judgement_the_reports_make(request, store, question):
    declined(request.getfixturevalue(store), question)


def test_which_countries_people_are_from_is_where_they_are_from(seed_store):
    answer = seed_store.ask("which countries are kim, xi and putin from")
    assert answer.confident and set(answer.keys) == {"person:kim-jong-un", "person:xi-jinping", "person:vladimir-putin"}


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "which korea did moon jae-in lead", "person:moon-jae-in"),  # "Former President of South Korea"
    ("seed_store", "what does kim lead", "person:kim-jong-un"),  # not "U.S.-led sanctions"
])
def test_what_someone_leads_is_in_who_they_are(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


# Idioms and chat words an eighth writer used (each a class: the words readers use, not the reports')


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "why is the us sitting this one out", "western-absence"),
    ("seed_store", "when did kim take the reins", "kim-in-power"),
    ("seed_store", "is china north korea's number one trading partner", "china-biggest-partner"),
    ("seed_store", "why is nk sucking up to beijing", "turn-back-to-china"),
    ("seed_store", "gimme the easley quote about trump", "quote:easley-repair"),
    ("seed_store", "what did hong lei say about the cpc", "quote:hong-lei-welcome-ap"),  # the event's own vocabulary
    ("seed_store", "has kim sat down face to face with putin before", "past-summits"),
    ("bridge", "who's footing the bill", "financing"),
    ("bridge", "by how much has the pelican colony shrunk", "pelican-controversy"),  # "fell from 210 to 120"
    ("bridge", "how long is the new bridge", "bridge-length"),
])
def test_idioms_find_the_reports_words(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "why does one report say 26 leaders and the other 24", "foreign-leader-count"),
    ("bridge", "why does one paper say 2.1 billion and the other 1.9?", "cost"),  # not the occasion
])
def test_why_one_report_says_one_thing_and_the_other_another_is_that_fact(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_who_wrote_a_report_is_its_byline(bridge, seed_store):
    answer = bridge.ask("who wrote the continental press story")
    assert answer.confident and "Mara Ilic" in answer.parts[0].statements[0].text
    assert "No writer is named" in declined(bridge, "who is the author of the balkan business daily piece")
    assert "No writer is named" in declined(seed_store, "who wrote the wire report")  # it once got a quote


@pytest.mark.parametrize("question", ["word for word?", "verbatim pls"])
def test_a_tag_alone_asks_nothing(bridge, question):
    assert "Ask about the event" in declined(bridge, question)  # "word" once found a quote


def test_a_tag_after_a_question_is_no_part_of_its_own(seed_store):
    answer = seed_store.ask("what did the chinese assistant foreign minister say? word for word pls")
    assert len(answer.parts) == 1 and answer.keys[0].startswith("quote:hong-lei")


def test_how_long_the_event_is_needs_a_length_or_span(seed_store, bridge):
    assert "how long" in declined(seed_store, "how long is the whole parade")  # not "the 80th anniversary"
    assert top(bridge, "how long is the entire bridge") == "bridge-length"


@pytest.mark.parametrize(("question", "expected"), [
    ("any big western european leaders going?", "absent:western-europe"),  # how big is not who
    ("any important americans there", "absent:united-states"),
])
def test_how_important_guests_are_is_not_who_they_are(seed_store, question, expected):
    assert top(seed_store, question) == expected


def test_what_a_report_did_not_say_answers_whether_it_said_it(seed_store):
    assert top(seed_store, "did north korean state media say how long he's staying?") == "kcna-no-details"
    assert "not known" in declined(seed_store, "how long will kim stay")  # but it is no answer to how long


@pytest.mark.parametrize(("store", "question"), [("seed_store", "which city is hosting this thing"),
                                                  ("bridge", "which town is hosting the ceremony")])
def test_which_city_is_hosting_it_is_where_it_is(request, store, question):
    assert top(request.getfixturevalue(store), question) == "event:where"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "I'm a student writing a report on the Beijing parade - what anniversary is it commemorating?",
     "event:why"),
    ("seed_store", "journalist here: who invited kim?", "invitation"),
    ("seed_store", "for my history class: when did kim come to power", "kim-in-power"),
    ("seed_store", "settling a debate - when did kim last go to china", "first-china-trip-since-2019"),
    ("bridge", "investor here, who's financing this thing? breakdown please", "financing"),
    ("bridge", "on deadline - how long is the bridge? need the number", "bridge-length"),
])
def test_who_the_asker_is_asks_nothing(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "which summits did trump lead"),  # not "U.S.-led sanctions"
    ("seed_store", "which party does xi head"),  # his role names no party
    ("seed_store", "what do they lead"),
    ("seed_store", "has xi ever set foot in pyongyang"),  # Kim's trips to China are no visit of Xi's
    ("seed_store", "who is the author of the sanctions"),  # only reports have authors
    ("seed_store", "is putin attending in person"),  # not Kim's past summits
    ("seed_store", "what is north korea shipping to china"),  # troops go to Russia
    ("seed_store", "why is putin hyping the parade"),
    ("seed_store", "name the analysts"),
    ("seed_store", "gimme a break"),
    ("bridge", "why bother building the bridge"),
    ("bridge", "how many people were there altogether"),
])
def test_idiom_review_findings_declined(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "has kim set foot in china since 2019", "first-china-trip-since-2019"),
    ("bridge", "has the cost gone down", "cost"),  # "go down" keeps its meaning
    ("bridge", "what days does the ferry run", "kamenograd-ferry"),  # no question about who leads
    ("bridge", "which countries are the delegations from", "delegations"),
])
def test_idiom_review_findings_answered(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_who_wrote_a_report_and_when_is_its_byline_and_date(seed_store):
    answer = seed_store.ask("who wrote the ap piece and when")
    assert answer.confident and "28 August 2025" in answer.parts[0].statements[0].text


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "isn't Putin skipping it?", "Vladimir Putin is among those expected."),
    ("seed_store", "why is putin skipping it", "Vladimir Putin is among those expected."),  # he is not
    ("seed_store", "is kim not coming", "Kim Jong Un is among those expected."),
    ("bridge", "is serbia boycotting the ceremony", "Not expected: Serbia"),
])
def test_whether_someone_stays_away_is_answered_from_the_list_without_yes_or_no(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.parts[0].statements[0].text.startswith(expected)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "How many trips did Kim make to China in 2018 and 2019 combined?", "four-china-trips"),
    ("seed_store", "what share of north korea's foreign trade goes through china?", "trade-shares-2023"),
    ("seed_store", "has nk kept up weapons testing since the trump talks broke down", "weapons-tests"),
])
def test_narrow_idioms_keep_their_meaning(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize("question", ["has construction kept up with schedule",  # no test of anything
                                      "what is the combined share of romania and bulgaria"])
def test_the_same_words_elsewhere_ask_what_they_say(bridge, question):
    declined(bridge, question)


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "why is kim going to the moscow parade?"),  # not Pyongyang's dealings with Moscow
    ("seed_store", "is putin going to the moscow parade"),
    ("seed_store", "who is at the north korean parade"),
    ("bridge", "why is there a serbian ceremony"),
])
def test_the_event_placed_elsewhere_is_not_the_one_the_reports_cover(request, store, question):
    assert "The reports cover no" in declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "when is the beijing parade", "event:when"),
    ("bridge", "is the bulgarian opening on saturday", "event:when"),  # the bridge is Bulgaria's too
])
def test_the_event_placed_where_it_is_is_the_event(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_a_person_then_what_they_said(seed_store):
    assert top(seed_store, "Easly what he say").startswith("quote:easley")


def test_a_region_staying_away_is_not_its_guests(seed_store):
    assert "attending:vladimir-putin" not in seed_store.ask("are any european leaders sitting this one out").keys


# Found by a third read-only review (768 questions) of the rules above


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "why is the us skipping putin's parade"),  # the US stays away; Putin is no answer
    ("seed_store", "why are western leaders boycotting putin"),
])
def test_why_someone_stays_away_from_a_guests_event_is_their_absence(request, store, question):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and "attending:vladimir-putin" not in answer.keys


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "why is kim skipping nuclear talks"),  # the talks, not the parade
    ("bridge", "is germany pulling out of the project"),
    ("seed_store", "are top north korean generals going"),  # not Kim
    ("seed_store", "has china said how long kim will stay"),  # KCNA is North Korea's, not China's
    ("seed_store", "which city is home to kim"),
    ("seed_store", "which country does hong lei lead"),  # an assistant minister leads no country
    ("seed_store", "which university does easley lead"),  # a professor there leads none
    ("bridge", "which country does jovic lead"),
])
def test_third_review_findings_declined(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "which university does yang lead", "person:yang-moo-jin"),  # its president
    ("seed_store", "are chinese journalists here", "journalists-bureau"),  # no asker's preamble
    ("seed_store", "us parade snub", "western-absence"),  # the US's snub of this parade
    ("seed_store", "i need the date", "event:when"),  # the whole question, not a tag
])
def test_third_review_findings_answered(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_a_follow_up_to_a_question_asked_the_other_way_round_has_no_yes_or_no(bridge):
    answer = bridge.ask("is greece boycotting the ceremony? what about serbia?")
    assert [s.text[:4] for p in answer.parts for s in p.statements] == ["Gree", "Not "]


def test_a_countrys_delegation_is_named_as_such_not_as_its_leader(bridge):
    answer = bridge.ask("any important germans coming")
    assert "Germany's delegation (led by its transport minister)" in answer.parts[0].statements[0].text


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "pakistan at the parade?", "attending:pakistan"),
    ("bridge", "germany at the opening?", "attending:germany"),
    ("seed_store", "why is putin absent", "attending:vladimir-putin"),  # he is not
])
def test_a_country_at_the_event_asks_whether_it_takes_part(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "how do americans celebrate"),  # not Trump meeting Lee in Washington
    ("seed_store", "is north korea celebrating"),  # not the journalists' bureau, nor a "yes" for Kim
    ("bridge", "did japan open the bridge"),  # not Japan's loan, nor its delegation
    ("bridge", "is japan opening"),
])
def test_a_country_and_the_events_words_alone_ask_nothing_the_reports_say(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize("question", ["is russia at war", "russia military?"])
def test_a_country_and_other_words_are_no_attendance_question(seed_store, question):
    assert top(seed_store, question) == "russia-troops"  # "war" is in the event's name, not its kind


@pytest.mark.parametrize("question", ["the parade is about the end of the Korean War right?",  # not the "Korean" DMZ
                                      "is there a trade war"])
def test_another_word_makes_the_events_own_word_another_thing(seed_store, question):
    declined(seed_store, question)


def test_the_events_own_war_is_still_the_event(seed_store):
    assert top(seed_store, "is the parade about the war") == "event:why"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "Serbia?", "attending:serbia"),
    ("seed_store", "europe?", "attending:vladimir-putin"),
    ("bridge", "hungary?", "absent:hungary"),
])
def test_a_place_alone_asks_whether_anyone_from_there_takes_part(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.keys[0] == expected
    assert not answer.parts[0].statements[0].text.startswith(("Yes.", "No."))  # no question was asked to say yes to


@pytest.mark.parametrize("question", ["and russia?", "what about Cuba?", "Serbia too?"])
def test_a_place_that_points_back_to_no_question_asks_for_one(seed_store, question):
    assert "Ask a whole question" in declined(seed_store, question)


def test_a_place_alone_the_reports_do_not_list_is_not_confident(seed_store):
    assert "don't list anyone from Japan" in declined(seed_store, "japan?")


def test_accents_are_read_as_the_plain_letters(seed_store):
    assert top(seed_store, "is the iranian présidènt coming?") == "attending:iran"
    assert top(seed_store, "irán?") == "attending:iran"
    assert "anyone from Turkey" in declined(seed_store, "is Türkiye going?")  # the world data's own alias


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "a couple dozen leaders going?", "foreign-leader-count"),  # 26: the reports' own figure
    ("seed_store", "trump met kim what, a handful of times?", "trump-kim-meetings"),  # three times
    ("seed_store", "is 90% of nk trade with china?", "trade-shares-2023"),  # about 97%
    ("bridge", "a few thousand guests?", "guest-count"),
    ("bridge", "is the main span 900 m?", "main-span"),  # 640 m
    # the figure last: what it counts stands before it (these once raised IndexError)
    ("seed_store", "is NK's trade with China 90%?", "trade-shares-2023"),
    ("seed_store", "are the foreign leaders 30?", "foreign-leader-count"),
    ("bridge", "did it cost 2 billion?", "cost"),
    ("bridge", "is the clearance 40?", "clearance"),
])
def test_a_figure_the_reports_do_not_give_is_a_guess_their_figure_answers(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("store", "question"), [
    ("seed_store", "did kim attend the 2015 beijing parade"),  # a year the reports do not give: another event
    ("seed_store", "a handful of times?"),  # of what
    ("bridge", "does the bridge have 100 cables?"),  # "a 2.8 km cable-stayed bridge" counts no cables
    ("bridge", "were 300 pelicans killed?"),
    # found by review: a unit alone names nothing measured, and a place no length
    ("bridge", "is the opening 2 hours long?"),  # not the ferry's "up to three hours"
    ("bridge", "is the bridge 3,000 metres long?"),  # not the 640 m main span
    ("bridge", "is the ceremony 3 km from Kamenograd?"),  # not the 470 km stretch of the Danube
    ("seed_store", "is the parade 7 years after the last one?"),  # not Kim's first trip in six years
    # found by the second review: the number must be the entry's own, of what is asked
    ("bridge", "is the chief engineer 50?"),  # not the 120-year design life
    ("bridge", "is Port Veresti's population 20,000?"),  # not Kamenograd's 18,000
    ("seed_store", "did Xi visit Pyongyang 6 times?"),  # not Kim's four trips to China
])
def test_a_guessed_figure_needs_the_reports_figure_for_the_same_thing(request, store, question):
    declined(request.getfixturevalue(store), question)


def test_who_someone_is_is_declined_where_the_content_says_it_is_not_known(seed_store):
    reason = declined(seed_store, "who is Lee that Trump met in Washington?")
    assert reason == "The reports don't say who Lee is."
    assert seed_store.ask("who is lee").keys == ("person:lee",)  # what is known is still shown
    assert top(seed_store, "tell me about lee") == "person:lee"
    assert top(seed_store, "who is hong lei") == "person:hong-lei"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "why is Trump going to the Beijing parade?", "absent:united-states"),  # he is not
    ("seed_store", "why is the US going?", "absent:united-states"),
    ("bridge", "why is hungary going?", "absent:hungary"),
])
def test_why_someone_goes_whom_the_reports_do_not_expect_corrects_the_premise(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


def test_why_someone_goes_is_a_reason_question_when_they_do(seed_store):
    assert seed_store.ask("why arent western leaders going").keys[0] == "western-absence"
    assert "anyone from Japan" in declined(seed_store, "why is japan going to the parade?")
    assert seed_store.ask("why is kim going?").intent == "why"


@pytest.mark.parametrize(("store", "question"), [
    ("bridge", "give me the opening date of the Danube Gate Bridge"),
    ("seed_store", "the date of the beijing parade"),
])
def test_a_word_of_time_outranks_the_place_that_names_the_event(request, store, question):
    assert top(request.getfixturevalue(store), question) == "event:when"


@pytest.mark.parametrize(("store", "question"), [
    ("bridge", "bridge opening venue Saturday?"),  # found by review: the venue is asked, Saturday names the event
    ("seed_store", "the venue of the Wednesday parade"),
])
def test_a_word_that_asks_for_the_place_outranks_a_word_of_time(request, store, question):
    assert top(request.getfixturevalue(store), question) == "event:where"


def test_words_on_two_lines_of_an_event_entry_state_nothing_together(bridge, seed_store):
    # "Serbia: ... Transport Minister Nenad Jovic ..." and "Hungary: Its ministers ...": no Hungarian transport minister
    declined(bridge, "who is Hungary's transport minister")
    # ... but each side of a choice may stand on a line of its own
    assert top(seed_store, "is it western countries or western european countries that aren't going") in (
        "western-absence", "event:absent")


@pytest.mark.parametrize(("store", "question", "shown"), [
    ("seed_store", "does Reuters say something AP doesn't?", "western-absence"),
    ("seed_store", "what's in the wire report that isn't in AP", "western-absence"),
    ("bridge", "does Balkan Business Daily say anything the Continental Press piece doesn't?", "cost"),
])
def test_what_one_report_says_and_another_not_shows_the_recorded_differences_unclaimed(request, store, question, shown):
    # "eight countries" is in both bridge reports under two entries: entry sources are no claim-by-claim comparison
    found = request.getfixturevalue(store)
    assert "claim by claim" in declined(found, question)
    assert shown in found.ask(question).keys


def test_a_rates_unit_is_not_what_its_number_counts(bridge):
    # "About 14,000 vehicles a day": a number of vehicles, not of days
    assert top(bridge, "how many days after the ceremony do cars get on it") == "traffic-opens"
    assert top(bridge, "how many vehicles a day?") == "traffic-forecast"
    declined(bridge, "how many cables does the bridge have")  # "a cable-stayed bridge": an article, no rate


@pytest.mark.parametrize("question", ["has nk's nuclear program grown since the talks with trump went south",
                                      "is north korea expanding its nuclear weapons programme"])
def test_a_nuclear_programme_is_the_nuclear_arsenal(seed_store, question):
    assert top(seed_store, question) == "weapons-tests"  # "enlarging his nuclear arsenal"
    declined(seed_store, "how many nuclear weapons does north korea have")  # still no number


def test_what_one_side_pays_for_something_is_what_the_other_gets_in_exchange(seed_store):
    assert top(seed_store, "what's moscow paying pyongyang for the soldiers") == "russia-troops"
    declined(seed_store, "what is kim paying xi for the trip")


def test_who_pays_for_the_soldiers_is_told_whoever_the_question_names(seed_store):
    # "NK sends troops ... to Russia in return for economic and military help": Russia, not China, pays
    assert top(seed_store, "what is china paying nk for soldiers") == "russia-troops"


@pytest.mark.parametrize("question", ["what does Russia get from China?", "what does NK get from China?"])
def test_what_one_country_gets_from_another_needs_an_entry_that_says_so(seed_store, question):
    declined(seed_store, question)  # found by review: the host's name made either a party or the venue


def test_the_hosts_capital_with_the_event_is_still_the_venue(seed_store):
    assert top(seed_store, "Cuba leader will go to Beijing for the parade, yes?") == "other-attendees"


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", '"Pyongyang\'s illicit cooperation with Moscow has strained ties" - who said that?',
     "quote:easley-strained"),
    ("seed_store", "explain the “position of strength” quote", "quote:easley-repair"),
    ("seed_store", 'what\'s the "traditional friendship" thing Hong Lei was talking about',
     "quote:hong-lei-welcome-ap"),
    ("bridge", '"cutting a ribbon over a graveyard of nests" - who said this', "quote:koleva-graveyard"),
])
def test_words_pasted_from_the_reports_find_who_said_them(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize("question", [
    'who said "the parade was cancelled"?',  # said by no one the reports quote
    'how many times did Easley say "position of strength"?',  # asks more than who said it
])
def test_a_pasted_passage_answers_only_what_is_asked_of_it(seed_store, question):
    declined(seed_store, question)


@pytest.mark.parametrize(("question", "expected"), [
    ("who is Xi Jin Ping", "person:xi-jinping"),
    ("is pyong yang sending anyone", "attending:kim-jong-un"),
    ("did Xi Jin Ping invite him", "invitation"),
])
def test_a_name_typed_in_two_pieces_is_the_name(seed_store, question, expected):
    assert top(seed_store, question) == expected


def test_two_known_words_are_never_joined(seed_store):
    words, fixed = seed_store.lexicon.correct(["yang", "moo"])
    assert words == ["yang", "moo"] and not fixed


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "so I read that Kim basically never leaves North Korea and now he's off to China of all places? "
                   "anyway when is the parade", "event:when"),
    ("bridge", "so I read the ferry takes hours and only runs in daylight, how long is the trip going to take with "
               "the bridge", "journey-time"),
    # ... but a question about what was read keeps it
    ("seed_store", "I read somewhere that China is basically North Korea's lifeline, is that right?",
     "china-biggest-partner"),
])
def test_what_the_asker_read_before_the_question_is_talk_not_a_question(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("how long ago was his last trip to china", "first-china-trip-since-2019"),
    ("how long ago did kim last visit china", "first-china-trip-since-2019"),
])
def test_how_long_ago_asks_when(seed_store, question, expected):
    answer = seed_store.ask(question)
    assert answer.confident and answer.intent == "when" and answer.keys[0] == expected


@pytest.mark.parametrize("question", ["how long has Xi been in power?", "how long has Putin been president?"])
def test_how_long_someone_has_been_something_is_no_date_of_another(seed_store, question):
    declined(seed_store, question)  # found by review: read as "since when", it got Kim's 2011


def test_how_long_something_takes_is_still_a_span(bridge):
    assert bridge.ask("how long does the crossing take").intent == "duration"


def test_anyway_ends_the_talk_before_a_question_but_not_a_question_before_it(seed_store):
    assert top(seed_store, "my uncle says kim never travels lol, anyway who is going?") == "event:who"
    assert top(seed_store, "why is north korea under sanctions anyway, any idea?") == "sanctions"


@pytest.mark.parametrize("question", ["wasn't it Putin who invited Kim?", "was it xi who invited him"])
def test_was_it_x_who_asks_who_so_the_answer_names_who_did(seed_store, question):
    answer = seed_store.ask(question)
    assert answer.confident and answer.intent == "who" and answer.keys[0] == "invitation"  # Xi, says KCNA


def test_time_fillers_never_count_against_an_answer(seed_store):
    assert top(seed_store, "nk trading with china these days?") == "trade-shares-2023"


@pytest.mark.parametrize(("store", "question"), [
    # found by review: a hedge or a reflexive pronoun is what these ask
    ("bridge", "is the traffic mostly trucks?"),
    ("bridge", "were the workers mostly Romanian?"),
    ("seed_store", "is North Korea's aid primarily from Russia?"),
    ("seed_store", "is Kim going by himself?"),
])
def test_hedges_and_reflexives_that_carry_the_question_are_not_dropped(request, store, question):
    declined(request.getfixturevalue(store), question)


@pytest.mark.parametrize(("question", "expected"), [
    ("student doing a project on bridges: how long is the main span?", "main-span"),
    ("journalist working on a story about the bridge, who built it?", "builder"),
    ("truck drivers how much is the toll", "tolls"),  # the drivers are what is asked about, not the asker
])
def test_who_the_asker_is_and_what_they_are_doing_asks_nothing(bridge, question, expected):
    assert top(bridge, question) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    ("seed_store", "Europe?", ["attending:vladimir-putin", "attending:belarus", "attending:serbia", "absent:europe"]),
    ("bridge", "any balkan countries coming?",  # the Balkans are a grouping of their own, not Southern Europe
     ["attending:todor-vasilev", "attending:greece", "attending:north-macedonia", "absent:the-balkans"]),
])
def test_a_regions_attendance_names_who_is_coming_and_who_is_not(request, store, question, expected):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and list(answer.keys) == expected


@pytest.mark.parametrize(("store", "question", "expected"), [
    # found by review: what was read is the question's subject where the question points back to it
    ("bridge", "I heard Hungary declined, why did they?", "hungary-absent"),
    ("bridge", "so I heard the bridge was late, why was it?", "delay"),
    ("bridge", "I heard about the protest, where will it be?", "protest"),
    ("bridge", "about the lawsuit, anyway when was it?", "lawsuit"),
    ("bridge", "teacher preparing a lesson on the lawsuit: when was it?", "lawsuit"),  # the work's topic stays
    ("seed_store", "when is the parade? anyway, who is going?", "event:when"),  # a question before it stays
])
def test_what_was_read_or_said_before_stays_where_the_question_needs_it(request, store, question, expected):
    assert top(request.getfixturevalue(store), question) == expected


@pytest.mark.parametrize("question", ["the Trump-Lee meeting, where was it, when was it?",
                                      "the press conference, where was it, when was it?"])
def test_when_was_it_after_a_topic_is_not_the_events_date(seed_store, question):
    assert "event:when" not in seed_store.ask(question).keys


@pytest.mark.parametrize(("store", "question", "shown"), [
    # found by review: a pasted passage said by someone else than the question names is no "yes"
    ("seed_store", 'did Trump say "position of strength"?', "quote:easley-repair"),
    ("bridge", 'did Koleva say "a street we share"?', "quote:marinescu-street"),
])
def test_a_pasted_passage_said_by_another_is_declined_with_whose_it_is(request, store, question, shown):
    found = request.getfixturevalue(store)
    assert "someone else" in declined(found, question)
    assert found.ask(question).keys == (shown,)


@pytest.mark.parametrize(("store", "question"), [("seed_store", "parade location and date?"),
                                                 ("bridge", "venue and date of the opening?")])
def test_the_place_and_the_date_asked_together_are_both_answered(request, store, question):
    answer = request.getfixturevalue(store).ask(question)
    assert answer.confident and answer.keys == ("event:where", "event:when")


@pytest.mark.parametrize("question", [
    # found by the third review: what was read "about" is the subject; "else" and "there" point back
    "I heard about the Korean war, when did the war end?",
    "I read about the Washington meeting, who was there?",
    "I heard Trump was invited, who else was invited?",
    # ... and a pasted passage said "about" something else is no "yes"
    'did Trump say "I loved it" about the parade?',
    'did Easley say "position of strength" about Putin?',
])
def test_what_was_read_about_or_said_about_is_asked_too(seed_store, question):
    declined(seed_store, question)


@pytest.mark.parametrize("question", ["lee who", "Lee?", "trump met lee in washington? lee who"])
def test_a_bare_name_whose_identity_is_not_known_is_declined_too(seed_store, question):
    assert "don't say who Lee is" in declined(seed_store, question)  # found by the eleventh writer


@pytest.mark.parametrize("question", ["besides russia which countries are sending their leaders",
                                      "apart from kim and putin, who is going?"])
def test_what_a_question_leaves_out_may_come_first(seed_store, question):
    assert top(seed_store, question) == "event:who"  # as "which countries ... besides Russia"


def test_a_later_part_that_only_elaborates_asks_nothing(seed_store):
    answer = seed_store.ask("is 26 a lot? like for a parade?")
    assert answer.confident and answer.keys == ("foreign-leader-count",)  # not the occasion for "like for a parade"


def test_a_correction_is_listed_once(seed_store):
    assert seed_store.ask("whne is the parade? anyway, who is going?").corrections == (("whne", "when"),)
