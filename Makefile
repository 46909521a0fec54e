# Two commands for a fresh clone:  make run   (the whole site)   and   make test   (the suite).
# `make dev` runs the site with Django's debug pages, for development.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run dev test setup system-packages python-deps assets lint typecheck bench clean

run: setup
	$(PY) bin/run-all --host $(HOST) --port $(PORT)

# The same site with Django's debug pages, for development only.
dev: setup
	DEBUG=true $(PY) bin/run-all --host $(HOST) --port $(PORT)

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) -m pytest $(PYTEST_ARGS)

setup: system-packages python-deps assets

# Debian packages the site needs: Chromium for browser tests, bubblewrap/libseccomp for the
# sandbox, poppler for looking at generated PDFs, DejaVu for certificates with Noto core (Arabic,
# Hebrew, …; 12 MB) and Droid Sans Fallback (CJK; 2 MB, TrueType: reportlab cannot embed Noto CJK's
# CFF outlines) for names in other scripts. Installed only when missing.
SYSTEM_PACKAGES := chromium bubblewrap libseccomp2 poppler-utils fonts-dejavu-core fonts-noto-core fonts-droid-fallback
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

python-deps: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel
	$(PIP) install -q -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

assets: static/dist/.built
static/dist/.built: package.json package-lock.json static/src/*.js certificates/jsonld/export-contexts.cjs $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	$(PY) -c "from pygments.formatters import HtmlFormatter; print(HtmlFormatter(style='friendly').get_style_defs('.prose pre code'))" > static/dist/pygments.css
	touch static/dist/.built

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy .

bench: setup
	@for b in bench/*/run.py bench/sandbox/api_e2e.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles
