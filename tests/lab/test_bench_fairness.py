"""``claimcheck-lab bench-fairness`` against a real intake process and the real Redis."""

from __future__ import annotations

import pytest

from lab.bench_fairness import claimless_text, measure
from services.intake.extraction import ClaimExtractor
from shared.settings import load_settings


def test_the_flood_text_holds_no_claim() -> None:
    text = claimless_text(2000)
    assert len(text) == 2000
    settings = load_settings(auth_enabled=False)
    extractor = ClaimExtractor.warmed_up(
        settings.spacy_model, threshold=settings.checkworthiness_threshold
    )
    try:
        assert extractor.analyse(text).claims == []
    finally:
        extractor.close()


@pytest.mark.e2e
@pytest.mark.timeout(180)
def test_measure_returns_one_latency_per_claim(redis_url: str) -> None:
    settings = load_settings(auth_enabled=False, redis_url=redis_url)
    latencies = measure(settings, gate=1, greedy=1, chars=5000, claims=3)
    assert len(latencies) == 3 and all(0 < s < 60 for s in latencies)
