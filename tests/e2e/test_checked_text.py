"""An editor corrects a checked text on real processes: the intake stores it, a Celery worker
checks the editor's text and publishes one ``verdict.updated`` with the next revision."""

from __future__ import annotations

import pytest

from cli.processes import wait_until
from tests.e2e.conftest import StackFactory

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

CLAIM = "APEC was set up in 1989 as a forum of 21 Pacific Rim economies."
EDITED = "The Asia-Pacific Economic Cooperation forum was set up in 1993 by 21 economies."


def test_a_corrected_checked_text_is_checked_again_once(stack_factory: StackFactory) -> None:
    stack = stack_factory()
    stack.start_worker()
    stack.start_intake()
    with stack.http() as http:
        claim_id = http.post("/v1/claims", json={"text": CLAIM}).json()["claim_id"]
        [first] = stack.wait_for_verdicts({claim_id})
        assert first.data["claim"] == CLAIM and first.data["revision"] == 0

        path = f"/v1/claims/{claim_id}"
        body = {"checked_text": EDITED, "editor": "Jane Editor"}
        response = http.patch(path, json=body)
        assert response.status_code == 200, response.text
        edit = response.json()["checked_text_edit"]
        assert (edit["editor"], edit["revision"], edit["extracted_text"]) == (
            "Jane Editor", 1, CLAIM,
        )  # fmt: skip

        def updates() -> list[dict[str, object]]:
            return [e.data for e in stack.entries() if e.type == "verdict.updated"]

        wait_until(lambda: updates() != [], timeout=90, what="verdict.updated", group=stack.group)
        # the same correction again: nothing changes, nothing is queued
        again = http.patch(path, json=body)
        assert (again.status_code, again.json()["checked_text_edit"]) == (200, edit)
        stack.wait_queue_empty()
        status = http.get(path).json()

    [update] = updates()
    assert (update["claim_id"], update["revision"], update["claim"]) == (claim_id, 1, EDITED)
    assert update["checked"] is None  # no attribution frame to cut: the editor's text, whole
    assert update["previous_label"] == first.data["label"]
    assert update["source_text"] == CLAIM  # the claim's own words stay beside the checked text
    assert update["checked_text_edit"] == edit
    assert (status["status"], status["text"], status["source_text"]) == ("done", EDITED, CLAIM)
    assert status["verdict"]["revision"] == 1 and status["verdict"]["claim"] == EDITED
    assert [e.data["claim_id"] for e in stack.entries() if e.type == "verdict"] == [claim_id]
