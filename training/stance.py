"""Stance cross-encoder (claim, evidence) -> supported / refuted / not_enough_info.

Commands (run from the repo root with the ``train`` extra installed)::

    python -m training.stance prepare --out .traindata [--sample-frac F] [v2 levers, see -h]
    python -m training.stance train   --data .traindata --out artifacts/stance [--budget-s S]
                                      [--init artifacts/stance-v1-recovered --lr 2e-5]
    python -m training.stance export  --weights artifacts/stance --out workers/models/stance
    python -m training.stance evaluate --model workers/models/stance   # dev metrics, ECE, T

``prepare`` needs ``tokenizers``/``scikit-learn`` and the data root; ``train`` needs only
torch + numpy and the arrays ``prepare`` wrote.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training import config as C
from training.common import (
    TokenSet,
    content_words,
    export_base_weights,
    jaccard,
    load_tokenizer,
    normalize_text,
    read_jsonl,
    run_task,
    seed_everything,
    sha256_file,
    train_task,
    write_json,
)
from training.metrics import classification_report
from training.same_document import scifact_same_doc, vitaminc_same_page
from training.stance_levers import (
    EntityFn,
    Levers,
    class_weights,
    contrastive_refutes,
    spacy_entities,
)

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


def prepare(
    data_root: Path,
    out: Path,
    sample_frac: float,
    max_len: int,
    levers: Levers | None = None,
) -> None:
    """Train/dev arrays; ``levers`` adds the v2 pairs (:mod:`training.stance_levers`).

    Each lever draws from its own seeded generator, so switching one on or off leaves the
    v1 pairs and the other levers' pairs unchanged.
    """
    levers = levers or Levers()
    seed_everything(C.SEED)
    rng = random.Random(C.SEED)
    entity_fn = None
    if levers.contrastive_frac and levers.entity_frac:
        entity_fn = spacy_entities()
        if entity_fn is None:
            print("contrastive: no spaCy model installed, entity swaps skipped", flush=True)
    lever_stats: dict[str, Any] = {}
    out.mkdir(parents=True, exist_ok=True)
    tok = load_tokenizer(max_len)
    neg = C.NegativeConfig()
    inputs: dict[str, str] = {}
    a: list[str] = []
    b: list[str] = []
    y: list[int] = []
    g: list[int] = []
    names: list[str] = []
    stats: dict[str, Any] = {}
    for rel in C.STANCE_TRAIN_FILES:
        path = data_root / rel
        inputs[rel] = sha256_file(path)
        rows = load_pairs(path)
        dataset = rows[0]["dataset"]
        if sample_frac < 1.0:
            rows = rng.sample(rows, max(8, int(len(rows) * sample_frac)))
        names.append(dataset)
        gi = len(names) - 1
        for r in rows:
            if r["_evidence"]:
                a.append(r["_claim"])
                b.append(r["_evidence"])
                y.append(LABEL_ID[r["label"]])
                g.append(gi)
        negs, st = make_negatives(rows, dataset, neg, rng)
        for claim, ev in negs:
            a.append(claim)
            b.append(ev)
            y.append(NEI)
            g.append(gi)
        st["rows"] = len(rows)
        stats[dataset] = st
        print(f"{dataset}: {st}", flush=True)
        extra = lever_pairs(rows, dataset, levers, entity_fn)
        lever_stats[dataset] = extra.stats
        for lever, pairs, label in extra.groups:
            names.append(f"{dataset}/{lever}")
            for claim, ev in pairs:
                a.append(claim)
                b.append(ev)
                y.append(LABEL_ID[label])
                g.append(len(names) - 1)
        if extra.stats:
            print(f"{dataset} levers: {extra.stats}", flush=True)
    train = tokenize_pairs(tok, a, b, y, g, names)
    counts = np.bincount(train.labels, minlength=3).tolist()
    weights = class_weights(counts, levers.class_weighting)
    train.save(out / "stance_train.npz")
    dev = build_dev(data_root, tok, inputs, sample_per_file=None if sample_frac >= 1 else 200)
    dev.save(out / "stance_dev.npz")
    base = export_base_weights(out / "base_fp16.npz")
    (out / "tokenizer.json").write_bytes(
        (Path(base["file"]).parent / "tokenizer.json").read_bytes()
    )
    lens = train.offsets[1:] - train.offsets[:-1]
    write_json(
        out / "stance_meta.json",
        {
            "inputs_sha256": inputs,
            "base_model": base,
            "negatives": stats,
            "negative_config": {
                "hard_frac": neg.hard_frac,
                "random_frac": neg.random_frac,
                "top_k": neg.top_k,
                "max_claim_jaccard": neg.max_claim_jaccard,
            },
            "sample_frac": sample_frac,
            "max_len": max_len,
            "train_rows": len(train),
            "train_label_counts": counts,
            "train_group_counts": {
                n: int(c)
                for n, c in zip(
                    names, np.bincount(train.group, minlength=len(names)).tolist(), strict=True
                )
            },
            "levers": levers.to_dict(),
            "lever_stats": lever_stats,
            "class_weights": weights,
            "train_mean_tokens": float(lens.mean()),
            "train_truncated_frac": float((lens >= max_len).mean()),
            "dev_rows": len(dev),
        },
    )
    print(f"train {len(train)} pairs, labels {counts}, dev {len(dev)}, class weights {weights}")


ENTITY_SWAP_DATASETS = frozenset({"vitaminc-real", "vitaminc-synthetic"})


@dataclass
class LeverPairs:
    groups: list[tuple[str, list[tuple[str, str]], str]]  # (lever, pairs, label)
    stats: dict[str, Any]


def lever_pairs(
    rows: list[dict[str, Any]], dataset: str, levers: Levers, entity_fn: EntityFn | None
) -> LeverPairs:
    """The v2 pairs of one dataset, each lever seeded on its own (name, dataset)."""
    out = LeverPairs(groups=[], stats={})
    if levers.contrastive_frac:
        made, st = contrastive_refutes(
            rows,
            levers.contrastive_frac,
            random.Random(f"{C.SEED}:contrastive:{dataset}"),
            # small-model NER is only trusted on Wikipedia text (not on biomedical claims)
            entity_fn if dataset in ENTITY_SWAP_DATASETS else None,
            levers.entity_frac,
        )
        out.groups.append(("contrastive", [(m.claim, m.evidence) for m in made], "refuted"))
        out.stats["contrastive"] = st
    if levers.scifact_same_doc and dataset == "scifact":
        pairs, st = scifact_same_doc(
            rows, levers.scifact_same_doc, random.Random(f"{C.SEED}:same_doc:{dataset}")
        )
        out.groups.append(("same_doc", pairs, "not_enough_info"))
        out.stats["same_doc"] = st
    if levers.vitaminc_same_page and dataset.startswith("vitaminc"):
        pairs, st = vitaminc_same_page(
            rows, levers.vitaminc_same_page, random.Random(f"{C.SEED}:same_page:{dataset}")
        )
        out.groups.append(("same_page", pairs, "not_enough_info"))
        out.stats["same_page"] = st
    return out


def add_prepare_args(p: argparse.ArgumentParser) -> None:
    """The stance v2 data levers (all off by default: the v1 data)."""
    g = p.add_argument_group("stance v2 data levers")
    g.add_argument(
        "--contrastive-frac",
        type=float,
        default=0.0,
        metavar="FRAC",
        help="refuted pairs: this share of the supported pairs whose claim repeats a number, "
        "year or month of its evidence get a copy with that value swapped (0 = off)",
    )
    g.add_argument(
        "--contrastive-entity-frac",
        type=float,
        default=None,
        metavar="FRAC",
        help="the same for pairs whose only swappable span is a named entity (spaCy NER, "
        "VitaminC only); default: --contrastive-frac; 0 = no entity swaps",
    )
    g.add_argument(
        "--scifact-same-doc",
        type=int,
        default=0,
        metavar="K",
        help="NEI pairs: up to K non-rationale sentences of the gold abstract per SciFact claim",
    )
    g.add_argument(
        "--vitaminc-same-page",
        type=float,
        default=0.0,
        metavar="FRAC",
        help="NEI pairs: this share of VitaminC claims paired with another sentence of their page",
    )
    g.add_argument(
        "--class-weights",
        dest="class_weighting",
        choices=("none", "balanced", "sqrt"),
        default="none",
        help="loss weights per class, from the final label counts (train reads them)",
    )


def prepare_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "levers": Levers(
            contrastive_frac=args.contrastive_frac,
            contrastive_entity_frac=args.contrastive_entity_frac,
            scifact_same_doc=args.scifact_same_doc,
            vitaminc_same_page=args.vitaminc_same_page,
            class_weighting=args.class_weighting,
        )
    }


def tokenize_pairs(
    tok: Any, a: list[str], b: list[str], y: list[int], g: list[int], names: list[str]
) -> TokenSet:
    from training.common import tokenize

    return tokenize(tok, a, b, y, g, names)


def build_dev(
    data_root: Path, tok: Any, inputs: dict[str, str], sample_per_file: int | None
) -> TokenSet:
    return tokenize_pairs(tok, *dev_rows(data_root, inputs, sample_per_file))


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


def cmd_train(args: argparse.Namespace) -> None:
    train_task(args, prefix="stance", cfg=C.STANCE, labels=C.STANCE_LABELS, select=dev_report)


def main(argv: list[str] | None = None) -> None:
    run_task(
        argv,
        task="stance",
        model_dir="workers/models/stance",
        max_len=C.STANCE.max_len,
        prepare=prepare,
        train=cmd_train,
        evaluate="evaluate_stance",
        add_prepare_args=add_prepare_args,
        prepare_kwargs=prepare_kwargs,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
