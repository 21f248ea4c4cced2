# Commerce backend. `make help` lists the commands; the README shows the same ones.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra arguments for a bench script, e.g. make bench-overhead ARGS=--breakdown
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run up up-notifications migrate seed test check fmt schema openapi contracts contracts-build deploy-check bench-outbox bench-catalog bench-orders bench-checkout bench-reporting bench-notifications bench-overhead bench-validation bench-memory clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's|$$(HOST)|$(HOST)|g' -e 's|$$(PORT)|$(PORT)|g' \
		| awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'
	@echo
	@echo "  Another address: make run HOST=0.0.0.0 PORT=8080"

$(BIN)/.installed: requirements/base.txt requirements/local.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required ($(PYTHON) is $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/local.txt
	touch $@

install: $(BIN)/.installed ## Create .venv and install requirements/local.txt

migrate: install ## Apply migrations to both databases (default and reporting)
	$(MANAGE) migrate --noinput
	$(MANAGE) migrate --noinput --database reporting
	@if [ -n "$$NOTIFICATIONS_DATABASE_URL" ]; then $(MANAGE) migrate --noinput --database notifications; fi

seed: migrate ## Load the demo shop (products, staff per role, a customer with a token)
	$(MANAGE) seed_demo

run: seed ## Embedded default: migrate, load demo data, serve on http://$(HOST):$(PORT)
	@echo
	@echo "  API docs  http://$(HOST):$(PORT)/api/docs/"
	@echo "  Schema    http://$(HOST):$(PORT)/api/schema/"
	@echo "  Admin     http://$(HOST):$(PORT)/admin/   (logins above)"
	@echo "  Health    http://$(HOST):$(PORT)/healthz  http://$(HOST):$(PORT)/readyz"
	@echo
	$(MANAGE) runserver $(HOST):$(PORT)

up: migrate ## Real services (DATABASE_URL, ... set): gunicorn, Celery worker and beat (DEBUG off)
	DJANGO_DEBUG="$${DJANGO_DEBUG:-false}" PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start -f Procfile

NOTIFICATIONS_SETTINGS ?= config.settings.notifications
up-notifications: install ## Notifications as its own deployment (NOTIFICATIONS_DATABASE_URL, ... set): migrate, worker, beat, admin
	DJANGO_SETTINGS_MODULE=$(NOTIFICATIONS_SETTINGS) $(MANAGE) migrate --noinput
	DJANGO_SETTINGS_MODULE=$(NOTIFICATIONS_SETTINGS) PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start -f Procfile.notifications

test: check ## Lint, boundaries, migrations, the Node.js client build, the test suite (runs the Node storefront), event samples
	$(MAKE) contracts-build
	$(BIN)/pytest
	cd contracts/node && npm run --silent validate-events

check: install ## ruff (lint + format), lint-imports, makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run

fmt: install ## Fix lint and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The committed schema is PostgreSQL's (integer bounds follow the database backend; SQLite's differ):
# the machine's PostgreSQL, as the test settings default to, unless DATABASE_URL names another.
# Generating it reads the backend's field ranges only; it opens no connection.
SCHEMA_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/commerce
OPENAPI_FILE ?= contracts/openapi.yaml

schema: openapi ## Regenerate contracts/openapi.yaml and contracts/events/*.json from the code (on PostgreSQL)
	$(MANAGE) events_schemas

openapi: install
	DATABASE_URL="$${DATABASE_URL:-$(SCHEMA_DATABASE_URL)}" $(MANAGE) spectacular --api-version v1 --validate --fail-on-warn --file $(OPENAPI_FILE)

contracts-build: ## Node.js consumer: types from openapi.yaml, type-check and build the typed client and flows
	cd contracts/node && npm ci --silent --no-audit --no-fund
	cd contracts/node && npm run --silent generate
	cd contracts/node && npm run --silent typecheck
	cd contracts/node && npm run --silent build

contracts: contracts-build ## contracts-build, then validate the event samples of the last test run
	cd contracts/node && npm run --silent validate-events

deploy-check: install ## manage.py check --deploy with production settings (sample values for unset ones)
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-shop.example.com}" \
	DATABASE_URL="$${DATABASE_URL:-postgres://commerce@db:5432/commerce}" \
	REPORTING_DATABASE_URL="$${REPORTING_DATABASE_URL:-mssql://sa:secret@mssql:1433/reporting}" \
	MONGODB_URI="$${MONGODB_URI:-mongodb://mongo:27017/commerce}" \
	REDIS_URL="$${REDIS_URL:-redis://redis:6379/0}" \
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-amqp://guest:guest@rabbitmq:5672//}" \
	$(MANAGE) check --deploy --fail-level WARNING

bench-outbox: install ## Outbox relay+dispatch vs raw Celery, and event latency (needs PostgreSQL, RabbitMQ, Redis)
	$(BIN)/python bench/outbox.py

bench-catalog: install ## Cached product detail vs a minimal Django view under gunicorn (needs Redis, wrk)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/catalog.py

bench-orders: install ## POST /orders vs a minimal view and five raw INSERTs under gunicorn (needs PostgreSQL, RabbitMQ, Redis, wrk)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/orders.py

bench-checkout: install ## Checkout completions/s beside the minimal-order view and POST /orders, SQL per completion (needs PostgreSQL, RabbitMQ, Redis, wrk)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/checkout.py

bench-overhead: install ## POST /orders with telemetry (every trace, with SQL/Redis spans, 1 in 10) vs off: four gunicorn servers in one run, eight with ARGS=--breakdown (needs PostgreSQL, RabbitMQ, Redis, wrk)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/overhead.py $(ARGS)

bench-validation: install ## POST /orders with outgoing events validated against their schemas vs not, two gunicorn servers in one run (needs PostgreSQL, RabbitMQ, Redis, wrk)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/validation.py

bench-reporting: install ## Reporting backfill rows/s beside its read and write alone, projection handler latency (needs PostgreSQL)
	$(BIN)/python bench/reporting.py

bench-notifications: install ## Webhook deliveries/s to a local receiver and event->webhook latency (needs PostgreSQL, RabbitMQ, Redis)
	$(BIN)/python bench/notifications.py

bench-memory: install ## RSS of one gunicorn worker over 20,000 mixed requests and of one Celery worker process over 20,000 events (needs PostgreSQL, RabbitMQ, Redis)
	$(BIN)/python bench/memory.py

clean: ## Remove the venv and the embedded databases
	rm -rf $(VENV) var staticfiles
