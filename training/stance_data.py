"""The stance data both ``training.stance`` and the stance v3 bundle are built from, and
how a stance model is scored on it: the label ids, one (claim, evidence) row per pair read
from the data root, NEI negatives, the dev rows and the per-file dev report.

Needs numpy (scikit-learn only for hard negatives), no torch, and none of the task runner:
:mod:`training.evaluate` and the GPU scripts read it without importing a task.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from shared.text.words import normalize_text
from training import config as C
from training.content_words import content_words, jaccard
from training.files import read_jsonl, sha256_file
from training.scores import classification_report
from training.tokens import TokenSet

LABEL_ID = {name: i for i, name in enumerate(C.STANCE_LABELS)}
NEI = LABEL_ID["not_enough_info"]
SELECTION = (
    ("vitaminc-real.dev", "accuracy"),
    ("fever-symmetric.dev", "accuracy"),
    ("covid-fact.dev", "accuracy"),
    ("healthver.dev", "macro_f1"),
)


def _top_overlap(claim: str, sentences: list[str], k: int) -> list[str]:
    cw = content_words(claim)
    scored = sorted(
        range(len(sentences)), key=lambda i: (-len(cw & content_words(sentences[i])), i)
    )
    keep = sorted(scored[:k])
    return [sentences[i] for i in keep]


def evidence_text(row: dict[str, Any]) -> str:
    """One evidence string per row (sentences joined; SciFact reduced to its rationale)."""
    sentences = [normalize_text(s) for s in row["evidence"] if s and s.strip()]
    if row.get("dataset") == "scifact":
        ridx = [i for i in row.get("rationale_idx") or [] if isinstance(i, int)]
        if row["label"] != "not_enough_info" and ridx:
            sentences = [sentences[i] for i in sorted(set(ridx)) if i < len(sentences)]
        else:  # no rationale: the sentences a retriever would most likely pick
            sentences = _top_overlap(normalize_text(row["claim"]), sentences, 3)
    return " ".join(sentences)


def _keys(row: dict[str, Any]) -> set[str]:
    keys = set()
    for name in ("page", "case_id", "claim_source"):
        if row.get(name):
            keys.add(f"{name}:{normalize_text(str(row[name])).lower()}")
    for d in row.get("doc_ids") or []:
        keys.add(f"doc:{d}")
    return keys


def make_negatives(  # noqa: C901 (a pass per negative kind)
    rows: list[dict[str, Any]], dataset: str, neg: C.NegativeConfig, rng: random.Random
) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """NEI pairs: claim + evidence of another claim of the same dataset.

    Hard negatives come from the most TF-IDF-similar evidences that share no page /
    case / source / document / sentence with the claim and whose claim is no
    near-duplicate; random negatives obey the same exclusions.
    """
    by_claim: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = r["_claim"]
        info = by_claim.setdefault(c, {"keys": set(), "sents": set(), "words": content_words(c)})
        info["keys"] |= _keys(r)
        info["sents"] |= {normalize_text(s).lower() for s in r["evidence"]}
    evid: list[tuple[str, str, set[str], set[str]]] = []  # (text, claim, keys, sents)
    seen = set()
    for r in rows:
        if r["_evidence"] in seen or not r["_evidence"]:
            continue
        seen.add(r["_evidence"])
        sents = {normalize_text(s).lower() for s in r["evidence"]}
        evid.append((r["_evidence"], r["_claim"], _keys(r), sents))

    def admissible(claim: str, j: int) -> bool:
        info = by_claim[claim]
        _text, other, keys, sents = evid[j]
        if other == claim or info["keys"] & keys or info["sents"] & sents:
            return False
        return jaccard(info["words"], by_claim[other]["words"]) <= neg.max_claim_jaccard

    claims = sorted(by_claim)
    n_hard = round(neg.hard_frac.get(dataset, 0.0) * len(claims))
    n_rand = round(neg.random_frac.get(dataset, 0.0) * len(claims))
    out: list[tuple[str, str]] = []
    stats = {"claims": len(claims), "hard": 0, "random": 0}
    if n_hard and len(evid) > 1:
        from sklearn.feature_extraction.text import TfidfVectorizer

        hard_claims = rng.sample(claims, min(n_hard, len(claims)))
        vec = TfidfVectorizer(sublinear_tf=True, min_df=1, stop_words="english")
        vec.fit([e[0] for e in evid] + hard_claims)
        ev_m = vec.transform([e[0] for e in evid])
        cl_m = vec.transform(hard_claims)
        pool = min(len(evid), neg.top_k * 4)
        for s in range(0, len(hard_claims), 1024):
            sims = (cl_m[s : s + 1024] @ ev_m.T).toarray()
            top = np.argpartition(-sims, pool - 1, axis=1)[:, :pool]
            for r_i, claim in enumerate(hard_claims[s : s + 1024]):
                cand = top[r_i][np.argsort(-sims[r_i, top[r_i]])]
                ok = [int(j) for j in cand if sims[r_i, j] > 0 and admissible(claim, int(j))]
                if ok:
                    j = rng.choice(ok[: neg.top_k])
                    out.append((claim, evid[j][0]))
                    stats["hard"] += 1
    for claim in rng.sample(claims, min(n_rand, len(claims))):
        for _ in range(20):
            j = rng.randrange(len(evid))
            if admissible(claim, j):
                out.append((claim, evid[j][0]))
                stats["random"] += 1
                break
    return out, stats


def load_pairs(path: Path) -> list[dict[str, Any]]:
    rows = []
    for r in read_jsonl(path):
        if r["label"] not in LABEL_ID:
            continue  # 'conflicting' (AVeriTeC) has no stance class here
        r["_claim"] = normalize_text(r["claim"])
        r["_evidence"] = evidence_text(r)
        rows.append(r)
    return rows


def dev_rows(
    data_root: Path, inputs: dict[str, str], sample_per_file: int | None
) -> tuple[list[str], list[str], list[int], list[int], list[str]]:
    """(claims, evidences, labels, groups, group names) of the dev files, evidence joined
    as :func:`evidence_text` (and ``training.evaluate``) builds it; a fixed-seed sample of
    ``sample_per_file`` rows per file when given. Adds each file's sha256 to ``inputs``."""
    rng = random.Random(C.SEED + 1)
    a: list[str] = []
    b: list[str] = []
    y: list[int] = []
    g: list[int] = []
    names: list[str] = []
    for rel in C.STANCE_DEV_FILES:
        path = data_root / rel
        inputs[rel] = sha256_file(path)
        rows = [r for r in load_pairs(path) if r["_evidence"]]
        if sample_per_file and len(rows) > sample_per_file:
            rows = rng.sample(rows, sample_per_file)
        names.append(Path(rel).name.removesuffix(".jsonl"))
        for r in rows:
            a.append(r["_claim"])
            b.append(r["_evidence"])
            y.append(LABEL_ID[r["label"]])
            g.append(len(names) - 1)
    return a, b, y, g, names


def dev_report(logits: np.ndarray, dev: TokenSet) -> tuple[float, dict[str, Any]]:
    """Per-file reports; selection score = mean of the four target metrics."""
    pred = logits.argmax(axis=1)
    files: dict[str, Any] = {}
    for gi, name in enumerate(dev.group_names):
        sel = dev.group == gi
        files[name] = classification_report(pred[sel], dev.labels[sel], C.STANCE_LABELS)
    parts = [files[f][m] for f, m in SELECTION if files.get(f, {}).get("n")]
    score = float(np.mean(parts)) if parts else 0.0
    summary = {f"{f}.{m}": round(files[f][m], 4) for f, m in SELECTION if files.get(f, {}).get("n")}
    for name in files:
        if files[name].get("n"):
            summary[f"{name}.nei_f1"] = files[name]["per_class"]["not_enough_info"]["f1"]
    return score, {"summary": summary, "files": files}


def sampled_file(
    path: Path, sample_frac: float, rng: random.Random, inputs: dict[str, str], rel: str
) -> tuple[str, list[dict[str, Any]]]:
    """A training file's dataset name and rows, ``sample_frac`` of them (at least 8) drawn
    with ``rng``; its hash recorded in ``inputs`` under ``rel``. The 3-way preparation and
    the v3 bundle draw through here, so that the same seed gives the same rows."""
    inputs[rel] = sha256_file(path)
    rows = load_pairs(path)
    dataset = str(rows[0]["dataset"])
    if sample_frac < 1.0:
        rows = rng.sample(rows, max(8, int(len(rows) * sample_frac)))
    return dataset, rows
