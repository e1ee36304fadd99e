#!/usr/bin/env bash
# Queue benchmark, with its baselines in the same run:
#   1. redis-benchmark -t lpush,rpop (Redis's own ceiling)
#   2. BullMQ on Node, concurrency 50, same N (needs the peer kit set up once:
#      BENCH_DIR=... ../shared/bench/setup.sh)
#   3. kickoff bench queue: N no-op jobs through the full runtime, 1 and 2 worker processes
#
#   4. with BASELINE_BIN set, the same kickoff bench with that binary (another build of
#      kickoff, e.g. an earlier commit built into its own target dir), run from
#      BASELINE_DIR (that commit's checkout, whose ops/config it reads), for a
#      before/after ratio measured in the same run
#
#   ops/bench/queue.sh [N] [RUNS]        N default 20000, RUNS default 3
# Env: KIT (default ../shared/bench), BENCH_DIR (default ./.bench-work), REDIS_PORT (6379),
#      BASELINE_BIN and BASELINE_DIR (optional).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-20000}
runs=${2:-3}
kit=${KIT:-../shared/bench}
export BENCH_DIR=${BENCH_DIR:-$PWD/.bench-work}
port=${REDIS_PORT:-6379}
cargo build -q --release --bin kickoff
bin=${CARGO_TARGET_DIR:-target}/release/kickoff
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== redis-benchmark (1 connection and 50, no pipelining)"
redis-benchmark -p "$port" -t lpush,rpop -n "$n" -c 1 -q
redis-benchmark -p "$port" -t lpush,rpop -n "$n" -c 50 -q

if [ -d "$BENCH_DIR/node/node_modules/bullmq" ]; then
  echo "== BullMQ, concurrency 50, keep completed"
  "$kit/bullmq/bench.sh" --mode bulk --n "$n" --concurrency 50 --runs "$runs"
  echo "== BullMQ, concurrency 50, remove on complete"
  "$kit/bullmq/bench.sh" --mode bulk --n "$n" --concurrency 50 --removeOnComplete 1 --runs "$runs"
else
  echo "== BullMQ skipped: run BENCH_DIR=$BENCH_DIR $kit/setup.sh first"
fi

echo "== kickoff (workers with MIMALLOC_ARENA_EAGER_COMMIT=0, as compose and k8s run them)"
MIMALLOC_ARENA_EAGER_COMMIT=0 KICKOFF__QUEUE__URL="redis://127.0.0.1:$port/0" KICKOFF__DATABASE__URL="sqlite://$scratch/bench.db" \
  "$bin" bench queue --jobs "$n" --workers 2 --concurrency 50 --runs "$runs"

if [ -n "${BASELINE_BIN:-}" ]; then
  echo "== baseline: $BASELINE_BIN, same settings"
  rm -f "$scratch"/bench.db*
  (cd "${BASELINE_DIR:?set BASELINE_DIR to the baseline checkout}" &&
    MIMALLOC_ARENA_EAGER_COMMIT=0 KICKOFF__QUEUE__URL="redis://127.0.0.1:$port/0" KICKOFF__DATABASE__URL="sqlite://$scratch/bench.db" \
      "$BASELINE_BIN" bench queue --jobs "$n" --workers 2 --concurrency 50 --runs "$runs")
fi
