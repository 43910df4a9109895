# Kontor: `make run` starts it with embedded defaults, `make test` runs every test.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
export GOTOOLCHAIN ?= local
GO ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: run build test deps deps-run test-go vet clean docs

## run: build and start Kontor on http://127.0.0.1:8080 with data in ./kontor-data
run: deps-run build
	./bin/kontor serve

## build: the kontor binary in bin/
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/kontor ./cmd/kontor
	$(GO) build -o bin/kontor-load ./cmd/kontor-load

## test: install what is missing, start the test services, run every test, stop them
test: deps vet
	$(GO) run ./tools/testenv run -- $(GO) test -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed on:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

deps:
	scripts/install-deps.sh test

deps-run:
	scripts/install-deps.sh run

## docs: regenerate docs/configuration.md and docs/openapi.json
docs: build
	./bin/kontor config docs > docs/configuration.md
	./bin/kontor openapi > docs/openapi.json

clean:
	rm -rf bin
