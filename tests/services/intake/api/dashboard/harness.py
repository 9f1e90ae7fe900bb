"""Running the dashboard's scripts in Node against a stand-in DOM (``render_feed.js``), and
reading the nodes it gives back: shared by the dashboard's tests."""

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

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")
"""The mark of a test module that runs the harness."""

Entry = tuple[str, str, dict[str, Any]]
"""A stream entry: its id, its type and its data."""


def run_page(entries: list[Entry], page: dict[str, Any] | None = None) -> dict[str, Any]:
    """Load ``index.html``'s scripts, feed them ``entries`` and play ``page`` (the canned
    answers of its ``routes``, then its ``actions``); what the page shows then."""
    assert NODE is not None
    args = [NODE, str(HARNESS), str(DASHBOARD_DIR / "index.html"), json.dumps(entries)]
    if page is not None:
        args.append(json.dumps(page))
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``node`` and every node under it, depth first."""
    yield node
    for child in node["children"]:
        yield from walk(child)


def node_text(node: dict[str, Any]) -> str:
    """The text of ``node`` and of every node under it."""
    return str(node["text"]) + "".join(node_text(c) for c in node["children"])
