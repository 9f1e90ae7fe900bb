"""Reading JSONL input files row by row, with errors that name the file and line.

Every row is checked before its fields are read: the bytes must be UTF-8, the line valid
JSON nested at most :data:`MAX_DEPTH` levels, and no string may hold a lone surrogate
(``"\\ud800"`` parses, but cannot be written out as UTF-8 again). :func:`lone_surrogate`
and :func:`too_deep` are shared with the HTTP intake, which refuses the same inputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from shared.errors import InputError

T = TypeVar("T")
MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in one row or request body."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPENERS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]')


def too_deep(raw: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text nests arrays/objects deeper than ``limit`` (strings skipped).

    Checked on the text before parsing, so a hostile body never reaches the recursive
    parser (or pydantic's validators) at all.
    """
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for token in _OPENERS.finditer(text):
        char = token.group(0)
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def lone_surrogate(value: object, path: str = "") -> str | None:
    """The path (``text``, ``evidence[2]``, ``meta.title``) of the first string holding a
    lone surrogate, keys included; None when there is none. A surrogate in a key is shown
    escaped (``x\\ud800``), so the path itself can be written out as UTF-8."""
    if isinstance(value, str):
        return (path or "(value)") if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", str(key))
            here = f"{path}.{name}" if path else name
            if name != str(key):
                return here
            found = lone_surrogate(item, here)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = lone_surrogate(item, f"{path}[{i}]")
            if found:
                return found
    return None


def open_jsonl(path: Path) -> IO[str]:
    """``path`` opened for :func:`iter_objects`: bytes that are not UTF-8 are kept as
    escapes, so the error names their line instead of the read buffer's first one."""
    try:
        return path.open(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _lines(lines: IO[str], where: str) -> Iterator[tuple[int, str]]:
    lineno = 0
    try:
        for lineno, line in enumerate(lines, start=1):
            if _SURROGATE.search(line):  # undecodable bytes, escaped by open_jsonl
                raise InputError(f"{where}:{lineno}: not UTF-8 text")
            yield lineno, line
    except UnicodeDecodeError as exc:  # a handle opened strictly: the line is a guess
        raise InputError(f"{where}:{lineno + 1}: not UTF-8 text ({exc.reason})") from None


def iter_objects(lines: IO[str], *, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``("file:line", object)`` for each non-blank line; anything else is an error."""
    for lineno, line in _lines(lines, where):
        if not line.strip():
            continue
        here = f"{where}:{lineno}"
        if too_deep(line):
            raise InputError(f"{here}: nested deeper than {MAX_DEPTH} levels")
        try:
            data: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{here}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise InputError(f"{here}: expected a JSON object, got {type(data).__name__}")
        bad = lone_surrogate(data)
        if bad:
            message = f"{here}: '{bad}' holds a lone surrogate (not valid Unicode)"
            raise InputError(message, field=bad)
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


@dataclass(frozen=True)
class TextRow:
    """An ``{"id", "text"}`` input row."""

    id: str | int
    text: str


def read_text_rows(lines: IO[str], *, where: str) -> Iterator[TextRow]:
    """``{"id", "text"}`` rows; a bad one raises :class:`InputError` naming its line."""
    for here, data in iter_objects(lines, where=where):
        yield TextRow(row_id(data, where=here), required_text(data, "text", where=here))


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one may be shorter), read lazily."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class JsonlJob:
    """An input file being turned into an output file, row by row.

    Rows go to a hidden ``.NAME.partial`` file that replaces ``output_path`` only when the
    whole input was processed; on any error, Ctrl-C or SIGTERM it is removed and no output
    appears. A tqdm
    progress bar is shown when asked for and stderr is a terminal.
    """

    def __init__(self, source: IO[str], sink: IO[str], bar: Any) -> None:
        self.source = source
        self._sink = sink
        self._bar = bar

    def write(self, row: dict[str, object]) -> None:
        self._sink.write(json.dumps(row, ensure_ascii=False))
        self._sink.write("\n")

    def advance(self, rows: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(rows)


@contextlib.contextmanager
def jsonl_job(
    input_path: Path, output_path: Path, *, progress: bool, unit: str, desc: str
) -> Iterator[JsonlJob]:
    """Open ``input_path`` and a partial output; publish the output only on success."""
    source = open_jsonl(input_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    partial = output_path.with_name(f".{output_path.name}.partial")
    bar = _progress_bar(input_path, unit, desc) if progress and sys.stderr.isatty() else None
    try:
        with _sigterm_exits(), source, partial.open("w", encoding="utf-8") as sink:
            yield JsonlJob(source, sink, bar)
        os.replace(partial, output_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    """While the block runs, SIGTERM raises SystemExit(143) so that clean-up code runs
    (the default action ends the process on the spot). Only in the main thread, where
    Python can install signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _progress_bar(input_path: Path, unit: str, desc: str) -> Any:
    from tqdm import tqdm

    with input_path.open(encoding="utf-8") as handle:  # one cheap pass for the total
        total = sum(1 for line in handle if line.strip())
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr)
