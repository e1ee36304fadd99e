#!/usr/bin/env bash
# Parse-throughput benchmark, with its peers in the same run:
#   1. the peer kit's HTML benchmark: BeautifulSoup (lxml, html.parser, CSS select), lxml + XPath
#      and selectolax parsing html/fixtures_page.html and extracting its 400 rows (needs the kit's
#      Python venv once: BENCH_DIR=... ../shared/bench/setup.sh; SKIP_NODE=1 is enough);
#   2. kickoff's parse_bench example (release build): the same page and the same 400 rows (checked
#      against fixtures_expected.json), plus the FBref schedule page and the Understat league JSON;
# then both side by side: pages/s and rows/s per parser, and kickoff's median over each peer's.
#
#   ops/bench/parse.sh [REPS] [ROUNDS]
#     REPS    timed batches per parser (default 7)
#     ROUNDS  peer-then-kickoff rounds, alternated (default 1); medians are pooled over rounds
# Env: KIT (default ../shared/bench), BENCH_DIR (default ./.bench-work), BATCH (seconds per timed
#      batch, default 1.0), PROFILE=debug to use a debug build (only to check the script).
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-7}
rounds=${2:-1}
kit=${KIT:-../shared/bench}
batch=${BATCH:-1.0}
export BENCH_DIR=${BENCH_DIR:-$PWD/.bench-work}
target=${CARGO_TARGET_DIR:-target}

if [ "${PROFILE:-release}" = debug ]; then
  cargo build -q --workspace --bins --examples; bin=$target/debug/examples/parse_bench
else
  cargo build -q --release --workspace --bins --examples; bin=$target/release/examples/parse_bench
fi

peer=1
if [ ! -x "$kit/html/bench.sh" ]; then
  echo "== peers skipped: no kit at $kit (set KIT)"; peer=0
elif [ ! -x "$BENCH_DIR/venv/bin/python" ]; then
  echo "== peers skipped: no venv in $BENCH_DIR (run BENCH_DIR=$BENCH_DIR SKIP_NODE=1 $kit/setup.sh)"; peer=0
elif ! cmp -s "$kit/html/fixtures_page.html" data/pages/bench/fixtures_page.html; then
  echo "error: $kit/html/fixtures_page.html differs from data/pages/bench/fixtures_page.html" >&2; exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq 1 "$rounds"); do
  if [ "$peer" = 1 ]; then
    echo "== round $round: peers (bench/html/bench.sh, REPS=$reps BATCH=$batch)"
    REPS=$reps BATCH=$batch "$kit/html/bench.sh" | tee "$work/peer.$round.out"
  fi
  echo "== round $round: kickoff ($bin $reps --batch $batch)"
  "$bin" "$reps" --batch "$batch" | tee "$work/rust.$round.out"
done

py=python3
[ -x "$BENCH_DIR/venv/bin/python" ] && py=$BENCH_DIR/venv/bin/python
echo
echo "== side by side (pages/s: median over runs, min-max over batches)"
cat "$work"/*.out | "$py" ops/bench/parse_table.py
