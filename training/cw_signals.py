"""Sentence features beyond the encoder's score, for the check-worthiness experiments.

Plain regular expressions (no spaCy, no torch), so that the runtime could compute them too:

* ``numbers``: digits, years, percentages, number and scale words, per token;
* ``entities``: capitalised words that do not start the sentence (and @/# handles), per token;
* ``source``: the sentence names a source ("said", "according to", "a study", "reported");
* ``shape``: length, a question mark, first-person opinion ("I think", "we will");
* ``neighbours``: the model's score on the previous and next sentence, where the data has
  them (ct24-en: consecutive ClaimBuster sentence ids; debates: ``line`` within ``debate``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

TOKEN = re.compile(r"[#@]?\w[\w'\u2019.,-]*\w|[#@]?\w")
NUMBER = re.compile(
    r"^(?:\d[\d.,]*%?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|"
    r"thousands|million|millions|billion|billions|trillion|trillions|percent|per|half|"
    r"twice|double|tripled|doubled|quarter|third|dozen|dozens)$",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)s?\b")
SOURCE = re.compile(
    r"\b(?:said|says|say|according to|reported|reports?|stud(?:y|ies)|survey|polls?|data|"
    r"statistics|figures|announced|claimed|told|found|shows?|showed|estimates?|census|"
    r"researchers?|scientists?|experts?|officials?|department|bureau|agency|cdc|who)\b",
    re.IGNORECASE,
)
COMPARE = re.compile(
    r"\b(?:more|less|fewer|most|least|largest|highest|lowest|biggest|first|only|never|ever|"
    r"increase[ds]?|decrease[ds]?|cut|raised?|rose|fell|record|every|all|no one|nobody)\b",
    re.IGNORECASE,
)
OPINION = re.compile(
    r"\b(?:i think|i believe|i feel|i hope|i want|i'm going to|we will|we'll|we're going to|"
    r"we must|we need|we should|let me|thank you|i'd like|i would like|my friends)\b",
    re.IGNORECASE,
)

GROUPS: dict[str, tuple[str, ...]] = {
    "numbers": ("number_density", "has_year", "has_percent"),
    "entities": ("entity_density", "handles"),
    "source": ("source_cue", "compare_cue"),
    "shape": ("log_tokens", "question", "opinion_cue"),
    "neighbours": ("prev_logit", "next_logit", "has_neighbours"),
}


def sentence_features(text: str) -> dict[str, float]:
    """Every feature of :data:`GROUPS` that the sentence alone gives."""
    toks = TOKEN.findall(text)
    n = max(1, len(toks))
    numbers = sum(1 for t in toks if NUMBER.match(t.rstrip(".,")))
    caps = sum(1 for i, t in enumerate(toks) if i > 0 and t[:1].isupper() and t not in ("I", "I'm"))
    handles = sum(1 for t in toks if t[:1] in "#@")
    return {
        "number_density": numbers / n,
        "has_year": float(bool(YEAR.search(text))),
        "has_percent": float("%" in text or "percent" in text.lower()),
        "entity_density": caps / n,
        "handles": min(handles, 5) / 5.0,
        "source_cue": float(bool(SOURCE.search(text))),
        "compare_cue": float(bool(COMPARE.search(text))),
        "log_tokens": math.log1p(len(toks)) / 4.0,
        "question": float(text.rstrip().endswith("?")),
        "opinion_cue": float(bool(OPINION.search(text))),
    }


def logit(p: np.ndarray | float) -> Any:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def neighbour_scores(rows: Sequence[dict[str, Any]], pool: dict[str, float]) -> np.ndarray:
    """``[prev_logit, next_logit, has_neighbours]`` per row (zeros where there is none).

    ``pool`` maps an id to the model's score; the neighbour of ``ct24-en:N`` is
    ``ct24-en:N±1`` (ClaimBuster numbers the sentences of a debate consecutively), that of a
    debate line is ``<dataset>:<debate>:<line±1>``.
    """
    out = np.zeros((len(rows), 3))
    for i, r in enumerate(rows):
        head, _, tail = str(r["id"]).rpartition(":")
        if not tail.isdigit():
            continue
        got = 0
        for j, step in enumerate((-1, 1)):
            score = pool.get(f"{head}:{int(tail) + step}")
            if score is not None:
                out[i, j] = float(logit(score)) / 10.0
                got += 1
        out[i, 2] = got / 2.0
    return out


def matrix(
    rows: Sequence[dict[str, Any]], groups: Sequence[str], pool: dict[str, float] | None = None
) -> np.ndarray:
    """Feature columns of ``groups`` (in :data:`GROUPS` order) for ``rows``."""
    cols: list[np.ndarray] = []
    names = [g for g in GROUPS if g in groups and g != "neighbours"]
    if names:
        feats = [sentence_features(str(r["text"])) for r in rows]
        keys = [k for g in names for k in GROUPS[g]]
        cols.append(np.array([[f[k] for k in keys] for f in feats], dtype=np.float64))
    if "neighbours" in groups:
        cols.append(neighbour_scores(rows, pool or {}))
    if not cols:
        return np.zeros((len(rows), 0))
    return np.hstack(cols)
