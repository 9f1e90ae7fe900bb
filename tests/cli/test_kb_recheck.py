"""Re-checks after ``claimcheck kb import``/``remove`` are durable: what one import could
not send (over the limit, Redis down) is sent by the next import, ``kb recheck`` or the
intake's sweep; each change re-checks once, and a claim is one job per import (real Redis
and broker; the jobs are counted on the queue)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from cli.main import build_parser
from shared.requeue import RequeueSweeper
from shared.schemas import Evidence
from shared.settings import Settings
from shared.settings_configs import broker_config, publisher_config, store_config, sweep_config
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from shared.store.keys import Keys
from shared.store.publisher import VerdictPublisher
from shared.tasks import CeleryEnqueuer
from tests.conftest import SettingsFactory
from tests.shared import factories
from workers.sources.knowledge_base.index import KnowledgeBase

DEAD_REDIS = "redis://127.0.0.1:1/0"


def _kb(settings: Settings, *argv: str) -> int:
    args = build_parser().parse_args(["kb", *argv])
    code: int = args.handler(args, settings)
    return code


def _docs(path: Path, **texts: str) -> Path:
    rows = [{"id": doc_id, "title": doc_id, "text": text} for doc_id, text in texts.items()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


class Claims:
    """Claims whose published verdicts cite knowledge-base documents."""

    def __init__(self, settings: Settings) -> None:
        self.client = make_redis(settings)
        self.store = ClaimStore(self.client, store_config(settings))
        self.publisher = VerdictPublisher(self.client, publisher_config(settings))

    def checked(self, count: int, *doc_ids: str) -> list[str]:
        claims = [factories.claim() for _ in range(count)]
        self.store.save(claims)
        for record in claims:
            evidence = [
                Evidence(source="knowledge_base", doc_id=d, title=d, text="A sentence.",
                         stance="supports", score=0.9, doc_hash="h1")
                for d in doc_ids
            ]  # fmt: skip
            verdict = factories.verdict(record).model_copy(update={"evidence": evidence})
            assert self.publisher.publish(record.stamp(verdict)).published
        return sorted(c.claim_id for c in claims)

    def revisions(self, ids: list[str]) -> list[int]:
        return [record.revision for record in self.store.get_claims(ids)]

    def requeued(self, ids: list[str]) -> list[str]:
        return sorted(r.claim_id for r in self.store.get_claims(ids) if r.revision)


@pytest.fixture
def make_settings(settings_factory: SettingsFactory, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "kb_path": tmp_path / "kb.sqlite3",
            "stance_scorer": "lexical",  # no embedding model to load
            "sources": ["knowledge_base"],
            "recheck_on_change": True,
        }
        return settings_factory(**{**values, **overrides})

    return make


@pytest.fixture
def claims(make_settings: Callable[..., Settings]) -> Iterator[Callable[[Settings], Claims]]:
    made: list[Claims] = []

    def make(settings: Settings) -> Claims:
        made.append(Claims(settings))
        return made[-1]

    yield make
    for c in made:
        c.client.close()


@dataclass(frozen=True)
class Rig:
    """What each re-check test uses: settings, claims, the queue, files and printed output."""

    make_settings: Callable[..., Settings]
    claims: Callable[[Settings], Claims]
    redis: redis.Redis
    tmp_path: Path
    capsys: pytest.CaptureFixture[str]

    def docs(self, name: str, **texts: str) -> Path:
        """A JSON Lines file ``name`` in the test's folder, one document per ``id=text``."""
        return _docs(self.tmp_path / name, **texts)


@pytest.fixture
def rig(
    make_settings: Callable[..., Settings],
    claims: Callable[[Settings], Claims],
    redis_client: redis.Redis,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Rig:
    return Rig(make_settings, claims, redis_client, tmp_path, capsys)


def test_claims_over_the_limit_are_rechecked_by_the_next_import_of_the_same_file(
    rig: Rig,
) -> None:
    settings = rig.make_settings(recheck_max_per_import=1)
    assert _kb(settings, "import", str(rig.docs("v1.jsonl", apec="APEC met in 1989."))) == 0
    c = rig.claims(settings)
    ids = c.checked(2, "apec")
    changed = rig.docs("v2.jsonl", apec="APEC met in 1993.")
    rig.capsys.readouterr()
    assert _kb(settings, "import", str(changed)) == 0
    first = rig.capsys.readouterr().out
    assert "re-check: 1 claims queued again for 1 changed or removed documents" in first
    assert sorted(c.revisions(ids)) == [0, 1]
    # the same file again changes nothing, and re-checks the claim left over
    assert _kb(settings, "import", str(changed)) == 0
    assert c.revisions(ids) == [1, 1]
    assert "re-check: 1 claims queued again" in rig.capsys.readouterr().out
    assert rig.redis.llen(settings.queue_name) == 2
    assert "; 1 documents still pending, 1 claims over the limit: " in first
    # nothing is left: a third import prints no re-check
    assert _kb(settings, "import", str(changed)) == 0
    assert "re-check" not in rig.capsys.readouterr().out


def test_a_recheck_cut_off_by_redis_is_done_by_the_next_import(rig: Rig) -> None:
    settings = rig.make_settings()
    assert _kb(settings, "import", str(rig.docs("v1.jsonl", apec="APEC met in 1989."))) == 0
    c = rig.claims(settings)
    ids = c.checked(1, "apec")
    changed = rig.docs("v2.jsonl", apec="APEC met in 1993.")
    down = settings.model_copy(update={"redis_url": DEAD_REDIS, "broker_url": DEAD_REDIS})
    rig.capsys.readouterr()
    assert _kb(down, "import", str(changed)) == 0  # the import itself is committed
    err = rig.capsys.readouterr().err
    assert "re-checks stay pending" in err and "claimcheck kb recheck" in err
    with KnowledgeBase(settings.kb_path) as kb:
        doc = kb.get("apec")
        assert doc is not None and doc.text == "APEC met in 1993."
    assert c.revisions(ids) == [0]
    # Redis is back: the same file again changes nothing, but the re-check is done
    assert _kb(settings, "import", str(changed)) == 0
    assert "re-check: 1 claims queued again" in rig.capsys.readouterr().out
    assert c.revisions(ids) == [1] and rig.redis.llen(settings.queue_name) == 1


def test_kb_recheck_sends_what_is_left_a_limit_at_a_time(rig: Rig) -> None:
    settings = rig.make_settings(recheck_max_per_import=2)
    source = rig.docs("v1.jsonl", apec="APEC met in 1989.", hue="Hue is old.")
    assert _kb(settings, "import", str(source)) == 0
    c = rig.claims(settings)
    apec, hue = c.checked(4, "apec"), c.checked(1, "hue")
    assert _kb(settings, "remove", "hue") == 0  # a removal is a change too
    assert c.revisions(hue) == [1]
    changed = rig.docs("v2.jsonl", apec="APEC met in 1993.")
    assert _kb(settings, "import", str(changed)) == 0
    assert len(c.requeued(apec)) == 2
    rig.capsys.readouterr()
    assert _kb(settings, "recheck") == 0
    assert "re-check: 2 claims queued again" in rig.capsys.readouterr().out
    assert c.revisions(apec) == [1, 1, 1, 1] and rig.redis.llen(settings.queue_name) == 5
    assert _kb(settings, "recheck") == 0
    assert rig.capsys.readouterr().out == "re-check: nothing pending\n"


def test_kb_recheck_refuses_while_rechecks_are_off(rig: Rig) -> None:
    assert _kb(rig.make_settings(recheck_on_change=False), "recheck") == 1
    assert "CLAIMCHECK_RECHECK_ON_CHANGE is off" in rig.capsys.readouterr().err


def test_a_document_changed_back_and_forth_is_rechecked_each_time(rig: Rig) -> None:
    settings = rig.make_settings()
    x = rig.docs("x.jsonl", apec="APEC met in 1989.")
    y = rig.docs("y.jsonl", apec="APEC met in 1993.")
    assert _kb(settings, "import", str(x)) == 0
    c = rig.claims(settings)
    ids = c.checked(1, "apec")
    revisions = []
    for source in (y, x, y):  # X → Y → X → Y: three changes
        assert _kb(settings, "import", str(source)) == 0
        revisions += c.revisions(ids)
    assert revisions == [1, 2, 3]


@pytest.mark.parametrize("limit", [2, 1000])
def test_one_import_changing_several_cited_documents_is_one_job_per_claim(
    rig: Rig, limit: int
) -> None:
    """Two claims cite three documents that one import changes: two jobs, revision 1 each,
    and a limit of two claims is not reached."""
    settings = rig.make_settings(recheck_max_per_import=limit)
    texts = {"a": "Alpha is one.", "b": "Beta is two.", "c": "Gamma is three."}
    assert _kb(settings, "import", str(rig.docs("v1.jsonl", **texts))) == 0
    c = rig.claims(settings)
    ids = c.checked(2, "a", "b", "c")
    rig.capsys.readouterr()
    changed = {k: v.replace("is", "was") for k, v in texts.items()}
    assert _kb(settings, "import", str(rig.docs("v2.jsonl", **changed))) == 0
    assert c.revisions(ids) == [1, 1]
    assert rig.redis.llen(settings.queue_name) == 2
    out = rig.capsys.readouterr().out
    assert "re-check: 2 claims queued again for 3 changed or removed documents" in out
    assert "over the limit" not in out and "pending" not in out


def test_with_rechecks_off_no_change_is_recorded(rig: Rig) -> None:
    settings = rig.make_settings(recheck_on_change=False)
    assert _kb(settings, "import", str(rig.docs("v1.jsonl", apec="APEC met in 1989."))) == 0
    assert _kb(settings, "import", str(rig.docs("v2.jsonl", apec="APEC met in 1993."))) == 0
    out = rig.capsys.readouterr().out
    assert "1 documents changed or removed; CLAIMCHECK_RECHECK_ON_CHANGE is off" in out
    with KnowledgeBase(settings.kb_path) as kb:
        assert kb.pending_changes().changes == {}


def test_the_intake_sweep_sends_pending_rechecks_while_the_queue_is_empty(rig: Rig) -> None:
    settings = rig.make_settings(recheck_max_per_import=1, requeue_interval_s=60)
    assert _kb(settings, "import", str(rig.docs("v1.jsonl", apec="APEC met in 1989."))) == 0
    c = rig.claims(settings)
    ids = c.checked(2, "apec")
    assert _kb(settings, "import", str(rig.docs("v2.jsonl", apec="APEC met in 1993."))) == 0
    assert len(c.requeued(ids)) == 1 and rig.redis.llen(settings.queue_name) == 1
    enqueuer = CeleryEnqueuer(broker_config(settings))
    sweeper = RequeueSweeper(c.client, c.store, enqueuer, sweep_config(settings))
    lock = Keys(settings.key_prefix).requeue_lock()
    try:
        sweeper.sweep_once()  # the import's job is still waiting: nothing more is sent
        assert len(c.requeued(ids)) == 1
        rig.redis.delete(settings.queue_name, lock)  # a worker took it
        sweeper.sweep_once()
        assert c.revisions(ids) == [1, 1]
        assert rig.redis.llen(settings.queue_name) == 1 and sweeper.rechecked == 1
    finally:
        enqueuer.close()
