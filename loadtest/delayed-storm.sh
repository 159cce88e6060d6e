#!/usr/bin/env bash
# A delayed-job storm: JOBS jobs enqueued as fast as batches go, all with delay_ms DELAY_MS, so
# they come due within the few seconds the enqueue took and land on the promoter at once. The
# drain phase shows promotion and completion; wait (run_at → start) shows how late they ran.
#   RATE (20000 jobs/s offered)  ENQUEUE_SECONDS (3)  DELAY_MS (10000)  BATCH (100)
source "$(dirname "$0")/lib.sh"
forge_load delayed-storm --rps "${RATE:-20000}" --batch "${BATCH:-100}" --duration "${ENQUEUE_SECONDS:-3}s" --warmup 0s \
  --delay-ms "${DELAY_MS:-10000}" --connections 8 --drain-timeout 120s "$@"
