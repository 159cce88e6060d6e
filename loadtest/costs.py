#!/usr/bin/env python3
"""What a job costs Forge, process by process, next to what the engine alone costs.

Starts a private stack on loopback (redis-server with AOF everysec, Postgres, one gateway, one
scheduler, one worker serving every queue) from --bin-dir, then measures, from /proc and from the
same Redis server's INFO:

  1. everyday load: `forge-load --rps R` single jobs for D seconds, drained; CPU per accepted job
     of every process (Redis and all Postgres backends included), forge-load's own CPU per request,
     Redis script µs per call (INFO commandstats), enqueue and wait latency;
  2. memory: Redis bytes per finished job (right after the drain, and once finished jobs have
     left) and per pending job (a paused queue);
  3. the reference: `forge-bench --batch 100 --archive` against the same servers, with its own
     CPU and Redis' and Postgres' per job;
  4. closed loop (when wrk is on PATH): the gateway's CPU per POST /v1/jobs against per GET /livez
     under the same wrk load, and forge-load's own CPU per request against wrk's;
  5. idle: the stack's CPU with nothing to do and 1, 100, 1 000 queues (one job run in each).

Prints a table per part and writes everything as JSON (--json). Ratios matter more than the
absolute figures: machines of this kind differ by 2x.

    loadtest/costs.py [--bin-dir .build/release] [--rps 2000] [--duration 20] [--json out.json]
"""
import argparse, importlib.util, json, os, resource, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "chaos"))
import chaos  # noqa: E402  (the private stack and the RESP client of the fault-injection suite)

LOAD_QUEUE = "costs"
PENDING_QUEUE = "costs-pending"
# /proc readers of proc-cpu.py (a file name no import statement can spell).
_spec = importlib.util.spec_from_file_location("proc_cpu", os.path.join(os.path.dirname(os.path.abspath(__file__)), "proc-cpu.py"))
proc_cpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proc_cpu)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_of(pid):
    stat = proc_cpu.stat_of(pid)
    return stat[2] if stat else 0.0


def children_of(pid):
    return [int(e) for e in os.listdir("/proc") if e.isdigit() and proc_cpu.parent(int(e)) == pid]


class CostStack(chaos.Stack):
    """One gateway, one scheduler, one worker serving every queue: the stack of the issue's table."""

    def env(self, port):
        env = super().env(port)
        env["FORGE_MAX_QUEUES"] = "2000"  # the idle part makes 1 000 queues beside the load's
        return env

    def up(self):
        self.start_stores_and_gateway()
        self.start("scheduler", "forge-scheduler", ["--id", "scheduler"])
        self.start("worker", "forge-worker", ["--name", "worker", "--queues", "*"])
        for name in ("scheduler", "worker"):
            self.wait_http(f"http://127.0.0.1:{self.ports[name]}/readyz", 60)
        self.redis = chaos.Redis(self.redis_port)

    def pids(self):
        pids = {name: proc.pid for name, proc in self.procs.items()}
        pids["redis"] = int(info(self.redis, "server")["process_id"])
        with open(f"{self.work}/pg/data/postmaster.pid") as f:
            pids["postgres"] = int(f.readline())
        return pids

    def cpu(self):
        """CPU seconds so far of each part: Postgres counts the postmaster and every backend."""
        pids = self.pids()
        taken = {name: cpu_of(pid) for name, pid in pids.items() if name != "postgres"}
        postmaster = pids["postgres"]
        taken["postgres"] = (cpu_of(postmaster) + proc_cpu.reaped_cpu(postmaster)
                             + sum(cpu_of(p) for p in children_of(postmaster)))
        return taken


def info(redis, section):
    text = redis.command("INFO", section)
    text = text.decode() if isinstance(text, bytes) else text
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))


def command_stats(redis):
    stats = {}
    for key, value in info(redis, "commandstats").items():
        fields = dict(kv.split("=") for kv in value.split(","))
        stats[key.removeprefix("cmdstat_")] = {"calls": int(fields["calls"]), "usec": int(fields["usec"])}
    return stats


def used_memory(redis):
    return int(info(redis, "memory")["used_memory"])


def run_child(command, env=None):
    """Runs a command to its end; returns (its CPU seconds, its wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), time.monotonic() - start


def wait_until(predicate, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what}: not after {seconds} s")


def archived(stack):
    """Every queue's events are in Postgres (the streams are empty)."""
    queues = stack.redis.command("SMEMBERS", "forge:queues") or []
    lengths = stack.redis.pipeline([("XLEN", f"forge:{{{q}}}:events") for q in queues]) if queues else []
    return all(n == 0 for n in lengths)


def forge_load(stack, out, *extra):
    urls = ",".join(f"http://127.0.0.1:{stack.ports[n]}/metrics" for n in ("scheduler", "worker"))
    command = [f"{stack.bin}/forge-load", "--url", f"http://127.0.0.1:{stack.gateway_port}", "--token", stack.token,
               "--metrics-url", urls, "--json", out, *extra]
    cpu, wall = run_child(command)
    with open(out) as f:
        return json.load(f), cpu, wall


def everyday_load(stack, args, work):
    log(f"everyday load: --rps {args.rps} for {args.duration} s, single jobs")
    stack.redis.command("CONFIG", "RESETSTAT")
    baseline = used_memory(stack.redis)
    before = stack.cpu()
    report, load_cpu, wall = forge_load(stack, f"{work}/load.json", "--rps", str(args.rps), "--duration",
                                        f"{args.duration}s", "--warmup", "0s", "--queue", LOAD_QUEUE)
    after = stack.cpu()
    at_drain = used_memory(stack.redis)
    stats = command_stats(stack.redis)
    enqueue, system = report["enqueue"], report["system"]
    jobs = enqueue["accepted_jobs"]
    per_job = {name: (after[name] - before[name]) / jobs * 1e6 for name in after}
    per_job["forge-load (per request)"] = load_cpu / max(1, enqueue["requests"]) * 1e6
    scripts = {k: v for k, v in stats.items() if k in ("evalsha", "eval")}
    # Every command (the scripts' own calls included), busiest first; the table shows the first 8.
    top = sorted(stats.items(), key=lambda kv: -kv[1]["usec"])
    return {
        "jobs": jobs, "wall_seconds": wall, "errors": enqueue["error_count"],
        "cpu_us_per_job": per_job,
        "stack_cpu_us_per_job": sum(v for k, v in per_job.items() if not k.startswith("forge-load")),
        "enqueue_latency_ms": enqueue["latency_ms"], "wait_ms": system.get("wait_ms"),
        "redis_calls_per_job": {k: v["calls"] / jobs for k, v in top},
        "redis_usec_per_call": {k: v["usec"] / max(1, v["calls"]) for k, v in top},
        "script_calls_per_job": sum(v["calls"] for v in scripts.values()) / jobs,
        "script_usec_per_call": sum(v["usec"] for v in scripts.values()) / max(1, sum(v["calls"] for v in scripts.values())),
        "memory": {"baseline": baseline, "at_drain": at_drain},
        # forge-load's scrapes: each service's resident memory as the load starts, and its peak.
        "resident_mb": {name: {"start": system.get("resident_start_mb", {}).get(url), "max": system.get("resident_max_mb", {}).get(url)}
                        for name in ("worker", "scheduler")
                        for url in [f"http://127.0.0.1:{stack.ports[name]}/metrics"]},
    }


def memory(stack, args, result, work):
    log("memory: finished jobs leaving Redis, then pending jobs of a paused queue")
    jobs = result["jobs"]
    mem = result["memory"]
    wait_until(lambda: archived(stack), 60, "history caught up")
    time.sleep(args.settle)
    mem["settled"] = used_memory(stack.redis)
    mem["finished_bytes_per_job_at_drain"] = (mem["at_drain"] - mem["baseline"]) / jobs
    mem["finished_bytes_per_job_settled"] = (mem["settled"] - mem["baseline"]) / jobs
    stack.api("POST", "/v1/jobs", {"type": "noop", "queue": PENDING_QUEUE})  # the queue exists from here
    stack.api("POST", f"/v1/queues/{PENDING_QUEUE}/pause", {})
    wait_until(lambda: archived(stack), 60, "history caught up")
    before = used_memory(stack.redis)
    report, _, _ = forge_load(stack, f"{work}/pending.json", "--rps", "2000", "--duration", "5s",
                              "--warmup", "0s", "--queue", PENDING_QUEUE, "--drain-timeout", "0s")
    wait_until(lambda: archived(stack), 60, "history caught up")
    pending = report["enqueue"]["accepted_jobs"]
    mem["pending_jobs"] = pending
    mem["pending_bytes_per_job"] = (used_memory(stack.redis) - before) / max(1, pending)
    stack.api("POST", f"/v1/queues/{PENDING_QUEUE}/resume", {})
    wait_until(lambda: queue_counts(stack, PENDING_QUEUE).get("pending", 1) == 0, 120, "pending queue drained")


def queue_counts(stack, queue):
    try:
        status, reply = stack.api("GET", f"/v1/queues/{queue}")
    except OSError:  # urllib's HTTPError (a 404 before the queue exists) is one
        return {}
    return reply.get("counts", {}) if status == 200 else {}


def reference(stack, args):
    log(f"reference: forge-bench --jobs {args.bench_jobs} --batch 100 --archive")
    env = stack.env(0)
    before = stack.cpu()
    bench_cpu, wall = run_child([f"{stack.bin}/forge-bench", "--jobs", str(args.bench_jobs), "--batch", "100",
                                 "--archive"], env=env)
    after = stack.cpu()
    jobs = args.bench_jobs
    per_job = {"forge-bench": bench_cpu / jobs * 1e6, "redis": (after["redis"] - before["redis"]) / jobs * 1e6,
               "postgres": (after["postgres"] - before["postgres"]) / jobs * 1e6}
    return {"jobs": jobs, "wall_seconds": wall, "cpu_us_per_job": per_job, "total_us_per_job": sum(per_job.values())}


CLOSED_QUEUE = "costs-closed"


def closed_loop(stack, args, work):
    """Issue 16's two closed-loop ratios, each pair run twice, alternating: the gateway's CPU per
    POST /v1/jobs against per GET /livez under the same `wrk` load, and forge-load's own CPU per
    request (--max) against `wrk`'s for the same POSTs. None without wrk on PATH."""
    import shutil
    if not shutil.which("wrk"):
        log("closed loop: no wrk on PATH, skipped")
        return None
    url = f"http://127.0.0.1:{stack.gateway_port}"
    script = f"{work}/post.lua"
    with open(script, "w") as f:
        body = json.dumps({"type": "noop", "queue": CLOSED_QUEUE})
        f.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
                f'wrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {stack.token}"\n')
    seconds, connections = args.closed_seconds, 4

    def gateway_cpu():
        return stack.cpu()["gateway"]

    def run_wrk(*target):
        before = gateway_cpu()
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", *target],
                             check=True, capture_output=True, text=True).stdout
        requests = int(next(line.split()[0] for line in out.splitlines() if "requests in" in line))
        return requests, gateway_cpu() - before

    def wrk_client(*target):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests, gateway = run_wrk(*target)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return requests, gateway, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    rows = {"wrk GET /livez": [], "wrk POST /v1/jobs": [], "forge-load --max": []}
    for round_ in range(2):
        log(f"closed loop, round {round_ + 1}: wrk /livez, wrk POST, forge-load --max ({connections} connections, {seconds} s each)")
        rows["wrk GET /livez"].append(wrk_client(f"{url}/livez"))
        rows["wrk POST /v1/jobs"].append(wrk_client("-s", script, f"{url}/v1/jobs"))
        before = gateway_cpu()
        report, client, _ = forge_load(stack, f"{work}/closed.json", "--max", "--connections", str(connections),
                                       "--duration", f"{seconds}s", "--warmup", "0s", "--queue", CLOSED_QUEUE,
                                       "--drain-timeout", "0s")
        rows["forge-load --max"].append((report["enqueue"]["requests"], gateway_cpu() - before, client))
    summary = {}
    for name, runs in rows.items():
        requests = sum(r[0] for r in runs)
        summary[name] = {"requests_per_second": requests / (len(runs) * seconds),
                         "gateway_us_per_request": sum(r[1] for r in runs) / requests * 1e6,
                         "client_us_per_request": sum(r[2] for r in runs) / requests * 1e6}
    return summary


def idle(stack, args):
    results = {}
    made = 0
    for count in args.idle_queues:
        log(f"idle: {count} queues, one job run in each, then {args.idle_seconds} s of nothing")
        names = [f"idle-{i}" for i in range(made, count)]
        for start in range(0, len(names), 100):
            jobs = [{"type": "noop", "queue": name} for name in names[start:start + 100]]
            status, reply = stack.api("POST", "/v1/jobs/batch", {"jobs": jobs}, timeout=30)
            if status != 200:
                raise RuntimeError(f"batch enqueue: {status} {reply}")
        made = count
        wait_until(lambda: all(queue_counts(stack, n).get("completed", 0) >= 1 for n in names[-5:]) and archived(stack),
                   120, f"{count} queues' jobs run")
        time.sleep(3)
        before, start = stack.cpu(), time.monotonic()
        time.sleep(args.idle_seconds)
        after, wall = stack.cpu(), time.monotonic() - start
        results[count] = {name: (after[name] - before[name]) / wall * 100 for name in after}
    return results


def promotion_delays(stack, names, jobs=20, delay_ms=1500):
    """How late a delayed job starts on an idle stack: started_at - run_at, per job."""
    import datetime
    ids = []
    for queue in names[-jobs:]:
        run_at = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(milliseconds=delay_ms)
        status, reply = stack.api("POST", "/v1/jobs", {"type": "noop", "queue": queue,
                                                       "run_at": run_at.isoformat(timespec="milliseconds")})
        if status != 201:
            raise RuntimeError(f"delayed enqueue: {status} {reply}")
        ids.append(reply["id"])
    late = []
    for job in ids:
        wait_until(lambda: stack.api("GET", f"/v1/jobs/{job}")[1].get("started_at"), 30, "delayed job started")
        reply = stack.api("GET", f"/v1/jobs/{job}")[1]
        started, run_at = (datetime.datetime.fromisoformat(reply[k]) for k in ("started_at", "run_at"))
        late.append((started - run_at).total_seconds() * 1000)
    log(f"promotion delays (ms): {[round(x) for x in late]}")
    return {"mean": sum(late) / len(late), "max": max(late)}


def table(result):
    if "load" not in result:
        return idle_table(result)
    load, ref, mem = result["load"], result["reference"], result["load"]["memory"]
    lines = [f"## Everyday load: forge-load --rps {result['settings']['rps']} single jobs, "
             f"{load['jobs']} jobs in {load['wall_seconds']:.0f} s, {load['errors']} errors", "",
             "| process | CPU per job |", "|---|---|"]
    for name, us in sorted(load["cpu_us_per_job"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {us:.0f} µs |")
    lat, wait = load["enqueue_latency_ms"], load["wait_ms"] or {}
    stack_us, ref_us = load["stack_cpu_us_per_job"], ref["total_us_per_job"]
    redis_ratio = load["cpu_us_per_job"]["redis"] / max(0.001, ref["cpu_us_per_job"]["redis"])
    lines += ["", f"Stack (gateway + scheduler + worker + Redis + Postgres): {stack_us:.0f} µs per job = "
              f"{stack_us / ref_us:.1f}× forge-bench's {ref_us:.0f} µs; Redis {redis_ratio:.1f}× forge-bench's.",
              f"Redis scripts: {load['script_calls_per_job']:.2f} calls per job at {load['script_usec_per_call']:.1f} µs per call.",
              f"Enqueue latency p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms; wait p50 {wait.get('p50', float('nan')):.2f} ms, "
              f"p99 {wait.get('p99', float('nan')):.2f} ms.",
              "Resident memory, as the load starts → its peak: " + "; ".join(
                  f"{name} {mb['start'] or float('nan'):.1f} → {mb['max'] or float('nan'):.1f} MB" for name, mb in load.get("resident_mb", {}).items()) + ".",
              "",
              "| Redis command | calls per job | µs per call |", "|---|---|---|"]
    for name, calls in list(load["redis_calls_per_job"].items())[:8]:
        lines.append(f"| {name} | {calls:.2f} | {load['redis_usec_per_call'][name]:.1f} |")
    lines += ["", f"## Reference: forge-bench --batch 100 --archive, {ref['jobs']} jobs", "",
              "| process | CPU per job |", "|---|---|"]
    for name, us in ref["cpu_us_per_job"].items():
        lines.append(f"| {name} | {us:.1f} µs |")
    closed = result.get("closed_loop")
    if closed:
        livez, post, load_ = closed["wrk GET /livez"], closed["wrk POST /v1/jobs"], closed["forge-load --max"]
        lines += ["", f"## Closed loop: 4 connections, {result['settings']['closed_seconds']} s per client, twice, alternating", "",
                  "| client | requests/s | gateway CPU per request | client CPU per request |", "|---|---|---|---|"]
        for name, row in closed.items():
            lines.append(f"| {name} | {row['requests_per_second']:.0f} | {row['gateway_us_per_request']:.0f} µs | "
                         f"{row['client_us_per_request']:.1f} µs |")
        lines += ["", f"Gateway CPU per POST = {post['gateway_us_per_request'] / livez['gateway_us_per_request']:.1f}× per /livez; "
                  f"forge-load's CPU per request = {load_['client_us_per_request'] / post['client_us_per_request']:.1f}× wrk's."]
    lines += ["", "## Redis memory", "",
              f"- per finished job right after the drain: {mem['finished_bytes_per_job_at_drain']:.0f} B; "
              f"once history has them and {result['settings']['settle']} s passed: {mem['finished_bytes_per_job_settled']:.0f} B",
              f"- per pending job ({mem['pending_jobs']} in a paused queue, archived): {mem['pending_bytes_per_job']:.0f} B"]
    return "\n".join(lines + ["", idle_table(result)]) if result["idle"] else "\n".join(lines)


def idle_table(result):
    delay = result.get("promotion_delay_ms")
    names = sorted(next(iter(result["idle"].values())))
    lines = ["## Idle (% of one core)", "", "| queues | " + " | ".join(names) + " | total |", "|---" * (len(names) + 2) + "|"]
    for count, shares in result["idle"].items():
        names = sorted(shares)
        lines.append(f"| {count} | " + " | ".join(f"{shares[n]:.1f}" for n in names) + f" | {sum(shares.values()):.1f} |")
    if delay:
        lines += ["", f"A delayed job on the idle stack starts {delay['mean']:.0f} ms (max {delay['max']:.0f} ms) after its run_at."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", default=os.path.join(chaos.ROOT, ".build", "release"))
    parser.add_argument("--rps", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--bench-jobs", type=int, default=100_000)
    parser.add_argument("--settle", type=int, default=8, help="seconds after the drain before finished jobs are weighed again")
    parser.add_argument("--idle-queues", type=int, nargs="*", default=[1, 100, 1000])
    parser.add_argument("--idle-seconds", type=int, default=15)
    parser.add_argument("--closed-seconds", type=int, default=5, help="seconds per closed-loop client run (wrk, forge-load --max)")
    parser.add_argument("--idle-only", action="store_true", help="measure only the idle part")
    parser.add_argument("--json")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="forge-costs.")
    os.chmod(work, 0o755)
    stack = CostStack(args.bin_dir, work)
    try:
        stack.up()
        result = {"settings": vars(args), "cores": os.cpu_count()}
        if not args.idle_only:
            result["load"] = everyday_load(stack, args, work)
            memory(stack, args, result["load"], work)
            result["reference"] = reference(stack, args)
            result["closed_loop"] = closed_loop(stack, args, work)
        result["idle"] = idle(stack, args) if args.idle_queues else {}
        if args.idle_queues:
            result["promotion_delay_ms"] = promotion_delays(stack, [f"idle-{i}" for i in range(max(args.idle_queues))])
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2, sort_keys=True)
        print(table(result))
    finally:
        stack.down()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
