# Runs the pod templates of k8s/*.yaml as containers on the engine DOCKER_HOST points at, as a
# kubelet would (without an API server): image, command/args, env from the ConfigMap and Secret,
# Secret files, emptyDirs, volumes, user, read-only root, dropped capabilities, no privilege
# escalation, memory/CPU limits; Services become network aliases. Then every probe must answer
# as the manifest expects. Sourced by scripts/check-deploy (uses its pass/fail/note/wait_for and the
# stand-in image names).

K8S_NETWORK=forge-k8s-check
K8S_PREFIX=forge-k8s-

k8s_cleanup() {
  local ids
  ids=$(docker ps -aq --filter "name=^$K8S_PREFIX")
  # shellcheck disable=SC2086
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  ids=$(docker volume ls -q --filter "name=^$K8S_PREFIX")
  # shellcheck disable=SC2086
  [ -z "$ids" ] || docker volume rm $ids >/dev/null
  docker network rm "$K8S_NETWORK" >/dev/null 2>&1 || true
}

# k8s_docker_args INDEX: the `docker run` arguments for pod template INDEX of the plan. With
# K8S_ORDINAL set, pod N of a StatefulSet: named <name>-N, as the pod is, reachable as
# <name>-N.<service> too, with its own volumes.
k8s_docker_args() {
  python3 - "$K8S_PLAN" "$1" "$K8S_PREFIX" "$K8S_NETWORK" "$WORK/k8s-secrets" "${K8S_ORDINAL:-}" <<'PY'
import json, os, sys
plan, index, prefix, network, secrets_dir, ordinal = json.load(open(sys.argv[1])), int(sys.argv[2]), *sys.argv[3:]
pod = plan[index]
if ordinal:
    pod["name"] = f"{pod['name']}-{ordinal}"
name = prefix + pod["name"]
args = ["--name", name, "--hostname", pod["name"], "--network", network,
        "--network-alias", pod["service"] or pod["name"], "--stop-timeout", str(pod["grace"])]
if ordinal and pod["service"]:
    args += ["--network-alias", f"{pod['name']}.{pod['service']}"]
if pod["user"] is not None:
    args += ["--user", f"{pod['user']}:{pod['group'] or pod['user']}"]
if pod["fsGroup"] is not None:
    args += ["--group-add", str(pod["fsGroup"])]
if pod["readOnly"]:
    args.append("--read-only")
if pod["dropAll"]:
    args += ["--cap-drop", "ALL"]
if pod["noNewPrivileges"]:
    args += ["--security-opt", "no-new-privileges"]
if pod["memory"]:
    args += ["--memory", pod["memory"].replace("Gi", "g").replace("Mi", "m")]
if pod["cpus"]:
    cpu = pod["cpus"]
    args += ["--cpus", str(int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu))]
for key, value in pod["env"].items():
    args += ["-e", f"{key}={value}"]
for i, mount in enumerate(pod["mounts"]):
    if mount["kind"] == "secret":
        directory = os.path.join(secrets_dir, f"{pod['name']}-{i}")
        os.makedirs(directory, exist_ok=True)
        for filename, content in mount["files"].items():
            path = os.path.join(directory, filename)
            with open(path, "w") as f:
                f.write(content)
            os.chmod(path, 0o444)  # a Secret volume's default mode is 0644; readable by the pod's user
        os.chmod(directory, 0o755)
        args += ["-v", f"{directory}:{mount['path']}:ro"]
    elif mount["kind"] == "emptyDir":
        # An empty, world-writable directory, as the kubelet makes one (a --tmpfs would copy the
        # image directory's owner and mode instead).
        directory = os.path.join(secrets_dir, f"{pod['name']}-{i}-empty")
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o777)
        args += ["-v", f"{directory}:{mount['path']}"]
    else:
        args += ["-v", f"{prefix}{pod['name']}-data:{mount['path']}"]
if pod["command"]:
    args += ["--entrypoint", pod["command"][0], pod["image"], *pod["command"][1:], *pod["args"]]
else:
    args += [pod["image"], *pod["args"]]
print("\0".join(args), end="")
PY
}

# k8s_field INDEX EXPR: a field of pod template INDEX (python expression on `pod`).
k8s_field() { python3 -c "import json,sys; pod=json.load(open(sys.argv[1]))[int(sys.argv[2])]; print($2)" "$K8S_PLAN" "$1"; }
# k8s_pod_name INDEX: the pod's name (with K8S_ORDINAL, that pod of the StatefulSet).
k8s_pod_name() { echo "$(k8s_field "$1" 'pod["name"]')${K8S_ORDINAL:+-$K8S_ORDINAL}"; }

k8s_start() { # k8s_start INDEX [--rm-foreground]
  local -a args
  mapfile -d '' -t args < <(k8s_docker_args "$1")
  # A PersistentVolumeClaim with fsGroup: the kubelet makes the volume group-owned and writable.
  local volume fs_group image
  fs_group=$(k8s_field "$1" 'pod["fsGroup"]')
  image=$(k8s_field "$1" 'pod["image"]')
  for volume in $(k8s_field "$1" "' '.join(m['path'] for m in pod['mounts'] if m['kind'] == 'data')"); do
    [ "$fs_group" != None ] || continue
    docker run --rm --user 0:0 --entrypoint sh -v "$K8S_PREFIX$(k8s_pod_name "$1")-data:$volume" "$image" \
      -c "chgrp -R $fs_group $volume && chmod -R g+rwX $volume && chmod g+s $volume" >/dev/null
  done
  if [ "${2:-}" = --foreground ]; then docker run "${args[@]}"; else docker run -d "${args[@]}" >/dev/null; fi
}

# k8s_probe INDEX KIND: 0 when the probe passes (httpGet: 200 from the container's address; exec: exit 0).
k8s_probe() {
  local index=$1 kind=$2 name ip path port
  name=$K8S_PREFIX$(k8s_pod_name "$index")
  if [ "$(k8s_field "$index" "'exec' in pod['probes']['$kind']")" = True ]; then
    local -a command
    mapfile -t command < <(k8s_field "$index" "'\n'.join(pod['probes']['$kind']['exec'])")
    docker exec "$name" "${command[@]}" >/dev/null 2>&1
    return
  fi
  : >"$WORK/probe.out"
  path=$(k8s_field "$index" "pod['probes']['$kind']['path']")
  port=$(k8s_field "$index" "pod['probes']['$kind']['port']")
  ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$K8S_NETWORK\").IPAddress}}" "$name")
  [ "$(curl -s -o "$WORK/probe.out" -w '%{http_code}' --max-time 2 "http://$ip:$port$path")" = 200 ]
}

k8s_run_all() {
  local sub=$SECONDS index kind name count
  K8S_PLAN=$WORK/k8s-plan.json
  python3 scripts/lib/deploy_checks.py k8s-plan >"$K8S_PLAN"
  mkdir -p "$WORK/k8s-secrets"
  k8s_cleanup
  docker network create "$K8S_NETWORK" >/dev/null
  count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$K8S_PLAN")
  local -a stateful=() deployments=() jobs=()
  for index in $(seq 0 $((count - 1))); do
    case "$(k8s_field "$index" 'pod["kind"]')" in
      StatefulSet) stateful+=("$index") ;;
      Deployment) deployments+=("$index") ;;
      Job) jobs+=("$index") ;;
    esac
  done
  # StatefulSets first; then the Deployments, before the migrate Job, as `kubectl apply` may start them.
  for index in "${stateful[@]}"; do
    name=$(k8s_field "$index" 'pod["name"]')
    k8s_start "$index"
    if wait_for 60 k8s_probe "$index" readinessProbe; then pass "k8s StatefulSet $name: readinessProbe passes"; else
      fail "k8s StatefulSet $name: readinessProbe"; docker logs --tail 20 "$K8S_PREFIX$name" 2>&1 | sed 's/^/      /'; fi
    k8s_probe "$index" livenessProbe && pass "k8s StatefulSet $name: livenessProbe passes" || fail "k8s StatefulSet $name: livenessProbe"
  done
  # Redis from the Secret's password only: a container without it is refused before any command.
  local reply
  reply=$(docker run --rm --network "$K8S_NETWORK" --entrypoint redis-cli "$FORGE_IMAGE_REDIS" -h redis \
    LPUSH 'forge:{k8s-check}:ready:5' forged-job 2>&1 || true)
  [[ "$reply" == *NOAUTH* ]] && pass "k8s StatefulSet redis: a container without the password is refused ($reply)" ||
    fail "k8s StatefulSet redis without the password answered: $reply"
  for index in "${deployments[@]}"; do k8s_start "$index"; done
  for index in "${deployments[@]}"; do
    name=$(k8s_field "$index" 'pod["name"]')
    if wait_for 30 k8s_probe "$index" livenessProbe; then pass "k8s Deployment $name: livenessProbe (/livez) passes"; else
      fail "k8s Deployment $name: livenessProbe"; docker logs --tail 20 "$K8S_PREFIX$name" 2>&1 | sed 's/^/      /'; fi
    [ "$(docker exec "$K8S_PREFIX$name" id -u)" = "$(k8s_field "$index" 'pod["user"]')" ] &&
      pass "k8s Deployment $name: runs as uid $(k8s_field "$index" 'pod["user"]') on a read-only root" ||
      fail "k8s Deployment $name: user"
    docker exec "$K8S_PREFIX$name" sh -c 'touch /probe-write' 2>/dev/null && fail "k8s Deployment $name: root filesystem is writable" || true
    # Before the migrate Job: gateway and scheduler wait, not ready, for the schema.
    if [ "$name" != forge-worker ]; then
      if ! k8s_probe "$index" readinessProbe && grep -q '"schema":false' "$WORK/probe.out"; then
        pass "k8s Deployment $name: readinessProbe fails before the migrate Job ($(tr -d '\n' <"$WORK/probe.out"))"
      else
        fail "k8s Deployment $name: readinessProbe before migrate: $(cat "$WORK/probe.out")"
      fi
    fi
  done
  for index in "${jobs[@]}"; do
    name=$(k8s_field "$index" 'pod["name"]')
    if k8s_start "$index" --foreground >"$WORK/k8s-$name.log" 2>&1; then pass "k8s Job $name: completed ($(tail -n 1 "$WORK/k8s-$name.log"))"; else
      fail "k8s Job $name"; tail -n 10 "$WORK/k8s-$name.log" | sed 's/^/      /'; fi
  done
  for index in "${deployments[@]}"; do
    name=$(k8s_field "$index" 'pod["name"]')
    if wait_for 30 k8s_probe "$index" readinessProbe; then pass "k8s Deployment $name: readinessProbe (/readyz) passes"; else
      fail "k8s Deployment $name: readinessProbe: $(cat "$WORK/probe.out")"; docker logs --tail 20 "$K8S_PREFIX$name" 2>&1 | sed 's/^/      /'; fi
  done
  # SIGTERM, as the kubelet sends it: every Forge service drains and exits 0 within its grace period.
  for index in "${deployments[@]}"; do
    name=$(k8s_field "$index" 'pod["name"]')
    docker stop "$K8S_PREFIX$name" >/dev/null
    local code
    code=$(docker inspect -f '{{.State.ExitCode}}' "$K8S_PREFIX$name")
    [ "$code" = 0 ] && pass "k8s Deployment $name: SIGTERM → exit 0" || fail "k8s Deployment $name: SIGTERM → exit $code"
  done
  note "k8s: ${#stateful[@]} StatefulSets, ${#deployments[@]} Deployments and ${#jobs[@]} Job run as containers, probes checked ($(elapsed "$sub"))"
  k8s_cleanup
}

# The Redis Cluster overlay (k8s/redis-cluster/), applied over k8s/: its StatefulSet's pods as
# containers named as the pods are, then its Job, which must join them into a cluster that makes
# every pod ready and names them by their DNS names.
k8s_run_cluster() {
  local sub=$SECONDS index node_set= job= replicas ordinal name reply live=0 ready=0
  K8S_PLAN=$WORK/k8s-plan-cluster.json
  python3 scripts/lib/deploy_checks.py k8s-plan k8s/redis-cluster >"$K8S_PLAN"
  k8s_cleanup
  docker network create "$K8S_NETWORK" >/dev/null
  for index in $(seq 0 $(($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$K8S_PLAN") - 1))); do
    case "$(k8s_field "$index" 'pod["kind"]')" in
      StatefulSet) node_set=$index ;;
      Job) job=$index ;;
    esac
  done
  [ -n "$node_set" ] && [ -n "$job" ] || { fail "k8s/redis-cluster: a StatefulSet and a Job"; return; }
  replicas=$(k8s_field "$node_set" 'pod["replicas"]')
  for ordinal in $(seq 0 $((replicas - 1))); do K8S_ORDINAL=$ordinal k8s_start "$node_set"; done
  for ordinal in $(seq 0 $((replicas - 1))); do
    K8S_ORDINAL=$ordinal wait_for 30 k8s_probe "$node_set" livenessProbe && live=$((live + 1))
  done
  [ "$live" = "$replicas" ] && pass "k8s/redis-cluster StatefulSet: all $replicas pods' livenessProbe passes" ||
    fail "k8s/redis-cluster StatefulSet: livenessProbe passes on $live of $replicas pods"
  name=$(k8s_field "$job" 'pod["name"]')
  if k8s_start "$job" --foreground >"$WORK/k8s-$name.log" 2>&1; then pass "k8s/redis-cluster Job $name: $(tail -n 1 "$WORK/k8s-$name.log")"; else
    fail "k8s/redis-cluster Job $name"; tail -n 15 "$WORK/k8s-$name.log" | sed 's/^/      /'; fi
  for ordinal in $(seq 0 $((replicas - 1))); do
    K8S_ORDINAL=$ordinal wait_for 30 k8s_probe "$node_set" readinessProbe && ready=$((ready + 1))
  done
  [ "$ready" = "$replicas" ] && pass "k8s/redis-cluster StatefulSet: all $replicas pods ready (cluster_state:ok as user forge)" ||
    fail "k8s/redis-cluster StatefulSet: readinessProbe passes on $ready of $replicas pods"
  # Hostnames spread by gossip: a node learns its peers' a moment after they meet.
  named() {
    reply=$(docker exec "${K8S_PREFIX}redis-cluster-0" sh -c \
      'REDISCLI_AUTH="$(cat /run/forge-secrets/redis-password)" redis-cli --no-auth-warning --user forge --raw cluster slots' 2>&1 |
      grep -c '^redis-cluster-[0-9]\.redis-cluster$' || true)
    [ "$reply" = "$replicas" ]
  }
  wait_for 15 named; named && pass "k8s/redis-cluster: CLUSTER SLOTS names the $replicas pods by their DNS names (redis-cluster-N.redis-cluster)" ||
    fail "k8s/redis-cluster: CLUSTER SLOTS names $reply of $replicas pods by DNS name"
  note "k8s/redis-cluster: $replicas nodes and the create Job run as containers, probes checked ($(elapsed "$sub"))"
  k8s_cleanup
}
