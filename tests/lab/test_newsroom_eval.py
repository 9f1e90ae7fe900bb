"""``claimcheck-lab eval-newsroom``: a set's knowledge base imported, its claims verified with
retrieval, and the newsroom numbers (refuted caught with the conflicting sentence first,
decided precision and coverage, not-enough-info recall)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lab.newsroom_eval import NewsroomClaim, caught, discover_sets, evaluate_set, score_set
from shared.settings import load_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "newsroom"
GOLD = "Neil Armstrong was born on 5 August 1930 in Wapakoneta, Ohio."


def _verdict(
    label: str, evidence: list[tuple[str, str]], needs_review: bool = False
) -> dict[str, Any]:
    return {
        "label": label,
        "needs_review": needs_review,
        "confidence": 0.9,
        "evidence": [{"text": t, "stance": s} for t, s in evidence],
    }


def test_a_refutation_is_caught_only_with_the_gold_sentence_as_first_refuting_evidence() -> None:
    claim = NewsroomClaim("c1", "Neil Armstrong was born in Indiana.", "refuted", "place", GOLD)
    other = "Buzz Aldrin was born in Glen Ridge, New Jersey."
    assert caught(claim, _verdict("refuted", [("on topic", "neutral"), (GOLD, "refutes")]))
    assert not caught(claim, _verdict("refuted", [(other, "refutes"), (GOLD, "refutes")]))
    assert not caught(claim, _verdict("not_enough_info", [(GOLD, "refutes")]))
    two = NewsroomClaim("c2", "x", "refuted", "number", f"{GOLD} Another sentence.")
    assert caught(two, _verdict("refuted", [(GOLD, "refutes")]))


def test_scores_count_decided_verdicts_and_not_enough_info_recall() -> None:
    claims = [
        NewsroomClaim("a", "A", "refuted", "date", GOLD),
        NewsroomClaim("b", "B", "supported", "verbatim", "B"),
        NewsroomClaim("c", "C", "not_enough_info", "absent", None),
        NewsroomClaim("d", "D", "not_enough_info", "absent", None),
    ]
    verdicts = [
        _verdict("refuted", [(GOLD, "refutes")]),
        _verdict("refuted", [("B", "refutes")]),
        _verdict("not_enough_info", [], needs_review=True),
        _verdict("supported", [("D", "supports")], needs_review=True),
    ]
    report = score_set("t", claims, verdicts, seconds=2.0, align_seconds=0.1)
    assert (report.accuracy, report.refuted_caught, report.decided) == (0.5, 1.0, 2)
    assert (report.decided_precision, report.coverage, report.nei_recall) == (0.5, 0.5, 0.5)
    assert (report.claims_per_second, report.align_share) == (2.0, 0.05)
    assert [m["id"] for m in report.misses] == ["b", "d"]


def test_our_own_set_is_found_and_verified_with_retrieval(tmp_path: Path) -> None:
    [folder] = [s for s in discover_sets([EXAMPLES]) if s.name == "copiapo"]
    claims = [json.loads(line) for line in (folder / "claims.jsonl").read_text().splitlines()]
    settings = load_settings(kb_path=tmp_path / "kb.sqlite3", sources=["knowledge_base"])
    report = evaluate_set(folder, settings, tmp_path / "cache")
    assert report.claims == len(claims) == 60
    assert sum(sum(row.values()) for row in report.confusion.values()) == 60
    assert 0 < report.align_share < 1 and report.decided <= 60
    assert report.refuted_caught > 0  # at least one slip caught with its sentence first
