"""Stand-alone text rules through the extractor: pronouns, short references, names, dates
and speakers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.intake.extraction import CandidateClaim, ClaimExtractor


def claims(extractor: ClaimExtractor, text: str, **kwargs: object) -> list[CandidateClaim]:
    return extractor.extract(text, **kwargs)  # type: ignore[arg-type]


def test_he_is_the_most_recent_person_subject(rules_extractor: ClaimExtractor) -> None:
    text = (
        "Donald Trump met Vladimir Putin in Da Nang on Saturday.\n\n"
        "He stressed that the talks with Vladimir Putin were useful."
    )
    second = claims(rules_extractor, text)[1]
    assert second.text == "Donald Trump stressed that the talks with Vladimir Putin were useful."
    assert second.source_text == "He stressed that the talks with Vladimir Putin were useful."
    assert second.speaker == "Donald Trump" and second.attributed


def test_pronoun_without_antecedent_is_left_alone(rules_extractor: ClaimExtractor) -> None:
    (claim,) = claims(rules_extractor, "He said the summit in Da Nang ended in 2017.")
    assert claim.text.startswith("He said the summit")


def test_the_two_leaders_are_the_two_dominant_people(rules_extractor: ClaimExtractor) -> None:
    text = (
        "Donald Trump and Vladimir Putin met in Da Nang in November 2017. "
        "Trump spoke first at the summit in Vietnam. Putin spoke after Trump at the summit. "
        "The two leaders signed a joint statement on Syria in 2017."
    )
    last = claims(rules_extractor, text)[-1]
    assert last.text == "Donald Trump and Vladimir Putin signed a joint statement on Syria in 2017."
    second = claims(rules_extractor, text)[1]
    assert second.text == "Donald Trump spoke first at the summit in Vietnam."


def test_no_pair_when_no_two_people_dominate(rules_extractor: ClaimExtractor) -> None:
    text = "The two leaders met Angela Merkel in Berlin in 2017 to discuss trade."
    (claim,) = claims(rules_extractor, text)
    assert claim.text == text


def test_role_phrases_resolve_to_the_person_introduced_with_them(
    rules_extractor: ClaimExtractor,
) -> None:
    text = (
        "The US President Donald Trump arrived in Da Nang on Friday.\n\n"
        "According to the head of the White House, the talks lasted ten minutes."
    )
    second = claims(rules_extractor, text)[1]
    assert second.speaker == "Donald Trump" and second.attributed
    assert second.text == "According to Donald Trump, the talks lasted ten minutes."


@pytest.mark.parametrize(
    ("text", "speaker", "standalone"),
    [
        (
            "\u201cWe will finish the job in Syria,\u201d said Donald Trump on Monday.",
            "Donald Trump",
            "We will finish the job in Syria.",
        ),
        (
            '"The talks lasted ten minutes," Dmitry Peskov said on Sunday.',
            None,  # "<name> said" after a straight quote is not recognised yet
            None,
        ),
        (
            "Dmitry Peskov told CNN that the talks lasted ten minutes on Saturday.",
            "Dmitry Peskov",
            "Dmitry Peskov told CNN that the talks lasted ten minutes on 11 November 2017.",
        ),
        (
            "According to Dmitry Peskov, the talks lasted ten minutes.",
            "Dmitry Peskov",
            "According to Dmitry Peskov, the talks lasted ten minutes.",
        ),
        (
            "Vladimir Putin feels insulted by the accusations against Moscow in 2017.",
            "Vladimir Putin",
            "Vladimir Putin feels insulted by the accusations against Moscow in 2017.",
        ),
    ],
)
def test_speakers(
    rules_extractor: ClaimExtractor, text: str, speaker: str | None, standalone: str | None
) -> None:
    (claim,) = claims(rules_extractor, text, published_at=datetime(2017, 11, 11, tzinfo=UTC))
    assert claim.attributed
    if speaker is not None:
        assert claim.speaker == speaker
    if standalone is not None:
        assert claim.text == standalone


def test_plain_facts_have_no_speaker(rules_extractor: ClaimExtractor) -> None:
    (claim,) = claims(rules_extractor, "The APEC summit of 2017 was held in Da Nang, Vietnam.")
    assert claim.speaker is None and claim.attributed is False
    assert claim.text == claim.source_text


def test_lower_case_names_are_repaired(rules_extractor: ClaimExtractor) -> None:
    text = (
        "Trump arrived in Vietnam on Friday for the APEC summit.\n\n"
        "Donald trump met Vladimir Putin in Da Nang in November 2017."
    )
    first, second = claims(rules_extractor, text)
    assert first.text.startswith("Donald Trump arrived in Vietnam")
    assert second.text.startswith("Donald Trump met Vladimir Putin")
    assert ("Donald trump", "PERSON") in {(e.text, e.label) for e in second.entities}


LEADERS = (
    "The presidents of the United States and Russia met in Da Nang in November 2017. "
    "The US President Donald Trump spoke first at the summit in Vietnam. "
    "Vladimir Putin spoke after Donald Trump at the summit. "
    "Putin left Vietnam on 12 November 2017. "
)


def test_the_two_countries_are_the_pair_the_article_names(
    rules_extractor: ClaimExtractor,
) -> None:
    text = LEADERS + "Experts of the two countries wrote the joint statement on Syria in 2017."
    last = claims(rules_extractor, text)[-1]
    assert last.text == (
        "Experts of the United States and Russia wrote the joint statement on Syria in 2017."
    )


def test_the_other_countrys_leader_is_found_by_elimination(
    rules_extractor: ClaimExtractor,
) -> None:
    text = LEADERS + "The Russian leader denied any interference in the elections in 2016."
    last = claims(rules_extractor, text)[-1]
    assert last.text == "Vladimir Putin denied any interference in the elections in 2016."


def test_a_leader_the_article_never_ties_to_a_country_is_left_alone(
    rules_extractor: ClaimExtractor,
) -> None:
    text = LEADERS + "The Chinese leader denied any interference in the elections in 2016."
    last = claims(rules_extractor, text)[-1]
    assert last.text.startswith("The Chinese leader denied")


@pytest.mark.parametrize(
    ("text", "speaker", "stand_alone"),
    [
        (
            '"Unemployment fell to 4.1 percent in October 2017," said Donald Trump.',
            "Donald Trump",
            "Unemployment fell to 4.1 percent in October 2017.",
        ),
        (
            '"Unemployment fell to 4.1 percent in October 2017," Trump said.',
            "Trump",
            "Unemployment fell to 4.1 percent in October 2017.",
        ),
        (
            "Unemployment fell to 4.1 percent in October 2017, the Labor Department said.",
            "the Labor Department",
            "Unemployment fell to 4.1 percent in October 2017.",
        ),
        (
            "Unemployment fell to 4.1 percent in October 2017, said Ann Lee on Monday.",
            "Ann Lee",
            "Unemployment fell to 4.1 percent in October 2017.",
        ),
    ],
)
def test_straight_quotes_and_trailing_attributions(
    rules_extractor: ClaimExtractor, text: str, speaker: str, stand_alone: str
) -> None:
    (claim,) = claims(rules_extractor, text)
    assert (claim.speaker, claim.attributed, claim.text) == (speaker, True, stand_alone)
    assert claim.source_text == text


def test_clauses_before_a_speech_verb_are_not_a_speaker(rules_extractor: ClaimExtractor) -> None:
    text = "Prices rose by 5 percent, and wages fell by 2 percent, as analysts said in 2017."
    (claim,) = claims(rules_extractor, text)
    assert claim.speaker is None
