# jenkins-paratest. `make example` runs the example suite end to end; `make test`
# runs every test (what CI runs).
GO      ?= go
BIN     := bin/jenkins-paratest
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE   := paratest-example/go-suite:latest

.PHONY: all build dist deps example example-image example-services agent-image test lint bench clean

all: build

# A static binary: it is copied into the test containers and runs there as their
# main process, whatever the image holds.
build:
	CGO_ENABLED=0 $(GO) build -trimpath \
	  -ldflags "-s -w -X github.com/jenkins-paratest/jenkins-paratest/internal/cli.Version=$(VERSION)" \
	  -o $(BIN) ./cmd/jenkins-paratest

# Release archives: dist/jenkins-paratest-<version>-linux-<arch>.tar.gz for amd64
# and arm64, each holding jenkins-paratest-<version>-linux-<arch>/jenkins-paratest
# (static, the version stamped in) and README.md, then dist/SHA256SUMS in
# sha256sum's format. <version> is VERSION without a leading v (the paratest step's
# version option); the binary reports VERSION. DIST= puts them elsewhere. The
# archives are reproducible: fixed owner, mode and time (the commit's).
DIST       ?= dist
DIST_ARCHS := amd64 arm64
DIST_VER    = $(VERSION:v%=%)
DIST_TIME   = $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

dist:
	rm -rf "$(DIST)" && mkdir -p "$(DIST)"
	set -e; for arch in $(DIST_ARCHS); do \
	  name=jenkins-paratest-$(DIST_VER)-linux-$$arch; \
	  mkdir -p "$(DIST)/$$name"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath \
	    -ldflags "-s -w -X github.com/jenkins-paratest/jenkins-paratest/internal/cli.Version=$(VERSION)" \
	    -o "$(DIST)/$$name/jenkins-paratest" ./cmd/jenkins-paratest; \
	  for f in LICENSE README.md; do if [ -f "$$f" ]; then cp "$$f" "$(DIST)/$$name/"; fi; done; \
	  tar -C "$(DIST)" --sort=name --owner=0 --group=0 --numeric-owner --mode=go-w \
	    --mtime=@$(DIST_TIME) -cf - "$$name" | gzip -n -9 >"$(DIST)/$$name.tar.gz"; \
	  rm -rf "$(DIST)/$$name"; \
	done
	cd "$(DIST)" && sha256sum jenkins-paratest-*.tar.gz >SHA256SUMS
	@cat "$(DIST)/SHA256SUMS"

deps:
	scripts/deps.sh

# The agent image for kubernetes: (docs/kubernetes.md): FROM scratch, holding only
# the static binary at /jenkins-paratest, made offline with docker import (no
# registry, no base image). Push it where the cluster's nodes pull from.
AGENT_IMAGE ?= jenkins-paratest-agent:$(VERSION)
agent-image: build
	tar -C $(dir $(BIN)) --owner=0 --group=0 --numeric-owner -cf - $(notdir $(BIN)) | \
	  docker import --change 'ENTRYPOINT ["/jenkins-paratest"]' - $(AGENT_IMAGE)
	@echo $(AGENT_IMAGE)

example-image:
	examples/go-suite/build-image.sh $(IMAGE)

# Runs the example suite on the local engine with 4 workers. GOSUITE_FAIL=1 make
# example shows a red build.
example: build example-image
	$(BIN) run --config examples/go-suite/paratest.yml --image $(IMAGE)

# The per-worker services example (examples/services): a Redis and a PostgreSQL
# for each of 4 workers, in the image scripts/runner-image.sh builds offline.
example-services: build
	docker tag "$$(scripts/runner-image.sh)" paratest-example/services:latest
	$(BIN) run --config examples/services/paratest.yml --out paratest-out/services

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# PARATEST_CAMPAIGN=1: the e2e tests include the fault campaign (bench/fault-campaign.sh).
# The Kubernetes test cluster (test/k8s, its own module) is built first, once per
# source (cached; 6-12 minutes with a cold Go build cache), so that the e2e tests
# that start it do not compile it under their timeout; its own smoke tests run
# after the product's.
test: deps lint
	scripts/k8s-cluster.sh build >/dev/null
	PARATEST_CAMPAIGN=1 $(GO) test -race -count=1 -timeout 30m ./...
	scripts/k8s-cluster.sh test
	scripts/test-jenkins.sh

# Issue 10's benchmarks, each beside its baselines in the same run, then their
# table (bench/speed.sh; 6 to 15 minutes on 2 CPUs).
bench: build
	GO=$(GO) bench/speed.sh

clean:
	rm -rf bin dist paratest-out
