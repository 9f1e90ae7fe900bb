from __future__ import annotations

import json
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from shared.errors import InputError
from shared.schemas import Verdict
from shared.settings import load_settings
from workers.sources.knowledge_base import KnowledgeBase
from workers.verification.batch import verify_batch
from workers.verification.lexical import LexicalStanceScorer
from workers.verification.pipeline import Verifier, VerifierConfig


@pytest.fixture
def verifier(starter_kb: KnowledgeBase) -> Verifier:
    return Verifier(
        [starter_kb],
        LexicalStanceScorer(),
        VerifierConfig.from_settings(load_settings(auth_enabled=False)),
    )


def _write(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rows_with_and_without_evidence(verifier: Verifier, tmp_path: Path) -> None:
    bridge = "The bridge opened in 1990 after six years of work."
    rows: list[dict[str, Any]] = [
        {"id": "r1", "claim": "UN Security Council resolution 2254 was adopted in 2016."},
        {
            "id": 2,
            "claim": "The bridge opened in 1990.",
            "evidence": [bridge],
        },
        {"id": "r3", "claim": "Bananas are the most popular fruit in Canada."},
        {"id": "r4", "claim": "The bridge opened in 1990.", "evidence": []},
    ]
    out = tmp_path / "out" / "labels.jsonl"
    stats = verify_batch(_write(tmp_path / "in.jsonl", rows), out, verifier, progress=False)
    results = _read(out)
    assert [r["id"] for r in results] == ["r1", 2, "r3", "r4"]
    assert [r["label"] for r in results] == [
        "refuted",
        "supported",
        "not_enough_info",
        "not_enough_info",
    ]
    for row, result in zip(rows, results, strict=True):
        # the whole verdict, as the workers publish it, after the input row's id
        assert next(iter(result)) == "id"
        verdict = Verdict.model_validate({k: v for k, v in result.items() if k != "id"})
        assert set(result) == {"id", *Verdict.model_fields}
        assert verdict.claim_id == str(row["id"]) and verdict.claim == row["claim"]
        assert isinstance(result["needs_review"], bool)
    # the given evidence is the verdict's evidence, with its document id and sentence
    given = results[1]["evidence"]
    assert isinstance(given, list) and given
    assert all(e["doc_id"] and e["text"] in bridge for e in given)
    assert results[3]["evidence"] == []
    assert stats.rows == 4 and stats.with_evidence == 2
    assert stats.labels["not_enough_info"] == 2
    assert "verified 4 claims" in str(stats)


def test_bad_row_names_its_line_and_leaves_no_output(verifier: Verifier, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "a", "claim": "Tea is hot."}\n\n{"id": "b", "claim": ""}\n', encoding="utf-8"
    )
    out = tmp_path / "labels.jsonl"
    with pytest.raises(InputError, match=r"in\.jsonl:3: 'claim' must be a non-empty string"):
        verify_batch(source, out, verifier, progress=False)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("nope", "not valid JSON"),
        ('"just a string"', "expected a JSON object"),
        ('{"claim": "x"}', "'id' must be"),
        ('{"id": true, "claim": "x"}', "'id' must be"),
        ('{"id": "a", "claim": "x", "evidence": "text"}', "'evidence' must be a list"),
        ('{"id": "a", "claim": "x", "evidence": [1]}', "'evidence' must be a list"),
        ('{"id": "a", "claim": "x\\ud800"}', "in.jsonl:1: 'claim' holds a lone surrogate"),
        ("[" * 5000 + "]" * 5000, "in.jsonl:1: nested deeper than 64 levels"),
        (
            '{"id": "a", "claim": "x", "evidence": ["'
            + "y" * 60_000
            + '", "'
            + "z" * 50_000
            + '"]}',
            "in.jsonl:1: 'evidence' holds 110,000 characters, more than the 100,000",
        ),
    ],
)
def test_row_validation(verifier: Verifier, tmp_path: Path, line: str, message: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        verify_batch(source, tmp_path / "o.jsonl", verifier, progress=False)


def test_invalid_utf8_names_its_line(verifier: Verifier, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "a", "claim": "ok"}\n{"id": "b", "claim": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"in\.jsonl:2: not UTF-8 text"):
        verify_batch(source, tmp_path / "o.jsonl", verifier, progress=False)
    assert list(tmp_path.iterdir()) == [source]


def test_missing_input_is_an_input_error(verifier: Verifier, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        verify_batch(tmp_path / "none.jsonl", tmp_path / "o.jsonl", verifier, progress=False)


def test_memory_stays_flat_as_input_grows(verifier: Verifier, tmp_path: Path) -> None:
    def peak(rows: int) -> int:
        path = tmp_path / f"in{rows}.jsonl"
        with path.open("w", encoding="utf-8") as sink:
            for i in range(rows):
                claim = f"Claim {i} says the tea ceremony {i} lasted {i} hours."
                sink.write(json.dumps({"id": i, "claim": claim, "evidence": [claim]}) + "\n")
        tracemalloc.start()
        verify_batch(path, tmp_path / f"out{rows}.jsonl", verifier, progress=True)  # not a TTY
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(100), peak(1500)
    assert large < small * 2 + 200_000
    assert len(_read(tmp_path / "out1500.jsonl")) == 1500
