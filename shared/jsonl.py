"""Reading JSONL input files row by row, with errors that name the file and line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from shared.errors import InputError

T = TypeVar("T")


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
    whole input was processed; on any error it is removed and no output appears. A tqdm
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
    try:
        source = input_path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {input_path}: {exc.strerror or exc}") from exc
    output_path.parent.mkdir(parents=True, exist_ok=True)
    partial = output_path.with_name(f".{output_path.name}.partial")
    bar = _progress_bar(input_path, unit, desc) if progress and sys.stderr.isatty() else None
    try:
        with source, partial.open("w", encoding="utf-8") as sink:
            yield JsonlJob(source, sink, bar)
        os.replace(partial, output_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()


def _progress_bar(input_path: Path, unit: str, desc: str) -> Any:
    from tqdm import tqdm

    with input_path.open(encoding="utf-8") as handle:  # one cheap pass for the total
        total = sum(1 for line in handle if line.strip())
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr)
