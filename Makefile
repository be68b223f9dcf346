# Gatehouse — every target is real; `make help` lists them.
SHELL := /bin/bash
export GOTOOLCHAIN := local
GO ?= go
PKGS := ./...
# The browser suite (e2e) takes longest, so it runs as its own go test beside the other
# packages' (unit-browser, unit-rest), with one browser test per core. More at a time only
# burn CPU: a journey's waits (htmx settling, the page loading, the console marker) are polls,
# and under contention they poll longer. On 2 cores the suite alone took 217 CPU-s with four
# at a time and 173 with two, and make test 192 s instead of 155 s. With PKGS set, only those
# packages run, in one go test.
BROWSERPKGS := $(if $(filter ./...,$(PKGS)),./e2e/)
RESTPKGS := $(if $(filter ./...,$(PKGS)),$(shell $(GO) list ./... 2>/dev/null | grep -v '/e2e$$'),$(PKGS))
BROWSERPARALLEL ?= $(shell nproc 2>/dev/null || echo 1)
# Test binaries run at once: one more than the cores. Only the browser suite keeps a core busy;
# the other packages mostly wait (on Okta latency they inject, timeouts, Redis), so with one
# per core the waiting ones would queue behind each other (on 2 cores: 165 s instead of 128 s).
TESTP ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
FUZZTIME ?= 30s

.PHONY: help run test check generate check-generated fmt check-fmt vet lint unit unit-browser unit-rest build emulator keys bench fuzz screenshots clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

run: ## the portal on the embedded Okta emulator with the demo org (ports: make run ADDR=localhost:9080 OKTA_ADDR=localhost:9081)
	$(GO) run ./cmd/gatehouse -dev $(if $(ADDR),-addr $(ADDR)) $(if $(OKTA_ADDR),-okta-addr $(OKTA_ADDR))

# vet and staticcheck run beside the tests rather than before them, at a lower CPU priority
# (LINTNICE): the browser suite is the longest job and sets the suite's time, so it starts first
# and is never made to wait for the linters, which use the CPU the test binaries leave while
# they wait (on the latency they inject, timeouts, the browser). The linters' results are the
# same at any priority.
LINTNICE ?= nice -n 10
test: check-generated check-fmt ## everything CI runs: fresh templ output, gofmt, go vet, staticcheck, go test -race
	@$(MAKE) --no-print-directory -j4 --output-sync=line unit-browser unit-rest vet lint

check: test ## alias of test

generate: ## regenerate templ code (commit the *_templ.go files)
	$(GO) tool templ generate

check-generated: ## fail if the committed *_templ.go files are stale
	@before=$$(find . -name '*_templ.go' -not -path './.git/*' | sort | xargs sha256sum); \
	$(GO) tool templ generate >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }; \
	after=$$(find . -name '*_templ.go' -not -path './.git/*' | sort | xargs sha256sum); \
	if [ "$$before" != "$$after" ]; then echo "templ output was stale; it has been regenerated — commit the *_templ.go changes"; exit 1; fi

fmt: ## format Go and templ sources
	gofmt -w $$(git ls-files '*.go' | grep -v '_templ.go$$') 
	$(GO) tool templ fmt views

check-fmt: ## fail if any Go file is not gofmt-clean
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(LINTNICE) $(GO) vet $(PKGS)

lint: ## staticcheck, pinned in go.mod as a tool (go tool staticcheck)
	$(LINTNICE) $(GO) tool staticcheck $(PKGS)

unit: ## go test with the race detector (browser and Redis tests skip when chromium or redis-server are missing)
	@$(MAKE) --no-print-directory -j2 --output-sync=line unit-browser unit-rest

unit-browser:
	$(if $(BROWSERPKGS),$(GO) test -race -count=1 -timeout 15m -parallel $(BROWSERPARALLEL) $(BROWSERPKGS),@true)

unit-rest:
	$(GO) test -race -count=1 -timeout 15m -p $(TESTP) $(RESTPKGS)

build: ## static binaries in bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o bin/gatehouse ./cmd/gatehouse
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o bin/okta-emulator ./cmd/okta-emulator

emulator: ## run the Okta emulator alone on http://localhost:8081
	$(GO) run ./cmd/okta-emulator

keys: ## make the key pair of the Okta service app in keys/ (git-ignored; KEYFLAGS="-type ec")
	$(GO) run ./cmd/gatehouse-keys -dir keys $(KEYFLAGS)

bench: ## load benchmark: emulator + gatehouse as processes, prints a table (BENCHFLAGS="-users 10"; docs/PERFORMANCE.md)
	GO=$(GO) $(GO) run ./cmd/gatehouse-bench $(BENCHFLAGS)

fuzz: ## run every fuzz target for FUZZTIME each (default 30s)
	@set -e; for target in $$(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$target\(" --include='*_test.go' . | head -1 | xargs dirname); \
		echo "== $$pkg $$target"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

screenshots: ## refresh docs/screenshots from a real browser (needs chromium)
	GATEHOUSE_SCREENSHOTS=1 $(GO) test -count=1 -run TestScreenshots ./e2e/

clean: ## remove build output
	rm -rf bin
