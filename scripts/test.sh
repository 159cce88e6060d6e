#!/usr/bin/env bash
# The test command: installs what is missing, starts a private redis-server and Postgres on
# loopback (temp dir, non-default ports), builds, runs every test, then runs them again on a
# private Redis Cluster of three masters (the same queue, worker, scheduler, gateway and
# end-to-end tests, each queue on the node owning its slot; FORGE_TEST_CLUSTER=0 skips that
# round), and stops every server even when the tests fail. Extra arguments go to `swift test`
# (e.g. --filter LeaseTests). Builds in release mode unless FORGE_BUILD_CONFIGURATION=debug
# (scripts/lib/services.sh says why).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh

REDIS_PORT=${FORGE_TEST_REDIS_PORT:-26379}
PG_PORT=${FORGE_TEST_PG_PORT:-25432}
# The cluster's nodes: three ports from here, and their cluster bus ports 10 000 above, which
# stay below the kernel's ephemeral range (32768 and up) so no outgoing connection holds one.
CLUSTER_PORT=${FORGE_TEST_CLUSTER_PORT:-21381}
WORK=$(mktemp -d /tmp/forge-test.XXXXXX)
chmod 755 "$WORK"

cleanup() {
  forge_stop_redis "$WORK/redis" "$REDIS_PORT"
  for port in $CLUSTER_PORT $((CLUSTER_PORT + 1)) $((CLUSTER_PORT + 2)); do
    forge_stop_redis "$WORK/cluster-$port" "$port"
  done
  forge_stop_postgres "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT

forge_need_packages
forge_start_redis "$WORK/redis" "$REDIS_PORT"
forge_start_postgres "$WORK/pg" "$PG_PORT"
echo "redis on 127.0.0.1:$REDIS_PORT, postgres on 127.0.0.1:$PG_PORT"

export FORGE_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export FORGE_TEST_POSTGRES_URL="postgres://forge@127.0.0.1:$PG_PORT/forge"

swift build -c "$FORGE_BUILD_CONFIGURATION" --build-tests
swift test -c "$FORGE_BUILD_CONFIGURATION" --skip-build "$@"
[ "${FORGE_TEST_CLUSTER:-1}" = 0 ] && exit 0

seeds=()
for port in $CLUSTER_PORT $((CLUSTER_PORT + 1)) $((CLUSTER_PORT + 2)); do
  forge_start_redis "$WORK/cluster-$port" "$port" --cluster-enabled yes --cluster-config-file nodes.conf
  seeds+=("127.0.0.1:$port")
done
redis-cli --cluster create "${seeds[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
until redis-cli -p "$CLUSTER_PORT" cluster info | grep -q cluster_state:ok; do sleep 0.1; done
echo "again on a Redis Cluster: ${seeds[*]}"
export FORGE_TEST_REDIS_URL="redis+cluster://$(IFS=,; echo "${seeds[*]}")"
# Not again: the suites that form clusters of their own, and the http handler's against a local
# server (no Redis; its bound on bytes sent is a timing one, which a second run only risks).
swift test -c "$FORGE_BUILD_CONFIGURATION" --skip-build --skip 'OneClusterAtATime|HTTPHandlerTests' "$@"
