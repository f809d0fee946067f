# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL  := models/default
DOCS   := corpus/documents
OUT    := outputs/latest

.PHONY: install dask browser model run test bench clean

install: $(STAMP)

# Dependencies come only from the hashed lock file; the project itself is installed without them.
# The lock is complete (uv pip compile), so pip installs it with --no-deps and never re-resolves:
# the pip that `python3.11 -m venv` gives (23.2.1) rejects extras such as justext's
# lxml[html_clean] in --require-hashes mode while resolving. `pip check` then proves the set is whole.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip check
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The optional Dask extra (`lessons run --scheduler`): the same pins plus dask/distributed, by hash.
DASK_STAMP := $(VENV)/.dask-installed
dask: $(DASK_STAMP)

$(DASK_STAMP): $(STAMP) requirements-dask.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dask.lock
	$(BIN)/pip check
	touch $(DASK_STAMP)

# The report's browser test drives Debian's Chromium (never a browser downloaded by playwright).
# Installed when missing and apt-get can run as root; otherwise that test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium not installed: the browser test of the HTML report will skip"

# The default model is a build artefact: trained from corpus/ when missing.
model: $(STAMP)
	@test -f $(MODEL)/model.json || $(BIN)/lessons train --out $(MODEL)

run: model
	$(BIN)/lessons run $(DOCS) --out $(OUT) --model $(MODEL) --force

# The suite runs on two processes (pytest-xdist), a test file per process at a time, so a file's
# module fixtures are built once; TEST_WORKERS=1 runs it in one.
TEST_WORKERS ?= 2
test: $(STAMP) $(DASK_STAMP) browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: model
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) outputs/latest
