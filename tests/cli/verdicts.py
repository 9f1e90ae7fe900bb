"""Verdicts as the stream carries them (JSON objects), for the CLI's output and watch tests.

:func:`verdict_of` is a supported claim with the evidence given; :func:`cited` is one piece
of evidence, by default the deciding sentence with its document's URL and the link that
lands on the sentence. Keyword arguments replace fields; ``None`` leaves an evidence field
out.
"""

from __future__ import annotations

from typing import Any

URL = "https://en.wikipedia.org/wiki/APEC_Vietnam_2017"
LINK = URL + "#:~:text=The%202017%20APEC%20summit%20took%20place%20in%20Da%20Nang."
SENTENCE = "The 2017 APEC summit took place in Da Nang."


def cited(**fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "kb",
        "doc_id": "apec-2017",
        "title": "APEC Vietnam 2017",
        "url": URL,
        "link": LINK,
        "text": SENTENCE,
        "stance": "supports",
        "score": 0.74,
    }
    item.update(fields)
    return {k: v for k, v in item.items() if v is not None}


def verdict_of(*evidence: dict[str, Any], **fields: Any) -> dict[str, Any]:
    verdict: dict[str, Any] = {
        "claim_id": "clm_1",
        "article_id": "art_1",
        "claim": "The APEC summit of 2017 was held in Da Nang.",
        "label": "supported",
        "confidence": 0.812,
        "needs_review": False,
        "evidence": list(evidence),
    }
    verdict.update(fields)
    return verdict
