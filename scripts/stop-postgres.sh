#!/usr/bin/env bash
# Stops the throwaway cluster that scripts/start-postgres.sh started.
#   scripts/stop-postgres.sh          stop it (the data stays for the next start)
#   scripts/stop-postgres.sh --clean  stop it and delete its directory
set -euo pipefail

# shellcheck source=scripts/postgres-env.sh
. "$(dirname "$0")/postgres-env.sh"

if [ -f "$data/PG_VERSION" ] && [ -n "$bin" ]; then
  as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
fi
if [ "${1:-}" = "--clean" ]; then rm -rf "$dir"; fi
echo "stopped the PostgreSQL cluster in $dir" >&2
