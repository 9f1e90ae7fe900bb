from __future__ import annotations

from pathlib import Path
from typing import Any

from cli.demo import SEED_ARTICLE, read_expected, score_against_expected
from cli.main import build_parser


def test_the_log_directory_is_an_option_with_var_demo_by_default(tmp_path: Path) -> None:
    parser = build_parser()
    assert parser.parse_args(["demo"]).log_dir == Path("var/demo")
    assert parser.parse_args(["demo", "--log-dir", str(tmp_path)]).log_dir == tmp_path


def test_every_seed_claim_the_extractor_finds_has_an_editor_label() -> None:
    expected = read_expected(SEED_ARTICLE.with_suffix(".expected.jsonl"))
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    assert len(expected) == 17
    assert all(text.count(e.match) == 1 for e in expected)  # each names one sentence
    assert {e.label for e in expected} <= {"supported", "refuted", "not_enough_info"}


def test_score_counts_decided_verdicts_and_the_right_ones(tmp_path: Path) -> None:
    path = tmp_path / "a.expected.jsonl"
    path.write_text(
        '{"match": "alpha", "label": "supported"}\n{"match": "beta", "label": "refuted"}\n',
        encoding="utf-8",
    )
    claims: list[dict[str, Any]] = [
        {
            "source_text": "The alpha claim.",
            "verdict": {"label": "supported", "needs_review": False},
        },
        {
            "source_text": "The beta claim.",
            "verdict": {"label": "supported", "needs_review": False},
        },
        {"source_text": "A gamma claim.", "verdict": {"label": "refuted", "needs_review": True}},
        {"source_text": "The beta again.", "verdict": None},
    ]
    score = score_against_expected(claims, read_expected(path))
    assert (score.claims, score.decided, score.decided_correctly, score.unmatched) == (4, 2, 1, 1)
    assert str(score).startswith("decided without review: 2 of 4 claims; 1 of them")
