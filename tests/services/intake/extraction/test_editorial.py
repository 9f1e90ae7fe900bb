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
