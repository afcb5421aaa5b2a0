# newsdesk: `make run` (the daemon on sources.toml and SQLite), `make test`, `make demo`, `make lint`, `make bench`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NEWSDESK_DB ?= sqlite:///newsdesk.db
export NEWSDESK_DB

.PHONY: install run test demo lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# Compiled now, as an installed package is: where PYTHONDONTWRITEBYTECODE is set, every crawl process
	# (and each of its extraction workers) would otherwise compile the project's sources at start.
	$(BIN)/python -m compileall -q crawler pipelines storage extraction cli web demo scheduler.py
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/newsdesk --sources sources.toml daemon

test: install
	$(BIN)/python -m pytest

demo: install
	$(BIN)/newsdesk --db sqlite:///demo.db demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
