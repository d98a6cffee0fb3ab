# Kring: see README.md. `make run` starts a development node; `make test`
# runs every test, installing Chromium and axe-core first when missing.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
BIN      := bin/kring
DATA     ?= ./data
LISTEN   ?= 127.0.0.1:8080
HOST     ?= localhost:8080
FUZZTIME ?= 60s

.PHONY: all build run test testdeps bench fuzz vulncheck fmt lint clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kring

## run: build and start a development node in ./data on 127.0.0.1:8080
run: build
	$(BIN) serve --data $(DATA) --listen $(LISTEN) --dev --init-host $(HOST)

testdeps:
	@./.ci/testdeps

## test: go vet and every test with the race detector
test: testdeps
	@test -d ../shared/fixtures/activitypub || echo "note: ../shared is not beside this checkout: the fixture-corpus and prober tests do not run"
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 15m ./...
	FUZZ_PARALLEL=1 ./.ci/fuzz 100x
	@./.ci/govulncheck

## bench: storage throughput, the idle memory of `kring serve`, and federation under load
## (inbox: signed activities stored/s, p50/p99, peak RSS; delivery fan-out to 10,000 followers)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

## fuzz: every fuzz target for FUZZTIME each (make fuzz FUZZTIME=5m); crashers land in <pkg>/testdata/fuzz
fuzz:
	./.ci/fuzz $(FUZZTIME)

## vulncheck: govulncheck with the Go vulnerability database taken from the module proxy
vulncheck:
	@./.ci/govulncheck

fmt:
	gofmt -w -s .

## lint: formatting, vet, staticcheck and govulncheck (pinned as go tools)
lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@./.ci/govulncheck

clean:
	rm -rf bin
