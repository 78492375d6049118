# Magic Mango: the two commands a newcomer needs are `make run` and `make test`.
# Every target installs what it needs by itself (virtual environment, npm packages,
# Debian's Chromium), so a fresh clone needs nothing installed by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_TOOLS := tools/node_modules/.installed
EXT_DEPS := extension/node_modules/.installed
APP_DEPS := web/app/node_modules/.installed
LANDING_DEPS := web/landing/node_modules/.installed
PYTEST_ARGS ?=

.PHONY: help run dev test test-fast lint format bench install extension web chromium clean

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_TOOLS): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(EXT_DEPS): extension/package.json extension/package-lock.json
	cd extension && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(APP_DEPS): web/app/package.json web/app/package-lock.json
	cd web/app && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(LANDING_DEPS): web/landing/package.json web/landing/package-lock.json
	cd web/landing && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(NODE_TOOLS)  ## Create the virtual environment and install Python and npm tooling.

chromium:  ## Install Debian's headless Chromium for browser tests (once).
	bash scripts/install-chromium.sh

run: $(STAMP) web  ## Start the whole system on embedded defaults (mango dev).
	$(BIN)/mango dev

dev: run

test: $(STAMP) $(NODE_TOOLS) chromium extension web  ## Install everything and run every test suite.
	cd extension && npm test --silent
	cd web/app && npm run --silent typecheck && npm test --silent
	cd web/landing && npm run --silent typecheck && npm test --silent
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)  ## Run only the fast tests (no slow end-to-end suites).
	$(BIN)/python -m pytest -m 'not slow' $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff (lint and format check) and mypy --strict.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)  ## Format and auto-fix the Python code.
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) $(NODE_TOOLS)  ## Run the benchmarks and rewrite benchmarks/RESULTS.md.
	$(BIN)/python -m benchmarks

extension: $(EXT_DEPS)  ## Type-check and build the browser extension, and zip it for the store.
	cd extension && npm run --silent typecheck && npm run --silent build && npm run --silent package

web: $(APP_DEPS) $(LANDING_DEPS)  ## Build the web app (web/app/dist) and the landing page (web/landing/out).
	cd web/app && npm run --silent build
	cd web/landing && npm run --silent build

clean:  ## Remove the virtual environment, node_modules and build output.
	rm -rf $(VENV) tools/node_modules extension/node_modules extension/dist \
		web/app/node_modules web/app/dist web/landing/node_modules web/landing/out
