#!/usr/bin/env bash
# The reference figures every other figure is divided by, measured on the same machine in the
# same session (machines of this kind differ by 2× from one to the next):
#   forge-bench --jobs JOBS --batch 100 --archive   the engine with history (jobs/s)
#   forge-bench --jobs JOBS --batch 100 --phases    enqueue alone and lease→ack alone (jobs/s)
#   redis-benchmark -q -t set -P 1                   one Redis round trip at a time (SET/s)
#   wrk -t2 -c32 /livez                              the gateway's HTTP floor (requests/s)
#   wrk -t2 -c32 POST /v1/jobs                       single enqueues without forge-load's own cost
# forge-bench uses its own Redis namespace on the stack's Redis and writes history to the
# stack's Postgres (same tables as the stack). Output to $OUT/ceilings.txt as well.
#   JOBS (200000)  WRK_SECONDS (10)
source "$(dirname "$0")/lib.sh"
JOBS=${JOBS:-200000}
[ -x "$BIN/forge-bench" ] || { echo "no $BIN/forge-bench: swift build -c release --product forge-bench" >&2; exit 1; }
{
  echo "# $(date -u +%FT%TZ)  $(nproc) cores  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)  load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "## forge-bench --jobs $JOBS --batch 100 --archive"
  with_cpu bench-archive "$BIN/forge-bench" --redis-url "redis://127.0.0.1:$REDIS_PORT" \
    --postgres-url "postgres://forge@127.0.0.1:$PG_PORT/forge" --jobs "$JOBS" --batch 100 --archive 2>&1
  echo "## forge-bench --jobs $JOBS --batch 100 --phases"
  with_cpu bench-phases "$BIN/forge-bench" --redis-url "redis://127.0.0.1:$REDIS_PORT" --jobs "$JOBS" --batch 100 --phases 2>&1
  echo "## redis-benchmark -q -t set -P 1 -n 200000"
  redis-benchmark -p "$REDIS_PORT" -q -t set -P 1 -n 200000 2>&1 | tr '\r' '\n' | grep -v '^$' | tail -1
  echo "## wrk -t2 -c32 -d${WRK_SECONDS:-10}s $URL/livez"
  with_cpu wrk-livez wrk -t2 -c32 -d"${WRK_SECONDS:-10}s" "$URL/livez" 2>&1
  # The gateway's single-job ceiling without forge-load's own cost, as the issue measured it.
  echo "## wrk -t2 -c32 -d${WRK_SECONDS:-10}s POST /v1/jobs"
  printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\n' \
    "'{\"type\":\"noop\",\"queue\":\"wrk\"}'" "${FORGE_API_TOKEN:-}" > "$OUT/post.lua"
  with_cpu wrk-post wrk -t2 -c32 -d"${WRK_SECONDS:-10}s" -s "$OUT/post.lua" "$URL/v1/jobs" 2>&1
  rm -f "$OUT/post.lua"
} | tee "$OUT/ceilings.txt"
