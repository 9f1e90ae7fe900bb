"""Reading the jobs :mod:`shared.tasks` puts on a queue, as kombu stores them in the list."""

from __future__ import annotations

import base64
import json
from typing import Any


def job_args(raw: str) -> list[Any]:
    """The positional arguments of a Celery message as kombu stores it in the list."""
    message = json.loads(raw)
    args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    assert isinstance(args, list)
    return args


def job_task(raw: str) -> str:
    """The task name a Celery message asks for."""
    task: str = json.loads(raw)["headers"]["task"]
    return task
