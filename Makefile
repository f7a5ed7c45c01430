# Quick start:  make run   (install, start the service, drive a sandbox payment through it)
#               make test  (install, lint, type-check, run the whole test suite)
#               make bench (install, run the benchmark with its baselines: docs/performance.md)

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080
# schemathesis (tests/server/test_schemathesis.py) has a virtualenv of its own, so its
# dependencies cannot change the behaviour of the test venv's.
ST_VENV ?= .venv-schemathesis
# `make lock` keeps every pin that still satisfies pyproject.toml; to move pins, e.g.
#   make lock LOCK_ARGS=--upgrade                      (everything to the newest release)
#   make lock LOCK_ARGS="--upgrade-package msgspec"    (one package)
# UV: the uv to lock with; give another (make lock UV=~/bin/uv) if the venv cannot install.
LOCK_ARGS ?=
UV ?= $(VENV)/bin/uv
LOCK := $(UV) pip compile --generate-hashes --universal --python-version 3.11 \
	--quiet --custom-compile-command "make lock" $(LOCK_ARGS)

.PHONY: install run bench test lint format openapi readme clean proto sdk-ts-test sdk-ts-generate \
	lock schemathesis

install: $(VENV)/.installed

# A new virtualenv with exactly the hash-checked versions of requirements/*.lock (the ones
# CI tested) whenever a lock changes; then the project itself, editable, without resolving
# anything (again when pyproject.toml changes, e.g. a new console script), and the Python
# client (sdk/python, its own distribution) the same way: its dependencies (aiohttp,
# msgspec) are the service's too, so the locks already pin them.
$(VENV)/.locked: requirements/pip.lock requirements/dev.lock
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements/pip.lock
	$(PY) -m pip install -q --require-hashes -r requirements/dev.lock
	touch $@

$(VENV)/.installed: $(VENV)/.locked pyproject.toml sdk/python/pyproject.toml
	$(PY) -m pip install -q --no-deps --no-build-isolation -e . -e sdk/python
	touch $@

# Regenerate the lock files from pyproject.toml and requirements/*.in (see LOCK_ARGS).
lock: $(if $(filter $(VENV)/bin/uv,$(UV)),install)
	$(LOCK) requirements/pip.in -o requirements/pip.lock
	$(LOCK) pyproject.toml requirements/dev.in --extra dev -o requirements/dev.lock
	$(LOCK) pyproject.toml --extra bench -c requirements/dev.lock -o requirements/bench.lock
	$(LOCK) pyproject.toml requirements/build.in -c requirements/dev.lock -o requirements/runtime.lock
	$(LOCK) requirements/schemathesis.in -o requirements/schemathesis.lock

schemathesis: $(ST_VENV)/.installed

$(ST_VENV)/.installed: requirements/pip.lock requirements/schemathesis.lock
	rm -rf $(ST_VENV)
	python3 -m venv $(ST_VENV)
	$(ST_VENV)/bin/python -m pip install -q --require-hashes -r requirements/pip.lock
	$(ST_VENV)/bin/python -m pip install -q --require-hashes -r requirements/schemathesis.lock
	touch $@

run: install
	PORT=$(PORT) VENV=$(VENV) scripts/quickstart.sh

# BENCH_ARGS: e.g. "--scenarios rest,stripe-sdk --duration 5", "--soak 600", "--profile"
bench: install
	$(PY) -m pip install -q --require-hashes -r requirements/bench.lock
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check src tests bench sdk/python/src scripts
	$(VENV)/bin/ruff format --check src tests bench sdk/python/src scripts
	$(VENV)/bin/mypy

# The TypeScript SDK's node tests run before pytest, so pytest's summary stays the last line.
test: lint sdk-ts-test schemathesis
	$(VENV)/bin/pytest

format: install
	$(VENV)/bin/ruff format src tests bench sdk/python/src scripts
	$(VENV)/bin/ruff check --fix src tests bench sdk/python/src scripts

openapi: install
	$(VENV)/bin/connector-service openapi > docs/openapi.json
	$(PY) scripts/gen_client_models.py
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
	$(PY) scripts/gen_connector_options.py

clean:
	rm -rf $(VENV) $(ST_VENV) connector-service.db*
