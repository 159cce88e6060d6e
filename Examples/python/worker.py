import json, os, threading, time, urllib.error, urllib.request

URL, TOKEN, QUEUE = os.environ["FORGE_URL"], os.environ["FORGE_TOKEN"], os.environ.get("FORGE_QUEUE", "default")

class Permanent(Exception): pass  # raise it for a failure no retry can fix: the job goes to the dead letters

def handle(job):  # your code: its return value is the job's result; an exception fails the attempt
    if job["attempt"] <= job["payload"].get("fail_times", 0): raise RuntimeError("flaky, try again")
    if job["payload"].get("invalid"): raise Permanent("invalid input")
    return {"sum": sum(job["payload"].get("numbers", []))}

def call(path, body):
    request = urllib.request.Request(URL + path, json.dumps(body).encode(), {"Authorization": "Bearer " + TOKEN})
    try:
        with urllib.request.urlopen(request, timeout=60) as response: return json.load(response)
    except urllib.error.HTTPError as error: return json.load(error)  # 409: the lease is no longer ours

def heartbeat(job, done):  # keeps the lease while handle runs; a 409 or a cancel ends it
    while not done.wait(10) and "deadline" in (beat := call(f"/v1/jobs/{job['id']}/heartbeat", {"token": job["token"]})):
        if beat["cancel_requested"]: return

while True:
    try:
        for job in call(f"/v1/queues/{QUEUE}/lease", {"count": 1, "wait_ms": 20000}).get("jobs", []):
            done = threading.Event(); threading.Thread(target=heartbeat, args=(job, done), daemon=True).start()
            try: result, failure = handle(job), None
            except Exception as error: result, failure = None, error
            finally: done.set()
            if failure is None: call(f"/v1/jobs/{job['id']}/ack", {"token": job["token"], "result": result})
            else: call(f"/v1/jobs/{job['id']}/fail", {"token": job["token"], "error": repr(failure), "retryable": not isinstance(failure, Permanent)})
    except OSError: time.sleep(1)  # the gateway is unreachable; an unfinished lease comes back after its visibility
