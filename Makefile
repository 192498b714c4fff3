# recordsadmin: `make demo` serves the dashboard with demo data, `make test` runs every test.
# Both build .venv first, and do nothing more when the requirements have not changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: help demo test lint format serve-prod bench chromium redis clean

help:
	@echo "make demo   install, prepare the embedded records API with demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   install, run every test (browser tests in Chromium included)"
	@echo "make lint   ruff check, ruff format --check and the import contracts (lint-imports)"

# A .venv that cannot run pip on Python 3.12+ (a failed or foreign one) is made again.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if ! $(PY) -c 'import sys, pip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
		python="$$(scripts/find-python)" || exit 1; \
		rm -rf $(VENV); \
		echo "Creating $(VENV) with $$python"; \
		"$$python" -m venv $(VENV) || { rm -rf $(VENV); exit 1; }; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The demo runs with DEBUG on (no secret key to set up); production settings are in the README.
demo: export DJANGO_DEBUG ?= 1
demo: $(VENV)/.installed
	@mkdir -p "$${RECORDSADMIN_DATA_DIR:-var}"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	@if [ -z "$${GHL_TOKEN:-}" ]; then $(PY) manage.py sandbox_demo; fi
	@$(PY) manage.py demo_users
	@echo
	@echo "  recordsadmin is at http://127.0.0.1:$(PORT)/   (stop it with Ctrl+C)"
	@echo
	@# The task worker runs bulk jobs beside the server, and stops with it; jobs a previous
	@# run left half done resume where they were.
	@$(PY) manage.py resume_bulk_jobs --all
	@$(PY) manage.py jobs_worker --interval 0.5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Chromium for the browser tests: Debian's package, never a browser that a tool downloads.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Chromium with apt-get"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
		else \
			echo "The browser tests need Chromium. Install it (Debian: sudo apt-get install chromium) and run make test again." >&2; \
			exit 1; \
		fi; \
	fi

# Redis for the tests of the shared state (tests/support/redis.py starts servers of its own):
# Debian's package, installed as root; elsewhere those tests are skipped and say why.
redis:
	@if ! command -v redis-server >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing redis-server with apt-get"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
			systemctl disable --now redis-server >/dev/null 2>&1 || service redis-server stop >/dev/null 2>&1 || true; \
		else \
			echo "redis-server is not installed: the tests that need Redis will be skipped (Debian: sudo apt-get install redis-server)." >&2; \
		fi; \
	fi

# Two streams at once, on two cores (scripts/test-postgres sets up a PostgreSQL cluster of its
# own when run as root with apt-get, and says so when it cannot):
# - in front, at normal priority and one test at a time: the tests marked `timing`
#   (tests/conftest.py: deadlines, rate windows, the breaker...) on SQLite, then everything
#   scripts/test-postgres runs on PostgreSQL (the embedded API's tests, the shared call
#   windows, the fleet's database restart; its timing tests among them). Schemathesis runs on
#   SQLite only: what it drives, the embedded API's validation, does not touch the engine.
# - behind, at a low priority (nice 10), the rest of the suite on SQLite in two pytest-xdist
#   workers (each with its own data folder, tests/settings.py; a module's tests stay in one
#   worker, so its fixtures are made once), its output shown after the front's. A third
#   worker made it no faster (the cores are busy) and slowed the front past its clocks.
# - last and alone, the fleet's rate test: it measures how much of the shared limit two jobs
#   use, which holds only with the cores to itself (beside the rest it kept 0.81 of it).
# The kernel gives the front most of a core whenever it asks, so the clock-bound assertions
# there see a nearly quiet machine while the rest uses what it leaves. Any run failing fails
# the target, after all have run.
FLEET = test_two_jobs_share_the_limit_and_a_killed_workers_job_is_taken_over

test: $(VENV)/.installed chromium redis
	@log="$$(mktemp -t recordsadmin-test-sqlite.XXXXXX)"; \
	nice -n 10 $(PY) -m pytest -m "not timing" -n 2 --dist loadscope -p no:cacheprovider \
		>"$$log" 2>&1 & rest=$$!; \
	status=0; \
	echo "== tests marked timing, on SQLite (the rest of the suite runs behind; its output follows)"; \
	$(PY) -m pytest -m timing || status=$$?; \
	echo; echo "== scripts/test-postgres"; \
	scripts/test-postgres --deselect tests/sandbox/test_schemathesis.py \
		--deselect tests/fleet/test_fleet.py::$(FLEET) || status=$$?; \
	wait $$rest || status=$$?; \
	echo; echo "== the rest of the suite, on SQLite"; cat "$$log"; rm -f "$$log"; \
	echo; echo "== the fleet's rate test, alone"; \
	scripts/test-postgres -k $(FLEET) || status=$$?; \
	exit $$status

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
