# Farm Controller. `make run` and `make test` are the two commands a newcomer needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO      ?= cargo
NPM        ?= npm
DATA_DIR   ?= ./data
# `make run NO_DEMO=1`: a farm without demo data, set up in the browser at /setup.
NO_DEMO    ?=
FRESH_DATA_DIR ?= $(DATA_DIR)/fresh
LISTEN     ?= 127.0.0.1:8080
SERVER_BIN := target/debug/core-server
SIM_BIN    := target/debug/node-sim
DASH       := dashboard
DASH_DEPS  := $(DASH)/node_modules/.package-lock.json
PY_DIR     := legacy/python-core-server
PY_VENV    := $(PY_DIR)/.venv
PY_DEPS    := $(PY_VENV)/.installed
PYTHON     ?= python3
# Every scenario, the contract check and generated traffic (the Python backend implements every
# operation; its own test_openapi.py compares its contract too). More traffic on demand:
# `make parity PARITY_ARGS="--generated 1000"`.
PARITY_ARGS ?= --generated 100
# Extra farm-bench arguments, e.g. --only ingest,calendar (farm-bench --help).
BENCH_ARGS ?=
TOOLS_VENV := .venv-tools
TOOLS_DEPS := $(TOOLS_VENV)/.installed
# Test cases per operation and phase in `make conformance` (make test); more on demand.
CONFORMANCE_EXAMPLES ?= 5
CONFORMANCE_SEED ?= 1
# Operations a backend does not implement yet, as `backend:/api/prefix` words: excluded from
# that backend's conformance run only. None today.
CONFORMANCE_PENDING ?=

.PHONY: help run build dashboard python parity conformance e2e-web-smoke test test-rust test-dashboard test-python openapi openapi-check lint fmt bench reset-demo clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

run: build ## build everything, then serve the demo farm on $(LISTEN) (data in $(DATA_DIR)) with simulated nodes; NO_DEMO=1: no demo, the /setup wizard on $(FRESH_DATA_DIR)
	@if [ -n "$(NO_DEMO)" ]; then \
	  exec $(SERVER_BIN) --data-dir $(FRESH_DATA_DIR) --listen $(LISTEN) serve; fi; \
	$(SERVER_BIN) --data-dir $(DATA_DIR) --listen $(LISTEN) serve --demo & server=$$!; \
	trap 'kill $$server $${sim:-} 2>/dev/null; wait' EXIT INT TERM; \
	for _ in $$(seq 1 300); do \
	  curl -sf http://$(LISTEN)/healthz >/dev/null 2>&1 && break; \
	  kill -0 $$server 2>/dev/null || exit 1; sleep 0.2; done; \
	$(SIM_BIN) --server http://$(LISTEN) --nodes $(DATA_DIR)/demo-nodes.json >$(DATA_DIR)/node-sim.log 2>&1 & sim=$$!; \
	echo "Simulated nodes are running (log: $(DATA_DIR)/node-sim.log). Press Ctrl-C to stop."; \
	wait $$server

build: dashboard ## build the dashboard and the core-server with it embedded, and node-sim
	$(CARGO) build --bin core-server --bin node-sim

$(DASH_DEPS): $(DASH)/package.json $(DASH)/package-lock.json
	cd $(DASH) && $(NPM) ci --no-audit --no-fund

dashboard: $(DASH_DEPS) ## build the dashboard's static files into dashboard/dist
	cd $(DASH) && $(NPM) run build

test: lint openapi-check test-dashboard test-rust test-python parity conformance e2e-web-smoke ## every test: lints, contract drift, dashboard, Rust, Python, parity, conformance, browser smoke
	@echo "make test: all checks passed"

# farmctl's tests run the real core-server and the Python backend under its supervisor.
test-rust: dashboard $(PY_DEPS)
	$(CARGO) build --bin core-server
	$(CARGO) nextest run --workspace --no-fail-fast

$(PY_DEPS): $(PY_DIR)/requirements.txt $(PY_DIR)/pyproject.toml
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(PY_DIR)/requirements.txt
	$(PY_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e $(PY_DIR)
	touch $@

python: $(PY_DEPS) ## create the legacy Python backend's virtual environment

# The Python tests include cross-backend ones that run the Rust binary on the same database.
test-python: $(PY_DEPS)
	$(CARGO) build --bin core-server
	cd $(PY_DIR) && .venv/bin/pytest -q -p no:cacheprovider

test-dashboard: $(DASH_DEPS)
	cd $(DASH) && $(NPM) test

openapi: ## regenerate openapi/core-server.json and the dashboard's TypeScript client types
	$(CARGO) run --quiet --bin core-server -- openapi > openapi/core-server.json
	cd $(DASH) && $(NPM) run --silent gen:api

openapi-check: $(DASH_DEPS) ## fail when the committed contract or generated TS types are stale
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(CARGO) run --quiet --bin core-server -- openapi > "$$tmp/core-server.json"; \
	if ! cmp -s "$$tmp/core-server.json" openapi/core-server.json; then \
	  diff -u openapi/core-server.json "$$tmp/core-server.json" | head -40; \
	  echo "openapi/core-server.json is stale: run 'make openapi' and commit it"; exit 1; fi; \
	(cd $(DASH) && npx --no-install openapi-typescript ../openapi/core-server.json -o "$$tmp/schema.d.ts" --silent); \
	if ! cmp -s "$$tmp/schema.d.ts" $(DASH)/src/api/schema.d.ts; then \
	  diff -u $(DASH)/src/api/schema.d.ts "$$tmp/schema.d.ts" | head -40; \
	  echo "dashboard/src/api/schema.d.ts is stale: run 'make openapi' and commit it"; exit 1; fi; \
	echo "openapi: contract and generated client are up to date"

lint: $(DASH_DEPS) $(PY_DEPS) ## rustfmt, clippy (deny warnings), tsc, eslint, ruff
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd $(DASH) && $(NPM) run --silent typecheck && $(NPM) run --silent lint
	cd $(PY_DIR) && .venv/bin/ruff check . && .venv/bin/ruff format --check .

e2e-web-smoke: build ## the dashboard in headless Chromium against a demo server and node-sim (screenshots in target/e2e/)
	bash $(DASH)/e2e/run.sh $(SERVER_BIN) $(SIM_BIN)

parity: $(PY_DEPS) ## Rust and Python side by side on copies of one database (docs/parity.md)
	$(CARGO) build --bin core-server --bin parity
	target/debug/parity run --left rust --right python --quiet $(PARITY_ARGS)
	target/debug/parity hostile --backend rust --backend python

$(TOOLS_DEPS): parity/conformance/requirements.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check -r parity/conformance/requirements.txt
	touch $@

conformance: $(PY_DEPS) $(TOOLS_DEPS) ## schemathesis over openapi/core-server.json against Rust and Python (docs/conformance.md)
	$(CARGO) build --bin core-server --bin parity
	target/debug/parity conformance --backend rust --backend python \
	  --examples $(CONFORMANCE_EXAMPLES) --seed $(CONFORMANCE_SEED) $(addprefix --pending ,$(CONFORMANCE_PENDING))

bench: ## benchmarks on a release build, with baselines measured in the same run (needs wrk)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || \
	  { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(CARGO) build --release --bin core-server --bin farm-bench
	target/release/farm-bench --server-bin target/release/core-server --out target/bench/report.json $(BENCH_ARGS)

fmt: ## format Rust code
	$(CARGO) fmt --all

reset-demo: ## forget the demo data (users, database) in $(DATA_DIR)
	rm -rf $(DATA_DIR)

clean:
	$(CARGO) clean
	rm -rf $(DASH)/dist $(DASH)/node_modules $(PY_VENV) $(TOOLS_VENV) .schemathesis
