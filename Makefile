# The commands the README names. Each installs missing system packages first.
.PHONY: run test test-browser check-api demo build release deps format lint bench bench-quick fuzz soak

deps:
	@tools/install-system-deps.sh

build: deps
	swift build

## Optimised ledgerd and ledgerctl for deployment, in .build/release/.
release: deps
	swift build -c release
	@echo "built .build/release/ledgerd and .build/release/ledgerctl"

## Runs ledgerd on its embedded Kafka broker, with its ledgers in ./data.
run: build
	.build/debug/ledgerd --registry topics/registry/example-registry.json

## Checks the event schemas and examples and that the pure targets do no I/O, builds everything (warnings are
## errors), checks the decoder against the schemas, and runs every test.
test: deps
	python3 tools/check-schemas.py
	python3 tools/check-layers.py
	swift build --build-tests
	python3 tools/check-decoder-against-schemas.py
	swift test --skip-build

## The citizen's page in headless Chromium against a ledgerd with simulated traffic; screenshots in .build/browser-test/.
test-browser: build
	@tools/install-browser-deps.sh
	python3 tools/browser-test.py

## The whole story in a minute: ledgerd, simulated institutions, a citizen's view, a regulator's check.
demo: build
	tools/demo.sh

## The API contract check: schemathesis against a live ledgerd with docs/openapi.yaml (~3 min).
check-api: deps
	swift build
	tools/check-api.sh

## Fuzzes every parser of outside bytes for FUZZ_SECONDS each (default 60), then prints executions and coverage.
fuzz: deps
	tools/fuzz.sh

## SIGKILLs ledgerd SOAK_KILLS times (default 100) under signed traffic (SOAK_RATE events/s, default 20), then checks
## that every offset is in one leaf, verify passes, the leaves are those of one uninterrupted run, every leaf has a receipt.
soak: deps
	swift build --build-tests
	SOAK_KILLS=$${SOAK_KILLS:-100} swift test --skip-build --filter KillSoakTests

format:
	swift format --in-place --recursive Package.swift Plugins Sources Tests Benchmarks/Package.swift Benchmarks/Sources Fuzz/Package.swift Fuzz/Sources

lint:
	swift format lint --strict --recursive Package.swift Plugins Sources Tests Benchmarks/Package.swift Benchmarks/Sources Fuzz/Package.swift Fuzz/Sources

## Measures the headline figures in a release build; writes bench/results/latest.json.
## ONLY=merkle|stages|pipeline|api runs one group.
bench: deps
	@mkdir -p bench/results
	swift run -c release --package-path Benchmarks ledger-bench $(if $(ONLY),--only $(ONLY)) --json $(CURDIR)/bench/results/latest.json

## The same at small sizes, in under a minute once built: proves the suite runs.
bench-quick: deps
	@mkdir -p bench/results
	swift run -c release --package-path Benchmarks ledger-bench --quick $(if $(ONLY),--only $(ONLY)) --json $(CURDIR)/bench/results/quick.json
