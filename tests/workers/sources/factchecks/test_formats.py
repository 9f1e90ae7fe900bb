"""Reading ClaimReview JSON-LD, Google Fact Check Tools answers and our JSONL rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.errors import InputError
from workers.sources.factchecks.formats import FactCheck, read_factchecks

CLAIM_REVIEW: dict[str, Any] = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "datePublished": "2019-05-03",
    "url": "https://www.politifact.com/factchecks/2019/may/03/example/",
    "claimReviewed": "Windmills cause cancer.",
    "name": "No, windmills do not cause cancer",
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "A Politician"},
        "datePublished": "2019-04-02",
    },
    "author": {"@type": "Organization", "name": "PolitiFact", "url": "https://politifact.com"},
    "reviewRating": {
        "@type": "Rating",
        "ratingValue": "1",
        "bestRating": "6",
        "worstRating": "1",
        "alternateName": "Pants on Fire",
    },
    "inLanguage": "en",
}

GOOGLE_PAGE: dict[str, Any] = {
    "claims": [
        {
            "text": "The Eiffel Tower will be dismantled in 2025.",
            "claimant": "Social media posts",
            "claimDate": "2024-12-30T00:00:00Z",
            "claimReview": [
                {
                    "publisher": {"name": "AFP Fact Check", "site": "factcheck.afp.com"},
                    "url": "https://factcheck.afp.com/eiffel",
                    "title": "No, the Eiffel Tower is not being dismantled",
                    "reviewDate": "2025-01-03T10:15:00Z",
                    "textualRating": "False",
                    "languageCode": "en",
                },
                {
                    "publisher": {"site": "example-checker.org"},
                    "url": "https://example-checker.org/eiffel",
                    "textualRating": "Misleading",
                },
            ],
        },
        {"text": "A claim nobody has reviewed yet."},
    ],
    "nextPageToken": "CAE",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read(path: Path, **kwargs: Any) -> list[FactCheck]:
    return list(read_factchecks(path, **kwargs))


def test_single_claim_review(tmp_path: Path) -> None:
    (fc,) = read(write(tmp_path / "cr.json", json.dumps(CLAIM_REVIEW, indent=2)))
    assert fc.claim == "Windmills cause cancer."
    assert fc.rating == "Pants on Fire"
    assert fc.label == "refuted"
    assert fc.publisher == "PolitiFact"
    assert fc.published == "2019-05-03"
    assert fc.url == CLAIM_REVIEW["url"]
    assert fc.id.startswith(CLAIM_REVIEW["url"] + "#claim-")
    assert fc.title == "No, windmills do not cause cancer"
    assert fc.claimant == "A Politician"
    assert fc.language == "en"


def test_numeric_rating_without_text(tmp_path: Path) -> None:
    review = {**CLAIM_REVIEW, "reviewRating": {"ratingValue": 5, "bestRating": 5, "worstRating": 1}}
    (fc,) = read(write(tmp_path / "cr.json", json.dumps(review)))
    assert fc.rating == "5/5"
    assert fc.label == "supported"


def test_array_of_claim_reviews_skips_other_nodes(tmp_path: Path) -> None:
    second = {**CLAIM_REVIEW, "claimReviewed": "Windmills kill every bird nearby."}
    doc = [CLAIM_REVIEW, {"@type": "WebPage", "name": "not a review"}, second]
    got = read(write(tmp_path / "many.json", json.dumps(doc)))
    assert [fc.claim for fc in got] == [
        "Windmills cause cancer.",
        "Windmills kill every bird nearby.",
    ]
    assert len({fc.id for fc in got}) == 2  # one article, two claims, two ids


def test_graph_with_references(tmp_path: Path) -> None:
    review = {k: v for k, v in CLAIM_REVIEW.items() if k not in ("@context", "author")}
    review["author"] = {"@id": "#org"}
    doc = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "@id": "#org", "name": "Full Fact"},
            {"@type": "WebPage", "@id": "#page"},
            review,
        ],
    }
    (fc,) = read(write(tmp_path / "graph.jsonld", json.dumps(doc)))
    assert fc.publisher == "Full Fact"
    assert fc.label == "refuted"


def test_type_given_as_list_and_url(tmp_path: Path) -> None:
    review = {**CLAIM_REVIEW, "@type": ["https://schema.org/ClaimReview"]}
    assert len(read(write(tmp_path / "cr.json", json.dumps(review)))) == 1


def test_google_claims_search_answer(tmp_path: Path) -> None:
    got = read(write(tmp_path / "google.json", json.dumps(GOOGLE_PAGE)))
    assert len(got) == 2  # one per review; the unreviewed claim gives none
    afp, other = got
    assert afp.claim == "The Eiffel Tower will be dismantled in 2025."
    assert (afp.publisher, afp.rating, afp.label) == ("AFP Fact Check", "False", "refuted")
    assert afp.published == "2025-01-03"
    assert afp.claimant == "Social media posts"
    assert afp.title == "No, the Eiffel Tower is not being dismantled"
    assert afp.language == "en"
    assert (other.publisher, other.label) == ("example-checker.org", "conflicting")


def test_jsonl_of_google_pages(tmp_path: Path) -> None:
    path = write(tmp_path / "pages.jsonl", json.dumps(GOOGLE_PAGE) + "\n" + json.dumps(GOOGLE_PAGE))
    assert len(read(path)) == 4


def test_our_jsonl_rows(tmp_path: Path) -> None:
    rows = [
        {"id": "liar:1", "claim": "Says taxes doubled.", "rating": "pants-fire", "speaker": "x-y"},
        {
            "id": 7,
            "claim": "Crime fell.",
            "rating": "true",
            "url": "https://e.org/7",
            "publisher": "PolitiFact",
            "date": "2016-02-01",
        },
        {"id": "snopes:1", "claim": "A meme shows X.", "title": "Does a meme show X?"},
        {"id": "own:1", "claim": "Given label.", "rating": "Unclear", "label": "refuted"},
    ]
    path = write(tmp_path / "rows.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    got = read(path, publisher="PolitiFact (LIAR)")
    assert [fc.id for fc in got] == ["liar:1", "7", "snopes:1", "own:1"]
    assert got[0].label == "refuted" and got[0].claimant == "x-y"
    assert got[0].publisher == "PolitiFact (LIAR)"  # filled in
    assert got[1].publisher == "PolitiFact" and got[1].published == "2016-02-01"
    assert got[2].rating is None and got[2].label is None and got[2].title == "Does a meme show X?"
    assert got[3].label == "refuted"


def test_single_row_file_is_read_as_a_row(tmp_path: Path) -> None:
    (fc,) = read(write(tmp_path / "one.jsonl", json.dumps({"id": "a", "claim": "Claim."})))
    assert fc.id == "a"


def test_empty_file(tmp_path: Path) -> None:
    assert read(write(tmp_path / "empty.jsonl", "\n \n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "a", "claim": "ok"}\n{broken', "rows.jsonl:2: not valid JSON"),
        ('{"id": "a"}', "'claim' must be a non-empty string"),
        ('{"claim": "no id"}', "'id' must be a non-empty string"),
        ('{"id": "a", "claim": "c", "label": "maybe"}', "'label' must be one of"),
        ('{"id": "a", "claim": "c", "date": "last week"}', "is not an ISO 8601 date"),
        ('{"id": "a", "claim": "c", "date": 2019}', "must be an ISO 8601 date string"),
        ('{"id": "a", "claim": ["c"]}', "'claim' must be a string, got an array"),
        ('{"something": "else"}', "not a ClaimReview, a Google Fact Check Tools response"),
        ('"just a string"', "expected a JSON object or array"),
        ('{"claims": {"text": "x"}}', "'claims' must be an array"),
        ('{"claims": [{"claimReview": []}]}', "claims[0]: 'text' must be a non-empty string"),
        (
            '{"claims": [{"text": "t", "claimReview": [{"reviewDate": "soon"}]}]}',
            "claims[0].claimReview[0]: 'reviewDate' is not an ISO 8601 date",
        ),
        ('{"@type": "ClaimReview", "url": "u"}', "needs 'claimReviewed'"),
        ('[{"@type": "ClaimReview", "claimReviewed": "c"}, 3]', "[1]: expected a JSON object"),
        ('{"@graph": {}}', "'@graph' must be an array"),
        (
            '{"@type": "ClaimReview", "claimReviewed": "c", '
            '"reviewRating": {"ratingValue": "abc"}}',
            "reviewRating: 'ratingValue' 'abc' is not a number and the rating has no name",
        ),
        (
            '{"@type": "ClaimReview", "claimReviewed": "c", "reviewRating": {"ratingValue": NaN}}',
            "'ratingValue' nan is not a number",
        ),
        ('{"id": "a", "claim": "x\\udfff"}', "rows.jsonl:1: 'claim' holds a lone surrogate"),
        ('{"id": "a", "claim": ' + "[" * 3000 + "]" * 3000 + "}", "nested deeper than 64"),
    ],
)
def test_malformed_input_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "rows.jsonl", text)
    with pytest.raises(InputError) as info:
        read(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_broken_pretty_printed_json_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "cr.json", '{\n  "@type": "ClaimReview",\n  "url": \n}\n')
    with pytest.raises(InputError, match=r"cr\.json:4: not valid JSON"):
        read(path)


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read(tmp_path / "missing.jsonl")
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "a", "claim": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read(path)
