# Quick start:  make run   (install, start the service, drive a sandbox payment through it)
#               make test  (install, lint, type-check, run the whole test suite)
#               make bench (install, run the benchmark with its baselines: docs/performance.md)

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080

.PHONY: install run bench test lint format openapi readme clean proto sdk-ts-test sdk-ts-generate

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

run: install
	PORT=$(PORT) VENV=$(VENV) scripts/quickstart.sh

# BENCH_ARGS: e.g. "--scenarios rest,stripe-sdk --duration 5", "--soak 600", "--profile"
bench: install
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

# The TypeScript SDK's node tests run before pytest, so pytest's summary stays the last line.
test: lint sdk-ts-test
	$(VENV)/bin/pytest

format: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

openapi: install
	$(VENV)/bin/connector-service openapi > docs/openapi.json
	@if [ -d sdk/typescript/node_modules ]; then $(MAKE) -s sdk-ts-generate; \
	else echo "then run 'make sdk-ts-generate': the TypeScript SDK's types follow openapi.json"; fi

# gRPC: regenerate src/connector_service/grpc_gen from proto/ and record proto/baseline.json
# (refused when the protos break the baseline; tests/grpc/test_proto.py checks both).
proto: install
	$(PY) scripts/gen_proto.py

# TypeScript SDK (sdk/typescript, Node >= 20): npm ci from the lock file when it changed,
# build, and test against a service the test starts from this .venv. Skipped with a note
# when npm is missing, unless CS_REQUIRE_NODE is set (.ci/run sets it).
sdk-ts-test: install
	@if ! command -v npm >/dev/null 2>&1; then \
	  if [ -n "$$CS_REQUIRE_NODE" ]; then echo "CS_REQUIRE_NODE is set but npm is missing" >&2; exit 1; fi; \
	  echo "skipping the TypeScript SDK tests: npm is not installed"; \
	else \
	  cd sdk/typescript && { [ node_modules/.package-lock.json -nt package-lock.json ] || \
	    npm ci --no-audit --no-fund --loglevel=error; } && \
	  CS_PYTHON="$(abspath $(PY))" npm test --silent; \
	fi

sdk-ts-generate:
	cd sdk/typescript && npm run -s generate

readme: install
	$(PY) scripts/update_readme.py

clean:
	rm -rf $(VENV) connector-service.db*
