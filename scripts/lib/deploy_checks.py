"""Checks of scripts/check-deploy that read the deployment files: drift against what the Forge
binaries accept, Grafana provisioning, the NetworkPolicies evaluated against the pod templates,
and the Kubernetes container specs turned into `docker run` arguments. Run as
`python3 scripts/lib/deploy_checks.py COMMAND …`; prints PASS/FAIL lines."""

import json
import os
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
FORGE_IMAGES = {"forge:local", "${FORGE_IMAGE:-forge:local}"}
PORTS = {"forge-gateway": 8080, "forge-scheduler": 8081, "forge-worker": 8082}
PROBE_PATHS = {"/livez", "/readyz", "/metrics"}
failures = 0


def report(ok, label, detail=""):
    global failures
    print(f"{'PASS' if ok else 'FAIL'} {label}" + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures += 1


# The compose files users run: compose.yaml alone, and with the Redis Cluster overlay.
COMPOSE_SETS = {"compose": ["compose.yaml"], "compose+cluster": ["compose.yaml", "compose.cluster.yaml"]}


def compose_config(files=("compose.yaml",)):
    """The compose files as Compose v2 itself resolves them (anchors, merges, overrides and
    defaults applied)."""
    binary = os.environ.get("FORGE_COMPOSE_BIN", "docker-compose")
    args = [a for f in files for a in ("-f", str(ROOT / f))]
    out = subprocess.run([binary, *args, "config", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def documents(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def k8s_documents():
    return [(p, d) for p in sorted((ROOT / "k8s").rglob("*.yaml")) for d in documents(p)]


# --- what the binaries accept -------------------------------------------------------------------

def accepted(run):
    """Per command ("forge-gateway", "forge migrate", …): the env vars and flags its --help names.
    `run` is the argv prefix that runs a command in the image, e.g. docker run --rm forge:local."""
    commands = {}
    for command in ["forge-gateway", "forge-scheduler", "forge-worker", "forge migrate", "forge-bench"]:
        out = subprocess.run(run + command.split() + ["--help"], capture_output=True, text=True)
        text = out.stdout + out.stderr
        if out.returncode != 0:
            report(False, f"{command} --help runs in the image", text[-500:])
            continue
        commands[command] = {
            "env": set(re.findall(r"\bFORGE_[A-Z0-9_]+\b", text)),
            "flags": set(re.findall(r"(--[a-z][a-z0-9-]*)", text)),
        }
    return commands


def command_of(argv):
    """The Forge command an argv runs ("forge migrate", "forge-worker") and its remaining args."""
    if not argv:
        return None, []
    if argv[0] == "forge" and len(argv) > 1:
        return f"forge {argv[1]}", argv[2:]
    return argv[0], argv[1:]


def check_invocation(where, argv, env_names, known):
    command, rest = command_of(argv)
    if command not in known:
        report(False, f"{where}: runs a Forge command", f"{argv} is not one of {sorted(known)}")
        return command
    report(True, f"{where}: runs {command}")
    flags = [a.split("=")[0] for a in rest if a.startswith("--")]
    unknown = [f for f in flags if f not in known[command]["flags"]]
    report(not unknown, f"{where}: flags {flags or '(none)'} accepted by {command}", f"unknown {unknown}")
    forge_env = sorted(n for n in env_names if n.startswith("FORGE_"))
    unknown = [n for n in forge_env if n not in known[command]["env"]]
    report(not unknown, f"{where}: {len(forge_env)} FORGE_* variables accepted by {command}", f"unknown {unknown}")
    return command


def drift(run):
    known = accepted(run)
    if not known:
        return
    prometheus = yaml.safe_load((ROOT / "docker/prometheus/prometheus.yml").read_text())
    scraped = {c["job_name"]: c for c in prometheus["scrape_configs"]}
    for label, files in COMPOSE_SETS.items():
        compose_drift(label, compose_config(files), known, scraped)
    kubernetes_drift(known)


def compose_drift(label, config, known, scraped):
    """One set of compose files, as Compose itself resolves it (anchors and merges applied)."""
    for name, service in config["services"].items():
        if "profiles" in service:
            continue  # not started unless asked for (e.g. the single redis under the cluster overlay)
        if service.get("image") not in {"forge:local"} and "forge" not in str(service.get("image")).split(":")[0]:
            continue
        if service.get("entrypoint"):
            continue  # the one-shot secrets writer runs a shell, not a Forge command
        command = check_invocation(f"{label} {name}", service.get("command", []), service.get("environment", {}), known)
        if command in PORTS:
            job = scraped.get(command)
            ports = {sd["port"] for sd in (job or {}).get("dns_sd_configs", []) if name in sd["names"]}
            report(ports == {PORTS[command]}, f"{label} {name}: prometheus scrapes it as {name}:{PORTS[command]}",
                   f"scrape config has {ports}")
            for published in service.get("ports", []):
                report(int(published["target"]) == PORTS[command], f"{label} {name}: publishes its port {PORTS[command]}",
                       f"target {published['target']}")
        for key, value in service.get("environment", {}).items():
            if key.endswith("_FILE"):
                mounts = [v["target"] for v in service.get("volumes", [])]
                report(any(str(value).startswith(m + "/") for m in mounts), f"{label} {name}: {key} lies in a mounted volume",
                       f"{value} not under {mounts}")


def kubernetes_drift(known):
    # Kubernetes: every container running the Forge image.
    docs = k8s_documents()
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for _, d in docs if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: set((d.get("stringData") or d.get("data") or {}).keys()) for _, d in docs if d["kind"] == "Secret"}
    shared = {}
    for path, doc in docs:
        spec = pod_spec(doc)
        if not spec:
            continue
        for container in spec["containers"]:
            if container["image"] not in FORGE_IMAGES:
                continue
            where = f"{path.relative_to(ROOT)} {doc['metadata']['name']}/{container['name']}"
            own = {e["name"] for e in container.get("env", [])}
            from_maps = set()
            for source in container.get("envFrom", []):
                name = source["configMapRef"]["name"]
                report(name in configmaps, f"{where}: ConfigMap {name} exists")
                from_maps |= set(configmaps.get(name, {}))
                shared.setdefault(name, set())
            command = check_invocation(where, container.get("args", []), own, known)
            if command:
                for name in {s["configMapRef"]["name"] for s in container.get("envFrom", [])}:
                    shared[name].add(command)
            check_container(where, command, container, spec, secrets, configmaps, doc)
    # A shared ConfigMap reaches every role: each of its FORGE_* keys must be read by one of them.
    for name, commands in shared.items():
        unknown = [k for k in configmaps[name] if k.startswith("FORGE_")
                   and not any(k in known[c]["env"] for c in commands if c in known)]
        report(not unknown, f"ConfigMap {name}: every key is read by one of {sorted(commands)}", f"unread {unknown}")
    keda(docs)


def pod_spec(doc):
    if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def check_container(where, command, container, spec, secrets, configmaps, doc):
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    if command in PORTS:
        report(list(ports.values()) == [PORTS[command]], f"{where}: containerPort is {command}'s port {PORTS[command]}",
               f"{ports}")
        annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
        report(annotations.get("prometheus.io/port") == str(PORTS[command]) and annotations.get("prometheus.io/path") == "/metrics",
               f"{where}: scrape annotations point at :{PORTS[command]}/metrics", f"{annotations}")
        for kind, path in [("livenessProbe", "/livez"), ("readinessProbe", "/readyz")]:
            probe = container.get(kind, {}).get("httpGet", {})
            port = ports.get(probe.get("port"), probe.get("port"))
            report(probe.get("path") == path and port == PORTS[command], f"{where}: {kind} GET {path} on :{PORTS[command]}",
                   f"{probe}")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        env.update(configmaps.get(source["configMapRef"]["name"], {}))
    for key, value in env.items():
        if not key.endswith("_FILE"):
            continue
        directory, _, filename = str(value).rpartition("/")
        volume = volumes.get(mounts.get(directory, ""), {})
        secret = volume.get("secret", {})
        keys = {i["path"]: i["key"] for i in secret.get("items", [])} or {k: k for k in secrets.get(secret.get("secretName"), set())}
        if (command, key) in {("forge-worker", "FORGE_POSTGRES_URL_FILE"), ("forge migrate", "FORGE_REDIS_URL_FILE")}:
            continue  # shared ConfigMap; the worker never reads Postgres, migrate never Redis
        report(filename in keys, f"{where}: {key} is a key of a mounted Secret", f"{value}")
    security = container.get("securityContext", {})
    pod_security = spec.get("securityContext", {})
    report(pod_security.get("runAsNonRoot") is True and security.get("readOnlyRootFilesystem") is True
           and security.get("allowPrivilegeEscalation") is False and security.get("capabilities", {}).get("drop") == ["ALL"]
           and pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault",
           f"{where}: non-root, read-only root, no privilege escalation, no capabilities, seccomp RuntimeDefault")
    report("requests" in container.get("resources", {}) and "limits" in container.get("resources", {}),
           f"{where}: resource requests and limits")
    if command == "forge-worker":
        grace = float(env.get("FORGE_GRACE") or 25)
        report(spec.get("terminationGracePeriodSeconds", 30) > grace,
               f"{where}: terminationGracePeriodSeconds {spec.get('terminationGracePeriodSeconds')} > FORGE_GRACE {grace:g}")


def keda(docs):
    """No schema exists offline for KEDA's CRD: check what it refers to instead."""
    deployments = {d["metadata"]["name"] for _, d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"]: d for _, d in docs if d["kind"] == "Service"}
    metrics = set(re.findall(r"`(forge_[a-z_]+)", (ROOT / "README.md").read_text()))
    metrics |= set(re.findall(r"\b(forge_[a-z_]+)\{", open(ROOT / "grafana/dashboards/forge-overview.json").read()))
    for path, doc in docs:
        if doc["kind"] != "ScaledObject":
            continue
        target = doc["spec"]["scaleTargetRef"]["name"]
        report(target in deployments, f"{path.relative_to(ROOT)}: scales Deployment {target}")
        for trigger in doc["spec"]["triggers"]:
            query = trigger["metadata"]["query"]
            used = set(re.findall(r"\b(forge_[a-z_]+)", query))
            report(used <= metrics, f"{path.relative_to(ROOT)}: query uses Forge metrics {sorted(used)}", f"unknown {used - metrics}")
            host = re.match(r"http://([a-z0-9-]+)\.", trigger["metadata"]["serverAddress"])
            report(bool(host) and host.group(1) in services, f"{path.relative_to(ROOT)}: Prometheus Service {host and host.group(1)} exists")


# --- Grafana provisioning ------------------------------------------------------------------------

def grafana():
    config = compose_config()
    mounts = {v["target"]: pathlib.Path(v["source"]) for v in config["services"]["grafana"]["volumes"] if v["type"] == "bind"}
    for target in ["/etc/grafana/provisioning/datasources", "/etc/grafana/provisioning/dashboards"]:
        report(target in mounts and mounts[target].is_dir(), f"grafana: {target} is mounted from the repository")
    providers = yaml.safe_load((mounts["/etc/grafana/provisioning/dashboards"] / "forge.yaml").read_text())
    path = providers["providers"][0]["options"]["path"]
    source = mounts.get(path)
    boards = sorted(source.glob("*.json")) if source else []
    report(len(boards) >= 2, f"grafana: the dashboards provider path {path} holds the dashboards", f"mounted from {source}")
    datasources = yaml.safe_load((mounts["/etc/grafana/provisioning/datasources"] / "prometheus.yaml").read_text())["datasources"]
    uids = {d["uid"] for d in datasources}
    url = datasources[0]["url"]
    report(url == "http://prometheus:9090" and "prometheus" in config["services"],
           f"grafana: datasource url {url} is the compose prometheus service")
    exprs = []
    for board in boards:
        data = json.loads(board.read_text())
        used = set()
        def walk(node):
            if isinstance(node, dict):
                if isinstance(node.get("datasource"), dict) and node["datasource"].get("type") == "prometheus":
                    used.add(node["datasource"].get("uid"))
                if "expr" in node:
                    exprs.append(node["expr"])
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(data)
        report(used and used <= uids, f"grafana: {board.name} uses datasource uid {sorted(used)} that is provisioned")
    pathlib.Path(sys.argv[2]).write_text(json.dumps(exprs))


# --- Kubernetes container specs as docker run -----------------------------------------------------

def k8s_plan(overlay=None):
    """JSON: for each pod template in k8s/*.yaml, what `docker run` needs to honour its container.
    With an overlay folder (k8s/redis-cluster): its pod templates instead, applied over k8s/ (its
    ConfigMaps and Secrets replace those of the same name)."""
    docs = [(p, d) for p in sorted((ROOT / "k8s").glob("*.yaml")) for d in documents(p)]
    if overlay:
        docs += [(p, d) for p in sorted((ROOT / overlay).glob("*.yaml")) for d in documents(p)]
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for _, d in docs if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: d.get("stringData", {}) for _, d in docs if d["kind"] == "Secret"}
    plan = []
    for path, doc in docs:
        spec = pod_spec(doc)
        if not spec or (overlay and path.parent != ROOT / overlay):
            continue
        for container in spec["containers"]:
            env = {}
            for source in container.get("envFrom", []):
                env.update(configmaps[source["configMapRef"]["name"]])
            for item in container.get("env", []):
                if "value" in item:
                    env[item["name"]] = item["value"]
                elif "configMapKeyRef" in item["valueFrom"]:
                    ref = item["valueFrom"]["configMapKeyRef"]
                    env[item["name"]] = configmaps[ref["name"]][ref["key"]]
                else:
                    ref = item["valueFrom"]["secretKeyRef"]
                    env[item["name"]] = secrets[ref["name"]][ref["key"]]
            volumes = {v["name"]: v for v in spec.get("volumes", [])}
            mounts = []
            for mount in container.get("volumeMounts", []):
                volume = volumes.get(mount["name"])
                if volume is None:
                    kind = "data"  # a volumeClaimTemplate
                elif "secret" in volume:
                    items = volume["secret"].get("items")
                    data = secrets[volume["secret"]["secretName"]]
                    files = {i["path"]: data[i["key"]] for i in items} if items else dict(data)
                    mounts.append({"kind": "secret", "path": mount["mountPath"], "files": files})
                    continue
                else:
                    kind = "emptyDir"
                mounts.append({"kind": kind, "path": mount["mountPath"]})
            security = {**spec.get("securityContext", {}), **container.get("securityContext", {})}
            probes = {}
            ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
            for kind in ("livenessProbe", "readinessProbe"):
                probe = container.get(kind)
                if probe and "httpGet" in probe:
                    port = probe["httpGet"]["port"]
                    probes[kind] = {"path": probe["httpGet"]["path"], "port": ports.get(port, port)}
                elif probe and "exec" in probe:
                    probes[kind] = {"exec": probe["exec"]["command"]}
            plan.append({
                "file": str(path.relative_to(ROOT)), "kind": doc["kind"], "name": doc["metadata"]["name"],
                "service": next((d["metadata"]["name"] for _, d in docs if d["kind"] == "Service"
                                 and d["spec"]["selector"].items() <= doc["spec"]["template"]["metadata"]["labels"].items()), None),
                "image": container["image"], "command": container.get("command"), "args": container.get("args", []),
                "env": env, "mounts": mounts, "probes": probes, "ports": sorted(ports.values()),
                "user": security.get("runAsUser"), "group": security.get("runAsGroup"),
                "fsGroup": spec.get("securityContext", {}).get("fsGroup"),
                "readOnly": security.get("readOnlyRootFilesystem", False),
                "dropAll": security.get("capabilities", {}).get("drop") == ["ALL"],
                "noNewPrivileges": security.get("allowPrivilegeEscalation") is False,
                "memory": container.get("resources", {}).get("limits", {}).get("memory"),
                "cpus": container.get("resources", {}).get("limits", {}).get("cpu"),
                "grace": spec.get("terminationGracePeriodSeconds", 30),
                "replicas": doc["spec"].get("replicas", 1) if doc["kind"] == "StatefulSet" else 1,
            })
    print(json.dumps(plan))

# --- NetworkPolicies, evaluated ---------------------------------------------------------------------

# Who may reach what (the intent of k8s/05-network-policies.yaml and the subfolders' policies).
# Sources are the pod templates of k8s/ (by name) and the pods below that k8s/ does not make.
OTHERS = {
    "a pod in forge without Forge labels": ("forge", {"run": "debug"}),
    "a pod in another namespace": ("default", {"app": "other"}),
    "a Prometheus Operator's pod in namespace monitoring": ("monitoring", {"app.kubernetes.io/name": "prometheus"}),
    "KEDA in namespace keda": ("keda", {"app": "keda-operator"}),
    "a client outside the cluster": (None, {}),
}
PROMETHEUS = {"prometheus", "a Prometheus Operator's pod in namespace monitoring"}
EVERYONE = "everyone"
REACHABLE = {  # (pod, port): the sources admitted, all others refused
    ("forge-gateway", 8080): EVERYONE,
    ("forge-scheduler", 8081): PROMETHEUS,
    ("forge-worker", 8082): PROMETHEUS,
    ("redis", 6379): {"forge-gateway", "forge-scheduler", "forge-worker"},
    # k8s/redis-cluster/: the nodes serve Forge, the Job that creates the cluster, and each other
    # (replication on 6379, the cluster bus on 16379).
    ("redis-cluster", 6379): {"forge-gateway", "forge-scheduler", "forge-worker", "redis-cluster-create", "redis-cluster"},
    ("redis-cluster", 16379): {"redis-cluster"},
    ("postgres", 5432): {"forge-gateway", "forge-scheduler", "forge-migrate"},
    ("prometheus", 9090): {"grafana", "KEDA in namespace keda"},
    ("grafana", 3000): EVERYONE,
}
NO_EGRESS = {"redis", "postgres"}
# Pods whose egress reaches only these (pod, port) destinations, and DNS.
LIMITED_EGRESS = {"redis-cluster": {("redis-cluster", 6379), ("redis-cluster", 16379)}}


def selects(selector, labels):
    """A Kubernetes label selector (matchLabels, matchExpressions) against a set of labels."""
    if selector is None:
        return False
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        has, value = e["key"] in labels, labels.get(e["key"])
        ok = {"In": has and value in e.get("values", []), "NotIn": not has or value not in e.get("values", []),
              "Exists": has, "DoesNotExist": not has}[e["operator"]]
        if not ok:
            return False
    return True


def peer_admits(peer, source, namespaces, own_namespace):
    namespace, labels = source
    if "ipBlock" in peer:
        return namespace is None  # only used for clients outside the cluster
    if namespace is None:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespaces.get(namespace, {"kubernetes.io/metadata.name": namespace})):
            return False
    elif namespace != own_namespace:
        return False
    return selects(peer.get("podSelector", {}), labels)


def ports_admit(ports, port, protocol="TCP"):
    return not ports or any(p.get("port") in (None, port) and p.get("protocol", "TCP") == protocol for p in ports)


def netpol_allowed(policies, namespaces, source, destination, port, protocol="TCP"):
    """Whether `source` may open `port` (TCP unless said) on `destination` (both (namespace,
    labels)) under the policies: the destination's ingress side and the source's egress side must
    both let it."""
    def side(pod, kind, peer_pod, rules_key, peers_key):
        namespace, labels = pod
        selecting = [p for p in policies if p["metadata"]["namespace"] == namespace
                     and kind in p["spec"].get("policyTypes", ["Ingress"]) and selects(p["spec"]["podSelector"], labels)]
        if not selecting or namespace is None:
            return True  # not isolated in that direction
        return any((not rule.get(peers_key) or any(peer_admits(peer, peer_pod, namespaces, namespace) for peer in rule[peers_key]))
                   and ports_admit(rule.get("ports"), port, protocol)
                   for policy in selecting for rule in policy["spec"].get(rules_key) or [])
    if destination[0] is None:  # outside the cluster: only the source's egress matters
        return side(source, "Egress", destination, "egress", "to")
    return side(destination, "Ingress", source, "ingress", "from") and side(source, "Egress", destination, "egress", "to")


def netpol(k8s_dir):
    root = pathlib.Path(k8s_dir)
    docs = {path: documents(path) for path in sorted(root.rglob("*.yaml"))}
    base = [d for path, ds in docs.items() if path.parent == root for d in ds if d["kind"] == "NetworkPolicy"]
    full = [d for ds in docs.values() for d in ds if d["kind"] == "NetworkPolicy"]
    namespaces = {d["metadata"]["name"]: {**d["metadata"].get("labels", {}), "kubernetes.io/metadata.name": d["metadata"]["name"]}
                  for ds in docs.values() for d in ds if d["kind"] == "Namespace"}
    pods = {d["metadata"]["name"]: (d["metadata"]["namespace"], d["spec"]["template"]["metadata"]["labels"])
            for ds in docs.values() for d in ds if pod_spec(d)}
    in_base = {d["metadata"]["name"] for path, ds in docs.items() if path.parent == root for d in ds if pod_spec(d)}
    sources = {**pods, **OTHERS}
    # Every pod template is isolated for ingress by the plain `kubectl apply -f k8s/` alone.
    open_pods = [name for name, (namespace, labels) in pods.items()
                 if not any(p["metadata"]["namespace"] == namespace and "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
                            and selects(p["spec"]["podSelector"], labels) for p in base)]
    report(not open_pods, f"NetworkPolicy: every one of the {len(pods)} pod templates is denied ingress by default (k8s/*.yaml)",
           f"not selected: {open_pods}")
    # No policy is a silent no-op: its pod selector, and each same-namespace peer selector, matches a pod.
    noop = []
    for policy in full:
        spec, name = policy["spec"], policy["metadata"]["name"]
        if not any(ns == policy["metadata"]["namespace"] and selects(spec["podSelector"], labels) for ns, labels in pods.values()):
            noop.append(f"{name} selects no pod")
        noop += [f"{name}: peer {peer['podSelector']} matches no pod" for rule in spec.get("ingress") or []
                 for peer in rule.get("from") or [] if "podSelector" in peer and "namespaceSelector" not in peer
                 and not any(selects(peer["podSelector"], labels) for _, labels in pods.values())]
    report(not noop, f"NetworkPolicy: each of the {len(full)} policies selects pods, and each peer selector in the namespace matches a pod",
           "; ".join(noop))
    # Who reaches what: with the plain apply's policies (for its pods) and with the subfolders' added.
    for (target, port), expected in REACHABLE.items():
        # Everyone: every source but the stores, whose own egress is closed or limited.
        expected = set(sources) - NO_EGRESS - set(LIMITED_EGRESS) if expected == EVERYONE else expected
        problems = []
        for label, policies in [("k8s/", base), ("k8s/ with its subfolders", full)]:
            if target not in in_base and policies is base:
                continue
            present = set(sources) if policies is full else in_base | set(OTHERS)
            admitted = {s for s in present - {target} if netpol_allowed(policies, namespaces, sources[s], pods[target], port)}
            wanted = (expected & present) - {target}
            if admitted != wanted:
                problems.append(f"with {label}: admits {sorted(admitted)}, expected {sorted(wanted)}")
        refused = len(set(sources) - expected - {target})  # the stores included
        who = "everyone, clients outside the cluster too (not the stores: their egress is closed)" \
            if REACHABLE[target, port] == EVERYONE else f"only {', '.join(sorted(expected))}; refuses the {refused} other sources"
        report(not problems, f"NetworkPolicy: {target}:{port} admits {who}", "; ".join(problems))
    for name in sorted(NO_EGRESS):
        reached = [s for s, pod in sources.items() if s != name and netpol_allowed(full, namespaces, pods[name], pod, 443)]
        reached += ["outside"] if netpol_allowed(full, namespaces, pods[name], (None, {}), 443) else []
        report(not reached, f"NetworkPolicy: {name} opens no connection (egress denied)", f"reaches {reached}")
    for name, allowed in LIMITED_EGRESS.items():
        if name not in pods:
            continue
        wrong = [f"{target}:{port}" for (target, port) in REACHABLE if target in pods
                 and netpol_allowed(full, namespaces, pods[name], pods[target], port) != ((target, port) in allowed)]
        wrong += [f"outside:{port}" for port in (443, 6379) if netpol_allowed(full, namespaces, pods[name], (None, {}), port)]
        dns = netpol_allowed(full, namespaces, pods[name], (None, {}), 53, "UDP")
        report(not wrong and dns, f"NetworkPolicy: {name} opens connections only to {', '.join(f'{t}:{p}' for t, p in sorted(allowed))} and DNS",
               f"wrong: {wrong}, DNS {'allowed' if dns else 'refused'}")


# --- the compose Redis Cluster, as its nodes describe it ----------------------------------------------

def cluster(report_file):
    """Reads what scripts/check-deploy gathered from the nodes of compose.cluster.yaml (lines
    `== nodes` then CLUSTER NODES; `== endpoints N`; `== slot QUEUE SLOT`; `== keys NODE QUEUE N`;
    `== link NODE role:… master_link_status:…`) and judges it."""
    nodes, slots, keys, links, endpoints, section = [], {}, {}, {}, 0, None
    for line in pathlib.Path(report_file).read_text().splitlines():
        words = line.split()
        if line.startswith("== nodes"):
            section = "nodes"
        elif line.startswith("== endpoints"):
            endpoints, section = int(words[2]), None
        elif line.startswith("== slot"):
            slots[words[2]] = int(words[3])
        elif line.startswith("== keys"):
            keys[words[2], words[3]] = int(words[4])
        elif line.startswith("== link"):
            links[words[2]] = dict(w.split(":", 1) for w in words[3:] if ":" in w)
        elif section == "nodes" and len(words) >= 8:
            address, _, host = words[1].partition(",")
            ranges = []
            for r in words[8:]:
                if not r.startswith("["):
                    first, _, last = r.partition("-")
                    ranges.append((int(first), int(last or first)))
            nodes.append({"id": words[0], "host": host, "flags": words[2].split(","), "master": words[3],
                          "link": words[7], "ranges": ranges})
    masters = [n for n in nodes if "master" in n["flags"]]
    replicas = [n for n in nodes if "slave" in n["flags"]]
    by_id = {n["id"]: n for n in nodes}
    covered = sorted(r for m in masters for r in m["ranges"])
    every_slot = sum(last - first + 1 for first, last in covered) == 16384
    report(len(masters) == 3 and len(replicas) == 3 and every_slot and all(m["ranges"] for m in masters)
           and sorted(by_id[r["master"]]["host"] for r in replicas if r["master"] in by_id) == sorted(m["host"] for m in masters)
           and all(n["link"] == "connected" and not any("fail" in f for f in n["flags"]) for n in nodes),
           "redis cluster: 3 masters serving all 16384 slots, each with one replica, all 6 nodes connected, none failing",
           "; ".join(f"{n['host']} {','.join(n['flags'])} {n['link']} {n['ranges']}" for n in nodes))
    hosts = sorted(n["host"] for n in nodes)
    report(hosts == [f"redis-{i}" for i in range(1, 7)] and endpoints == 6,
           "redis cluster: nodes announce their service names (CLUSTER SLOTS names redis-1 … redis-6, not addresses)",
           f"hostnames {hosts}, {endpoints} endpoints in CLUSTER SLOTS are names")
    down = {n: l for n, l in links.items() if l.get("role") == "slave" and l.get("master_link_status") != "up"}
    report(len([l for l in links.values() if l.get("role") == "slave"]) == 3 and not down,
           "redis cluster: each replica's replication link is up (masteruser admin through the ACL)", f"{links}")
    def owner(slot):
        return next((m for m in masters if any(first <= slot <= last for first, last in m["ranges"])), None)
    wrong, spread = [], set()
    for queue, slot in sorted(slots.items()):
        master = owner(slot)
        if master is None:
            wrong.append(f"{queue}: no master serves slot {slot}")
            continue
        spread.add(master["host"])
        replica = next((r["host"] for r in replicas if r["master"] == master["id"]), None)
        if keys.get((master["host"], queue), 0) == 0:
            wrong.append(f"{queue} (slot {slot}): no keys on its master {master['host']}")
        for other in masters:
            if other is not master and keys.get((other["host"], queue), 0):
                wrong.append(f"{queue} (slot {slot}): {keys[other['host'], queue]} keys on {other['host']}, not its master")
        if replica and keys.get((replica, queue), 0) == 0:
            wrong.append(f"{queue}: no keys on {replica}, the replica of its master")
    report(slots and not wrong and len(spread) == 3,
           f"redis cluster: each of the {len(slots)} queues' keys are on the master owning its slot (and its replica), "
           f"none elsewhere; the queues span all {len(spread)} masters", "; ".join(wrong) or f"masters used: {sorted(spread)}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "drift":
        drift(sys.argv[2:])
    elif command == "grafana":
        grafana()
    elif command == "netpol":
        netpol(sys.argv[2] if len(sys.argv) > 2 else ROOT / "k8s")
    elif command == "cluster":
        cluster(sys.argv[2])
    elif command == "k8s-plan":
        k8s_plan(sys.argv[2] if len(sys.argv) > 2 else None)
        sys.exit(0)
    print(f"{command}: {failures} failed")
    sys.exit(1 if failures else 0)
