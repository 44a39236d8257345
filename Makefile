# Consortium: `make run` to try it, `make test` before you push. `make help` lists everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PICCOLO_CONF := consortium.piccolo_conf
POSTGRES_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST := $(BIN)/pytest
# One pytest worker per core (pytest-xdist), whole test files to a worker so module fixtures are built once.
TEST_WORKERS ?= auto
PARALLEL := -n $(TEST_WORKERS) --dist loadfile

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create the virtualenv and install Consortium with its development tools

.PHONY: system-deps
system-deps: ## Install the Debian packages the PDF and browser tests need (as root, when missing)
	@bash scripts/system-deps.sh

.PHONY: run
run: install system-deps ## Migrate var/consortium.sqlite3, load the demo if empty, serve on http://127.0.0.1:8000
	mkdir -p var
	$(BIN)/consortium serve --demo

.PHONY: migrate
migrate: install ## Apply database migrations
	$(BIN)/consortium migrate

.PHONY: demo
demo: install ## Load the demo network into the database
	$(BIN)/consortium demo

.PHONY: lint
lint: install ## ruff (lint and format check) and mypy
	$(BIN)/ruff check consortium tests benchmarks scripts
	$(BIN)/ruff format --check consortium tests benchmarks scripts
	$(BIN)/mypy

.PHONY: format
format: install ## Format the code with ruff
	$(BIN)/ruff format consortium tests benchmarks scripts
	$(BIN)/ruff check --fix consortium tests benchmarks scripts

.PHONY: test
test: lint system-deps ## Lint, the whole suite on SQLite, the database tests on PostgreSQL, then the browser tests
	$(PYTEST) -q $(PARALLEL) -m "not browser"
	CONSORTIUM_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(PYTEST) -q $(PARALLEL) -m "postgres and not browser"
	$(PYTEST) -q -m browser -p no:asyncio

.PHONY: test-fast
test-fast: install ## The SQLite suite only, without lint or browser
	$(PYTEST) -q $(PARALLEL) -m "not browser"

.PHONY: bench
bench: install system-deps ## Benchmarks: analysis at scale, imports, API totals, pages, PDF rendering, the workbook, background work, web processes
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_imports.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_pages.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_workbook.py
	$(BIN)/python benchmarks/bench_jobs.py
	$(BIN)/python benchmarks/bench_web_processes.py

.PHONY: fuzz
fuzz: install ## The long Schemathesis run: 60 examples per API operation, as a convenor and as a member
	$(BIN)/python scripts/fuzz.py --examples 60

.PHONY: clean
clean: ## Remove the virtualenv, local database and caches
	rm -rf $(VENV) var .mypy_cache .ruff_cache .hypothesis test-artifacts
