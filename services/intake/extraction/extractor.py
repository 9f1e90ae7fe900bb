"""Claim extraction: the check-worthy sentences of an article, stand-alone, with offsets.

:class:`ClaimExtractor` is the wing's :class:`~services.intake.extraction.seam.Extractor`.
For one article:

1. **Reading** (:mod:`~services.intake.extraction.reading`): paragraphs, segments, then
   spaCy's sentence recogniser (``senter``), exact article offsets throughout
   (:mod:`~services.intake.extraction.segmentation`); each sentence is marked with its
   language by a script and stop-word heuristic
   (:mod:`~services.intake.extraction.language`).
2. **Cheap filters** (:mod:`~services.intake.extraction.filters`): non-English sentences,
   questions, sentences that cannot be read reliably (fragments, truncated teasers, cut-off
   headlines, machine-translation garble: :mod:`~services.intake.extraction.unreadable`) and
   repeated sentences are skipped before the model runs, never scored.
3. **Check-worthiness** (:mod:`~services.intake.extraction.checkworthiness`): the MiniLM
   classifier scores what is left, in batches, as written (beside spaCy's NER); a sentence
   scored below the threshold that the stand-alone rules of step 4 rewrite (``the same
   day`` -> ``on 12 July 2022``) is scored again on its resolved text, which replaces the
   first score, so that a statement whose date or subject is in the sentence before is
   judged with it (one already over the threshold keeps its score: half the model time of
   a long article). A sentence whose
   statement is an opinion, a prediction, a hedge or a feeling
   (:mod:`~services.intake.extraction.modality`: ``should``, ``may``, ``believe``, a dated
   ``will``...) is ``not_factual``, whatever its score. Otherwise it is a claim when its
   score is at least the threshold (``CLAIMCHECK_CHECKWORTHINESS_THRESHOLD``), or when an
   editorial rule (:mod:`~services.intake.extraction.editorial`: dated events, statements
   of a named speaker, counts and namings) keeps it. A quotation scored below the
   threshold is the speaker's rhetoric (``quote_rhetoric``). A claim whose text is
   contained in a longer claim (a headline repeated in the body) is a duplicate.
4. **Stand-alone text** (:mod:`~services.intake.extraction.resolver`): spaCy's NER (the
   only other component loaded) feeds the rules that resolve pronouns and references,
   write relative dates out and find speakers; a first-person quote becomes "<speaker> said
   that ..." (:mod:`~services.intake.extraction.quotes`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Final

from services.intake.extraction.editorial import RULE_SCORE, Rule, editorial_rule
from services.intake.extraction.filters import cheap_filter, mark_contained
from services.intake.extraction.language import ENGLISH
from services.intake.extraction.mentions import SentenceInfo, Standalone
from services.intake.extraction.modality import not_factual_cue
from services.intake.extraction.reading import Reader, Sentence
from services.intake.extraction.resolver import Resolver
from services.intake.extraction.results import (
    CandidateClaim,
    Extraction,
    SentenceNote,
    SkipReason,
)
from services.intake.extraction.seam import Scorer
from services.intake.extraction.vocabulary import WARMUP_SENTENCE
from shared.schemas import ClaimDetails, Entity

PARALLEL_MIN_SENTENCES: Final = 24
"""From this many sentences to score, the model runs in a thread beside spaCy's NER."""


def _default_scorer(threshold: float | None) -> Scorer:
    from services.intake.extraction.checkworthiness import CheckworthinessModel

    return CheckworthinessModel(threads=1, threshold=threshold)


class _Article:
    """One article's sentences, and the stand-alone rules over its English ones."""

    def __init__(self, text: str, sents: list[Sentence], published_at: datetime | None) -> None:
        self.sents = sents
        infos = [
            SentenceInfo(s.span.start, s.span.end, s.paragraph, s.quoted, s.mentions)
            for s in sents
            if s.language == ENGLISH
        ]
        published: date | None = published_at.date() if published_at is not None else None
        self.resolver = Resolver(text, infos, published)
        self.info = {info.start: info for info in infos}
        self._resolved: dict[int, Standalone] = {}
        self.rules: dict[int, Rule] = {}

    def standalone(self, sent: Sentence) -> Standalone:
        start = sent.span.start
        if start not in self._resolved:
            self._resolved[start] = self.resolver.resolve(self.info[start])
        return self._resolved[start]

    def claim(self, sent: Sentence) -> CandidateClaim:
        info = self.info[sent.span.start]
        standalone = self.standalone(sent)
        return CandidateClaim(
            text=standalone.text,
            source_text=sent.span.text,
            start=sent.span.start,
            end=sent.span.end,
            checkworthiness=round(float(sent.score or 0.0), 4),
            speaker=standalone.speaker,
            attributed=standalone.attributed,
            entities=[
                Entity(text=m.text, label=m.label, start=m.start, end=m.end) for m in info.mentions
            ],
            rule=self.rules.get(sent.span.start),
            stand_alone=standalone.stand_alone,
            quote_start=standalone.quote[0] if standalone.quote else None,
            quote_end=standalone.quote[1] if standalone.quote else None,
        )


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
        modality: bool = True,
        parallel: bool = True,
    ) -> None:
        self.model_name = model_name
        self._reader = Reader(model_name)
        self._nlp = self._reader.nlp
        self.scorer = scorer if scorer is not None else _default_scorer(threshold)
        self.threshold = self.scorer.threshold if threshold is None else threshold
        self.rules = rules
        """Whether the editorial rules (:mod:`~services.intake.extraction.editorial`) may
        keep a sentence the model scored below the threshold."""
        self.modality = modality
        """Whether a sentence that states no fact (:mod:`~services.intake.extraction.modality`)
        is skipped as ``not_factual`` whatever its score."""
        self.parallel = parallel
        """Score with the model while NER runs (a second core halves an article's time)."""
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ner")  # starts lazily

    def close(self) -> None:
        """Stop the NER thread (if one was started)."""
        self._executor.shutdown(wait=True)

    @classmethod
    def warmed_up(cls, model_name: str, *, threshold: float | None = None) -> ClaimExtractor:
        """The extractor the intake runs (``CLAIMCHECK_SPACY_MODEL``,
        ``CLAIMCHECK_CHECKWORTHINESS_THRESHOLD``), warmed up so that the first article does
        not pay for loading the model."""
        extractor = cls(model_name, threshold=threshold)
        extractor.analyse(WARMUP_SENTENCE)
        return extractor

    def extract(self, text: str, *, published_at: datetime | None = None) -> list[CandidateClaim]:
        """The claims of ``text``, in order."""
        return self.analyse(text, published_at).claims

    def analyse(self, text: str, published_at: datetime | None = None) -> Extraction:
        """Like :meth:`extract`, and also what was skipped and every sentence's fate."""
        sents, tag_entities = self._reader.read(text)
        seen: set[str] = set()
        for sent in sents:
            sent.outcome = cheap_filter(sent, seen)
        candidates = [s for s in sents if s.outcome is None]
        scores = self._score([s.span.text for s in candidates], tag_entities)
        article = _Article(text, sents, published_at)
        scores = self._rescore(article, candidates, scores)
        for sent, score in zip(candidates, scores, strict=True):
            self._decide(article, sent, score)
        mark_contained([s for s in sents if s.outcome == "claim"])
        claims = [article.claim(s) for s in sents if s.outcome == "claim"]
        skipped: Counter[SkipReason] = Counter(
            s.outcome for s in sents if s.outcome is not None and s.outcome != "claim"
        )
        return Extraction(claims=claims, skipped=dict(skipped), sentences=_notes(sents))

    def describe(self, text: str) -> ClaimDetails:
        """The details of a lone claim: ``text`` itself as the source text, its entities
        (offsets in ``text``) and check-worthiness."""
        entities = self._reader.entities(text)
        score = self.scorer.score([text])[0]
        return ClaimDetails(
            source_text=text, checkworthiness=round(score, 4), entities=list(entities)
        )

    # --- steps -------------------------------------------------------------------------

    def _score(self, texts: Sequence[str], tag_entities: Callable[[], None]) -> list[float]:
        """The model's scores of ``texts``, with the entities tagged meanwhile."""
        if len(texts) >= PARALLEL_MIN_SENTENCES and self.parallel:
            # the model and spaCy's NER both release the GIL: run them side by side. NER
            # goes to the thread (it is serialised by the spaCy lock anyway), the scoring
            # stays in the request's own thread, so concurrent articles score in parallel
            tagging = self._executor.submit(tag_entities)
            scores = self.scorer.score(texts)
            tagging.result()
            return scores
        tag_entities()
        return self.scorer.score(texts)

    def _rescore(
        self, article: _Article, candidates: list[Sentence], scores: list[float]
    ) -> list[float]:
        """``scores`` with those of the sentences below the threshold that the rules rewrite
        replaced by the score of their resolved text (:attr:`Standalone.in_context`).

        The first scores are of the text as written because the model runs beside spaCy's
        NER, before the rules that need its entities. Both ways (side by side or one after
        the other) score the same batches, so they give the same scores."""
        low = [i for i, score in enumerate(scores) if score < self.threshold]
        resolved = {i: article.standalone(candidates[i]).in_context for i in low}
        changed = [i for i in low if resolved[i] != candidates[i].span.text]
        if not changed:
            return scores
        again = self.scorer.score([resolved[i] for i in changed])
        out = list(scores)
        for i, score in zip(changed, again, strict=True):
            out[i] = score
        return out

    def _decide(self, article: _Article, sent: Sentence, score: float) -> None:
        """Not factual by its modality, else a claim by the model's score, or by an
        editorial rule (when rules are on)."""
        sent.score = score
        if self.modality:
            cue = not_factual_cue(
                sent.span.text, sent.mentions, sent.span.start, quoted=sent.quoted
            )
            if cue is not None:
                sent.outcome = "not_factual"
                sent.detail = cue
                return
        if score >= self.threshold:
            sent.outcome = "claim"
            return
        # a quotation below the threshold is the speaker's rhetoric, not a checkable claim
        sent.outcome = "quote_rhetoric" if sent.quoted else "below_threshold"
        if not self.rules:
            return
        standalone = article.standalone(sent)
        rule = editorial_rule(sent.span.text, sent.mentions, standalone, quoted=sent.quoted)
        if rule is not None:
            article.rules[sent.span.start] = rule
            sent.score = max(score, RULE_SCORE)
            sent.outcome = "claim"


def _notes(sents: list[Sentence]) -> list[SentenceNote]:
    return [
        SentenceNote(
            s.span.start,
            s.span.end,
            s.language,
            s.outcome or "below_threshold",
            None if s.score is None else round(s.score, 4),
            s.detail,
        )
        for s in sents
    ]
