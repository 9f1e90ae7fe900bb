"""The slips reporters make, checked end to end by the shipped model and decision against
given evidence: the conflicting sentence decides and comes first, and the verdict says why."""

from __future__ import annotations

import pytest

from shared.settings import Settings
from workers.context import build_verifier
from workers.verification.pipeline import Verifier

pytestmark = pytest.mark.timeout(300)

CONTEXT = [
    "The James Webb Space Telescope was launched on 25 December 2021 on an Ariane 5 rocket.",
    "The James Webb Space Telescope orbits the Sun near the second Lagrange point.",
]


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return build_verifier(Settings(sources=[]))


@pytest.mark.parametrize(
    ("claim", "evidence", "said"),
    [
        (
            "The deployment of the Webb sunshield was completed on 4 March 2022.",
            "The deployment of the Webb sunshield was completed on 4 January 2022.",
            ("4 March 2022", "4 January 2022"),
        ),
        (
            "The primary mirror of the James Webb Space Telescope is 8.2 metres across.",
            "The primary mirror of the James Webb Space Telescope is 6.5 metres across.",
            ("8.2 metres", "6.5 metres"),
        ),
        (
            "The Chandra X-ray Observatory was launched aboard Atlantis.",
            "The Chandra X-ray Observatory was launched aboard the Space Shuttle Columbia.",
            ("Atlantis", "Space Shuttle Columbia"),
        ),
    ],
)
def test_the_conflicting_sentence_refutes_and_comes_first(
    verifier: Verifier, claim: str, evidence: str, said: tuple[str, str]
) -> None:
    verdict = verifier.verify(
        "c1", claim, evidence=[*CONTEXT, evidence], tolerate_source_errors=True
    )
    assert verdict.label == "refuted"
    first = verdict.evidence[0]
    assert (first.text, first.stance, first.alignment) == (evidence, "refutes", "conflict")
    [conflict] = verdict.conflicts
    assert (conflict.claim, conflict.source, conflict.sentence) == (*said, evidence)
    assert verdict.reason == f"The source says {said[1]}, not {said[0]}."


def test_verbatim_support_is_supported_with_its_sentence_first(verifier: Verifier) -> None:
    sentence = "The Spitzer Space Telescope was launched by NASA in 2003."
    verdict = verifier.verify(
        "c2", sentence, evidence=[*CONTEXT, sentence], tolerate_source_errors=True
    )
    assert verdict.label == "supported" and verdict.conflicts == []
    assert (verdict.evidence[0].text, verdict.evidence[0].stance) == (sentence, "supports")


def test_labels_agree_with_the_evidence_they_show(verifier: Verifier) -> None:
    claims = [
        "The James Webb Space Telescope was launched on 25 December 2021.",
        "The James Webb Space Telescope was launched on 25 December 2020.",
        "The James Webb Space Telescope cost about 10 billion US dollars.",
    ]
    for claim in claims:
        verdict = verifier.verify("c3", claim, evidence=CONTEXT, tolerate_source_errors=True)
        wanted = {"supported": "supports", "refuted": "refutes"}.get(verdict.label)
        if wanted is not None:
            assert wanted in [e.stance for e in verdict.evidence], (claim, verdict.label)
