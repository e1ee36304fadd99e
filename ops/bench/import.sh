#!/usr/bin/env bash
# Import benchmark: `kickoff import football-data` of every CSV in a directory into a
# scratch PostgreSQL database, beside, in the same run, PostgreSQL's own COPY of the same
# CSV rows into text staging tables (the physical floor of reading the files), and its
# COPY of the rows the import stored into copies of their tables with the same indexes
# and foreign keys (the floor of writing this schema, with no client work at all): in
# one session, in one session per core, and as pg_restore loads (indexes and foreign
# keys after the rows); and its COPY of the odds lines alone into a bare table (the
# cost of storing them at all).
#
#   ops/bench/import.sh [DIR] [RUNS]       DIR default ../shared/data/football, RUNS default 3
#
# Env: PG_URL (default postgres://postgres@127.0.0.1:5432), KICKOFF_BIN (default: build
# $CARGO_TARGET_DIR/release/kickoff, target/ without it), PROFILE=debug to use the debug build.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-../shared/data/football}
runs=${2:-3}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
target=${CARGO_TARGET_DIR:-target}
if [ -z "${KICKOFF_BIN:-}" ]; then
  if [ "${PROFILE:-release}" = debug ]; then
    cargo build -q --bin kickoff; KICKOFF_BIN=$target/debug/kickoff
  else
    cargo build -q --release --bin kickoff; KICKOFF_BIN=$target/release/kickoff
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

match_cols="league_id, season, match_date, kickoff_at, home_team_id, away_team_id, status, home_goals, away_goals, ht_home_goals, ht_away_goals, referee, external_ids, updated_at"
stats_cols="match_id, team_id, shots, shots_on_target, corners, fouls, yellow_cards, red_cards"
lines_cols="match_id, bookmaker, market, line, is_closing, recorded_at, price_home, price_draw, price_away, price_over, price_under"
# Copies of the stored tables for the floors: `copies P` creates P_matches, P_match_stats
# and P_odds_lines bare (columns, defaults, identity); `keys P` prints the DDL that gives
# them the real tables' indexes and foreign keys (referencing the real tables).
copies() {
  for t in matches match_stats odds_lines; do
    echo "CREATE TABLE $1_$t (LIKE $t INCLUDING DEFAULTS INCLUDING IDENTITY);"
  done
}
# The catalog's DDL, read once from the first run's freshly migrated database.
keys_sql="$work/keys.sql"
read_keys() {
  [ -s "$keys_sql" ] && return
  psql -Atq "$pg/$db" > "$keys_sql" <<'SQL'
SELECT regexp_replace(pg_get_indexdef(indexrelid), '^(CREATE (UNIQUE )?INDEX )(\S+) ON public\.(\S+)',
                      '\1P_\3 ON public.P_\4') || ';'
  FROM pg_index WHERE indrelid IN ('matches'::regclass, 'match_stats'::regclass, 'odds_lines'::regclass);
SELECT 'ALTER TABLE P_' || conrelid::regclass || ' ADD ' || pg_get_constraintdef(oid) || ';'
  FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('matches'::regclass, 'match_stats'::regclass);
SQL
}
keys() { sed "s/P_/$1_/g" "$keys_sql"; }
# `load P [K]` COPYs the stored rows into P's tables (with K: only the matches with
# id % sessions = K and the rows of those matches).
load() {
  local f=""; [ $# -gt 1 ] && f="_$2"
  psql -q "$pg/$db" -c "\\copy $1_matches ($match_cols) FROM '$work/matches$f.bin' WITH (FORMAT binary)" \
    -c "\\copy $1_match_stats ($stats_cols) FROM '$work/stats$f.bin' WITH (FORMAT binary)" \
    -c "\\copy $1_odds_lines ($lines_cols) FROM '$work/lines$f.bin' WITH (FORMAT binary)" >/dev/null
}
# Export of the stored rows, whole and in one part per core; odds lines in their
# unique key's order, as the import sends them.
sessions=$(nproc)
export_rows() {
  local where="" f=""
  if [ $# -gt 0 ]; then where="WHERE id % $sessions = $1"; f="_$1"; fi
  local mwhere=${where/id/match_id}
  psql -q "$pg/$db" \
    -c "\\copy (SELECT $match_cols FROM matches $where ORDER BY id) TO '$work/matches$f.bin' WITH (FORMAT binary)" \
    -c "\\copy (SELECT $stats_cols FROM match_stats $mwhere ORDER BY id) TO '$work/stats$f.bin' WITH (FORMAT binary)" \
    -c "\\copy (SELECT $lines_cols FROM odds_lines $mwhere ORDER BY match_id, recorded_at DESC, bookmaker, market, line, is_closing) TO '$work/lines$f.bin' WITH (FORMAT binary)" >/dev/null
}

import_times=(); reimport_times=(); copy_times=(); floor_times=(); lines_copy_times=(); bare_times=(); ms_times=()
par_times=(); restore_times=()
for run in $(seq 1 "$runs"); do
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  KICKOFF__DATABASE__URL="$pg/$db" "$KICKOFF_BIN" migrate up >/dev/null
  read_keys
  psql -q "$pg/$db" -f "$copy_sql" >/dev/null

  t0=$(now); psql -q "$pg/$db" -f "$copy_run" >/dev/null; t1=$(now)
  copy_times+=("$(echo "$t1 - $t0" | bc)")

  t0=$(now); KICKOFF__DATABASE__URL="$pg/$db" "$KICKOFF_BIN" import football-data "${files[@]}" > "$work/import.out" 2>&1; t1=$(now)
  import_times+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); KICKOFF__DATABASE__URL="$pg/$db" "$KICKOFF_BIN" import football-data "${files[@]}" >/dev/null 2>&1; t1=$(now)
  reimport_times+=("$(echo "$t1 - $t0" | bc)")

  # The schema floor: PostgreSQL's own COPY, in its binary format (nothing to parse),
  # of the rows the import stored into copies of their tables; no client work at all.
  export_rows
  for k in $(seq 0 $((sessions - 1))); do export_rows "$k"; done
  { copies f; keys f; copies p; keys p; copies r; } | psql -q "$pg/$db" >/dev/null
  # The odds lines again into a bare heap: no index, no identity, no constraint. What
  # is left is the cost of storing that many rows at all.
  echo "CREATE TABLE floor_bare AS SELECT $lines_cols FROM odds_lines WITH NO DATA; CHECKPOINT;" | psql -q "$pg/$db" >/dev/null

  # One session, indexes and foreign keys in place (as the import writes).
  t0=$(now)
  psql -q "$pg/$db" -c "\\copy f_matches ($match_cols) FROM '$work/matches.bin' WITH (FORMAT binary)" \
    -c "\\copy f_match_stats ($stats_cols) FROM '$work/stats.bin' WITH (FORMAT binary)" >/dev/null
  t1=$(now)
  psql -q "$pg/$db" -c "\\copy f_odds_lines ($lines_cols) FROM '$work/lines.bin' WITH (FORMAT binary)" >/dev/null
  t2=$(now)
  psql -q "$pg/$db" -c "\\copy floor_bare ($lines_cols) FROM '$work/lines.bin' WITH (FORMAT binary)" >/dev/null
  t3=$(now)
  floor_times+=("$(echo "$t2 - $t0" | bc)")
  lines_copy_times+=("$(echo "$t2 - $t1" | bc)")
  bare_times+=("$(echo "$t3 - $t2" | bc)")
  ms_times+=("$(echo "$t1 - $t0" | bc)")
  # One session per core at once, indexes and foreign keys in place.
  t0=$(now)
  for k in $(seq 0 $((sessions - 1))); do load p "$k" & done
  wait
  t1=$(now)
  par_times+=("$(echo "$t1 - $t0" | bc)")
  # As pg_restore loads: bare tables first, then the indexes built and the foreign
  # keys validated over the whole tables.
  t0=$(now); load r; keys r | psql -q "$pg/$db" >/dev/null; t1=$(now)
  restore_times+=("$(echo "$t1 - $t0" | bc)")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
imp=$(median "${import_times[@]}"); reimp=$(median "${reimport_times[@]}")
cp=$(median "${copy_times[@]}"); fl=$(median "${floor_times[@]}"); lcp=$(median "${lines_copy_times[@]}")
bare=$(median "${bare_times[@]}"); ms=$(median "${ms_times[@]}")
par=$(median "${par_times[@]}"); restore=$(median "${restore_times[@]}")
best=$(printf '%s\n' "$fl" "$par" "$restore" | sort -g | head -1)
lines=$(psql -Atq "$pg/$db" -c "SELECT COUNT(*) FROM odds_lines")
odds=$(psql -Atq "$pg/$db" -c "SELECT COUNT(*) FROM odds")
matches=$(psql -Atq "$pg/$db" -c "SELECT COUNT(*) FROM matches")
stats=$(psql -Atq "$pg/$db" -c "SELECT COUNT(*) FROM match_stats")
echo "last import: $(grep 'file(s)' "$work/import.out")"
echo "runs: $runs (medians; whole process wall time incl. start-up)"
printf 'kickoff import (fresh db)      %8.3f s  %9.0f matches/s  %9.0f odds rows/s\n' "$imp" "$(echo "$matches / $imp" | bc -l)" "$(echo "$odds / $imp" | bc -l)"
printf 'kickoff import (again, same)   %8.3f s\n' "$reimp"
printf 'COPY of the CSV rows           %8.3f s  (%d rows into text staging tables)\n' "$cp" "$rows"
printf 'COPY of the rows as stored     %8.3f s  (%d matches, %d stats rows, %d odds lines, with indexes and foreign keys)\n' "$fl" "$matches" "$stats" "$lines"
printf '  matches and stats            %8.3f s\n' "$ms"
printf '  odds lines                   %8.3f s\n' "$lcp"
printf '  odds lines into a bare table %8.3f s  (no index, no identity, no constraint)\n' "$bare"
printf '  in %d sessions at once       %8.3f s  (one per core, each a share of the matches and their rows)\n' "$sessions" "$par"
printf '  as pg_restore loads          %8.3f s  (bare tables, then indexes built and foreign keys validated)\n' "$restore"
printf 'ratio import / COPY of the CSV rows      %6.2fx\n' "$(echo "$imp / $cp" | bc -l)"
printf 'ratio rows as stored / CSV rows          %6.2fx  (the schema'"'"'s own floor)\n' "$(echo "$fl / $cp" | bc -l)"
printf 'ratio import / COPY of the rows as stored %5.2fx\n' "$(echo "$imp / $fl" | bc -l)"
printf 'ratio fastest COPY of the rows as stored / CSV rows %5.2fx  (no client can store them faster)\n' "$(echo "$best / $cp" | bc -l)"
printf 'ratio bare odds lines / CSV rows         %6.2fx  (storing the odds rows at all)\n' "$(echo "$bare / $cp" | bc -l)"
# The issue's target, and whether PostgreSQL alone leaves room for it.
target=3
verdict() { if [ "$(echo "$1 <= $target" | bc -l)" = 1 ]; then echo "within"; else echo "over"; fi; }
printf 'target: import within %dx the COPY of the CSV rows: %s (%.2fx); fastest COPY of the rows as stored: %s (%.2fx)\n' \
  "$target" "$(verdict "$(echo "$imp / $cp" | bc -l)")" "$(echo "$imp / $cp" | bc -l)" \
  "$(verdict "$(echo "$best / $cp" | bc -l)")" "$(echo "$best / $cp" | bc -l)"
