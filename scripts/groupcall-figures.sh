#!/bin/bash
# Group-call figures through the real node path (BENCHMARKS.md, "Group
# calls through the node"): a node in its own process (SFU on UDP
# 127.0.0.1:25201), and P CLI processes, each one participant joining the
# same group call by the protocol (group_call_join → the SFU's offer →
# answer) with its pion client and synthetic Opus, for S seconds. Prints
# what the participants sent and received and the node's CPU (from /proc:
# the SFU's forwarding plus signalling).
#   scripts/groupcall-figures.sh [P ...]      (default: 3 9 20)
# HONGYAN_BIN: a built binary (default: build one); SECONDS_EACH (15).
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=$(mktemp -d /tmp/groupcall-figures-XXXX)
BINARY=${HONGYAN_BIN:-}
if [ -z "$BINARY" ]; then
  go build -o "$TMP/hongyan" ./cmd/hongyan
  BINARY="$TMP/hongyan"
fi
S=${SECONDS_EACH:-15}
SERVER=http://127.0.0.1:25200
mkdir -p "$TMP/data"
HONGYAN_DATA="$TMP/data" HONGYAN_LISTEN=127.0.0.1:25200 HONGYAN_SFU_LISTEN=127.0.0.1:25201 HONGYAN_TURN_LISTEN=127.0.0.1:25202 \
  HONGYAN_TURN_RELAY_MIN_PORT=25210 HONGYAN_TURN_RELAY_MAX_PORT=25299 HONGYAN_LIMITS_REGISTER_PER_MINUTE=0 \
  HONGYAN_LIMITS_FRIEND_REQUESTS_PER_HOUR=0 HONGYAN_LIMITS_SENDS_PER_MINUTE=0 HONGYAN_LOG_LEVEL=warn "$BINARY" serve > "$TMP/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do curl -sf "$SERVER/healthz" > /dev/null && break; sleep 0.1; done
cli() { local who=$1; shift; "$BINARY" cli --server "$SERVER" --profile "$TMP/p-$who" "$@"; }
cpu() { awk '{print $14+$15}' /proc/$NODE/stat; }
sum() { awk -v k="\"$1\":" '{ n = split($0, a, k); if (n > 1) { split(a[2], b, /[,}]/); s += b[1] } } END { print s + 0 }' "$2"; }

SIZES=${*:-3 9 20}
for P in $SIZES; do
  if [ "$P" -lt 3 ]; then echo "P must be at least 3 (a group starts with 2 contacts)"; exit 2; fi
  tag=g$P
  cli "${tag}u0" register "${tag}_owner_0" "password-$tag" > /dev/null
  members=()
  for i in $(seq 1 $((P - 1))); do
    cli "${tag}u$i" register "${tag}_user_$i" "password-$tag" > /dev/null
    cli "${tag}u$i" friends request "${tag}_owner_0" > /dev/null
    cli "${tag}u0" friends accept "${tag}_user_$i" > /dev/null
    members+=("${tag}_user_$i")
  done
  gid=$(cli "${tag}u0" groups create "call $P" "${members[@]}" | sed -n 's/.*"group":\([0-9]*\).*/\1/p' | head -1)
  echo "=== $P participants in group $gid for ${S}s; uptime: $(uptime)"
  out="$TMP/out-$P"
  : > "$out"
  c0=$(cpu)
  pids=()
  for i in $(seq 0 $((P - 1))); do
    cli "${tag}u$i" call group "$gid" --seconds "$S" >> "$out" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  ticks=$(( $(cpu) - c0 ))
  sent=$(sum packets_sent "$out"); recv=$(sum packets_received "$out"); lost=$(sum packets_lost "$out")
  speakers=$(grep -c '"speaker":true' "$out" || true)
  echo "participants $(wc -l < "$out") speakers $speakers sent $sent received $recv lost $lost" \
    "received/s $(( recv / S )) node cpu ${ticks}0 ms" \
    "node µs per received packet $(awk -v t="$ticks" -v r="$recv" 'BEGIN { if (r) printf "%.1f", t * 10000 / r; else print "-" }')"
done
