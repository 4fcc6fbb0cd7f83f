#!/usr/bin/env bash
# Stops the Prometheus that scripts/start-prometheus.sh started and deletes its directory.
set -euo pipefail
dir="${PROMTEST_DIR:-${TMPDIR:-/tmp}/breakwater-prometheus}"
if [ -f "$dir/pid" ]; then
  pid="$(cat "$dir/pid")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
fi
rm -rf "$dir"
echo "stopped the Prometheus in $dir" >&2
