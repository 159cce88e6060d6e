#!/usr/bin/env python3
"""Idle pickup latency: enqueue → handler start, one job at a time on an otherwise idle stack.

Each job is enqueued over HTTP after the previous one completed (so every pickup starts from an
idle, blocked worker), then its `created_at` and `started_at` — both stamped from Redis `TIME`
by the enqueue and lease scripts — give the pickup latency. Prints p50/p90/p99/max in ms.

    loadtest/pickup-latency.py --url http://127.0.0.1:8080 --token $TOKEN --jobs 300
"""
import argparse, datetime, json, time, urllib.request

def call(url, token, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())

def ms(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--token", required=True)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--gap-ms", type=float, default=20, help="idle time between jobs")
    args = parser.parse_args()
    latencies = []
    for _ in range(args.jobs):
        job = call(f"{args.url}/v1/jobs", args.token, "POST", {"type": "noop", "queue": "pickup"})
        while True:
            state = call(f"{args.url}/v1/jobs/{job['id']}", args.token)
            if state["state"] == "completed":
                break
            time.sleep(0.002)
        latencies.append(ms(state["started_at"]) - ms(state["created_at"]))
        time.sleep(args.gap_ms / 1000)
    latencies.sort()
    def pct(p):
        return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]
    print(f"pickup latency over {len(latencies)} idle pickups (ms, Redis TIME resolution 1 ms): "
          f"p50={pct(50):.0f} p90={pct(90):.0f} p99={pct(99):.0f} max={latencies[-1]:.0f}")

if __name__ == "__main__":
    main()
