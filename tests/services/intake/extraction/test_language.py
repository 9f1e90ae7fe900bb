# ruff: noqa: RUF001
from __future__ import annotations

import pytest

from services.intake.extraction.language import (
    detect_language,
    evidence,
    is_mostly_non_latin,
    language_of,
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Трамп и Путин подтвердили общую цель – уничтожение «Исламского государства»", "ru"),
        ("Київ і Львів отримали нові автобуси", "uk"),
        ("Η σύνοδος έγινε στο Βιετνάμ", "el"),
        ("東京は日本の首都です", "ja"),
        ("北京是中国的首都", "zh"),
        ("القمة عقدت في فيتنام", "ar"),
        ("Der Gipfel fand in der Stadt Da Nang statt und war kurz.", "de"),
        ("Le sommet a eu lieu dans la ville de Da Nang et il était court.", "fr"),
        ("La cumbre se celebró en la ciudad de Da Nang y fue corta.", "es"),
        ("The summit was held in the city of Da Nang and it was short.", "en"),
        ("Café in Zürich, São Paulo and Kraków is expensive.", "en"),
        ("APEC summit: Трамп", "en"),  # mostly Latin letters
        ("12 345 -- 2017", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Трамп и Путин подтвердили общую цель", True),
        ("東京は日本の首都です", True),
        ("Café in Zürich, São Paulo and Kraków", False),
        ("APEC summit: Трамп", False),
        ("", False),
    ],
)
def test_is_mostly_non_latin(line: str, expected: bool) -> None:
    assert is_mostly_non_latin(line) is expected


SENTENCES = [
    "Трамп и Путин подтвердили общую цель.",
    "Київ і Львів отримали нові автобуси.",
    "Der Gipfel fand in der Stadt Da Nang statt und war kurz.",
    "The summit was held in the city of Da Nang and it was short.",
    "東京は日本の首都です",
    "12 345 -- 2017",
    "",
]


@pytest.mark.parametrize("first", SENTENCES)
@pytest.mark.parametrize("second", SENTENCES)
def test_evidence_adds_up_to_the_evidence_of_both_texts(first: str, second: str) -> None:
    both = first + " " + second
    summed = evidence(first) + evidence(second)
    assert summed == evidence(both)
    assert language_of(summed) == detect_language(both)


def test_each_sentence_keeps_its_own_language() -> None:
    assert [language_of(evidence(s)) for s in SENTENCES] == [
        "ru",
        "uk",
        "de",
        "en",
        "ja",
        "en",
        "en",
    ]
