# Everything a person types. `make run` and `make test` are the README's two commands.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint fmt bench bench-lambda bench-dashboard bench-load bench-upload package deploy clean system-deps

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON_BIN)" || { echo "ordersite needs Python 3.11 or newer on PATH"; exit 1; }
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) system-deps

# Redis (and Chromium for the browser tests) come from the distribution's packages.
system-deps:
	@bash scripts/system-deps.sh

run: install
	$(PY) manage.py run_local

test: install
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-lambda bench-dashboard

bench-lambda: $(STAMP)
	$(PY) bench/lambda_bench.py

bench-dashboard: $(STAMP)
	$(PY) bench/dashboard_bench.py

bench-load: $(STAMP)
	$(PY) bench/load_bench.py

bench-upload: $(STAMP)
	$(PY) bench/upload_memory.py

package: $(STAMP)
	$(PY) infra/package.py

clean:
	rm -rf $(VENV) var build dist .pytest_cache
