#!/usr/bin/env bash
# A failing-job storm with retries: the built-in fail handler ({"message", "retryable": true}),
# each job tried MAX_ATTEMPTS times BACKOFF_MS apart (jittered, cap 4 ×) and then dead-lettered.
# Expect failed attempts = MAX_ATTEMPTS × jobs, retried = (MAX_ATTEMPTS − 1) × jobs, dead = jobs.
#   RPS (500)  DURATION (10s)  MAX_ATTEMPTS (3)  BACKOFF_MS (100)  QUEUE (storm-fail)
source "$(dirname "$0")/lib.sh"
forge_load failing-storm --type fail --rps "${RPS:-500}" --duration "${DURATION:-10s}" --warmup 0s \
  --max-attempts "${MAX_ATTEMPTS:-3}" --backoff-ms "${BACKOFF_MS:-100}" --queue "${QUEUE:-storm-fail}" \
  --drain-timeout 120s "$@"
