"""With the starter knowledge base and the trained stance model, the seed article's facts
get the verdicts a careful reader would give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.settings import load_settings
from workers.context import build_verifier, close_verifier
from workers.verification.pipeline import Verifier

pytest.importorskip("onnxruntime", reason="the ONNX stance model needs onnxruntime")


@pytest.fixture(scope="module")
def verifier(starter_kb_path: Path) -> Iterator[Verifier]:
    built = build_verifier(
        load_settings(auth_enabled=False, kb_path=starter_kb_path, stance_scorer="onnx")
    )
    yield built
    close_verifier(built)


@pytest.mark.parametrize(
    ("claim", "label", "doc_hint"),
    [
        # facts the seed article relies on
        ("UN Security Council resolution 2254 was adopted in December 2015.", "supported", "2254"),
        ("Dmitry Peskov is the press secretary of the Kremlin.", "supported", "Peskov"),
        ("The joint statement on Syria was released on 11 November 2017.", "supported", "2017"),
        # the same facts, deliberately falsified
        # a place slip the slots cannot line up ("held in Lima" against "hosted ... Da
        # Nang"): the model reads it, with the sentence's context
        ("The APEC summit in 2017 was held in Lima, Peru.", "refuted", "APEC"),
        (
            "UN Security Council resolution 2254 was rejected by the Security Council.",
            "refuted",
            "2254",
        ),
        # nothing in the knowledge base is about these
        ("Bananas are the most popular fruit in Norway.", "not_enough_info", None),
        ("The Eiffel Tower is in Rome.", "not_enough_info", None),
    ],
)
def test_seed_article_verdicts(
    verifier: Verifier, claim: str, label: str, doc_hint: str | None
) -> None:
    verdict = verifier.verify("clm_test", claim, tolerate_source_errors=False)
    assert verdict.label == label, (verdict.label, verdict.confidence, verdict.evidence[:1])
    assert verdict.verifier_version.startswith("onnx-stance")
    if doc_hint is None:
        assert not any(e.stance != "neutral" for e in verdict.evidence)
    else:
        deciding = [e for e in verdict.evidence if e.stance != "neutral"]
        assert deciding, "a decided verdict carries the evidence that decided it"
        assert deciding[0].url and deciding[0].url.startswith("https://")
        assert doc_hint in deciding[0].text or doc_hint in deciding[0].title


def test_a_claim_with_the_wrong_year_is_refuted(tmp_path: Path) -> None:
    """Issue 11: a two-document knowledge base saying "since January 2024" made "since 2020"
    ``supported 0.85`` without review."""
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    docs = tmp_path / "kb.jsonl"
    docs.write_text(
        '{"id": "doe", "title": "Jane Doe", "text": "Jane Doe is an American politician. '
        "Jane Doe has been the mayor of Springfield since January 2024, when she succeeded "
        'John Smith."}\n'
        '{"id": "springfield", "title": "Springfield", "text": "Springfield is a city in '
        'Illinois. Springfield has about 114,000 inhabitants."}\n',
        encoding="utf-8",
    )
    settings = load_settings(
        auth_enabled=False, kb_path=tmp_path / "kb.sqlite3", stance_scorer="onnx"
    )
    with open_knowledge_base(
        knowledge_base_config(settings), build_process_embedder(settings)
    ) as kb:
        kb.import_jsonl(docs)
    built = build_verifier(settings)
    try:
        verdict = built.verify(
            "c1", "Jane Doe has been mayor of Springfield since 2020.", tolerate_source_errors=False
        )
    finally:
        close_verifier(built)
    assert verdict.label == "refuted", verdict
    assert verdict.evidence and verdict.evidence[0].doc_id == "doe"
    assert verdict.evidence[0].link is None  # the document has no URL
    assert verdict.evidence[0].start is not None
