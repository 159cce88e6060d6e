#!/usr/bin/env bash
# A burst: BASE jobs/s for 3 × BURST_SECONDS, and in the middle third 9 × BASE more, so the
# offered load is 10 × BASE for BURST_SECONDS. Two forge-load runs side by side: "burst-base"
# shows how the steady traffic's latency suffers and recovers, "burst-peak" the burst itself.
# Each has its own queue, so each one's completions and wait are its own.
#   BASE (200)  BURST_SECONDS (10)
source "$(dirname "$0")/lib.sh"
BASE=${BASE:-200}
BURST=${BURST_SECONDS:-10}
forge_load burst-base --rps "$BASE" --duration "$((3 * BURST))s" --warmup 2s --connections 32 \
  --queue burst-base &
base=$!
sleep $((2 + BURST))
forge_load burst-peak --rps "$((9 * BASE))" --duration "${BURST}s" --warmup 0s --connections 64 --drain-timeout 60s \
  --queue burst-peak
wait "$base"
