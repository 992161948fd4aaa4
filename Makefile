# Developer and CI entry points. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Reinstall only when requirements.txt changes (or the venv is new).
STAMP := $(VENV)/.requirements.stamp
BOOK_ARGS ?=

.PHONY: venv vendor book test test-fast lint notebooks wheel benchmarks-scale

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first, alone, so that resolving the rest never pulls another (CUDA) build.
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install -e . --no-deps
	touch $(STAMP)

# onnxruntime-web for the book's in-browser sampler, from npm at the versions of book/vendor/package-lock.json
# (reinstalled only when the lock file changes); scripts/build_book.py copies its WASM build into the book.
VENDOR_STAMP := book/vendor/node_modules/.package-lock.json

vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): book/vendor/package-lock.json
	cd book/vendor && npm ci --ignore-scripts --no-audit --no-fund
	touch $(VENDOR_STAMP)

# Extra build options, e.g. make book BOOK_ARGS="--only problem -p seed 3"
book: venv vendor
	$(PY) scripts/build_book.py --profile book $(BOOK_ARGS)

# The whole suite (what CI runs), with the slowest tests listed at the end.
test: venv vendor
	$(PY) -m pytest -q --durations=25

# The developer's loop: every test but those that execute chapters, build the HTML, start a browser or Voila
# (marked book) and those that export ONNX or train for long (marked slow); the slowest listed.
test-fast: venv
	$(PY) -m pytest -q -m "not book and not slow" --durations=10

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The shipped, output-free chapter notebooks (gsdiff/notebooks/chapters/), from book/*.py and _config.yml.
notebooks: venv
	$(PY) scripts/sync_notebooks.py

# dist/gsdiff-<version>-py3-none-any.whl (the shipped checkpoints and notebooks inside), e.g. for Colab.
wheel: venv notebooks
	rm -rf dist build
	$(PY) -m pip wheel --no-deps --no-build-isolation -w dist .

# The large-network figures, printed as tables (about an hour on 2 cores; read ratios within one run): the
# expert's cost against the policies' at N = 20 ... 1600 and the denoiser's forward dense vs CSR, the
# mean-field expert's error against the exact one, transfer to 1600 pairs, and 10,000 pairs end to end.
benchmarks-scale: venv
	$(PY) benchmarks/amortization.py
	$(PY) benchmarks/expert_mean_field.py
	$(PY) benchmarks/expert_mean_field.py --pairs 1600 --skip-exact
	$(PY) benchmarks/transfer.py
	$(PY) benchmarks/ten_thousand_pairs.py
