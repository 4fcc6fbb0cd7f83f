#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for the examples and
# their tests, and prints its connection URL (the only line on stdout).
# Idempotent: when the cluster is already running it just prints the URL.
#
#   export PGURL="$(scripts/start-postgres.sh)"   # then: npm run test:postgres
#   scripts/stop-postgres.sh                       # stop it (--clean also deletes it)
#
# Needs the PostgreSQL server binaries (Debian/Ubuntu: apt-get install postgresql;
# macOS: brew install postgresql). Environment:
#   PGTEST_DIR  where the cluster lives (default: $TMPDIR/breakwater-postgres)
#   PG_BIN      the directory of initdb and pg_ctl (default: found on PATH or
#               under /usr/lib/postgresql/<newest>/bin)
# As root, the cluster is created and run as the `postgres` user (initdb refuses root).
set -euo pipefail

# shellcheck source=scripts/postgres-env.sh
. "$(dirname "$0")/postgres-env.sh"

if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "start-postgres: no PostgreSQL server binaries found (install postgresql, or set PG_BIN)" >&2
  exit 1
fi


mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi

if [ ! -f "$data/PG_VERSION" ]; then
  as_owner "$bin/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
fi

if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  port="$(cat "$dir/port")"
else
  port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  echo "$port" >"$dir/port"
  as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=50" start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
fi

echo "postgres://postgres@127.0.0.1:$port/postgres"
