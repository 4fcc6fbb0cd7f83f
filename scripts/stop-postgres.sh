#!/usr/bin/env bash
# Stops the throwaway cluster that scripts/start-postgres.sh started.
#   scripts/stop-postgres.sh          stop it (the data stays for the next start)
#   scripts/stop-postgres.sh --clean  stop it and delete its directory
set -euo pipefail

dir="${PGTEST_DIR:-${TMPDIR:-/tmp}/breakwater-postgres}"
data="$dir/data"
bin="${PG_BIN:-}"
if [ -z "$bin" ]; then
  if command -v pg_ctl >/dev/null 2>&1; then
    bin="$(dirname "$(command -v pg_ctl)")"
  else
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
fi

if [ -f "$data/PG_VERSION" ] && [ -n "$bin" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  else
    "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
fi
if [ "${1:-}" = "--clean" ]; then rm -rf "$dir"; fi
echo "stopped the PostgreSQL cluster in $dir" >&2
