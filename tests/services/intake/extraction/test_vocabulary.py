"""The data files of the extraction wing, and the stop words built on spaCy's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.intake.extraction import vocabulary as lexicon
from shared.text.words import stop_words as spacy_stop_words

DATA_FILES = sorted(lexicon.DATA_DIR.glob("*.json"))


def test_there_are_data_files() -> None:
    assert {p.stem for p in DATA_FILES} >= {"roles", "demonyms", "titles", "stop_words", "warmup"}


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_every_data_file_says_what_it_holds(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data.get("_comment"), str) and len(data["_comment"]) > 40


def test_every_role_leads_a_country_and_has_phrases() -> None:
    assert set(lexicon.ROLES) == set(lexicon.ROLE_COUNTRY)
    for role, phrases in lexicon.ROLES.items():
        assert phrases, role
        assert all(p == p.lower() for p in phrases), role
    assert lexicon.ROLE_COUNTRY["russian-president"] == "russia"


def test_demonyms_name_countries_in_lower_case() -> None:
    assert lexicon.COUNTRY_OF["russian"] == "russia"
    assert all(k == k.lower() and v == v.lower() for k, v in lexicon.COUNTRY_OF.items())


def test_the_warm_up_sentence_comes_from_data() -> None:
    assert "Da Nang" in lexicon.WARMUP_SENTENCE


def test_stop_words_are_spacys_and_the_extras() -> None:
    english = lexicon.stop_words("en")
    assert english >= spacy_stop_words("en")
    assert {"said", "says"} <= english - spacy_stop_words("en")
    assert "été" in lexicon.stop_words("fr")
    assert lexicon.stop_words("de") == spacy_stop_words("de")
