from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.newsroom.checked_text import CheckedTextEdit
from shared.newsroom.claimreview import (
    RATINGS,
    UnpublishableError,
    claim_review,
    claim_review_json,
    publisher_of,
)
from shared.newsroom.publishers import Publisher
from shared.schemas import LABELS, DetailConflict, Label, Review, SlotKind, Verdict
from shared.store.claims import ArticleRecord, ClaimRecord
from tests.shared.newsroom.structured_data import (
    expand,
    from_html_page,
    google_problems,
    unknown_terms,
)
from workers.sources.factchecks.formats import parse_document, read_factchecks

REVIEWED_AT = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
PLANET = Publisher(
    name="The Daily Planet",
    url="https://daily-planet.example",
    review_url="https://daily-planet.example/fact-checks/{claim_id}",
)
PLANET_NO_TEMPLATE = Publisher(name="The Daily Planet", url="https://daily-planet.example")


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
    doc = claim_review(_claim(), review, ARTICLE, publisher=PLANET)
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
        "author": {
            "@type": "Organization",
            "name": "The Daily Planet",
            "url": "https://daily-planet.example",
        },
        "datePublished": "2025-03-04T10:30:00+00:00",
        "url": "https://dp.example/fc/1",
        "reviewBody": "The council's accounts say 55 million.",
    }


EXTRACTED = "The mayor said on 1 March 2025 that the Han River bridge cost 40 million dollars."
WRITTEN = "He said on Saturday that it cost 40 million dollars."
EDITED = "The mayor of Da Nang said that the Han River bridge cost 40 million dollars."


def test_the_claim_reviewed_is_the_articles_own_sentence_not_the_rewrite() -> None:
    claim = _claim(text=EXTRACTED, source_text=WRITTEN)
    assert claim_review(claim, _review(), ARTICLE, publisher=PLANET)["claimReviewed"] == WRITTEN


def test_the_claim_reviewed_is_the_editors_checked_text_once_an_editor_set_one() -> None:
    edit = CheckedTextEdit(
        editor="Sam Desk", edited_at=REVIEWED_AT, revision=1, extracted_text=EXTRACTED
    )
    claim = _claim(text=EDITED, source_text=WRITTEN, checked_text_edit=edit)
    doc = claim_review(claim, _review(), ARTICLE, publisher=PLANET)
    assert doc["claimReviewed"] == EDITED
    [read] = list(parse_document(json.loads(json.dumps(doc)), where="export"))
    assert read.claim == EDITED


def test_optional_parts_are_left_out_when_unknown() -> None:
    claim = _claim(article_id=None, speaker=None, newsroom=None, source_url=None)
    doc = claim_review(claim, _review(), publisher=PLANET)
    assert doc["itemReviewed"] == {"@type": "Claim"}
    assert "reviewBody" not in doc
    assert google_problems(doc) == []  # nothing Google requires is optional
    lone = claim_review(
        _claim(article_id=None, source_url="https://x.example/s"), _review(), publisher=PLANET
    )
    assert lone["itemReviewed"]["appearance"]["url"] == "https://x.example/s"


@pytest.mark.parametrize("label", LABELS)
def test_what_we_export_the_fact_check_reader_reads_back(label: Label, tmp_path: Path) -> None:
    review = _review(label, url="https://dp.example/fc/2")
    doc = claim_review(_claim(), review, ARTICLE, publisher=PLANET)
    [read] = list(parse_document(json.loads(json.dumps(doc)), where="export"))
    assert read.label == label
    assert read.rating == RATINGS[label][1]
    assert (read.claim, read.publisher, read.claimant) == (
        _claim().text,
        "The Daily Planet",
        "the mayor",
    )
    assert (read.url, read.published) == ("https://dp.example/fc/2", "2025-03-04")
    # the same as a file, the way `claimcheck factchecks import` reads it
    path = tmp_path / "export.json"
    path.write_text(json.dumps([doc]), encoding="utf-8")
    assert [fc.label for fc in read_factchecks(path)] == [label]


def _with_conflicts(*conflicts: tuple[SlotKind, str, str]) -> ClaimRecord:
    claim = _claim()
    verdict = Verdict(
        claim_id=claim.claim_id,
        article_id=claim.article_id,
        claim=claim.text,
        label="refuted",
        confidence=0.8,
        needs_review=True,
        conflicts=[
            DetailConflict(
                slot=slot,
                claim=said,
                source=source,
                doc_id="accounts",
                sentence="The bridge cost 55 million dollars, the accounts say.",
            )
            for slot, said, source in conflicts
        ],
        reason="The source says 55 million dollars, not 40 million dollars.",
        checked_at=REVIEWED_AT,
        verifier_version="test",
    )
    return claim.model_copy(update={"verdict": verdict})


def test_a_false_or_mixed_ruling_says_what_the_source_says_of_each_conflicting_detail() -> None:
    claim = _with_conflicts(
        ("quantity", "40 million dollars", "55 million dollars"),
        ("date", "2021", "2019"),
        ("quantity", "40 million dollars", "55 million dollars"),  # said once
        ("date", "", ""),  # nothing to say
    )
    note = "The council's accounts say otherwise."
    doc = claim_review(claim, _review(note=note), ARTICLE, publisher=PLANET)
    assert doc["reviewBody"] == (
        "The council's accounts say otherwise. "
        "The source says 55 million dollars, not 40 million dollars. "
        "The source says 2019, not 2021."
    )
    # without a note, the sources' words alone; a mixed ruling says them too
    mixed = claim_review(claim, _review("conflicting"), ARTICLE, publisher=PLANET)
    assert mixed["reviewBody"] == (
        "The source says 55 million dollars, not 40 million dollars. "
        "The source says 2019, not 2021."
    )
    # a note that already says it is not repeated
    said = "Wrong. The source says 2019, not 2021."
    assert claim_review(claim, _review(note=said), ARTICLE, publisher=PLANET)["reviewBody"] == (
        "Wrong. The source says 2019, not 2021. "
        "The source says 55 million dollars, not 40 million dollars."
    )


@pytest.mark.parametrize("label", ["supported", "not_enough_info"])
def test_a_true_or_unproven_ruling_keeps_the_note_alone(label: Label) -> None:
    claim = _with_conflicts(("date", "2021", "2019"))
    confirmed = claim_review(claim, _review(label, note="Confirmed."), publisher=PLANET)
    assert confirmed["reviewBody"] == "Confirmed."
    assert "reviewBody" not in claim_review(claim, _review(label), publisher=PLANET)


def test_a_polarity_conflict_reads_as_a_sentence() -> None:
    claim = _with_conflicts(
        ("polarity", "was not approved", "stated without negation"),
        ("polarity", "stated without negation", "never approved it"),
        ("polarity", "rose", "fell"),
    )
    assert claim_review(claim, _review(), publisher=PLANET)["reviewBody"] == (
        "The source states it without the negation (“was not approved”). "
        "The source says “never approved it”, a negation the claim does not make. "
        "The source says fell, not rose."
    )


# --- what Google requires: url, author, a rating it accepts -------------------------------


def test_the_url_is_the_reviews_own_else_the_publishers_page_for_the_claim() -> None:
    own = claim_review(_claim(), _review(url="https://dp.example/fc/9"), publisher=PLANET)
    assert own["url"] == "https://dp.example/fc/9"
    templated = claim_review(_claim(), _review(), publisher=PLANET)
    assert templated["url"] == f"https://daily-planet.example/fact-checks/clm_{'a' * 32}"
    # a twin resolved by a ruling lives on the ruled claim's page
    twin = _review(resolved_by=f"clm_{'c' * 32}")
    resolved = claim_review(_claim(), twin, publisher=PLANET)
    assert resolved["url"] == f"https://daily-planet.example/fact-checks/clm_{'c' * 32}"
    with pytest.raises(UnpublishableError, match="CLAIMCHECK_NEWSROOM_PUBLISHERS") as refused:
        claim_review(_claim(), _review(), publisher=PLANET_NO_TEMPLATE)
    assert f"clm_{'a' * 32}" in str(refused.value) and "review_url" in str(refused.value)


def test_the_author_is_the_newsrooms_publisher_and_none_is_refused() -> None:
    publishers = {"daily-planet": PLANET, "-": PLANET_NO_TEMPLATE}
    assert publisher_of(publishers, "daily-planet") is PLANET
    assert publisher_of(publishers, None) is PLANET_NO_TEMPLATE  # claims without a newsroom
    with pytest.raises(UnpublishableError, match="CLAIMCHECK_NEWSROOM_PUBLISHERS") as refused:
        publisher_of(publishers, "daily-star")
    assert "'daily-star'" in str(refused.value)
    doc = claim_review(_claim(), _review(), publisher=PLANET)
    assert doc["author"] == {
        "@type": "Organization",
        "name": "The Daily Planet",
        "url": "https://daily-planet.example",
    }


def test_an_unproven_ruling_has_a_name_and_no_number_off_the_scale() -> None:
    rating = claim_review(_claim(), _review("not_enough_info"), publisher=PLANET)["reviewRating"]
    assert rating == {"@type": "Rating", "alternateName": "Unproven"}
    for label in ("refuted", "conflicting", "supported"):
        scaled = claim_review(_claim(), _review(label), publisher=PLANET)["reviewRating"]
        assert 1 == scaled["worstRating"] <= scaled["ratingValue"] <= scaled["bestRating"] == 5


@pytest.mark.parametrize("label", LABELS)
def test_a_page_holding_the_document_gives_valid_json_ld_google_accepts(label: Label) -> None:
    note = 'Council: 55m. </script><script>alert("x")</script> & <!-- more'
    claim = _with_conflicts(("quantity", "40 million dollars", "55 million dollars"))
    doc = claim_review(claim, _review(label, note=note), ARTICLE, publisher=PLANET)
    # pasted into a page as the API and the export write it, a parser finds it whole
    assert from_html_page(claim_review_json(doc)) == [doc]
    [node] = expand(doc)
    assert node["@type"] == ["https://schema.org/ClaimReview"]
    assert node["https://schema.org/url"] == [{"@id": doc["url"]}]
    assert unknown_terms(doc) == set()
    assert google_problems(doc) == []


def test_the_checks_catch_what_google_would_refuse() -> None:
    # the document as written before: no url, the tenant id as author, Unproven at -1
    doc = claim_review(_claim(), _review("not_enough_info"), ARTICLE, publisher=PLANET)
    before = {k: v for k, v in doc.items() if k != "url"}
    before["author"] = {"@type": "Organization", "name": "daily-planet"}
    before["reviewRating"] = {
        "@type": "Rating",
        "ratingValue": -1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Unproven",
    }
    assert google_problems(before) == [
        "url: required, the fact-check's page",
        "reviewRating: -1.0 is off the scale 1.0..5.0",
        "author.url",
    ]
    misspelt = {**doc, "claimreviewed": doc["claimReviewed"], "@type": "ClaimReview"}
    misspelt["itemReviewed"] = {**doc["itemReviewed"], "@type": "Claims"}
    assert unknown_terms(misspelt) == {"claimreviewed", "Claims"}
    # unescaped, a </script> in a string ends the script: the page holds no document
    broken = json.dumps(doc).replace("Unproven", "</script><script>")
    with pytest.raises(json.JSONDecodeError):
        from_html_page(broken)
