# The verbs of uam-events. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UAM := $(VENV)/bin/uam
STAMP := $(VENV)/.installed
# the core compiled with mypyc, installed non-editable in a venv of its own (`make test-compiled`)
CVENV ?= .venv-compiled
CPY := $(CVENV)/bin/python
CSTAMP := $(CVENV)/.installed-hash
# everything that venv's install ships or is built from: a different hash means a rebuild
SHIPPED = setup.py pyproject.toml $(shell find uam_events streams -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort)
DEMO_OUT ?= demo-out
# the local Kafka broker (deploy/kafka): standard library only, so it needs no venv
BROKER := python3 deploy/kafka/broker.py
BROKER_ARGS ?=

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create the virtual environment and install the package with its dev tools

demo: $(STAMP) ## replay the shared example and a generated enterprise, print per-spoke summaries
	$(PY) -m uam_events.demo --out $(DEMO_OUT)

test: $(STAMP) ## run lint, type checks, import contracts, schema freshness and the test suite (pure, then compiled)
	$(MAKE) lint typecheck
	$(PY) -m pytest -q
	$(MAKE) test-compiled

compiled: ## build the core with mypyc into .venv-compiled (non-editable; again only when the sources change)
	@hash=$$(sha256sum $(SHIPPED) | sha256sum | cut -d' ' -f1); \
	if [ -f $(CSTAMP) ] && [ "$$(cat $(CSTAMP))" = "$$hash" ]; then \
		echo "$(CVENV): the compiled core is up to date ($${hash:0:12})"; exit 0; fi; \
	set -e; rm -f $(CSTAMP); \
	if [ ! -x $(CPY) ]; then python3 -m venv $(CVENV); $(CPY) -m pip install --quiet --upgrade pip; fi; \
	echo "$(CVENV): compiling the core with mypyc (about a minute)"; \
	rm -rf build/lib.* build/bdist.*; \
	UAM_COMPILE=1 $(CPY) -m pip install --quiet '.[dev]'; \
	$(CVENV)/bin/uam version | grep -q 'core compiled'; \
	echo "$$hash" > $(CSTAMP)

# PYTHONSAFEPATH and --import-mode=append: the checkout's uam_events/ must not shadow the
# installed, compiled one; UAM_EXPECT_CORE stops the session if it does (tests/conftest.py)
test-compiled: compiled ## run the unit and component tests on the compiled core (integration and e2e: pure run only)
	@$(CVENV)/bin/uam version
	PYTHONSAFEPATH=1 UAM_EXPECT_CORE=compiled $(CPY) -m pytest -q --import-mode=append tests/unit tests/component

test-unit: $(STAMP) ## run the unit tests only
	$(PY) -m pytest -q tests/unit

test-integration: $(STAMP) ## run the tests on a real Kafka broker, e2e included (KAFKA_VERSION, KAFKA_BOOTSTRAP_SERVERS)
	$(PY) -m pytest -q -m integration tests/integration tests/e2e

lint: $(STAMP) ## ruff and the import contracts (the core imports no I/O library)
	$(VENV)/bin/ruff check uam_events streams tests bench deploy setup.py
	$(VENV)/bin/ruff format --check uam_events streams tests bench deploy setup.py
	$(VENV)/bin/lint-imports

typecheck: $(STAMP) ## mypy strict on the package and deploy/kafka/broker.py
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict deploy/kafka/broker.py

format: $(STAMP) ## format the code with ruff
	$(VENV)/bin/ruff format uam_events streams tests bench deploy setup.py
	$(VENV)/bin/ruff check --fix uam_events streams tests bench deploy setup.py

bench: $(STAMP) compiled ## core benchmark on the compiled core, then compiled vs pure side by side; sink benchmark
	$(CPY) bench/core.py --expect compiled
	$(PY) bench/core.py --expect pure --compare $(CPY) --rounds 2
	$(PY) bench/sink.py

bench-pipeline: $(STAMP) ## run the pipeline benchmark on a real broker (starts one unless KAFKA_BOOTSTRAP_SERVERS)
	$(PY) bench/pipeline.py

schemas: $(STAMP) ## regenerate schemas/ from the pydantic contract models
	$(PY) -m uam_events.contract.schemas schemas

broker-start: ## start the local Kafka broker on 127.0.0.1:19092 (KAFKA_VERSION=4.3.1 for 4.x)
	$(BROKER) start $(BROKER_ARGS)

broker-stop: ## stop the local Kafka broker
	$(BROKER) stop $(BROKER_ARGS)

broker-reset: ## stop the local Kafka broker and wipe its data
	$(BROKER) reset $(BROKER_ARGS)

broker-status: ## tell whether the local Kafka broker answers (exit 1 when it does not)
	$(BROKER) status $(BROKER_ARGS)

clean: ## remove the virtual environments, the mypyc build and caches
	rm -rf $(VENV) $(CVENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis $(DEMO_OUT)

.PHONY: help install demo test compiled test-compiled test-unit test-integration lint typecheck format bench bench-pipeline schemas clean \
	broker-start broker-stop broker-reset broker-status
