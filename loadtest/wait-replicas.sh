#!/usr/bin/env bash
# The cost of FORGE_WAIT_REPLICAS=1 (the gateway confirms an enqueue only once a Redis replica has
# it): a private redis-server with one replica, Postgres and one gateway (no workers: only the
# enqueue path is measured), then the same forge-load runs with the setting off and on, ROUNDS
# times alternately so a neighbour's load hits both alike:
#   a closed loop (--max, CONNECTIONS connections): the most single-job enqueues per second;
#   an open loop at RPS single jobs per second: the latency a web app sees at everyday load.
# Prints a table and writes $OUT/wait-replicas.json.
#   ROUNDS (2)  DURATION (10s)  RPS (2000)  CONNECTIONS (32)  FORGE_LOAD_BIN (.build/release)
source "$(dirname "$0")/private-stack.sh"
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
RPS=${RPS:-2000}
CONNECTIONS=${CONNECTIONS:-32}
private_need forge-gateway forge-load forge
MASTER=$REDIS
REPLICA=$(port)
GATEWAY=$(port)
gateway_pid=
private_on_exit 'forge_stop_redis "$WORK/replica" "$REPLICA"'
private_stores --appendonly yes --appendfsync everysec --repl-diskless-sync-delay 0
forge_start_redis "$WORK/replica" "$REPLICA" --replicaof 127.0.0.1 "$MASTER"
until redis-cli -p "$MASTER" info replication | grep -q 'state=online'; do sleep 0.1; done

start_gateway() {
  FORGE_WAIT_REPLICAS=$1 FORGE_HTTP_PORT=$GATEWAY "$BIN/forge-gateway" >>"$WORK/gateway.log" 2>&1 &
  gateway_pid=$!
  private_pid "$gateway_pid"
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
