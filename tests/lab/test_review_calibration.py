"""``claimcheck-lab calibrate --from-reviews`` on reviews stored in the real Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from lab.main import main
from lab.review_calibration import held_out, refit, reviewed_points
from shared.errors import InputError
from shared.newsroom.reviews import ReviewRecorder
from shared.schemas import Label, ReviewSubmission
from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.publisher import VerdictPublisher
from tests.conftest import SettingsFactory
from tests.shared import factories


def _reviewed(
    client: redis.Redis, settings: Settings, n: int, newsroom: str, kept_share: float
) -> None:
    """``n`` verdicts said with confidence 0.9, of which ``kept_share`` the editor kept."""
    store = ClaimStore(client, store_config(settings))
    publisher = VerdictPublisher(client, publisher_config(settings))
    recorder = ReviewRecorder(client, publisher_config(settings))
    for i in range(n):
        record = ClaimRecord(
            claim_id=f"clm_{newsroom}_{i:04d}", text=f"Claim {i}.", newsroom=newsroom
        )
        store.save([record])
        publisher.publish(record.stamp(factories.verdict(record, "supported", 0.9)))
        stored = store.get_claim(record.claim_id)
        assert stored is not None
        label: Label = "supported" if i < n * kept_share else "refuted"
        recorder.record(stored, ReviewSubmission(label=label, reviewer="Ed"))


def test_refit_on_reviews_makes_an_overconfident_model_honest(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    _reviewed(redis_client, settings, 80, "daily-planet", kept_share=0.5)
    _reviewed(redis_client, settings, 10, "daily-star", kept_share=1.0)
    store = ClaimStore(redis_client, store_config(settings))
    points = reviewed_points(redis_client, store, "daily-planet")
    assert len(points) == 80 and all(p.claim_id.startswith("clm_daily-planet") for p in points)
    assert 20 < sum(held_out(p.claim_id) for p in points) < 60
    result = refit(points, min_reviews=40, newsroom="daily-planet")
    # said 0.9, kept about half the time: the map brings the confidence down to what it is
    assert result.before.ece > 0.3
    assert result.after.ece < result.before.ece and result.after.brier < result.before.brier
    assert result.calibration("supported", 0.9) == pytest.approx(0.5, abs=0.15)


def test_too_few_reviews_are_refused_with_one_line(
    settings_factory: SettingsFactory,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    settings = settings_factory()
    _reviewed(redis_client, settings, 5, "daily-planet", kept_share=1.0)
    store = ClaimStore(redis_client, store_config(settings))
    with pytest.raises(InputError, match="5 reviewed verdicts of daily-planet, fewer than"):
        points = reviewed_points(redis_client, store, "daily-planet")
        refit(points, min_reviews=200, newsroom="daily-planet")
    for name in ("redis_url", "key_prefix"):
        monkeypatch.setenv(f"CLAIMCHECK_{name.upper()}", str(getattr(settings, name)))
    out = tmp_path / "maps.json"
    argv = ["calibrate", "--from-reviews", "--newsroom", "daily-planet", "--output", str(out)]
    assert main(argv) == 1
    assert "fewer than --min-reviews 200: nothing refitted" in capsys.readouterr().err
    assert not out.exists()
    assert main([*argv, "--min-reviews", "3"]) == 0
    assert out.exists() and out.with_suffix(".report.json").exists()


def test_a_twin_resolved_by_a_ruling_is_not_a_second_point(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    store = ClaimStore(redis_client, store_config(settings))
    publisher = VerdictPublisher(redis_client, publisher_config(settings))
    twins = [
        ClaimRecord(claim_id=f"clm_twin_{i}", text="The bridge opened in 2017.", newsroom="dp")
        for i in range(2)
    ]
    store.save(twins)
    for record in twins:  # both wait for review (confidence under the threshold)
        publisher.publish(record.stamp(factories.verdict(record, "supported", 0.4)))
    ruled = store.get_claim("clm_twin_0")
    assert ruled is not None
    ReviewRecorder(redis_client, publisher_config(settings)).record(
        ruled, ReviewSubmission(label="refuted", reviewer="Ed")
    )
    twin = store.get_claim("clm_twin_1")
    assert twin is not None and twin.review is not None
    assert twin.review.resolved_by == "clm_twin_0"
    # one editorial decision is one point, however many twins it resolved
    assert [p.claim_id for p in reviewed_points(redis_client, store, "dp")] == ["clm_twin_0"]
