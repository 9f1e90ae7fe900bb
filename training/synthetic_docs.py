"""Stance v3 synthetic pairs: the documents and sentences they are made from.

The train files' evidence grouped into documents (:class:`Doc`: a VitaminC page, a
FEVER title, a COVID-Fact source, a SciFact abstract, else the row), which sentences are
worth a claim (:func:`eligible`), and the key claims are deduplicated and blocked on
(:func:`text_key`; ``training.stance_v3_bundle`` blocks dev / evaluation text with it).
Apart from the claim rules because it reads the rows of the datasets, not sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.text.words import normalize_text

MIN_WORDS, MAX_WORDS = 6, 45


def text_key(text: str) -> str:
    """The normalised form claims are deduplicated on: lower case, alphanumeric runs."""
    return " ".join(re.findall(r"[a-z0-9]+", normalize_text(text).lower()))


_GLUED = re.compile(r"[a-z0-9)]\.[A-Z][a-z]")  # "...May 3.On April 22": two sentences


def eligible(sentence: str) -> bool:
    """A sentence worth turning into claims: a plain statement of moderate length."""
    n = len(sentence.split())
    return (
        MIN_WORDS <= n <= MAX_WORDS
        and sentence.endswith(".")
        and (sentence[:1].isupper() or sentence[:1].isdigit())
        and not sentence.startswith(("Q:", "A:"))
        and "|" not in sentence
        and sentence.count('"') % 2 == 0
        and sentence.count("(") == sentence.count(")")
        and not _GLUED.search(sentence)
    )


@dataclass(frozen=True)
class Doc:
    """The sentences of one document / page (``cases``: revision group per sentence)."""

    key: str
    dataset: str
    sentences: tuple[str, ...]
    cases: tuple[str, ...]


def fever_passages(raw: str) -> list[tuple[str, str]]:
    """(page title, sentence) of a FEVER-NLI evidence string: ``Title . sentence . Title2 .
    sentence2 .`` (a chunk of at most 6 words followed by another chunk is a title)."""
    chunks = [c.strip() for c in raw.strip().removesuffix(" .").split(" . ") if c.strip()]
    out: list[tuple[str, str]] = []
    title = ""
    for k, chunk in enumerate(chunks):
        if len(chunk.split()) <= 6 and k + 1 < len(chunks):
            title = normalize_text(chunk)
            continue
        out.append((title, normalize_text(chunk + " .")))
    return out


def _doc_key(row: dict[str, Any], dataset: str) -> str:
    if dataset.startswith("vitaminc") and row.get("page"):
        return "page:" + normalize_text(str(row["page"])).lower()
    if dataset == "covid-fact" and row.get("claim_source"):
        return "source:" + str(row["claim_source"])
    if dataset == "scifact" and row.get("doc_ids"):
        return "doc:" + ",".join(str(d) for d in row["doc_ids"])
    return "row:" + str(row.get("id"))


def docs_from_rows(rows: Iterable[dict[str, Any]], dataset: str) -> list[Doc]:
    """The documents of one dataset's rows, sentences unique per document, in row order."""
    groups: dict[str, dict[str, str]] = {}
    for r in rows:
        case = str(r.get("case_id") or "")
        if dataset == "fever-nli-binary":
            for ev in r["evidence"]:
                for title, sent in fever_passages(ev):
                    key = f"title:{title.lower()}" if title else f"row:{r.get('id')}"
                    groups.setdefault(key, {}).setdefault(sent, case)
            continue
        key = _doc_key(r, dataset)
        for ev in r["evidence"]:
            if ev and ev.strip():
                groups.setdefault(key, {}).setdefault(normalize_text(ev), case)
    return [Doc(key, dataset, tuple(sents), tuple(sents.values())) for key, sents in groups.items()]
