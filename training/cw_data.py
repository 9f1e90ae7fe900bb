"""Which check-worthiness rows train, which choose, which are only reported.

* **train:** ct24-en.train, ct20-tweets.train, ct19.train and ct20-debates.train, less the
  debates held out as dev below and less every debate held on the date of a test debate
  (DATA.md's leakage warning: two ct19.test debates are also in ct20-debates.train).
* **dev** (model selection and the threshold): ct24-en.dev, ct20-tweets.dev and, since the
  debate files have no dev split, ``ct19.dev`` / ``ct20-debates.dev``: whole debates held out
  of ct19.train and ct20-debates.train (:func:`dev_debates`).
* **held-out** (reported, never chosen on): ct24-en.devtest, ct20-tweets.test, ct19.test,
  ct20-debates.test.

:func:`prune` is the data-pruning lever: exact duplicates (after case and white-space
folding) kept once, texts labelled both ways dropped, and lines of fewer than four words
(applause, "Thank you.", cross-talk) dropped. :func:`balanced` then draws
:data:`PER_FILE` rows of each training file (:data:`FILE_WEIGHT` times that for ct24-en),
half check-worthy: the training set of both ``training.checkworthiness`` and
``training.checkworthiness_gpu``.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Row = dict[str, Any]

TRAIN = ("ct24-en.train", "ct20-tweets.train", "ct19.train", "ct20-debates.train")
DEV = ("ct24-en.dev", "ct20-tweets.dev", "ct19.dev", "ct20-debates.dev")
HELDOUT = ("ct24-en.devtest", "ct20-tweets.test", "ct19.test", "ct20-debates.test")
DEBATE_FILES = {"ct19.train": "ct19.dev", "ct20-debates.train": "ct20-debates.dev"}
DEV_DEBATES_PER_FILE = 4
PER_FILE = 3000
"""Rows each training file contributes (half check-worthy): per-file balancing."""
FILE_WEIGHT: dict[str, float] = {"ct24-en.train": 2.0}
"""ct24-en (the cleanest labels, the policy the held-out debate test follows) counts double."""


def read(data_root: Path, name: str) -> list[Row]:
    path = data_root / "checkworthiness" / f"{name}.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _date(debate: str) -> str:
    return debate[:8]


def dev_debates(
    docs19: set[str], docs20: set[str], test_dates: set[str], per_file: int = DEV_DEBATES_PER_FILE
) -> set[str]:
    """From each debate file, the ``per_file`` debates first by SHA-1 of their name among
    those whose date neither the other file (it would leak) nor a test file has."""
    out: set[str] = set()
    for docs, other in ((docs19, docs20), (docs20, docs19)):
        taken = {_date(d) for d in other} | test_dates
        alone = sorted(
            (d for d in docs if _date(d) not in taken),
            key=lambda d: hashlib.sha1(d.encode()).hexdigest(),
        )
        out.update(alone[:per_file])
    return out


def splits(data_root: Path) -> dict[str, list[Row]]:
    """Every file of :data:`TRAIN`, :data:`DEV` and :data:`HELDOUT` by name."""
    out = {name: read(data_root, name) for name in (*TRAIN, *DEV[:2], *HELDOUT)}
    test_dates = {_date(r["debate"]) for n in HELDOUT[2:] for r in out[n]}
    held = dev_debates(
        {r["debate"] for r in out["ct19.train"]},
        {r["debate"] for r in out["ct20-debates.train"]},
        test_dates,
    )
    for name, dev in DEBATE_FILES.items():
        rows = out[name]
        out[dev] = [r for r in rows if r["debate"] in held]
        out[name] = [
            r for r in rows if r["debate"] not in held and _date(r["debate"]) not in test_dates
        ]
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def prune(files: Iterable[tuple[str, list[Row]]]) -> list[tuple[str, list[Row]]]:
    files = list(files)
    labels: dict[str, set[bool]] = defaultdict(set)
    for _, rows in files:
        for r in rows:
            labels[_norm(r["text"])].add(bool(r["checkworthy"]))
    seen: set[str] = set()
    out = []
    for name, rows in files:
        kept = []
        for r in rows:
            n = _norm(r["text"])
            if n in seen or len(labels[n]) > 1 or len(n.split()) < 4:
                continue
            seen.add(n)
            kept.append(r)
        out.append((name, kept))
    return out


def balanced(rows: list[Row], n: int, rng: random.Random) -> list[Row]:
    """``n`` rows, half positive (repeated when the file has fewer), half negative."""
    pos = [r for r in rows if r["checkworthy"]]
    neg = [r for r in rows if not r["checkworthy"]]
    half = n // 2
    take_pos = rng.sample(pos, min(half, len(pos)))
    while len(take_pos) < half and pos:
        take_pos += rng.sample(pos, min(half - len(take_pos), len(pos)))
    return take_pos + rng.sample(neg, min(half, len(neg)))
