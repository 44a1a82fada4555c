# EfA-Register – make help lists the targets.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: help generate test lint run build bench fuzz crash load bench-scale

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

generate: ## regenerate the templ views (*_templ.go are committed)
	$(GO) tool templ generate ./views

# The race detector runs over the whole SQLite suite; the PostgreSQL part
# checks the dialect (same code paths), so it runs without it, in a third of the time.
test: ## run every test (the command CI runs); on PostgreSQL too when EFA_TEST_DATABASE_URL is set
	env -u EFA_TEST_DATABASE_URL $(GO) test -race -count=1 -timeout 25m ./...
	env -u EFA_TEST_DATABASE_URL $(GO) test -count=1 -timeout 25m -run 'TestExportMemoryIsFlat' ./internal/api
	@if [ -n "$$EFA_TEST_DATABASE_URL" ]; then \
		echo "PostgreSQL-Tests gegen $$(echo "$$EFA_TEST_DATABASE_URL" | sed -E "s#:[^:@/]*@#:***@#")"; \
		$(GO) test -count=1 -timeout 25m ./internal/store/... && \
		$(GO) test -count=1 -timeout 25m -run 'OnPostgres|OnOnePostgres|AcrossInstances|ByTwoInstances|ToPostgres' ./cmd/efa ./internal/api ./bench/crash; \
	elif [ -n "$$CI" ]; then \
		echo "CI: EFA_TEST_DATABASE_URL fehlt, die PostgreSQL-Tests können nicht laufen (.ci/run stellt einen Server bereit)"; exit 1; \
	else \
		echo "PostgreSQL-Tests übersprungen: EFA_TEST_DATABASE_URL nicht gesetzt (z. B. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"; \
	fi

lint: ## gofmt and go vet
	@out="$$(gofmt -l cmd internal views static seed bench 2>/dev/null)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

run: ## serve on :8080 with ./data
	$(GO) run ./cmd/efa

build: ## build the efa binary into ./bin
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/efa ./cmd/efa

bench: ## run the Go benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

FUZZTIME ?= 10s
fuzz: ## run every fuzz target for FUZZTIME each (default 10s)
	FUZZTIME=$(FUZZTIME) ./.ci/fuzz

crash: ## crash-safety harness: 100 SIGKILL cycles against the real binary
	$(GO) run ./bench/crash -cycles 100

load: ## load harness: vegeta at rising constant rates against 127.0.0.1
	$(GO) run ./bench/load

EFA_SYNTHETIC_DIR ?= /tmp/efa-synthetic
bench-scale: ## every public route, concurrent exports and peak RSS on the synthetic register (BIN=, EFA_SYNTHETIC_DIR=)
	$(GO) run ./bench/scale $(if $(BIN),-bin $(BIN)) -synthetic $(EFA_SYNTHETIC_DIR) $(BENCH_SCALE_FLAGS)
