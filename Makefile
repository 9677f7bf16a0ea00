GO ?= go
PROTOC_GEN_GO := $(GO) run google.golang.org/protobuf/cmd/protoc-gen-go

.PHONY: run build test lint proto fuzz bench e2e

run:
	$(GO) run ./cmd/hongyan serve

build:
	$(GO) build -o bin/hongyan ./cmd/hongyan

test:
	$(GO) test ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Regenerates internal/gen from proto/ (needs protoc: apt-get install protobuf-compiler).
proto:
	$(GO) build -o bin/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	protoc --plugin=protoc-gen-go=bin/protoc-gen-go --go_out=. --go_opt=module=hongyan proto/hongyan/v1/*.proto

FUZZTIME ?= 20s
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
