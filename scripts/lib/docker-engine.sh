# A private Docker engine for scripts/check-deploy: Debian's dockerd started by hand with its own
# data root, exec root and socket, no default bridge and no iptables rules, so it touches nothing
# else on the machine. Source this file; it sets DOCKER_HOST for the commands that follow.

# forge_engine_start DATA_ROOT RUN_DIR: starts dockerd (and its own containerd) and waits for it.
forge_engine_start() {
  local data=$1 run=$2
  mkdir -p "$data" "$run/exec"
  FORGE_ENGINE_RUN=$run
  FORGE_ENGINE_DATA=$data
  dockerd --data-root "$data" --exec-root "$run/exec" -H "unix://$run/docker.sock" \
    --pidfile "$run/dockerd.pid" --bridge=none --iptables=false --ip6tables=false \
    >"$run/dockerd.log" 2>&1 &
  FORGE_ENGINE_PID=$!
  export DOCKER_HOST="unix://$run/docker.sock"
  local _
  for _ in $(seq 1 150); do
    if docker version >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$FORGE_ENGINE_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "error: dockerd did not start; its log:" >&2
  tail -n 30 "$run/dockerd.log" >&2
  return 1
}

# forge_engine_stop: stops the containers it still runs, then dockerd by its pid, then unmounts
# whatever a crash left mounted below the engine's directories.
forge_engine_stop() {
  [ -n "${FORGE_ENGINE_PID:-}" ] || return 0
  if kill -0 "$FORGE_ENGINE_PID" 2>/dev/null; then
    local running
    running=$(docker ps -q 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$running" ] || docker kill $running >/dev/null 2>&1 || true
    kill -TERM "$FORGE_ENGINE_PID" 2>/dev/null || true
    local _
    for _ in $(seq 1 150); do
      kill -0 "$FORGE_ENGINE_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$FORGE_ENGINE_PID" 2>/dev/null || true
  fi
  wait "$FORGE_ENGINE_PID" 2>/dev/null || true
  # containerd's shims outlive a killed dockerd; they hold the exec root, so end them by pid.
  local pidfile
  for pidfile in $(find "$FORGE_ENGINE_RUN/exec" -name 'shim.pid' -o -name 'init.pid' 2>/dev/null); do
    kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  done
  local dir mount
  for dir in "$FORGE_ENGINE_RUN" "$FORGE_ENGINE_DATA"; do
    # Deepest first, so nested mounts come off before their parents.
    awk -v d="$dir" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r mount; do
      umount -l "$mount" 2>/dev/null || true
    done
  done
  FORGE_ENGINE_PID=
}
