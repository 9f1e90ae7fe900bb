"""Stance v3 synthetic pairs that change no detail: supported and not_enough_info.

* supported, a coarser claim: the sentence without its parentheticals, without a trailing
  clause, without a trailing time detail, or with a full date cut to its year ("on 20
  July 1969" -> "in 1969") (:func:`coarser_claims`);
* not_enough_info: another sentence of the same document or page that shares a content
  word but little else (never a revision of the claim's sentence) (:func:`nei_partner`).

Apart from the swaps (:mod:`training.synthetic_swaps`): these keep the sentence's content
or pick another sentence, where a swap changes one detail.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from shared.text.words import normalize_text
from training.content_words import jaccard
from training.synthetic_docs import MIN_WORDS
from training.synthetic_knowledge import Knowledge
from training.synthetic_swaps import _MONTHS_ALT, _OPEN

# not_enough_info partners: share a content word, little else
NEI_MAX_JACCARD = 0.3
NEI_MAX_CLAIM_COVERAGE = 0.5
NEI_MAX_PARTNERS_SCANNED = 60


# ---- (b) supported: a coarser claim ------------------------------------------------------

_PAREN = re.compile(r"\s*\([^()]{1,200}\)")
_DAY = r"(?:[1-9]|[12]\d|3[01])"
_DATE_ON = re.compile(rf"\bon (?:{_DAY} )?({_MONTHS_ALT})(?: {_DAY})?,? (\d{{4}})\b")
_DATE_IN_MONTH = re.compile(r"\bin (" + _MONTHS_ALT + r") (\d{4})\b")
_TRAILING_TIME = re.compile(
    r",? (?:in|on|during) (?:(?:early|late|mid-?) ?)?(?:(?:[1-9]|[12]\d|3[01]) )?"
    r"(?:(?:" + _MONTHS_ALT + r") )?(?:(?:[1-9]|[12]\d|3[01]),? )?\d{4}\.$"
)


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")") and text.count('"') % 2 == 0


def _long_enough(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS


def coarser_claims(s: str, kn: Knowledge) -> list[tuple[str, str]]:
    """(sub-kind, claim) of every coarser claim the sentence entails."""
    out: list[tuple[str, str]] = []
    no_paren = normalize_text(_PAREN.sub("", s))
    if no_paren != s and _long_enough(no_paren) and _balanced(no_paren):
        out.append(("paren", no_paren))
    date = _DATE_ON.sub(lambda m: f"in {m.group(2)}", s)
    date = _DATE_IN_MONTH.sub(lambda m: f"in {m.group(2)}", date)
    if date != s:
        out.append(("date", date))
    time = _TRAILING_TIME.sub(".", s)
    if time != s and _long_enough(time) and _balanced(time):
        out.append(("time", time))
    cut = s.rfind(", ")
    if cut > 0:
        head, tail = s[:cut], s[cut + 2 :].split()
        first = tail[0].lower().strip(_OPEN) if tail else ""
        ok = first in kn.clause_starts or (
            first.endswith("ing") and first.isalpha() and tail[0].islower()
        )
        if first in ("and", "but") and len(tail) < kn.min_tail_words_for_and:
            ok = False
        last = head.split()[-1].lower() if head.split() else ""
        if ok and _long_enough(head) and _balanced(head) and last not in kn.clause_starts:
            out.append(("clause", head + "."))
    return out


# ---- (c) not_enough_info: another sentence of the same document ---------------------------


def nei_partner(
    i: int,
    sentences: Sequence[str],
    words: Sequence[set[str]],
    cases: Sequence[str],
    rng: random.Random,
) -> str | None:
    """A sentence of the document sharing a content word with sentence ``i`` and little
    else, never a revision of it (same case, Jaccard above the bound)."""
    cw = words[i]
    if not cw:
        return None
    order = [j for j in range(len(sentences)) if j != i]
    rng.shuffle(order)
    best: list[tuple[int, int]] = []
    for j in order[:NEI_MAX_PARTNERS_SCANNED]:
        if cases[i] and cases[i] == cases[j]:
            continue
        shared = len(cw & words[j])
        if not shared or shared / len(cw) > NEI_MAX_CLAIM_COVERAGE:
            continue
        if jaccard(cw, words[j]) > NEI_MAX_JACCARD:
            continue
        best.append((shared, j))
    if not best:
        return None
    best.sort(key=lambda t: -t[0])
    return sentences[rng.choice(best[:3])[1]]
