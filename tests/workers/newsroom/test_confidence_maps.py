"""A newsroom's confidence maps, fitted on its rulings, applied by the worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.store.claims import ClaimRecord
from tests.shared import factories
from tests.workers.conftest import ContextFactory
from workers.newsroom.confidence_maps import NewsroomCalibration
from workers.processing import check_claim
from workers.verification.calibration import IsotonicMap, VerdictCalibration

SUPPORTED = "UN Security Council resolution 2254 was adopted unanimously in December 2015."


def _write_map(directory: Path, newsroom: str, kept: float) -> None:
    """A map that says editors kept ``kept`` of every verdict, whatever its confidence."""
    flat = IsotonicMap((0.0, 1.0), (kept, kept))
    (directory / f"{newsroom}.json").write_text(VerdictCalibration({}, flat).to_json())


def test_a_newsrooms_map_lowers_confidence_and_sends_to_review(tmp_path: Path) -> None:
    _write_map(tmp_path, "daily-planet", 0.6)
    maps = NewsroomCalibration(tmp_path)
    record = ClaimRecord(claim_id="clm_1", text="A claim.", newsroom="daily-planet")
    sure = factories.verdict(record, "supported", 0.95)
    assert not sure.needs_review
    mapped = maps.apply(sure, "daily-planet")
    assert mapped.confidence == 0.6 and mapped.needs_review
    assert maps.apply(sure, "daily-star") == sure  # no map: unchanged
    # a map can only make publishing more careful
    _write_map(tmp_path, "daily-star", 0.99)
    doubtful = factories.verdict(record, "supported", 0.3)
    assert doubtful.needs_review and maps.apply(doubtful, "daily-star").needs_review


def test_a_changed_or_broken_map_file_is_read_again(tmp_path: Path) -> None:
    maps = NewsroomCalibration(tmp_path)
    _write_map(tmp_path, "daily-planet", 0.6)
    record = ClaimRecord(claim_id="clm_1", text="A claim.", newsroom="daily-planet")
    verdict = factories.verdict(record, "supported", 0.95)
    assert maps.apply(verdict, "daily-planet").confidence == 0.6
    path = tmp_path / "daily-planet.json"
    path.write_text("not json")
    import os

    os.utime(path, (1, 1))  # a different mtime than the first read
    assert maps.apply(verdict, "daily-planet") == verdict  # ignored, with a warning


def _verdict_of(ctx: Any, claim_id: str) -> dict[str, Any]:
    rows = ctx.redis.xrange(ctx.settings.verdict_stream)
    entries = [json.loads(f["data"]) for _, f in rows if f["type"] == "verdict"]
    [data] = [e for e in entries if e["claim_id"] == claim_id]
    return dict(data)


def test_the_worker_applies_the_claims_newsroom_map(
    context_factory: ContextFactory, tmp_path: Path
) -> None:
    ctx = context_factory(review_calibration_dir=tmp_path)
    ctx.policy.review_maps = NewsroomCalibration(tmp_path)
    _write_map(tmp_path, "daily-planet", 0.5)
    ids = []
    for newsroom in ("daily-planet", "daily-star"):
        article, claims = factories.article(1)
        claim = claims[0].model_copy(update={"text": SUPPORTED, "newsroom": newsroom})
        ctx.store.save([claim], article.model_copy(update={"newsroom": newsroom}))
        assert check_claim(ctx, claim.claim_id, final_attempt=False) is not None
        ids.append(claim.claim_id)
    planet, star = (_verdict_of(ctx, cid) for cid in ids)
    assert planet["confidence"] == 0.5 and planet["needs_review"]
    assert star["confidence"] != 0.5  # no map for this newsroom
