"""Repeats decided by an editor: a claim that matches one of its newsroom's rulings.

A ruling (:mod:`shared.newsroom.rulings`) matches a new claim of the same newsroom when

* their normalised texts are equal (:func:`shared.newsroom.identity.normalise_claim`), or
* with an embedding model at hand, both state the same typed details (dates, numbers,
  scales, units, currencies, bounds, signs, names, polarity:
  :func:`shared.newsroom.identity.same_details`) and the cosine of their embeddings is at least
  :data:`RULING_MIN_COSINE`; the closest such ruling matches. Only the rulings with the
  claim's details are read and embedded, however many the newsroom has.

A verdict a ruling decided cites the ruling as a document (:func:`ruling_document`), so a
later ruling on that text re-checks it (the review route calls
:meth:`shared.newsroom.rechecks.Rechecker.recheck`): a corrected ruling reaches its repeats.

The verdict takes the editor's label, with the ruling as its one evidence item (source
``newsroom``: reviewer, date, note), the match score as its confidence and
``needs_review: false`` (an editor has ruled; both are the policy's
:func:`~workers.verification.publish_policy.by_ruling`) and a ``reason`` naming the ruled
claim. An exact repeat also says ``reused_from``: it is the same claim, checked once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from shared.newsroom.rulings import Ruling, RulingIndex, ruling_document
from shared.schemas import Evidence, Stance, Verdict
from shared.store.claims import ClaimRecord
from workers.sources.base import Embedder
from workers.verification import publish_policy

log = logging.getLogger(__name__)

SOURCE_NAME = "newsroom"
RULING_VERSION = "ruling"
"""The ``verifier_version`` of a verdict an editor's ruling decided."""
RULING_MIN_COSINE = 0.90
"""Embedding cosine from which a ruling decides a claim worded differently. Chosen on the
ct20-snopes dev pairs (197 queries, MiniLM int8): the closest wrong fact-check of any dev
query scores 0.889, so from 0.90 no dev query matches a fact-check of another claim. It is
strict on purpose: a match is published without review."""
_STANCE: dict[str, Stance] = {"supported": "supports", "refuted": "refutes"}


@dataclass(frozen=True)
class RulingMatch:
    ruling: Ruling
    score: float
    """1.0 for equal normalised text, else the embedding cosine."""
    exact: bool


class RulingMatcher:
    """Finds the ruling of a claim's newsroom that decides it (see the module docstring).

    Ruling embeddings are computed once per process and kept by text digest.
    """

    def __init__(
        self,
        index: RulingIndex,
        embedder: Embedder | None = None,
        *,
        min_cosine: float = RULING_MIN_COSINE,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.min_cosine = min_cosine
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()

    def find(self, newsroom: str | None, text: str) -> RulingMatch | None:
        exact = self.index.exact(newsroom, text)
        if exact is not None:
            return RulingMatch(exact, 1.0, exact=True)
        if self.embedder is None:
            return None
        rulings = self.index.with_details(newsroom, text)  # never one with other details
        if not rulings:
            return None
        keys = list(rulings)
        matrix = self._embeddings(keys, [rulings[k].text for k in keys])
        query = self.embedder.embed([text])[0]
        cosines = matrix @ query
        best = int(np.argmax(cosines))
        score = float(cosines[best])
        if score < self.min_cosine:
            return None
        return RulingMatch(rulings[keys[best]], round(min(1.0, score), 4), exact=False)

    def _embeddings(self, keys: list[str], texts: list[str]) -> npt.NDArray[np.float32]:
        assert self.embedder is not None
        with self._lock:
            missing = [i for i, k in enumerate(keys) if k not in self._vectors]
            if missing:
                made = self.embedder.embed([texts[i] for i in missing])
                for row, i in enumerate(missing):
                    self._vectors[keys[i]] = made[row]
            return np.stack([self._vectors[k] for k in keys]).astype(np.float32)


def ruling_evidence(match: RulingMatch, newsroom: str | None) -> Evidence:
    """The ruling as the verdict's evidence."""
    ruling = match.ruling
    date = ruling.reviewed_at.date().isoformat()
    note = f": {ruling.note}" if ruling.note else ""
    return Evidence(
        source=SOURCE_NAME,
        doc_id=ruling_document(ruling.text),
        title=ruling.text,
        url=ruling.url,
        text=f'{ruling.reviewer} ruled the claim "{ruling.text}" {ruling.label} on {date}{note}',
        stance=_STANCE.get(ruling.label, "neutral"),
        score=match.score,
        publisher=newsroom,
        published=ruling.reviewed_at.isoformat(),
        rating=ruling.label,
        reviewer=ruling.reviewer,
        note=ruling.note,
        doc_hash=ruling_hash(ruling),
    )


def ruling_hash(ruling: Ruling) -> str:
    """What a ruling's verdicts cite it at: a new ruling on the text is a new hash."""
    payload = f"{ruling.claim_id}\n{ruling.label}\n{ruling.reviewed_at.isoformat()}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def ruling_verdict(claim: ClaimRecord, match: RulingMatch) -> Verdict:
    """``claim``'s verdict from the ruling ``match`` found."""
    ruling = match.ruling
    how = "the same claim" if match.exact else f"a matching claim (similarity {match.score})"
    verdict = Verdict(
        claim_id=claim.claim_id,
        article_id=claim.article_id,
        claim=claim.text,
        label=ruling.label,
        **publish_policy.by_ruling(match.score),
        evidence=[ruling_evidence(match, claim.newsroom)],
        reason=f"follows the editor's ruling on claim {ruling.claim_id} ({how})",
        checked_at=datetime.now(UTC),
        verifier_version=RULING_VERSION,
        reused_from=ruling.claim_id if match.exact else None,
    )
    return claim.stamp(verdict)
