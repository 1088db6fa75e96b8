# Rue Commune: `make run` serves the platform on a local PostGIS it manages; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint stop system-deps browser-deps bench clean env-example mutation test-deploy lock

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

system-deps:
	@scripts/system-deps.sh

browser-deps:
	@scripts/system-deps.sh --browser

run: system-deps $(STAMP)  ## database + migrations + demo territory, then serve on http://127.0.0.1:8000
	$(BIN)/ruecommune dev

test: browser-deps $(STAMP)  ## the whole suite against a real PostGIS (never skipped)
	$(BIN)/pytest

lint: $(STAMP)  ## ruff, mypy and the import-direction contract
	$(BIN)/ruff check .
	$(BIN)/mypy core geo dispatch maps api cli
	$(BIN)/lint-imports

env-example: $(STAMP)  ## rewrite .env.example from the settings classes' field descriptions
	$(BIN)/python scripts/env_example.py

mutation: system-deps $(STAMP)  ## mutmut on geo/service, dispatch/notifications, dispatch/workflow (ONLY='geo.service.*' for some): score per module
	$(BIN)/python scripts/mutation.py $(ONLY)

test-deploy: $(STAMP)  ## the compose stack on a real Docker engine: build, start, check through the proxy, tear down
	scripts/test-deploy.sh

# The image's dependencies, pinned with hashes: every platform file of each version, resolved for Linux/3.11.
UV_COMPILE = SSL_CERT_FILE=$${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt} $(BIN)/uv pip compile \
	--generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_36 --no-header
lock: $(STAMP)  ## rewrite requirements.lock (and requirements-build.lock) from pyproject.toml's pins
	$(UV_COMPILE) pyproject.toml -o requirements.lock
	echo "setuptools==$$($(BIN)/python -c 'import setuptools; print(setuptools.__version__)')" \
	  | $(UV_COMPILE) - -o requirements-build.lock

stop:  ## stop the managed PostGIS cluster
	$(BIN)/ruecommune db stop

bench: system-deps $(STAMP)  ## every benchmark, then the load test; figures beside the raw engine limits
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python -m bench

clean: stop
	rm -rf .data
