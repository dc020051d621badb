# The two commands of the README: `make demo` and `make test`. Everything they need they install.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ./data
PG_TEST_URL ?= postgresql+psycopg://root@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2
# nginx and systemd: tests/deploy runs the shipped nginx site and systemd-analyze on the units; openssl makes test certificates.
# espeak-ng: the kiosk's read-aloud voice (朗读, Mandarin); without it the kiosk hides the read-aloud buttons.
APT_TEST := xvfb xauth libgl1-mesa-dri libegl1 libmtdev1 fonts-noto-cjk chromium wrk shellcheck nginx systemd openssl espeak-ng
APT_DEMO := espeak-ng
APT_BENCH := wrk

.PHONY: demo test test-sqlite test-postgres lint install install-test apt-test apt-demo bench clean

$(BIN)/activity-room: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || (apt-get update -qq && apt-get install -y -qq python3-venv && $(PY) -m venv $(VENV))
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(BIN)/activity-room

apt-test:
	@missing=""; for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

# What the demo's kiosk needs beyond pip; the demo still runs (without read-aloud) where apt cannot install.
apt-demo:
	@missing=""; for p in $(APT_DEMO); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) \
	  || echo "could not install$$missing: the kiosk runs without read-aloud"; fi

# Seeds the demo organisation and serves on :8000 (HTTP) and :8765 (WebSocket); with a display, also a kiosk.
demo: install apt-demo
	@if [ -n "$$DISPLAY" ]; then \
	  ( $(BIN)/python -c "import time, urllib.request as u; exec('while True:\n try: u.urlopen(\'http://127.0.0.1:8000/healthz\'); break\n except OSError: time.sleep(0.5)')"; \
	    $(BIN)/activity-room kiosk --server http://127.0.0.1:8000 --mode terminal --size 1280x800 ) & \
	fi; \
	exec $(BIN)/activity-room demo --data $(DATA)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# The whole suite on SQLite, then on PostgreSQL with the Redis bus the tests that open a database or
# the bus (tests/conftest.py deselects the rest there: they ran in the first pass). Every run prints
# its 25 slowest steps and the reason for every skip.
test: install apt-test lint test-sqlite test-postgres

test-sqlite:
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider -q

test-postgres:
	TEST_DATABASE_URL=$(PG_TEST_URL) TEST_REDIS_URL=$(REDIS_TEST_URL) \
	  xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider -q

bench: install apt-test
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq $(APT_BENCH))
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python -m bench

clean:
	rm -rf $(VENV) test-artifacts *.egg-info
