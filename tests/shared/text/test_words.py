"""The shared text primitives: the word regex and spaCy's stop words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.text.words import WORD, stop_words, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. economy grew 3.5% in 2017.",
            ["The", "U.S", "economy", "grew", "3.5", "in", "2017"],
        ),
        (
            "It's a so-called \u201cdeal\u201d, isn\u2019t it?",
            ["It's", "a", "so-called", "deal", "isn\u2019t", "it"],
        ),
        ("Zürich und São Paulo", ["Zürich", "und", "São", "Paulo"]),
        ("snake_case -- 'quoted' ...", ["snake", "case", "quoted"]),
        ("", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert WORD.findall(text) == expected


def test_stop_words_are_spacys_per_language() -> None:
    from spacy.lang.de.stop_words import STOP_WORDS as GERMAN
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH

    assert stop_words("en") == frozenset(ENGLISH)
    assert stop_words("de") == frozenset(GERMAN)
    assert {"the", "and", "of"} <= stop_words("en")
    assert "der" in stop_words("de") and "der" not in stop_words("en")
    assert stop_words("fr") is stop_words("fr")  # read once


def test_unknown_language() -> None:
    with pytest.raises(ModuleNotFoundError):
        stop_words("xx-no-such")


def test_importing_the_module_loads_no_spacy() -> None:
    code = "import sys, shared.text.words\nassert 'spacy' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_stop_words_are_read_without_importing_spacy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from shared.text.words import stop_words; "
        "assert 'the' in stop_words('en') and 'le' in stop_words('fr'); "
        "assert 'spacy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
