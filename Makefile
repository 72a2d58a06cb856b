# The verbs of uam-events. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UAM := $(VENV)/bin/uam
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-out

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create the virtual environment and install the package with its dev tools

demo: $(STAMP) ## replay the shared example and a generated enterprise, print per-spoke summaries
	$(PY) -m uam_events.demo --out $(DEMO_OUT)

test: $(STAMP) ## run lint, type checks, import contracts, schema freshness and the test suite
	$(MAKE) lint typecheck
	$(PY) -m pytest -q

test-unit: $(STAMP) ## run the unit tests only
	$(PY) -m pytest -q tests/unit

lint: $(STAMP) ## ruff and the import contracts (the core imports no I/O library)
	$(VENV)/bin/ruff check uam_events streams tests bench
	$(VENV)/bin/ruff format --check uam_events streams tests bench
	$(VENV)/bin/lint-imports

typecheck: $(STAMP) ## mypy strict on the package
	$(VENV)/bin/mypy

format: $(STAMP) ## format the code with ruff
	$(VENV)/bin/ruff format uam_events streams tests bench
	$(VENV)/bin/ruff check --fix uam_events streams tests bench

bench: $(STAMP) ## run the core benchmark (figures as ratios against a same-run baseline)
	$(PY) bench/core.py

schemas: $(STAMP) ## regenerate schemas/ from the pydantic contract models
	$(PY) -m uam_events.contract.schemas schemas

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(DEMO_OUT)

.PHONY: help install demo test test-unit lint typecheck format bench schemas clean
