from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.claimreview import RATINGS, claim_review
from shared.schemas import LABELS, Label, Review
from shared.store import ArticleRecord, ClaimRecord
from workers.sources.factchecks.formats import parse_document, read_factchecks

REVIEWED_AT = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)


def _claim(**extra: object) -> ClaimRecord:
    fields: dict[str, object] = {
        "claim_id": f"clm_{'a' * 32}",
        "text": "The mayor said the bridge cost 40 million dollars.",
        "article_id": f"art_{'b' * 32}",
        "newsroom": "daily-planet",
        "speaker": "the mayor",
    }
    return ClaimRecord.model_validate({**fields, **extra})


def _review(label: Label = "refuted", **extra: object) -> Review:
    return Review.model_validate(
        {
            "label": label,
            "model_label": "supported",
            "reviewer": "Jane Editor",
            "reviewed_at": REVIEWED_AT,
            **extra,
        }
    )


ARTICLE = ArticleRecord(
    article_id=f"art_{'b' * 32}",
    text="...",
    url="https://daily-planet.example/bridge",
    published_at=datetime(2025, 3, 1, tzinfo=UTC),
)


def test_the_document_has_every_field_a_reader_needs() -> None:
    review = _review(note="The council's accounts say 55 million.", url="https://dp.example/fc/1")
    doc = claim_review(_claim(), review, ARTICLE)
    assert doc == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": "The mayor said the bridge cost 40 million dollars.",
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "False",
        },
        "itemReviewed": {
            "@type": "Claim",
            "appearance": {"@type": "CreativeWork", "url": "https://daily-planet.example/bridge"},
            "author": {"@type": "Person", "name": "the mayor"},
            "datePublished": "2025-03-01T00:00:00+00:00",
        },
        "author": {"@type": "Organization", "name": "daily-planet"},
        "datePublished": "2025-03-04T10:30:00+00:00",
        "url": "https://dp.example/fc/1",
        "reviewBody": "The council's accounts say 55 million.",
    }


def test_optional_parts_are_left_out_when_unknown() -> None:
    claim = _claim(article_id=None, speaker=None, newsroom=None, source_url=None)
    doc = claim_review(claim, _review())
    assert doc["itemReviewed"] == {"@type": "Claim"}
    assert not {"author", "url", "reviewBody"} & set(doc)
    lone = claim_review(_claim(article_id=None, source_url="https://x.example/s"), _review())
    assert lone["itemReviewed"]["appearance"]["url"] == "https://x.example/s"


@pytest.mark.parametrize("label", LABELS)
def test_what_we_export_the_fact_check_reader_reads_back(label: Label, tmp_path: Path) -> None:
    doc = claim_review(_claim(), _review(label, url="https://dp.example/fc/2"), ARTICLE)
    [read] = list(parse_document(json.loads(json.dumps(doc)), where="export"))
    assert read.label == label
    assert read.rating == RATINGS[label][1]
    assert (read.claim, read.publisher, read.claimant) == (
        _claim().text,
        "daily-planet",
        "the mayor",
    )
    assert (read.url, read.published) == ("https://dp.example/fc/2", "2025-03-04")
    # the same as a file, the way `claimcheck factchecks import` reads it
    path = tmp_path / "export.json"
    path.write_text(json.dumps([doc]), encoding="utf-8")
    assert [fc.label for fc in read_factchecks(path)] == [label]
