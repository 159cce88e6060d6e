# Private Redis and Postgres on loopback for tests and the local stack. Source this file.
# Nothing here touches a system-wide server: every instance lives in its own data directory.

forge_need_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  pkg-config --exists hiredis 2>/dev/null || missing+=(libhiredis-dev)
  pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: need root (or sudo) to apt-get install ${missing[*]}" >&2
      return 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The configuration every script builds and runs: release by default (what forge-up and the image
# run, so one build serves the tests, the stack and every check; from a clean checkout it takes
# longer than debug), FORGE_BUILD_CONFIGURATION=debug for quick incremental builds while
# developing. CI builds once (`swift build -c release --build-tests`)
# and every check reuses those binaries.
FORGE_BUILD_CONFIGURATION=${FORGE_BUILD_CONFIGURATION:-release}
case "$FORGE_BUILD_CONFIGURATION" in
  release|debug) ;;
  *) echo "error: FORGE_BUILD_CONFIGURATION must be release or debug, not '$FORGE_BUILD_CONFIGURATION'" >&2; return 64 ;;
esac

# forge_build LOG_DIR PRODUCT…: builds the products (each log in LOG_DIR), showing the errors of
# the first that fails.
forge_build() {
  local logs=$1 product
  shift
  mkdir -p "$logs"
  for product in "$@"; do
    swift build -c "$FORGE_BUILD_CONFIGURATION" --product "$product" >"$logs/build-$product.log" 2>&1 || {
      echo "error: swift build -c $FORGE_BUILD_CONFIGURATION --product $product failed:" >&2
      grep -E "error:" "$logs/build-$product.log" | head -20 >&2
      return 1
    }
  done
}

# Where forge_build puts the binaries.
forge_bin_dir() {
  # The last line: a first call in a fresh checkout also prints what it fetched.
  swift build -c "$FORGE_BUILD_CONFIGURATION" --show-bin-path | tail -n 1
}

forge_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1
}

# Runs a command as the postgres user when we are root: Postgres refuses to run as root.
forge_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# forge_start_redis DIR PORT [extra redis-server args...]
forge_start_redis() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' "$@"
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "error: redis-server did not start on port $port; see $dir/redis.log" >&2
  return 1
}

forge_stop_redis() {
  local dir=$1 port=$2
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
}

# forge_start_postgres DIR PORT: initdb on first use, then start; creates role and database "forge".
forge_start_postgres() {
  local dir=$1 port=$2 bin
  bin=$(forge_pg_bin)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    forge_as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      return 1
    }
  fi
  forge_as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null || {
    cat "$dir/postgres.log" >&2
    return 1
  }
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'forge') THEN CREATE ROLE forge LOGIN SUPERUSER; END IF; END \$\$;" >/dev/null
  if [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "SELECT 1 FROM pg_database WHERE datname = 'forge'")" != 1 ]; then
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c "CREATE DATABASE forge OWNER forge" >/dev/null
  fi
}

forge_stop_postgres() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  forge_as_pg "$(forge_pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# forge_start_redis_cluster DIR FIRST_PORT MASTERS [extra redis-server args...]: a Redis Cluster of
# MASTERS masters and no replicas on FIRST_PORT, FIRST_PORT+1, … (node data in DIR/PORT, cluster
# bus on port+10000), the 16 384 slots split evenly in port order. Made afresh every time: a node
# that kept its nodes.conf remembers its old cluster and will not join a new one. The slots are
# assigned by hand (ADDSLOTSRANGE, MEET) because `redis-cli --cluster create` wants 3 masters at
# least and a one-master cluster is the baseline of a scaling run. Waits for cluster_state:ok.
forge_start_redis_cluster() {
  local dir=$1 first=$2 masters=$3 i port from to
  shift 3
  case "$masters" in ''|*[!0-9]*|0) echo "error: forge_start_redis_cluster needs a master count ≥ 1, not '$masters'" >&2; return 64 ;; esac
  for i in $(seq 0 $((masters - 1))); do
    port=$((first + i))
    rm -rf "${dir:?}/$port"
    forge_start_redis "$dir/$port" "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 5000 "$@" || return 1
    from=$((16384 * i / masters))
    to=$((16384 * (i + 1) / masters - 1))
    redis-cli -p "$port" cluster set-config-epoch $((i + 1)) >/dev/null
    redis-cli -p "$port" cluster addslotsrange "$from" "$to" | grep -q OK || {
      echo "error: could not give slots $from-$to to the node on port $port" >&2
      return 1
    }
    [ "$i" -eq 0 ] || redis-cli -p "$port" cluster meet 127.0.0.1 "$first" >/dev/null
  done
  for _ in $(seq 1 100); do
    local ok=0
    for i in $(seq 0 $((masters - 1))); do
      port=$((first + i))
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || break
      [ "$(redis-cli -p "$port" cluster info | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p')" = "$masters" ] || break
      ok=$((ok + 1))
    done
    [ "$ok" -eq "$masters" ] && return 0
    sleep 0.1
  done
  echo "error: the Redis Cluster on ports $first… did not reach cluster_state:ok; see $dir/*/redis.log" >&2
  return 1
}

# forge_stop_redis_cluster DIR FIRST_PORT MASTERS: stops what forge_start_redis_cluster started.
forge_stop_redis_cluster() {
  local dir=$1 first=$2 masters=$3 i
  for i in $(seq 0 $((masters - 1))); do forge_stop_redis "$dir/$((first + i))" "$((first + i))"; done
}

# forge_redis_cluster_url FIRST_PORT MASTERS: the redis+cluster:// URL naming every node.
forge_redis_cluster_url() {
  local first=$1 masters=$2 i nodes=()
  for i in $(seq 0 $((masters - 1))); do nodes+=("127.0.0.1:$((first + i))"); done
  local IFS=,
  echo "redis+cluster://${nodes[*]}"
}
