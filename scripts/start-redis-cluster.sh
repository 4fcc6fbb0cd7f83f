#!/usr/bin/env bash
# Starts a throwaway Redis Cluster of three masters on free 127.0.0.1 ports
# (no replicas, no persistence) and prints its nodes as host:port,host:port,...
# (the only line on stdout). Idempotent: when it is already up it just prints them.
#
#   export REDIS_CLUSTER_NODES="$(scripts/start-redis-cluster.sh)"
#   scripts/stop-redis-cluster.sh                   # --clean also deletes its directory
#
# Needs redis-server and redis-cli (>= 5). Environment:
#   REDIS_CLUSTER_DIR  where it lives (default: $TMPDIR/breakwater-redis-cluster)
set -euo pipefail

dir="${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/breakwater-redis-cluster}"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "start-redis-cluster: no redis-server found (install redis-server)" >&2
  exit 1
fi
mkdir -p "$dir"

if [ -f "$dir/nodes" ]; then
  first="$(cut -d, -f1 <"$dir/nodes")"
  if redis-cli -h 127.0.0.1 -p "${first##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then
    cat "$dir/nodes"
    exit 0
  fi
fi

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
nodes=()
for i in 1 2 3; do
  port="$(free_port)"
  # A cluster bus listens on port + 10000: pick again when that one is taken.
  while [ "$port" -gt 55535 ]; do port="$(free_port)"; done
  mkdir -p "$dir/$i"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir/$i" --save '' --appendonly no \
    --cluster-enabled yes --cluster-config-file "$dir/$i/nodes.conf" --cluster-node-timeout 2000 \
    --daemonize yes --pidfile "$dir/$i/redis.pid" --logfile "$dir/$i/redis.log" >/dev/null
  nodes+=("127.0.0.1:$port")
done
for n in "${nodes[@]}"; do
  for _ in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "${n##*:}" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 || {
  cat "$dir/create.log" >&2
  exit 1
}
for _ in $(seq 1 100); do
  ok=1
  for n in "${nodes[@]}"; do
    redis-cli -h 127.0.0.1 -p "${n##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
  done
  if [ "$ok" = 1 ]; then
    (IFS=,; echo "${nodes[*]}") | tee "$dir/nodes"
    exit 0
  fi
  sleep 0.1
done
echo "start-redis-cluster: the cluster did not reach cluster_state:ok" >&2
exit 1
