#!/usr/bin/env bash
# The chaos suite (tests/chaos.rs): real worker and scheduler processes over their own
# Redis (a free port) or the embedded queue, faults injected mid-run, one table line per
# fault. CI runs it at small size through `ops/test.sh`.
#   ops/chaos/run.sh            the CI size
#   ops/chaos/run.sh --full     2,000 jobs, 10 rounds of each fault, 60 s outages
#   ops/chaos/run.sh --random   the randomized run: 10,000 jobs under random faults for
#                               300 s (KICKOFF_CHAOS_RANDOM_JOBS, _RANDOM_SECS, _SEED)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kickoff-ci-target}"
case "${1:-}" in
  --full)
    export KICKOFF_CHAOS_N=2000 KICKOFF_CHAOS_ROUNDS=10 KICKOFF_CHAOS_OUTAGE_SECS=60
    ;;
  --random)
    cargo test --test chaos chaos_randomized -- --ignored --exact --nocapture 2>&1 | grep -oE 'chaos \|.*|test result.*|panicked.*'
    exit "${PIPESTATUS[0]}"
    ;;
esac
cargo test --test chaos -- --nocapture --test-threads 1 2>&1 | grep -oE 'chaos \|.*|test result.*'
