#!/usr/bin/env bash
# Starts a throwaway Redis on 127.0.0.1 (a free port, no persistence) for the
# tests of breakwater/redis, and prints its URL (the only line on stdout).
# Idempotent: when it is already running it just prints the URL.
#
#   export REDIS_URL="$(scripts/start-redis.sh)"   # then: npx vitest run test/redis
#   scripts/stop-redis.sh                          # stop it (--clean also deletes its directory)
#
# Needs redis-server and redis-cli (Debian/Ubuntu: apt-get install redis-server;
# macOS: brew install redis). Environment:
#   REDIS_TEST_DIR  where it lives (default: $TMPDIR/breakwater-redis)
set -euo pipefail

dir="${REDIS_TEST_DIR:-${TMPDIR:-/tmp}/breakwater-redis}"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "start-redis: no redis-server found (install redis-server)" >&2
  exit 1
fi
mkdir -p "$dir"

if [ -f "$dir/port" ] && redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" ping >/dev/null 2>&1; then
  echo "redis://127.0.0.1:$(cat "$dir/port")"
  exit 0
fi

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
echo "$port" >"$dir/port"
redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
for _ in $(seq 1 100); do
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    echo "redis://127.0.0.1:$port"
    exit 0
  fi
  sleep 0.1
done
cat "$dir/redis.log" >&2
exit 1
