# Single Online Home. `make build` builds all 43 sites; `make test` runs every test.
# Both install what they need first: Debian packages through apt-get when missing, Swift
# packages through SwiftPM, Python tools in a local virtual environment (.venv).

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

SWIFT ?= swift
SOH_RELEASE := .build/release/soh
SOH_DEBUG := .build/debug/soh
VENV := .venv
PYTHON := $(VENV)/bin/python
TEST_PUBLIC := .build/test-public
# The build's time for the tests' sites: which items are published and which have closed stays
# the same whatever day the tests run (docs/news.md).
TEST_NOW := 2026-12-07T12:00:00Z
LOGS := .build/test-logs
APT_BUILD := libcmark-gfm-dev libcmark-gfm-extensions-dev libyaml-dev pkg-config
APT_BROWSER := chromium chromium-driver default-jre-headless python3-venv nodejs
# A real PostgreSQL server for the store tests (started by the tests themselves, never as a service).
APT_TEST := postgresql clamav-daemon

.PHONY: help build test deps browser-deps release clean screenshots serve bench bench-api bench-delivery bench-uploads

help:
	@echo "make build        install what is missing, build soh (release) and all force sites into public/"
	@echo "make test         install what is missing, run every test (Swift, browser)"
	@echo "make serve        preview every force with live reload, and the submission API (soh serve)"
	@echo "make bench        build speed as ratios: cold vs copy of the output vs Hugo x43, warm rebuild, memory; search vs Pagefind"
	@echo "make bench-api    submission API throughput and p99 with 32 clients, next to raw SQLite"
	@echo "                  (DB=postgres INSTANCES=2: two instances on one PostgreSQL, next to pgbench)"
	@echo "make bench-delivery  deliveries/s and submit-to-delivered p99 to a local receiver; confirmations/s to an SMTP relay; a receiver outage and its backlog"
	@echo "make bench-uploads  evidence uploads: one 1 GB file (MB/s, API peak memory) and 20 x 50 MB at once, next to cp and clamd alone"
	@echo "make screenshots  regenerate docs/screenshots/ with headless Chromium"
	@echo "make clean        remove build products and public/"

# apt-get install, as root or through sudo, only for packages that are missing.
define apt_install
	missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing with apt-get"; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

## System libraries: cmark-gfm and libyaml, found through pkg-config.
deps:
	@if ! pkg-config --exists libcmark-gfm yaml-0.1 2>/dev/null || ! [ -f /usr/include/cmark-gfm-core-extensions.h ]; then \
	  $(call apt_install,$(APT_BUILD)); \
	fi

## Chromium, its driver and Java (for the Nu HTML checker), then the Python tools in .venv.
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v java >/dev/null \
	   || ! command -v node >/dev/null \
	   || ! python3 -c 'import ensurepip' 2>/dev/null; then \
	  $(call apt_install,$(APT_BROWSER)); \
	fi
	@if [ ! -x $(PYTHON) ]; then python3 -m venv $(VENV); fi
	@$(PYTHON) -m pip install -q --disable-pip-version-check -r Tests/browser/requirements.txt
	@# Only for its copy of axe-core 4.x (axe.min.js); Playwright itself is not needed.
	@$(PYTHON) -m pip install -q --disable-pip-version-check --no-deps axe-playwright-python==0.1.8

# Statically linked Swift runtime and Foundation: a binary that runs without Swift installed and
# starts in half the time (loading the Swift libraries was a fifth of a rebuild that
# has little to do).
release: deps
	$(SWIFT) build -c release --product soh --static-swift-stdlib

build: release
	$(SOH_RELEASE) build

test: deps browser-deps
	@$(call apt_install,$(APT_TEST))
	@mkdir -p $(LOGS)
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build 2>&1 | tee $(LOGS)/swift.log
	node --test Tests/js/ 2>&1 | tee $(LOGS)/node.log | grep -E '^# (tests|pass|fail)'
	$(SOH_DEBUG) build --out $(TEST_PUBLIC) --now $(TEST_NOW)
	$(SOH_DEBUG) check --now $(TEST_NOW) > $(LOGS)/check.log || { cat $(LOGS)/check.log; exit 1; }
	@tail -n 1 $(LOGS)/check.log
	SOH_PUBLIC=$(TEST_PUBLIC) SOH_TEST_NOW=$(TEST_NOW) $(PYTHON) -m pytest -q Tests/browser Tests/delivery 2>&1 | tee $(LOGS)/browser.log
	@python3 scripts/test-summary.py $(LOGS)/swift.log $(LOGS)/node.log $(LOGS)/browser.log

serve: release
	$(SOH_RELEASE) serve

bench: release browser-deps
	@$(call apt_install,hugo hyperfine time)
	PYTHON=$(PYTHON) scripts/bench.sh $(SOH_RELEASE) --pages $${PAGES:-300} --runs $${RUNS:-5}

bench-api: release
	@$(call apt_install,wrk)
	@if [ "$${DB:-sqlite}" = postgres ]; then $(call apt_install,$(APT_TEST)); fi
	python3 scripts/bench-api.py $(SOH_RELEASE) --db $${DB:-sqlite} --instances $${INSTANCES:-1}

bench-delivery: release browser-deps
	$(PYTHON) scripts/bench-delivery.py $(SOH_RELEASE) --runs $${RUNS:-3} --outage $${OUTAGE:-60}

bench-uploads: release
	@$(call apt_install,clamav-daemon)
	python3 scripts/bench-uploads.py $(SOH_RELEASE) --runs $${RUNS:-3}

screenshots: deps browser-deps
	$(SWIFT) build --product soh
	$(SOH_DEBUG) build --out $(TEST_PUBLIC)
	SOH_PUBLIC=$(TEST_PUBLIC) $(PYTHON) scripts/screenshots.py docs/screenshots

clean:
	rm -rf .build public $(VENV)
