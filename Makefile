# Tally's build and test entry points. `make test` is what CI runs
# (.ci/run); it needs only Go and a C compiler (DuckDB is linked through
# cgo from the Go module proxy), and installs the rest itself.

GO ?= go
STATICCHECK_VERSION ?= v0.8.2
PKGS ?= ./...

.PHONY: all build test unit lint fmt-check vet staticcheck bench tools clean test-cloudkitty-client

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

# bench: the Go benchmarks (ingest, query, the Kubecost API, key
# verification, bill generation), the store and API ones reported as
# ratios to DuckDB's own speed on the same data; see BENCHMARKS.md.
# BENCH_PKGS narrows them; TALLY_BENCH_ITEMS sizes the query benchmarks.
BENCH_PKGS ?= ./internal/store/duckdb ./internal/api/kubecost ./internal/ingest ./internal/tenant ./internal/synth
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 60m $(BENCH_PKGS)

clean:
	rm -f tally
