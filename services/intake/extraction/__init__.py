"""The extraction wing: from an article's text to its check-worthy, stand-alone claims.

Language rules only: no HTTP, no Redis (the intake's HTTP side calls in through
:class:`Extractor`). The way through the wing:

* :mod:`.reading`: spaCy's sentence and entity recognisers over the segments of
  :mod:`.segmentation`, each sentence's language by :mod:`.language`;
* :mod:`.filters`: what is skipped before scoring;
* :mod:`.modality`: what states no fact (``not_factual``);
* :mod:`.checkworthiness` (and its model in ``models/``), :mod:`.editorial`: what is a claim;
* :mod:`.resolver`: the stand-alone text, by the rules of :mod:`.entities` and
  :mod:`.referents`, :mod:`.article_index`, :mod:`.speakers` (with :mod:`.adverbials`),
  :mod:`.references`, :mod:`.anchored_dates` and :mod:`.dates`;
* :mod:`.lexicon`: the words and world knowledge the rules know, from ``data/``;
* :mod:`.extractor`: :class:`ClaimExtractor`, which runs the steps in order.
"""

from services.intake.extraction.extractor import PARALLEL_MIN_SENTENCES, ClaimExtractor
from services.intake.extraction.results import (
    SKIP_REASONS,
    CandidateClaim,
    Extraction,
    SentenceNote,
    SkipReason,
)
from services.intake.extraction.seam import Extractor, Scorer
from services.intake.extraction.unreadable import MIN_WORDS

__all__ = [
    "MIN_WORDS",
    "PARALLEL_MIN_SENTENCES",
    "SKIP_REASONS",
    "CandidateClaim",
    "ClaimExtractor",
    "Extraction",
    "Extractor",
    "Scorer",
    "SentenceNote",
    "SkipReason",
]
