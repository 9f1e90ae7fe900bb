"""Why a verdict is what it is, in real headless Chromium: the details the claim states one
way and a source another (``conflicts``) and the verdict's ``reason``, in the feed card,
the article view and the review queue, shown as text (they are source text).

No worker runs: the test publishes the verdicts itself, through the publisher a worker uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.schemas import DetailConflict
from tests.browser import helpers as ui
from tests.e2e.conftest import Stack, StackFactory

pytestmark = pytest.mark.e2e

HOSTILE = '<img src=x onerror="window.claimcheckXss=1"> <b>40</b>'
DATE = DetailConflict(
    slot="date",
    claim="4 March 2022",
    source="4 January 2022",
    doc_id="ceasefire",
    sentence="The ceasefire was signed on 4 January 2022.",
)
QUANTITY = DetailConflict(
    slot="quantity", claim="12", source=HOSTILE, doc_id="ceasefire", sentence=HOSTILE
)
REASON = "The source says 4 January 2022, not 4 March 2022."

SHOWN = (
    "return [...document.querySelectorAll(arguments[0] + ' > .conflict, '"
    " + arguments[0] + ' > .reason')].map(p => [p.className, p.textContent, p.title])"
)
"""The conflicts and reason directly inside the element arguments[0] selects."""


def _publish(stack: Stack, claim_id: str, conflicts: list[DetailConflict], reason: str) -> None:
    ui.publish_verdict(
        stack,
        claim_id,
        label="refuted",
        confidence=0.6,
        needs_review=True,
        conflicts=conflicts,
        reason=reason,
    )


def _expected(conflicts: list[DetailConflict], reason: str) -> list[list[str]]:
    rows = [
        ["conflict", f"{c.slot} claim: {c.claim} · source: {c.source}", f"“{c.sentence}”"]
        for c in conflicts
    ]
    return [*rows, ["evidence reason", f"reason: {reason}", ""]]


@pytest.mark.timeout(300)
def test_conflicts_and_the_reason_show_in_the_feed_the_article_and_the_review_queue(
    stack_factory: StackFactory, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    stack = ui.newsroom_stack(stack_factory)
    artifacts = ui.artifacts_dir(tmp_path)
    driver = browser
    article = ui.submit_seed_article(stack)
    first, live = article["claims"][0]["claim_id"], article["claims"][1]["claim_id"]
    _publish(stack, first, [DATE, QUANTITY], REASON)
    ui.sign_in(driver, stack.base_url, ui.KEY)

    # the feed card: right under the label row, before the claim
    card = f'#feed li.verdict[data-claim-id="{first}"]'
    ui.wait(driver, "the card", lambda: driver.find_elements(By.CSS_SELECTOR, card))
    assert ui.js(driver, SHOWN, card) == _expected([DATE, QUANTITY], REASON)
    order = ui.js(
        driver,
        "return [...document.querySelector(arguments[0]).children].map(c => c.className)",
        card,
    )
    assert order[:5] == ["row", "conflict", "conflict", "evidence reason", "claim"]
    driver.find_element(By.CSS_SELECTOR, card).screenshot(str(artifacts / "conflicts-card.png"))
    slot = driver.find_element(By.CSS_SELECTOR, f"{card} .conflict .slot")
    assert slot.text.lower() == "date"  # a small label
    size = "return parseFloat(getComputedStyle(document.querySelector(arguments[0])).fontSize)"
    assert ui.js(driver, size, f"{card} .conflict .slot") < ui.js(driver, size, f"{card} .claim")

    # the article view: each claim with its label, conflicts and reason; live as they come
    driver.find_element(By.CSS_SELECTOR, f"{card} .meta button.link").click()
    row = f'#article-claims li[data-claim-id="{first}"]'
    ui.wait(driver, "the article's claims", lambda: driver.find_elements(By.CSS_SELECTOR, row))
    assert ui.js(driver, SHOWN, row) == _expected([DATE, QUANTITY], REASON)
    labels = ui.js(
        driver,
        "return [...document.querySelectorAll('#article-claims li')].map(li => li.dataset.label)",
    )
    assert len(labels) == len(article["claims"]) and labels.count("refuted") == 1
    live_row = f'#article-claims li[data-claim-id="{live}"]'
    assert driver.find_element(By.CSS_SELECTOR, live_row).get_attribute("data-label") == "pending"
    _publish(stack, live, [DATE], REASON)
    ui.wait(
        driver,
        "the live verdict in the article view",
        lambda: ui.js(driver, SHOWN, live_row) == _expected([DATE], REASON),
    )
    assert driver.find_element(By.CSS_SELECTOR, live_row).get_attribute("data-label") == "refuted"
    driver.find_element(By.ID, "article-claims").screenshot(
        str(artifacts / "conflicts-article.png")
    )

    # the review queue: under the model's label
    driver.find_element(By.ID, "tab-review").click()
    item = f'#review-queue li.queue-item[data-claim-id="{first}"]'
    ui.wait(driver, "the queued claim", lambda: driver.find_elements(By.CSS_SELECTOR, item))
    assert ui.js(driver, SHOWN, item) == _expected([DATE, QUANTITY], REASON)
    driver.save_screenshot(str(artifacts / "conflicts-review-phone.png"))

    # source text stays text; the page still fits a phone; the policy never fired
    assert not driver.find_elements(By.CSS_SELECTOR, "#feed img, #feed b, #review-queue img")
    assert not driver.find_elements(By.CSS_SELECTOR, "#article-claims img, #article-claims b")
    assert ui.js(driver, "return window.claimcheckXss") is None
    assert ui.js(driver, "return document.documentElement.scrollWidth") <= ui.PHONE[0]
    assert not ui.policy_violations(driver)
