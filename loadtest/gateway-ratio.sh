#!/usr/bin/env bash
# The gateway's CPU per single enqueue against its CPU per /livez under the same closed-loop load
# (issue 16's bound: at most 2×): a gateway alone on a private Redis and Postgres (no AOF, no
# worker, no scheduler, rate limit off), `wrk -t1 -c4` for SECONDS on each, ROUNDS times
# alternating, the gateway's own CPU from /proc. Needs wrk and a release build.
#   loadtest/gateway-ratio.sh [SECONDS (5)] [ROUNDS (2)]
source "$(dirname "$0")/private-stack.sh"
private_need forge-gateway forge
command -v wrk >/dev/null || { echo "gateway-ratio: needs wrk (apt-get install wrk)" >&2; exit 1; }
SECONDS_EACH=${1:-5}
ROUNDS=${2:-2}
private_stores --appendonly no
GATEWAY_PORT=$(port)
FORGE_HTTP_PORT=$GATEWAY_PORT "$BIN/forge-gateway" >"$WORK/gateway.log" 2>&1 &
GATEWAY=$!
private_pid "$GATEWAY"
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null && break; sleep 0.1; done
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"type":"noop","queue":"ratio"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
ticks() { awk '{print $14 + $15}' "/proc/$GATEWAY/stat"; }
# measure NAME WRK_ARGS…: prints NAME's requests and gateway µs per request; sets LAST_US.
measure() {
  local name=$1 before after requests
  shift
  before=$(ticks)
  requests=$(wrk -t1 -c4 -d"${SECONDS_EACH}s" "$@" | awk '/requests in/ {print $1}')
  after=$(ticks)
  LAST_US=$(python3 -c "print(f'{($after - $before) / $(getconf CLK_TCK) / $requests * 1e6:.1f}')")
  echo "$name: $requests requests, gateway CPU $LAST_US µs per request"
}
# Warm up both paths (connections, script cache, allocator).
wrk -t1 -c4 -d1s "http://127.0.0.1:$GATEWAY_PORT/livez" >/dev/null
wrk -t1 -c4 -d1s -s "$WORK/post.lua" "http://127.0.0.1:$GATEWAY_PORT/v1/jobs" >/dev/null
for round in $(seq "$ROUNDS"); do
  measure "round $round GET /livez" "http://127.0.0.1:$GATEWAY_PORT/livez"
  livez=$LAST_US
  measure "round $round POST /v1/jobs" -s "$WORK/post.lua" "http://127.0.0.1:$GATEWAY_PORT/v1/jobs"
  echo "round $round: POST = $(python3 -c "print(f'{$LAST_US / $livez:.2f}')")× /livez"
done
