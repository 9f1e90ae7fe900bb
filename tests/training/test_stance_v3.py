"""The stance v3 GPU recipe end to end on the CPU, on a few hundred pairs.

``prepare`` writes a bundle from a 1 % sample of the train files; the GPU-side script
(``training.stance_v3_gpu``, CUDA absent: CPU, bf16 autocast) runs in a subprocess that fails if
it imported a package the GPU machine lacks; it trains two steps, stops (as if killed),
resumes from its checkpoint for two more, exports the int8 ONNX in parts and scores dev;
``reassemble`` joins the parts into a model dir that onnxruntime scores a pair with.
Needs the training venv (torch, onnx, tokenizers, scikit-learn) and ../shared/data.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from training.files import DEFAULT_DATA_ROOT, sha256_file

ROOT = Path(__file__).resolve().parents[2]
# absent on the GPU machine (or not wanted there): the GPU side must not import them
NOT_ON_GPU = ("pydantic", "sklearn", "tokenizers", "spacy", "redis", "celery", "transformers")
RUNNER = f"""
import sys
from training.stance_v3_gpu import main
main(sys.argv[1:])
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({NOT_ON_GPU!r}))
if loaded:
    sys.exit("imported what the GPU machine lacks: " + ", ".join(loaded))
"""
MIB = 1 << 20


def _needs() -> None:
    for mod in ("torch", "onnx", "onnxruntime.quantization", "tokenizers", "sklearn"):
        pytest.importorskip(mod, reason="needs the training venv (.venv-train)")
    if not (DEFAULT_DATA_ROOT / "verification").is_dir():
        pytest.skip(f"{DEFAULT_DATA_ROOT} is absent (../shared/data is not part of the repository)")


def _gpu_side(args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_WAIT_POLICY": "PASSIVE"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, *args, "--device", "cpu"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.timeout(240)
def test_prepare_train_resume_export_reassemble(tmp_path: Path) -> None:
    _needs()
    from training.stance_v3_bundle import prepare
    from training.stance_v3_reassemble import reassemble, score_pair

    bundle, out, run_dir = tmp_path / "bundle", tmp_path / "out", tmp_path / "run"
    meta = prepare(
        DEFAULT_DATA_ROOT, bundle, sample_frac=0.01, synthetic_total=300, dev_per_file=12, verify=0
    )
    counts = meta["train"]["label_counts"]
    assert 600 < meta["train"]["pairs"] < 3000 and min(counts.values()) > 0
    groups = meta["train"]["group_label_counts"]
    assert {"mnli-binary", "fever-nli-binary", "synthetic/identity"} <= set(groups)
    assert set(groups["mnli-binary"]) == {"supported", "not_supported"}
    trained_on = [k for k in meta["inputs_sha256"] if k.endswith(".train.jsonl")]
    assert len(trained_on) == 7 and not any("test" in g or "dev" in g for g in groups)
    assert meta["prepare"]["verified_pairs"] == meta["train"]["pairs"] + meta["dev"]["pairs"]
    assert meta["bundle_mib"] < 5

    common = ["--bundle", str(bundle), "--out", str(out), "--run-dir", str(run_dir)]
    common += ["--max-steps", "4", "--batch-size", "8", "--eval-batch-size", "64"]
    common += ["--log-every", "1", "--threads", "2"]
    first = _gpu_side([*common, "--stop-after", "2", "--no-onnx-eval"])
    assert "--stop-after 2: checkpoint written" in first and (run_dir / "ckpt.pt").is_file()
    log = _gpu_side([*common, "--resume"])
    assert "resumed" in log and re.search(r"step 4/4 .* pairs/s", log)
    assert "input sha256" in log and "selection score" in log

    files = sorted(p.name for p in out.iterdir())
    assert len(files) <= 7 and all(re.fullmatch(r"[A-Za-z0-9._-]+", f) for f in files)
    assert all((out / f).stat().st_size <= 16 * MIB for f in files)
    assert sum((out / f).stat().st_size for f in files) <= 64 * MIB
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["train"]["steps"] == 4 and manifest["best"]["step"] == 4
    assert len(manifest["onnx"]["parts"]) >= 2
    table = json.loads((out / "dev_table.json").read_text())
    assert len(table["files"]) == 6
    assert set(table["columns"]) == {"init (torch)", "v3 (torch)", "shipped (int8)", "v3 (int8)"}

    cand = tmp_path / "candidate"
    res = reassemble(out, cand, weights_out=tmp_path / "weights", bundle=bundle)
    written = run_dir / "model.onnx"  # what the GPU side exported before splitting it
    assert (cand / "model.onnx").read_bytes() == written.read_bytes()
    assert sha256_file(cand / "model.onnx") == manifest["onnx"]["sha256"]
    conf = json.loads((cand / "config.json").read_text())
    assert conf["labels"] == ["supported", "refuted", "not_enough_info"]
    assert conf["temperature"] > 0 and res["onnx"] == "joined"
    assert (cand / "tokenizer.json").read_bytes() == (bundle / "tokenizer.json").read_bytes()
    probs = score_pair(cand, "The bridge opened in 1932.", "The bridge was opened in 1932.")
    assert len(probs) == 3 and abs(sum(probs) - 1.0) < 1e-6 and min(probs) > 0
