# service_center: `make run` sets everything up and serves the site; `make test` lints and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Where `make run` and `make serve` listen: ADDRESS=127.0.0.1:8080 make run (or ADDRESS=0.0.0.0:8000 for the LAN).
ADDRESS ?= 127.0.0.1:8000
DEMO_ITEMS ?= 5000
# Links in mails (and make demo's message) follow ADDRESS, unless SITE_URL is set in the environment or in .env.
SITE_URL_FROM_ADDRESS = $(if $(SITE_URL)$(shell grep -s '^SITE_URL=' .env),,SITE_URL=http://$(ADDRESS))

.DEFAULT_GOAL := help
.PHONY: help run serve test e2e lint fmt migrate superuser demo bench bench-cluster install install-dev check

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "  Variables: ADDRESS=$(ADDRESS) (where run and serve listen; mail links follow it unless .env sets"
	@echo "  SITE_URL), DEMO_ITEMS=$(DEMO_ITEMS) (items make demo adds). Example: ADDRESS=127.0.0.1:8080 make run"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install requirements.txt

install-dev: $(VENV)/.installed-dev ## Install requirements-dev.txt too

# A local .env with DEBUG on and a freshly generated secret key; an existing .env is never overwritten.
.env:
	sed "s|^DJANGO_SECRET_KEY=.*|DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" .env.example > .env
	@echo "Wrote .env from .env.example (DEBUG on, new secret key)."

migrate: install .env ## Apply database migrations
	$(MANAGE) migrate --no-input

# The worker runs beside the server and stops with it (Ctrl-C stops both).
run: migrate ## Set up (venv, .env, database) and serve on http://ADDRESS (127.0.0.1:8000), with the task worker
	$(SITE_URL_FROM_ADDRESS) $(BIN)/python -m service_center.worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(SITE_URL_FROM_ADDRESS) $(MANAGE) runserver $(ADDRESS)

demo: migrate ## Fill the database with demo staff and a dive shop of DEMO_ITEMS jobs, replacing the last demo (prints the passwords)
	$(SITE_URL_FROM_ADDRESS) $(MANAGE) seed_demo --reset --items $(DEMO_ITEMS)

# Production-like on this machine: DEBUG off, static files collected for WhiteNoise, gunicorn (gunicorn.conf.py).
serve: migrate ## Serve as in production: DEBUG off, gunicorn, WhiteNoise, the task worker (http://ADDRESS)
	DJANGO_DEBUG=off $(MANAGE) collectstatic --no-input -v0
	DJANGO_DEBUG=off $(SITE_URL_FROM_ADDRESS) $(BIN)/python -m service_center.worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DJANGO_DEBUG=off $(SITE_URL_FROM_ADDRESS) GUNICORN_BIND=$(ADDRESS) $(BIN)/gunicorn service_center.wsgi -c gunicorn.conf.py

# The benchmark (bench/run.py): SQLite, then PostgreSQL, each at two sizes side by side, then the two in one table
# (bench/table.py); results in bench/results/. Needs wrk (apt-get install wrk). bench-cluster: two app servers
# behind HAProxy (apt-get install haproxy), PostgreSQL and Redis shared, tasks on RQ.
BENCH_SQLITE_ITEMS ?= 10000,100000
BENCH_PG_ITEMS ?= 100000,1000000
BENCH_CLUSTER_ITEMS ?= 100000
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/service_center_bench
BENCH_REDIS ?= redis://127.0.0.1:6379/3
BENCH_ARGS ?=
bench: install .env ## Benchmark with SQLite and PostgreSQL, cached and not; writes bench/results/<date>-*.md
	$(BIN)/python bench/run.py --items $(BENCH_SQLITE_ITEMS) --export-items 1000000 --redis-url $(BENCH_REDIS) $(BENCH_ARGS)
	$(BIN)/python bench/run.py --items $(BENCH_PG_ITEMS) --database-url $(BENCH_PG) --redis-url $(BENCH_REDIS) $(BENCH_ARGS)
	$(BIN)/python bench/table.py

bench-cluster: install .env ## Two app servers behind HAProxy, sharing PostgreSQL and Redis (bench/cluster.py)
	$(BIN)/python bench/run.py --cluster --items $(BENCH_CLUSTER_ITEMS) --database-url $(BENCH_PG) --redis-url $(BENCH_REDIS) $(BENCH_ARGS)

superuser: migrate ## Create an administrator account
	$(MANAGE) createsuperuser

# django-upgrade rewrites old Django idioms in place and exits non-zero when it did (migrations stay as written).
DJANGO_UPGRADE = find . -name '*.py' -not -path './.venv/*' -not -path '*/migrations/*' -print0 \
	| xargs -0 $(BIN)/django-upgrade --target-version 5.2

lint: install-dev ## ruff check, ruff format --check, and django-upgrade (fails when it had to rewrite a file)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DJANGO_UPGRADE)

fmt: install-dev ## Fix what ruff and django-upgrade can and format the code
	$(DJANGO_UPGRADE) || true
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install-dev .env ## Django's system checks and the migrations check
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

test: install-dev .env lint check ## Lint, then run the whole test suite (SQLite unless DATABASE_URL says otherwise)
	@command -v chromium >/dev/null || echo "NOTE: Chromium is not installed, so the browser tests will be skipped (apt-get install chromium)."
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: install-dev .env ## The browser tests only (needs Debian's chromium and Java for the HTML checker)
	$(BIN)/pytest e2e $(PYTEST_ARGS)
