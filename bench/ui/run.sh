#!/usr/bin/env bash
# Page benchmarks of the web UI, side by side in one run: server-side render
# time of the catalogue, a solution page (and the start and a Land page) on
# the seed data and on the synthetic catalogue, and requests per second of the
# catalogue over loopback HTTP against an Echo hello-world handler.
#
#   bench/ui/run.sh                       # seed only
#   EFA_SYNTHETIC_DIR=/tmp/efa-synth bench/ui/run.sh
#
# Make the synthetic folder once with:
#   go run ./cmd/efa gen-synthetic --data-dir /tmp/efa-synth
# (50,000 synthetic solutions, 1,000,000 synthetic adoptions; labelled synthetic).
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== render time (cold = new app, caches empty; p50/p99 = repeated, caches warm)"
go test -run '^$' -bench 'BenchmarkPageRender' -benchtime "${RENDER_N:-50}x" ./internal/web/ | grep -E '^Benchmark|^ok|FAIL'
echo "== requests per second over 127.0.0.1 (same client, 4x GOMAXPROCS goroutines)"
go test -run '^$' -bench 'BenchmarkPageThroughput' -benchtime "${RPS_TIME:-3s}" ./internal/web/ | grep -E '^Benchmark|^ok|FAIL'
