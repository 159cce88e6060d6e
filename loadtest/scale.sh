#!/usr/bin/env bash
# Horizontal scaling: forge-load starts WORKERS local forge-worker processes per step, each with
# CONCURRENCY slots, on jobs that sleep SLEEP_MS (one worker completes at most
# CONCURRENCY × 1000 / SLEEP_MS jobs/s: 200 with the defaults), offered RPS jobs/s in batches.
# Run it against a stack without workers of its own: scripts/forge-up --workers 0.
#   WORKERS (1,2,4,8)  CONCURRENCY (4)  SLEEP_MS (20)  RPS (2000)  BATCH (20)  DURATION (15s)  WARMUP (5s)
source "$(dirname "$0")/lib.sh"
forge_load scale scale --workers "${WORKERS:-1,2,4,8}" --concurrency "${CONCURRENCY:-4}" \
  --sleep-ms "${SLEEP_MS:-20}" --rps "${RPS:-2000}" --batch "${BATCH:-20}" --duration "${DURATION:-15s}" \
  --warmup "${WARMUP:-5s}" --redis-url "redis://127.0.0.1:$REDIS_PORT" --worker-port-base "$((PORT_BASE + 500))" \
  --log-dir "$OUT/scale-workers" "$@"
