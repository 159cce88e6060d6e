"""A private Forge stack for the Forge Web checks (scripts/ui/suite.py, scripts/ui/bigdata.py).

Reuses the fault-injection suite's `Stack` (loadtest/chaos/chaos.py): a private redis-server and
Postgres on free loopback ports in a temp dir, `forge migrate`, then the gateway, schedulers and
workers from built binaries. Adds what the UI checks need: the gateway's `FORGE_UI` mode (and a
restart into another), workers on named queues, the JSON API with the Bearer token, and a
signed-in Forge Web session over plain HTTP (cookie + CSRF token) for requests without a browser.
"""
import http.client
import json
import os
import re
import secrets
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.dont_write_bytecode = True  # importing chaos.py must not leave __pycache__ in the work tree
sys.path.insert(0, os.path.join(ROOT, "loadtest", "chaos"))
import chaos  # noqa: E402

free_port = chaos.free_port


def default_bin():
    return os.path.abspath(os.environ.get("BIN") or os.path.join(ROOT, ".build", "release"))


class UIStack(chaos.Stack):
    """chaos.Stack with a chosen FORGE_UI mode, extra environment, and workers on given queues."""

    def __init__(self, bin_dir, work, ui_mode="on", extra_env=None):
        # Postgres runs as the postgres user when we are root: it must reach its directory.
        os.chmod(work, 0o755)
        super().__init__(bin_dir, work)
        # FORGE_API_TOKENS wants at least 16 bytes; this is 41.
        self.token = "forge-ui-" + secrets.token_hex(16)
        self.ui_mode = ui_mode
        self.extra_env = dict(extra_env or {})
        self.base = f"http://127.0.0.1:{self.gateway_port}"

    def env(self, port):
        env = super().env(port)
        env["FORGE_UI"] = self.ui_mode
        env["FORGE_LOG_LEVEL"] = "warning"
        env.update(self.extra_env)
        return env

    def check_binaries(self):
        missing = [name for name in ("forge", "forge-gateway", "forge-scheduler", "forge-worker")
                   if not os.access(os.path.join(self.bin, name), os.X_OK)]
        if missing:
            raise SystemExit(f"error: no {', '.join(missing)} in {self.bin} (build with `swift build -c release`, "
                             "or point BIN at the binaries)")

    def start_worker_on(self, name, queues, concurrency=8):
        self.start(name, "forge-worker", ["--name", name, "--queues", ",".join(queues),
                                          "--concurrency", str(concurrency), "--visibility-ms", "5000",
                                          "--grace", "1"])

    def start_one_scheduler(self, name="scheduler-1"):
        self.start(name, "forge-scheduler", ["--id", name, "--leader-ttl-ms", "1500"])

    def restart_gateway(self, ui_mode):
        """Stops the gateway and starts it again on the same port with FORGE_UI=ui_mode."""
        self.signal("gateway", signal.SIGTERM)
        self.ui_mode = ui_mode
        self.wait_port_free(self.gateway_port, 15)
        self.start_gateway()

    @staticmethod
    def wait_port_free(port, seconds):
        end = time.time() + seconds
        while time.time() < end:
            try:
                chaos.socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.1)

    def process_alive(self, name):
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def log_tail(self, name, lines=20):
        try:
            with open(f"{self.work}/logs/{name}.log", errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

    # --- the JSON API -----------------------------------------------------------------------------

    def call(self, method, path, body=None, timeout=20):
        """(status, JSON body or None): never raises on an HTTP error status."""
        request = urllib.request.Request(self.base + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("Authorization", f"Bearer {self.token}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                data = reply.read()
                status = reply.status
        except urllib.error.HTTPError as error:
            data = error.read()
            status = error.code
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, {"raw": data.decode(errors="replace")}

    def must(self, method, path, body=None, expect=(200, 201, 204)):
        status, reply = self.call(method, path, body)
        if status not in expect:
            raise AssertionError(f"API {method} {path} answered {status}: {reply}")
        return reply

    def enqueue(self, job):
        return self.must("POST", "/v1/jobs", job)["id"]

    def enqueue_batch(self, jobs):
        """Enqueues any number of jobs, 1 000 per request; returns their ids."""
        ids = []
        for start in range(0, len(jobs), 1000):
            reply = self.must("POST", "/v1/jobs/batch", {"jobs": jobs[start:start + 1000]})
            for item in reply.get("results", []):
                if "id" not in item:
                    raise AssertionError(f"batch item refused: {item}")
                ids.append(item["id"])
        return ids

    def job(self, job_id):
        status, reply = self.call("GET", f"/v1/jobs/{job_id}")
        return reply if status == 200 else None

    def wait_job_state(self, job_id, states, seconds=20):
        states = {states} if isinstance(states, str) else set(states)
        end = time.time() + seconds
        job = None
        while time.time() < end:
            job = self.job(job_id)
            if job and job.get("state") in states:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not reach {sorted(states)} within {seconds} s (last seen: {job})")

    def queue(self, name):
        status, reply = self.call("GET", f"/v1/queues/{urllib.parse.quote(name, safe='')}")
        return reply if status == 200 else None

    def dead_letters(self, queue, limit=1000):
        """Every dead letter of `queue`, following the cursor."""
        jobs, cursor = [], None
        for _ in range(10_000):
            path = f"/v1/dlq?queue={urllib.parse.quote(queue)}&limit={limit}"
            if cursor:
                path += f"&cursor={urllib.parse.quote(cursor)}"
            reply = self.must("GET", path)
            jobs.extend(reply.get("jobs", []))
            cursor = reply.get("next_cursor")
            if not cursor:
                return jobs
        return jobs


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class WebClient:
    """Forge Web over plain HTTP: signs in with the token (POST /ui/login), keeps the session
    cookie, reads the CSRF token off pages, and sends GET/POST with chosen headers."""

    def __init__(self, base):
        self.base = base
        self.host = urllib.parse.urlsplit(base).netloc
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method, path, form=None, headers=None, timeout=30):
        """(status, headers, body text, seconds): never raises on an HTTP status, never follows redirects."""
        data = None if form is None else urllib.parse.urlencode(form, doseq=True).encode()
        request = urllib.request.Request(self.base + path, method=method, data=data)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            request.add_header("Cookie", self.cookie_header())
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        started = time.perf_counter()
        try:
            reply = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            reply = error
        with reply:
            body = reply.read().decode(errors="replace")
            seconds = time.perf_counter() - started
            status = reply.status if hasattr(reply, "status") else reply.code
            for header in reply.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            return status, reply.headers, body, seconds

    def login(self, token):
        status, headers, body, _ = self.request("POST", "/ui/login", {"token": token},
                                                {"Origin": f"http://{self.host}"})
        if "forge_session" not in self.cookies:
            raise AssertionError(f"POST /ui/login answered {status} without a forge_session cookie: {body[:500]}")
        return status

    def csrf(self, path="/ui/"):
        status, _, body, _ = self.request("GET", path)
        match = re.search(r'name="csrf"\s+value="([^"]+)"', body) or re.search(r'value="([^"]+)"\s+name="csrf"', body)
        if not match:
            raise AssertionError(f"GET {path} ({status}) has no csrf field: {body[:500]}")
        return match.group(1)


def server_timing_ms(headers):
    """The `app` duration of a `Server-Timing` header (`app;dur=12.3`), or None."""
    value = headers.get("Server-Timing") if headers is not None else None
    if not value:
        return None
    for metric in value.split(","):
        parts = [p.strip() for p in metric.split(";")]
        if parts and parts[0] == "app":
            for param in parts[1:]:
                if param.startswith("dur="):
                    try:
                        return float(param[4:])
                    except ValueError:
                        return None
    return None


def http_status(url, timeout=5):
    try:
        connection = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=timeout)
        connection.request("GET", urllib.parse.urlsplit(url).path or "/")
        return connection.getresponse().status
    except OSError:
        return None
