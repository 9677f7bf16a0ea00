GO ?= go
PROTOC_GEN_GO := $(GO) run google.golang.org/protobuf/cmd/protoc-gen-go

.PHONY: run build test lint proto fuzz bench e2e

run:
	$(GO) run ./cmd/hongyan serve

build:
	$(GO) build -o bin/hongyan ./cmd/hongyan

test:
	$(GO) test -timeout 20m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Regenerates internal/gen from proto/ (needs protoc: apt-get install protobuf-compiler).
proto:
	$(GO) build -o bin/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	protoc -I proto --plugin=protoc-gen-go=bin/protoc-gen-go --go_out=. --go_opt=module=hongyan proto/hongyan/v1/*.proto

# The fuzz targets are found by grep (every `func FuzzXxx` of a tracked
# _test.go file), not by compiling every package's tests for `go test
# -list`; a name that is no fuzz target of its package ("no fuzz tests to
# fuzz") fails rather than passing having fuzzed nothing.
# A run that fails only with "context deadline exceeded" and writes no
# failing input is Go's fuzz coordinator racing its own -fuzztime deadline
# (golang/go#75804, fixed in Go 1.27): that target is run once more. Any
# other failure, or that one twice, fails.
FUZZTIME ?= 20s
fuzz:
	@targets=$$(git grep -o -E '^func Fuzz[A-Za-z0-9_]*' -- '*_test.go' | sed 's/:func /:/'); \
	[ -n "$$targets" ] || { echo "no fuzz targets found"; exit 1; }; \
	for t in $$targets; do \
	    p=./$$(dirname "$${t%%:*}"); f=$${t#*:}; \
	    echo "== $$p $$f"; \
	    for try in 1 2; do \
	      out=$$($(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p 2>&1); rc=$$?; echo "$$out"; \
	      if [ $$rc = 0 ] && echo "$$out" | grep -q 'no fuzz tests to fuzz'; then echo "FAIL: $$f is no fuzz target of $$p"; exit 1; fi; \
	      [ $$rc = 0 ] && break; \
	      if [ $$try = 1 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
	        echo "== $$f: the fuzz engine's deadline race (golang/go#75804), once more"; continue; \
	      fi; \
	      exit 1; \
	    done; \
	done; \
	echo "== fuzzed $$(echo "$$targets" | wc -w) targets"

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Jepsen-style fault test (internal/load/chaos.go): SIGKILL the server again
# and again while users send, then check every send against every device's
# view. Three seeds must pass; the negative control (the server acknowledges
# before committing, HONGYAN_UNSAFE_ACK_BEFORE_COMMIT) must be caught losing
# acknowledged messages.
CHAOS_SEEDS ?= 1 2 3
CHAOS_FLAGS ?= --duration 15s --kill-every 1s --min-kills 12
.PHONY: chaos
chaos:
	$(GO) build -o bin/hongyan ./cmd/hongyan
	$(GO) build -o bin/hongyan-load ./cmd/hongyan-load
	@for s in $(CHAOS_SEEDS); do \
	  echo "== chaos seed $$s"; \
	  bin/hongyan-load chaos --binary bin/hongyan $(CHAOS_FLAGS) --seed $$s --json || exit 1; \
	done
	@echo "== chaos negative control: acknowledging before commit must be caught"; \
	out=$$(mktemp); \
	if bin/hongyan-load chaos --binary bin/hongyan --duration 10s --kill-every 1s --seed 1 --unsafe-ack --json > $$out; then \
	  cat $$out; rm -f $$out; echo "FAIL: the checker missed the negative control's loss"; exit 1; \
	fi; \
	grep -v '^chaos: VIOLATION' $$out; last=$$(tail -n 1 $$out); rm -f $$out; \
	if echo "$$last" | grep -q '"lost":[1-9]'; then echo "negative control: loss detected, as it must be"; \
	else echo "FAIL: negative control: want lost > 0 on the last line"; exit 1; fi

# The same checker with the server on PostgreSQL (a fresh schema per seed
# in $(CHAOS_POSTGRES)); CI runs it beside `make chaos`.
CHAOS_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
# The chaos checker against a cluster: 3 nodes on a fresh schema of
# $(CHAOS_POSTGRES), NATS, HAProxy; the nemesis kills, stops (10 s), cuts
# a node off NATS (5 s) and restarts NATS while clients send through the
# balancer; then the negative control (acknowledging before commit, nodes
# killed every second) must be caught. Needs haproxy.
.PHONY: chaos-cluster
chaos-cluster:
	$(GO) build -o bin/hongyan ./cmd/hongyan
	$(GO) build -o bin/hongyan-load ./cmd/hongyan-load
	bin/hongyan-load chaos-cluster --binary bin/hongyan --postgres '$(CHAOS_POSTGRES)' --duration 60s --kill-every 4s --seed 1 --json
	@echo "== chaos-cluster negative control: acknowledging before commit must be caught"; \
	out=$$(mktemp); \
	if bin/hongyan-load chaos-cluster --binary bin/hongyan --postgres '$(CHAOS_POSTGRES)' --duration 15s --kill-every 1s --faults kill --seed 1 --unsafe-ack --json > $$out; then \
	  cat $$out; rm -f $$out; echo "FAIL: the checker missed the negative control's loss"; exit 1; \
	fi; \
	last=$$(tail -n 1 $$out); rm -f $$out; \
	if echo "$$last" | grep -q '"lost":[1-9]'; then echo "negative control: loss detected, as it must be"; \
	else echo "FAIL: negative control: want lost > 0 on the last line"; exit 1; fi

# A cluster for a developer: NATS, three nodes on PostgreSQL and HAProxy
# on http://127.0.0.1:8080 (see scripts/cluster).
.PHONY: cluster
cluster:
	scripts/cluster

.PHONY: chaos-postgres
chaos-postgres:
	$(GO) build -o bin/hongyan ./cmd/hongyan
	$(GO) build -o bin/hongyan-load ./cmd/hongyan-load
	@for s in $(CHAOS_SEEDS); do \
	  echo "== chaos on PostgreSQL, seed $$s"; \
	  bin/hongyan-load chaos --binary bin/hongyan $(CHAOS_FLAGS) --seed $$s --storage postgres --postgres '$(CHAOS_POSTGRES)' --json || exit 1; \
	done

# The money chaos (internal/load/chaosmoney.go): SIGKILL the server while
# clients top up, transfer, accept, send and grab red packets with
# idempotency keys and retry; then reconcile the provider, run `admin
# ledger check`, and check every acknowledged request happened exactly
# once, retries applied once, balances equal the ledger, no packet
# over-grabbed, totals conserved. The negative control (the wallet forgets
# idempotency keys, HONGYAN_UNSAFE_WALLET_IGNORE_KEYS) must be caught
# paying twice. chaos-money-postgres runs the same on PostgreSQL.
CHAOS_MONEY_FLAGS ?= --duration 15s --kill-every 1s --min-kills 10
# A node on PostgreSQL takes about a second to start on this machine: kills
# every second would leave it no time to serve.
CHAOS_MONEY_POSTGRES_FLAGS ?= --duration 20s --kill-every 2s --min-kills 8
.PHONY: chaos-money chaos-money-postgres
chaos-money:
	$(GO) build -o bin/hongyan ./cmd/hongyan
	$(GO) build -o bin/hongyan-load ./cmd/hongyan-load
	@for s in $(CHAOS_SEEDS); do \
	  echo "== chaos-money seed $$s"; \
	  bin/hongyan-load chaos-money --binary bin/hongyan $(CHAOS_MONEY_FLAGS) --seed $$s --json || exit 1; \
	done
	@echo "== chaos-money negative control: a wallet that forgets idempotency keys must be caught paying twice"; \
	out=$$(mktemp); \
	if bin/hongyan-load chaos-money --binary bin/hongyan --duration 8s --kill-every 1s --seed 1 --unsafe-ack --json > $$out; then \
	  cat $$out; rm -f $$out; echo "FAIL: the checker missed the negative control's double payments"; exit 1; \
	fi; \
	grep -v '^chaos-money: VIOLATION' $$out; last=$$(tail -n 1 $$out); rm -f $$out; \
	if echo "$$last" | grep -q '"duplicates":[1-9]'; then echo "negative control: double payments detected, as they must be"; \
	else echo "FAIL: negative control: want duplicates > 0 on the last line"; exit 1; fi

chaos-money-postgres:
	$(GO) build -o bin/hongyan ./cmd/hongyan
	$(GO) build -o bin/hongyan-load ./cmd/hongyan-load
	@for s in $(CHAOS_SEEDS); do \
	  echo "== chaos-money on PostgreSQL, seed $$s"; \
	  bin/hongyan-load chaos-money --binary bin/hongyan $(CHAOS_MONEY_POSTGRES_FLAGS) --seed $$s --storage postgres --postgres '$(CHAOS_POSTGRES)' --json || exit 1; \
	done

# The web client (web/, TypeScript + Vite). `make web` installs the pinned
# npm packages, regenerates the protocol code (web/src/gen) from proto/,
# type-checks, checks that no HTML sink is used, and builds into
# internal/webui/dist (committed, embedded by go build), with brotli and
# gzip copies of the text files made by internal/webui/precompress. `make web-test`
# runs the browser tests (web/e2e) against the real binary in Chromium.
.PHONY: web web-test
web:
	cd web && npm ci --no-audit --no-fund
	cd web && npm run generate
	cd web && npm run check
	cd web && npm run build

# Each file of browser tests runs on its own; a file that fails is run once
# more and fails the target only if it fails again (a few of them time out
# now and then on a loaded machine; the retry is printed, never silent).
web-test:
	@test -d web/node_modules || (cd web && npm ci --no-audit --no-fund)
	@cd web && for f in e2e/*.test.mjs; do \
	  echo "== $$f"; \
	  node --test --test-concurrency=1 $$f && continue; \
	  echo "== $$f failed; running it once more"; \
	  node --test --test-concurrency=1 $$f || exit 1; \
	done
