# Shared by the load scripts that run a private stack of their own (durability.sh,
# remote-workers.sh, wait-replicas.sh), not the one scripts/forge-up started: binaries, reports, a
# temp dir, free ports, a token; Redis and Postgres started with `private_stores` and everything
# stopped on exit. Source it after setting nothing; then
#   private_need forge-gateway forge …     the binaries the script runs, or exit
#   private_stores [redis-server args…]    Redis on $REDIS, Postgres on $PG, the FORGE_* variables, migrated
#   private_pid PID                        a process to kill on exit
#   private_on_exit COMMAND                more to undo on exit (before the stores stop)
#   port                                   a free loopback port
#   FORGE_LOAD_BIN (.build/release)  LOADTEST_OUT (loadtest/out)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
BIN=${FORGE_LOAD_BIN:-$ROOT/.build/release}
OUT=${LOADTEST_OUT:-$ROOT/loadtest/out}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/forge-load.XXXXXX)
chmod 755 "$WORK"
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
REDIS=$(port)
PG=$(port)
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
PRIVATE_PIDS=()
PRIVATE_EXIT=()

private_need() {
  for tool in "$@"; do
    [ -x "$BIN/$tool" ] || { echo "no $BIN/$tool: swift build -c release" >&2; exit 1; }
  done
}

private_pid() { PRIVATE_PIDS+=("$1"); }
private_on_exit() { PRIVATE_EXIT+=("$1"); }

private_cleanup() {
  local pid step
  for pid in "${PRIVATE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for step in "${PRIVATE_EXIT[@]}"; do eval "$step" || true; done
  forge_stop_redis "$WORK/redis" "$REDIS"
  forge_stop_postgres "$WORK/pg"
  rm -rf "$WORK"
}
trap private_cleanup EXIT

private_stores() {
  forge_start_redis "$WORK/redis" "$REDIS" "$@"
  forge_start_postgres "$WORK/pg" "$PG" >/dev/null
  export FORGE_REDIS_URL=redis://127.0.0.1:$REDIS FORGE_POSTGRES_URL=postgres://forge@127.0.0.1:$PG/forge
  export FORGE_API_TOKENS=$TOKEN FORGE_API_TOKEN=$TOKEN FORGE_HTTP_HOST=127.0.0.1 FORGE_LOG_LEVEL=warning
  # Closed loops from one token would otherwise measure the per-token rate limit (429s).
  export FORGE_RATE_LIMIT_RPS=0
  "$BIN/forge" migrate >/dev/null
}
