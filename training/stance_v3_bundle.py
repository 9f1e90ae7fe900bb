"""Stance v3, ``prepare``: the bundle for one training run on a lent GPU machine.

It builds every training pair and tokenizes it (the GPU machine gets neither the data
folder nor ``tokenizers``):

* the v1 pairs replayed: the 3-way train files (``config.STANCE_TRAIN_FILES``) through
  :func:`training.stance_data.load_pairs` and :func:`~training.stance_data.make_negatives`,
  with the generator sequence of ``training.stance prepare``;
* the binary DocNLI files (``config.STANCE_BINARY_TRAIN_FILES``), label ``not_supported``
  (id 3) trained with a partial-label loss, -log(P(refuted) + P(not_enough_info));
* synthetic pairs (:mod:`training.synthetic`) from the evidence sentences of the train
  files, none whose claim or source sentence is a dev / evaluation text;
* the dev pairs as ``training.evaluate`` builds them (:func:`training.stance_data.dev_rows`).

The bundle (``train.npz``, ``dev.npz``: :class:`training.pair_table.PairTable`;
``tokenizer.json``; ``meta.json`` with the sha256 of every input) must stay under
``--max-mib``: it travels with the working tree. The initial weights are recovered there
from ``workers/models/stance/model.onnx``, which is tracked and travels anyway; its
sha256 is in ``meta.json`` and checked there (``--embed-init`` puts fp16 weights in the
bundle instead, ~45 MB).

Apart from the return (:mod:`training.stance_v3_reassemble`) and the command line
(:mod:`training.stance_v3`): it runs before the GPU run, on the data folder.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from shared.text.words import normalize_text
from training import config as C
from training.files import read_jsonl, sha256_file, write_json
from training.pair_table import PairTable

SHIPPED_MODEL = Path("workers/models/stance")
LABELS4: tuple[str, ...] = (*C.STANCE_LABELS, "not_supported")
LABEL4_ID = {name: i for i, name in enumerate(LABELS4)}
BUNDLE_FORMAT = "stance-v3-bundle/1"
DEFAULT_MAX_MIB = 40.0
# files never trained on: dev (selection only) and evaluation-only (DATA.md)
EVAL_ONLY_MARKERS = (".test.", ".dev.", "factcheck-gpt-stance", "fever-adversarial", "triggers")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Pairs:
    """Texts and labelled pairs before tokenization (texts deduplicated)."""

    def __init__(self) -> None:
        self.text_id: dict[str, int] = {}
        self.a: list[int] = []
        self.b: list[int] = []
        self.y: list[int] = []
        self.g: list[int] = []
        self.groups: list[str] = []
        self._group_id: dict[str, int] = {}

    def _tid(self, text: str) -> int:
        if text not in self.text_id:
            self.text_id[text] = len(self.text_id)
        return self.text_id[text]

    def add(self, claim: str, evidence: str, label: str, group: str) -> None:
        if group not in self._group_id:
            self._group_id[group] = len(self.groups)
            self.groups.append(group)
        self.a.append(self._tid(claim))
        self.b.append(self._tid(evidence))
        self.y.append(LABEL4_ID[label])
        self.g.append(self._group_id[group])

    def __len__(self) -> int:
        return len(self.y)

    def label_counts(self) -> dict[str, int]:
        c = Counter(self.y)
        return {name: c.get(i, 0) for i, name in enumerate(LABELS4)}

    def group_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {n: Counter() for n in self.groups}
        for g, y in zip(self.g, self.y, strict=True):
            out[self.groups[g]][LABELS4[y]] += 1
        return {n: dict(sorted(c.items())) for n, c in out.items()}


def check_train_files(data_root: Path) -> list[str]:
    """Every ``verification/*.train.jsonl`` is a v3 input, and no input is a dev or an
    evaluation-only file; fails loudly otherwise."""
    wanted = set(C.STANCE_TRAIN_FILES) | set(C.STANCE_BINARY_TRAIN_FILES)
    for rel in wanted:
        if any(m in rel for m in EVAL_ONLY_MARKERS) or not rel.endswith(".train.jsonl"):
            raise SystemExit(f"{rel} is not a training file (DATA.md): refusing to train on it")
    present = {f"verification/{p.name}" for p in (data_root / "verification").glob("*.train.jsonl")}
    unknown = sorted(present - wanted)
    missing = sorted(wanted - present)
    if unknown or missing:
        raise SystemExit(
            f"train files changed: not in training/config.py {unknown}, absent {missing}"
        )
    return sorted(wanted)


def blocked_keys(data_root: Path, inputs: dict[str, str]) -> tuple[set[str], list[str]]:
    """Normalised claims and evidence sentences of every dev and evaluation file (and the
    newsroom claims): no synthetic pair uses them as a claim or as its source."""
    from training.synthetic_docs import text_key

    files = sorted(
        p
        for p in (data_root / "verification").glob("*.jsonl")
        if not p.name.endswith(".train.jsonl")
    )
    files += sorted((data_root / "newsroom").glob("*/claims.jsonl"))
    keys: set[str] = set()
    for path in files:
        rel = str(path.relative_to(data_root))
        inputs[rel] = sha256_file(path)
        for r in read_jsonl(path):
            keys.add(text_key(str(r.get("claim") or "")))
            for ev in r.get("evidence") or []:
                if isinstance(ev, str):
                    keys.add(text_key(ev))
    keys.discard("")
    return keys, [str(p.relative_to(data_root)) for p in files]


def v1_pairs(
    data_root: Path, sample_frac: float, pairs: Pairs, inputs: dict[str, str]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The 3-way files as ``training.stance prepare`` (no levers) builds them: same rows,
    same samples, same negatives (one generator in the same order)."""
    from training.stance_data import make_negatives, sampled_file

    rng = random.Random(C.SEED)
    neg = C.NegativeConfig()
    rows_by: dict[str, list[dict[str, Any]]] = {}
    stats: dict[str, Any] = {}
    for rel in C.STANCE_TRAIN_FILES:
        dataset, rows = sampled_file(data_root / rel, sample_frac, rng, inputs, rel)
        for r in rows:
            if r["_evidence"]:
                pairs.add(r["_claim"], r["_evidence"], r["label"], dataset)
        negs, st = make_negatives(rows, dataset, neg, rng)
        for claim, ev in negs:
            pairs.add(claim, ev, "not_enough_info", f"{dataset}/negative")
        st["rows"] = len(rows)
        stats[dataset] = st
        rows_by[dataset] = rows
        log(f"v1 {dataset}: {st}")
    return rows_by, stats


def binary_pairs(
    data_root: Path, sample_frac: float, pairs: Pairs, inputs: dict[str, str]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    rows_by: dict[str, list[dict[str, Any]]] = {}
    stats: dict[str, int] = {}
    for rel in C.STANCE_BINARY_TRAIN_FILES:
        path = data_root / rel
        inputs[rel] = sha256_file(path)
        rows = read_jsonl(path)
        dataset = rows[0]["dataset"]
        if sample_frac < 1.0:
            rng = random.Random(f"{C.SEED}:binary:{dataset}")
            rows = rng.sample(rows, max(8, int(len(rows) * sample_frac)))
        n = 0
        for r in rows:
            if r["label"] not in ("supported", "not_supported"):
                raise SystemExit(f"{rel}: unexpected label {r['label']!r} in a binary file")
            evidence = " ".join(normalize_text(s) for s in r["evidence"] if s and s.strip())
            if evidence:
                pairs.add(normalize_text(r["claim"]), evidence, r["label"], dataset)
                n += 1
        stats[dataset] = n
        rows_by[dataset] = rows
        log(f"binary {dataset}: {n} pairs")
    return rows_by, stats


def load_tokenizers(model_dir: Path, max_len: int) -> tuple[Any, Any]:
    """(texts: no special tokens, no truncation; pairs: as training encodes them)."""
    from tokenizers import Tokenizer

    path = model_dir / "tokenizer.json"
    single = Tokenizer.from_file(str(path))
    single.no_padding()
    single.no_truncation()
    pair = Tokenizer.from_file(str(path))
    pair.no_padding()
    pair.enable_truncation(max_length=max_len, strategy="longest_first")
    return single, pair


def to_table(pairs: Pairs, single: Any, max_len: int) -> PairTable:
    texts = list(pairs.text_id)  # insertion order = text id
    encs = single.encode_batch(texts, add_special_tokens=False) if texts else []
    return PairTable.from_tokens(
        [e.ids for e in encs],
        (np.array(pairs.a), np.array(pairs.b), np.array(pairs.y), np.array(pairs.g)),
        pairs.groups,
        cls_id=int(single.token_to_id("[CLS]")),
        sep_id=int(single.token_to_id("[SEP]")),
        max_len=max_len,
    )


def verify_table(table: PairTable, pairs: Pairs, pair_tok: Any, n: int, seed: int) -> int:
    """The table's sequences equal the tokenizer's own pair encoding (``n`` random pairs,
    all when ``n`` <= 0 or larger than the table); raises on the first difference."""
    texts = list(pairs.text_id)
    idx = np.arange(len(table))
    if 0 < n < len(table):
        idx = np.sort(np.random.default_rng(seed).choice(len(table), n, replace=False))
    ts = table.materialize(idx)
    encs = pair_tok.encode_batch([(texts[pairs.a[i]], texts[pairs.b[i]]) for i in idx])
    for k, e in enumerate(encs):
        got = ts.ids[ts.offsets[k] : ts.offsets[k + 1]].tolist()
        len_a = sum(1 for t in e.type_ids if t == 0)
        if got != e.ids or len_a != int(ts.len_a[k]):
            raise SystemExit(f"pair {idx[k]}: table tokens differ from the tokenizer's")
    return len(idx)


def _dir_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def prepare(
    data_root: Path,
    out: Path,
    *,
    sample_frac: float = 1.0,
    binary: bool = True,
    synthetic_total: int = C.STANCE_V3_SYNTHETIC,
    dev_per_file: int | None = None,
    max_mib: float = DEFAULT_MAX_MIB,
    verify: int = 20000,
    model_dir: Path = SHIPPED_MODEL,
    embed_init: bool = False,
) -> dict[str, Any]:
    from training.stance_data import dev_rows
    from training.synthetic import make_synthetic
    from training.synthetic_docs import docs_from_rows
    from training.synthetic_knowledge import Knowledge

    t0 = time.time()
    max_len = C.STANCE_V3.max_len
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("train.npz", "dev.npz", "meta.json", "tokenizer.json", "init_fp16.safetensors"):
        (out / stale).unlink(missing_ok=True)
    check_train_files(data_root)
    inputs: dict[str, str] = {}
    pairs = Pairs()
    rows_v1, neg_stats = v1_pairs(data_root, sample_frac, pairs, inputs)
    rows_bin, bin_stats = (
        binary_pairs(data_root, sample_frac, pairs, inputs) if binary else ({}, {})
    )
    blocked, blocked_files = blocked_keys(data_root, inputs)
    log(f"blocked texts (dev / evaluation claims and evidence): {len(blocked)}")
    rows_by = {**rows_v1, **rows_bin}
    docs = [d for ds in C.STANCE_SYNTHETIC_SOURCES for d in docs_from_rows(rows_by[ds], ds)]
    kn_path = Path(__file__).resolve().parent / "data" / "synthetic_knowledge.json"
    inputs["training/data/synthetic_knowledge.json"] = sha256_file(kn_path)
    synth, synth_report = make_synthetic(
        docs, synthetic_total, seed=C.SEED, blocked=blocked, kn=Knowledge.load(kn_path)
    )
    for p in synth:
        pairs.add(p.claim, p.evidence, p.label, f"synthetic/{p.kind}")
    log(f"synthetic: {synth_report['total']} pairs {synth_report['kinds']}")
    train_claim_keys = len(blocked & {k for k in map(_key, pairs.text_id)})
    single, pair_tok = load_tokenizers(model_dir, max_len)
    log(f"tokenizing {len(pairs.text_id)} distinct texts of {len(pairs)} train pairs")
    table = to_table(pairs, single, max_len)
    dev = Pairs()
    a, b, y, g, names = dev_rows(data_root, inputs, dev_per_file)
    for claim, ev, label, gi in zip(a, b, y, g, strict=True):
        dev.add(claim, ev, C.STANCE_LABELS[label], names[gi])
    dev_table = to_table(dev, single, max_len)
    checked = verify_table(table, pairs, pair_tok, verify, C.SEED)
    checked += verify_table(dev_table, dev, pair_tok, 0, C.SEED)
    log(f"table sequences equal the tokenizer's pair encoding on {checked} pairs")
    table.save(out / "train.npz")
    dev_table.save(out / "dev.npz")
    shutil.copyfile(model_dir / "tokenizer.json", out / "tokenizer.json")
    init: dict[str, Any] = {
        "onnx": str(model_dir / "model.onnx"),
        "sha256": sha256_file(model_dir / "model.onnx"),
        "config": json.loads((model_dir / "config.json").read_text(encoding="utf-8")),
        "embedded": None,
    }
    if embed_init:
        init["embedded"] = embed_init_weights(model_dir / "model.onnx", out)
    lens = np.diff(table.materialize().offsets)
    counts = pairs.label_counts()
    meta: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "labels": list(LABELS4),
        "head_labels": list(C.STANCE_LABELS),
        "max_len": max_len,
        "inputs_sha256": dict(sorted(inputs.items())),
        "init": init,
        "tokenizer_sha256": sha256_file(out / "tokenizer.json"),
        "train": {
            "pairs": len(pairs),
            "texts": len(pairs.text_id),
            "label_counts": counts,
            "group_label_counts": pairs.group_counts(),
            "mean_tokens": round(float(lens.mean()), 2) if len(lens) else 0.0,
            "truncated_frac": round(float((lens >= max_len).mean()), 4) if len(lens) else 0.0,
            "texts_that_are_dev_or_eval_text": train_claim_keys,
        },
        "dev": {"pairs": len(dev), "files": dev.group_counts(), "per_file_sample": dev_per_file},
        "negatives": neg_stats,
        "binary": bin_stats,
        "synthetic": synth_report,
        "blocked": {"keys": len(blocked), "files": blocked_files},
        "prepare": {
            "data_root": str(data_root),
            "sample_frac": sample_frac,
            "synthetic_total": synthetic_total,
            "verified_pairs": checked,
        },
    }
    write_json(out / "meta.json", meta)
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
    total = _dir_mib(out)
    meta["bundle_bytes"] = sizes
    meta["bundle_mib"] = round(total, 2)
    meta["prepare"]["seconds"] = round(time.time() - t0, 1)
    write_json(out / "meta.json", meta)
    log(f"train label counts {counts}")
    for name, c in meta["train"]["group_label_counts"].items():
        log(f"  {name:38s} {c}")
    log(f"dev {len(dev)} pairs; bundle {out}: {total:.1f} MiB {sizes}")
    if total > max_mib:
        raise SystemExit(f"bundle {out} is {total:.1f} MiB, over --max-mib {max_mib}")
    log(f"prepare done in {time.time() - t0:.0f}s")
    return meta


def _key(text: str) -> str:
    from training.synthetic_docs import text_key

    return text_key(text)


def embed_init_weights(onnx_path: Path, out: Path) -> dict[str, Any]:
    """Every parameter of the shipped model (word embeddings included) as fp16."""
    from safetensors.numpy import save_file

    from training.from_onnx import map_initializers, read_onnx

    nodes, inits = read_onnx(onnx_path)
    params, _ = map_initializers(nodes, inits)
    path = out / "init_fp16.safetensors"
    save_file({k: v.astype(np.float16) for k, v in params.items()}, str(path))
    return {"file": path.name, "sha256": sha256_file(path), "tensors": len(params)}
