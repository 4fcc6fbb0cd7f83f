#!/usr/bin/env bash
# Stops the throwaway Redis that scripts/start-redis.sh started.
#   scripts/stop-redis.sh          stop it
#   scripts/stop-redis.sh --clean  stop it and delete its directory
set -euo pipefail

dir="${REDIS_TEST_DIR:-${TMPDIR:-/tmp}/breakwater-redis}"
if [ -f "$dir/port" ]; then
  redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" shutdown nosave >/dev/null 2>&1 || true
  rm -f "$dir/port"
fi
if [ "${1:-}" = "--clean" ]; then rm -rf "$dir"; fi
echo "stopped the Redis in $dir" >&2
