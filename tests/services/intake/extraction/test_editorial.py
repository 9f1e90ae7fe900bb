"""The editorial rules on hand-made sentences (no model, no spaCy)."""

from __future__ import annotations

import pytest

from services.intake.extraction.editorial import editorial_rule
from services.intake.extraction.mentions import Mention, Standalone


def mention(text: str, sentence: str, label: str) -> Mention:
    start = sentence.index(text)
    return Mention(text, label, start, start + len(text))


EVENT = "The ministers of France and Japan signed the trade pact in Osaka on 3 May 2019."


def event_mentions(sentence: str) -> list[Mention]:
    return [
        mention("France", sentence, "GPE"),
        mention("Japan", sentence, "GPE"),
        mention("3 May 2019", sentence, "DATE"),
    ]


def test_a_dated_report_with_an_actor_is_an_event() -> None:
    assert editorial_rule(EVENT, event_mentions(EVENT), None, quoted=False) == "event"


def test_an_event_needs_both_an_actor_and_a_time() -> None:
    no_time = [m for m in event_mentions(EVENT) if m.label != "DATE"]
    no_actor = [m for m in event_mentions(EVENT) if m.label == "DATE"]
    assert editorial_rule(EVENT, no_time, None, quoted=False) is None
    assert editorial_rule(EVENT, no_actor, None, quoted=False) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "We signed the trade pact with France and Japan in Osaka on 3 May 2019.",
        "You know France and Japan signed the trade pact in Osaka on 3 May 2019.",
    ],
)
def test_first_and_second_person_is_not_a_report(sentence: str) -> None:
    assert editorial_rule(sentence, event_mentions(sentence), None, quoted=False) is None


def test_quoted_sentences_never_qualify() -> None:
    assert editorial_rule(EVENT, event_mentions(EVENT), None, quoted=True) is None


def test_fragments_are_too_short() -> None:
    short = "France and Japan, 3 May 2019."
    assert editorial_rule(short, event_mentions(short), None, quoted=False) is None


SPEECH = "He stressed that the agreement will not be renegotiated this year."


def test_a_named_speakers_reported_statement_is_speech() -> None:
    resolved = Standalone(text="Ann Lee stressed ...", speaker="Ann Lee", attributed=True)
    assert editorial_rule(SPEECH, [], resolved, quoted=False) == "speech"


@pytest.mark.parametrize("speaker", ["he", "He", "the joint statement", None, ""])
def test_speech_needs_a_named_speaker(speaker: str | None) -> None:
    resolved = Standalone(text=SPEECH, speaker=speaker, attributed=True)
    assert editorial_rule(SPEECH, [], resolved, quoted=False) is None


def test_unattributed_text_is_not_speech() -> None:
    resolved = Standalone(text=SPEECH, speaker="Ann Lee", attributed=False)
    assert editorial_rule(SPEECH, [], resolved, quoted=False) is None


# --- detail: a count, a measure or a naming ------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The rover carries four cameras, including one built at a lab in Turin.",
        "The club signed 14 players on loan before the end of the transfer window.",
        "Parents queued for more than an hour to speak at the school board hearing.",
        "The ferry line lost $2.5 million on the northern route in its first season.",
        "Ticket sales at the museum fell by 12% after the renovation of the west wing.",
    ],
)
def test_a_report_with_a_count_or_measure_is_kept(sentence: str) -> None:
    assert editorial_rule(sentence, [], None, quoted=False) == "detail"


def test_a_naming_beside_a_named_person_is_kept() -> None:
    sentence = "The research ship is named in honour of the geologist Astrid Vik."
    person = [mention("Astrid Vik", sentence, "PERSON")]
    assert editorial_rule(sentence, person, None, quoted=False) == "detail"
    assert editorial_rule(sentence, [], None, quoted=False) is None


@pytest.mark.parametrize(
    "sentence",
    [
        # a year or a day of the month is a date, not a count: alone it is not enough
        "The old observatory first opened its doors to the public in 1998 using gas lamps.",
        "The ministers of France and Japan met again in Osaka on 3 May to sign it.",
        # no number with a unit
        "The regional council approved the new harbour plan after a long debate.",
    ],
)
def test_a_date_or_a_name_alone_is_no_detail(sentence: str) -> None:
    assert editorial_rule(sentence, [], None, quoted=False) is None


def test_counts_in_quotes_or_in_the_first_person_are_not_kept() -> None:
    sentence = "We carried four cameras, including one built at a lab in Turin."
    assert editorial_rule(sentence, [], None, quoted=False) is None
    quoted = "The rover carries four cameras, including one built at a lab in Turin."
    assert editorial_rule(quoted, [], None, quoted=True) is None


def test_someone_named_by_age_with_a_date_is_an_event() -> None:
    sentence = "The 31-year-old signed a new contract with the club until June 2029."
    mentions = [mention("31-year-old", sentence, "DATE"), mention("June 2029", sentence, "DATE")]
    assert editorial_rule(sentence, mentions, None, quoted=False) == "event"
    # an age alone is neither a time nor a count
    age_only = "A 60 year old woman in the town caught a cold and is fine."
    aged = [mention("60 year old", age_only, "DATE")]
    assert editorial_rule(age_only, aged, None, quoted=False) is None
