"""Speakers of news copy (issue 22): descriptions of organisations, appositives, relative
clauses, pronouns and inverted attributions resolve to the person or organisation named."""

from __future__ import annotations

import pytest

from services.intake.extraction import ClaimExtractor


def last_speaker(extractor: ClaimExtractor, text: str) -> str | None:
    return extractor.extract(text)[-1].speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (  # a description of an organisation named before, after "according to"
            "The Nordic Marine Agency opened a laboratory in Tromso in 2020.\n\n"
            "The laboratory cost 3 million euros, according to the agency.",
            "Nordic Marine Agency",
        ),
        (  # ... and in a trailing attribution written in lower case
            "The Nordic Marine Agency opened a laboratory in Tromso in 2020.\n\n"
            "Its roof was built by a firm from Oslo, the agency said.",
            "Nordic Marine Agency",
        ),
        (  # a club is described as "the club"
            "Rivermouth FC signed the goalkeeper Tom Weller on 3 May 2024 for 4 million "
            "euros, the club said.",
            "Rivermouth FC",
        ),
        (  # the speaker after the verb, with a title before the name
            "The new dock can lift ships of 30,000 tonnes, said the Director of the Eastern "
            "shipyard Pavel Drozdov.",
            "Pavel Drozdov",
        ),
        (  # an object pronoun after "according to"
            "Senator Paul Novak visited the steel plant in Gary on 3 May 2024.\n\n"
            "According to him, the plant employs 400 people.",
            "Paul Novak",
        ),
        (  # an appositive: the role, then the person set off by commas
            "Atletico Sur's sporting director, Ramon Vidal, said on 4 June 2024 that two "
            "clubs had made offers.",
            "Ramon Vidal",
        ),
        (  # an appositive after "according to"
            "The tunnel was last repaired in 1988, according to a report by the city auditor, "
            "Helen Marsh.",
            "Helen Marsh",
        ),
        (  # a relative clause between the speaker and the verb
            "Governor Tom Reyes, who took office in January, said the state had hired 200 "
            "nurses in 2023.",
            "Tom Reyes",
        ),
        (  # translated copy: the verb before its subject
            "The port handled 40 million tons of cargo in 2023, reports the press service of "
            "the Ministry of fisheries.",
            "the press service of the Ministry of fisheries",
        ),
        (  # a head-first name ("Ministry of ..."), described later as "the ministry"
            "The Ministry of fisheries opened a port in Narvik in 2019.\n\n"
            "Earlier the ministry reported that the port handled 9 million tons in 2023.",
            "Ministry of fisheries",
        ),
        (  # a name whose head noun the copy writes in lower case
            "The tanker was built by the Baltic shipyard in 2019.\n\n"
            "It passed its sea trials in 2020, informs the shipyard.",
            "Baltic shipyard",
        ),
        (  # "said the ..." followed by a clause is no trailing attribution
            "Club president Ole Berg, a former goalkeeper, said the fee would be paid in two "
            "instalments.",
            "Ole Berg",
        ),
    ],
)
def test_the_speaker_is_the_person_or_organisation_named(
    rules_extractor: ClaimExtractor, text: str, speaker: str
) -> None:
    assert last_speaker(rules_extractor, text) == speaker


def test_a_pronoun_is_the_person_of_its_own_full_name_where_two_share_a_surname(
    rules_extractor: ClaimExtractor,
) -> None:
    text = (
        "The school is named after the engineer Anton Weiss.\n\n"
        "The ceremony was opened by his grandson, the deputy mayor Karl weiss.\n\n"
        "According to him, the school cost 40 million euros."
    )
    assert last_speaker(rules_extractor, text) == "Karl Weiss"
