#!/usr/bin/env python3
"""Plans and timings of the history search (GET /v1/jobs) on a realistic, large history.

Loads --rows jobs (default 1,000,000) into a scratch schema migrated by `forge migrate`, then runs
EXPLAIN (ANALYZE, BUFFERS) on the exact statement HistoryStore.search sends for every filter
combination the API offers (queue, state, type, created_after/created_before, cursor), first with
every index the migrations create, then without the ones --compare-without names (by default the
index migration 4 added), and prints both side by side. Only psql is needed (no Python packages).

    loadtest/history-search.py --postgres-url postgres://forge@127.0.0.1:27432/forge \\
        --forge .build/debug/forge [--rows 1000000] [--keep] [--reuse] [--json out.json]

The distribution mimics a busy installation's 14 days: completed jobs are the bulk (93 %), a few
queues and types carry most of the traffic, some are rare (0.2 % of jobs in queue `audit`, 0.05 %
of type `billing.reconcile`), and a type that does not exist stands for a typo: the worst case, a
search no row matches.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

SCHEMA = "forge_search_bench"
MIGRATION_4_INDEXES = ["jobs_type_created_idx"]

QUEUES = [("default", 40), ("emails", 20), ("webhooks", 15), ("reports", 8), ("billing", 5), ("images", 4),
          ("exports", 3), ("sync", 2), ("search", 1.5), ("cleanup", 1.3), ("audit", 0.2)]
TYPES = [("mail.send", 20), ("webhook.deliver", 15), ("report.render", 8), ("image.resize", 6)] + [
    (f"task.{n:02d}", 50 / 35) for n in range(35)] + [("billing.reconcile", 0.05)]
STATES = [("completed", 93), ("dead", 2), ("canceled", 1), ("pending", 2), ("scheduled", 1),
          ("retrying", 0.5), ("active", 0.5)]


def weighted_case(column_expr, choices):
    """A SQL CASE picking a value by cumulative weight from a uniform random number."""
    total = sum(w for _, w in choices)
    acc, arms = 0.0, []
    for value, weight in choices[:-1]:
        acc += weight / total
        arms.append(f"WHEN {column_expr} < {acc:.6f} THEN '{value}'")
    return f"CASE {' '.join(arms)} ELSE '{choices[-1][0]}' END"


class DB:
    def __init__(self, url, schema):
        self.url, self.schema = url, schema

    def run(self, sql, schema=True, before=(), after=()):
        """Runs `sql` (and the statements before and after it, in the same session); returns what
        `sql` printed."""
        commands = ([f"SET search_path TO {self.schema}"] if schema else []) + list(before) + [sql] + list(after)
        argv = ["psql", self.url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
        for command in commands:
            argv += ["-c", command]
        out = subprocess.run(argv, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"psql failed: {out.stderr.strip()}\n{sql[:300]}")
        return out.stdout.strip()


def load(db, rows):
    now = "now()"
    sql = f"""
    INSERT INTO jobs (id, queue, type, state, priority, payload, attempts, max_attempts, created_at, run_at,
                      started_at, finished_at, errors, last_error, result, unique_key, seq, updated_at)
    SELECT gen_random_uuid(), q, t, s, (r1 * 10)::int % 10,
           jsonb_build_object('to', 'user' || g || '@example.com', 'template', 'welcome', 'n', g),
           CASE WHEN s IN ('pending', 'scheduled') THEN 0 WHEN s = 'dead' THEN 25 ELSE 1 END, 25,
           c, c, CASE WHEN s IN ('pending', 'scheduled') THEN NULL ELSE c + interval '40 ms' END,
           CASE WHEN s IN ('completed', 'dead', 'canceled') THEN c + interval '90 ms' END,
           CASE WHEN s IN ('dead', 'retrying') THEN '[{{"seq":3,"attempt":1,"at":0,"error":"timeout"}}]'::jsonb
                ELSE '[]'::jsonb END,
           CASE WHEN s IN ('dead', 'retrying') THEN 'timeout' END,
           CASE WHEN s = 'completed' THEN '{{"ok":true}}'::jsonb END, NULL, 3, c
    FROM (
        SELECT g, r1, c, {weighted_case('rq', QUEUES)} AS q, {weighted_case('rt', TYPES)} AS t,
               {weighted_case('rs', STATES)} AS s
        FROM (
            -- One draw per row and column (a CASE would draw again in every WHEN).
            SELECT g, random() AS r1, random() AS rq, random() AS rt, random() AS rs,
                   {now} - (random() * interval '14 days') AS c
            FROM generate_series(1, {rows}) AS g
        ) draws
    ) x
    """
    db.run(sql)
    # Unfinished jobs are recent: a pending job from last week would have run long ago.
    db.run(f"UPDATE jobs SET created_at = {now} - random() * interval '10 minutes', run_at = NULL "
           f"WHERE state IN ('pending', 'active', 'retrying')")
    db.run(f"UPDATE jobs SET run_at = {now} + random() * interval '1 day' WHERE state = 'scheduled'")
    db.run("VACUUM ANALYZE jobs")


def ts(expr):
    return f"('epoch'::timestamptz + ({expr})::bigint * interval '1 millisecond')"


PAGE_BYTES = 4 << 20  # FORGE_MAX_PAGE_BYTES' default


def search_sql(filters, limit=50, budget=PAGE_BYTES):
    """The statement HistoryStore.search builds (HistoryStore.pageSQL; parameters inlined, as a
    custom plan sees them)."""
    conditions = []
    for key, value in filters.items():
        if key in ("queue", "state", "type"):
            conditions.append(f"{key} = '{value}'")
        elif key == "created_after":
            conditions.append(f"created_at >= {ts(value)}")
        elif key == "created_before":
            conditions.append(f"created_at < {ts(value)}")
        elif key == "cursor_ms":
            conditions.append(f"(created_at, id) < ({ts(value)}, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)")
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    order = "ORDER BY created_at DESC, id DESC ROWS UNBOUNDED PRECEDING"
    stored = ("coalesce(pg_column_size(payload), 0) + coalesce(pg_column_size(result), 0) "
              "+ coalesce(pg_column_size(errors), 0) + coalesce(pg_column_size(last_error), 0)")
    exact = ("coalesce(octet_length(payload::text), 0) + coalesce(octet_length(result::text), 0) "
             "+ coalesce(octet_length(errors::text), 0) + coalesce(octet_length(last_error), 0)")
    return (f"SELECT id::text AS id, queue, type, state, priority, payload::text AS payload, attempts, max_attempts, "
            f"errors::text AS errors, result::text AS result, created_us, has_next FROM ("
            f" SELECT candidates.*, row_number() OVER page AS n, sum({exact}) OVER page AS bytes_through FROM ("
            f"  SELECT jobs.*, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,"
            f"   {stored} AS stored_bytes, sum({stored}) OVER page AS stored_through,"
            f"   lead(true, 1, false) OVER page AS has_next"
            f"  FROM jobs {where} WINDOW page AS ({order}) ORDER BY created_at DESC, id DESC LIMIT {limit}"
            f" ) candidates WHERE stored_through - stored_bytes <= {budget} WINDOW page AS ({order})"
            f") measured WHERE n = 1 OR bytes_through <= {budget} ORDER BY created_at DESC, id DESC")


def cases():
    hour, day = 3_600_000, 86_400_000
    now = "extract(epoch FROM now()) * 1000"
    return [
        ("no filter", {}),
        ("queue (common)", {"queue": "default"}),
        ("queue (rare)", {"queue": "audit"}),
        ("state=completed", {"state": "completed"}),
        ("state=dead", {"state": "dead"}),
        ("state=pending", {"state": "pending"}),
        ("type (common)", {"type": "mail.send"}),
        ("type (rare)", {"type": "billing.reconcile"}),
        ("type (no match)", {"type": "no.such.type"}),
        ("queue+state=completed", {"queue": "emails", "state": "completed"}),
        ("queue+state=dead", {"queue": "default", "state": "dead"}),
        ("queue+type", {"queue": "emails", "type": "mail.send"}),
        ("queue+type (rare)", {"queue": "default", "type": "billing.reconcile"}),
        ("state=completed+type (rare)", {"state": "completed", "type": "billing.reconcile"}),
        ("state=dead+type", {"state": "dead", "type": "mail.send"}),
        ("queue+state+type", {"queue": "default", "state": "dead", "type": "mail.send"}),
        ("created 1 h window, 1 day ago", {"created_after": f"{now} - {day + hour}", "created_before": f"{now} - {day}"}),
        ("created_before 13 days ago", {"created_before": f"{now} - {13 * day}"}),
        ("queue+created window", {"queue": "reports", "created_after": f"{now} - {day + hour}",
                                  "created_before": f"{now} - {day}"}),
        ("type (rare)+created window", {"type": "billing.reconcile", "created_after": f"{now} - {3 * day}",
                                        "created_before": f"{now} - {day}"}),
        ("state=dead+created window", {"state": "dead", "created_after": f"{now} - {day + hour}",
                                       "created_before": f"{now} - {day}"}),
        ("queue, deep page (cursor 7 days)", {"queue": "default", "cursor_ms": f"{now} - {7 * day}"}),
        ("type, deep page (cursor 7 days)", {"type": "mail.send", "cursor_ms": f"{now} - {7 * day}"}),
    ]


def explain(db, sql, runs):
    times, plan = [], None
    for _ in range(runs):
        out = db.run(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        plan = json.loads(out)[0]
        times.append(plan["Execution Time"])
    return statistics.median(times), plan


def summary(plan):
    """The access path (index or seq scan names) and the buffers touched."""
    scans = []

    def walk(node):
        kind = node["Node Type"]
        if "Index Name" in node:
            scans.append(f"{kind.replace(' Scan', '')}:{node['Index Name']}")
        elif kind == "Seq Scan":
            scans.append("Seq Scan")
        for child in node.get("Plans", []):
            walk(child)

    root = plan["Plan"]
    walk(root)
    buffers = root.get("Shared Hit Blocks", 0) + root.get("Shared Read Blocks", 0)
    return ", ".join(scans) or root["Node Type"], buffers


def measure(db, runs):
    results = {}
    for name, filters in cases():
        ms, plan = explain(db, search_sql(filters), runs)
        path, buffers = summary(plan)
        results[name] = {"ms": round(ms, 2), "buffers": buffers, "path": path, "rows": plan["Plan"]["Actual Rows"]}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres-url", required=True, help="libpq URI of a scratch database")
    parser.add_argument("--forge", default=".build/debug/forge", help="the forge CLI, to migrate the scratch schema")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="EXPLAIN ANALYZE runs per query; the median is shown")
    parser.add_argument("--schema", default=SCHEMA)
    parser.add_argument("--compare-without", default=",".join(MIGRATION_4_INDEXES),
                        help="indexes to drop for the 'before' column (comma-separated; empty: no comparison)")
    parser.add_argument("--reuse", action="store_true", help="keep the rows of an earlier --keep run")
    parser.add_argument("--keep", action="store_true", help="leave the schema for another run")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    db = DB(args.postgres_url, args.schema)
    existing = db.run(f"SELECT count(*) FROM pg_namespace WHERE nspname = '{args.schema}'", schema=False) == "1"
    if not (args.reuse and existing):
        db.run(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE", schema=False)
        migrate = subprocess.run([args.forge, "migrate", "--postgres-url", args.postgres_url, "--namespace", args.schema],
                                 capture_output=True, text=True)
        if migrate.returncode != 0:
            sys.exit(f"forge migrate failed: {migrate.stdout}{migrate.stderr}")
        started = time.monotonic()
        load(db, args.rows)
        print(f"loaded {args.rows} jobs in {time.monotonic() - started:.0f} s", file=sys.stderr)
    sizes = db.run("SELECT string_agg(indexrelid::regclass || ' ' || pg_size_pretty(pg_relation_size(indexrelid)), ', ' "
                   "ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'jobs'::regclass")
    print(f"jobs: {db.run('SELECT count(*) FROM jobs')} rows; indexes: {sizes}")

    after = measure(db, args.runs)
    before = None
    dropped = [name for name in args.compare_without.split(",") if name]
    if dropped:
        # In a transaction that rolls back: the indexes stay for a --reuse run.
        drops = ["BEGIN"] + [f"DROP INDEX IF EXISTS {name}" for name in dropped]
        before = {}
        for name, filters in cases():
            times, plan = [], None
            for _ in range(args.runs):
                out = db.run(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {search_sql(filters)}", before=drops,
                             after=["ROLLBACK"])
                plan = json.loads(out)[0]
                times.append(plan["Execution Time"])
            path, buffers = summary(plan)
            before[name] = {"ms": round(statistics.median(times), 2), "buffers": buffers, "path": path,
                            "rows": plan["Plan"]["Actual Rows"]}

    print()
    header = f"{'filter':34} {'rows':>4}"
    if before:
        header += f" {'before ms':>10} {'buffers':>8}  {'after ms':>9} {'buffers':>8}  access path after"
    else:
        header += f" {'ms':>9} {'buffers':>8}  access path"
    print(header)
    for name, _ in cases():
        a = after[name]
        line = f"{name:34} {a['rows']:>4}"
        if before:
            b = before[name]
            line += f" {b['ms']:>10.2f} {b['buffers']:>8}  {a['ms']:>9.2f} {a['buffers']:>8}  {a['path']}"
        else:
            line += f" {a['ms']:>9.2f} {a['buffers']:>8}  {a['path']}"
        print(line)
    if before:
        print("\nbefore = without " + ", ".join(dropped) + "; access paths before:")
        for name, _ in cases():
            if before[name]["path"] != after[name]["path"]:
                print(f"  {name:34} {before[name]['path']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": args.rows, "before": before, "after": after}, f, indent=2)
    if not args.keep:
        db.run(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE", schema=False)


if __name__ == "__main__":
    main()
