"""The knowledge base's documents: the JSONL row format, its checks, and import counts.

A row is ``{"id": str | int, "title": str, "text": str, "url"?: str | null}``; a bad one
raises :class:`~shared.errors.InputError` naming its file and line, and so does a text
longer than ``CLAIMCHECK_KB_MAX_DOCUMENT_CHARS``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from shared.errors import InputError
from shared.jsonl import iter_objects


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class ImportStats:
    read: int
    """Documents in the file."""
    changed: int
    """Documents whose text was (re-)split into sentences."""
    sentences: int
    """Sentences written for those documents."""
    embedded: int
    """Sentence embeddings computed (sentences that are new, changed, or lack one)."""
    updated: tuple[str, ...] = ()
    """Ids of documents that were there before with other text (verdicts citing them are
    out of date: ``CLAIMCHECK_RECHECK_ON_CHANGE``)."""

    def __str__(self) -> str:
        return (
            f"{self.read} documents read, {self.changed} new or changed, "
            f"{self.sentences} sentences indexed, {self.embedded} embedded"
        )


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def whole_text(text: str) -> list[tuple[int, int]]:
    """A document too short to have a sentence is one sentence of its own."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return [(start, end)] if end > start else []


def read_documents(handle: IO[str], source: Path, max_chars: int) -> Iterator[Document]:
    for here, row in iter_objects(handle, where=str(source)):
        doc = parse_document(row, where=here)
        if len(doc.text) > max_chars:
            raise InputError(
                f"{here}: 'text' is {len(doc.text)} characters, over the limit "
                f"of {max_chars} (CLAIMCHECK_KB_MAX_DOCUMENT_CHARS): split the document",
                field="text",
            )
        yield doc


def parse_document(row: dict[str, Any], *, where: str) -> Document:
    """Validate one JSONL row; errors say ``where`` (file:line) and what is wrong."""
    doc_id = row.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise InputError(f"{where}: 'id' must be a non-empty string", field="id")
    fields: dict[str, str] = {}
    for name in ("title", "text"):
        value = row.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: '{name}' must be a non-empty string", field=name)
        fields[name] = value.strip()
    url = row.get("url")
    if url is not None and not isinstance(url, str):
        raise InputError(f"{where}: 'url' must be a string or null", field="url")
    return Document(id=doc_id, title=fields["title"], text=fields["text"], url=url or None)
