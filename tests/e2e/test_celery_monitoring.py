"""Celery's own monitoring tools against a real ``claimcheck worker``.

``celery -A workers.celery_app inspect ping`` must reach the worker (the module holds an
``app`` built from the same ``CLAIMCHECK_*`` environment), and with task events on, a
task's life shows up as events, which is what Flower lists.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest

from cli.processes import wait_until
from shared.tasks import NOOP_TASK_NAME
from tests.e2e.conftest import REPO_ROOT, StackFactory
from workers.celery_app import create_celery_app

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def _celery(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "celery", "-A", "workers.celery_app", *args]
    return subprocess.run(
        argv,
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_inspect_ping_reaches_a_running_worker(stack_factory: StackFactory) -> None:
    stack = stack_factory()
    stack.start_worker("pinged")
    answers: list[str] = []

    def pong() -> bool:
        done = _celery(stack.env, "inspect", "ping", "--timeout", "3")
        answers.append(done.stdout + done.stderr)
        return done.returncode == 0 and "pong" in done.stdout

    wait_until(pong, timeout=90, what="an answer to inspect ping", group=stack.group)
    assert "pinged@" in answers[-1]


def test_task_events_are_sent_when_the_setting_is_on(stack_factory: StackFactory) -> None:
    stack = stack_factory(worker_task_events=True)
    stack.start_worker("evented")
    app = create_celery_app(stack.settings)
    seen: list[dict[str, Any]] = []
    ready = threading.Event()

    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(
            connection,
            handlers={"*": seen.append, "worker-heartbeat": lambda _e: ready.set()},
        )

        def capture() -> None:
            receiver.capture(limit=None, timeout=None, wakeup=False)

        thread = threading.Thread(target=capture, daemon=True)
        thread.start()
        try:
            # the worker's first heartbeat says it is up and the receiver is listening
            wait_until(ready.is_set, timeout=90, what="a worker heartbeat", group=stack.group)
            app.send_task(NOOP_TASK_NAME, args=["no-such-claim"], queue=stack.settings.queue_name)
            wait_until(
                lambda: any(e.get("type") == "task-succeeded" for e in seen),
                timeout=60,
                what="a task-succeeded event",
                group=stack.group,
            )
        finally:
            receiver.should_stop = True
            thread.join(timeout=10)
    kinds = {e.get("type") for e in seen}
    assert {"task-sent", "task-received", "task-started", "task-succeeded"} <= kinds
    assert any(e.get("name") == NOOP_TASK_NAME for e in seen if e.get("type") == "task-received")
