#!/usr/bin/env python3
"""Forge Web's server time on a big installation: how long each page takes with a million jobs of
history, ten thousand dead letters in one queue and a thousand queues.

Starts a private stack from built binaries (`$BIN`, default .build/release): redis-server and
Postgres of its own on free loopback ports in a temp dir, `forge migrate`, a gateway, a scheduler
(it archives history and leads) and a worker serving the dead-letter queue. Then seeds it:

- history: `--rows` (1 000 000) rows written straight into Postgres' `jobs` table with one
  `INSERT … SELECT generate_series` per 100 000 (every column the migrations up to 0007 define;
  all finished: 90 % completed, 7 % dead with an error, 3 % canceled; 50 queues, 4 types, created
  over the last ~6 days so retention keeps them), plus three `job_events` (enqueued, started,
  finished) for every tenth job;
- dead letters: `--dead` (10 000) `fail` jobs with max_attempts 1, enqueued 1 000 per
  `POST /v1/jobs/batch` into one queue (`big-dlq`) that the worker drains into the dead-letter
  queue, half failing with "boom: …", half with "timeout: …";
- queues: `--queues` (1 000) queues registered by pausing each through the API
  (FORGE_MAX_QUEUES is raised to allow them).

Then signs in (POST /ui/login, keeps the cookie) and requests every page `-n` (20) times after
one warm-up, one at a time: the overview (plain, busiest first, filtered by name), the big queue's
dead tab, its dead letters (plain, by error text, by an error text nothing matches, by type),
history (all, one queue and state), a job from history and a dead letter's job page, schedules.
Prints a Markdown table, one row per page: status, size, the server time from the
`Server-Timing: app;dur=<ms>` response header (the client's time where the header is missing,
marked "client"), median and p95, and the client's own time, median and p95; then the time to the
first `overview` event of `/ui/events` and its size. Exit 1 if any page is not a 200.
Takes about 20 s on 2 cores (most of it the history insert).

  BIN=.build/release python3 scripts/ui/bigdata.py [-n 20] [--rows N] [--dead N] [--queues N] [--out FILE] [--keep]
"""
import argparse
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import forgestack as fs  # noqa: E402

BIG = "big-dlq"
HISTORY_QUEUES = 50
CHUNK = 100_000


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def psql(stack, sql, quiet=True):
    result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(stack.pg_port), "-U", "forge", "-d", "forge",
                             "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"psql failed: {result.stderr.strip()}\n{sql[:500]}")
    return result.stdout.strip()


def seed_history(stack, rows):
    """`rows` finished jobs straight into the jobs table, and events for every tenth."""
    schema = psql(stack, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'jobs' "
                         "ORDER BY table_schema <> 'forge' LIMIT 1")
    if not schema:
        raise SystemExit("no jobs table after forge migrate")
    jobs, events = f'"{schema}".jobs', f'"{schema}".job_events'
    # g numbers the jobs; g = 1 is the newest. Ids are made from g so events can name their job.
    job_id = "md5('forge-bigdata-' || g)::uuid"
    created = "(now() - g * interval '500 milliseconds')"
    state = "(CASE WHEN g % 100 < 90 THEN 'completed' WHEN g % 100 < 97 THEN 'dead' ELSE 'canceled' END)"
    started = time.time()
    for first in range(1, rows + 1, CHUNK):
        last = min(first + CHUNK - 1, rows)
        psql(stack, f"""
            INSERT INTO {jobs} (id, queue, type, state, priority, payload, attempts, max_attempts, created_at,
                run_at, started_at, finished_at, errors, errors_omitted, last_error, result, unique_key, seq,
                updated_at, timeout_ms, backoff_base_ms, backoff_cap_ms)
            SELECT {job_id},
                'q-' || lpad((g % {HISTORY_QUEUES})::text, 4, '0'),
                (ARRAY['email.send', 'report.build', 'webhook.deliver', 'image.resize'])[g % 4 + 1],
                {state},
                (g % 10)::smallint,
                json_build_object('n', g, 'to', 'user' || g || '@example.com', 'template', 'welcome'),
                CASE WHEN {state} = 'canceled' THEN 0 ELSE 1 + (g % 3) END,
                CASE WHEN {state} = 'dead' THEN 1 + (g % 3) ELSE 25 END,
                {created}, {created},
                CASE WHEN {state} = 'canceled' THEN NULL ELSE {created} + interval '5 milliseconds' END,
                {created} + interval '25 milliseconds',
                CASE WHEN {state} = 'dead' THEN jsonb_build_array(jsonb_build_object(
                    'seq', 3, 'attempt', 1 + (g % 3), 'error', 'boom: upstream answered 503',
                    'at', (extract(epoch FROM {created} + interval '25 milliseconds') * 1000)::bigint))
                    ELSE '[]'::jsonb END,
                0,
                CASE WHEN {state} = 'dead' THEN 'boom: upstream answered 503' END,
                CASE WHEN {state} = 'completed' THEN json_build_object('sent', true) END,
                NULL,
                3,
                now(), 30000, NULL, NULL
            FROM generate_series({first}, {last}) AS g
            """)
        log(f"  history rows {last:,} of {rows:,} ({time.time() - started:.0f} s)")
    finish_kind = f"(CASE {state} WHEN 'dead' THEN 'died' WHEN 'canceled' THEN 'canceled' ELSE 'completed' END)"
    psql(stack, f"""
        INSERT INTO {events} (job_id, seq, queue, kind, state, at, attempt, error)
        SELECT {job_id}, e.seq, 'q-' || lpad((g % {HISTORY_QUEUES})::text, 4, '0'),
            coalesce(e.kind, {finish_kind}), coalesce(e.state, {state}),
            {created} + (e.seq - 1) * interval '10 milliseconds',
            CASE WHEN e.seq = 1 THEN NULL ELSE 1 END,
            CASE WHEN e.seq = 3 AND {state} = 'dead' THEN 'boom: upstream answered 503' END
        FROM generate_series(10, {rows}, 10) AS g,
            (VALUES (1, 'enqueued', 'pending'), (2, 'started', 'active'), (3, NULL, NULL)) AS e(seq, kind, state)
        """)
    psql(stack, f"ANALYZE {jobs}; ANALYZE {events}")
    count = psql(stack, f"SELECT count(*) FROM {jobs}")
    event_count = psql(stack, f"SELECT count(*) FROM {events}")
    log(f"history: {int(count):,} jobs rows, {int(event_count):,} job_events rows in {time.time() - started:.0f} s")
    # A dead job with events (g = 90: 90 % 100 is dead, 90 % 10 = 0 has events).
    return psql(stack, "SELECT md5('forge-bigdata-90')::uuid")


def seed_dead_letters(stack, count):
    started = time.time()
    jobs = [{"type": "fail", "queue": BIG, "max_attempts": 1,
             "payload": {"message": (f"boom: connection refused by shard {i % 7}" if i % 2 == 0
                                     else f"timeout: no answer from shard {i % 7} in 30 s"),
                         "retryable": False, "n": i}}
            for i in range(count)]
    ids = stack.enqueue_batch(jobs)
    end = time.time() + 300
    dead = 0
    while time.time() < end:
        dead = (stack.queue(BIG) or {}).get("counts", {}).get("dead", 0)
        if dead >= count:
            break
        time.sleep(0.5)
    if dead < count:
        raise SystemExit(f"only {dead} of {count} dead letters in {BIG} after 300 s")
    log(f"dead letters: {dead:,} in {BIG} in {time.time() - started:.0f} s")
    return ids


def seed_queues(stack, count):
    started = time.time()
    names = [f"q-{i:04d}" for i in range(count)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for name, (status, reply) in zip(names, pool.map(lambda n: stack.call("POST", f"/v1/queues/{n}/pause"), names)):
            if status != 200:
                raise SystemExit(f"pausing {name} answered {status}: {reply}")
    total = len(stack.must("GET", "/v1/queues")["queues"])
    log(f"queues: {count:,} paused, {total:,} in all, in {time.time() - started:.0f} s")
    return names


def grouped(number):
    return f"{number:,}".replace(",", "\u202f")


def first_event(stack, client, timeout=30):
    """(ms to the first `overview` event of /ui/events, its size in bytes)."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", stack.gateway_port, timeout=timeout)
    started = time.perf_counter()
    connection.request("GET", "/ui/events", headers={"Cookie": client.cookie_header(), "Accept": "text/event-stream"})
    reply = connection.getresponse()
    if reply.status != 200:
        raise SystemExit(f"GET /ui/events answered {reply.status}")
    event, size = None, 0
    while True:
        line = reply.fp.readline()
        if not line:
            raise SystemExit("/ui/events ended before an overview event")
        size += len(line)
        text = line.decode(errors="replace").rstrip("\r\n")
        if text.startswith("event:"):
            event = text[6:].strip()
        elif text == "" and event == "overview":
            elapsed = (time.perf_counter() - started) * 1000
            connection.close()
            return elapsed, size
        elif text == "":
            event, size = None, 0


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # nearest rank
    return ordered[int(rank) - 1]


def measure(client, pages, n):
    results = []
    for label, path, *pause in pages:
        client.request("GET", path)  # warm-up
        server, measured, statuses, sizes = [], [], set(), []
        header_seen = True
        for _ in range(n):
            if pause:
                time.sleep(pause[0])
            status, headers, body, seconds = client.request("GET", path, timeout=120)
            statuses.add(status)
            sizes.append(len(body.encode()))
            app = fs.server_timing_ms(headers)
            if app is None:
                header_seen = False
                app = seconds * 1000
            server.append(app)
            measured.append(seconds * 1000)
        results.append({
            "page": label, "path": path, "status": "/".join(str(s) for s in sorted(statuses)),
            "kib": statistics.median(sizes) / 1024, "source": "Server-Timing" if header_seen else "client",
            "server_median": statistics.median(server), "server_p95": percentile(server, 95),
            "client_median": statistics.median(measured), "client_p95": percentile(measured, 95),
        })
        r = results[-1]
        log(f"  {label}: {r['status']}, server {r['server_median']:.1f}/{r['server_p95']:.1f} ms, "
            f"client {r['client_median']:.1f}/{r['client_p95']:.1f} ms")
    return results


def table(results, n, seeded):
    lines = [f"Forge Web on {seeded}; {n} requests per page after one warm-up, one at a time, on loopback.",
             "",
             "| page | status | size (KiB) | server median (ms) | server p95 (ms) | client median (ms) | client p95 (ms) | server time from |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| `{r['path']}` | {r['status']} | {r['kib']:.1f} | {r['server_median']:.1f} | {r['server_p95']:.1f} "
                     f"| {r['client_median']:.1f} | {r['client_p95']:.1f} | {r['source']} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=fs.default_bin(), help="directory of the built binaries (env BIN)")
    parser.add_argument("-n", type=int, default=20, help="requests per page (default 20)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="history rows (default 1 000 000)")
    parser.add_argument("--dead", type=int, default=10_000, help="dead letters in one queue (default 10 000)")
    parser.add_argument("--queues", type=int, default=1_000, help="queues registered by pausing them (default 1 000)")
    parser.add_argument("--out", help="also write the Markdown table to this file")
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop (no page requests)")
    parser.add_argument("--keep", action="store_true", help="keep the stack's temp dir")
    args = parser.parse_args()

    started = time.time()
    work = tempfile.mkdtemp(prefix="forge-ui-bigdata.")
    stack = fs.UIStack(args.bin, work, extra_env={"FORGE_MAX_QUEUES": str(args.queues + 100)})
    try:
        stack.check_binaries()
    except SystemExit:
        shutil.rmtree(work, ignore_errors=True)
        raise
    ok = False
    try:
        stack.start_stores_and_gateway()
        stack.start_one_scheduler()
        stack.start_worker_on("bigdata-worker", [BIG], concurrency=64)
        log(f"stack up (gateway {stack.base}, work dir {work})")
        if not args.seed_only and fs.http_status(stack.base + "/ui/login") != 200:
            raise SystemExit("GET /ui/login is not 200: this gateway serves no Forge Web")
        dead_ids = seed_dead_letters(stack, args.dead)
        seed_queues(stack, args.queues)
        history_id = seed_history(stack, args.rows)
        # The seeded rows must read back through the API like archived ones.
        job = stack.must("GET", f"/v1/jobs/{history_id}")
        if job.get("state") != "dead" or not job.get("errors") or not job.get("last_error"):
            raise SystemExit(f"the seeded job {history_id} reads back wrong: {job}")
        found = stack.must("GET", "/v1/jobs?queue=q-0007&state=completed&limit=5")["jobs"]
        if len(found) != 5 or any(j["state"] != "completed" or j["queue"] != "q-0007" for j in found):
            raise SystemExit(f"a history search of the seeded rows reads back wrong: {found}")
        if args.seed_only:
            log(f"seeded; a history job: {stack.base}/ui/jobs/{history_id}")
            ok = True
            return
        client = fs.WebClient(stack.base)
        client.login(stack.token)
        pages = [
            # The floor: the same client and gateway, a route that does no work.
            ("/livez (reference)", "/livez"),
            ("overview", "/ui/"),
            # Past the overview's 1.5 s snapshot: every request reads the 1 000 queues from Redis.
            ("overview, uncached", "/ui/?sort=name", 1.6),
            ("overview, busiest first", "/ui/?sort=busiest"),
            ("overview, name filter", "/ui/?q=q-05"),
            ("queue, dead tab", f"/ui/queues/{BIG}?state=dead"),
            ("dead letters", f"/ui/dlq?queue={BIG}"),
            ("dead letters, error filter", f"/ui/dlq?queue={BIG}&error=boom"),
            ("dead letters, error filter matching none", f"/ui/dlq?queue={BIG}&error=no-such-text"),
            ("dead letters, type filter", f"/ui/dlq?queue={BIG}&type=fail"),
            ("history", "/ui/history"),
            ("history, queue + state", "/ui/history?queue=q-0007&state=completed"),
            ("job (history)", f"/ui/jobs/{history_id}"),
            ("job (dead letter)", f"/ui/jobs/{dead_ids[len(dead_ids) // 2]}"),
            ("schedules", "/ui/schedules"),
        ]
        log(f"measuring {len(pages)} pages, {args.n} requests each")
        results = measure(client, pages, args.n)
        seeded = (f"{grouped(args.rows)} history rows, {grouped(args.dead)} dead letters in `{BIG}`, "
                  f"{grouped(args.queues)} paused queues")
        events = [first_event(stack, client) for _ in range(5)]
        sse = (f"`/ui/events`: first `overview` event after {statistics.median([e[0] for e in events]):.0f} ms "
               f"(median of 5), {events[0][1] / 1024:.0f} KiB.")
        markdown = table(results, args.n, seeded) + "\n\n" + sse
        print()
        print(markdown)
        print()
        if args.out:
            with open(args.out, "w") as out:
                out.write(markdown + "\n")
        bad = [r["path"] for r in results if r["status"] != "200"]
        if bad:
            raise SystemExit(f"pages that did not answer 200: {bad}")
        ok = True
    finally:
        stack.down()
        if args.keep or not ok:
            print(f"stack files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        print(f"bigdata took {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
