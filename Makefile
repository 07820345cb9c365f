# printkit: two commands set everything up.
#   make kits   create .venv, install printkit, build every kit into build/
#   make test   same set-up, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages: Pango/HarfBuzz for WeasyPrint (libharfbuzz-subset0 makes font
# subsetting 2x faster and byte-reproducible); poppler-utils, qpdf and Ghostscript for the
# tests (Ghostscript opens every imposed file as a print shop's RIP would), a
# fallback font (fonts-droid-fallback) so the tests prove no render ever uses it, and
# Chromium with its WebDriver for the browser test of `printkit serve`.
RUNTIME_PKGS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_PKGS    := poppler-utils qpdf ghostscript fonts-droid-fallback chromium chromium-driver
JOBS ?=

.PHONY: kits test check bench reading lint clean system-deps test-deps

kits: $(STAMP)
	$(BIN)/printkit build $(if $(JOBS),--jobs $(JOBS))

test: $(STAMP) test-deps
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	$(BIN)/mypy --strict scripts
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto -q

check: $(STAMP)
	$(BIN)/printkit check

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

reading: $(STAMP) test-deps
	$(BIN)/python scripts/reading_level.py build

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy
	$(BIN)/mypy --strict scripts
	$(BIN)/lint-imports

$(STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src >/dev/null
	touch $(STAMP)

# Install missing Debian packages when we can (root + apt-get); otherwise say what to run.
define ensure_pkgs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1; then \
	    echo "Missing system packages:$$missing"; \
	    echo "Run: sudo apt-get install$$missing"; exit 1; \
	  elif ! command -v dpkg >/dev/null 2>&1; then \
	    echo "Not a Debian system: install the equivalents of:$$missing"; \
	  fi; \
	fi
endef

system-deps:
	$(call ensure_pkgs,$(RUNTIME_PKGS))

test-deps:
	$(call ensure_pkgs,$(TEST_PKGS))

clean:
	rm -rf build
