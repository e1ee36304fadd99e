#!/usr/bin/env bash
# The chaos suite (tests/chaos.rs): real worker processes over their own Redis (a free
# port) or the embedded queue, faults injected mid-run, one table line per fault.
# CI runs it at small size through `cargo test --workspace`; `--full` runs 2,000 jobs
# and 10 rounds of each fault.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kickoff-ci-target}"
if [[ "${1:-}" == "--full" ]]; then
  export KICKOFF_CHAOS_N=2000 KICKOFF_CHAOS_ROUNDS=10 KICKOFF_CHAOS_OUTAGE_SECS=60
fi
cargo test --test chaos -- --nocapture --test-threads 1 2>&1 | grep -E '^chaos|^test result'
