# Switchyard: `make up` runs the whole stack locally; `make test` runs everything CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

node_modules/.installed: package.json package-lock.json
	@# npm ci rejects locks written with omit-lockfile-registry-resolved (optional platform packages lack versions);
	@# npm install honours the lock and installs only what is missing.
	npm install --no-audit --no-fund
	@touch $@

.PHONY: install
install: node_modules/.installed ## Install dependencies when package files changed

.PHONY: infra
infra: ## Check Postgres, Redis and NATS are reachable (starts them with docker compose where possible)
	@bash scripts/ensure-infra.sh

.PHONY: dashboard
dashboard: install ## Build the web dashboard (served by the gateway at /dashboard/)
	npx vite build apps/dashboard --logLevel warn

.PHONY: up
up: install infra dashboard ## Start all services and the dashboard, seed a demo workspace and key, print the URLs and key
	@node scripts/dev-stack.mjs up

.PHONY: down
down: ## Stop what `make up` started
	@node scripts/dev-stack.mjs down

.PHONY: typecheck
typecheck: install
	npx tsc -p tsconfig.json

.PHONY: test-unit
test-unit: install
	npx jest --selectProjects unit

.PHONY: test-integration
test-integration: install
	@bash scripts/ensure-infra.sh --start-installed
	npx jest --selectProjects integration --maxWorkers=2

.PHONY: test
test: install ## Typecheck, unit tests, integration tests against real Postgres, Redis and NATS
	@bash scripts/ensure-infra.sh --start-installed
	npx tsc -p tsconfig.json
	npx tsc -p apps/dashboard/tsconfig.json
	@bash scripts/dependency-audit.sh
	npx jest --selectProjects unit integration --maxWorkers=2
	$(MAKE) --no-print-directory test-browser

.PHONY: test-browser
test-browser: install dashboard ## Dashboard end to end in Chromium against `make up` (screenshots in .switchyard/screenshots)
	@bash scripts/ensure-chromium.sh
	npx jest --selectProjects browser --runInBand

.PHONY: chaos
chaos: install ## Faults under load (kill -9 each service, NATS, Redis, Postgres connections, a hung upstream); money checked after
	@bash scripts/ensure-infra.sh --start-installed
	@# plus a short load run: 400 concurrent streams (> the 256 upstream connections that once stalled streams)
	LOAD_STREAMS=400 LOAD_TOKENS=15 LOAD_RAMP_MS=5000 npx jest apps/e2e/src/chaos --selectProjects chaos --runInBand

.PHONY: load
load: install ## 1,000 concurrent streams held open ~60 s: errors, stalls, gateway RSS, exact billing (bench/README.md)
	@bash scripts/ensure-infra.sh --start-installed
	npx jest apps/e2e/src/chaos/streams-load.chaos-spec.ts --selectProjects chaos --runInBand

.PHONY: help
help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'
