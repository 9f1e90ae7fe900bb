"""Fixtures of the fact-check archive tests: the shipped embedding model and small archives."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from workers.sources.factchecks.archive import FactCheckArchive
from workers.sources.factchecks.embedding import OnnxEmbedder

DATA_DIR = Path(__file__).resolve().parents[5] / "shared" / "data"

# A small archive: PolitiFact-style rows with ratings, and look-alike distractors.
ARCHIVE_ROWS: list[dict[str, Any]] = [
    {
        "id": "pf:windmills",
        "claim": "The noise from windmills causes cancer.",
        "rating": "Pants on Fire",
        "publisher": "PolitiFact",
        "url": "https://www.politifact.com/windmills",
        "date": "2019-04-03",
    },
    {
        "id": "pf:wind-jobs",
        "claim": "Wind energy employs more Americans than coal mining.",
        "rating": "Mostly True",
        "publisher": "PolitiFact",
        "url": "https://www.politifact.com/wind-jobs",
        "date": "2018-06-12",
    },
    {
        "id": "ff:bananas",
        "claim": "Eating bananas cures a hangover in ten minutes.",
        "rating": "Unproven",
        "publisher": "Full Fact",
    },
    {
        "id": "afp:eiffel",
        "claim": "The Eiffel Tower will be dismantled in 2025.",
        "rating": "False",
        "publisher": "AFP Fact Check",
        "url": "https://factcheck.afp.com/eiffel",
        "date": "2025-01-03",
    },
    {
        "id": "snopes:vaccine-5g",
        "claim": "COVID-19 vaccines contain microchips that connect to 5G networks.",
        "rating": "False",
        "publisher": "Snopes",
        "url": "https://www.snopes.com/vaccine-5g",
        "date": "2021-02-10",
    },
    {
        "id": "pf:minimum-wage",
        "claim": "Raising the minimum wage to $15 would cost 1.3 million jobs.",
        "rating": "Half True",
        "publisher": "PolitiFact",
    },
    {
        "id": "pf:moon",
        "claim": "NASA faked the Apollo 11 moon landing in a film studio.",
        "rating": "False",
        "publisher": "PolitiFact",
    },
    {
        "id": "pf:unemployment",
        "claim": "Unemployment in Texas is lower than in any other state.",
        "rating": "Mostly False",
        "publisher": "PolitiFact",
    },
]


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def embedder() -> OnnxEmbedder:
    """The shipped int8 MiniLM, one thread (tests run beside other work)."""
    return OnnxEmbedder(threads=1)


class CountingEmbedder:
    """The real embedder, counting the texts it was asked to embed."""

    def __init__(self, inner: OnnxEmbedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture
def archive_factory(tmp_path: Path) -> Iterator[Callable[..., FactCheckArchive]]:
    """``archive_factory(rows=ARCHIVE_ROWS, embedder=...)``: an imported archive; closed after."""
    made: list[FactCheckArchive] = []

    def make(
        rows: Sequence[dict[str, Any]] = ARCHIVE_ROWS, embedder: Any = None, name: str = "fc"
    ) -> FactCheckArchive:
        archive = FactCheckArchive(tmp_path / f"{name}.sqlite3")
        made.append(archive)
        if rows:
            archive.import_file(write_jsonl(tmp_path / f"{name}.jsonl", rows), embedder)
        return archive

    yield make
    for archive in made:
        archive.close()
