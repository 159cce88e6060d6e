"""Helpers of loadtest/remote-workers.sh (standard library only).

  enqueue URL TOKEN QUEUE N       N noop jobs (any worker runs them: the payload is for the Python ones) into QUEUE, 1000 per batch request
  drain URL TOKEN QUEUE N         waits until QUEUE has completed N jobs; prints the seconds it took
  batched URL TOKEN QUEUE COUNT   a batched remote worker: lease COUNT jobs, ack them in one request
"""
import json
import sys
import time
import urllib.request


def call(url, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data, {"Authorization": "Bearer " + token}, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def enqueue(url, token, queue, n):
    n = int(n)
    for start in range(0, n, 1000):
        jobs = [{"type": "noop", "queue": queue, "payload": {"numbers": [1, 2]}}] * min(1000, n - start)
        call(url, token, "POST", "/v1/jobs/batch", {"jobs": jobs})


def drain(url, token, queue, n):
    started = time.monotonic()
    while call(url, token, "GET", f"/v1/queues/{queue}")["counts"]["completed"] < int(n):
        time.sleep(0.02)
    print(f"{time.monotonic() - started:.3f}")


def batched(url, token, queue, count):
    while True:
        jobs = call(url, token, "POST", f"/v1/queues/{queue}/lease", {"count": int(count), "wait_ms": 20000})["jobs"]
        if jobs:
            acks = [{"id": job["id"], "token": job["token"], "result": {"sum": sum(job["payload"]["numbers"])}} for job in jobs]
            call(url, token, "POST", "/v1/jobs/ack", {"acks": acks})


if __name__ == "__main__":
    {"enqueue": enqueue, "drain": drain, "batched": batched}[sys.argv[1]](*sys.argv[2:])
