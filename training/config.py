"""Every hyper-parameter and file list of the trainings, in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEED = 13

STANCE_LABELS: tuple[str, ...] = ("supported", "refuted", "not_enough_info")
CW_LABELS: tuple[str, ...] = ("not_checkworthy", "checkworthy")

# Relative to the data root (../shared/data). Only files DATA.md marks as train.
STANCE_TRAIN_FILES: tuple[str, ...] = (
    "verification/vitaminc-real.train.jsonl",
    "verification/vitaminc-synthetic.train.jsonl",
    "verification/covid-fact.train.jsonl",
    "verification/scifact-rte.train.jsonl",
    "verification/scifact.train.jsonl",
)
# Binary (DocNLI) train files: label ``not_supported`` = refuted or not_enough_info, trained
# with a partial-label loss on the 3-way head (stance v3, ``training/stance_v3.py``).
STANCE_BINARY_TRAIN_FILES: tuple[str, ...] = (
    "verification/mnli-binary.train.jsonl",
    "verification/fever-nli-binary.train.jsonl",
)
# Datasets whose evidence sentences the v3 synthetic pairs are made from (training/synthetic.py);
# MNLI premises (speech, fiction) are left out.
STANCE_SYNTHETIC_SOURCES: tuple[str, ...] = (
    "vitaminc-real",
    "vitaminc-synthetic",
    "covid-fact",
    "scifact",
    "scifact-rte",
    "fever-nli-binary",
)
# Dev files: model selection and calibration only.
STANCE_DEV_FILES: tuple[str, ...] = (
    "verification/vitaminc-real.dev.jsonl",
    "verification/fever-symmetric.dev.jsonl",
    "verification/covid-fact.dev.jsonl",
    "verification/healthver.dev.jsonl",
    "verification/wice.dev.jsonl",
    "verification/averitec.dev.jsonl",
)
CW_TRAIN_FILES: tuple[str, ...] = (
    "checkworthiness/ct24-en.train.jsonl",
    "checkworthiness/ct20-tweets.train.jsonl",
)
CW_DEV_FILE = "checkworthiness/ct24-en.dev.jsonl"
# Held-out: reported, never used for training, selection or thresholds.
CW_HELDOUT_FILE = "checkworthiness/ct24-en.devtest.jsonl"


@dataclass(frozen=True)
class NegativeConfig:
    """Synthetic not_enough_info pairs: a claim with the evidence of another claim."""

    # fraction of each dataset's unique claims that get one lexically similar negative
    hard_frac: dict[str, float] = field(
        default_factory=lambda: {
            "vitaminc-real": 0.30,
            "vitaminc-synthetic": 0.25,
            "covid-fact": 0.8,
            "scifact-rte": 0.8,
            "scifact": 0.8,
        }
    )
    # fraction that get one random (same dataset) negative
    random_frac: dict[str, float] = field(
        default_factory=lambda: {
            "vitaminc-real": 0.10,
            "vitaminc-synthetic": 0.10,
            "covid-fact": 0.3,
            "scifact-rte": 0.3,
            "scifact": 0.3,
        }
    )
    top_k: int = 20  # hard negative drawn from the k most similar admissible evidences
    max_claim_jaccard: float = 0.5  # near-duplicate claims are never negatives


@dataclass(frozen=True)
class TrainConfig:
    task: str
    max_len: int
    batch_size: int
    lr: float
    epochs: int
    warmup_frac: float = 0.06
    weight_decay: float = 0.01
    dropout: float = 0.1
    grad_clip: float = 1.0
    freeze_word_embeddings: bool = True  # keeps the returned weights small; see MODEL_CARD
    eval_batch_size: int = 256
    seed: int = SEED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# v1 (bs 32, lr 5e-5, 3 epochs) underfit (train loss ~0.5, dev still rising); v2:
STANCE = TrainConfig(task="stance", max_len=128, batch_size=64, lr=8e-5, epochs=7)
CHECKWORTHINESS = TrainConfig(task="checkworthiness", max_len=64, batch_size=32, lr=4e-5, epochs=3)

# Stance v3 on a lent H200 (training/gpu.sh): continues from the shipped int8 model; the
# loop also stops at its wall-clock budget (the lr schedule follows whichever of steps and
# time is further along), so a slower machine still ends with a decayed learning rate.
# About 205k pairs; 10 epochs fill the budget on an H200 below ~7,500 pairs/s and end sooner
# above; the dev score after each epoch picks the weights that are exported.
STANCE_V3 = TrainConfig(
    task="stance", max_len=128, batch_size=256, lr=4e-5, epochs=10, eval_batch_size=512
)
STANCE_V3_SYNTHETIC = 150_000  # pairs asked for; the candidates bound what is made
STANCE_V3_BUDGET_S = 270.0

# Sampled configuration for the CPU-only path (2 cores, well under 90 minutes end to end):
#   python -m training.stance train --sample 20000 --epochs 1
#   python -m training.checkworthiness train --sample 8000 --epochs 1
CPU_STANCE_SAMPLE = 20000
CPU_CW_SAMPLE = 8000
CPU_EPOCHS = 1
