"""Two ``claimcheck kb import`` processes at once on one knowledge base.

One writes; the other says it waits for it, then imports too. One that would wait longer
than its ``--wait`` stops with one line naming the knowledge base, having changed nothing.

The first import reads its documents from a named pipe. An import is one transaction, so
that import holds the file's write lock from before it opens the pipe until the test has
written the documents and closed it: how long the other one waits is up to the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from cli.processes import wait_until
from tests.e2e.conftest import REPO_ROOT
from workers.sources.knowledge_base.index import KnowledgeBase

pytestmark = pytest.mark.e2e

FIRST = [
    {"id": "apec", "title": "APEC 2017", "text": "The 2017 APEC summit was held in Da Nang."},
    {"id": "hue", "title": "Hue", "text": "Hue was the imperial capital of Vietnam."},
]
SECOND = [
    {"id": "hoi-an", "title": "Hoi An", "text": "Hoi An is a UNESCO World Heritage Site."},
    {"id": "mekong", "title": "Mekong", "text": "The Mekong Delta lies in southern Vietnam."},
]


def _jsonl(rows: list[dict[str, str]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


class Import:
    """A running ``claimcheck kb import``; its standard error is read line by line."""

    def __init__(self, env: dict[str, str], *argv: str, out: Path) -> None:
        self._out: IO[bytes] = out.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "kb", "import", *argv],
            stdout=self._out,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO_ROOT,
        )
        self.err: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.err.append(line.rstrip("\n"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.err)

    def running(self) -> bool:
        return self.process.poll() is None

    def finish(self, timeout: float = 60) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code

    def close(self) -> None:
        if self.running():
            self.process.kill()
        self.finish()
        assert self.process.stderr is not None
        self.process.stderr.close()
        self._out.close()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CLAIMCHECK_KB_PATH": str(tmp_path / "kb.sqlite3"),
        "CLAIMCHECK_STANCE_SCORER": "lexical",  # no embedding model to load
        "CLAIMCHECK_SOURCES": '["knowledge_base"]',
    }


@pytest.fixture
def imports(env: dict[str, str], tmp_path: Path) -> Iterator[list[Import]]:
    started: list[Import] = []
    yield started
    for running in started:
        running.close()


def _holding_the_lock(env: dict[str, str], tmp_path: Path, imports: list[Import]) -> int:
    """Start an import of a named pipe; return the pipe's write end once it has opened it,
    which it does inside its transaction: it holds the write lock until the end is closed."""
    pipe = tmp_path / "first.jsonl"
    os.mkfifo(pipe)
    first = Import(env, str(pipe), out=tmp_path / "first.out")
    imports.append(first)
    fd: list[int] = []

    def opened() -> bool:
        assert first.running(), first.err
        try:
            fd.append(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # ENXIO: no reader yet
            return False
        return True

    wait_until(opened, timeout=60, what="the first import reading its file")
    os.set_blocking(fd[0], True)
    return fd[0]


def _release(fd: int) -> None:
    os.write(fd, _jsonl(FIRST))
    os.close(fd)


def _ids(path: Path) -> set[str]:
    with KnowledgeBase(path) as kb:
        return {doc_id for doc_id in ("apec", "hue", "hoi-an", "mekong") if kb.get(doc_id)}


@pytest.mark.timeout(180)
def test_a_second_import_waits_for_the_first_and_then_imports_too(
    env: dict[str, str], tmp_path: Path, imports: list[Import]
) -> None:
    fd = _holding_the_lock(env, tmp_path, imports)
    later = tmp_path / "second.jsonl"
    later.write_bytes(_jsonl(SECOND))
    second = Import(env, str(later), out=tmp_path / "second.out")
    imports.append(second)
    wait_until(
        lambda: second.said("waiting up to") or not second.running(),
        timeout=60,
        what="the second import waiting for the first",
    )
    assert second.running(), second.err  # it waits, however long the first one takes
    (line,) = second.err
    assert f"writing to the knowledge base {env['CLAIMCHECK_KB_PATH']}" in line
    _release(fd)
    first = imports[0]
    assert first.finish() == 0, first.err
    assert second.finish() == 0, second.err
    assert not any("Traceback" in line for line in first.err + second.err)
    assert _ids(Path(env["CLAIMCHECK_KB_PATH"])) == {"apec", "hue", "hoi-an", "mekong"}
    assert "now holds 4 documents" in (tmp_path / "second.out").read_text(encoding="utf-8")


@pytest.mark.timeout(180)
def test_an_import_that_waits_past_its_wait_stops_with_one_line_and_changes_nothing(
    env: dict[str, str], tmp_path: Path, imports: list[Import]
) -> None:
    fd = _holding_the_lock(env, tmp_path, imports)
    later = tmp_path / "second.jsonl"
    later.write_bytes(_jsonl(SECOND))
    second = Import(env, str(later), "--wait", "0.5", out=tmp_path / "second.out")
    imports.append(second)
    try:
        assert second.finish() == 1
    finally:
        _release(fd)
    refusal = second.err[-1]
    assert refusal.startswith("claimcheck: the knowledge base ")
    assert env["CLAIMCHECK_KB_PATH"] in refusal and "nothing was changed" in refusal
    assert "--wait" in refusal and not any("Traceback" in line for line in second.err)
    assert (tmp_path / "second.out").read_text(encoding="utf-8") == ""
    assert imports[0].finish() == 0, imports[0].err
    assert _ids(Path(env["CLAIMCHECK_KB_PATH"])) == {"apec", "hue"}


@pytest.mark.timeout(180)
def test_two_imports_started_together_on_a_new_file_both_import(
    env: dict[str, str], tmp_path: Path, imports: list[Import]
) -> None:
    files = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
    for path, rows in zip(files, (FIRST, SECOND), strict=True):
        path.write_bytes(_jsonl(rows))
    imports.extend(Import(env, str(path), out=tmp_path / f"{path.stem}.out") for path in files)
    for running in imports:
        assert running.finish() == 0, running.err
        assert not any("Traceback" in line for line in running.err)
    assert _ids(Path(env["CLAIMCHECK_KB_PATH"])) == {"apec", "hue", "hoi-an", "mekong"}
