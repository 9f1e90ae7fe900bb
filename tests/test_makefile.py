"""Every make target the README names exists and expands (dry run, nothing executed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = [
    "install",
    "demo",
    "test",
    "lint",
    "bench",
    "eval",
    "eval-open",
    "eval-newsroom",
    "eval-articles",
    "eval-checkworthiness",
    "eval-matching",
    "factchecks-import",
    "train-embedding",
    "export-embedding",
    "bench-extract",
    "bench-kb",
    "bench-sources",
    "bench-sse",
    "bench-delivery",
    "bench-fairness",
    "train-stance",
    "train-checkworthiness",
    "compose-check",
    "fuzz",
    "soak",
]


@pytest.mark.parametrize("target", TARGETS)
def test_target_exists(target: str) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_readme_make_targets_are_all_checked() -> None:
    import re

    named = set(re.findall(r"`make ([a-z-]+)`", (ROOT / "README.md").read_text()))
    assert named <= set(TARGETS), named - set(TARGETS)
