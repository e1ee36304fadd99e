#!/usr/bin/env bash
# The test suite, on any Debian machine with Rust: installs what the tests need when it
# is missing (Chromium and chromedriver for the browser tests, faketime for the
# skewed-clock worker, PostgreSQL and Redis), starts private PostgreSQL and Redis
# instances for the run when none answers on the usual ports, runs
# `cargo test --workspace` (extra arguments go to it), and stops what it started.
#
#   ops/test.sh [cargo test arguments...]
#
# Env: KICKOFF_TEST_PG_URL / KICKOFF_TEST_REDIS_URL use those servers as they are;
#      KICKOFF_TEST_PRIVATE=1 starts private instances even when shared ones answer.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "installing $* (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q "$@" >/dev/null ||
    { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q "$@" >/dev/null; }
}
# PostgreSQL's server programs (initdb, pg_ctl) are not on PATH on Debian.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

have python3 || apt_install python3
{ have chromium && have chromedriver; } || apt_install chromium chromium-driver
have faketime || apt_install faketime
{ have redis-server && have redis-cli; } || apt_install redis-server
{ [ -n "$(pg_bin)" ] && have psql; } || apt_install postgresql

private=${KICKOFF_TEST_PRIVATE:-0}
run=$(mktemp -d "${TMPDIR:-/tmp}/kickoff-test.XXXXXX")
chmod 0755 "$run"
pg_owner=""
stop() {
  if [ -f "$run/redis.pid" ]; then kill "$(cat "$run/redis.pid")" 2>/dev/null || true; fi
  if [ -d "$run/pg" ]; then as_owner "$(pg_bin)/pg_ctl" -D "$run/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$run"
}
trap stop EXIT
# A stop by signal goes through the EXIT trap too, so nothing started is left running.
trap 'exit 143' TERM
trap 'exit 130' INT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# initdb refuses to run as root: the private cluster belongs to `postgres` (the
# package's user), or to a user made for it. It runs from the run directory, which that
# user can read (a checkout under /root cannot be).
as_owner() { if [ -n "$pg_owner" ]; then (cd "$run" && runuser -u "$pg_owner" -- "$@"); else "$@"; fi; }

if [ -z "${KICKOFF_TEST_REDIS_URL:-}" ]; then
  if [ "$private" != 1 ] && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    export KICKOFF_TEST_REDIS_URL=redis://127.0.0.1:6379/0
  else
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --dir "$run" --pidfile "$run/redis.pid" --logfile "$run/redis.log"
    for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$port" ping >/dev/null || { cat "$run/redis.log" >&2; exit 1; }
    export KICKOFF_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    echo "private Redis on port $port" >&2
  fi
fi

if [ -z "${KICKOFF_TEST_PG_URL:-}" ]; then
  shared=postgres://postgres@127.0.0.1:5432/postgres
  # A server that answers but refuses the tests' login (a password) does not count.
  if [ "$private" != 1 ] && psql "$shared" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    export KICKOFF_TEST_PG_URL=$shared
  else
    if [ "$(id -u)" -eq 0 ]; then
      pg_owner=postgres
      id "$pg_owner" >/dev/null 2>&1 || { pg_owner=kickoff-test; id "$pg_owner" >/dev/null 2>&1 || useradd --system --no-create-home "$pg_owner"; }
    fi
    port=$(free_port)
    mkdir "$run/pg"
    if [ -n "$pg_owner" ]; then chown "$pg_owner" "$run/pg"; fi
    as_owner "$(pg_bin)/initdb" -D "$run/pg" -U postgres --auth=trust >/dev/null
    as_owner "$(pg_bin)/pg_ctl" -D "$run/pg" -l "$run/pg/server.log" -w \
      -o "-p $port -k $run/pg -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null ||
      { cat "$run/pg/server.log" >&2; exit 1; }
    export KICKOFF_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "private PostgreSQL on port $port" >&2
  fi
fi

cargo test --workspace "$@"
