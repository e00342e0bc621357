# Everything a person types. `make run` and `make test` are the README's two commands.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins boto3 to a version our requirements cannot share, so it lives in a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: install run test lint fmt bench bench-lambda bench-dashboard bench-load bench-upload package deploy clean checkov

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON_BIN)" || { echo "ordersite needs Python 3.11 or newer on PATH"; exit 1; }
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -n "$(PYTHON_BIN)" || { echo "ordersite needs Python 3.11 or newer on PATH"; exit 1; }
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON_BIN) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q -r requirements-checkov.txt
	@touch $(CHECKOV_STAMP)

install: $(STAMP)
	@bash scripts/system-deps.sh

run: install
	$(PY) manage.py run_local

# The browser tests drive the distribution's Chromium; it is installed here, not for `make run`.
test: install $(CHECKOV_STAMP)
	@bash scripts/system-deps.sh chromium shellcheck
	$(PY) -m pytest

# ruff on everything; mypy with django-stubs on the Django code (ordersite, pipeline_admin, dashboard).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: bench-lambda bench-dashboard

# make bench-lambda ARGS='--rows 1000000 --generator eu --profile' (python bench/lambda_bench.py -h for all)
bench-lambda: $(STAMP)
	$(PY) bench/lambda_bench.py $(ARGS)

bench-dashboard: $(STAMP)
	$(PY) bench/dashboard_bench.py

bench-load: $(STAMP)
	@bash scripts/system-deps.sh wrk
	$(PY) bench/load_bench.py

bench-upload: $(STAMP)
	$(PY) bench/upload_memory.py

package: $(STAMP)
	$(PY) infra/package.py

# make deploy STACK=name ALLOWED_CIDR=a.b.c.d/32 PANDAS_LAYER_ARN=arn:... [SITE_HOSTNAME= ALARM_EMAIL= PARAMS=]
deploy: package
	@PYTHON=$(PY) STACK="$(STACK)" ALLOWED_CIDR="$(ALLOWED_CIDR)" PANDAS_LAYER_ARN="$(PANDAS_LAYER_ARN)" \
		SITE_HOSTNAME="$(SITE_HOSTNAME)" ALARM_EMAIL="$(ALARM_EMAIL)" PARAMS="$(PARAMS)" bash infra/deploy.sh

checkov: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation -f infra/cloudformation.yaml

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) var build dist .pytest_cache
