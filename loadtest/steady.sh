#!/usr/bin/env bash
# Steady load: RPS single-job enqueues per second for DURATION (issue 11: 2 000 rps for 60 s,
# achieved ≥ 1 990/s, zero errors, enqueue p99 ≤ 5 ms, wait p99 ≤ 20 ms, history lag < 2 s).
#   RPS (2000)  DURATION (60s)  WARMUP (5s)  CONNECTIONS (64)   extra arguments go to forge-load
source "$(dirname "$0")/lib.sh"
forge_load steady --rps "${RPS:-2000}" --duration "${DURATION:-60s}" --warmup "${WARMUP:-5s}" \
  --connections "${CONNECTIONS:-64}" "$@"
