"""The dashboard in real headless Chromium against real intake and worker processes.

Chromium and its driver come from Debian (``apt-get install chromium chromium-driver``);
Selenium is pointed at both binaries, so nothing downloads a browser. Without them the
test is skipped with the reason. It prints the stream-to-screen latency of the verdicts
(stream id's millisecond timestamp → rendered, measured in the page) and saves
screenshots under ``$CLAIMCHECK_TEST_ARTIFACTS`` (default: the test's tmp dir).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cli.processes import http_ready, python_module, wait_until
from tests.browser.helpers import PHONE, artifacts_dir, js, policy_violations, wait
from tests.e2e.conftest import SEED_ARTICLE, Stack, StackFactory

pytestmark = pytest.mark.e2e

KEY = "dp-browser-key-0123456789-aaaaaaaaa"
AUTH = {
    "auth_enabled": True,
    "api_keys": {"daily-planet": KEY, "daily-star": "ds-other-key-987-bbbbbbbbbbbbbbbbbbbb"},
}

AWAY_EVIDENCE = {
    "source": "kb",
    "doc_id": "away",
    "title": "Away <b>desk</b>",
    "url": "https://example.org/away",
    "link": "https://example.org/away#:~:text=Dashboards%20reconnect",
    "text": 'Dashboards reconnect <img src=x onerror="window.claimcheckXss=1"> by themselves.',
    "stance": "refutes",
    "score": 0.9,
    "start": 120,
    "end": 196,
}


def _web_url(url: str | None) -> str | None:
    """What the dashboard may link to: http(s) addresses only."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _restart_intake(stack: Stack) -> None:
    """Start the intake again on the same port (the page keeps its URL)."""
    stack.group.start("intake", python_module("cli", "serve"), stack.env)
    wait_until(
        lambda: http_ready(f"{stack.base_url}/readyz"), timeout=60, what="intake", group=stack.group
    )


@pytest.mark.timeout(300)
def test_dashboard_submits_the_seed_article_and_shows_its_verdicts_live(
    stack_factory: StackFactory, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    stack = stack_factory(**AUTH, sse_keepalive_s=1)
    stack.start_worker(concurrency=2)
    stack.start_intake()
    artifacts = artifacts_dir(tmp_path)
    driver = browser

    driver.get(f"{stack.base_url}/dashboard")
    # auth is on: the page asks for the newsroom's key, then goes live
    key_input = wait(driver, "the key form", lambda: driver.find_element(By.ID, "api-key"))
    wait(driver, "the key form to show", key_input.is_displayed)
    key_input.send_keys(KEY)
    driver.find_element(By.CSS_SELECTOR, "#key-form button").click()
    wait(driver, "live", lambda: js(driver, "return document.body.dataset.stream") == "live")

    # submit the seed article through the page's form
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    js(driver, "document.getElementById('article-text').value = arguments[0]", text)
    js(driver, "document.getElementById('article-title').value = 'Da Nang'")
    driver.find_element(By.ID, "submit-button").click()
    article_id = wait(
        driver,
        "the submission",
        lambda: js(driver, "return document.getElementById('submit-result').dataset.articleId"),
    )
    with stack.http(**{"X-API-Key": KEY}) as http:
        article = http.get(f"/v1/articles/{article_id}").json()
    claims = {c["claim_id"]: c for c in article["claims"]}
    assert len(claims) >= 10

    # every verdict appears in the feed, and its claim is highlighted in the article view
    feed_selector = f'#feed li.verdict[data-article-id="{article_id}"]'
    wait(
        driver,
        f"{len(claims)} verdicts in the feed",
        lambda: len(driver.find_elements(By.CSS_SELECTOR, feed_selector)) >= len(claims),
        timeout=180,
    )
    verdicts = {e.data["claim_id"]: e for e in stack.verdicts_for(set(claims))}
    assert set(verdicts) == set(claims)

    def highlighted() -> dict[str, tuple[str, str]]:
        marks = js(
            driver,
            "return [...document.querySelectorAll('#article-text-view mark')]"
            ".map(m => [m.dataset.claimId, m.dataset.label, m.textContent])",
        )
        return {claim_id: (label, shown) for claim_id, label, shown in marks}

    wait(
        driver,
        "every claim coloured by its verdict",
        lambda: all(
            highlighted().get(cid, ("", ""))[0] == verdicts[cid].data["label"] for cid in claims
        ),
    )
    marks = highlighted()
    for claim_id, claim in claims.items():
        label, shown = marks[claim_id]
        assert shown == text[claim["start"] : claim["end"]] == claim["source_text"]
        assert label == verdicts[claim_id].data["label"]
    # the sentences not made claims are greyed, the reason on hover
    greyed = js(
        driver,
        "return [...document.querySelectorAll('#article-text-view span.skipped-sentence')]"
        ".map(s => [s.textContent, s.dataset.reason, s.title, getComputedStyle(s).color])",
    )
    assert [g[0] for g in greyed] == [s["text"] for s in article["skipped_sentences"]]
    hover = {shown: title for shown, _reason, title, _colour in greyed}
    assert hover["The White house explained “unmatched graphics” presidents."] == (
        "not a claim: unreadable (garbled quote)"
    )
    russian = next(t for t in hover if t.startswith("Трамп"))
    assert hover[russian] == "not a claim: non-English (ru)"
    assert any(t.startswith("not a claim: quote rhetoric (score 0.") for t in hover.values())
    assert {colour for *_rest, colour in greyed} == {"rgb(138, 138, 138)"}
    # each card quotes its deciding sentence, which links to it (the text fragment, else the
    # document); the seed article has claims the starter corpus decides
    cards = js(
        driver,
        "return [...document.querySelectorAll(arguments[0])].map(li => {"
        " const e = li.querySelector('.evidence-text');"
        " return [li.dataset.claimId, e && e.textContent, e && e.getAttribute('href')]; })",
        feed_selector,
    )
    quoted = 0
    for claim_id, shown, href in cards:
        evidence = verdicts[claim_id].data["evidence"]
        if not evidence:
            assert shown is None
            continue
        top = evidence[0]
        assert shown == f"“{top['text']}”"
        assert href == (_web_url(top.get("link")) or _web_url(top.get("url")))
        quoted += 1
    assert quoted
    feed_labels = {
        item.get_attribute("data-claim-id"): item.get_attribute("data-label")
        for item in driver.find_elements(By.CSS_SELECTOR, feed_selector)
    }
    assert feed_labels == {cid: e.data["label"] for cid, e in verdicts.items()}
    counts_shown = {
        span.get_attribute("data-label"): int(span.find_element(By.TAG_NAME, "b").text)
        for span in driver.find_elements(By.CSS_SELECTOR, "#counts .count")
    }
    assert sum(counts_shown.values()) == len(claims)

    # the filters: by label, then by article
    label = Counter(e.data["label"] for e in verdicts.values()).most_common(1)[0][0]
    Select(driver.find_element(By.ID, "filter-label")).select_by_value(label)
    items = [li for li in driver.find_elements(By.CSS_SELECTOR, "#feed li") if li.is_displayed()]
    assert items and {li.get_attribute("data-label") for li in items} == {label}
    Select(driver.find_element(By.ID, "filter-label")).select_by_value("")
    driver.find_element(By.ID, "filter-article").send_keys("art_somewhere_else")
    assert not [li for li in driver.find_elements(By.CSS_SELECTOR, "#feed li") if li.is_displayed()]
    assert js(driver, "return document.querySelector('#counts b').textContent") == "0"
    driver.find_element(By.ID, "filter-article").clear()
    driver.find_element(By.ID, "filter-article").send_keys(article_id)
    items = [li for li in driver.find_elements(By.CSS_SELECTOR, "#feed li") if li.is_displayed()]
    assert len(items) == len(claims) + 1  # its verdicts and its article.completed line
    # the newsroom column of the page is readable on a phone: nothing wider than the screen
    driver.save_screenshot(str(artifacts / "dashboard-phone.png"))
    assert js(driver, "return window.innerWidth") == PHONE[0]
    assert js(driver, "return document.documentElement.scrollWidth") <= PHONE[0]

    latencies = js(driver, "return window.claimcheckStats.latencies")
    assert len(latencies) == len(claims)
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"\nstream→dashboard latency over {len(ordered)} verdicts: "
        f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"
    )

    # a network drop: the page shows it is reconnecting, then resumes where it stopped
    stack.kill("intake")
    wait(
        driver,
        "the reconnecting notice",
        lambda: js(driver, "return document.body.dataset.stream") == "reconnecting",
    )
    assert "reconnecting" in driver.find_element(By.ID, "status").text
    driver.save_screenshot(str(artifacts / "dashboard-reconnecting.png"))
    missed = {
        "claim_id": "clm_while_away",
        "article_id": article_id,
        "newsroom": "daily-planet",
        "claim": "An entry written while the dashboard was disconnected.",
        "label": "refuted",
        "confidence": 0.9,
        "needs_review": False,
        "evidence": [AWAY_EVIDENCE],
    }
    other = {**missed, "claim_id": "clm_other_newsroom", "newsroom": "daily-star"}
    # a link that is not a web address is never made a link; the document's URL is used
    unsafe = {
        **missed,
        "claim_id": "clm_unsafe_link",
        "evidence": [{**AWAY_EVIDENCE, "link": "javascript:window.claimcheckXss=2"}],
    }
    # a lone claim (no article) has no article button
    lone = {**missed, "claim_id": "clm_lone", "article_id": None}
    for data in (missed, other, lone, unsafe):
        fields = {"type": "verdict", "data": json.dumps(data)}
        stack.redis.xadd(stack.settings.verdict_stream, fields)
    _restart_intake(stack)
    wait(
        driver,
        "the missed entries after the reconnect",
        lambda: driver.find_elements(By.CSS_SELECTOR, 'li[data-claim-id="clm_unsafe_link"]'),
        timeout=30,
    )
    assert js(driver, "return document.body.dataset.stream") == "live"
    away = driver.find_element(By.CSS_SELECTOR, 'li[data-claim-id="clm_while_away"]')
    sentence = away.find_element(By.CSS_SELECTOR, "a.evidence-text")
    assert sentence.text == f"“{AWAY_EVIDENCE['text']}”"  # shown as text, not markup
    assert sentence.get_dom_attribute("href") == AWAY_EVIDENCE["link"]
    assert sentence.get_dom_attribute("rel") == "noopener noreferrer"
    assert "refutes 0.90:" in away.text and "Away <b>desk</b>" in away.text
    assert not driver.find_elements(By.CSS_SELECTOR, "#feed img, #feed b")
    assert js(driver, "return window.claimcheckXss") is None
    fallback = driver.find_element(
        By.CSS_SELECTOR, 'li[data-claim-id="clm_unsafe_link"] a.evidence-text'
    )
    assert fallback.get_dom_attribute("href") == AWAY_EVIDENCE["url"]
    assert not driver.find_elements(By.CSS_SELECTOR, '#feed a[href^="javascript:"]')
    away.screenshot(str(artifacts / "dashboard-evidence.png"))
    lone_card = driver.find_element(By.CSS_SELECTOR, 'li[data-claim-id="clm_lone"]')
    assert not lone_card.find_elements(By.TAG_NAME, "button")
    assert "article" not in lone_card.text
    ids = js(driver, "return [...document.querySelectorAll('#feed li')].map(li => li.dataset.id)")
    assert len(ids) == len(set(ids)), "an entry was shown twice"
    assert not driver.find_elements(By.CSS_SELECTOR, 'li[data-claim-id="clm_other_newsroom"]')
    driver.save_screenshot(str(artifacts / "dashboard-after-reconnect.png"))

    # a silent drop: the intake freezes, the connection stays open but nothing arrives; the
    # page's watchdog (3 keep-alive periods, at least 5 s) gives up on it and reconnects
    frozen = stack.group.pid("intake")
    os.killpg(frozen, signal.SIGSTOP)
    try:
        wait(
            driver,
            "the silence watchdog",
            lambda: js(driver, "return document.body.dataset.stream") == "reconnecting",
            timeout=20,
        )
    finally:
        os.killpg(frozen, signal.SIGCONT)
    wait(driver, "live again", lambda: js(driver, "return document.body.dataset.stream") == "live")
    assert not policy_violations(driver)
    print(f"screenshots: {artifacts}")
