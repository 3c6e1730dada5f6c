# The textbook's commands. The README shows the two that matter:
#   make book   set up, execute what is stale, build _build/html
#   make test   set up, check everything; never rewrites committed outputs
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONDONTWRITEBYTECODE := 1
STAGING := _build/.staging
HTML := _build/html

.PHONY: help setup book test check validate changelog execute execute-force html results pdf bench \
        test-unit test-notebooks test-build test-browser test-pdf lint precommit lock clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

# ---- set-up: the locked Python stack, the pinned chart libraries -------------------
$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	@touch $@

_vendor/.installed: node_modules/.installed tools/vendor_assets.py $(VENV)/.installed
	$(PY) -m tools.vendor_assets
	@touch $@

setup: $(VENV)/.installed _vendor/.installed ## create .venv and install the locked stack and chart assets

# ---- the book -----------------------------------------------------------------------
validate: setup ## check every table in data/ against its schema and rules
	$(PY) -m tools.validate

execute: setup ## execute the notebooks whose inputs changed
	$(PY) -m tools.execute

execute-force: setup ## execute every notebook
	$(PY) -m tools.execute --force

html: setup ## build the HTML from committed outputs (strict; swapped in only on success)
	$(PY) -m tools.build_html

results: ## write _build/results.json (every glued value, its notebook and sources)
	$(PY) -m tools.export_results

pdf: setup ## print the whole book to _build/pdf/book.pdf (SOLUTIONS=0 leaves solutions out)
	bash tools/ensure_chromium.sh
	$(PY) -m tools.build_pdf $(if $(filter 0,$(SOLUTIONS)),--no-solutions,)

bench: setup ## time set-up, builds, page weight, first chart, Lighthouse (prints a table)
	bash tools/ensure_chromium.sh
	$(PY) -m tools.bench

# `make book` runs each step only when one of its inputs is newer than the step's stamp
# (a file changed, was added or removed), so a rebuild with nothing changed costs a
# fraction of a second. The steps above always run when called by name.
SETUP_DONE := $(VENV)/.installed _vendor/.installed
# Every file and folder under $(1) (a folder's time changes when a file is added or
# removed); folders as name/. so `book/` is not mistaken for the `book` target.
tree = $(shell find $(1) -not -path '*/__pycache__*' -not -path '*/.ipynb_checkpoints*' \
  -not -name '.*.running.ipynb' \( -type d -printf '%p/.\n' -o -print \) 2>/dev/null)
DATA_IN := $(call tree,data) book/references.bib
PACKAGE_IN := $(call tree,evidence) pyproject.toml
NOTEBOOKS_IN := $(call tree,notebooks)
# The What changed page names the commit behind each moved number: a new commit or tag
# rebuilds it (nothing where the tree is not a git checkout).
GIT_REFS := $(wildcard .git/HEAD .git/packed-refs) $(call tree,.git/refs)
PAGES_IN := $(filter-out book/data.md book/changes.md,$(call tree,book)) \
  $(call tree,_templates _static _root _search ledger) _config.yml _toc.yml CITATION.cff \
  tools/build_html.py tools/data_appendix.py tools/sphinx_ext.py tools/changes_page.py \
  tools/ledger.py tools/history.py $(GIT_REFS)
VALIDATED := _build/.stamps/validated
EXECUTED := _build/.stamps/executed
PUBLISHED := _build/.stamps/html

$(VALIDATED): $(DATA_IN) tools/validate.py $(SETUP_DONE)
	$(PY) -m tools.validate
	@mkdir -p $(@D) && touch $@

$(EXECUTED): $(VALIDATED) $(NOTEBOOKS_IN) $(PACKAGE_IN) tools/execute.py requirements.txt
	$(PY) -m tools.execute
	@mkdir -p $(@D) && touch $@

$(PUBLISHED): $(EXECUTED) $(PAGES_IN)
	$(PY) -m tools.build_html
	$(PY) -m tools.export_results
	@mkdir -p $(@D) && touch $@

book: $(PUBLISHED) ## set up, validate, execute what is stale, build _build/html
	@echo "Built $(HTML)/index.html"

# ---- checks -------------------------------------------------------------------------
test-unit: setup
	$(PY) -m pytest -q -n 2 -m "not site and not browser and not pdf" tests

test-notebooks: setup ## nbval: every committed output equals a fresh run
	$(PY) -m pytest -q --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider notebooks

test-build: html results

test-browser: setup
	bash tools/ensure_chromium.sh
	$(PY) -m pytest -q -n 2 -m "site or browser" tests

test-pdf: pdf
	$(PY) -m pytest -q -p no:cacheprovider -m pdf tests

precommit: setup ## the pre-commit hooks on every file (what a contributor's commit runs)
	$(VENV)/bin/pre-commit run --all-files --show-diff-on-failure

changelog: setup ## fail when a number a chapter shows moved and CHANGELOG.md does not name it
	$(PY) -m tools.ledger check

test: validate changelog lint precommit test-unit test-notebooks test-build test-browser test-pdf ## run every check (what CI runs)
	@echo "make test: all checks passed"

# Every step runs even when an earlier one fails (a data edit that stales notebooks still
# gets its unit tests and lint); the summary names each step that failed.
CHECK_STEPS := \
  "data validation|$(PY) -m tools.validate" \
  "notebook hashes|$(PY) -m tools.execute --check" \
  "changelog|$(PY) -m tools.ledger check" \
  "unit tests|$(PY) -m pytest -q -n 2 -p no:cacheprovider -m 'not site and not browser and not pdf and not slow' tests" \
  "lint|$(PY) -m ruff check evidence tools educator tests" \
  "notebook lint|$(VENV)/bin/nbqa ruff notebooks"

check: setup ## fast checks while editing: data, unit tests, notebook hashes, lint (all run)
	@failed=(); start=$$SECONDS; \
	for step in $(CHECK_STEPS); do \
	  name=$${step%%|*}; echo "== $$name"; \
	  bash -c "$${step#*|}" || failed+=("$$name"); \
	done; \
	echo "make check: $$((SECONDS - start)) s"; \
	if [ $${#failed[@]} -gt 0 ]; then \
	  printf 'make check FAILED: %s\n' "$$(IFS=,; echo "$${failed[*]}" | sed 's/,/, /g')"; exit 1; \
	fi; echo "make check: all steps passed"

lint: setup
	$(PY) -m ruff check evidence tools educator tests
	$(VENV)/bin/nbqa ruff notebooks

lock: ## re-resolve requirements.in into the hashed lock (needs network)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile requirements.in --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 -o requirements.txt

clean: ## remove build outputs (keeps .venv and node_modules)
	rm -rf _build _vendor
