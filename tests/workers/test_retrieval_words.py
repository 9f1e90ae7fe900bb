from __future__ import annotations

from workers.retrieval_words import content_words, has_negation, numbers, proper_nouns, stem, words


def test_words_fold_case_apostrophes_and_aliases() -> None:
    assert words("Didn\u2019t the U.S. say so?") == [
        "didnt",
        "the",
        "united",
        "states",
        "say",
        "so",
    ]
    assert words("UN, ISIL and Danang") == ["united", "nations", "isis", "and", "da", "nang"]


def test_content_words_drop_stop_words_and_negations() -> None:
    assert content_words("The talks did not take place in Hanoi") == [
        "talks",
        "take",
        "place",
        "hanoi",
    ]


def test_stem_matches_simple_inflections() -> None:
    assert stem("talks") == stem("talk")
    assert stem("interfered") == stem("interfere")
    assert stem("states") == stem("state")
    assert stem("briefly") == "brief"
    assert stem("2015") == "2015"


def test_negation_and_numbers() -> None:
    assert has_negation("Russia did not interfere")
    assert has_negation("They haven't met")
    assert not has_negation("Russia interfered")
    assert numbers("In 2015, 1,000 people paid 2.5 dollars; resolution 2254.") == {
        "2015",
        "1000",
        "2.5",
        "2254",
    }


def test_proper_nouns_skip_the_first_word() -> None:
    assert proper_nouns("The summit took place in Hanoi, Vietnam.") == {"hanoi", "vietnam"}


def test_stop_words_are_spacys_with_the_retrieval_corrections() -> None:
    from shared.text.words import stop_words
    from workers.retrieval_words import NEGATIONS, STOP_WORDS

    assert "afterwards" in STOP_WORDS and "afterwards" in stop_words("en")  # from spaCy
    assert "said" in STOP_WORDS and "said" not in stop_words("en")  # our extra
    for content in ("five", "first", "since", "take", "less"):  # spaCy's, kept as content
        assert content in stop_words("en") and content not in STOP_WORDS
    assert not NEGATIONS & STOP_WORDS
