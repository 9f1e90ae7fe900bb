"""Reading JSONL input files row by row, with errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from shared.errors import InputError


def iter_objects(lines: IO[str], *, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``("file:line", object)`` for each non-blank line; anything else is an error."""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        here = f"{where}:{lineno}"
        try:
            data: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{here}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise InputError(f"{here}: expected a JSON object, got {type(data).__name__}")
        yield here, data


def row_id(data: dict[str, Any], *, where: str) -> str | int:
    """The row's ``id``: a non-empty string or an integer."""
    value = data.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise InputError(f"{where}: 'id' must be a non-empty string or an integer", field="id")
    return value


def required_text(data: dict[str, Any], key: str, *, where: str) -> str:
    """A non-blank string field."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: '{key}' must be a non-empty string", field=key)
    return value
