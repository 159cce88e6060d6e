#!/usr/bin/env bash
# What a job costs Forge, process by process (issue 16): builds the release binaries, then runs
# loadtest/costs.py, which starts a private stack on loopback and prints CPU per job at everyday
# load (forge-load --rps 2000, single jobs), Redis script µs per call, Redis bytes per finished
# and pending job, the forge-bench --archive reference, the closed-loop ratios (gateway CPU per POST
# against per /livez, forge-load's CPU per request against wrk's; when wrk is installed), and idle
# CPU with 1, 100 and 1 000 queues.
#
#   loadtest/costs.sh [--no-build] [costs.py options: --rps N --duration S --json FILE …]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
if [ "${1:-}" = --no-build ]; then shift; else
  forge_need_packages
  for product in forge forge-gateway forge-scheduler forge-worker forge-load forge-bench; do
    swift build -c release --product "$product"
  done
fi
exec python3 loadtest/costs.py --bin-dir "$PWD/.build/release" "$@"
