"""``claimcheck-lab eval-articles``: the matching and the metrics on hand-made articles, and
one labelled article through the real extractor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lab.articles_eval import (
    DEFAULT_ROOT,
    ArticleReport,
    GoldArticle,
    GoldSentence,
    ProducedClaim,
    Skip,
    best_match,
    covers,
    discover,
    load_article,
    render_table,
    score_article,
    totals,
)
from lab.articles_refs import (
    dates,
    names,
    resolution_misses,
    same_speaker,
    wrong_references,
)
from lab.main import main
from shared.errors import InputError

TEXT = (
    "Brandt built the stadium in 1968. "
    "On Tuesday the council said the fee was 38 million euros. "
    "The club sold 41,000 tickets. "
    "“We are thrilled,” she said."
)
GOLD: dict[str, Any] = {
    "published_at": "2026-01-30",
    "statements": [
        {
            "original": "Brandt built the stadium in 1968.",
            "stand_alone": "Viktor Brandt built the Viktor Brandt Arena in 1968.",
            "speaker": None,
        },
        {
            "original": "On Tuesday the council said the fee was 38 million euros.",
            "stand_alone": "On 27 January 2026 the Hallstadt City Council said the fee was 38 "
            "million euros.",
            "speaker": "Hallstadt City Council",
        },
        {
            "original": "The club sold 41,000 tickets.",
            "stand_alone": "Hallstadt FC sold 41,000 tickets.",
            "speaker": None,
        },
    ],
    "not_claims": [{"original": "“We are thrilled,” she said.", "reason": "feeling"}],
}


def write_article(root: Path, text: str, gold: dict[str, Any], slug: str = "a") -> Path:
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "article.txt").write_text(text, encoding="utf-8")
    (folder / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    return folder


@pytest.fixture
def article(tmp_path: Path) -> GoldArticle:
    return load_article(write_article(tmp_path, TEXT, GOLD))


def span(sentence: str) -> tuple[int, int]:
    start = TEXT.index(sentence)
    return start, start + len(sentence)


def claim(sentence: str, text: str, speaker: str | None = None) -> ProducedClaim:
    start, end = span(sentence)
    return ProducedClaim(start, end, text, sentence, speaker)


# ---------------------------------------------------------------------------- matching


def test_the_gold_originals_are_located_in_the_article(article: GoldArticle) -> None:
    assert [article.text[s.start : s.end] for s in article.statements] == [
        s["original"] for s in GOLD["statements"]
    ]
    assert article.not_claims[0].reason == "feeling"
    assert article.published_at is not None and article.published_at.day == 30
    assert article.held_out is False


@pytest.mark.parametrize(
    ("start", "end", "covered"),
    [
        (0, 100, True),  # the same span
        (40, 60, True),  # a piece of it (the sentence split in two)
        (0, 200, True),  # merged with the next sentence
        (90, 200, False),  # overlaps by a word at the boundary
        (100, 150, False),  # touches
    ],
)
def test_a_claim_covers_a_gold_sentence_by_half_of_the_shorter_span(
    start: int, end: int, covered: bool
) -> None:
    gold = GoldSentence("x" * 100, 0, 100, "x", None)
    assert covers(ProducedClaim(start, end, "t", "t"), gold) is covered


def test_a_claim_is_scored_against_the_sentence_it_overlaps_most(article: GoldArticle) -> None:
    first, second = article.statements[0], article.statements[1]
    mostly_first = ProducedClaim(first.start + 2, second.start + 10, "t", "t")
    mostly_second = ProducedClaim(first.end - 10, second.end, "t", "t")
    assert best_match(mostly_first, article.statements) == first
    assert best_match(mostly_second, article.statements) == second
    merged = ProducedClaim(first.start, second.end, "t", "t")  # covers both: the longer wins
    assert covers(merged, first) and covers(merged, second)
    assert best_match(merged, article.statements) == second
    assert best_match(ProducedClaim(len(TEXT) + 5, len(TEXT) + 9, "t", "t"), []) is None


def test_an_original_must_occur_once_and_not_overlap(tmp_path: Path) -> None:
    missing = {**GOLD, "statements": [{"original": "Nowhere.", "stand_alone": "x"}]}
    with pytest.raises(InputError, match="not exactly once"):
        load_article(write_article(tmp_path, TEXT, missing, "missing"))
    overlapping = {
        **GOLD,
        "statements": [
            {"original": "Brandt built the stadium", "stand_alone": "x"},
            {"original": "the stadium in 1968.", "stand_alone": "y"},
        ],
    }
    with pytest.raises(InputError, match="overlaps"):
        load_article(write_article(tmp_path, TEXT, overlapping, "overlapping"))
    no_reason = {**GOLD, "not_claims": [{"original": "The club sold 41,000 tickets."}]}
    with pytest.raises(InputError, match="without a reason"):
        load_article(write_article(tmp_path, TEXT, no_reason, "no-reason"))


# ----------------------------------------------------------------------------- metrics


def test_recall_counts_the_statements_covered_and_lists_the_rest_with_the_reason(
    article: GoldArticle,
) -> None:
    built = "Brandt built the stadium in 1968."
    sold = "The club sold 41,000 tickets."
    council = "On Tuesday the council said the fee was 38 million euros."
    thrilled = "“We are thrilled,” she said."
    claims = [claim(built, built), claim(thrilled, thrilled, "she")]
    skips = [Skip(*span(council), "below_threshold 0.31"), Skip(*span(sold), "dup")]
    report = score_article(article, claims, skips)
    assert (report.statements, report.kept, report.claims) == (3, 1, 2)
    assert report.rates()["recall"] == pytest.approx(1 / 3)
    assert report.missed == [
        {"original": council, "why": "below_threshold 0.31"},
        {"original": sold, "why": "dup"},
    ]
    # the quote of feelings was extracted: counted, not scored as a statement
    assert (report.not_claims, report.not_claims_extracted, report.matched) == (1, 1, 1)
    assert report.extracted_not_claims[0]["reason"] == "feeling"


def test_a_claim_over_no_labelled_sentence_is_unlabelled(article: GoldArticle) -> None:
    far = ProducedClaim(len(TEXT), len(TEXT) + 20, "t", "t")
    report = score_article(article, [far], [])
    assert (report.claims, report.unlabelled, report.matched, report.kept) == (1, 1, 0, 0)


def test_a_rewrite_to_another_referent_is_wrong(article: GoldArticle) -> None:
    built = "Brandt built the stadium in 1968."
    council = "On Tuesday the council said the fee was 38 million euros."
    claims = [
        claim(built, "Anna Brandt built the stadium in 1968."),  # the granddaughter
        claim(council, "On 20 January 2026 the council said the fee was 38 million euros."),
    ]
    report = score_article(article, claims, [])
    assert (report.matched, report.wrong_referent) == (2, 2)
    assert [w["not_the_referent"] for w in report.wrong] == [["anna brandt"], ["20 January 2026"]]
    right = [
        claim(built, "Viktor Brandt built the stadium in 1968."),
        claim(council, "On 27 January 2026 the council said the fee was 38 million euros."),
    ]
    assert score_article(article, right, []).wrong_referent == 0


@pytest.mark.parametrize(
    ("produced", "wrong"),
    [
        ("Brandt built the stadium in 1968.", []),  # left as written: not a rewrite
        ("Viktor Brandt built the stadium in 1968.", []),
        ("Mr Viktor Brandt built the stadium in 1968.", []),  # a title before the name
        ("Viktor Brandt built the Viktor Brandt Arena in 1968.", []),
        ("Anna Brandt built the stadium in 1968.", ["anna brandt"]),
        ("Brandt built the Anna Brandt Arena in 1968.", ["anna brandt arena"]),
        ("Brandt built the stadium in 1969.", ["1969"]),
    ],
)
def test_wrong_references_by_name_and_date(produced: str, wrong: list[str]) -> None:
    gold = "Viktor Brandt built the Viktor Brandt Arena in 1968."
    assert wrong_references(produced, "Brandt built the stadium in 1968.", gold) == wrong


def test_a_short_name_is_the_last_words_of_the_gold_name() -> None:
    gold = "Viktor Brandt built the Viktor Brandt Arena in 1968."
    source = "He built the stadium in 1968."
    assert wrong_references("Brandt built the stadium in 1968.", source, gold) == []
    assert wrong_references("Viktor built the stadium in 1968.", source, gold) == ["viktor"]


def test_the_first_words_of_a_things_name_are_not_the_thing() -> None:
    gold = "The Halvorsen probe lifted off."
    assert wrong_references("Ingrid Halvorsen lifted off.", "It lifted off.", gold) == [
        "ingrid halvorsen"
    ]
    assert wrong_references("The Halvorsen probe lifted off.", "It lifted off.", gold) == []


def test_each_added_mention_needs_its_own_gold_mention() -> None:
    source = "Lindqvist, 88, stepped down, according to the foundation."
    gold = "Erik Lindqvist, 88, stepped down, according to the Erik Lindqvist Foundation."
    twice = "The Erik Lindqvist Foundation, 88, stepped down, according to " + gold[-30:]
    assert wrong_references(twice, source, gold) == ["erik lindqvist foundation"]
    assert wrong_references(gold, source, gold) == []
    short = "Lindqvist, 88, stepped down, according to the Erik Lindqvist Foundation."
    assert wrong_references(short, source, gold) == []  # the source's own mention
    dateline = "RIVERTON — The council approved the budget."
    produced = "RIVERTON — The Riverton City Council approved the budget."
    gold_without_dateline = "The Riverton City Council approved the budget."
    assert wrong_references(produced, dateline, gold_without_dateline) == []  # kept as written


def test_references_resolved_are_the_names_and_dates_the_gold_adds() -> None:
    original = "On Tuesday he said the bridge was closed."
    gold = "On 17 February 2026 Tom Pike said the Harold Pike Bridge was closed."
    assert resolution_misses(original, original, gold) == (
        3,
        ["tom pike", "harold pike bridge", "17 February 2026"],
    )
    produced = "On 17 February 2026 Pike said the Harold Pike Bridge was closed."
    assert resolution_misses(produced, original, gold) == (3, ["tom pike"])  # a short name
    assert resolution_misses(gold, original, gold) == (3, [])


def test_speakers_match_after_normalisation(article: GoldArticle) -> None:
    assert same_speaker("Mayor Denise Carver", "Denise Carver")
    assert same_speaker("the Société Générale", "SOCIETE GENERALE")
    assert same_speaker(None, None)
    assert not same_speaker(None, "Denise Carver")
    assert not same_speaker("Denise Carver", None)
    assert not same_speaker("the agency", "European Space Agency")
    council = "On Tuesday the council said the fee was 38 million euros."
    sold = "The club sold 41,000 tickets."
    claims = [
        claim(council, council, "the council"),  # gold: Hallstadt City Council
        claim(sold, sold, None),  # gold: no speaker
    ]
    report = score_article(article, claims, [])
    assert (report.matched, report.speaker_right) == (2, 1)
    assert report.speaker_errors == [
        {"claim": council, "speaker": "the council", "gold": "Hallstadt City Council"}
    ]


def test_names_skip_function_words_months_and_keep_connectors() -> None:
    text = (
        "On Monday, According to Klaus Brenner's team, the University of Oslo and "
        "Ariane 6 flew. In March the Agency said"
    )
    assert names(text) == [
        ("klaus", "brenner"),
        ("university", "of", "oslo"),
        ("ariane", "6"),
        ("agency",),
    ]
    assert dates("On 10 March 2026, March 9, 2026, in May 2020, in 1936 and 2026-27") == [
        (2026, 3, 10),
        (2026, 3, 9),
        (2020, 5, None),
        (1936, None, None),
        (2026, None, None),
    ]
    assert dates("41,000 seats, $1957 and 2.1 tonnes") == []


def test_totals_keep_the_held_out_article_apart() -> None:
    tuned = [
        ArticleReport("a", False, statements=4, kept=3, matched=3, speaker_right=2),
        ArticleReport("b", False, statements=6, kept=3, matched=4, speaker_right=4),
    ]
    held = ArticleReport("h", True, statements=5, kept=1, matched=1, speaker_right=0)
    tuned_total, held_total = totals([tuned[0], held, tuned[1]])
    assert (tuned_total.statements, tuned_total.kept) == (10, 6)
    assert tuned_total.rates()["recall"] == pytest.approx(0.6)
    assert tuned_total.rates()["speaker_accuracy"] == pytest.approx(6 / 7)
    assert (held_total.statements, held_total.kept, held_total.held_out) == (5, 1, True)
    table = render_table([*tuned, held])
    assert "TOTAL tuned (2)" in table and "TOTAL held-out (1)" in table
    assert "6/10 0.60" in table


def test_the_shipped_articles_are_labelled_and_one_is_held_out() -> None:
    articles = [load_article(folder) for folder in discover([DEFAULT_ROOT])]
    assert len(articles) >= 4
    assert sum(a.held_out for a in articles) == 1
    for a in articles:
        assert 300 <= len(a.text.split()) <= 600, a.slug
        labelled = sorted(a.statements + a.not_claims, key=lambda s: s.start)
        rest = a.text
        for sentence in labelled:
            rest = rest.replace(sentence.original, "", 1)
        assert rest.split() == [], f"{a.slug}: sentences without a label: {rest.strip()!r}"


# ---------------------------------------------------------------------- the real extractor


def test_one_article_through_the_real_extractor(capsys: pytest.CaptureFixture[str]) -> None:
    folder = DEFAULT_ROOT / "riverton-budget"
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    assert main(["eval-articles", "--json", str(folder)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"articles", "totals"}
    (article,) = report["articles"]
    assert article["name"] == "riverton-budget" and article["held_out"] is False
    assert article["statements"] == len(gold["statements"])
    assert article["not_claims"] == len(gold["not_claims"])
    assert article["claims"] > 0
    originals = {s["original"] for s in gold["statements"]}
    missed = [m["original"] for m in article["missed"]]
    assert set(missed) <= originals and len(set(missed)) == len(missed)
    assert article["kept"] == len(gold["statements"]) - len(missed)
    assert article["recall"] == pytest.approx(article["kept"] / len(gold["statements"]))
    assert all(m["why"] for m in article["missed"])
    assert article["matched"] + article["unlabelled"] <= article["claims"]
    assert report["totals"]["tuned"]["statements"] == len(gold["statements"])
    assert report["totals"]["held_out"]["statements"] == 0
    assert report["totals"]["held_out"]["recall"] is None
