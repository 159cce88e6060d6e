# Shared by the scenario scripts: where the stack is, where forge-load is, where reports go, and
# running forge-load under proc-cpu.py so every scenario also records CPU per process. Source it.
#
# The stack is the one scripts/forge-up started with the same FORGE_UP_* variables:
#   FORGE_UP_PORT_BASE (8080)  gateway port; schedulers +1/+11, workers +2, +12, …
#   FORGE_UP_REDIS_PORT (6390), FORGE_UP_DIR (.forge)  for the token, Redis and Postgres
# and for the results:
#   LOADTEST_OUT (loadtest/out)  JSON, SVG and CPU files, named after the scenario
#   FORGE_LOAD_BIN (.build/release)  where forge-load and forge-worker are
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT_BASE=${FORGE_UP_PORT_BASE:-8080}
GATEWAY_PORT=${FORGE_UP_GATEWAY_PORT:-$PORT_BASE}
REDIS_PORT=${FORGE_UP_REDIS_PORT:-6390}
PG_PORT=${FORGE_UP_PG_PORT:-5440}
STATE=${FORGE_UP_DIR:-$ROOT/.forge}
BIN=${FORGE_LOAD_BIN:-$ROOT/.build/release}
OUT=${LOADTEST_OUT:-$ROOT/loadtest/out}
URL=http://127.0.0.1:$GATEWAY_PORT
mkdir -p "$OUT"

if [ -z "${FORGE_API_TOKEN:-}" ] && [ -s "$STATE/token" ]; then
  export FORGE_API_TOKEN=$(cat "$STATE/token")
fi
[ -x "$BIN/forge-load" ] || { echo "no $BIN/forge-load: swift build -c release --product forge-load" >&2; exit 1; }
curl -fsS "$URL/livez" >/dev/null || { echo "no gateway at $URL: start scripts/forge-up (same FORGE_UP_* variables)" >&2; exit 1; }

# with_cpu NAME COMMAND…: runs COMMAND under proc-cpu.py, CPU per process to $OUT/NAME.cpu.json.
with_cpu() {
  local name=$1
  shift
  "$ROOT/loadtest/proc-cpu.py" --exe-prefix "$ROOT/.build" --redis-port "$REDIS_PORT" \
    --pg-pidfile "$STATE/pg/data/postmaster.pid" --json "$OUT/$name.cpu.json" -- "$@"
}

# forge_load NAME [scale] ARGS…: forge-load (or forge-load scale) against the stack, reports to
# $OUT/NAME.{json,svg}.
forge_load() {
  local name=$1 sub=()
  shift
  if [ "${1:-}" = scale ]; then sub=(scale); shift; fi
  with_cpu "$name" "$BIN/forge-load" "${sub[@]}" --url "$URL" --json "$OUT/$name.json" --svg "$OUT/$name.svg" "$@"
}
