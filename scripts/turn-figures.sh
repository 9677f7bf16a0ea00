#!/bin/bash
# The TURN relay's figures (BENCHMARKS.md, "TURN relay"): a node in its own
# process with its relay on 127.0.0.1:44478, and hongyan-load turn-relay
# against it at several sizes and impairments; node CPU from /proc.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(mktemp -d /tmp/turn-figures-XXXX)
go build -o "$BIN/hongyan" ./cmd/hongyan
go build -o "$BIN/hongyan-load" ./cmd/hongyan-load
SECRET=turn-figures-secret-0123456789
mkdir -p "$BIN/data"
HONGYAN_DATA="$BIN/data" HONGYAN_LISTEN=127.0.0.1:44080 HONGYAN_TURN_LISTEN=127.0.0.1:44478 HONGYAN_TURN_SECRET=$SECRET \
  HONGYAN_TURN_MAX_ALLOCATIONS=5000 HONGYAN_LOG_LEVEL=warn "$BIN/hongyan" serve > "$BIN/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE; rm -rf "$BIN"' EXIT
sleep 2
cpu() { awk '{print $14+$15}' /proc/$NODE/stat; }
run() {
  echo "=== $*; uptime: $(uptime)"
  c0=$(cpu)
  "$BIN/hongyan-load" turn-relay --server http://127.0.0.1:44080 --turn-addr 127.0.0.1:44478 --turn-secret $SECRET \
    --duration 20s "$@" 2>&1 | grep -v '^{' | tail -3
  echo "node cpu ticks (1/100 s): $(( $(cpu) - c0 ))"
}
for n in 50 100 200 400; do run --users "$n"; done
run --users 100 --drop 0.05 --jitter 200ms --seed 1
run --users 100 --drop 0.15 --seed 1
