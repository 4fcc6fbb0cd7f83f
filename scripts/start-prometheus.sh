#!/usr/bin/env bash
# Starts a throwaway Prometheus on 127.0.0.1 (a free port, a 1 s scrape interval, a fresh TSDB
# directory) scraping one target, and prints its URL (the only line on stdout).
#
#   url="$(scripts/start-prometheus.sh 127.0.0.1:8080)"   # then query "$url/api/v1/query?query=up"
#   scripts/stop-prometheus.sh                              # stop it and delete its directory
#
# Needs the prometheus binary (Debian/Ubuntu: apt-get install prometheus). Environment:
#   PROMTEST_DIR     where its config, data, log and pid live (default: $TMPDIR/breakwater-prometheus)
#   PROMETHEUS_BIN   the binary (default: prometheus on PATH)
set -euo pipefail

target="${1:?usage: start-prometheus.sh HOST:PORT [METRICS_PATH]}"
metrics_path="${2:-/metrics}"
dir="${PROMTEST_DIR:-${TMPDIR:-/tmp}/breakwater-prometheus}"
bin="${PROMETHEUS_BIN:-$(command -v prometheus || true)}"
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "start-prometheus: no prometheus binary found (install prometheus, or set PROMETHEUS_BIN)" >&2
  exit 1
fi
if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
  echo "start-prometheus: already running from $dir (scripts/stop-prometheus.sh stops it)" >&2
  exit 1
fi

rm -rf "$dir/data"
mkdir -p "$dir/data"
cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: breakwater
    metrics_path: $metrics_path
    static_configs:
      - targets: ['$target']
YAML

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
"$bin" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn >"$dir/server.log" 2>&1 </dev/null &
echo $! >"$dir/pid"
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if node -e "fetch('$url/-/ready').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; then
    echo "$url"
    exit 0
  fi
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then break; fi
  sleep 0.2
done
echo "start-prometheus: Prometheus did not become ready:" >&2
cat "$dir/server.log" >&2
kill "$(cat "$dir/pid")" 2>/dev/null || true
exit 1
