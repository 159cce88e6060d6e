#!/usr/bin/env python3
"""CPU seconds and peak resident memory of each process of a local Forge stack while a command runs.

Runs COMMAND, samples /proc every 0.5 s, and prints per process: CPU seconds (user + system), the
share of one core over the command's wall time, and the largest resident set seen. Processes are
picked by where they live, so other stacks on the machine are left out: Forge binaries (and
forge-load) whose executable is under --exe-prefix, the redis-server listening on --redis-port,
and the Postgres server whose postmaster.pid is given (with all its backends, summed). It also
prints the whole machine's busy share (/proc/stat), which shows what else competed for the cores.

When the redis-server on --redis-port is a Redis Cluster node, every node CLUSTER NODES lists
(on this machine) is counted too, each as its own row `redis-server:PORT`, so a run against a
cluster shows each shard's CPU (a single Redis stays one row, `redis-server`). A server's AOF
rewrite and snapshot children count to its row.

    loadtest/proc-cpu.py --exe-prefix "$PWD/.build" --redis-port 18390 \
        --pg-pidfile .forge/pg/data/postmaster.pid [--json out.json] -- COMMAND ARGS...
"""
import argparse, json, os, re, subprocess, sys, time

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def stat_fields(pid):
    """(comm, the fields after it) of /proc/PID/stat, or None if the process is gone."""
    raw = read(f"/proc/{pid}/stat")
    if raw is None:
        return None
    text = raw.decode(errors="replace")
    return text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()


def stat_of(pid):
    """(comm, ppid, cpu seconds, rss bytes) of a pid, or None if it is gone."""
    stat = stat_fields(pid)
    if stat is None:
        return None
    comm, fields = stat
    utime, stime, rss = int(fields[11]), int(fields[12]), int(fields[21])
    return comm, int(fields[1]), (utime + stime) / TICK, rss * PAGE


def reaped_cpu(pid):
    """CPU seconds of the children a process has waited for (cutime + cstime): what a server's
    backends that ended left in their parent's account."""
    stat = stat_fields(pid)
    return (int(stat[1][13]) + int(stat[1][14])) / TICK if stat else 0.0


def label_of(pid, comm, args):
    """The group a process belongs to, or None when it is not part of the stack."""
    cmdline = (read(f"/proc/{pid}/cmdline") or b"").split(b"\0")
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    if exe.startswith(args.exe_prefix):
        env = dict(kv.split(b"=", 1) for kv in (read(f"/proc/{pid}/environ") or b"").split(b"\0") if b"=" in kv)
        port = env.get(b"FORGE_HTTP_PORT", b"").decode()
        name = os.path.basename(exe)
        return f"{name}:{port}" if port else f"{name}[{pid}]"
    # redis-server itself, and the children it forks to rewrite its AOF or save a snapshot
    # ("redis-aof-rewrite", "redis-rdb-bgsave"): work the load caused, counted to their server.
    if args.redis_ports and comm.startswith(("redis-server", "redis-aof", "redis-rdb")):
        # A daemon's title is "redis-server 127.0.0.1:PORT [cluster]"; a foreground one may have --port PORT.
        text = b" ".join(cmdline).decode(errors="replace")
        ports = {int(p) for p in re.findall(r"(?::|--port )(\d+)", text)}
        for port in sorted(ports & args.redis_ports):
            return f"redis-server:{port}" if args.cluster else "redis-server"
    if args.postmaster and (pid == args.postmaster or parent(pid) == args.postmaster):
        return "postgres (all backends)"
    return None


def cluster_ports(port):
    """Ports of the Redis Cluster nodes on loopback that the node on `port` knows (itself included),
    or None when it is not a cluster node (or redis-cli is missing)."""
    try:
        out = subprocess.run(["redis-cli", "-p", str(port), "cluster", "nodes"], capture_output=True, text=True, timeout=3).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    ports = set()
    for line in out.splitlines():
        fields = line.split()
        match = re.match(r"(127\.0\.0\.1|localhost|::1|\[::1\])?:(\d+)", fields[1]) if len(fields) > 1 else None
        if match:
            ports.add(int(match.group(2)))
    return ports or None


def parent(pid):
    s = stat_of(pid)
    return s[1] if s else None


def machine_busy():
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


def sample(args, seen):
    """Updates seen[pid] = [label, first cpu, last cpu, max rss]."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        s = stat_of(pid)
        if s is None:
            continue
        comm, _, cpu, rss = s
        if pid not in seen:
            label = label_of(pid, comm, args)
            if label is None:
                seen[pid] = None
                continue
            seen[pid] = [label, cpu, cpu, rss]
        elif seen[pid] is not None:
            seen[pid][2] = cpu
            seen[pid][3] = max(seen[pid][3], rss)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exe-prefix", required=True)
    parser.add_argument("--redis-port", type=int)
    parser.add_argument("--pg-pidfile")
    parser.add_argument("--json")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("give a command after --")
    args.redis_ports, args.cluster = set(), False
    if args.redis_port:
        nodes = cluster_ports(args.redis_port)
        args.redis_ports, args.cluster = (nodes | {args.redis_port}, True) if nodes else ({args.redis_port}, False)
    args.postmaster = None
    if args.pg_pidfile and os.path.exists(args.pg_pidfile):
        args.postmaster = int(open(args.pg_pidfile).readline())
    seen = {}
    sample(args, seen)
    total0, idle0 = machine_busy()
    start = time.monotonic()
    child = subprocess.Popen(args.command)
    while child.poll() is None:
        time.sleep(0.5)
        sample(args, seen)
    sample(args, seen)
    wall = time.monotonic() - start
    total1, idle1 = machine_busy()
    busy = 1 - (idle1 - idle0) / max(1, total1 - total0)
    groups = {}
    for entry in seen.values():
        if entry is None:
            continue
        label, first, last, rss = entry
        g = groups.setdefault(label, [0.0, 0])
        g[0] += last - first
        g[1] = max(g[1], rss) if not label.startswith("postgres") else g[1] + rss
    rows = sorted(groups.items(), key=lambda kv: -kv[1][0])
    print(f"\nCPU while the command ran ({wall:.1f} s wall, {os.cpu_count()} cores, machine busy {busy * 100:.0f} %):",
          file=sys.stderr)
    for label, (cpu, rss) in rows:
        print(f"  {label:32s} {cpu:8.2f} CPU s  {cpu / wall * 100:6.1f} % of a core  {rss / 1048576:7.1f} MB peak RSS",
              file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"wall_seconds": wall, "machine_busy": busy, "cores": os.cpu_count(),
                       "processes": {label: {"cpu_seconds": cpu, "core_share": cpu / wall, "peak_rss_mb": rss / 1048576}
                                     for label, (cpu, rss) in rows}}, f, indent=2, sort_keys=True)
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
