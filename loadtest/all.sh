#!/usr/bin/env bash
# Every scenario but the scaling run, one after another against the running stack, with the
# reference figures first, so all ratios in RESULTS.md come from one session. The scaling run
# needs a stack without workers (scripts/forge-up --workers 0): run scale.sh on its own.
# Same variables as lib.sh; outputs in $LOADTEST_OUT (loadtest/out).
set -euo pipefail
cd "$(dirname "$0")"
for scenario in ceilings steady max-batch max-single burst delayed-storm failing-storm; do
  echo "=== $scenario  ($(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg))"
  bash "./$scenario.sh"
  sleep 5
done
