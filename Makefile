# Kontor: `make run` starts it with embedded defaults, `make test` runs every test.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
export GOTOOLCHAIN ?= local
GO ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: run build test deps deps-run test-go test-web vet clean docs webapp screenshots

## run: build and start Kontor on http://127.0.0.1:8080 with data in ./kontor-data
run: deps-run build
	./bin/kontor serve

## build: the web app, then the kontor binary (with the app embedded) in bin/
build: webapp
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/kontor ./cmd/kontor
	$(GO) build -o bin/kontor-load ./cmd/kontor-load

## test: install what is missing, start the test services, run every test, stop them
test: deps vet
	$(GO) run ./tools/testenv run -- $(GO) test -count=1 -timeout 20m ./...
	$(MAKE) test-web

## webapp: build the web app into webapp/dist/app (npm install first when node_modules is missing or stale;
## not npm ci: the npm here writes lock files without other platforms' optional packages, which npm ci refuses)
WEBAPP_SRC := $(shell find webapp/src webapp/public webapp/index.html webapp/vite.config.ts \
	webapp/package.json webapp/package-lock.json webapp/tsconfig*.json -type f 2>/dev/null)
webapp: webapp/dist/app/index.html
webapp/node_modules/.package-lock.json: webapp/package-lock.json
	cd webapp && npm install --no-audit --no-fund && touch node_modules/.package-lock.json
webapp/dist/app/index.html: webapp/node_modules/.package-lock.json $(WEBAPP_SRC)
	cd webapp && npm run build

## test-web: web app checks: API client matches docs/openapi.json, types, unit tests, then
## end-to-end tests in Chromium against a real kontor serve (bin/kontor, built with the app) and slapd
test-web: build
	cd webapp && npm run check:api && npm run typecheck && npm run test:unit
	$(GO) run ./tools/testenv run --services slapd -- env KONTOR_BIN=$(CURDIR)/bin/kontor npm --prefix webapp run test:e2e

## screenshots: run the end-to-end tests and keep their screenshots in docs/screenshots
screenshots: build
	$(GO) run ./tools/testenv run --services slapd -- env KONTOR_BIN=$(CURDIR)/bin/kontor \
		KONTOR_SCREENSHOTS=$(CURDIR)/docs/screenshots npm --prefix webapp run test:e2e

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
	rm -rf bin webapp/dist/app
