#!/usr/bin/env bash
# Stops the throwaway Redis Cluster that scripts/start-redis-cluster.sh started.
#   scripts/stop-redis-cluster.sh          stop it
#   scripts/stop-redis-cluster.sh --clean  stop it and delete its directory
set -euo pipefail

dir="${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/breakwater-redis-cluster}"
if [ -f "$dir/nodes" ]; then
  IFS=, read -r -a nodes <"$dir/nodes"
  for n in "${nodes[@]}"; do redis-cli -h 127.0.0.1 -p "${n##*:}" shutdown nosave >/dev/null 2>&1 || true; done
  rm -f "$dir/nodes"
fi
if [ "${1:-}" = "--clean" ]; then rm -rf "$dir"; fi
echo "stopped the Redis Cluster in $dir" >&2
