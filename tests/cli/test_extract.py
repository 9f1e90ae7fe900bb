"""``claimcheck extract`` on the seed article."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.main import main

SEED = Path(__file__).resolve().parents[2] / "examples" / "danang-article.txt"


def test_extract_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SEED), "--json", "--published-at", "2017-11-11T10:00:00Z"]) == 0
    body = json.loads(capsys.readouterr().out)
    text = SEED.read_text(encoding="utf-8")
    assert len(body["claims"]) >= 8
    for claim in body["claims"]:
        assert text[claim["start"] : claim["end"]] == claim["source_text"]
    assert body["skipped"]["non_english"] == 1
    (foreign,) = [s for s in body["skipped_sentences"] if s["reason"] == "non_english"]
    assert foreign["language"] == "ru" and foreign["text"].startswith("Трамп")
    assert len(body["skipped_sentences"]) == sum(body["skipped"].values())
    garbled = next(s for s in body["skipped_sentences"] if "unmatched graphics" in s["text"])
    assert (garbled["reason"], garbled["detail"]) == ("unreadable", "garbled_quote")
    peskov = next(c for c in body["claims"] if "Peskov" in c["source_text"])
    assert peskov["speaker"] == "Dmitry Peskov" and "11 November 2017" in peskov["text"]


def test_extract_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert "speaker: Dmitry Peskov" in out and "as written: " in out
    assert "non_english ru: Трамп" in out and "claims; skipped:" in out
    assert "unreadable garbled_quote: The White house explained" in out
    assert re.search("quote_rhetoric 0\\.\\d\\d: It\u2019s not toys", out)
    assert main(["extract", str(SEED), "--claims-only"]) == 0
    assert "non_english ru" not in capsys.readouterr().out


def test_extract_shows_the_articles_words_beside_the_checked_text_and_marks_unresolved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "webb.txt"
    article.write_text(
        "NASA launched the James Webb Space Telescope in December 2021. The telescope cost 10 "
        "billion dollars.\n\nThe central bank said prices in Vietnam fell sharply the next "
        "year.\n",
        encoding="utf-8",
    )
    assert main(["extract", str(article)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("     The James Webb Space Telescope cost 10 billion dollars.")
    assert lines[at + 1] == "     as written: The telescope cost 10 billion dollars."
    unresolved = "The central bank said prices in Vietnam fell sharply the next year."
    at = lines.index("     " + unresolved)
    assert lines[at + 1] == "     not stand-alone: a reference is left as the article wrote it"
    # a claim that reads on its own, in the article's words, shows one text and no mark
    at = lines.index("     NASA launched the James Webb Space Telescope in December 2021.")
    assert lines[at + 1].startswith("  2. ")
    assert main(["extract", str(article), "--json"]) == 0
    claims = json.loads(capsys.readouterr().out)["claims"]
    assert [c["stand_alone"] for c in claims] == [True, True, False]


def test_extract_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract"]) == 2
    assert main(["extract", str(tmp_path / "missing.txt")]) == 1
    assert main(["extract", str(SEED), "--published-at", "last tuesday"]) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and "--published-at" in err


def test_extract_shows_the_cue_of_a_not_factual_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "opinion.txt"
    opinion = "Council member Ruth Dale said the repair money should have come from the state."
    article.write_text(opinion + "\n", encoding="utf-8")
    assert main(["extract", str(article)]) == 0
    out = capsys.readouterr().out
    assert f"not_factual modal: should: {opinion}" in out
    assert "skipped: not_factual 1" in out
