# Quick start:  make run   (install, start the service, drive a sandbox payment through it)
#               make test  (install, lint, type-check, run the whole test suite)

VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080

.PHONY: install run test lint format openapi readme clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

run: install
	PORT=$(PORT) VENV=$(VENV) scripts/quickstart.sh

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest

format: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

openapi: install
	$(VENV)/bin/connector-service openapi > docs/openapi.json

readme: install
	$(PY) scripts/update_readme.py

clean:
	rm -rf $(VENV) connector-service.db*
