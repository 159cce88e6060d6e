#!/usr/bin/env python3
"""Turns one session's loadtest outputs into the Markdown tables of RESULTS.md.

Reads DIR/ceilings.txt (forge-bench, redis-benchmark, wrk) and the forge-load reports
DIR/<scenario>.json with their DIR/<scenario>.cpu.json, and prints every figure with its ratio
to the reference figures of the same session.

    loadtest/summarize.py loadtest/out
"""
import json, os, re, sys

d = sys.argv[1] if len(sys.argv) > 1 else "loadtest/out"


def load(name):
    path = os.path.join(d, name)
    return json.load(open(path)) if os.path.exists(path) else None


def ceilings():
    text = open(os.path.join(d, "ceilings.txt")).read() if os.path.exists(os.path.join(d, "ceilings.txt")) else ""
    def num(pattern):
        m = re.search(pattern, text, re.MULTILINE)
        return float(m.group(1)) if m else None
    return {
        "header": text.splitlines()[0] if text else "",
        "bench_archive": num(r"with history archived .*?: (\d+) jobs/s"),
        "bench_plain": num(r"enqueue→lease→ack: (\d+) jobs/s"),
        "bench_enqueue": num(r"^enqueue: (\d+) jobs/s"),
        "bench_lease_ack": num(r"^lease→ack: (\d+) jobs/s"),
        "redis_set": num(r"SET: ([\d.]+) requests per second"),
        "livez": num(r"/livez\n(?:.*\n)*?Requests/sec:\s+([\d.]+)"),
        "wrk_post": num(r"POST /v1/jobs\n(?:.*\n)*?Requests/sec:\s+([\d.]+)"),
    }


def f(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}".replace(",", " ")


def ratio(a, b):
    return f"{a / b:.3f}" if a is not None and b else "–"


def cpu_line(name):
    cpu = load(f"{name}.cpu.json")
    if not cpu:
        return ""
    parts = [f"{label.split('[')[0]} {p['core_share'] * 100:.0f} %" for label, p in
             sorted(cpu["processes"].items(), key=lambda kv: -kv[1]["cpu_seconds"]) if p["cpu_seconds"] > 0.05]
    return f"machine busy {cpu['machine_busy'] * 100:.0f} %; " + ", ".join(parts)


c = ceilings()
print(f"Reference figures ({c['header'].lstrip('# ')}):\n")
print("| reference | value |\n|---|---|")
print(f"| forge-bench --batch 100 --archive | {f(c['bench_archive'])} jobs/s (Redis only {f(c['bench_plain'])}) |")
print(f"| forge-bench --phases: enqueue / lease→ack | {f(c['bench_enqueue'])} / {f(c['bench_lease_ack'])} jobs/s |")
print(f"| redis-benchmark -t set -P 1 | {f(c['redis_set'])} SET/s |")
print(f"| wrk -t2 -c32 /livez | {f(c['livez'])} requests/s |")
print(f"| wrk -t2 -c32 POST /v1/jobs (cross-check of forge-load --max) | {f(c['wrk_post'])} requests/s |\n")

print("| scenario | enqueue accepted/s | errors | late | enqueue p50 / p99 / max ms | completed/s | wait p50 / p99 ms | lag max s | CPU per process (share of one core) |")
print("|---|---|---|---|---|---|---|---|---|")
for name in ["steady", "max-batch", "max-single", "burst-base", "burst-peak", "delayed-storm", "failing-storm"]:
    r = load(f"{name}.json")
    if not r:
        continue
    e, s = r["enqueue"], r["system"]
    lat, wait = e["latency_ms"], s.get("wait_ms") or {}
    print(f"| {name} | {f(e['achieved_jobs_per_second'])} | {e['error_count']} | {e['late_requests']} | "
          f"{f(lat['p50'], 1)} / {f(lat['p99'], 1)} / {f(lat['max'], 1)} | {f(s.get('completed_per_second'))} | "
          f"{f(wait.get('p50'), 1)} / {f(wait.get('p99'), 1)} | {f(s.get('history_lag_max_seconds'), 2)} | {cpu_line(name)} |")

steady, batch, single = load("steady.json"), load("max-batch.json"), load("max-single.json")
print("\nIssue 11 item 5:\n")
print("| figure | target | measured | ratio |\n|---|---|---|---|")
if steady:
    e, s = steady["enqueue"], steady["system"]
    print(f"| 2 000 rps: achieved | ≥ 1 990 /s | {f(e['achieved_jobs_per_second'])} /s, {e['error_count']} errors | – |")
    print(f"| 2 000 rps: enqueue p99 | ≤ 5 ms | {f(e['latency_ms']['p99'], 1)} ms | – |")
    print(f"| 2 000 rps: wait p99 | ≤ 20 ms | {f((s.get('wait_ms') or {}).get('p99'), 1)} ms | – |")
    print(f"| 2 000 rps: history lag max | < 2 s | {f(s.get('history_lag_max_seconds'), 2)} s | – |")
    for url, mb in sorted(s.get("resident_max_mb", {}).items()):
        if url.endswith(("2/metrics",)):
            start = s.get("resident_start_mb", {}).get(url)
            print(f"| worker RSS {url.split(':')[-1].split('/')[0]} idle → under 2 000 rps | ≤ 30 → ≤ 40 MB | {f(start, 1)} → {f(mb, 1)} MB | – |")
if batch:
    b = batch["enqueue"]["achieved_jobs_per_second"]
    print(f"| --max --batch 500 accepted | ≥ 0.6 × phases enqueue | {f(b)} jobs/s | {ratio(b, c['bench_enqueue'])} |")
    sy = batch["system"]
    drained, window, secs = sy.get("completed_through_drain"), sy.get("completed_jobs"), sy.get("drain_seconds")
    drain_rate = (drained - window) / secs if drained is not None and window is not None and secs else None
    print(f"| 2 workers, batched, archived: completed | ≥ 0.8 × bench --archive | {f(drain_rate)} jobs/s while draining the backlog, {f(sy.get('completed_per_second'))} while enqueueing | {ratio(drain_rate, c['bench_archive'])} |")
if single:
    x = single["enqueue"]["achieved_jobs_per_second"]
    print(f"| --max single accepted | ≥ 0.5 × /livez | {f(x)} requests/s | {ratio(x, c['livez'])} |")
scale = load("scale.json")
if scale:
    print("\nScaling:\n\n| workers | offered/s | completed/s | efficiency | wait p99 ms | worker CPU µs/job |\n|---|---|---|---|---|---|")
    for st in scale["steps"]:
        print(f"| {st['workers']} | {f(st.get('offered_jobs_per_second'))} | {f(st.get('completed_jobs_per_second'))} | "
              f"{f(st.get('efficiency'), 2)} | {f(st.get('wait_p99_ms'), 1)} | {f(st.get('worker_cpu_micros_per_job'))} |")
    print("\n" + cpu_line("scale"))
