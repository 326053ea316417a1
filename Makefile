# jenkins-paratest. `make example` runs the example suite end to end; `make test`
# runs every test (what CI runs).
GO      ?= go
BIN     := bin/jenkins-paratest
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE   := paratest-example/go-suite:latest

.PHONY: all build deps example example-image test lint bench clean

all: build

# A static binary: it is copied into the test containers and runs there as their
# main process, whatever the image holds.
build:
	CGO_ENABLED=0 $(GO) build -trimpath \
	  -ldflags "-s -w -X github.com/jenkins-paratest/jenkins-paratest/internal/cli.Version=$(VERSION)" \
	  -o $(BIN) ./cmd/jenkins-paratest

deps:
	scripts/deps.sh

example-image:
	examples/go-suite/build-image.sh $(IMAGE)

# Runs the example suite on the local engine with 4 workers. GOSUITE_FAIL=1 make
# example shows a red build.
example: build example-image
	$(BIN) run --config examples/go-suite/paratest.yml --image $(IMAGE)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# PARATEST_CAMPAIGN=1: the e2e tests include the fault campaign (bench/fault-campaign.sh).
test: deps lint
	PARATEST_CAMPAIGN=1 $(GO) test -race -count=1 -timeout 30m ./...
	scripts/test-jenkins.sh

# Issue 10's benchmarks, each beside its baselines in the same run, then their
# table (bench/speed.sh; 6 to 15 minutes on 2 CPUs).
bench: build
	GO=$(GO) bench/speed.sh

clean:
	rm -rf bin paratest-out
