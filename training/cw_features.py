"""Features for the check-worthiness head: the shipped encoder's pooled vector and margin.

The fine-tuned MiniLM (``services/intake/extraction/models/checkworthiness``) learned one
labelling policy (ClaimBuster's). Its mean-pooled sentence vector still knows much more
than its one logit says, so the head is re-fitted on every check-worthiness training file
over that vector (plus the old margin and the neighbours' vectors) without another pass of
the encoder at run time: :func:`expose_pooled` adds the pooled tensor as a second graph
output of the int8 model, and the intake reads both outputs from one run.

Commands (training venv: needs ``onnx``)::

    python -m training.cw_features expose --model services/intake/extraction/models/checkworthiness
    python -m training.cw_features extract --model ... --out artifacts/cw-features

``extract`` writes one ``<file>.npz`` per check-worthiness file (pooled vectors as float16,
margins, labels, and the debate / line / speaker fields where the file has them).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from training.files import DEFAULT_DATA_ROOT

POOLED_OUTPUT = "pooled"
# the tensor the classifier's MatMul reads: mean over the last layer's token states
POOLED_TENSOR = "/Div_output_0"

CW_FILES: tuple[str, ...] = (
    "ct24-en.train",
    "ct24-en.dev",
    "ct24-en.devtest",
    "ct20-tweets.train",
    "ct20-tweets.dev",
    "ct20-tweets.test",
    "ct19.train",
    "ct19.test",
    "ct20-debates.train",
    "ct20-debates.test",
)


def expose_pooled(model_path: Path) -> bool:
    """Add the pooled tensor as output ``pooled`` (in place); False when already there."""
    import onnx

    model = onnx.load(str(model_path))
    graph = model.graph
    if any(o.name == POOLED_OUTPUT for o in graph.output):
        return False
    producers = {out for node in graph.node for out in node.output}
    if POOLED_TENSOR not in producers:
        raise SystemExit(f"{model_path}: no tensor {POOLED_TENSOR!r} to expose")
    graph.node.append(onnx.helper.make_node("Identity", [POOLED_TENSOR], [POOLED_OUTPUT]))
    graph.output.append(
        onnx.helper.make_tensor_value_info(POOLED_OUTPUT, onnx.TensorProto.FLOAT, ["batch", 384])
    )
    onnx.checker.check_model(model)
    onnx.save(model, str(model_path))
    return True


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def encode(clf: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Pooled vectors and margins (logit checkworthy - logit not) of a model with both outputs."""
    from shared.text.words import normalize_text

    pooled, logits = clf.outputs(
        [normalize_text(t) for t in texts], names=(POOLED_OUTPUT, "logits")
    )
    pos = clf.labels.index("checkworthy")
    return pooled, logits[:, pos] - logits[:, 1 - pos]


def extract(model_dir: Path, data_root: Path, out: Path, threads: int) -> None:
    from shared.onnx.classifier import OnnxClassifier

    clf = OnnxClassifier(model_dir, threads=threads, batch_size=64)
    out.mkdir(parents=True, exist_ok=True)
    for name in CW_FILES:
        src = data_root / "checkworthiness" / f"{name}.jsonl"
        dst = out / f"{name}.npz"
        if dst.exists() or not src.exists():
            continue
        rows = _rows(src)
        t0 = time.perf_counter()
        texts = [r["text"] for r in rows]
        pooled, margin = encode(clf, texts)
        np.savez_compressed(
            dst,
            pooled=pooled.astype(np.float16),
            margin=margin.astype(np.float32),
            label=np.array([bool(r["checkworthy"]) for r in rows]),
            id=np.array([r["id"] for r in rows]),
            text=np.array(texts),
            debate=np.array([str(r.get("debate", "")) for r in rows]),
            line=np.array([int(r.get("line", i)) for i, r in enumerate(rows)]),
            speaker=np.array([str(r.get("context") or "") for r in rows]),
        )
        secs = time.perf_counter() - t0
        print(f"{name}: {len(rows)} texts in {secs:.0f} s ({len(rows) / secs:.0f}/s)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.cw_features")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("expose", help="add the pooled vector as a second model output")
    p.add_argument("--model", type=Path, required=True)
    p = sub.add_parser("extract", help="pooled vectors and margins of every cw file")
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_ROOT)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if args.cmd == "expose":
        changed = expose_pooled(args.model / "model.onnx")
        print("exposed" if changed else "already exposed")
    else:
        extract(args.model, args.data, args.out, args.threads)


if __name__ == "__main__":
    main()
