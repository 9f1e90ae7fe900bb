"""What a claim came to, in real headless Chromium against a real intake and real Redis: a
verdict that waits for an editor reads as "needs review" (in words, not only a colour), an
editor's ruling is the outcome in the article view (the model's verdict second), and the
article view opens where the reader is, even from deep in the feed.

No worker runs: the test publishes the verdicts itself, through the publisher a worker
uses, and rules on claims through the API as an editor does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.schemas import Label
from tests.browser import helpers as ui
from tests.e2e.conftest import Stack, StackFactory

pytestmark = pytest.mark.e2e

EDITOR = 'Jane <img src=x onerror="window.claimcheckXss=1">'
NOTE = "The council's minutes say <b>12</b> routes."

ROW = (
    "const li = document.querySelector('#article-claims li[data-claim-id=\"' + arguments[0]"
    " + '\"]'); if (!li) return null;"
    " const text = (css) => { const n = li.querySelector(css); return n && n.textContent; };"
    " return {state: li.dataset.state, label: li.dataset.label,"
    " badge: text('.row > .badge'), badgeClass: li.querySelector('.row > .badge').className,"
    " ruling: text('.ruling'), note: text('.ruling-note'), model: text('.model-verdict'),"
    " order: [...li.children].map(c => c.className)}"
)
"""A claim's line in the article view (arguments[0]: its claim id), as the reader sees it."""

MARK = (
    "const m = document.querySelector('#article-text-view mark[data-claim-id=\"' + arguments[0]"
    " + '\"]'); return m && {state: m.dataset.state, label: m.dataset.label, title: m.title,"
    " background: getComputedStyle(m).backgroundColor}"
)
"""A claim's mark in the article's text (arguments[0]: its claim id)."""

CARD = (
    "const li = document.querySelector('#feed li.verdict[data-claim-id=\"' + arguments[0]"
    " + '\"]'); if (!li) return null; const badge = li.querySelector('.row > .badge');"
    " const model = li.querySelector('.model-label');"
    " return {state: li.dataset.state, badge: badge.textContent, badgeClass: badge.className,"
    " background: getComputedStyle(badge).backgroundColor, model: model && model.textContent,"
    " edge: getComputedStyle(li).borderLeftStyle, text: li.textContent}"
)
"""A claim's card in the feed (arguments[0]: its claim id)."""

SOLID = (
    "return getComputedStyle(document.querySelector('#counts .label-' + arguments[0]))"
    ".backgroundColor"
)
"""The colour a decided label is painted in (arguments[0]: the label)."""


def _start(stack_factory: StackFactory) -> tuple[Stack, list[dict[str, Any]]]:
    """The intake, and the seed article submitted: its claims, in the article's order."""
    stack = ui.newsroom_stack(stack_factory)
    claims = sorted(ui.submit_seed_article(stack)["claims"], key=lambda c: c["start"])
    assert len(claims) >= 4
    return stack, claims


def _publish(
    stack: Stack, claim_id: str, label: Label, confidence: float, *, needs_review: bool
) -> None:
    ui.publish_verdict(
        stack, claim_id, label=label, confidence=confidence, needs_review=needs_review
    )


def _rule(stack: Stack, claim_id: str, label: Label, reviewer: str, note: str | None) -> None:
    """An editor's ruling through the API (as the review view posts it)."""
    body = {"label": label, "reviewer": reviewer, **({"note": note} if note else {})}
    with stack.http(**{"X-API-Key": ui.KEY}) as http:
        response = http.post(f"/v1/claims/{claim_id}/review", json=body)
    assert response.status_code == 201, response.text


def _open_from_card(driver: Any, claim_id: str) -> None:
    """Click the article button of a claim's card in the feed; wait for the article view."""
    from selenium.webdriver.common.by import By

    css = f'#feed li.verdict[data-claim-id="{claim_id}"] .meta button.link'
    button = ui.wait(
        driver, "the card's article button", lambda: driver.find_elements(By.CSS_SELECTOR, css)
    )[0]
    ui.js(driver, "arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    ui.wait(driver, "the article view", lambda: ui.js(driver, ROW, claim_id) is not None)


@pytest.mark.timeout(180)
def test_a_verdict_that_needs_review_reads_as_needing_review_not_as_decided(
    stack_factory: StackFactory, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    stack, claims = _start(stack_factory)
    artifacts = ui.artifacts_dir(tmp_path)
    decided, waiting, live = (c["claim_id"] for c in claims[:3])
    _publish(stack, decided, "supported", 0.93, needs_review=False)
    _publish(stack, waiting, "refuted", 0.55, needs_review=True)
    driver = browser
    ui.sign_in(driver, stack.base_url, ui.KEY)

    # the feed: a decided card shows its label; a card that needs review says so, in its
    # badge and in place of the label's colour, the model's label beside it as a guess
    ui.wait(
        driver, "both cards", lambda: ui.js(driver, CARD, waiting) and ui.js(driver, CARD, decided)
    )
    card = ui.js(driver, CARD, decided)
    assert (card["state"], card["badge"], card["model"]) == ("decided", "supported", None)
    assert "label-supported" in card["badgeClass"] and "needs review" not in card["text"]
    for claim_id, name in ((decided, "card-decided"), (waiting, "card-needs-review")):
        card_css = f'#feed li.verdict[data-claim-id="{claim_id}"]'
        driver.find_element(By.CSS_SELECTOR, card_css).screenshot(str(artifacts / f"{name}.png"))
    card = ui.js(driver, CARD, waiting)
    assert (card["state"], card["badge"], card["model"]) == (
        "review",
        "needs review",
        "model: refuted",
    )
    assert "label-refuted" not in card["badgeClass"]
    assert card["background"] != ui.js(driver, SOLID, "refuted")
    assert card["edge"] == "dashed" and ui.js(driver, CARD, decided)["edge"] == "solid"

    # the article view: the same, under the text and in its marks
    _open_from_card(driver, waiting)
    row = ui.js(driver, ROW, decided)
    assert (row["state"], row["label"], row["badge"], row["model"]) == (
        "decided", "supported", "supported", None
    )  # fmt: skip
    row = ui.js(driver, ROW, waiting)
    assert (row["state"], row["badge"], row["model"]) == (
        "review",
        "needs review",
        "model: refuted · confidence 0.55 · waiting for an editor's ruling",
    )
    assert "label-refuted" not in row["badgeClass"] and row["ruling"] is None
    mark = ui.js(driver, MARK, waiting)
    assert (mark["state"], mark["label"]) == ("review", "refuted")
    assert mark["title"] == "needs review: the model says refuted (0.55)"
    assert mark["background"] != ui.js(driver, SOLID, "refuted")
    assert ui.js(driver, MARK, decided)["background"] == ui.js(driver, SOLID, "supported")

    # a verdict that needs review arriving while the article is open reads the same
    assert ui.js(driver, ROW, live)["state"] == "pending"
    _publish(stack, live, "conflicting", 0.4, needs_review=True)
    ui.wait(driver, "the live verdict", lambda: ui.js(driver, ROW, live)["state"] == "review")
    assert ui.js(driver, ROW, live)["badge"] == "needs review"
    assert ui.js(driver, MARK, live)["state"] == "review"
    driver.save_screenshot(str(artifacts / "needs-review-article-phone.png"))
    row_css = f'#article-claims li[data-claim-id="{waiting}"]'
    driver.find_element(By.CSS_SELECTOR, row_css).screenshot(str(artifacts / "needs-review.png"))
    assert ui.js(driver, "return document.documentElement.scrollWidth") <= ui.PHONE[0]
    assert not ui.policy_violations(driver)


@pytest.mark.timeout(180)
def test_the_article_view_shows_an_editors_ruling_as_the_outcome(
    stack_factory: StackFactory, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    stack, claims = _start(stack_factory)
    earlier, later = claims[0]["claim_id"], claims[1]["claim_id"]
    _publish(stack, earlier, "supported", 0.52, needs_review=True)
    _publish(stack, later, "refuted", 0.55, needs_review=True)
    _rule(stack, earlier, "refuted", EDITOR, NOTE)  # before the page opens
    driver = browser
    ui.sign_in(driver, stack.base_url, ui.KEY)

    # ruled before the article opened: the editor's label is the outcome, marked as theirs
    _open_from_card(driver, later)
    row = ui.js(driver, ROW, earlier)
    assert (row["state"], row["label"], row["badge"]) == ("reviewed", "refuted", "refuted")
    assert "label-refuted" in row["badgeClass"]
    assert row["ruling"] == f"editor's ruling by {EDITOR}" and row["note"] == f"note: {NOTE}"
    assert row["model"] == "model: supported · confidence 0.52"  # second to the ruling
    assert row["order"][:4] == ["row", "ruling", "ruling-note", "meta model-verdict"]
    mark = ui.js(driver, MARK, earlier)
    assert (mark["state"], mark["label"]) == ("reviewed", "refuted")
    assert mark["background"] == ui.js(driver, SOLID, "refuted")
    assert mark["title"] == "refuted: editor's ruling; the model said supported (0.52)"
    card = ui.js(driver, CARD, earlier)
    assert (card["state"], card["badge"], card["model"]) == (
        "reviewed",
        "refuted",
        "model: supported",
    )
    assert f"editor's ruling by {EDITOR}" in card["text"]

    # ruled while the article is open (a colleague, through the stream): shown live
    assert ui.js(driver, ROW, later)["state"] == "review"
    _rule(stack, later, "supported", "Sam Editor", None)
    ui.wait(driver, "the live ruling", lambda: ui.js(driver, ROW, later)["state"] == "reviewed")
    row = ui.js(driver, ROW, later)
    assert (row["label"], row["badge"], row["ruling"], row["note"]) == (
        "supported", "supported", "editor's ruling by Sam Editor", None
    )  # fmt: skip
    assert row["model"] == "model: refuted · confidence 0.55"
    assert (ui.js(driver, MARK, later)["state"], ui.js(driver, MARK, later)["label"]) == (
        "reviewed", "supported"
    )  # fmt: skip
    ui.wait(driver, "the card's ruling", lambda: ui.js(driver, CARD, later)["state"] == "reviewed")
    assert ui.js(driver, CARD, later)["badge"] == "supported"
    artifacts = ui.artifacts_dir(tmp_path)
    driver.save_screenshot(str(artifacts / "ruling-article-phone.png"))
    for claim_id, name in ((earlier, "ruled-before"), (later, "ruled-live")):
        row_css = f'#article-claims li[data-claim-id="{claim_id}"]'
        driver.find_element(By.CSS_SELECTOR, row_css).screenshot(str(artifacts / f"{name}.png"))
    # the editor's words stay text
    assert not ui.js(
        driver, "return document.querySelectorAll('#feed img, #article-view img').length"
    )
    assert ui.js(driver, "return window.claimcheckXss") is None
    assert not ui.policy_violations(driver)


@pytest.mark.timeout(180)
def test_an_article_opened_deep_in_the_feed_opens_in_view_with_the_focus(
    stack_factory: StackFactory, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    stack, claims = _start(stack_factory)
    first = claims[0]["claim_id"]
    _publish(stack, first, "supported", 0.9, needs_review=False)
    # newer verdicts (lone claims) push its card far down the feed
    fillers = 30
    for n in range(fillers):
        data = {
            "claim_id": f"clm_filler_{n}",
            "article_id": None,
            "newsroom": ui.NEWSROOM,
            "claim": f"Filler claim number {n} keeps the feed long on a phone.",
            "label": "supported",
            "confidence": 0.9,
            "needs_review": False,
        }
        stack.redis.xadd(
            stack.settings.verdict_stream, {"type": "verdict", "data": json.dumps(data)}
        )
    driver = browser
    ui.sign_in(driver, stack.base_url, ui.KEY)
    count = "return document.querySelectorAll('#feed li.verdict').length"
    ui.wait(driver, "the long feed", lambda: ui.js(driver, count) == fillers + 1)

    css = f'#feed li.verdict[data-claim-id="{first}"] .meta button.link'
    button = driver.find_element(By.CSS_SELECTOR, css)
    ui.js(driver, "arguments[0].scrollIntoView({block: 'center'})", button)
    assert ui.js(driver, "return window.scrollY") > 2 * ui.js(driver, "return window.innerHeight")
    button.click()

    in_view = (
        "const view = document.getElementById('article-view');"
        " const header = document.querySelector('header.top').getBoundingClientRect();"
        " const box = view.getBoundingClientRect();"
        " return !view.hidden && view.querySelector('#article-claims li') !== null"
        " && box.top >= header.bottom - 1 && box.top < window.innerHeight - 100"
    )
    ui.wait(driver, "the article view in view", lambda: ui.js(driver, in_view))
    heading = ui.js(
        driver, "return document.getElementById('article-heading').getBoundingClientRect()"
    )
    assert heading["top"] >= 0 and heading["bottom"] <= ui.js(driver, "return window.innerHeight")
    assert driver.find_element(By.ID, "article-heading").text == "Da Nang"
    # the focus moved to it: a keyboard or screen-reader user is where they clicked to go
    assert ui.js(driver, "return document.activeElement.id") == "article-view"
    driver.save_screenshot(str(ui.artifacts_dir(tmp_path) / "article-in-view-phone.png"))

    # closing it gives the focus back to the card's button, deep in the feed
    driver.find_element(By.ID, "article-close").click()
    ui.wait(
        driver,
        "the article view closed",
        lambda: ui.js(driver, "return document.getElementById('article-view').hidden"),
    )
    assert ui.js(driver, "return document.activeElement === arguments[0]", button)
    assert not ui.policy_violations(driver)
