# The two commands a newcomer needs: `make run` and `make test`. Everything else is for developers.
# Every target bootstraps .venv first, so a fresh clone needs nothing but Python >= 3.12 and make.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# The copy of pyproject.toml that was last installed: reinstall only when the file differs.
STAMP := $(VENV)/.installed-pyproject.toml
PY_CHECK := import sys; sys.exit(sys.version_info < (3, 12))

PORT ?= 8000
PYTEST_ARGS ?=
# Two xdist workers halve the suite's time on two cores; `PYTEST_WORKERS=0` runs in one process
# (easier with pdb). Browser tests run in every worker, each with its own Chromium and live server.
PYTEST_WORKERS ?= 2

.PHONY: help venv run test lint fmt messages

help:
	@echo "make run    start the app with a demo school on http://127.0.0.1:$(PORT)/ (PORT=...)"
	@echo "make test   run the tests (PYTEST_ARGS=..., PYTEST_WORKERS=0 for one process)"
	@echo "make lint   ruff check and format check;  make fmt   fix and format"
	@echo "make messages   update and compile the Russian translations"

# Create .venv with a Python >= 3.12 unless a working one is there, then install the project with its
# dev extra when pyproject.toml differs from the copy recorded at the last install.
venv:
	@if ! $(PY) -c '$(PY_CHECK)' >/dev/null 2>&1; then \
	  py="$(PYTHON)"; \
	  if [ -n "$$py" ]; then \
	    "$$py" -c '$(PY_CHECK)' >/dev/null 2>&1 || { echo "PYTHON=$$py is not a Python >= 3.12" >&2; exit 1; }; \
	  else \
	    for candidate in python3.13 python3.12 python3; do \
	      if "$$candidate" -c '$(PY_CHECK)' >/dev/null 2>&1; then py=$$candidate; break; fi; \
	    done; \
	  fi; \
	  if [ -z "$$py" ]; then \
	    echo "No Python >= 3.12 found (tried python3.13, python3.12, python3)." >&2; \
	    echo "Install one, or name it: make $(MAKECMDGOALS) PYTHON=/path/to/python3.12" >&2; \
	    exit 1; \
	  fi; \
	  echo "Creating $(VENV) with $$("$$py" -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	  rm -rf $(VENV); \
	  "$$py" -m venv $(VENV) || { rm -rf $(VENV); exit 1; }; \
	fi
	@if ! cmp -s pyproject.toml $(STAMP); then \
	  echo "Installing dependencies from pyproject.toml into $(VENV)"; \
	  $(PY) -m pip install --quiet --upgrade pip; \
	  $(PY) -m pip install --quiet '.[dev]'; \
	  cp pyproject.toml $(STAMP); \
	fi

run: venv
	$(PY) manage.py migrate --noinput
	@if $(PY) manage.py help --commands | grep -x demo_school >/dev/null; then \
	  $(PY) manage.py demo_school --if-empty --previous-year --archive; \
	else \
	  echo "WARNING: the demo_school command does not exist yet; starting without demo data." >&2; \
	fi
	PORT=$(PORT) $(PY) scripts/run_embedded.py

test: venv
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: venv
	mkdir -p locale
	$(PY) manage.py makemessages -l ru --ignore=.venv --ignore=var --ignore=staticfiles --ignore=build --ignore=tests
	$(PY) manage.py compilemessages -l ru --ignore=.venv

# Performance (bench/): the journal's budget at the demo school's full size, and 50 teachers saving marks
# for 60 s, both against gunicorn with APP_ENV=production, PostgreSQL and Redis on 127.0.0.1; then the
# reports' budget (the school's ledger, its XLSX and a class's PDF, in-process) on a full year of marks.
# Each builds the demo school in the scratch database school_bench (created and dropped); the first two
# flush Redis db 15. BENCH_ARGS=... passes more options to the journal benchmark and the load test (--sqlite,
# --requests N, --no-fail; see --help), REPORT_BENCH_ARGS=... to the report benchmark.
BENCH_ARGS ?=
REPORT_BENCH_ARGS ?=
.PHONY: bench load

bench: venv
	$(PY) bench/journal_bench.py --students 1100 $(BENCH_ARGS)
	$(PY) bench/report_bench.py --students 1100 $(REPORT_BENCH_ARGS)

load: venv
	$(PY) bench/load_test.py --students 1100 --teachers 50 --seconds 60 $(BENCH_ARGS)
