# Everything a person types. `make run` and `make test` are the README's two commands.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins boto3 to a version our requirements cannot share, so it lives in a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# The Lambda runs on the AWS SDK for pandas layer (Python 3.12, its own pyarrow, numpy and pandas): its
# tests run a second time in a venv with those versions (requirements-layer.txt).
LAYER_VENV := .venv-layer
LAYER_STAMP := $(LAYER_VENV)/.installed
LAYER_PYTHON ?= $(shell for p in python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12); do $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: install lock run test test-layer smoke lint fmt bench bench-lambda bench-dashboard bench-load bench-upload bench-freshness package deploy clean checkov

$(STAMP): requirements.txt requirements-prod.in requirements-dev.txt
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

$(LAYER_STAMP): requirements-layer.txt
	@test -n "$(LAYER_PYTHON)" || { echo "the Lambda's tests need Python 3.12 (the layer's) on PATH, or LAYER_PYTHON=/path/to/python3.12"; exit 1; }
	@test -x $(LAYER_VENV)/bin/python || $(LAYER_PYTHON) -m venv $(LAYER_VENV)
	$(LAYER_VENV)/bin/python -m pip install -q -r requirements-layer.txt
	@touch $(LAYER_STAMP)

install: $(STAMP)
	@bash scripts/system-deps.sh

run: install
	$(PY) manage.py run_local

# The browser tests drive the distribution's Chromium; it is installed here, not for `make run`.
test: install $(CHECKOV_STAMP) $(LAYER_STAMP)
	@bash scripts/system-deps.sh chromium shellcheck
	$(PY) -m pytest
	$(LAYER_VENV)/bin/python -m pytest tests/lambda_ -p no:cacheprovider

# The Lambda's tests alone, on the layer's versions.
test-layer: $(LAYER_STAMP)
	$(LAYER_VENV)/bin/python -m pytest tests/lambda_ -p no:cacheprovider

# The web server's lock file: requirements-prod.in and every dependency pinned, with hashes, from
# the public index alone (the machine's own pip configuration is ignored). Run after changing a pin.
lock: $(STAMP)
	env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
		$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --no-strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements-prod.txt requirements-prod.in

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

# Upload request -> new numbers in the report API on the twin (course file, then a 1M-row file).
bench-freshness: $(STAMP)
	$(PY) bench/freshness_bench.py $(ARGS)

package: $(STAMP)
	$(PY) infra/package.py --lambda-python "$(LAYER_PYTHON)"

# make deploy STACK=name ALLOWED_CIDR=a.b.c.d/32 PANDAS_LAYER_ARN=arn:... [SITE_HOSTNAME= ALARM_EMAIL= PARAMS=]
deploy: package
	@PYTHON=$(PY) STACK="$(STACK)" ALLOWED_CIDR="$(ALLOWED_CIDR)" PANDAS_LAYER_ARN="$(PANDAS_LAYER_ARN)" \
		SITE_HOSTNAME="$(SITE_HOSTNAME)" ALARM_EMAIL="$(ALARM_EMAIL)" PARAMS="$(PARAMS)" bash infra/deploy.sh

# make smoke STACK=name: one file through the deployed pipeline (upload, Lambda, crawler, Athena).
smoke: $(STAMP)
	@$(PY) infra/smoke.py --stack "$(STACK)"

checkov: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation -f infra/cloudformation.yaml

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(LAYER_VENV) var build dist .pytest_cache
