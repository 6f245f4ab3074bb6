# sluice developer entry points. `make help` lists them.
CARGO ?= cargo
SLUICE := target/debug/sluice
CONFORMANCE ?= ../shared/conformance

.PHONY: help demo build test crds schema validate lint fmt ci conformance bench-manifest bench-git bench-engine bench-graph bench-flow bench-controller bench-github fuzz fuzz-smoke

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

demo: ## Build everything and run a self-contained flow through four repositories
	$(CARGO) build -p sluice -p sluice-tests --bins
	target/debug/demo

build: ## Build the sluice binary and all crates
	$(CARGO) build --workspace --all-targets

# cargo-nextest runs each test in a process of its own; a machine without it gets it
# installed from crates.io, and one that cannot install it runs the suite with cargo test.
test: ## Run every test of the workspace (installs cargo-nextest when missing)
	@if ! $(CARGO) nextest --version >/dev/null 2>&1; then \
		echo "cargo-nextest is missing; installing it (cargo install cargo-nextest --locked)"; \
		$(CARGO) install cargo-nextest --locked || echo "could not install cargo-nextest; running the suite with cargo test"; \
	fi
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi

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

bench-manifest: ## Time updating 20 of 500 dependencies (xml + props + global.json) against a plain parse of the same files
	$(CARGO) bench -p sluice-core --bench manifest_update

# Corpus cases whose expected output does not follow from the case's inputs, so no
# implementation can match them; each is explained in the manifest module docs
# (operator/core/src/manifest/mod.rs). Any other failing case fails the target, and
# so does a listed case that starts passing (remove it then).
CONFORMANCE_EXPECTED_FAILURES := \
	case-376b98e652d8 case-d6e80a39ac88 \
	case-aa6c0a957039 case-e085fdca8214 \
	case-b176356930a1 case-d570883e46fc case-d91192c6a5a2

conformance: build ## Replay real dependency-update commits against `sluice deps update`
	@mkdir -p target
	@python3 $(CONFORMANCE)/run.py $(SLUICE) --show 0 > target/conformance.txt || true
	@grep -qE '^conformance: [0-9]+ passed' target/conformance.txt || { cat target/conformance.txt; exit 1; }
	@sed -n 's/^conformance: \([0-9]*\) passed, \([0-9]*\) failed$$/conformance: \1 cases byte-identical, \2 not (expected: $(words $(CONFORMANCE_EXPECTED_FAILURES)))/p' target/conformance.txt
	@failed=$$(sed -n 's/^FAIL //p' target/conformance.txt); \
	unexpected=$$(for c in $$failed; do case " $(CONFORMANCE_EXPECTED_FAILURES) " in *" $$c "*) ;; *) echo $$c;; esac; done); \
	fixed=$$(for c in $(CONFORMANCE_EXPECTED_FAILURES); do echo "$$failed" | grep -qxF $$c || echo $$c; done); \
	if [ -n "$$unexpected" ]; then echo "unexpected failures (python3 $(CONFORMANCE)/run.py $(SLUICE) --show N):"; echo "$$unexpected"; exit 1; fi; \
	if [ -n "$$fixed" ]; then echo "now passing, remove from CONFORMANCE_EXPECTED_FAILURES:"; echo "$$fixed"; exit 1; fi; \
	echo "all failures are the expected ones"

bench-git: ## Time one dependency update on a large synthetic repository: sluice cold/warm vs clone+push (release build)
	$(CARGO) run --release -p sluice-tests --bin bench_git

bench-graph: ## Walk a 30-repository product graph (200 dependencies each) over loopback HTTP: sluice cold/warm vs git CLI, and the graph: true policy's reads and decision (release build)
	$(CARGO) run --release -p sluice-tests --bin bench_graph

bench-flow: ## The flow network's times and critical path over 250 subscriptions and 50,000 merges, against the statistics alone
	$(CARGO) bench -p sluice-core --bench flow_network

bench-controller: ## sluice controller over 10,000 Subscriptions and 2,000 Builds as resources in the fake API server (release build)
	$(CARGO) build --release -p sluice -p sluice-tests --bin sluice --bin bench_controller
	SLUICE_BIN=target/release/sluice target/release/bench_controller

bench-github: ## GitHub API calls per update (content-creating: goal <= 4) and per steady resync of 1,000 open pull requests (goal: 304s only)
	$(CARGO) run --release -p sluice-tests --bin bench_github

bench-engine: ## One steady-state pass over 2,000 target branches and 10,000 subscriptions (release build)
	$(CARGO) run --release -p sluice-tests --bin bench_engine

# Fuzzing (operator/core/fuzz, a crate outside the workspace) on the stable toolchain: no
# sanitizer, so no nightly-only flag; libFuzzer's coverage comes from the sanitizer-coverage
# LLVM pass, which stable rustc runs through -C flags, and `--cfg fuzzing` as cargo-fuzz
# sets it. Each run starts from the seeds in corpus/<target>/ and keeps what it finds in
# target/corpus/<target>/ (target/smoke/corpus/<target>/ for the smoke run); a crash is
# saved under artifacts/<target>/ and fails the target.
FUZZ_DIR := operator/core/fuzz
FUZZ_TARGETS := $(sort $(basename $(notdir $(wildcard $(FUZZ_DIR)/fuzz_targets/*.rs))))
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_TRIPLE = $(shell rustc -vV | sed -n 's/^host: //p')
FUZZ_RUSTFLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
	-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
	-Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth \
	-Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
	--cfg fuzzing -Cdebug-assertions

# Runs every target's binary $(1) for $(2) seconds, keeping corpus and logs under
# $(FUZZ_DIR)/$(3), then prints one line of figures per target.
define fuzz_each
	@mkdir -p $(FUZZ_DIR)/$(3)/logs
	@failed=""; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/$(3)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t; \
		log=$(FUZZ_DIR)/$(3)/logs/$$t.log; \
		if ! $(1) $(FUZZ_DIR)/$(3)/corpus/$$t $(FUZZ_DIR)/corpus/$$t -max_total_time=$(2) \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ -print_final_stats=1 >$$log 2>&1; then \
			grep -a -E -A 3 "panicked at|^SUMMARY|Test unit written" $$log; \
			echo "$$t FAILED (log: $$log; input under $(FUZZ_DIR)/artifacts/$$t/)"; \
			failed="$$failed $$t"; continue; \
		fi; \
		runs=$$(LC_ALL=C sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
		done_line=$$(grep -a -E '^#[0-9]+[[:space:]]+DONE' $$log | tail -n 1); \
		cov=$$(echo "$$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p'); \
		ft=$$(echo "$$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p'); \
		corp=$$(echo "$$done_line" | sed -n 's/.* corp: \([^ ]*\).*/\1/p'); \
		printf '%-16s %10s runs  cov %5s  ft %6s  corpus %s\n' $$t "$$runs" "$$cov" "$$ft" "$$corp"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz targets failed:$$failed"; exit 1; fi
endef

fuzz: ## Fuzz every core target for FUZZ_SECONDS (default 60) each (installs cargo-fuzz when missing)
	@if ! $(CARGO) fuzz --version >/dev/null 2>&1; then \
		echo "cargo-fuzz is missing; installing it (cargo install cargo-fuzz --locked)"; \
		$(CARGO) install cargo-fuzz --locked; \
	fi
	cd $(FUZZ_DIR) && $(CARGO) fuzz build -s none -a
	$(call fuzz_each,$(FUZZ_DIR)/target/$(FUZZ_TRIPLE)/release/$$t,$(FUZZ_SECONDS),target)

# CI's short run: built without cargo-fuzz (its install from source costs more than the
# build), with the flags `cargo fuzz build -s none -a` passes, in the dev profile (it compiles
# in about two thirds of the release build's time; slower runs matter little for a few
# seconds). --target keeps the flags off build scripts and proc macros.
fuzz-smoke: ## Build the fuzz targets on stable and run each for FUZZ_SMOKE_SECONDS (default 3)
	cd $(FUZZ_DIR) && $(CARGO) fmt --all -- --check
	cd $(FUZZ_DIR) && RUSTFLAGS="$(FUZZ_RUSTFLAGS)" $(CARGO) build --locked --bins \
		--target $(FUZZ_TRIPLE) --target-dir target/smoke
	$(call fuzz_each,$(FUZZ_DIR)/target/smoke/$(FUZZ_TRIPLE)/debug/$$t,$(FUZZ_SMOKE_SECONDS),target/smoke)

ci: lint fuzz-smoke test ## What CI runs
