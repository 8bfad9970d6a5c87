# The one entry point. Every target creates .venv (pinned tools) when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup generate check-generated lint test test-stress mock build bench bench-mock conformance demo api-check release docs clean

$(STAMP): requirements/dev.txt scripts/bootstrap
	@PYTHON=$(PYTHON) scripts/bootstrap
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned toolchain (idempotent)

# The checkout's copy of the runtime (git ignores it; the wheel takes runtime/_core/ itself),
# made again whenever a module of runtime/_core/ changed.
RUNTIME_COPY := generated/deribit_session_client/_core/__init__.py
$(RUNTIME_COPY): $(shell find runtime/_core -name '*.py') | $(STAMP)
	@scripts/copy-runtime generated

generate: $(STAMP) ## Regenerate generated/ from openapi.yaml, generator-config.yaml and templates/
	@scripts/generate generated

check-generated: $(STAMP) ## Fail when generated/ is not what `make generate` produces
	@scripts/check-generated

lint: $(STAMP) $(RUNTIME_COPY) ## Validate the spec; ruff and mypy --strict over all code
	@scripts/lint

test: $(STAMP) $(RUNTIME_COPY) ## Contract tests against the mock server, schemathesis, packaging tests
	@scripts/test

test-stress: $(STAMP) $(RUNTIME_COPY) ## The suite as a shared CI machine runs it: busy loops on every core, processes paused at random (Linux)
	@$(BIN)/python scripts/stress.py $(ARGS)

mock: $(STAMP) $(RUNTIME_COPY) ## Run the mock exchange in the foreground on 127.0.0.1:$(PORT) (REALISTIC=1: the exchange's 10030 answers; TLS=1: https/wss with a test CA)
	@scripts/mock --port $(PORT) $(if $(REALISTIC),--realistic) $(if $(TLS),--tls)

build: $(STAMP) ## Build the wheel and sdist into dist/
	@rm -rf dist && $(BIN)/python -m build --outdir dist . >/dev/null && ls dist

bench: $(STAMP) $(RUNTIME_COPY) ## Measure the client's cost against raw httpx and urllib3; writes bench/results.json
	@$(BIN)/python bench/run.py

bench-mock: $(STAMP) $(RUNTIME_COPY) ## Measure the mock alone: N heartbeating connections (default 1000) for SECONDS (default 20)
	@$(BIN)/python bench/mock_scale.py $(or $(N),1000) $(or $(SECONDS),20)

conformance: $(STAMP) $(RUNTIME_COPY) ## The scenario against testnet (DERIBIT_CLIENT_ID/SECRET; ARGS="--http-url ... --ws-url ...") diffed against the mock
	@$(BIN)/python scripts/conformance.py $(ARGS)

api-check: $(STAMP) ## Fail on a breaking change to the Python API or the spec since BASE (default: the last tag, else the previous commit) without a major bump
	@$(BIN)/python scripts/api_check.py $(BASE)

release: $(STAMP) ## Bump to VERSION, regenerate, run the breaking-change gate, date the changelog entry
	@scripts/release $(VERSION)

demo: $(STAMP) $(RUNTIME_COPY) ## Watch WebSocketClient keep a session alive through a dropped connection (mock, time scale 0.02)
	@$(BIN)/python scripts/demo.py

docs: $(STAMP) $(RUNTIME_COPY) ## Build the documentation site into site/ (mkdocs --strict: a broken link or reference fails)
	@NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) site dist .pytest_cache .mypy_cache .ruff_cache
