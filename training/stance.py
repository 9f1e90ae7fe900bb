"""Stance cross-encoder (claim, evidence) -> supported / refuted / not_enough_info.

Commands (run from the repo root with the ``train`` extra installed)::

    python -m training.stance prepare --out .traindata [--sample-frac F] [v2 levers, see -h]
    python -m training.stance train   --data .traindata --out artifacts/stance [--budget-s S]
                                      [--init artifacts/stance-v1-recovered --lr 2e-5]
    python -m training.stance export  --weights artifacts/stance --out workers/models/stance
    python -m training.stance evaluate --model workers/models/stance   # dev metrics, ECE, T

``prepare`` needs ``tokenizers``/``scikit-learn`` and the data root; ``train`` needs only
torch + numpy and the arrays ``prepare`` wrote. The pairs themselves (labels, evidence
text, NEI negatives, dev rows and report) are :mod:`training.stance_data`; the command
line every task shares is :mod:`training.task`.
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
from training.files import write_json
from training.same_document import scifact_same_doc, vitaminc_same_page
from training.stance_data import (
    LABEL_ID,
    NEI,
    dev_report,
    dev_rows,
    make_negatives,
    sampled_file,
)
from training.stance_levers import (
    EntityFn,
    Levers,
    class_weights,
    contrastive_refutes,
    spacy_entities,
)
from training.task import run_task, seed_everything, train_task
from training.tokens import TokenSet, export_base_weights, load_tokenizer, tokenize


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
        dataset, rows = sampled_file(data_root / rel, sample_frac, rng, inputs, rel)
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
    return tokenize(tok, a, b, y, g, names)


def build_dev(
    data_root: Path, tok: Any, inputs: dict[str, str], sample_per_file: int | None
) -> TokenSet:
    return tokenize_pairs(tok, *dev_rows(data_root, inputs, sample_per_file))


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
