"""The review view in real headless Chromium against a real intake process and real Redis.

No worker runs: the test publishes the verdicts itself, through the publisher a worker
uses, so it decides which claims need review. Two separate browsers follow the same
newsroom: one editor rules on a claim, and the other sees it leave the queue live.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.schemas import Evidence, Label, Verdict
from tests.browser import helpers as ui
from tests.browser.conftest import Chromium
from tests.e2e.conftest import SEED_ARTICLE, Stack, StackFactory

pytestmark = pytest.mark.e2e

REVIEWER = 'Jane <img src=x onerror="window.claimcheckXss=1">'
NOTE = "The ministry's own figures say otherwise <b>(see link)</b>."
LONE = "The city council approved 42 new bus routes in March 2024."
EVIDENCE = Evidence(
    source="kb",
    doc_id="transit",
    title="Transit report",
    url="https://example.org/transit",
    text="Only 12 routes were added, the report says.",
    stance="refutes",
    score=0.71,
)


def _publish(stack: Stack, claim_id: str, label: Label, confidence: float) -> Verdict:
    return ui.publish_verdict(
        stack, claim_id, label=label, confidence=confidence, needs_review=True, evidence=[EVIDENCE]
    )


def _queued(driver: Any) -> list[str]:
    return list(
        ui.js(
            driver,
            "return [...document.querySelectorAll('#review-queue li.queue-item')]"
            ".map(li => li.dataset.claimId)",
        )
    )


def _wait_queue(driver: Any, what: str, test: Callable[[list[str]], bool]) -> None:
    ui.wait(driver, what, lambda: test(_queued(driver)))


def _open_review(driver: Any, base_url: str) -> None:
    from selenium.webdriver.common.by import By

    ui.sign_in(driver, base_url, ui.KEY)
    driver.find_element(By.ID, "tab-review").click()
    ui.wait(driver, "the review view", driver.find_element(By.ID, "review-queue").is_displayed)
    assert not driver.find_element(By.ID, "feed").is_displayed()


@pytest.mark.timeout(300)
def test_an_editor_rules_on_a_queued_claim_and_a_colleague_sees_it_leave(
    stack_factory: StackFactory, chromium: Chromium, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    stack = ui.newsroom_stack(stack_factory, two_newsrooms=True)
    artifacts = ui.artifacts_dir(tmp_path)
    article = ui.submit_seed_article(stack)
    with stack.http(**{"X-API-Key": ui.KEY}) as http:
        lone_id = http.post("/v1/claims", json={"text": LONE}).json()["claim_id"]
    claims = sorted(article["claims"], key=lambda c: -(c["checkworthiness"] or 0))
    first, live = claims[0], claims[1]
    # two claims wait before the pages open; one more arrives while they are open
    _publish(stack, first["claim_id"], "supported", 0.52)
    _publish(stack, lone_id, "not_enough_info", 0.4)

    editor, colleague = chromium(), chromium()
    for driver in (editor, colleague):
        _open_review(driver, stack.base_url)
        _wait_queue(driver, "the queue", lambda ids: len(ids) == 2)
    assert _queued(editor)[0] == first["claim_id"]  # most check-worthy first

    # the claim is marked in its article; the lone claim is its text
    item = editor.find_element(
        By.CSS_SELECTOR, f'#review-queue li[data-claim-id="{first["claim_id"]}"]'
    )
    mark = ui.wait(editor, "the marked claim", lambda: item.find_elements(By.CSS_SELECTOR, "mark"))[
        0
    ]
    seed = SEED_ARTICLE.read_text(encoding="utf-8")
    assert mark.text == first["source_text"] == seed[first["start"] : first["end"]]
    assert mark.get_attribute("data-label") == "supported"
    assert "model: supported" in item.text and "confidence 0.52" in item.text
    quote = item.find_element(By.CSS_SELECTOR, "a.evidence-text")
    assert quote.text == f"“{EVIDENCE.text}”" and quote.get_dom_attribute("href") == EVIDENCE.url
    buttons = item.find_elements(By.CSS_SELECTOR, "button.review-button")
    labels = [b.get_attribute("data-label") for b in buttons]
    assert labels == ["supported", "refuted", "not_enough_info", "conflicting"]
    lone = editor.find_element(By.CSS_SELECTOR, f'#review-queue li[data-claim-id="{lone_id}"]')
    assert LONE in lone.text and "lone claim" in lone.text
    assert not lone.find_elements(By.TAG_NAME, "mark")

    # a verdict that needs review joins both queues without a reload
    _publish(stack, live["claim_id"], "conflicting", 0.5)
    for driver in (editor, colleague):
        _wait_queue(driver, "the live verdict", lambda ids: live["claim_id"] in ids)
    assert _queued(editor) == _queued(colleague)
    editor.save_screenshot(str(artifacts / "review-queue-phone.png"))
    assert ui.js(editor, "return document.documentElement.scrollWidth") <= ui.PHONE[0]

    # the editor rules: refuted, with a note
    editor.find_element(By.ID, "reviewer-name").send_keys(REVIEWER)
    item.find_element(By.CSS_SELECTOR, "textarea.review-note").send_keys(NOTE)
    item.find_element(By.CSS_SELECTOR, 'button[data-label="refuted"]').click()
    ui.wait(
        editor,
        "the saved ruling",
        lambda: (
            ui.js(editor, "return document.getElementById('review-result').dataset.claimId")
            == first["claim_id"]
        ),
    )
    result = editor.find_element(By.ID, "review-result").text
    assert "reviewed as refuted (the model said supported)" in result
    assert first["claim_id"] not in _queued(editor)
    with stack.http(**{"X-API-Key": ui.KEY}) as http:
        status = http.get(f"/v1/claims/{first['claim_id']}").json()
    review = status["review"]
    assert (review["label"], review["model_label"]) == ("refuted", "supported")
    assert (review["reviewer"], review["note"]) == (REVIEWER, NOTE)
    reviewed = [e for e in stack.entries() if e.type == "verdict.reviewed"]
    assert [e.data["claim_id"] for e in reviewed] == [first["claim_id"]]  # one click, one entry

    # the colleague's queue loses it live, and the feed says who ruled
    ui.wait(colleague, "the item to vanish", lambda: first["claim_id"] not in _queued(colleague))
    with stack.http(**{"X-API-Key": ui.KEY}) as http:
        waiting = [i["claim_id"] for i in http.get("/v1/review-queue").json()["items"]]
    assert sorted(waiting) == sorted([live["claim_id"], lone_id])
    assert _queued(colleague) == _queued(editor) == waiting  # in the API's order
    line_css = f'#feed li.reviewed[data-claim-id="{first["claim_id"]}"]'
    line = ui.wait(
        colleague, "the feed line", lambda: colleague.find_elements(By.CSS_SELECTOR, line_css)
    )
    shown = ui.js(colleague, "return arguments[0].textContent", line[0])
    assert f"reviewed as refuted by {REVIEWER}" in shown and f"note: {NOTE}" in shown
    # its card now shows the ruling (it said "needs review"), the model's label beside it
    card_css = f'#feed li.verdict[data-claim-id="{first["claim_id"]}"]'
    card = ui.js(
        colleague,
        "const li = document.querySelector(arguments[0]);"
        " return [li.dataset.state, li.querySelector('.badge').textContent,"
        " li.querySelector('.model-label').textContent, li.querySelector('.ruling').textContent]",
        card_css,
    )
    assert card == ["reviewed", "refuted", "model: supported", f"editor's ruling by {REVIEWER}"]
    colleague.find_element(By.ID, "tab-feed").click()
    ui.wait(colleague, "the feed", colleague.find_element(By.ID, "feed").is_displayed)
    colleague.save_screenshot(str(artifacts / "review-feed-line-phone.png"))
    for driver in (editor, colleague):
        assert not driver.find_elements(By.CSS_SELECTOR, "#feed img, #feed b, #review-queue b")
        assert ui.js(driver, "return window.claimcheckXss") is None

    # the name is remembered in the tab; the ruled claim stays out after a reload
    editor.refresh()
    ui.wait(editor, "live", lambda: ui.js(editor, "return document.body.dataset.stream") == "live")
    assert editor.find_element(By.ID, "reviewer-name").get_attribute("value") == REVIEWER
    ui.wait(editor, "the queue", lambda: len(_queued(editor)) == 2)
    assert _queued(editor) == waiting
    for driver in (editor, colleague):
        assert not ui.policy_violations(driver)
