"""Verdicts follow their evidence, on real processes: a Celery worker checks, ``claimcheck kb
import`` changes a cited document, and only the claims citing it are checked again, once per
change, each publishing one ``verdict.updated`` with its previous label."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.processes import wait_until
from tests.e2e.conftest import StackFactory

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

APEC_CLAIM = "APEC was set up in 1989 as a forum of 21 Pacific Rim economies."
OTHER_CLAIM = "UN Security Council resolution 2254 was adopted in December 2015."
APEC_CHANGED = {
    "id": "apec",
    "title": "Asia-Pacific Economic Cooperation (APEC)",
    "text": "APEC is a forum for economic cooperation among 21 economies around the Pacific "
    "Rim. It was set up in 1993, not in 1989. Each year a different member hosts its meetings.",
    "url": "https://en.wikipedia.org/wiki/Asia-Pacific_Economic_Cooperation",
}


def _kb_import(env: dict[str, str], path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "kb", "import", str(path)],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


def test_a_changed_document_rechecks_exactly_its_citing_claims(
    stack_factory: StackFactory, tmp_path: Path
) -> None:
    stack = stack_factory(recheck_on_change=True)
    stack.start_worker()
    stack.start_intake()
    with stack.http() as http:
        ids = {
            text: http.post("/v1/claims", json={"text": text}).json()["claim_id"]
            for text in (APEC_CLAIM, OTHER_CLAIM)
        }
    first = {e.data["claim_id"]: e for e in stack.wait_for_verdicts(set(ids.values()))}
    apec_id, other_id = ids[APEC_CLAIM], ids[OTHER_CLAIM]
    assert "apec" in {e["doc_id"] for e in first[apec_id].data["evidence"]}
    assert "apec" not in {e["doc_id"] for e in first[other_id].data["evidence"]}

    changed = tmp_path / "apec.jsonl"
    changed.write_text(json.dumps(APEC_CHANGED) + "\n", encoding="utf-8")
    env = {**stack.env, "PATH": "/usr/bin:/bin"}
    out = _kb_import(env, changed)
    assert "re-check: 1 claims queued again for 1 changed or removed documents" in out

    def updates() -> list[dict[str, object]]:
        return [e.data for e in stack.entries() if e.type == "verdict.updated"]

    wait_until(lambda: len(updates()) >= 1, timeout=90, what="verdict.updated", group=stack.group)
    (update,) = updates()
    assert update["claim_id"] == apec_id and update["revision"] == 1
    assert update["previous_label"] == first[apec_id].data["label"]

    # the same file again changes nothing: no re-check
    again = _kb_import(env, changed)
    assert "re-check" not in again
    # another change of the same document: one more re-check, revision 2
    changed.write_text(
        json.dumps({**APEC_CHANGED, "text": APEC_CHANGED["text"] + " It has a secretariat."})
        + "\n",
        encoding="utf-8",
    )
    assert "1 claims queued again" in _kb_import(env, changed)
    wait_until(lambda: len(updates()) >= 2, timeout=90, what="second update", group=stack.group)
    stack.wait_queue_empty()
    assert [(u["claim_id"], u["revision"]) for u in updates()] == [(apec_id, 1), (apec_id, 2)]
    with stack.http() as http:
        status = http.get(f"/v1/claims/{apec_id}").json()
    assert status["status"] == "done" and status["verdict"]["revision"] == 2
    verdicts = [e for e in stack.entries() if e.type == "verdict"]
    assert sorted(e.data["claim_id"] for e in verdicts) == sorted(ids.values())
