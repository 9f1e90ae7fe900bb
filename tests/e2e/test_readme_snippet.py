"""The README's "run it yourself" block, run as written, as a newcomer would on a fresh clone.

The block is taken from README.md (the fenced block after the ``run-it-yourself`` marker) and
run by bash in a temporary directory that holds the clone's ``.venv`` and ``examples``: only
the port (a free one for 8000) and the Redis names (this test's namespace) differ.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from cli.processes import free_port
from tests.conftest import SettingsFactory
from tests.e2e.conftest import REPO_ROOT, settings_env

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

MARKER = "<!-- run-it-yourself:"


def readme_block() -> str:
    """The shell block that follows the marker in README.md."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    found = re.search(r"```sh\n(.*?)```", after, flags=re.DOTALL)
    assert found is not None, "no ```sh block after the run-it-yourself marker"
    return found.group(1)


def test_the_readme_block_names_the_keys_it_needs() -> None:
    block = readme_block()
    for name in ("CLAIMCHECK_API_KEYS", "CLAIMCHECK_CLIENT_API_KEY", "CLAIMCHECK_API_URL"):
        assert name in block


def test_the_run_it_yourself_block_works_as_written(
    settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    port = free_port()
    block = readme_block().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    (tmp_path / ".venv").symlink_to(REPO_ROOT / ".venv")
    (tmp_path / "examples").symlink_to(REPO_ROOT / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMCHECK_")}
    names = settings_env(settings_factory())
    for name in ("REDIS_URL", "KEY_PREFIX", "VERDICT_STREAM", "QUEUE_NAME"):
        env[f"CLAIMCHECK_{name}"] = names[f"CLAIMCHECK_{name}"]
    env["CLAIMCHECK_PORT"] = str(port)  # the block's "127.0.0.1:8000", on a free port
    script = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n" + block
    process = subprocess.Popen(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=360)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, output[-3000:]
    assert "completed:" in output, output[-3000:]
    assert (tmp_path / "var" / "kb.sqlite3").exists()
