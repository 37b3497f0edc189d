# Dropout Lab. Two entry points: `make run` serves the app on http://localhost:8501 and `make test`
# runs every test (`make serve` runs several app processes behind nginx; `make load` measures). Both first build the project-local virtual environment .venv from the pinned
# requirements; nothing else needs installing by hand.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# -qq: errors only (a failed install still says why); progress and warnings are noise here.
PIP_INSTALL := $(PY) -m pip install -qq --disable-pip-version-check --no-input
PORT ?= 8501
ADDRESS ?= 0.0.0.0
# Playwright cannot download its own browser here; the tests drive Debian's Chromium instead.
CHROMIUM ?= /usr/bin/chromium
# The live view's JavaScript unit tests run under Node's built-in test runner (node --test tests/js).
NODE ?= /usr/bin/node
# Extra pytest arguments, e.g. make test PYTEST_ARGS='-m "not browser"'.
PYTEST_ARGS ?=
# Load-test options, e.g. make load LOAD_ARGS='--users 20 --duration 30 --json-out artifacts/load.json'
# (scripts/load.py --help); make load-browsers LOAD_ARGS='--sessions 30' for the 30-browser mode.
LOAD_ARGS ?=
# make serve: app processes behind nginx, and nginx's port.
REPLICAS ?= 2
NGINX ?= /usr/sbin/nginx
# A CJK font, so that Chinese pages render in the browser tests' screenshots (and the sidebar's language names).
CJK_FONT ?= /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

.PHONY: help run serve test load load-browsers bench bench-live costs costs-ab catalogs messages lint-docker clean distclean

help:
	@echo "make run          serve the app on http://localhost:$(PORT) (builds .venv first)"
	@echo "make serve        REPLICAS (default 2) app processes behind nginx on http://localhost:$(PORT)"
	@echo "make test         run every test: unit, AppTest, deployment and real-browser (installs Chromium, nginx)"
	@echo "make load         lecture-hall load test: 60 simulated students (30 playing) + 3 browsers (LOAD_ARGS=...)"
	@echo "make load-browsers  the older load test: N real browser sessions only (LOAD_ARGS='--sessions 30')"
	@echo "make bench        print the performance figures as JSON"
	@echo "make costs        server CPU per page run and per control move, every page (COSTS_ARGS=...)"
	@echo "make costs-ab     this checkout's server CPU per move against another revision's, paired (AB_ARGS=...)"
	@echo "make bench-live   measure the live view in headless Chromium (frames/s, steps/s, CPU, bytes/s)"
	@echo "make messages     update the translation catalogs (locales/) from the code"
	@echo "make lint-docker  lint the Dockerfile with hadolint"
	@echo "make clean        remove test artifacts and caches; make distclean also removes .venv"

# scripts/warm.py opens every page once in the background as soon as the server answers, so that the class finds
# the default views computed (it stops by itself; WARM=0 leaves it out). WALK=1 (before a lecture) also moves
# every control of every page through its values: about 6-7 minutes on 2 cores; the server then drops the
# programs the walk compiled and keeps its results and figures, about 1.3 GB in all.
WARM ?= 1
WALK ?= 0
WALK_FLAG := $(if $(filter 1,$(WALK)),--walk,)
# After the walk the server drops the programs it compiled and keeps the results (core/system.py: ReleaseSignal).
RELEASE_FILE := $(CURDIR)/artifacts/.release-run-$(PORT)
run: $(VENV)/.stamp-run catalogs
	@echo "Dropout Lab: open http://localhost:$(PORT)  (Ctrl+C stops it)"
	@if [ "$(WARM)" = 1 ]; then $(PY) scripts/warm.py --url http://127.0.0.1:$(PORT) --wait 300 $(WALK_FLAG) \
	    $(if $(WALK_FLAG),--release $(RELEASE_FILE),) & fi
	DROPOUT_LAB_RELEASE_FILE=$(RELEASE_FILE) $(PY) -m streamlit run app.py --server.headless true --server.address $(ADDRESS) \
	    --server.port $(PORT) --browser.gatherUsageStats false

# N replicas sharing the compilation cache, nginx in front (sticky sessions, websockets); Ctrl+C stops all.
serve: $(VENV)/.stamp-run $(NGINX) catalogs
	DROPOUT_LAB_NGINX=$(NGINX) $(PY) scripts/serve.py --replicas $(REPLICAS) --port $(PORT) --address $(ADDRESS) $(WALK_FLAG)

test: $(VENV)/.stamp-dev $(CHROMIUM) $(CJK_FONT) $(NODE) $(NGINX) catalogs
	DROPOUT_LAB_CHROMIUM=$(CHROMIUM) DROPOUT_LAB_NGINX=$(NGINX) $(PY) -m pytest $(PYTEST_ARGS)

# Not part of `make test`: minutes of most of the machine. Exit status 1 when a target is missed.
load: $(VENV)/.stamp-dev $(CHROMIUM) $(NGINX) catalogs
	DROPOUT_LAB_CHROMIUM=$(CHROMIUM) DROPOUT_LAB_NGINX=$(NGINX) $(PY) scripts/load.py $(LOAD_ARGS)

load-browsers: $(VENV)/.stamp-dev $(CHROMIUM) catalogs
	DROPOUT_LAB_CHROMIUM=$(CHROMIUM) $(PY) scripts/load_test.py $(LOAD_ARGS)

bench: $(VENV)/.stamp-run
	$(PY) -m dropout_viz.bench

# Not part of `make test`: a measurement of the live view in headless Chromium (frames/s, steps/s, CPU, bytes).
bench-live: $(VENV)/.stamp-dev $(CHROMIUM)
	DROPOUT_LAB_CHROMIUM=$(CHROMIUM) $(PY) scripts/bench_live.py $(BENCH_ARGS)

# Not part of `make test`: what one action costs the server (CPU per page run and per control move), as a markdown
# table; e.g. make costs COSTS_ARGS='--pages masks,home --moves 5 --json-out artifacts/costs.json'.
COSTS_ARGS ?=
costs: $(VENV)/.stamp-dev catalogs
	$(PY) scripts/action_costs.py $(COSTS_ARGS)

# Not part of `make test`: this checkout's server against another revision's, side by side, move for move (ABBA);
# e.g. make costs-ab AB_ARGS='--base HEAD~1 --pages home,bagging'.
costs-ab: $(VENV)/.stamp-dev catalogs
	$(PY) scripts/ab_costs.py $(AB_ARGS)

# The translations: locales/*/LC_MESSAGES/*.po (in git) compiled to .mo (not in git).
catalogs: $(VENV)/.stamp-run
	@$(PY) scripts/catalogs.py compile

# After changing text in the code: extract the messages into the .po files, then translate the new entries.
messages: $(VENV)/.stamp-run
	$(PY) scripts/catalogs.py update

lint-docker: $(VENV)/.stamp-dev
	$(VENV)/bin/hadolint Dockerfile

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	    || { echo "error: Dropout Lab needs Python >= 3.11; $(PYTHON) is older (set PYTHON=...)" >&2; exit 1; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version)"
	@# Debian ships venv's pip bootstrap separately (python3-venv).
	@$(PYTHON) -m venv $(VENV) \
	    || { rm -rf $(VENV) && scripts/apt-install python3-venv && $(PYTHON) -m venv $(VENV); }

# A stamp says which requirements .venv holds: editing a requirements file reinstalls, and
# nothing else does, so a second `make test` goes straight to the tests.
$(VENV)/.stamp-run: requirements.txt | $(PY)
	@echo "Installing requirements.txt into $(VENV) ..."
	@$(PIP_INSTALL) -r requirements.txt
	@touch $@

# requirements-dev.txt includes requirements.txt, so it also brings the runtime stamp up to date.
$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt | $(PY)
	@echo "Installing requirements-dev.txt into $(VENV) ..."
	@$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(VENV)/.stamp-run

# The emoji font only makes screenshots show the app's icons instead of empty boxes.
$(NODE):
	@echo "$(NODE) is missing: installing Debian's nodejs for the JavaScript unit tests"
	@scripts/apt-install nodejs

$(CHROMIUM):
	@echo "$(CHROMIUM) is missing: installing Debian's chromium for the browser tests"
	@scripts/apt-install chromium fonts-noto-color-emoji

$(CJK_FONT):
	@echo "$(CJK_FONT) is missing: installing Debian's fonts-noto-cjk for Chinese pages in the browser"
	@scripts/apt-install fonts-noto-cjk

# Debian's nginx for make serve and the deployment tests (run unprivileged, with its own prefix: the
# package's own service is not used).
$(NGINX):
	@echo "$(NGINX) is missing: installing Debian's nginx"
	@scripts/apt-install nginx

clean:
	rm -rf artifacts .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
