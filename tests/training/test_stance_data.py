"""Training-data preparation for the stance model (no torch needed for these parts)."""

from __future__ import annotations

import random

from training import config as C
from training.stance_data import evidence_text, make_negatives


def test_evidence_text_undoes_ptb_escapes_and_keeps_scifact_rationale() -> None:
    fever = {"dataset": "fever", "label": "supported", "evidence": ["Paris -LRB- France -RRB- ."]}
    assert evidence_text(fever) == "Paris (France)."
    scifact = {
        "dataset": "scifact",
        "label": "supported",
        "claim": "x",
        "evidence": ["Background.", "The drug cut deaths by half.", "Funding."],
        "rationale_idx": [1],
    }
    assert evidence_text(scifact) == "The drug cut deaths by half."


_WORDS = [f"w{n}" for n in range(400)]


def _row(i: int, page: str) -> dict[str, object]:
    claim = " ".join(random.Random(i).sample(_WORDS, 6))  # no two claims near-duplicates
    return {
        "_claim": claim,
        "_evidence": f"Evidence sentence {i} on page {page}.",
        "evidence": [f"Evidence sentence {i} on page {page}."],
        "page": page,
    }


def test_random_negatives_never_pair_a_claim_with_its_own_page() -> None:
    rows = [_row(i, page=f"page-{i % 5}") for i in range(60)]
    page_of = {r["_claim"]: r["page"] for r in rows}
    page_of_evidence = {r["_evidence"]: r["page"] for r in rows}
    config = C.NegativeConfig(hard_frac={"toy": 0.0}, random_frac={"toy": 1.0})

    pairs, stats = make_negatives(rows, "toy", config, random.Random(0))

    assert stats["random"] == len(pairs) > 40
    for claim, evidence in pairs:
        assert page_of[claim] != page_of_evidence[evidence]


def test_task_parser_defaults_point_at_the_task() -> None:
    from training.task import task_parser

    args = task_parser("stance", "workers/models/stance").parse_args(["export"])
    assert (args.weights, args.out) == ("artifacts/stance", "workers/models/stance")
    train = task_parser("checkworthiness", "m").parse_args(["train", "--sample", "5"])
    assert (train.out, train.sample, train.epochs) == ("artifacts/checkworthiness", 5, None)
