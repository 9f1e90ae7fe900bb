#!/usr/bin/env bash
# Stance v3 on this 2-core CPU: the same data and trainer as training/gpu.sh (v1 pairs replayed,
# the two binary train files with the partial-label loss, synthetic slot-swap pairs), sized
# for a background run here. bf16 autocast on the CPU, length-bucketed dynamic padding,
# batch 32; dev (a fixed sample per file) scored every V3_EVAL_EVERY steps, the best weights
# kept; a checkpoint every V3_CKPT_EVERY steps. Run it again after an interruption: it
# resumes from $RUN/ckpt.pt (the bundle is reused when present).
#
#   bash training/cpu_v3.sh            # logs to var/cpu-v3/train.log
#
# Then: make cpu-v3-reassemble (int8 ONNX in workers/models/stance-v3-candidate) and
# `training.stance evaluate` on the full dev files. Overrides: V3_BUDGET_S (training loop,
# default 3600), V3_LR, V3_SYNTHETIC (synthetic pairs asked), V3_SAMPLE_FRAC (of each train
# file), V3_DEV_PER_FILE, V3_PREPARE_ARGS (e.g. --no-binary), V3_EVAL_EVERY, V3_CKPT_EVERY, V3_ARGS, V3_DIR (default var/cpu-v3).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${TRAIN_PY:-.venv-train/bin/python}"
DIR="${V3_DIR:-var/cpu-v3}"
BUNDLE="$DIR/bundle"
RUN="$DIR/run"
OUT="$DIR/out"
LOG="$DIR/train.log"
BUDGET_S="${V3_BUDGET_S:-3600}"
mkdir -p "$DIR" "$RUN" "$OUT"
# Passive OpenMP waits: spinning threads starve a second process on two cores.
export OMP_WAIT_POLICY=PASSIVE HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
echo "=== $(date -u +%FT%TZ) stance v3 on the CPU ($(nproc) cores)" | tee -a "$LOG"
if [ ! -f "$BUNDLE/meta.json" ]; then
  # shellcheck disable=SC2086  # V3_PREPARE_ARGS is a list of options
  nice -n 10 "$PY" -m training.stance_v3 prepare --out "$BUNDLE" \
    --synthetic "${V3_SYNTHETIC:-40000}" --sample-frac "${V3_SAMPLE_FRAC:-1.0}" \
    --dev-per-file "${V3_DEV_PER_FILE:-500}" ${V3_PREPARE_ARGS:-} 2>&1 | tee -a "$LOG"
fi
RESUME=""
if [ -f "$RUN/ckpt.pt" ]; then RESUME="--resume"; fi
# shellcheck disable=SC2086  # V3_ARGS and RESUME are lists of options
nice -n 10 "$PY" -m training.stance_v3_gpu --device cpu --threads "$(nproc)" \
  --bundle "$BUNDLE" --out "$OUT" --run-dir "$RUN" --epochs 1 \
  --budget-s "$BUDGET_S" --deadline-s "$((BUDGET_S * 3))" --reserve-s 900 \
  --batch-size 32 --eval-batch-size 64 --lr "${V3_LR:-2e-5}" \
  --eval-every "${V3_EVAL_EVERY:-1000}" --ckpt-every "${V3_CKPT_EVERY:-250}" \
  $RESUME ${V3_ARGS:-} 2>&1 | tee -a "$LOG"
echo "=== $(date -u +%FT%TZ) exit ${PIPESTATUS[0]}" | tee -a "$LOG"
