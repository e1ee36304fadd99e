#!/usr/bin/env bash
# Import benchmark: `kickoff import football-data` of every CSV in a directory into a
# scratch PostgreSQL database, beside PostgreSQL's own COPY of the same CSV rows into
# staging tables in the same run (the physical floor), and COPY of the odds the import
# writes: one row per price (no indexes), and the price lines it stores (with the index).
#
#   ops/bench/import.sh [DIR] [RUNS]       DIR default ../shared/data/football, RUNS default 3
#
# Env: PG_URL (default postgres://postgres@127.0.0.1:5432), KICKOFF_BIN (default: build
# target/release/kickoff), PROFILE=debug to use the debug build.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-../shared/data/football}
runs=${2:-3}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
if [ -z "${KICKOFF_BIN:-}" ]; then
  if [ "${PROFILE:-release}" = debug ]; then
    cargo build -q --bin kickoff; KICKOFF_BIN=target/debug/kickoff
  else
    cargo build -q --release --bin kickoff; KICKOFF_BIN=target/release/kickoff
  fi
fi
db="kickoff_bench_$$"
work=$(mktemp -d)
cleanup() { psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s.%N; }

files=("$dir"/*.csv)
rows=0
for f in "${files[@]}"; do rows=$((rows + $(tail -n +2 "$f" | grep -c .))); done
echo "input: ${#files[@]} files, $rows match rows, $(cat "${files[@]}" | wc -c) bytes"

# COPY script: one text-column staging table per file (headers differ between seasons).
copy_sql="$work/copy.sql"
: > "$copy_sql"
i=0
for f in "${files[@]}"; do
  i=$((i + 1))
  cols=$(head -1 "$f" | sed 's/^\xef\xbb\xbf//; s/\r$//' | tr ',' '\n' | awk '{printf "%sc%d text", (NR>1?", ":""), NR}')
  echo "CREATE UNLOGGED TABLE IF NOT EXISTS stage_$i ($cols);" >> "$copy_sql"
done
copy_run="$work/copy_run.sql"
: > "$copy_run"
i=0
for f in "${files[@]}"; do
  i=$((i + 1))
  echo "TRUNCATE stage_$i; \\copy stage_$i FROM '$(realpath "$f")' WITH (FORMAT csv, HEADER true)" >> "$copy_run"
done

import_times=(); reimport_times=(); copy_times=(); odds_copy_times=(); lines_copy_times=()
for run in $(seq 1 "$runs"); do
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  KICKOFF__DATABASE__URL="$pg/$db" "$KICKOFF_BIN" migrate up >/dev/null
  psql -q "$pg/$db" -f "$copy_sql" >/dev/null

  t0=$(now); psql -q "$pg/$db" -f "$copy_run" >/dev/null; t1=$(now)
  copy_times+=("$(echo "$t1 - $t0" | bc)")

  t0=$(now); KICKOFF__DATABASE__URL="$pg/$db" "$KICKOFF_BIN" import football-data "${files[@]}" > "$work/import.out" 2>&1; t1=$(now)
  import_times+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); KICKOFF__DATABASE__URL="$pg/$db" "$KICKOFF_BIN" import football-data "${files[@]}" >/dev/null 2>&1; t1=$(now)
  reimport_times+=("$(echo "$t1 - $t0" | bc)")

  psql -q "$pg/$db" -c "\\copy (SELECT match_id, bookmaker, market, selection, line, price, is_closing, recorded_at FROM odds) TO '$work/odds.csv' WITH (FORMAT csv)" \
    -c "CREATE UNLOGGED TABLE stage_odds (match_id bigint, bookmaker text, market text, selection text, line float8, price float8, is_closing bool, recorded_at timestamptz)" >/dev/null
  t0=$(now); psql -q "$pg/$db" -c "\\copy stage_odds FROM '$work/odds.csv' WITH (FORMAT csv)" >/dev/null; t1=$(now)
  odds_copy_times+=("$(echo "$t1 - $t0" | bc)")

  # The odds lines as the import stores them, into a copy of their table with its index.
  psql -q "$pg/$db" -c "\\copy (SELECT match_id, bookmaker, market, line, is_closing, recorded_at, price_home, price_draw, price_away, price_over, price_under FROM odds_lines) TO '$work/lines.csv' WITH (FORMAT csv)" \
    -c "CREATE TABLE stage_lines (LIKE odds_lines INCLUDING ALL)" >/dev/null
  t0=$(now); psql -q "$pg/$db" -c "\\copy stage_lines (match_id, bookmaker, market, line, is_closing, recorded_at, price_home, price_draw, price_away, price_over, price_under) FROM '$work/lines.csv' WITH (FORMAT csv)" >/dev/null; t1=$(now)
  lines_copy_times+=("$(echo "$t1 - $t0" | bc)")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
imp=$(median "${import_times[@]}"); reimp=$(median "${reimport_times[@]}")
cp=$(median "${copy_times[@]}"); ocp=$(median "${odds_copy_times[@]}"); lcp=$(median "${lines_copy_times[@]}")
lines=$(psql -Atq "$pg/$db" -c "SELECT COUNT(*) FROM odds_lines")
odds=$(psql -Atq "$pg/$db" -c "SELECT COUNT(*) FROM odds")
matches=$(psql -Atq "$pg/$db" -c "SELECT COUNT(*) FROM matches")
echo "last import: $(grep 'file(s)' "$work/import.out")"
echo "runs: $runs (medians; whole process wall time incl. start-up)"
printf 'kickoff import (fresh db)     %8.3f s  %9.0f matches/s  %9.0f odds rows/s\n' "$imp" "$(echo "$matches / $imp" | bc -l)" "$(echo "$odds / $imp" | bc -l)"
printf 'kickoff import (again, upsert)%8.3f s\n' "$reimp"
printf 'COPY of the CSV rows          %8.3f s  (%d rows into staging tables)\n' "$cp" "$rows"
printf 'COPY of the odds rows         %8.3f s  (%d rows, one per price, no indexes)\n' "$ocp" "$odds"
printf 'COPY of the odds lines        %8.3f s  (%d lines as stored, with the table'"'"'s indexes)\n' "$lcp" "$lines"
printf 'ratio import / COPY(CSV rows)       %6.2fx\n' "$(echo "$imp / $cp" | bc -l)"
printf 'ratio import / (COPY CSV + COPY odds) %4.2fx\n' "$(echo "$imp / ($cp + $ocp)" | bc -l)"
printf 'ratio import / (COPY CSV + COPY lines) %3.2fx\n' "$(echo "$imp / ($cp + $lcp)" | bc -l)"
