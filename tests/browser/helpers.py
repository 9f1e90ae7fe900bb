"""What the browser tests share: finding Chromium, a newsroom's intake with the seed article
submitted, waiting on the page, the artifacts folder, signing in with the newsroom's key,
publishing a verdict as a worker does, and the browser's console read for policy
violations."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.schemas import Verdict
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimStore
from shared.store.publisher import VerdictPublisher

if TYPE_CHECKING:
    from tests.e2e.conftest import Stack, StackFactory

NEWSROOM = "daily-planet"
KEY = "dp-browser-test-key-0123456789-abcdef"
"""The newsroom's API key (the intake refuses keys under 32 characters)."""
OTHER_KEY = "ds-browser-test-key-987-bbbbbbbbbbbbbbbb"
"""The key of a second newsroom, ``daily-star``, where a test needs one."""

PHONE = (412, 915)
"""The viewport the browser tests use: a phone, where the page must still fit."""


def binary(*names: str) -> str | None:
    """The first of ``names`` on the PATH or in /usr/bin."""
    for name in names:
        found = shutil.which(name) or (
            f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
        )
        if found:
            return found
    return None


def artifacts_dir(tmp_path: Path) -> Path:
    """``$CLAIMCHECK_TEST_ARTIFACTS`` (default: under the test's tmp dir), created."""
    root = Path(os.environ.get("CLAIMCHECK_TEST_ARTIFACTS", tmp_path / "artifacts"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def wait(driver: Any, what: str, predicate: Callable[[], Any], timeout: float = 30) -> Any:
    """Poll ``predicate`` every 0.1 s until it is truthy; its value, or a timeout naming what."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda _d: predicate(), message=f"waiting for {what}"
    )


def js(driver: Any, script: str, *args: Any) -> Any:
    return driver.execute_script(script, *args)


def sign_in(driver: Any, base_url: str, key: str) -> None:
    """Open the dashboard, give it the newsroom's key when it asks, wait until it is live."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/dashboard")
    key_input = wait(driver, "the key form", lambda: driver.find_element(By.ID, "api-key"))
    wait(driver, "the key form to show", key_input.is_displayed)
    key_input.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-form button").click()
    wait(driver, "live", lambda: js(driver, "return document.body.dataset.stream") == "live")


def policy_violations(driver: Any) -> list[str]:
    """Content-Security-Policy violations: the console's reports and the page's own count
    (``securitypolicyviolation`` events). Reading the console empties it."""
    console = [
        str(entry.get("message", ""))
        for entry in driver.get_log("browser")
        if "Content Security Policy" in str(entry.get("message", ""))
    ]
    counted = js(driver, "return (window.claimcheckStats || {}).csp || []")
    return console + [str(v) for v in counted]


def publish_verdict(stack: Stack, claim_id: str, **fields: Any) -> Verdict:
    """Publish a verdict for a stored claim as a worker does (record and stream at once):
    ``fields`` are the verdict's (label, confidence, needs_review, evidence, conflicts, …)."""
    record = ClaimStore(stack.redis, store_config(stack.settings)).get_claim(claim_id)
    assert record is not None
    verdict = record.stamp(
        Verdict(
            claim_id=claim_id,
            article_id=record.article_id,
            claim=record.text,
            checked_at=datetime.now(UTC),
            verifier_version="browser-test",
            **fields,
        )
    )
    assert (
        VerdictPublisher(stack.redis, publisher_config(stack.settings)).publish(verdict).published
    )
    return verdict


def newsroom_stack(stack_factory: StackFactory, *, two_newsrooms: bool = False) -> Stack:
    """An intake (real process, real Redis) that authenticates :data:`NEWSROOM` by
    :data:`KEY` (and ``daily-star`` by :data:`OTHER_KEY`), with SSE keep-alives every second."""
    keys = {NEWSROOM: KEY, **({"daily-star": OTHER_KEY} if two_newsrooms else {})}
    stack = stack_factory(auth_enabled=True, api_keys=keys, sse_keepalive_s=1)
    stack.start_intake()
    return stack


def submit_seed_article(stack: Stack) -> dict[str, Any]:
    """The seed article submitted as :data:`NEWSROOM`: the intake's answer."""
    from tests.e2e.conftest import SEED_ARTICLE

    text = SEED_ARTICLE.read_text(encoding="utf-8")
    with stack.http(**{"X-API-Key": KEY}) as http:
        answer: dict[str, Any] = http.post(
            "/v1/articles", json={"text": text, "title": "Da Nang"}
        ).json()
    return answer
