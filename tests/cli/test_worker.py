"""``claimcheck worker`` says at start when its knowledge base is empty."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.main import build_parser
from cli.worker import run
from shared.settings import load_settings
from workers import runner
from workers.sources.knowledge_base.index import KnowledgeBase

STARTER_COMMAND = "claimcheck kb import --starter"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The worker's start, without Celery: the keyword arguments it was started with."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(runner, "run_worker", lambda settings, **kw: calls.append(kw))
    return calls


def _run_worker(**settings: Any) -> int:
    args = build_parser().parse_args(["worker", "--pool", "solo"])
    return run(args, load_settings(worker_metrics_port=0, **settings))


def test_an_empty_knowledge_base_is_named_with_the_command_that_fills_it(
    tmp_path: Path, started: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "kb.sqlite3"
    assert _run_worker(kb_path=missing, sources=["knowledge_base"]) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"claimcheck worker: knowledge base {missing} is empty")
    assert STARTER_COMMAND in line
    assert not missing.exists()  # looking created nothing
    assert [call["pool"] for call in started] == ["solo"]  # and then the worker started

    KnowledgeBase(missing).close()  # a base with no document is empty too
    assert _run_worker(kb_path=missing, sources=["knowledge_base"]) == 0
    assert STARTER_COMMAND in capsys.readouterr().err


def test_nothing_is_said_of_a_filled_or_unused_knowledge_base(
    tmp_path: Path, started: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kb.sqlite3"
    source = tmp_path / "docs.jsonl"
    source.write_text(json.dumps({"id": "a", "title": "A", "text": "Da Nang is in Vietnam."}))
    with KnowledgeBase(path) as kb:
        kb.import_jsonl(source)
    assert _run_worker(kb_path=path, sources=["knowledge_base"]) == 0
    assert _run_worker(kb_path=tmp_path / "absent.sqlite3", sources=["wikipedia"]) == 0
    assert capsys.readouterr().err == ""
    assert len(started) == 2


def test_the_command_line_imports_no_prometheus_client_before_the_worker_prepares_it() -> None:
    # prometheus_client picks its value storage when first imported: the worker points it at
    # its multiprocess directory first, so parsing the command line must not import it
    code = (
        "import sys\n"
        "from cli.main import build_parser\n"
        "build_parser()\n"
        "assert 'prometheus_client' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)
