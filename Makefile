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
# The mock's models inside the mock's package (the wheel maps them there too; not committed).
MOCK_MODELS := deribit_mock/_models.py
$(MOCK_MODELS): generated/deribit_mock_models.py
	@cp generated/deribit_mock_models.py $(MOCK_MODELS)
COPIES := $(RUNTIME_COPY) $(MOCK_MODELS)

generate: $(STAMP) ## Regenerate generated/ from openapi.yaml, generator-config.yaml and templates/
	@scripts/generate generated

check-generated: $(STAMP) ## Fail when generated/ is not what `make generate` produces
	@scripts/check-generated

lint: $(STAMP) $(COPIES) ## Validate the spec; ruff and mypy --strict over all code
	@scripts/lint

test: $(STAMP) $(COPIES) ## Contract tests against the mock server, schemathesis, packaging tests
	@scripts/test

test-stress: $(STAMP) $(COPIES) ## The suite as a shared CI machine runs it: busy loops on every core, processes paused at random (Linux)
	@$(BIN)/python scripts/stress.py $(ARGS)

mock: $(STAMP) $(COPIES) ## Run the mock exchange in the foreground on 127.0.0.1:$(PORT) (REALISTIC=1: the exchange's 10030 answers; TLS=1: https/wss with a test CA)
	@scripts/mock --port $(PORT) $(if $(REALISTIC),--realistic) $(if $(TLS),--tls)

build: $(STAMP) ## Build the wheel and sdist into dist/
	@rm -rf dist && $(BIN)/python -m build --outdir dist . >/dev/null && ls dist

bench: $(STAMP) $(COPIES) ## Measure the client's cost against raw httpx and urllib3; writes bench/results.json
	@$(BIN)/python bench/run.py

bench-mock: $(STAMP) $(COPIES) ## Measure the mock alone: N heartbeating connections (default 1000) for SECONDS (default 20)
	@$(BIN)/python bench/mock_scale.py $(or $(N),1000) $(or $(SECONDS),20)

conformance: $(STAMP) $(COPIES) ## The scenario against testnet (DERIBIT_CLIENT_ID/SECRET; ARGS="--http-url ... --ws-url ...") diffed against the mock
	@$(BIN)/python scripts/conformance.py $(ARGS)

api-check: $(STAMP) ## Fail on a breaking change to the Python API or the spec since BASE (default: $$API_CHECK_BASE, else the last tag, else the previous commit; with API_CHECK_REQUIRE_BASE=1, as the workflows set it, a base is required) without a major bump
	@$(BIN)/python scripts/api_check.py $(or $(BASE),$(API_CHECK_BASE))

release: $(STAMP) $(COPIES) ## One release: the gate decides the least next version (VERSION= may ask more); pyproject, openapi.yaml and the changelog move together; commit and tag
	@scripts/release $(VERSION)

demo: $(STAMP) $(COPIES) ## Watch WebSocketClient keep a session alive through a dropped connection (mock, time scale 0.02)
	@$(BIN)/python scripts/demo.py

docs: $(STAMP) $(COPIES) ## Build the documentation site into site/ (mkdocs --strict: a broken link or reference fails)
	@NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) site dist .pytest_cache .mypy_cache .ruff_cache
