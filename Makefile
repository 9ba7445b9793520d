# tsur — make targets. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
# Superset has its own virtualenv: it pins libraries tsur needs newer (SQLAlchemy < 2).
SUPERSET_VENV ?= .venv-superset
SUPERSET_LOCK := superset_dashboards/requirements.lock
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed-$(shell cat $(SUPERSET_LOCK) | sha256sum | cut -c1-12)
CHROMIUM := /usr/bin/chromium

.PHONY: help install superset up down dashboards demo check test test-fast lint format dagster db-start db-stop bench bench-export calendar methodology clean

help: ## Show this list
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP) ## Create .venv and install tsur with everything it needs
	@$(BIN)/tsur --help > /dev/null

$(SUPERSET_STAMP): $(SUPERSET_LOCK)
	@test -x $(SUPERSET_VENV)/bin/python || $(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SUPERSET_VENV)/bin/python -m pip install --quiet -r $(SUPERSET_LOCK)
	@rm -f $(SUPERSET_VENV)/.installed-*
	@touch $@

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	else echo "Debian's chromium is needed for the browser tests: sudo apt-get install chromium chromium-driver"; exit 1; fi

superset: $(SUPERSET_STAMP) $(CHROMIUM) ## Install Superset 6.1 into .venv-superset (pinned) and Debian's chromium
	@$(SUPERSET_VENV)/bin/python -c "import importlib.metadata as m; assert m.version('apache-superset').startswith('6.1.')"

up: install superset ## Start the database, the Dagster UI and Superset with the dashboards (Ctrl-C stops)
	$(BIN)/tsur serve

down: install ## Stop what `make up` / `tsur serve --detach` started
	$(BIN)/tsur serve --stop

dashboards: install ## Rewrite superset_dashboards/bundle from orchestration/superset/bundle.py (commit both)
	$(BIN)/python -m orchestration.superset.bundle

demo: install superset ## Generate the demo region, load it, build the warehouse, export it, print a summary
	$(BIN)/tsur demo
	@echo "Dashboards: make up (or .venv/bin/tsur serve) starts Superset on http://127.0.0.1:8088 and prints the logins."

check: install ## Run every data-quality suite in expectations/ (tsur check); fails on a critical failure
	$(BIN)/tsur check

test: install superset ## Run the whole test suite (starts its own PostgreSQL, Superset and headless Chromium)
	$(BIN)/pytest

test-fast: install ## Run the unit tests only
	$(BIN)/pytest tests/unit

lint: install ## ruff and sqlfluff
	$(BIN)/ruff check orchestration tests bench superset_dashboards
	$(BIN)/ruff format --check orchestration tests bench superset_dashboards
	cd dbt_project && ../$(BIN)/sqlfluff lint models macros

format: install ## Format Python and fix SQL style
	$(BIN)/ruff format orchestration tests bench superset_dashboards
	$(BIN)/ruff check --fix orchestration tests bench superset_dashboards
	cd dbt_project && ../$(BIN)/sqlfluff fix models macros

dagster: install ## Open the Dagster UI on http://127.0.0.1:3000
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.tsur/dagster} $(BIN)/python -c "from orchestration.pipeline import ensure_dagster_home; ensure_dagster_home()"
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.tsur/dagster} $(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

db-start: install ## Start the embedded PostgreSQL
	$(BIN)/tsur db start

db-stop: install ## Stop the embedded PostgreSQL
	$(BIN)/tsur db stop

bench: install ## Run the benchmarks and write bench/results/
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_generate.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_aggregates.py
	$(BIN)/python bench/bench_dashboards.py

bench-export: install ## Time a month's export packages on a built warehouse (read-only): make bench-export URL=postgresql://…
	$(BIN)/python bench/bench_export.py --url "$(URL)"

calendar: install ## Regenerate the production calendar seed from the holidays package
	$(BIN)/python -m orchestration.warehouse.calendar

methodology: install ## Regenerate docs/rating-methodology.md from the rating seeds (commit it with them)
	$(BIN)/python -m orchestration.warehouse.methodology

clean: ## Remove caches and dbt artefacts (keeps .tsur data)
	rm -rf .pytest_cache .ruff_cache dbt_project/target dbt_project/logs
