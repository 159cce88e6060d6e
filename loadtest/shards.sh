#!/usr/bin/env bash
# Redis Cluster scaling (issue 18 item 5): for each shard count in SHARDS, brings up a private
# stack with `scripts/forge-up --shards N` (N masters, no replicas, AOF on; one gateway, two
# schedulers, two workers serving `*`) and sends it the same load over QUEUES queues, QUEUE-0 …
# (a queue lives in one hash slot, so only several queues spread over several masters):
#   rps        --rps RPS single jobs, as a web app enqueues; DURATION after WARMUP
#   max        closed loop, single jobs: --max --connections MAX_CONNECTIONS for MAX_DURATION
#   max-batch  closed loop, batches: --max --batch MAX_BATCH --connections BATCH_CONNECTIONS
# and, as references from the same minutes, `redis-benchmark -q -t set -n 200000` against one
# plain redis-server on BENCH_PORT (FORGE_UP_REDIS_PORT + 99) and, with N > 1, with --cluster
# against the stack's masters (what Redis alone does over them on this machine). Every load
# runs under proc-cpu.py: CPU of each process from /proc, each redis-server shard on its own row.
#   SHARDS (1,3; 0 = one plain redis-server)  QUEUES (16)  QUEUE (shards)  RPS (2000)
#   DURATION (30s)  WARMUP (5s)  MAX_DURATION (20s)  MAX_CONNECTIONS (32)  MAX_BATCH (100)
#   BATCH_CONNECTIONS (8)  SCENARIOS (rps,max,max-batch)  FORGE_RATE_LIMIT_RPS (0: no limit)
# Its stacks are its own: each step starts afresh in FORGE_UP_DIR/N (FORGE_UP_DIR defaults to
# /tmp/forge-shards, and is emptied step by step) on FORGE_UP_PORT_BASE, FORGE_UP_REDIS_PORT (the
# cluster's first node; its bus is port + 10000) and FORGE_UP_PG_PORT, and is stopped after.
# Reports: $OUT/shards-N-SCENARIO.{json,svg,cpu.json} per run, then $OUT/shards.json (every
# figure), $OUT/shards.md (the table) and $OUT/shards.svg (the chart). Build first:
# swift build -c release (forge-load, forge-gateway, forge-scheduler, forge-worker, forge).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARDS=${SHARDS:-1,3}
QUEUES=${QUEUES:-16}
QUEUE=${QUEUE:-shards}
SCENARIOS=${SCENARIOS:-rps,max,max-batch}
BASE=${FORGE_UP_DIR:-/tmp/forge-shards}
OUT=${LOADTEST_OUT:-$ROOT/loadtest/out}
export FORGE_UP_PORT_BASE=${FORGE_UP_PORT_BASE:-8080} FORGE_UP_REDIS_PORT=${FORGE_UP_REDIS_PORT:-6390}
export FORGE_UP_PG_PORT=${FORGE_UP_PG_PORT:-5440} LOADTEST_OUT=$OUT
# The gateway limits each token to 5 000 requests/s by default, about what one gateway answers
# here with single jobs: the closed-loop run would measure the limit. These stacks have none.
export FORGE_RATE_LIMIT_RPS=${FORGE_RATE_LIMIT_RPS:-0}
# The reference redis-server, clear of the cluster's ports and their bus ports.
BENCH_PORT=${BENCH_PORT:-$((FORGE_UP_REDIS_PORT + 99))}
mkdir -p "$OUT" "$BASE"

up_pid=
stop_stack() {
  [ -n "$up_pid" ] || return 0
  kill -TERM "$up_pid" 2>/dev/null || true
  wait "$up_pid" 2>/dev/null || true
  up_pid=
}
trap stop_stack EXIT
trap 'exit 130' INT TERM

# run_step N: one stack with N shards, every scenario against it, then the reference.
run_step() {
  local n=$1 dir=$BASE/$1 args=()
  [ "$n" -gt 0 ] && args=(--shards "$n")
  rm -rf "${dir:?}"
  mkdir -p "$dir"
  echo "== $n shard(s): scripts/forge-up --no-build ${args[*]} (log $dir/forge-up.log)" >&2
  FORGE_UP_DIR=$dir "$ROOT/scripts/forge-up" --no-build "${args[@]}" >"$dir/forge-up.log" 2>&1 &
  up_pid=$!
  for _ in $(seq 1 300); do
    grep -q '^Forge is up' "$dir/forge-up.log" 2>/dev/null && break
    kill -0 "$up_pid" 2>/dev/null || { cat "$dir/forge-up.log" >&2; return 1; }
    sleep 0.2
  done
  grep -q '^Forge is up' "$dir/forge-up.log" || { echo "forge-up did not come up; see $dir/forge-up.log" >&2; return 1; }
  uptime >"$OUT/shards-$n.uptime"
  (
    export FORGE_UP_DIR=$dir
    source "$ROOT/loadtest/lib.sh"
    spread=(--queue "$QUEUE" --queues "$QUEUES")
    # redis_stats FILE: each node's commands and socket reads so far, one line per node (jobs per
    # read tell how deep the clients' pipelines ran).
    redis_stats() {
      local i port
      for i in $(seq 0 $((n > 1 ? n - 1 : 0))); do
        port=$((FORGE_UP_REDIS_PORT + i))
        echo "$port $(redis-cli -p "$port" info stats | tr -d '\r' | grep -E '^total_(commands_processed|reads_processed):' | tr '\n' ' ')"
      done >"$1"
    }
    for scenario in ${SCENARIOS//,/ }; do
      echo "-- $n shard(s): $scenario" >&2
      redis_stats "$OUT/shards-$n-$scenario.redis-before"
      case "$scenario" in
        rps) forge_load "shards-$n-rps" --rps "${RPS:-2000}" --duration "${DURATION:-30s}" --warmup "${WARMUP:-5s}" \
          --connections 64 "${spread[@]}" ;;
        max) forge_load "shards-$n-max" --max --connections "${MAX_CONNECTIONS:-32}" --duration "${MAX_DURATION:-20s}" \
          --warmup 3s --drain-timeout 60s "${spread[@]}" ;;
        max-batch) forge_load "shards-$n-max-batch" --max --batch "${MAX_BATCH:-100}" --connections "${BATCH_CONNECTIONS:-8}" \
          --duration "${MAX_DURATION:-20s}" --warmup 3s --drain-timeout 180s "${spread[@]}" ;;
        *) echo "shards.sh: unknown scenario $scenario (rps, max, max-batch)" >&2; exit 64 ;;
      esac >"$OUT/shards-$n-$scenario.txt"
      redis_stats "$OUT/shards-$n-$scenario.redis-after"
      sleep 2
    done
    # The references: SET/s of one plain redis-server started for it (the same in every step),
    # and, on N > 1 masters, of the stack's cluster (redis-benchmark --cluster refuses one node).
    bench() { { redis-benchmark -q -t set -n 200000 "$@" 2>&1 | tr '\r' '\n' | grep -a 'requests per second' || true; } | tail -1; }
    echo "-- $n shard(s): redis-benchmark -q -t set -n 200000 against one redis-server" >&2
    source "$ROOT/scripts/lib/services.sh"
    forge_start_redis "$dir/bench-redis" "$BENCH_PORT"
    bench -p "$BENCH_PORT" >"$OUT/shards-$n.redis-benchmark"
    forge_stop_redis "$dir/bench-redis" "$BENCH_PORT"
    if [ "$n" -gt 1 ]; then
      echo "-- $n shard(s): redis-benchmark -q -t set -n 200000 --cluster" >&2
      bench -p "$FORGE_UP_REDIS_PORT" --cluster >"$OUT/shards-$n.redis-benchmark-cluster"
    fi
  )
  stop_stack
}

for n in ${SHARDS//,/ }; do run_step "$n"; done

python3 - "$OUT" "$SHARDS" "$SCENARIOS" <<'PY'
import json, os, re, sys

out, shards, scenarios = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], sys.argv[3].split(",")


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def queues_per_shard(names, masters):
    """How many of the queues hash (tag {queue}) to each master, with the slots split evenly in
    port order as forge_start_redis_cluster does."""
    counts = [0] * max(1, masters)
    for name in names:
        slot = crc16(name.encode()) % 16384
        counts[next(i for i in range(masters) if slot <= 16384 * (i + 1) // masters - 1) if masters else 0] += 1
    return counts


rows = []
for n in shards:
    def benchmark(path):
        text = open(path).read() if os.path.exists(path) else ""
        return float(m.group(1)) if (m := re.search(r"([\d.]+) requests per second", text)) else None
    bench = benchmark(f"{out}/shards-{n}.redis-benchmark")
    bench_cluster = benchmark(f"{out}/shards-{n}.redis-benchmark-cluster")
    load = open(f"{out}/shards-{n}.uptime").read().strip().split("load average:")[-1].strip()
    for scenario in scenarios:
        name = f"shards-{n}-{scenario}"
        if not os.path.exists(f"{out}/{name}.json"):
            continue
        report, cpu = json.load(open(f"{out}/{name}.json")), json.load(open(f"{out}/{name}.cpu.json"))
        e, s = report["enqueue"], report["settings"]
        # Every job the command made the stack handle (warm-up included), against every CPU second
        # the stack and the generator spent in it (the drain included).
        jobs = e["accepted_jobs"] + e["warmup_requests"] * s["batch"]
        procs = cpu["processes"]
        # The stack and the generator only (another checkout's test binary can live under .build too).
        stack = ("redis-server", "forge-gateway", "forge-worker", "forge-scheduler", "postgres", "forge-load")
        procs = {k: v for k, v in procs.items() if k.startswith(stack)}
        cpu_seconds = sum(p["cpu_seconds"] for p in procs.values())
        redis = {k.split(":", 1)[1] if ":" in k else "single": v["core_share"] for k, v in sorted(procs.items()) if k.startswith("redis-server")}
        group = lambda prefix: sum(v["core_share"] for k, v in procs.items() if k.startswith(prefix))
        stats = {}
        for when in ("before", "after"):
            path = f"{out}/{name}.redis-{when}"
            for line in open(path) if os.path.exists(path) else []:
                port, *pairs = line.split()
                figures = dict(pair.split(":") for pair in pairs)
                stats.setdefault(port, {})[when] = (int(figures["total_commands_processed"]), int(figures["total_reads_processed"]))
        calls = {p: v["after"][0] - v["before"][0] for p, v in stats.items() if len(v) == 2}
        reads = {p: v["after"][1] - v["before"][1] for p, v in stats.items() if len(v) == 2}
        names = [f"{s['queue']}-{i}" for i in range(s.get("queue_count") or 1)] if s.get("queue_count") else [s["queue"]]
        per_job = lambda seconds: seconds / jobs * 1e6 if jobs else None
        rows.append({
            "shards": n, "scenario": scenario, "queues_per_shard": queues_per_shard(names, n), "offered_jobs_per_second": s.get("offered_jobs_per_second"),
            "batch": s["batch"], "queues": s.get("queue_count") or 1,
            "jobs_per_second": e["achieved_jobs_per_second"],
            "completed_per_second": report["system"].get("completed_per_second"),
            "p50_ms": e["latency_ms"]["p50"], "p99_ms": e["latency_ms"]["p99"], "errors": e["error_count"],
            "wait_p99_ms": (report["system"].get("wait_ms") or {}).get("p99"),
            "redis_core_share": redis, "redis_cores": sum(redis.values()),
            "cores": {"gateway": group("forge-gateway"), "workers": group("forge-worker"), "schedulers": group("forge-scheduler"),
                      "postgres": group("postgres"), "forge-load": group("forge-load")},
            "total_cores": cpu_seconds / cpu["wall_seconds"], "machine_busy": cpu["machine_busy"],
            "jobs": jobs, "cpu_seconds": cpu_seconds, "jobs_per_core_second": jobs / cpu_seconds if cpu_seconds else None,
            "cpu_us_per_job": {"redis (all shards)": per_job(sum(v["cpu_seconds"] for k, v in procs.items() if k.startswith("redis-server"))),
                               **{g: per_job(sum(v["cpu_seconds"] for k, v in procs.items() if k.startswith(p)))
                                  for g, p in (("gateway", "forge-gateway"), ("workers", "forge-worker"), ("schedulers", "forge-scheduler"),
                                               ("postgres", "postgres"), ("forge-load", "forge-load"))},
                               "total": per_job(cpu_seconds)},
            # Commands include those the scripts run; reads are the socket reads Redis served: the
            # fewer jobs per read, the shallower the clients' pipelines ran.
            "redis_commands_per_job": sum(calls.values()) / jobs if calls and jobs else None,
            "redis_reads_per_job": sum(reads.values()) / jobs if reads and jobs else None,
            "redis_benchmark_set_per_second": bench, "redis_benchmark_cluster_set_per_second": bench_cluster, "load_average": load,
        })
# Scaling against the smallest shard count of the same scenario: throughput gained, and
# throughput per core used (what carries over to machines with a core per process).
for r in rows:
    base = next((b for b in rows if b["scenario"] == r["scenario"] and b["shards"] == min(shards)), None)
    if base and base["jobs_per_second"] and base["jobs_per_core_second"]:
        r["throughput_ratio"] = r["jobs_per_second"] / base["jobs_per_second"]
        r["per_core_ratio"] = r["jobs_per_core_second"] / base["jobs_per_core_second"]
json.dump({"rows": rows}, open(f"{out}/shards.json", "w"), indent=2)

fmt = lambda v, d=0: "-" if v is None else f"{v:,.{d}f}".replace(",", " ")
lines = ["| shards (queues each) | scenario | offered | jobs/s | × bench SET | p50 / p99 (ms) | errors | CPU per redis-server (% of a core) | Redis µs/job | Redis reads/job | total cores | jobs per core-s | vs first row |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    redis = " / ".join(f"{v * 100:.0f}" for v in r["redis_core_share"].values())
    bench = r["redis_benchmark_set_per_second"]
    lines.append(f"| {r['shards']} ({'/'.join(map(str, r['queues_per_shard']))}) | {r['scenario']} | {fmt(r['offered_jobs_per_second']) if r['offered_jobs_per_second'] else 'max'} "
                 f"| {fmt(r['jobs_per_second'])} | {fmt(r['jobs_per_second'] / bench, 3) if bench else '-'} "
                 f"| {fmt(r['p50_ms'], 2)} / {fmt(r['p99_ms'], 2)} | {r['errors']} | {redis} | {fmt(r['cpu_us_per_job']['redis (all shards)'])} "
                 f"| {fmt(r['redis_reads_per_job'], 2)} | {fmt(r['total_cores'], 2)} "
                 f"| {fmt(r['jobs_per_core_second'])} | {fmt(r.get('throughput_ratio'), 2)}× jobs/s, {fmt(r.get('per_core_ratio'), 2)}× per core |")
open(f"{out}/shards.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))

# The chart: jobs/s and jobs per core-second for each scenario and shard count, and the cores
# each process used (each redis-server shard its own block), with what the whole machine was busy.
shade = ["#d62728", "#f1807e", "#a31b1c", "#f7b6b5", "#7a1414"]
colors = {"gateway": "#1f77b4", "workers": "#2ca02c", "schedulers": "#9467bd", "postgres": "#8c564b", "forge-load": "#7f7f7f"}
W, H, top, bottom = 1240, 440, 56, 350
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="15">Forge on a Redis Cluster of {" vs ".join(map(str, shards))} '
       f'master(s) (0 = one plain redis-server): {rows[0]["queues"] if rows else 16} queues, one machine of 2 shared cores</text>']


def panel(x0, width, title, bars, ymax, unit, digits, busy=None):
    """bars: (label, [(name, value, color)]) stacked bottom-up."""
    svg.append(f'<text x="{x0 + width / 2}" y="{top - 14}" text-anchor="middle" font-size="13">{title}</text>')
    for i in range(5):
        y = bottom - (bottom - top) * i / 4
        svg.append(f'<line x1="{x0}" x2="{x0 + width}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        svg.append(f'<text x="{x0 - 5}" y="{y + 4}" text-anchor="end" font-size="10">{ymax * i / 4:,.{1 if ymax < 10 else 0}f}</text>')
    svg.append(f'<text x="{x0 - 48}" y="{(top + bottom) / 2}" transform="rotate(-90 {x0 - 48} {(top + bottom) / 2})" text-anchor="middle">{unit}</text>')
    slot = width / max(1, len(bars))
    for i, (label, parts, extra) in enumerate(bars):
        x, y = x0 + slot * i + slot * 0.15, bottom
        for name, v, color in parts:
            h = (bottom - top) * min(v, ymax) / ymax
            svg.append(f'<rect x="{x:.1f}" y="{y - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{color}"><title>{name}: {v:,.2f}</title></rect>')
            y -= h
        total = sum(v for _, v, _ in parts)
        svg.append(f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="10">{total:,.{digits}f}</text>')
        if extra is not None:
            yb = bottom - (bottom - top) * min(extra, ymax) / ymax
            svg.append(f'<line x1="{x - 2:.1f}" x2="{x + slot * 0.7 + 2:.1f}" y1="{yb:.1f}" y2="{yb:.1f}" stroke="black" stroke-dasharray="3,2"/>')
        for k, word in enumerate(label.split(" ")):
            svg.append(f'<text x="{x + slot * 0.35:.1f}" y="{bottom + 14 + 12 * k}" text-anchor="middle" font-size="10">{word}</text>')


shard_color = lambda n: ["#ff7f0e", "#17becf", "#e377c2", "#bcbd22", "#7f7f7f"][sorted(set(shards)).index(n) % 5]
ordered = sorted(rows, key=lambda r: (scenarios.index(r["scenario"]), r["shards"]))
label = lambda r: f"{r['scenario'].replace('max-batch', 'batch')} {str(r['shards']) + 'sh' if r['shards'] else 'plain'}"
panel(70, 330, "accepted jobs/s", [(label(r), [("jobs/s", r["jobs_per_second"], shard_color(r["shards"]))], None) for r in ordered],
      max([r["jobs_per_second"] for r in rows] + [1]) * 1.15, "jobs/s", 0)
panel(480, 330, "jobs per CPU core-second (stack + generator)",
      [(label(r), [("jobs/core-s", r["jobs_per_core_second"] or 0, shard_color(r["shards"]))], None) for r in ordered],
      max([r["jobs_per_core_second"] or 0 for r in rows] + [1]) * 1.15, "jobs per core-second", 0)
panel(890, 330, "cores used (dashes: whole machine busy)",
      [(label(r), [(f"redis-server {p}", v, shade[i % len(shade)]) for i, (p, v) in enumerate(r["redis_core_share"].items())]
        + [(k, v, colors[k]) for k, v in r["cores"].items()], r["machine_busy"] * 2) for r in ordered], 2.0, "cores (machine: 2)", 2)
legend = [("redis-server shards", shade[0])] + list(colors.items()) + [(f"{n} shard(s)" if n else "plain redis", shard_color(n)) for n in sorted(set(shards))]
for i, (name, color) in enumerate(legend):
    svg.append(f'<rect x="{70 + 118 * i}" y="{H - 24}" width="10" height="10" fill="{color}"/><text x="{84 + 118 * i}" y="{H - 15}" font-size="10">{name}</text>')
svg.append("</svg>")
open(f"{out}/shards.svg", "w").write("\n".join(svg) + "\n")
print(f"\nwrote {out}/shards.json, {out}/shards.md, {out}/shards.svg")
PY
