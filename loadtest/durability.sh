#!/usr/bin/env bash
# The cost of FORGE_DURABILITY=postgres (the gateway answers an enqueue once the job's history row
# is committed, group commit across requests): a private redis-server (AOF everysec), Postgres
# (synchronous_commit on, as shipped) and one gateway (no workers: only the enqueue path), then the
# same forge-load runs in `redis` and `postgres` mode, ROUNDS times alternately so a neighbour's
# load hits both alike:
#   a closed loop (--max, CONNECTIONS connections): the most single-job enqueues per second;
#   a closed loop of batches of 100 (--batch 100): the most jobs per second in batches;
#   an open loop at RPS single jobs per second: the latency a web app sees at everyday load.
# Prints a table and writes $OUT/durability.json.
#   ROUNDS (2)  DURATION (10s)  RPS (2000)  CONNECTIONS (32)  FORGE_LOAD_BIN (.build/release)
source "$(dirname "$0")/private-stack.sh"
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
RPS=${RPS:-2000}
CONNECTIONS=${CONNECTIONS:-32}
private_need forge-gateway forge-load forge
GATEWAY=$(port)
gateway_pid=
private_stores --appendonly yes --appendfsync everysec

start_gateway() {
  FORGE_DURABILITY=$1 FORGE_HTTP_PORT=$GATEWAY "$BIN/forge-gateway" >>"$WORK/gateway.log" 2>&1 &
  gateway_pid=$!
  private_pid "$gateway_pid"
  until curl -fsS "http://127.0.0.1:$GATEWAY/readyz" >/dev/null 2>&1; do sleep 0.1; done
}
stop_gateway() {
  kill "$gateway_pid"
  wait "$gateway_pid" 2>/dev/null || true
  gateway_pid=
}
# load NAME ARGS…: one forge-load run into $WORK/NAME.json (no workers: no drain to wait for);
# Redis and history are emptied after each, so every run starts alike.
load() {
  local name=$1
  shift
  "$BIN/forge-load" run --url "http://127.0.0.1:$GATEWAY" --duration "$DURATION" --warmup 2s --drain-timeout 0 \
    --metrics-url "http://127.0.0.1:$GATEWAY/metrics" --json "$WORK/$name.json" "$@" >/dev/null
  redis-cli -p "$REDIS" flushall >/dev/null
  psql -h 127.0.0.1 -p "$PG" -U forge -d forge -qc "TRUNCATE forge.jobs" >/dev/null
}

for round in $(seq 1 "$ROUNDS"); do
  for mode in redis postgres; do
    start_gateway "$mode"
    load "max-$mode-$round" --max --connections "$CONNECTIONS"
    load "batch-$mode-$round" --max --connections 8 --batch 100
    load "rps-$mode-$round" --rps "$RPS" --connections 64
    stop_gateway
  done
done

python3 - "$WORK" "$ROUNDS" "$OUT/durability.json" <<'PY'
import json, sys
work, rounds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for mode in ("redis", "postgres"):
    read = lambda kind, r: json.load(open(f"{work}/{kind}-{mode}-{r}.json"))["enqueue"]
    runs = [(read("max", r), read("batch", r), read("rps", r)) for r in range(1, rounds + 1)]
    rows[mode] = {
        "max_jobs_per_second": [m["achieved_jobs_per_second"] for m, _, _ in runs],
        "batch_jobs_per_second": [b["achieved_jobs_per_second"] for _, b, _ in runs],
        "rps_achieved": [s["achieved_jobs_per_second"] for _, _, s in runs],
        "rps_p50_ms": [s["latency_ms"]["p50"] for _, _, s in runs],
        "rps_p99_ms": [s["latency_ms"]["p99"] for _, _, s in runs],
        "errors": sum(m["error_count"] + b["error_count"] + s["error_count"] for m, b, s in runs),
    }
json.dump(rows, open(out, "w"), indent=2)
mean = lambda values: sum(values) / len(values)
print(f"{'mode':>8} {'single jobs/s':>14} {'batched jobs/s':>15} {'rps held':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}")
for mode, row in rows.items():
    print(f"{mode:>8} {mean(row['max_jobs_per_second']):>14.0f} {mean(row['batch_jobs_per_second']):>15.0f} "
          f"{mean(row['rps_achieved']):>9.0f} {mean(row['rps_p50_ms']):>7.2f} {mean(row['rps_p99_ms']):>7.2f} {row['errors']:>7}")
for kind in ("max", "batch"):
    ratio = mean(rows["postgres"][f"{kind}_jobs_per_second"]) / mean(rows["redis"][f"{kind}_jobs_per_second"])
    print(f"{'single' if kind == 'max' else 'batched'} enqueues in postgres mode: {ratio:.2f}x of redis mode (same run)")
PY
