"""The dashboard's feed rendering (``app.js``), run in Node against a stand-in DOM.

The harness runs the scripts ``index.html`` loads, in its order (the feed needs the
shared helpers of ``common.js`` and the review view of ``review.js``).

The browser test (``tests/browser``) covers the page in real Chromium; this one needs only
``node`` and checks what the feed shows for given stream entries.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.intake.api.dashboard.harness import Entry, needs_node, node_text, run_page, walk

pytestmark = needs_node


def _render(entries: list[Entry]) -> list[dict[str, Any]]:
    feed: list[dict[str, Any]] = run_page(entries)["feed"]
    return feed


def _buttons(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(item) if n["tag"] == "button"]


def _verdict(claim_id: str, **extra: Any) -> dict[str, Any]:
    return {"claim_id": claim_id, "label": "supported", "confidence": 0.8, "claim": "C.", **extra}


def test_a_claim_of_an_article_links_to_its_article() -> None:
    [item] = _render([("1-0", "verdict", _verdict("clm_a", article_id="art_1"))])
    [button] = _buttons(item)
    assert button["text"] == "art_1" and button["clickable"]
    assert item["attributes"]["data-article-id"] == "art_1"


@pytest.mark.parametrize("article", [{}, {"article_id": None}, {"article_id": ""}])
def test_a_lone_claim_shows_no_article_button(article: dict[str, Any]) -> None:
    [item] = _render([("1-0", "verdict", _verdict("clm_lone", **article))])
    assert _buttons(item) == []
    assert not [n for n in walk(item) if n["text"] == "article "]
    assert item["attributes"]["data-claim-id"] == "clm_lone"


HOSTILE = '<img src=x onerror="window.pwned=1"> & <b>bold</b>'
SENTENCE = "The ceasefire was signed on 4 January 2022 in Geneva."
CONFLICTS = [
    {
        "slot": "date",
        "claim": "4 March 2022",
        "source": "4 January 2022",
        "doc_id": "ceasefire",
        "sentence": SENTENCE,
    },
    {
        "slot": "quantity",
        "claim": HOSTILE,
        "source": "12 <i>delegates</i>",
        "doc_id": "ceasefire",
        "sentence": HOSTILE,
    },
]
REASON = "The source says 4 January 2022, not 4 March 2022."


def _run(entries: list[Entry], page: dict[str, Any]) -> dict[str, Any]:
    return run_page(entries, page)


def _why(node: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """The conflicts and reason among ``node``'s children: (class, text, hover) each."""
    return [
        (child["className"], node_text(child), child["attributes"].get("title"))
        for child in node["children"]
        if child["className"] in ("conflict", "evidence reason")
    ]


EXPECTED_WHY = [
    ("conflict", "date claim: 4 March 2022 · source: 4 January 2022", f"“{SENTENCE}”"),
    ("conflict", f"quantity claim: {HOSTILE} · source: 12 <i>delegates</i>", f"“{HOSTILE}”"),
    ("evidence reason", f"reason: {REASON}", None),
]


def test_a_card_shows_each_conflict_and_the_reason_right_under_its_label() -> None:
    verdict = _verdict(
        "clm_c", label="refuted", conflicts=CONFLICTS, reason=REASON, article_id="art_1"
    )
    [item] = _render([("1-0", "verdict", verdict)])
    head, *rest = item["children"]
    assert "refuted" in node_text(head)
    assert _why(item) == EXPECTED_WHY
    # right under the label row, before the claim
    shown = [c["className"] for c in rest[:4]]
    assert shown == ["conflict", "conflict", "evidence reason", "claim"]
    [slot] = [n for n in walk(rest[0]) if n["className"] == "slot"]
    assert slot["text"] == "date"
    assert rest[0]["attributes"]["data-slot"] == "date"
    # source text stays text: no element is made of it
    assert {n["tag"] for n in walk(item)} <= {"li", "div", "span", "p", "button"}


def test_a_card_without_conflicts_or_reason_shows_neither() -> None:
    [item] = _render([("1-0", "verdict", _verdict("clm_plain"))])
    assert _why(item) == []


def test_the_article_view_shows_each_claim_with_its_label_conflicts_and_reason() -> None:
    text = "The ceasefire was signed on 4 March 2022. Prices rose. Unchecked so far."
    claims = [
        {"claim_id": "clm_pending", "text": "Unchecked so far.", "start": 56, "end": 73},
        {"claim_id": "clm_c", "text": text[:41], "start": 0, "end": 41},
        {
            "claim_id": "clm_s",
            "text": "Prices rose.",
            "start": 42,
            "end": 54,
            "verdict": _verdict("clm_s", reason="The source states the same: rose."),
        },
    ]
    article = {"article_id": "art_1", "text": text, "claims": claims}
    stream = _verdict(
        "clm_c", label="refuted", conflicts=CONFLICTS, reason=REASON, article_id="art_1"
    )
    out = _run(
        [("1-0", "verdict", stream)],
        {"routes": {"/v1/articles/art_1": [[200, article]]}, "actions": [{"open": "art_1"}]},
    )
    assert [r["url"] for r in out["requests"] if r["url"].startswith("/v1/articles")] == [
        "/v1/articles/art_1"
    ]
    shown = out["article"]
    assert [li["attributes"]["data-claim-id"] for li in shown] == ["clm_c", "clm_s", "clm_pending"]
    assert [li["attributes"]["data-label"] for li in shown] == ["refuted", "supported", "pending"]
    refuted, supported, pending = shown
    assert node_text(refuted["children"][0]) == "refutedThe ceasefire was signed on 4 March 2022."
    assert _why(refuted) == EXPECTED_WHY
    assert _why(supported) == [
        ("evidence reason", "reason: The source states the same: rose.", None)
    ]
    assert _why(pending) == [] and "pending" in node_text(pending)


WEBB = "NASA launched the telescope in 2021. It cost 10 billion dollars. Work began that day."
COST = "The telescope cost 10 billion dollars."
DAY = "Work began on 25 December 2021."
EDIT = {"editor": "Jane Editor", "revision": 1, "extracted_text": "Work began that day."}
NOT_STAND_ALONE = "not stand-alone: a reference is left as the article wrote it"


def _texts(node: dict[str, Any]) -> list[tuple[str, str]]:
    """The claim texts among ``node``'s children: (class, text) each."""
    shown = ("claim", "meta as-written", "meta claim-edited", "meta not-stand-alone")
    return [(c["className"], node_text(c)) for c in node["children"] if c["className"] in shown]


def _webb_claim(claim_id: str, written: str, text: str, **extra: Any) -> dict[str, Any]:
    start = WEBB.index(written)
    return {
        "claim_id": claim_id,
        "text": text,
        "source_text": written,
        "start": start,
        "end": start + len(written),
        **extra,
    }


def test_cards_and_the_article_view_show_the_articles_words_beside_the_checked_text() -> None:
    launched = _webb_claim("clm_go", WEBB[:36], WEBB[:36], stand_alone=True)
    cost = _webb_claim("clm_cost", "It cost 10 billion dollars.", COST, stand_alone=True)
    day = _webb_claim("clm_day", "Work began that day.", "Work began that day.", stand_alone=False)
    article = {"article_id": "art_1", "text": WEBB, "claims": [launched, cost, day]}
    stream = [
        ("1-0", "verdict", _verdict("clm_cost", claim=COST, article_id="art_1", **_details(cost))),
        ("2-0", "verdict", _verdict("clm_day", claim=day["text"], article_id="art_1",
                                    **_details(day))),
        ("3-0", "verdict.updated", _verdict("clm_day", claim=DAY, article_id="art_1", revision=1,
                                            checked_text_edit=EDIT, **_details(day))),
    ]  # fmt: skip
    out = _run(stream, {"routes": {"/v1/articles/art_1": [[200, article]]},
                        "actions": [{"open": "art_1"}]})  # fmt: skip
    corrected, flagged, priced = out["feed"]
    written = ("meta as-written", "as written: " + cost["source_text"])
    assert _texts(priced) == [("claim", COST), written]
    assert _texts(flagged) == [("claim", day["text"]), ("meta not-stand-alone", NOT_STAND_ALONE)]
    assert _texts(corrected) == [
        ("claim", DAY),
        ("meta as-written", "as written: Work began that day."),
        ("meta claim-edited", "checked text corrected by Jane Editor"),
    ]
    go, priced_claim, day_claim = out["article"]
    assert node_text(go["children"][0]) == "pending" + launched["text"] and _texts(go) == []
    assert node_text(priced_claim["children"][0]) == "supported" + COST
    assert _texts(priced_claim) == [("meta as-written", "as written: It cost 10 billion dollars.")]
    # the editor's text came with its verdict.updated
    assert node_text(day_claim["children"][0]) == "supported" + DAY
    assert _texts(day_claim) == _texts(corrected)[1:]


def _details(claim: dict[str, Any]) -> dict[str, Any]:
    return {k: claim[k] for k in ("source_text", "start", "end", "stand_alone")}
