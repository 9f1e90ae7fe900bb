"""The dashboard's review view (``review.js``), run in Node against a stand-in DOM.

The page loads ``GET /v1/review-queue`` (answered here with canned pages), marks each claim
in its article, posts an editor's ruling, and follows the stream: a verdict that needs
review joins the queue, a ``verdict.reviewed`` takes its claim out and adds a feed line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.services.intake.api.dashboard.harness import Entry, needs_node, node_text, run_page, walk

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ARTICLE_TEXT = (
    "First paragraph.\n\nThe mayor said taxes fell by 5 percent in 2023. Others disagree."
)
SOURCE = "taxes fell by 5 percent in 2023."
HOSTILE = '<img src=x onerror="window.pwned=1"> & <b>bold</b>'

pytestmark = needs_node


def _run(entries: list[Entry], routes: dict[str, Any], actions: list[Any]) -> dict[str, Any]:
    return run_page(entries, {"routes": routes, "actions": actions})


def _verdict(claim_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "claim": f"Claim {claim_id}.",
        "label": "supported",
        "confidence": 0.55,
        "needs_review": True,
        "evidence": [],
        **extra,
    }


def _item(claim_id: str, checkworthiness: float | None, **verdict: Any) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "text": f"Claim {claim_id}.",
        "checkworthiness": checkworthiness,
        "verdict": _verdict(claim_id, checkworthiness=checkworthiness, **verdict),
    }


def _in_article() -> dict[str, Any]:
    start = ARTICLE_TEXT.index(SOURCE)
    evidence = {
        "text": "Tax receipts fell 5% in 2023.",
        "link": "https://stats.example/taxes#:~:text=fell",
        "url": "https://stats.example/taxes",
        "stance": "supports",
        "score": 0.7,
        "title": "Stats office",
    }
    return {
        **_item("clm_art", 0.9, label="refuted", evidence=[evidence]),
        "article_id": "art_1",
        "text": "The mayor said taxes in Springfield fell by 5 percent in 2023.",
        "source_text": SOURCE,
        "start": start,
        "end": start + len(SOURCE),
        "speaker": "the mayor",
    }


def _is_label_button(node: dict[str, Any]) -> bool:
    """One of the four buttons that rule on a verdict (not "Check this text instead")."""
    return node["tag"] == "button" and "review-button" in node["className"]


def _queue(*items: dict[str, Any], cursor: str | None = None) -> list[Any]:
    return [200, {"items": list(items), "next_cursor": cursor}]


def _posts(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in out["requests"] if r["method"] == "POST"]


def _ids(out: dict[str, Any]) -> list[str]:
    return [n["attributes"]["data-claim-id"] for n in out["queue"]]


def test_the_queue_marks_each_claim_in_its_article_and_shows_a_lone_claim_as_text() -> None:
    routes = {
        "/v1/review-queue": [_queue(_in_article(), _item("clm_lone", None))],
        "/v1/articles/art_1": [[200, {"article_id": "art_1", "text": ARTICLE_TEXT, "claims": []}]],
    }
    out = _run([], routes, [])
    assert _ids(out) == ["clm_art", "clm_lone"]
    assert out["texts"]["review-count"] == "2"
    assert out["hidden"] == {"review-more": True, "review-empty": True}
    art, lone = out["queue"]
    [mark] = [n for n in walk(art) if n["tag"] == "mark"]
    assert mark["text"] == SOURCE and mark["attributes"]["data-label"] == "refuted"
    [context] = [n for n in walk(art) if "review-context" in n["className"]]
    # the claim's paragraph, not the one before it
    assert node_text(context) == "The mayor said taxes fell by 5 percent in 2023. Others disagree."
    assert "checked as: The mayor said taxes in Springfield" in node_text(art)
    [link] = [n for n in walk(art) if n["tag"] == "a"]
    assert link["attributes"]["href"] == "https://stats.example/taxes#:~:text=fell"
    assert "model: refuted" in node_text(art) and "said by the mayor" in node_text(art)
    assert not [n for n in walk(lone) if n["tag"] == "mark"]
    assert "Claim clm_lone." in node_text(lone) and "lone claim" in node_text(lone)
    for item in (art, lone):
        labels = [n["attributes"]["data-label"] for n in walk(item) if _is_label_button(n)]
        assert labels == ["supported", "refuted", "not_enough_info", "conflicting"]


def test_the_queue_pages_with_next_cursor() -> None:
    routes = {
        "/v1/review-queue": [
            _queue(_item("clm_a", 0.9), cursor="c1"),
            _queue(_item("clm_b", 0.5)),
        ]
    }
    first = _run([], routes, [])
    assert first["texts"]["review-count"] == "1+" and not first["hidden"]["review-more"]
    out = _run([], routes, [{"click": "review-more"}])
    gets = [r["url"] for r in out["requests"] if r["url"].startswith("/v1/review-queue")]
    assert gets == ["/v1/review-queue?limit=20", "/v1/review-queue?limit=20&cursor=c1"]
    assert _ids(out) == ["clm_a", "clm_b"]
    assert out["hidden"]["review-more"] and out["texts"]["review-count"] == "2"


def test_a_ruling_is_posted_once_per_click_with_its_own_key_and_leaves_the_queue() -> None:
    accepted = {
        "claim_id": "clm_a",
        "recorded": True,
        "stream_id": "9-0",
        "review": {"label": "refuted", "model_label": "supported", "reviewer": "Jane"},
    }
    routes = {
        "/v1/review-queue": [_queue(_item("clm_a", 0.9), _item("clm_b", 0.5))],
        "/v1/claims/": [[201, accepted]],
    }
    actions = [
        {"set": "reviewer-name", "value": "  Jane  "},
        {"review": "clm_a", "label": "refuted", "note": "Off by half. " + HOSTILE},
        {"review": "clm_b", "label": "not_enough_info"},
    ]
    out = _run([], routes, actions)
    first, second = _posts(out)
    assert first["url"] == "/v1/claims/clm_a/review"
    assert json.loads(first["body"]) == {
        "label": "refuted",
        "reviewer": "Jane",
        "note": "Off by half. " + HOSTILE,
    }
    assert json.loads(second["body"]) == {"label": "not_enough_info", "reviewer": "Jane"}
    keys = [r["headers"]["Idempotency-Key"] for r in (first, second)]
    assert all(UUID.match(k) for k in keys) and keys[0] != keys[1]
    assert first["headers"]["Content-Type"] == "application/json"
    assert _ids(out) == []
    assert out["texts"]["review-count"] == "0" and not out["hidden"]["review-empty"]
    assert out["storage"]["claimcheck.reviewer"] == "Jane"


def test_no_ruling_is_posted_without_a_reviewer_name() -> None:
    routes = {"/v1/review-queue": [_queue(_item("clm_a", 0.9))]}
    out = _run([], routes, [{"review": "clm_a", "label": "refuted"}])
    assert _posts(out) == []
    assert _ids(out) == ["clm_a"]
    assert "Enter your name" in node_text(out["queue"][0])


def test_a_refused_ruling_keeps_the_claim_queued_with_the_reason() -> None:
    refusal = {"error": "not_checked", "message": "claim 'clm_a' has no verdict yet"}
    routes = {
        "/v1/review-queue": [_queue(_item("clm_a", 0.9))],
        "/v1/claims/": [[409, refusal]],
    }
    actions = [{"set": "reviewer-name", "value": "Jane"}, {"review": "clm_a", "label": "refuted"}]
    out = _run([], routes, actions)
    assert len(_posts(out)) == 1 and _ids(out) == ["clm_a"]
    assert "refused: claim 'clm_a' has no verdict yet" in node_text(out["queue"][0])
    buttons = [n for n in walk(out["queue"][0]) if _is_label_button(n)]
    assert len(buttons) == 4 and not any(b["disabled"] for b in buttons)


def test_the_stream_adds_verdicts_that_need_review_in_queue_order() -> None:
    routes = {"/v1/review-queue": [_queue(_item("clm_mid", 0.5))]}
    entries: list[Entry] = [
        ("1-0", "verdict", _verdict("clm_top", checkworthiness=0.9)),
        ("2-0", "verdict", _verdict("clm_sure", needs_review=False)),
        ("3-0", "verdict", _verdict("clm_low", checkworthiness=0.1)),
        ("4-0", "verdict", _verdict("clm_mid", checkworthiness=0.5)),  # already queued
    ]
    out = _run(entries, routes, [])
    assert _ids(out) == ["clm_top", "clm_mid", "clm_low"]


def test_a_colleagues_ruling_takes_the_claim_out_and_reads_in_the_feed() -> None:
    routes = {"/v1/review-queue": [_queue(_item("clm_old", 0.8))]}
    reviewed = {
        "claim_id": "clm_new",
        "article_id": "art_1",
        "label": "refuted",
        "model_label": "supported",
        "note": HOSTILE,
        "reviewer": "Ann <script>",
        "reviewed_at": "2024-05-01T10:00:00Z",
        "newsroom": "daily-planet",
    }
    entries: list[Entry] = [
        ("1-0", "verdict", _verdict("clm_new", claim=HOSTILE, checkworthiness=0.9)),
        ("2-0", "verdict.reviewed", reviewed),
        # the queue page may have been read before this review was made
        ("3-0", "verdict.reviewed", {**reviewed, "claim_id": "clm_old", "note": None}),
        ("4-0", "verdict.reviewed", {**reviewed, "supersedes": "2024-05-01T10:00:00Z"}),
    ]
    out = _run(entries, routes, [])
    assert _ids(out) == []
    lines = [n for n in out["feed"] if n["className"] == "reviewed"]
    again, old, new = lines
    assert f"“{HOSTILE}” reviewed as refuted by Ann <script>" in node_text(new)
    assert f"note: {HOSTILE}" in node_text(new)
    assert "model: supported" in node_text(new)
    assert "clm_old reviewed as refuted by Ann <script>" in node_text(old)
    assert "re-reviewed as refuted" in node_text(again)
    assert new["attributes"]["data-label"] == "refuted"


def test_a_claim_deep_in_a_long_paragraph_shows_the_text_around_it_cut_at_spaces() -> None:
    before = " ".join(f"word{i}" for i in range(200))
    text = before + " " + SOURCE + " " + before
    start = text.index(SOURCE)
    item = {**_in_article(), "start": start, "end": start + len(SOURCE)}
    routes = {
        "/v1/review-queue": [_queue(item)],
        "/v1/articles/art_1": [[200, {"article_id": "art_1", "text": text, "claims": []}]],
    }
    out = _run([], routes, [])
    [context] = [n for n in walk(out["queue"][0]) if "review-context" in n["className"]]
    shown = node_text(context)
    assert shown.startswith("… word") and shown.endswith(" …")
    assert SOURCE in shown and len(shown) < len(SOURCE) + 2 * 280 + 10
    assert shown[2:-2] in text  # whole words: cut at spaces
    assert text[text.index(shown[2:-2]) - 1] == " "


def test_a_queued_claim_shows_its_conflicts_and_the_reason_under_the_models_label() -> None:
    conflicts = [
        {
            "slot": "quantity",
            "claim": "5 percent",
            "source": "2 percent",
            "doc_id": "stats",
            "sentence": "Tax receipts fell 2% in 2023.",
        },
        {
            "slot": "name",
            "claim": HOSTILE,
            "source": "Shelbyville",
            "doc_id": "stats",
            "sentence": HOSTILE,
        },
    ]
    reason = "The source says 2 percent, not 5 percent."
    item = {**_in_article(), "verdict": {**_in_article()["verdict"], "conflicts": conflicts}}
    item["verdict"]["reason"] = reason
    routes = {
        "/v1/review-queue": [_queue(item)],
        "/v1/articles/art_1": [[200, {"article_id": "art_1", "text": ARTICLE_TEXT, "claims": []}]],
    }
    out = _run([], routes, [])
    [queued] = out["queue"]
    head, *rest = queued["children"]
    assert "model: refuted" in node_text(head)
    why = [(c["className"], node_text(c), c["attributes"].get("title")) for c in rest[:3]]
    sentence = "“Tax receipts fell 2% in 2023.”"
    assert why == [
        ("conflict", "quantity claim: 5 percent · source: 2 percent", sentence),
        ("conflict", f"name claim: {HOSTILE} · source: Shelbyville", f"“{HOSTILE}”"),
        ("evidence reason", f"reason: {reason}", None),
    ]
    # then the claim in its article
    assert "review-context" in rest[3]["className"]
    assert not [n for n in walk(queued) if n["tag"] in ("img", "b")]


CORRECTED = "The mayor of Springfield said taxes fell by 5 percent in 2023."
NOT_STAND_ALONE = "not stand-alone: a reference is left as the article wrote it"


def test_an_editor_corrects_the_checked_text_and_the_claim_shows_it() -> None:
    item = {**_in_article(), "stand_alone": False}
    edit = {"editor": "Jane", "revision": 1, "extracted_text": item["text"]}
    answer = {**item, "text": CORRECTED, "status": "queued", "checked_text_edit": edit}
    routes = {
        "/v1/review-queue": [_queue(item, {**_item("clm_lone", 0.5), "stand_alone": False})],
        "/v1/articles/art_1": [[200, {"article_id": "art_1", "text": ARTICLE_TEXT, "claims": []}]],
        "/v1/claims/": [[200, answer]],
    }
    before = _run([], routes, [])
    art, lone = before["queue"]
    assert NOT_STAND_ALONE in node_text(art) and NOT_STAND_ALONE in node_text(lone)
    [box] = [n for n in walk(art) if n["className"] == "checked-text-input"]
    assert box["value"] == item["text"]  # the text checked, ready to correct

    actions = [
        {"correct": "clm_art", "text": CORRECTED},  # no name yet: nothing is sent
        {"set": "reviewer-name", "value": " Jane "},
        {"correct": "clm_art", "text": "  " + CORRECTED + " "},
    ]
    out = _run([], routes, actions)
    [patch] = [r for r in out["requests"] if r["method"] == "PATCH"]
    assert patch["url"] == "/v1/claims/clm_art"
    assert json.loads(patch["body"]) == {"checked_text": CORRECTED, "editor": "Jane"}
    assert UUID.match(patch["headers"]["Idempotency-Key"])
    art = out["queue"][0]
    shown = node_text(art)
    assert f"checked as: {CORRECTED}" in shown and "checked text corrected by Jane" in shown
    assert NOT_STAND_ALONE not in shown and item["text"] not in shown
    assert "checked again with your text (revision 1)" in shown
    assert [n["text"] for n in walk(art) if n["tag"] == "mark"] == [SOURCE]  # still in its article
    assert _ids(out) == ["clm_art", "clm_lone"]  # it waits for its re-check


def test_a_recheck_of_a_queued_claim_replaces_its_verdict() -> None:
    routes = {"/v1/review-queue": [_queue(_item("clm_a", 0.9), _item("clm_b", 0.5))]}
    update = _verdict(
        "clm_a", claim=CORRECTED, label="conflicting", revision=1, checkworthiness=0.9,
        checked_text_edit={"editor": "Sam Desk", "revision": 1},
    )  # fmt: skip
    first_check = _verdict("clm_a", checkworthiness=0.9)
    out = _run([("1-0", "verdict", first_check), ("2-0", "verdict.updated", update)], routes, [])
    assert _ids(out) == ["clm_a", "clm_b"]
    first = node_text(out["queue"][0])
    assert "model: conflicting" in first and "model: supported" not in first
    assert CORRECTED in first and "checked text corrected by Sam Desk" in first
