#!/usr/bin/env bash
# Maximum single-job enqueue rate: closed loop with CONNECTIONS requests in flight (issue 11:
# ≥ 0.5 × the gateway's /livez requests/s measured by ceilings.sh).
#   CONNECTIONS (32)  DURATION (20s)  WARMUP (3s)   extra arguments go to forge-load
source "$(dirname "$0")/lib.sh"
forge_load max-single --max --connections "${CONNECTIONS:-32}" --duration "${DURATION:-20s}" \
  --warmup "${WARMUP:-3s}" --drain-timeout "${DRAIN:-60s}" "$@"
