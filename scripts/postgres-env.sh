# Shared by start-postgres.sh and stop-postgres.sh (sourced, not run): where the
# throwaway cluster lives, where the server binaries are, and how to run them
# as the cluster's owner (initdb and pg_ctl refuse root, so root runs them as `postgres`).
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

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
