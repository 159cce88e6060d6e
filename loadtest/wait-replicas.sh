#!/usr/bin/env bash
# The cost of FORGE_WAIT_REPLICAS=1 (the gateway confirms an enqueue only once a Redis replica has
# it): a private redis-server with one replica, Postgres and one gateway (no workers: only the
# enqueue path is measured), then the same forge-load runs with the setting off and on, ROUNDS
# times alternately so a neighbour's load hits both alike:
#   a closed loop (--max, CONNECTIONS connections): the most single-job enqueues per second;
#   an open loop at RPS single jobs per second: the latency a web app sees at everyday load.
# Prints a table and writes $OUT/wait-replicas.json.
#   ROUNDS (2)  DURATION (10s)  RPS (2000)  CONNECTIONS (32)  FORGE_LOAD_BIN (.build/release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/services.sh"
BIN=${FORGE_LOAD_BIN:-$ROOT/.build/release}
OUT=${LOADTEST_OUT:-$ROOT/loadtest/out}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
RPS=${RPS:-2000}
CONNECTIONS=${CONNECTIONS:-32}
mkdir -p "$OUT"
for tool in forge-gateway forge-load forge; do
  [ -x "$BIN/$tool" ] || { echo "no $BIN/$tool: swift build -c release" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/forge-wait.XXXXXX)
chmod 755 "$WORK"
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MASTER=$(port)
REPLICA=$(port)
PG=$(port)
GATEWAY=$(port)
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
gateway_pid=
cleanup() {
  [ -n "$gateway_pid" ] && kill "$gateway_pid" 2>/dev/null && wait "$gateway_pid" 2>/dev/null
  forge_stop_redis "$WORK/master" "$MASTER"
  forge_stop_redis "$WORK/replica" "$REPLICA"
  forge_stop_postgres "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT

forge_start_redis "$WORK/master" "$MASTER" --appendonly yes --appendfsync everysec --repl-diskless-sync-delay 0
forge_start_redis "$WORK/replica" "$REPLICA" --replicaof 127.0.0.1 "$MASTER"
until redis-cli -p "$MASTER" info replication | grep -q 'state=online'; do sleep 0.1; done
forge_start_postgres "$WORK/pg" "$PG" >/dev/null
export FORGE_REDIS_URL=redis://127.0.0.1:$MASTER FORGE_POSTGRES_URL=postgres://forge@127.0.0.1:$PG/forge
export FORGE_API_TOKENS=$TOKEN FORGE_API_TOKEN=$TOKEN FORGE_HTTP_HOST=127.0.0.1 FORGE_LOG_LEVEL=warning
# The closed loop would otherwise meet the per-token rate limit (429s), not Redis.
export FORGE_RATE_LIMIT_RPS=0
"$BIN/forge" migrate >/dev/null

start_gateway() {
  FORGE_WAIT_REPLICAS=$1 FORGE_HTTP_PORT=$GATEWAY "$BIN/forge-gateway" >>"$WORK/gateway.log" 2>&1 &
  gateway_pid=$!
  until curl -fsS "http://127.0.0.1:$GATEWAY/readyz" >/dev/null 2>&1; do sleep 0.1; done
}
stop_gateway() {
  kill "$gateway_pid"
  wait "$gateway_pid" 2>/dev/null || true
  gateway_pid=
}
# load NAME ARGS…: one forge-load run into $WORK/NAME.json (no workers: no drain to wait for).
load() {
  local name=$1
  shift
  "$BIN/forge-load" run --url "http://127.0.0.1:$GATEWAY" --duration "$DURATION" --warmup 2s --drain-timeout 0 \
    --metrics-url "http://127.0.0.1:$GATEWAY/metrics" --json "$WORK/$name.json" "$@" >/dev/null
  redis-cli -p "$MASTER" flushall >/dev/null
}

for round in $(seq 1 "$ROUNDS"); do
  for wait in 0 1; do
    start_gateway "$wait"
    load "max-$wait-$round" --max --connections "$CONNECTIONS"
    load "rps-$wait-$round" --rps "$RPS" --connections 64
    stop_gateway
  done
done

python3 - "$WORK" "$ROUNDS" "$OUT/wait-replicas.json" <<'EOF'
import json, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for wait in (0, 1):
    runs = [(json.load(open(f"{work}/max-{wait}-{r}.json"))["enqueue"], json.load(open(f"{work}/rps-{wait}-{r}.json"))["enqueue"])
            for r in range(1, rounds + 1)]
    rows[wait] = {
        "max_jobs_per_second": [m["achieved_jobs_per_second"] for m, _ in runs],
        "max_p50_ms": [m["latency_ms"]["p50"] for m, _ in runs],
        "rps_achieved": [s["achieved_jobs_per_second"] for _, s in runs],
        "rps_p50_ms": [s["latency_ms"]["p50"] for _, s in runs],
        "rps_p99_ms": [s["latency_ms"]["p99"] for _, s in runs],
        "errors": sum(m["error_count"] + s["error_count"] for m, s in runs),
    }
json.dump(rows, open(out, "w"), indent=2)
mean = lambda values: sum(values) / len(values)
print(f"{'wait':>4} {'max jobs/s':>11} {'p50 at max':>11} {'rps held':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}")
for wait, row in rows.items():
    print(f"{wait:>4} {mean(row['max_jobs_per_second']):>11.0f} {mean(row['max_p50_ms']):>11.2f} {mean(row['rps_achieved']):>9.0f} "
          f"{mean(row['rps_p50_ms']):>7.2f} {mean(row['rps_p99_ms']):>7.2f} {row['errors']:>7}")
ratio = mean(rows[1]["max_jobs_per_second"]) / mean(rows[0]["max_jobs_per_second"])
print(f"closed-loop throughput with WAIT 1: {ratio:.2f}x of without (same run)")
EOF
