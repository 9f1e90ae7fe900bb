"""Cache the shipped check-worthiness model's scores on the data files, once.

Every experiment of :mod:`training.cw_experiments` reads these caches instead of running the
encoder again. Scores come from the runtime itself
(:class:`services.intake.extraction.checkworthiness.CheckworthinessModel`, batch 16, one
whole file per call), so they are the numbers ``make eval-checkworthiness`` sees: int8
dynamic quantisation computes activation scales per batch, and the batches are built the
same way here.

    .venv/bin/python -m training.cw_cache --out var/cw-cache ct24-en.dev ct20-tweets.dev ...

One ``<file>.jsonl`` per data file: ``{id, score, checkworthy}`` in file order, plus the
fields the experiments use (``text``, and ``debate`` / ``line`` / ``context`` where the
file has them). Runs in the main venv (onnxruntime, no torch).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KEEP = ("id", "text", "checkworthy", "debate", "line", "context")


def read_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def cache_file(model: Any, src: Path, dst: Path) -> int:
    """Score every row of ``src`` and write the cache ``dst``; returns the row count."""
    rows = read_rows(src)
    scores = model.score([r["text"] for r in rows])
    tmp = dst.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8") as fh:
        for row, score in zip(rows, scores, strict=True):
            out = {k: row[k] for k in KEEP if k in row}
            out["score"] = round(float(score), 6)
            fh.write(json.dumps(out, ensure_ascii=False) + "\n")
    tmp.replace(dst)
    return len(rows)


def load(cache: Path, name: str) -> list[dict[str, Any]]:
    """The cached rows of data file ``name`` (``score`` = P(checkworthy) of the model)."""
    return read_rows(cache / f"{name}.jsonl")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.cw_cache")
    parser.add_argument("names", nargs="+", help="check-worthiness files, e.g. ct24-en.dev")
    parser.add_argument("--out", type=Path, default=Path("var/cw-cache"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--debate-dev",
        action="store_true",
        help="also ct19.dev / ct20-debates.dev: the whole debates training.cw_data holds out",
    )
    args = parser.parse_args(argv)
    from services.intake.extraction.checkworthiness import CheckworthinessModel

    model = CheckworthinessModel(threads=args.threads, batch_size=16)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names:
        dst = args.out / f"{name}.jsonl"
        if dst.exists():
            print(f"{name}: cached", flush=True)
            continue
        t0 = time.perf_counter()
        n = cache_file(model, args.data / "checkworthiness" / f"{name}.jsonl", dst)
        print(f"{name}: {n} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    if args.debate_dev:
        cache_debate_dev(model, args.data, args.out)


def cache_debate_dev(model: Any, data: Path, out: Path) -> None:
    """ct19.dev and ct20-debates.dev of :func:`training.cw_data.splits` (whole debates)."""
    from training import cw_data

    splits = cw_data.splits(data)
    for name in cw_data.DEBATE_FILES.values():
        dst = out / f"{name}.jsonl"
        if dst.exists():
            continue
        src = out / f"{name}.source.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for row in splits[name]:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        t0 = time.perf_counter()
        n = cache_file(model, src, dst)
        src.unlink()
        print(f"{name}: {n} rows in {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
