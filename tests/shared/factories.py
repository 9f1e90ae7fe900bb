"""Builders for records and verdicts used across the test packages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.schemas import Evidence, Label, Verdict
from shared.store.claims import ArticleRecord, ClaimRecord


def claim(article_id: str | None = None, text: str = "Water boils at 100 C.") -> ClaimRecord:
    return ClaimRecord(
        claim_id=f"clm_{uuid.uuid4().hex}",
        text=text,
        article_id=article_id,
        start=0 if article_id else None,
        end=len(text) if article_id else None,
    )


def article(claim_count: int) -> tuple[ArticleRecord, list[ClaimRecord]]:
    article_id = f"art_{uuid.uuid4().hex}"
    claims = [claim(article_id, f"Claim number {i}.") for i in range(claim_count)]
    record = ArticleRecord(
        article_id=article_id,
        text=" ".join(c.text for c in claims),
        claim_ids=[c.claim_id for c in claims],
    )
    return record, claims


def verdict(record: ClaimRecord, label: Label = "supported", confidence: float = 0.9) -> Verdict:
    return Verdict(
        claim_id=record.claim_id,
        article_id=record.article_id,
        claim=record.text,
        label=label,
        confidence=confidence,
        needs_review=confidence < 0.6,
        evidence=[
            Evidence(
                source="kb",
                doc_id="doc-1",
                title="A document",
                url="https://example.org/doc-1",
                text="Some evidence.",
                stance="supports",
                score=0.8,
            )
        ],
        checked_at=datetime.now(UTC),
        verifier_version="test",
    )
