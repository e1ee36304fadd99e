#!/usr/bin/env bash
# API benchmark, with its baseline in the same run: wrk -t2 -c64 on
# GET /api/v1/matches?page=1&per_page=20 (20 matches joined with both teams' names, plus the
# total count) over PostgreSQL seeded with 20,000 matches and 40 teams, alternating
#   1. the FastAPI + uvicorn peer (2 workers) of ../shared/bench/fastapi, on its own seed,
#      which counts the total on every request,
#   2. kickoff serve (release build) counting the total on every request too
#      (api.count_cache_secs = 0): the like-for-like figure, and
#   3. kickoff serve with its shipped setting, the total cached 5 s,
# kickoff with the rate limiter on (a limit no client reaches), on ops/bench/api_seed.sql.
# Reports req/s, p50, p99 per run, the server's peak RSS under load, and the ratio of the
# medians of each kickoff setting against the peer.
#
#   ops/bench/api.sh [RUNS] [DURATION]      RUNS default 3, DURATION default 15s
# Env: KIT (../shared/bench), BENCH_DIR (./.bench-work; run $KIT/setup.sh once for the peer),
#      PG_USER (postgres), PORT (18090), SKIP_PEER=1 to run kickoff alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
dur=${2:-15s}
kit=${KIT:-../shared/bench}
export BENCH_DIR=${BENCH_DIR:-$PWD/.bench-work}
pg_user=${PG_USER:-postgres}
port=${PORT:-18090}
url="http://127.0.0.1:$port/api/v1/matches?page=1&per_page=20"
db="kickoff_bench_api_$$"
cargo build -q --release --bin kickoff
bin=${CARGO_TARGET_DIR:-target}/release/kickoff
out=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  psql -q -h 127.0.0.1 -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

psql -q -h 127.0.0.1 -U "$pg_user" -d postgres -c "CREATE DATABASE $db" >/dev/null
export KICKOFF__DATABASE__URL="postgres://$pg_user@127.0.0.1:5432/$db"
export KICKOFF__QUEUE__URL="redis://127.0.0.1:6379/0"
export KICKOFF__QUEUE__PREFIX="kickoff_bench_api_$$:"
export KICKOFF__API__BIND="127.0.0.1:$port"
export KICKOFF__API__RATE_LIMIT_PER_MINUTE=1000000000
export RUST_LOG=warn   # as the peer: no access log
"$bin" migrate up >/dev/null
psql -q -h 127.0.0.1 -U "$pg_user" -d "$db" -f ops/bench/api_seed.sql >/dev/null

# wrk's req/s, p50 and p99 (ms) of one run.
measure() {
  wrk -t2 -c64 -d"$dur" --latency "$url" | awk '
    function ms(v) { if (v ~ /us$/) return substr(v, 1, length(v)-2)/1000; if (v ~ /ms$/) return substr(v, 1, length(v)-2)+0;
                     if (v ~ /s$/) return substr(v, 1, length(v)-1)*1000; return v }
    /Requests\/sec/ {rps=$2} $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)} /Non-2xx/ {bad=$NF}
    END {printf "%s %s %s %s\n", rps, p50, p99, bad+0}'
}

# Peak resident set (MB) of a process while a command runs.
with_rss() {
  local pid=$1; shift
  local peak=0 rss
  "$@" > "$out/last" &
  local job=$!
  while kill -0 "$job" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait "$job"
  echo "$(cat "$out/last") $((peak / 1024))"
}

# One measured run of kickoff serve; $1 is api.count_cache_secs, $2 the file its rows go to.
kickoff_run() {
  KICKOFF__API__COUNT_CACHE_SECS=$1 "$bin" serve --schedules /nonexistent >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "$url" >/dev/null && break; sleep 0.1; done
  if [ "$1" = 0 ]; then
    # Counted on every request: two answers 50 ms apart carry different meta.total_as_of.
    a=$(curl -sf "$url" | grep -o '"total_as_of":"[^"]*"'); sleep 0.05
    b=$(curl -sf "$url" | grep -o '"total_as_of":"[^"]*"')
    if [ -z "$a" ] || [ "$a" = "$b" ]; then echo "error: the total is not counted per request ($a, $b)" >&2; exit 1; fi
  fi
  wrk -t2 -c64 -d3s "$url" >/dev/null   # warm-up: pools, caches
  with_rss "$server" measure | tee -a "$2"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

peer_run() {
  WORKERS=2 ENDPOINTS="/api/v1/matches?page=1&per_page=20" DUR="$dur" WARMUP=3s RUNS=1 \
    "$kit/fastapi/bench.sh" 1 | awk -F, '/^2,/ {print $7, $8, $9, $10}' | tee -a "$out/peer"
}

echo "# run  server  req/s  p50_ms  p99_ms  non2xx  [peak_rss_MB]"
echo "# kickoff-count: total counted per request (count_cache_secs = 0); kickoff-cache5s: shipped 5 s cache"
for r in $(seq 1 "$runs"); do
  if [ -z "${SKIP_PEER:-}" ]; then echo -n "$r fastapi "; peer_run; fi
  echo -n "$r kickoff-count "; kickoff_run 0 "$out/count"
  echo -n "$r kickoff-cache5s "; kickoff_run 5 "$out/cache5s"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
range() { sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {print lo "-" hi}'; }
# median (min-max) of column $2 of file $1
summary() { echo "$(awk -v c="$2" '{print $c}' "$1" | median) ($(awk -v c="$2" '{print $c}' "$1" | range))"; }
for side in count cache5s; do
  f=$out/$side
  echo "kickoff-$side: median $(summary "$f" 1) req/s, p50 $(summary "$f" 2) ms, p99 $(summary "$f" 3) ms," \
    "non-2xx $(awk '{s+=$4} END {print s+0}' "$f"), peak RSS $(awk '{print $5}' "$f" | sort -n | tail -1) MB"
done
if [ -s "$out/peer" ]; then
  echo "fastapi: median $(summary "$out/peer" 1) req/s, p50 $(summary "$out/peer" 2) ms, p99 $(summary "$out/peer" 3) ms," \
    "non-2xx $(awk '{s+=$4} END {print s+0}' "$out/peer")"
  p_rps=$(awk '{print $1}' "$out/peer" | median)
  p_p99=$(awk '{print $3}' "$out/peer" | median)
  for side in count cache5s; do
    k_rps=$(awk '{print $1}' "$out/$side" | median)
    k_p99=$(awk '{print $3}' "$out/$side" | median)
    awk -v s="$side" -v k="$k_rps" -v p="$p_rps" -v kp="$k_p99" -v pp="$p_p99" \
      'BEGIN {printf "kickoff-%s / fastapi req/s = %.1fx; fastapi p99 / kickoff-%s p99 = %.1fx\n", s, k/p, s, pp/kp}'
  done
fi
