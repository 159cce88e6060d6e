#!/usr/bin/env bash
# Maximum enqueue throughput with batches: closed loop, CONNECTIONS requests of BATCH jobs in
# flight (issue 11: accepted jobs/s ≥ 0.6 × forge-bench --phases enqueue).
#   BATCH (500)  CONNECTIONS (4)  DURATION (20s)  WARMUP (3s)   extra arguments go to forge-load
source "$(dirname "$0")/lib.sh"
forge_load max-batch --max --batch "${BATCH:-500}" --connections "${CONNECTIONS:-4}" \
  --duration "${DURATION:-20s}" --warmup "${WARMUP:-3s}" --drain-timeout "${DRAIN:-120s}" "$@"
