#!/usr/bin/env bash
# Remote workers' throughput through the lease API, next to a Swift worker on the same stack: a
# private redis-server and Postgres, one gateway, one scheduler; JOBS jobs are enqueued into a
# fresh queue with no worker running, then a set of workers drains it and the time to the last
# completion is taken. Each set runs ROUNDS times, alternately, so a neighbour's load hits all.
#   swift      one forge-worker (default settings: 100 slots, leases of 50)
#   example-P  P processes of the README's Python worker (Examples/python/worker.py: one job at a
#              time, a heartbeat thread per job, lease / ack per job)
#   batched-P  P processes of a batched Python client (lease 100, ack all 100 in one request)
# Prints a table (jobs/s, and each as a share of the Swift worker's) and writes
# $OUT/remote-workers.json.   JOBS (20000)  ROUNDS (2)  PROCESSES ("1 8")
source "$(dirname "$0")/private-stack.sh"
JOBS=${JOBS:-20000}
ROUNDS=${ROUNDS:-2}
PROCESSES=${PROCESSES:-"1 8"}
private_need forge-gateway forge-scheduler forge-worker forge
GATEWAY=$(port)
URL=http://127.0.0.1:$GATEWAY
workers=()
private_stores --appendonly yes --appendfsync everysec
FORGE_HTTP_PORT=$GATEWAY "$BIN/forge-gateway" >>"$WORK/gateway.log" 2>&1 &
private_pid $!
FORGE_HTTP_PORT=$(port) "$BIN/forge-scheduler" >>"$WORK/scheduler.log" 2>&1 &
private_pid $!
until curl -fsS "$URL/readyz" >/dev/null 2>&1; do sleep 0.1; done

helper() { python3 "$ROOT/loadtest/remote_workers.py" "$@"; }
# run NAME QUEUE COMMAND…: enqueue, start the workers COMMAND starts, time the drain, stop them.
run() {
  local name=$1 queue=$2
  shift 2
  helper enqueue "$URL" "$TOKEN" "$queue" "$JOBS"
  workers=()
  "$@"
  local seconds
  seconds=$(helper drain "$URL" "$TOKEN" "$queue" "$JOBS")
  for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${workers[@]}" 2>/dev/null || true
  echo "$name $seconds" >>"$WORK/results"
  printf '%-12s %8.0f jobs/s\n' "$name" "$(python3 -c "print($JOBS / $seconds)")"
}
start_swift() {
  FORGE_QUEUES=$1 FORGE_HTTP_PORT=$(port) "$BIN/forge-worker" >>"$WORK/worker.log" 2>&1 &
  workers+=($!)
  private_pid $!
}
start_example() {
  for _ in $(seq 1 "$2"); do
    FORGE_URL=$URL FORGE_TOKEN=$TOKEN FORGE_QUEUE=$1 python3 "$ROOT/Examples/python/worker.py" >>"$WORK/python.log" 2>&1 &
    workers+=($!)
    private_pid $!
  done
}
start_batched() {
  for _ in $(seq 1 "$2"); do
    helper batched "$URL" "$TOKEN" "$1" 100 >>"$WORK/python.log" 2>&1 &
    workers+=($!)
    private_pid $!
  done
}

n=0
for round in $(seq 1 "$ROUNDS"); do
  n=$((n + 1)); run swift "q$n" start_swift "q$n"
  for p in $PROCESSES; do
    n=$((n + 1)); run "example-$p" "q$n" start_example "q$n" "$p"
    n=$((n + 1)); run "batched-$p" "q$n" start_batched "q$n" "$p"
  done
done

python3 - "$WORK/results" "$JOBS" "$OUT/remote-workers.json" <<'PY'
import collections, json, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, seconds = line.split()
    runs[name].append(int(sys.argv[2]) / float(seconds))
swift = max(runs["swift"])
print(f"{'workers':<12} {'best jobs/s':>12} {'runs':>24} {'of swift':>9}")
table = {}
for name, rates in runs.items():
    table[name] = {"jobs_per_s": rates, "of_swift": max(rates) / swift}
    print(f"{name:<12} {max(rates):>12.0f} {' '.join(f'{r:.0f}' for r in rates):>24} {max(rates) / swift:>9.2f}")
json.dump(table, open(sys.argv[3], "w"), indent=2)
PY
