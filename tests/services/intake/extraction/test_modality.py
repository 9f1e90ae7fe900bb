"""The modality check (``not_factual``) on hand-made sentences (no model, no spaCy)."""

from __future__ import annotations

import pytest

from services.intake.extraction.mentions import Mention
from services.intake.extraction.modality import not_factual_cue


def mention(text: str, sentence: str, label: str, offset: int = 0) -> Mention:
    start = sentence.index(text)
    return Mention(text, label, offset + start, offset + start + len(text))


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        ("The mayor said the repair money should have come from the county.", "modal: should"),
        (
            "The coach said the forward could play against Riverside if he recovers in time.",
            "modal: could",
        ),
        ("Geologists say the crater may be the remains of an ancient lake.", "modal: may"),
        ("Officials might reopen the border crossing to lorries.", "modal: might"),
        ("Her daughter would be delighted by the new library, she often said.", "modal: would"),
        ("The governor said she expects the new bridge to open to traffic.", "belief: expects"),
        ("Several economists believe that the port needs two more cranes.", "belief: believe"),
        ("Analysts think the merger is a mistake for the airline.", "belief: think"),
        ("The strike will probably spread to the northern depots.", "hedge: probably"),
        ("The minister is likely to resign over the contract.", "hedge: likely"),
    ],
)
def test_opinions_hedges_and_expectations_are_not_factual(sentence: str, cue: str) -> None:
    assert not_factual_cue(sentence, []) == cue


def test_a_dated_future_is_a_prediction() -> None:
    sentence = "The committee will hold its next hearing on 14 April."
    dated = [mention("14 April", sentence, "DATE")]
    assert not_factual_cue(sentence, dated) == "prediction: will"


def test_a_future_that_names_nothing_is_a_prediction() -> None:
    sentence = "The governor noted that the new ferry will make the crossing much safer."
    assert not_factual_cue(sentence, []) == "prediction: will"


def test_mentions_are_read_in_article_coordinates() -> None:
    sentence = "The committee will hold its next hearing on 14 April."
    dated = [mention("14 April", sentence, "DATE", offset=500)]
    assert not_factual_cue(sentence, dated, 500) == "prediction: will"
    named = "The committee will hold its next hearing at Halden Hall."
    hall = [mention("Halden Hall", named, "FAC", offset=500)]
    assert not_factual_cue(named, hall, 500) is None


@pytest.mark.parametrize(
    ("sentence", "what", "label"),
    [
        # what a plan fixes is checkable now: an amount, even with a date
        (
            "Under the plan, the library will receive $4 million in 2027, an increase of 6 "
            "percent.",
            "$4 million",
            "MONEY",
        ),
        # a named place or party without a date
        ("The striker will play his home games at the Northgate Stadium.", "Northgate", "FAC"),
        ("\u201cWe will finish the bypass to Lund,\u201d the mayor said on Monday.", "Lund", "GPE"),
    ],
)
def test_a_future_fixed_by_a_plan_stays(sentence: str, what: str, label: str) -> None:
    mentions = [mention(what, sentence, label)]
    if "Monday" in sentence:
        mentions.append(mention("Monday", sentence, "DATE"))
    if "2027" in sentence:
        mentions.append(mention("2027", sentence, "DATE"))
    assert not_factual_cue(sentence, mentions) is None


def test_a_quoted_feeling_is_not_factual() -> None:
    sentence = "\u201cI have never been so proud of this town,\u201d said resident Ana Lopes."
    assert not_factual_cue(sentence, [], quoted=True) == "feeling: proud"
    # the same words outside a quotation are left to the other cues and the model
    assert not_factual_cue(sentence, [], quoted=False) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "The council voted 9-0 to hire 14 additional firefighters.",
        "Carver said property taxes would rise by 2.1 percent, the first increase since 2019.",
        "The club president said the fee would be paid in three instalments.",
        "The minister could not attend the summit in Oslo.",
        "Sales rose 6 percent, less than analysts had expected.",
        "The keel of the vessel was laid at the shipyard in may 2020.",
        "May was the wettest month on record in Bergen.",
        "Ana Berg, who believes the fee is too high, voted against the plan.",
        "A think tank in Oslo published the figures last week.",
        "His will left the estate to a charity in Bergen.",
    ],
)
def test_plain_reports_are_factual(sentence: str) -> None:
    assert not_factual_cue(sentence, []) is None


def test_a_plain_clause_beside_a_hedged_one_keeps_the_sentence() -> None:
    sentence = (
        "It was expected that the two ministers could meet the day before, but the talks "
        "did not take place."
    )
    assert not_factual_cue(sentence, []) is None
    quote = "Every time we meet, he says: \u201cWe did not do it\u201d and I really believe him."
    assert not_factual_cue(quote, [], quoted=True) is None


def test_every_clause_hedged_is_not_factual() -> None:
    sentence = "Officials might close the road; the mayor said it could take a week."
    assert not_factual_cue(sentence, []) == "modal: might"


def test_a_reporting_frame_is_not_a_statement() -> None:
    sentence = "The agency said: the probe will reach the asteroid in 2031."
    dated = [mention("2031", sentence, "DATE")]
    assert not_factual_cue(sentence, dated) == "prediction: will"


@pytest.mark.parametrize(
    "sentence",
    [
        # the speaker's own "I think" hedges what the speaker asserts
        "I believe there are 40,000 children in the county without health insurance.",
        "We think the bridge carried 31,000 vehicles a day before it closed.",
        # "believe in" is no belief that something is so
        "The senator voted against the bill because he did not believe in a deadline.",
        # what a law or a plan provides
        "She voted against a law that would provide free school meals in the county.",
        # discourse, not modality
        "And I might say that two-thirds of the council voted against the plan.",
        # a count stated before the hedge is a fact of its own
        "There are 16 confirmed cases in the region, the actual number believed to be higher.",
    ],
)
def test_what_a_speaker_asserts_or_a_plan_provides_is_factual(sentence: str) -> None:
    assert not_factual_cue(sentence, []) is None


def test_a_sum_or_rate_is_checkable_even_when_hedged() -> None:
    sentence = "Diagnosing diabetes early could save the health service $50 million a year."
    money = [mention("$50 million", sentence, "MONEY")]
    assert not_factual_cue(sentence, money) is None
    assert not_factual_cue(sentence, []) == "modal: could"


def test_a_count_after_the_cue_is_hedged_with_it() -> None:
    sentence = "Experts believe that the port needs at least five more cranes."
    assert not_factual_cue(sentence, []) == "belief: believe"
