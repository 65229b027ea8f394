# Tally's build and test entry points. `make test` is what CI runs
# (.ci/run); it needs only Go and a C compiler (DuckDB is linked through
# cgo from the Go module proxy), and installs the rest itself.

GO ?= go
STATICCHECK_VERSION ?= v0.8.2
PKGS ?= ./...

.PHONY: all build test unit lint fmt-check vet staticcheck bench bench-smoke gobench tools clean test-cloudkitty-client

all: build

build:
	$(GO) build -o tally ./cmd/tally

# test: every check CI runs.
test: tools fmt-check vet staticcheck unit

tools:
	./scripts/install-test-deps.sh

unit:
	$(GO) test -count=1 -timeout 40m $(PKGS)

# test-cloudkitty-client: only the end-to-end test of the CloudKitty
# dialect through Debian's python3-cloudkittyclient (installed first);
# -v shows each command and the requests it sent.
test-cloudkitty-client:
	./scripts/install-cloudkitty-client.sh
	$(GO) test -count=1 -v -run TestCloudKittyClient ./internal/api/cloudkitty/pyclient

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

# bench: `tally bench run`, every scenario of issue 23 in one run, medians
# and ratios measured side by side (README, BENCHMARKS.md "Issue 23: tally
# bench"): ingest of CUR CSV, CUR Parquet, Azure CSV and FOCUS Parquet at
# 1M and 10M rows against DuckDB's own read_csv/read_parquet; Kubecost,
# Azure billing, CloudKitty and CloudHealth queries over 1M and 10M line
# items against hand-written SQL; serving. About an hour on 2 cores and
# 25 GB of disk in BENCH_DIR (generated bills are kept there and reused;
# databases are removed). BENCH_ARGS adds flags, e.g.
# BENCH_ARGS="--only query --sizes 100M" for the manual 100M run.
# A smoke run of the same command (seconds) is part of `make test`
# (TestBenchSmoke in cmd/tally); `make bench-smoke` runs it alone.
BENCH_DIR ?= bench-data
BENCH_ARGS ?=
bench: build
	./tally bench run --dir $(BENCH_DIR) $(BENCH_ARGS)

bench-smoke: build
	./tally bench run --smoke

# gobench: the Go benchmarks (ingest, query, the Kubecost and CloudHealth
# APIs, key verification, bill generation), the store and API ones
# reported as ratios to DuckDB's own speed on the same data; see
# BENCHMARKS.md. GOBENCH_PKGS narrows them; TALLY_BENCH_ITEMS sizes the
# query benchmarks.
GOBENCH_PKGS ?= ./internal/store/duckdb ./internal/api/kubecost ./internal/api/cloudhealth ./internal/ingest ./internal/tenant ./internal/synth
gobench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 60m $(GOBENCH_PKGS)

clean:
	rm -f tally
