"""The dashboard's feed rendering (``app.js``), run in Node against a stand-in DOM.

The harness runs the scripts ``index.html`` loads, in its order (the feed needs the
shared helpers of ``common.js`` and the review view of ``review.js``).

The browser test (``tests/browser``) covers the page in real Chromium; this one needs only
``node`` and checks what the feed shows for given stream entries.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.intake.api.routes.stream import DASHBOARD_DIR

HARNESS = Path(__file__).with_name("render_feed.js")
NODE = shutil.which("node") or shutil.which("nodejs")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _render(entries: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(HARNESS), str(DASHBOARD_DIR / "index.html"), json.dumps(entries)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    feed: list[dict[str, Any]] = json.loads(done.stdout)["feed"]
    return feed


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node["children"]:
        yield from _walk(child)


def _buttons(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _walk(item) if n["tag"] == "button"]


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
    assert not [n for n in _walk(item) if n["text"] == "article "]
    assert item["attributes"]["data-claim-id"] == "clm_lone"
