# Two commands do all the set-up on a fresh Debian/Ubuntu machine (README.md):
#   make run    install, migrate, load demo data, start the web server and a Celery worker
#   make test   the same set-up plus Chromium, then lint, types, checks and the test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Production-like variables for `check --deploy` (never used to serve anything).
PROD_ENV := DEBUG=0 ALLOWED_HOSTS=clinic.example.org \
	SECRET_KEY=check-deploy-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ

.PHONY: run test system-deps system-deps-test migrate demo lint bench backup restore clean

$(PY):
	PYTHON=$(PYTHON) scripts/system-deps.sh run
	$(PYTHON) -m venv $(VENV)

$(VENV)/.base-installed: requirements/base.lock | $(PY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/base.lock
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock | $(PY)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	touch $@ $(VENV)/.base-installed

system-deps:
	@PYTHON=$(PYTHON) scripts/system-deps.sh run

system-deps-test:
	@PYTHON=$(PYTHON) scripts/system-deps.sh test

migrate: $(VENV)/.base-installed
	$(PY) manage.py migrate --no-input -v 0

demo: migrate
	$(PY) manage.py seed_demo

run: system-deps demo
	scripts/run-dev.sh

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

test: system-deps-test $(VENV)/.dev-installed lint
	$(PY) manage.py makemigrations --check --dry-run
	$(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	PHT_DATA_DIR=$(CURDIR)/data/test DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-installed
	bench/run-all

backup: $(VENV)/.base-installed
	$(PY) manage.py backup $(if $(FILE),--output $(FILE),)

restore: $(VENV)/.base-installed
	$(PY) manage.py restore $(FILE)

clean:
	rm -rf $(VENV) data/staticfiles data/test
