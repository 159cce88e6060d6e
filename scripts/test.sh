#!/usr/bin/env bash
# The test command: installs what is missing, starts a private redis-server and Postgres on
# loopback (temp dir, non-default ports), builds, runs every test, and stops both servers even
# when the tests fail. Extra arguments go to `swift test` (e.g. --filter LeaseTests). Builds in
# release mode unless FORGE_BUILD_CONFIGURATION=debug (scripts/lib/services.sh says why).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh

REDIS_PORT=${FORGE_TEST_REDIS_PORT:-26379}
PG_PORT=${FORGE_TEST_PG_PORT:-25432}
WORK=$(mktemp -d /tmp/forge-test.XXXXXX)
chmod 755 "$WORK"

cleanup() {
  forge_stop_redis "$WORK/redis" "$REDIS_PORT"
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
