# sluice developer entry points. `make help` lists them.
CARGO ?= cargo
SLUICE := target/debug/sluice
CONFORMANCE ?= ../shared/conformance

.PHONY: help demo build test crds schema validate lint fmt ci conformance bench-manifest bench-git

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

demo: ## Build everything and run a self-contained flow through four repositories
	$(CARGO) build -p sluice -p sluice-tests --bins
	target/debug/demo

build: ## Build the sluice binary and all crates
	$(CARGO) build --workspace --all-targets

test: ## Run every test of the workspace
	$(CARGO) nextest run --workspace --no-fail-fast

crds: build ## Regenerate crds/ and the chart's CRDs from the Rust types
	$(SLUICE) crds --out crds
	$(SLUICE) crds --out charts/sluice/crds

schema: build ## Write JSON Schemas for editor validation into crds/schema/
	$(SLUICE) schema --out crds/schema

validate: build ## Validate the example config repository
	$(SLUICE) validate examples/config-repo

lint: ## Formatting and clippy, warnings are errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

bench-manifest: ## Benchmark updating 20 of 500 dependencies (xml + props + global.json)
	$(CARGO) bench -p sluice-core --bench manifest_update

conformance: build ## Replay real dependency-update commits against `sluice deps update`
	python3 $(CONFORMANCE)/run.py $(SLUICE)

bench-git: ## Time one dependency update on a large synthetic repository: sluice cold/warm vs clone+push (release build)
	$(CARGO) run --release -p sluice-tests --bin bench_git

ci: lint test ## What CI runs
