#!/usr/bin/env bash
# Stance v3 on a lent GPU machine (H200): train, export int8 ONNX, score dev, in one command
# that ends well inside 8 minutes. Everything it returns is written into $OUT (7 files, each
# < 16 MiB): train.log, manifest.json, dev_table.json, stance.part{0,1}.npz (fp16 weights),
# model.onnx.part{0,1} (int8 ONNX, joined by `reassemble`).
#
#   here:  .venv-train/bin/python -m training.stance_v3 prepare --out var/gpu-bundle
#   there: bash training/gpu.sh                      # device run, carry ["var/gpu-bundle"]
#   here:  .venv-train/bin/python -m training.stance_v3 reassemble --from <returned files>
#
# Timeline (the python's clock starts after `import torch`): bundle + weights recovered from
# workers/models/stance/model.onnx (~10-20 s), dev scores of the initial model, the training
# loop (V3_BUDGET_S, default 270 s; it also ends at V3_DEADLINE_S - 110 s), export + int8 dev
# scores of the new and the shipped model (~30-60 s). `timeout` kills it all at V3_TIMEOUT_S.
# Overrides: V3_BUDGET_S, V3_DEADLINE_S, V3_TIMEOUT_S, V3_ARGS (more stance_v3_gpu options,
# e.g. "--epochs 6 --lr 3e-5"), PYTHON (default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder whose files come back}"
PY="${PYTHON:-python3}"
BUNDLE="${V3_BUNDLE:-var/gpu-bundle}"
mkdir -p "$OUT" var
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
LOG="$OUT/train.log"
{
  echo "=== $(date -u +%FT%TZ) stance v3 on $(uname -n)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  du -sh "$BUNDLE" || true
} 2>&1 | tee "$LOG"
if [ ! -f "$BUNDLE/meta.json" ]; then
  echo "gpu.sh: no $BUNDLE/meta.json: run prepare here and carry $BUNDLE" | tee -a "$LOG"
  exit 2
fi
# shellcheck disable=SC2086  # V3_ARGS is a list of options
timeout --kill-after=10 "${V3_TIMEOUT_S:-465}" "$PY" -m training.stance_v3_gpu \
  --bundle "$BUNDLE" --out "$OUT" --run-dir var/stance-v3-run \
  --budget-s "${V3_BUDGET_S:-270}" --deadline-s "${V3_DEADLINE_S:-430}" ${V3_ARGS:-} 2>&1 |
  tee -a "$LOG"
rc=${PIPESTATUS[0]}
{
  echo "=== exit $rc; returned files:"
  ls -l "$OUT"
} 2>&1 | tee -a "$LOG"
exit "$rc"
