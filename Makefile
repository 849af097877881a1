# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test install lint migrate demo system browser worker beat bench bench-http bench-reports bench-pages seed-scale wrk bench-database clean

run: install system ## Set up, migrate, load demo data and serve on http://127.0.0.1:8000
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_data
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install system browser ## Set up, then the whole suite (browser tests included), ruff and mypy
	$(BIN)/pytest
	$(MAKE) --no-print-directory lint

install: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: install ## ruff (lint and format) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy config harp proofing iqies_roles qsep

# WeasyPrint (certificate and transcript PDFs) needs Pango from the system, and
# HarfBuzz's subsetter to embed fonts quickly (without it a PDF takes a second
# more: WeasyPrint falls back to fontTools).
system:
	@if ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' \
	  && ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0'; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Pango and HarfBuzz for PDF certificates..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; \
	else \
	  echo "!!! Pango or HarfBuzz is missing (libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0): certificate and transcript PDFs will fail or be slow. Install them."; \
	fi

# Browser tests drive Debian's chromium. Install it when missing and we can (root with
# apt-get); otherwise say so loudly: the browser tests then skip, except in CI.
browser:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!! $(CHROMIUM) is missing and cannot be installed here (needs root and apt-get)."; \
	  echo "!!! The browser tests in tests/browser/ will be SKIPPED. Install Debian's chromium."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_data

worker: install ## A Celery worker (needs CELERY_BROKER_URL)
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install ## Celery beat, the scheduler of periodic tasks (needs CELERY_BROKER_URL)
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=$${TMPDIR:-/tmp}/hub-celerybeat-schedule

bench: install ## The benchmarks under bench/
	$(BIN)/python bench/run.py

# The benchmarks under a real server drive gunicorn with Debian's wrk: installed
# when missing and we can (root with apt-get), else they stop.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's wrk for the HTTP benchmarks..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	    echo "!!! wrk is missing and cannot be installed here (needs root and apt-get)."; \
	    echo "!!! The HTTP benchmarks cannot run: install Debian's wrk (apt-get install wrk)."; \
	    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	    exit 1; \
	  fi; \
	fi

bench-database:
	@if [ -z "$$BENCH_DATABASE_URL" ]; then \
	  echo "!!! Set BENCH_DATABASE_URL to a local PostgreSQL database that may be dropped,"; \
	  echo "!!! e.g. BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_bench_scale"; \
	  exit 1; \
	fi

# The national data set (1,000,000 learners, 5,000,000 enrollments, ...) with COPY,
# once: later runs of the benchmarks below reuse it. SEED_LEARNERS makes it smaller.
seed-scale: install bench-database ## Seed BENCH_DATABASE_URL with a million learners
	$(BIN)/python bench/seed_scale.py --learners $${SEED_LEARNERS:-1000000}

# Every page under gunicorn (4 workers) and wrk (16 connections) at a million
# learners, beside a trivial view and allauth's own login page.
bench-pages: install wrk bench-database ## Every page at a million learners
	$(BIN)/python bench/pages.py

# The pages under a real server: gunicorn (2 workers) on PostgreSQL with 200,000
# users, loaded by wrk. BENCH_DATABASE_URL names a local database it drops and fills.
bench-http: install wrk bench-database ## Pages under gunicorn and wrk on PostgreSQL
	$(BIN)/python bench/http.py

# Find by Learner, its CSV export and the annual review queue at 1,000,000 learners
# (the seed-scale data set), gunicorn (4 workers) and wrk.
bench-reports: install wrk bench-database ## Reports at a million learners
	$(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) node_modules staticfiles .mypy_cache .ruff_cache .pytest_cache
