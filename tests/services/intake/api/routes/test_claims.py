from __future__ import annotations

from shared.schemas import ClaimStatus
from tests.services.intake.conftest import CLOSED_PORT_URL, Intake, IntakeFactory
from tests.shared import factories

CLAIM = {
    "text": "UN Security Council resolution 2254 was adopted in December 2015.",
    "context": "From a summit statement.",
    "source_url": "https://example.org/statement",
}


def test_claim_is_accepted_stored_and_queued(intake: Intake) -> None:
    response = intake.api.post("/v1/claims", json=CLAIM)
    assert response.status_code == 202
    claim_id = response.json()["claim_id"]
    assert claim_id.startswith("clm_") and len(claim_id) == 36
    assert set(response.json()) == {"claim_id"}
    assert intake.queued_claim_ids() == [claim_id]
    record = intake.store.get_claim(claim_id)
    assert record is not None
    assert (record.text, record.context, record.source_url) == (
        CLAIM["text"],
        CLAIM["context"],
        CLAIM["source_url"],
    )
    assert record.article_id is None and record.status == "queued"
    # a lone claim gets what is cheap: entities and a score; its source text is itself
    assert record.source_text == CLAIM["text"] and record.start is None
    assert record.checkworthiness is not None and 0.5 < record.checkworthiness <= 1.0
    assert ("December 2015", "DATE") in {(e.text, e.label) for e in record.entities}
    status = intake.api.get(f"/v1/claims/{claim_id}").json()
    assert status["source_text"] == CLAIM["text"] and status["attributed"] is False
    assert status["checkworthiness"] == record.checkworthiness
    assert status["entities"] == [e.model_dump() for e in record.entities]


def test_status_before_and_after_the_verdict(intake: Intake) -> None:
    claim_id = intake.api.post("/v1/claims", json={"text": CLAIM["text"]}).json()["claim_id"]
    before = ClaimStatus.model_validate(intake.api.get(f"/v1/claims/{claim_id}").json())
    assert (before.status, before.text, before.verdict) == ("queued", CLAIM["text"], None)

    record = intake.store.get_claim(claim_id)
    assert record is not None
    published = intake.publisher.publish(factories.verdict(record, label="supported"))
    assert published.published

    after = ClaimStatus.model_validate(intake.api.get(f"/v1/claims/{claim_id}").json())
    assert after.status == "done"
    assert after.verdict is not None
    assert (after.verdict.claim_id, after.verdict.label) == (claim_id, "supported")


def test_unknown_claim_is_404(intake: Intake) -> None:
    for claim_id in (f"clm_{'f' * 32}", "clm_nope"):
        response = intake.api.get(f"/v1/claims/{claim_id}")
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "message": f"no claim {claim_id!r}",
            "field": "claim_id",
        }


def test_broker_down_is_503_and_nothing_is_kept(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(broker_url=CLOSED_PORT_URL)
    before = intake.snapshot()
    response = intake.api.post("/v1/claims", json=CLAIM)
    assert response.status_code == 503
    assert intake.snapshot() == before
