from __future__ import annotations

from workers.verification.sentences import split_sentences


def test_splits_on_sentence_ends() -> None:
    text = "The summit ended. Leaders left on Saturday! Did they agree? Yes, they did agree."
    assert split_sentences(text) == [
        "The summit ended.",
        "Leaders left on Saturday!",
        "Did they agree?",
        "Yes, they did agree.",
    ]


def test_keeps_abbreviations_initials_decimals_and_quotes_together() -> None:
    text = (
        "The White House is in Washington, D.C. on Pennsylvania Avenue. "
        "Dr. Jones met U.S. officials in Sept. 2017 and paid 2.5 million. "
        "\u201cWe agreed.\u201d The talks ended."
    )
    assert split_sentences(text) == [
        "The White House is in Washington, D.C. on Pennsylvania Avenue.",
        "Dr. Jones met U.S. officials in Sept. 2017 and paid 2.5 million.",
        "\u201cWe agreed.\u201d",
        "The talks ended.",
    ]


def test_blank_lines_end_sentences_and_fragments_are_dropped() -> None:
    assert split_sentences("A heading without a stop\n\nThe body says more.\n\nOk.") == [
        "A heading without a stop",
        "The body says more.",
    ]
    assert split_sentences("   ") == []
