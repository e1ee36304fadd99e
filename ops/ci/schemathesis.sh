#!/usr/bin/env bash
# Property-based conformance run of the API against its own spec: Schemathesis generates
# requests for every operation of /openapi.json (as an admin, so the admin endpoints are
# exercised too) against `kickoff serve` on a fresh PostgreSQL database seeded with a
# football-data.co.uk season, on a Redis queue prefix of its own. It fails on any 5xx and on
# any response the spec does not describe (status, content type, headers, body schema).
#
#   ops/ci/schemathesis.sh [MAX_EXAMPLES]      (default 30 per operation)
# Env: KICKOFF_BIN (default: cargo build's debug binary), PYTHON (default python3),
#      ST_VENV (default $HOME/.cache/kickoff-schemathesis), PG_USER (postgres).
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${1:-30}
pg_user=${PG_USER:-postgres}
venv=${ST_VENV:-$HOME/.cache/kickoff-schemathesis}
if [ ! -x "$venv/bin/schemathesis" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis==4.*'
fi
bin=${KICKOFF_BIN:-${CARGO_TARGET_DIR:-target}/debug/kickoff}
[ -x "$bin" ] || cargo build -q --bin kickoff

run="st_$$_$(date +%s)"
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  psql -q -h 127.0.0.1 -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS kickoff_$run" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "kickoff_$run:*" | xargs -r redis-cli -h 127.0.0.1 DEL >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -q -h 127.0.0.1 -U "$pg_user" -d postgres -c "CREATE DATABASE kickoff_$run" >/dev/null
export KICKOFF_ENV=test
export KICKOFF__DATABASE__URL="postgres://$pg_user@127.0.0.1:5432/kickoff_$run"
export KICKOFF__QUEUE__URL="redis://127.0.0.1:6379/0"
export KICKOFF__QUEUE__PREFIX="kickoff_$run:"
export KICKOFF__API__BIND="127.0.0.1:0"
export KICKOFF__API__RATE_LIMIT_PER_MINUTE=0
export KICKOFF__AUTH__JWT_SECRET="schemathesis-run-secret-of-enough-length"
export RUST_LOG=warn
"$bin" migrate up >/dev/null
"$bin" import football-data data/football-data/E0_2023-24.csv >/dev/null
key=$("$bin" apikey create --name schemathesis --role admin 2>/dev/null)

"$bin" serve --schedules schedules.toml > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 1 100); do grep -q '^API ' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
api=$(awk '/^API / {print $2}' "$work/serve.out")
[ -n "$api" ] || { cat "$work/serve.err" >&2; echo "kickoff serve did not start" >&2; exit 1; }
base=${api%/api/v1}
echo "schemathesis against $base/openapi.json ($examples examples per operation)"

"$venv/bin/schemathesis" run "$base/openapi.json" --url "$api" \
  --header "X-API-Key: $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples "$examples" \
  --generation-deterministic \
  --exclude-path-regex '/events' \
  --continue-on-failure \
  --report junit --report-dir "${ST_REPORT_DIR:-$work/report}"
