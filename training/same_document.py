"""Stance v2 lever (b): hard ``not_enough_info`` pairs from the claim's own document.

A retriever confuses a claim with the other sentences of its gold document far more than
with random text; pairing the claim with those sentences (not the rationale) teaches the
model that on-topic is not the same as supporting or refuting.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from shared.text.words import normalize_text
from training.content_words import content_words, jaccard


def _overlap(claim_words: set[str], sentence: str) -> int:
    return len(claim_words & content_words(sentence))


def scifact_same_doc(
    rows: Sequence[dict[str, Any]], k: int, rng: random.Random, min_words: int = 4
) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """(claim, one non-rationale sentence of its gold abstract) pairs, the ``k`` with most
    claim words first (ties broken at random): the sentences a retriever would confuse."""
    out: list[tuple[str, str]] = []
    stats = {"claims": 0, "pairs": 0}
    for r in rows:
        ridx = {i for i in r.get("rationale_idx") or [] if isinstance(i, int)}
        if r["label"] == "not_enough_info" or not ridx:
            continue
        sents = [normalize_text(s) for s in r["evidence"]]
        rationale = {sents[j] for j in ridx if j < len(sents)}
        cands = [
            s
            for i, s in enumerate(sents)
            if i not in ridx and len(s.split()) >= min_words and s not in rationale
        ]
        if not cands:
            continue
        cw = content_words(r["_claim"])
        keyed = [(-_overlap(cw, s), rng.random(), s) for s in cands]
        chosen = [s for _o, _r, s in sorted(keyed)[:k]]
        stats["claims"] += 1
        for s in chosen:
            out.append((r["_claim"], s))
            stats["pairs"] += 1
    return out, stats


def vitaminc_same_page(  # noqa: C901 (pairing rules side by side)
    rows: Sequence[dict[str, Any]],
    frac: float,
    rng: random.Random,
    *,
    max_sentence_jaccard: float = 0.5,
    max_claim_jaccard: float = 0.5,
    max_claim_coverage: float = 0.6,
) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """(claim, another sentence of the same page) not_enough_info pairs.

    A candidate sentence is never one of the claim's own evidence sentences, no revision
    of one (content-word Jaccard > ``max_sentence_jaccard``), not the evidence of the same
    ``case_id`` or of a near-duplicate claim, and covers at most ``max_claim_coverage`` of
    the claim's content words. Among those, one sharing a claim word is preferred.
    """
    by_page: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # (sent, case, claim)
    info: dict[str, dict[str, Any]] = {}
    for r in rows:
        page = normalize_text(str(r.get("page") or ""))
        if not page:
            continue
        c = r["_claim"]
        d = info.setdefault(c, {"page": page, "sents": set(), "cases": set()})
        sents = [normalize_text(s) for s in r["evidence"] if s and s.strip()]
        d["sents"].update(sents)
        d["cases"].add(r.get("case_id"))
        for s in sents:
            by_page[page].append((s, str(r.get("case_id")), c))
    for page in by_page:  # unique sentences, first occurrence kept, fixed order
        seen: set[str] = set()
        uniq = []
        for s, case, c in by_page[page]:
            if s not in seen:
                seen.add(s)
                uniq.append((s, case, c))
        by_page[page] = uniq
    claims = sorted(info)
    cw_of = {c: content_words(c) for c in claims}
    picked = rng.sample(claims, round(frac * len(claims))) if claims else []
    out: list[tuple[str, str]] = []
    stats = {"claims": len(claims), "asked": len(picked), "pairs": 0, "no_candidate": 0}
    for c in picked:
        d = info[c]
        own = [content_words(s) for s in sorted(d["sents"])]
        own_cases = {str(x) for x in d["cases"]}
        cw = cw_of[c]
        cands_shared, cands_other = [], []
        for s, case, other in by_page[d["page"]]:
            if s in d["sents"] or case in own_cases:
                continue
            sw = content_words(s)
            if any(jaccard(sw, o) > max_sentence_jaccard for o in own):
                continue
            if other != c and jaccard(cw, cw_of[other]) > max_claim_jaccard:
                continue
            shared = len(cw & sw)
            if cw and shared / len(cw) > max_claim_coverage:
                continue
            (cands_shared if shared else cands_other).append(s)
        cands = cands_shared or cands_other
        if not cands:
            stats["no_candidate"] += 1
            continue
        out.append((c, rng.choice(cands)))
        stats["pairs"] += 1
    return out, stats


# ---- (c) class weights -------------------------------------------------------------------
