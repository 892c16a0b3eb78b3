# Cahoot — the three commands: `make run` (embedded, one binary), `make test` (everything), `docker compose up`.
SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm

.PHONY: load bench load-smoke security security-scan fuzz deploy-check cluster run serve test web web-deps fmt fmt-check lint rust-test web-check e2e build-debug clean-data help

help:
	@echo "make run    - install web deps, build the UI and the release binary, start cahoot on http://127.0.0.1:8080"
	@echo "make test   - fmt check, clippy, Rust tests, web type check, browser tests"

## ---- web UI -------------------------------------------------------------
web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) ci --no-audit --no-fund

web-deps: web/node_modules/.package-lock.json

web: web-deps
	cd web && $(NPM) run build

## ---- main job -------------------------------------------------------------
run: web
	$(CARGO) build --release -p cahoot-server
	./target/release/cahoot serve

## ---- local cluster (the distributed topology as local processes, docs/operations.md): PostgreSQL + redis-server + N instances + HAProxy ----
N ?= 2
cluster: build-debug
	$(CARGO) run -q -p cahoot-cluster -- -n $(N) --port 8080

## ---- tests ----------------------------------------------------------------
fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

lint: web
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The cluster tests run the real `cahoot` binary, so it is built first.
rust-test: build-debug
	$(CARGO) test --workspace

# Dependencies declared but never used (cargo-machete; .ci/run installs it).
.PHONY: machete
machete:
	$(CARGO) machete

web-check: web-deps
	cd web && $(NPM) run check

build-debug: web
	$(CARGO) build -p cahoot-server -p cahoot-cluster

e2e: build-debug
	cd web && CAHOOT_BIN=$(CURDIR)/target/debug/cahoot $(NPM) run test:e2e

## ---- wire contracts (generated TypeScript and the OpenAPI snapshot) -------
# protocol.gen.ts comes from the Rust protocol types (ts-rs); docs/openapi.json from the binary's document;
# openapi.ts from that document (openapi-typescript). The check fails while any of them is stale, and its
# tampering test shows the script would notice (the Rust test module has its own tampering test).
.PHONY: contracts contracts-check
contracts: build-debug web-deps
	CAHOOT_UPDATE_CONTRACTS=1 $(CARGO) test -q -p cahoot-protocol --lib typescript
	CAHOOT_BIN=$(CURDIR)/target/debug/cahoot scripts/contracts-check.sh --update

contracts-check: build-debug web-deps
	$(CARGO) test -q -p cahoot-protocol --lib typescript
	CAHOOT_BIN=$(CURDIR)/target/debug/cahoot scripts/contracts-check.sh
	CAHOOT_BIN=$(CURDIR)/target/debug/cahoot scripts/contracts-check.test.sh

# Static checks of the container and Kubernetes files (no Docker engine on build machines).
deploy-check:
	scripts/validate-deploy.sh

## ---- security (docs/security.md) ------------------------------------------
# Schemathesis against the OpenAPI document of the real binary, and supply-chain checks.
security-scan: build-debug
	CAHOOT_BIN=$(CURDIR)/target/debug/cahoot scripts/schemathesis.sh
	scripts/supply-chain.sh

security: build-debug web-deps
	$(CARGO) test -p cahoot-server --test api attacks::
	cd web && CAHOOT_BIN=$(CURDIR)/target/debug/cahoot node --import tsx --test e2e/xss.test.ts
	$(MAKE) security-scan

# Longer fuzzing runs of the same properties `make test` runs briefly.
fuzz: build-debug
	PROPTEST_CASES=200000 $(CARGO) test --release -p cahoot-protocol --test fuzz_decode
	PROPTEST_CASES=200000 $(CARGO) test --release -p cahoot-game --test fuzz_quiz
	ST_MAX_EXAMPLES=500 CAHOOT_BIN=$(CURDIR)/target/debug/cahoot scripts/schemathesis.sh

## ---- load and benchmarks (docs/load-testing.md) ----------------------------
load:
	scripts/load.sh

bench:
	$(CARGO) bench -p cahoot-game -p cahoot-protocol -p cahoot-server

# Short regression guard: 200 players on a 2-instance cluster, an instance SIGKILLed mid-question;
# fails on any error, lost or duplicated answer (no timing assertions).
load-smoke: build-debug
	$(CARGO) run -q -p cahoot-load -- failover --cluster 2 --cahoot-bin target/debug/cahoot \
	  -p 200 -q 2 --answer-median-ms 400 --answer-max-ms 2000 --kill-at question:1:mid --assert-no-loss

test: fmt-check machete lint deploy-check contracts-check rust-test security-scan load-smoke web-check e2e
	@echo "make test: all green"
