#!/usr/bin/env bash
# Search benchmarks, seed data and a synthetic catalogue side by side in one run:
# index build time and size, p50/p99 of plain, fuzzy, prefix and faceted queries,
# organisation lookup, and GET /api/v1/search against the same queries in process.
# The synthetic catalogue (50,000 solutions, 1,000,000 adoptions, labelled
# synthetic) is made once by `efa gen-synthetic` in its own folder; it never
# touches EFA_DATA_DIR. Nothing here runs in `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
SYN="${EFA_SYNTHETIC_DIR:-/tmp/efa-synthetic}"
N="${BENCH_N:-2000}"
export EFA_LOG_LEVEL=warn
bin="$(mktemp -d)/efa"
go build -o "$bin" ./cmd/efa

if [ ! -f "$SYN/SYNTHETISCH.txt" ]; then
  echo "== creating the synthetic catalogue in $SYN (once; several minutes)"
  "$bin" gen-synthetic --data-dir "$SYN" --no-index
fi

seed_dir="$(mktemp -d)"
trap 'rm -rf "$seed_dir" "$(dirname "$bin")"' EXIT
"$bin" seed --data-dir "$seed_dir" >/dev/null

echo "== index build (wall time; CPU time from the shell)"
for d in "$seed_dir" "$SYN"; do
  label=seed; [ "$d" = "$SYN" ] && label=synthetic
  printf '%s: ' "$label"
  { time "$bin" reindex --data-dir "$d" | tail -n 1; } 2>&1 | tr '\n' ' '
  echo
done

echo "== query latency (seed and synthetic), lookup, similar"
EFA_SYNTHETIC_DIR="$SYN" go test -run '^$' -bench 'SearchLatency|LookupLatency|SimilarLatency' -benchtime "${N}x" ./internal/search/ |
  grep -E '^(Benchmark|ok|FAIL)'

echo "== GET /api/v1/search against the same queries in process"
env -u EFA_SYNTHETIC_DIR go test -run '^$' -bench SearchHTTPvsInProcess -benchtime "$((N * 4))x" ./internal/api/ | grep -E 'Benchmark|data:'
EFA_SYNTHETIC_DIR="$SYN" go test -run '^$' -bench SearchHTTPvsInProcess -benchtime "$((N * 2))x" ./internal/api/ | grep -E 'Benchmark|data:'
