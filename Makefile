# spotify-warehouse: one entry point for people and CI.
#
#   make        set up .venv (pinned deps) if needed, build the warehouse and train the models
#               (dbt build, as an atomic refresh; training and discovery are reused when their
#               inputs did not change), write the static report site, print its index page
#               and the time each stage took
#   make test   set up .venv if needed, then run the whole test suite
#   make test-fast  the unit tier only (pytest -m unit: no dbt build, no browser; under a minute)
#   make lint   ruff, ruff format --check, sqlfluff lint and check-yaml (what CI runs first)
#   make format rewrite Python (ruff format, ruff's safe fixes) and SQL (sqlfluff fix) in place
#
# Every target runs from the repository root, where dbt finds dbt_project.yml and profiles.yml.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := all
.PHONY: all setup build reports check-reports docs test test-fast lint format bench clean evaluate

all: build reports
	@$(BIN)/python -m models_ml.stage_times show

# A fresh virtual environment with the exact versions in requirements.lock. Re-runs when
# pyproject.toml or the lock file changes.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,spark]"
	touch $(STAMP)

setup: $(STAMP)

# An atomic refresh (models_ml/refresh.py): dbt build into a new file beside the warehouse,
# swapped in only when every model and data test succeeded. Extra dbt arguments go in
# DBT_ARGS, e.g. make build DBT_ARGS="--vars '{hit_popularity_threshold: 75}'".
build: setup
	$(BIN)/python -m models_ml.refresh $(DBT_ARGS)
	@echo "Warehouse built: $${SPOTIFY_WAREHOUSE_PATH:-data/warehouse.duckdb}"
	@echo "Models and evaluation results: $${SPOTIFY_MODELS_DIR:-data/models}"

# The static report site (reports/site/ or $SPOTIFY_REPORTS_DIR), from the built warehouse,
# with the dbt docs as its dbt-docs/ page (generated into target/docs/, read-only).
reports: setup
	$(BIN)/python -m models_ml.stage_times run reports -- $(BIN)/python -m reports build --dbt-docs

# Open every page in headless Chromium (Debian chromium + chromium-driver), offline; writes
# screenshots of the index, genre and trend pages into the site's screenshots/ folder.
check-reports: setup
	$(BIN)/python -m reports check

docs: setup
	$(BIN)/dbt docs generate

# Every tier: unit, dbt_fixture, browser, real_data (markers in pyproject.toml, checked by
# tests/conftest.py).
test: setup
	$(BIN)/python -m pytest

# The developer loop: unit tests only, no dbt build and no browser.
test-fast: setup
	$(BIN)/python -m pytest -m unit

# The SQL sqlfluff checks (.sqlfluff): dbt models, data tests and macros, and the reports' queries.
SQL_PATHS := dbt_project/models dbt_project/tests dbt_project/macros reports/sql

# Fast checks first: ruff takes a second, sqlfluff a minute or more. `ruff check .` covers
# every Python file (dbt Python models included; .gitignore'd folders are skipped).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/check-yaml $$(git ls-files '*.yml' '*.yaml')
	$(BIN)/sqlfluff lint --processes 0 $(SQL_PATHS)

# Layout, case and alias keywords only: never what a query computes (see .sqlfluff).
format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix --processes 0 $(SQL_PATHS)

# dbt-project-evaluator (dbt Labs' best-practice rules) over this project, in a throw-away copy
# with the packages installed from local checkouts: DBT_PROJECT_EVALUATOR_DIR and DBT_UTILS_DIR
# (docs/project-evaluator.md). Fails on any finding that is not a documented exception.
evaluate: setup
	$(BIN)/python scripts/project_evaluator.py

bench: setup
	$(BIN)/python bench/bench_dbt_build.py
	$(BIN)/python bench/bench_ml.py
	$(BIN)/python bench/bench_reports.py

clean:
	rm -rf target logs dbt_packages
