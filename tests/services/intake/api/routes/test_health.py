from __future__ import annotations

from tests.services.intake.conftest import CLOSED_PORT_URL, IntakeFactory


def test_ready_when_redis_and_broker_answer(intake_factory: IntakeFactory) -> None:
    intake = intake_factory()
    assert intake.api.get("/healthz").json() == {"status": "ok"}
    response = intake.api.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"redis": "ok", "broker": "ok"}}


def test_not_ready_when_the_broker_is_down(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(broker_url=CLOSED_PORT_URL)
    response = intake.api.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "not_ready"
    assert body["checks"] == {"redis": "ok", "broker": "unavailable"}
    assert "broker" in body["message"] and "redis" not in body["message"]
    assert intake.api.get("/healthz").status_code == 200


def test_not_ready_when_redis_is_down(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(redis_url_for_app=CLOSED_PORT_URL)
    response = intake.api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"redis": "unavailable", "broker": "ok"}
    assert intake.api.get("/healthz").status_code == 200


def test_reads_answer_503_when_redis_is_down(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(redis_url_for_app=CLOSED_PORT_URL)
    response = intake.api.get(f"/v1/claims/clm_{'0' * 32}")
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
