#!/usr/bin/env python3
"""Redis' CPU per call when calls arrive one at a time, as single jobs make them.

    python3 loadtest/redis-call-cost.py --port 6379 [--rate 6000] [--seconds 10] [--connections 4]

Sends EVALSHA of a script that does nothing (and, for comparison, PING) at an open-loop rate,
each call on its own round trip over a few connections, and reads Redis' own CPU counters
(`INFO cpu`) around the run. That is what a script call costs Redis before its script does
anything: the wake-up, the read, the reply and the scripting engine's fixed cost. A single job
makes three such calls (enqueue, lease, ack; `loadtest/costs.sh` counts them), so three times this
figure is the floor under Redis' CPU per job at `--rps 2000` whatever the scripts do, to be set
against `forge-bench --batch 100 --archive`'s Redis CPU per job, where 100 jobs share each call.
Loopback only; the script is loaded once and left in the cache (SCRIPT FLUSH is not sent).
"""

import argparse
import socket
import time


def command(*parts):
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def call(self, request):
        self.sock.sendall(request)
        return self.reply()

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            while len(self.buffer) < size + 2:
                self.buffer += self.sock.recv(65536)
            data, self.buffer = self.buffer[:size], self.buffer[size + 2:]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        return rest


def redis_cpu(connection):
    info = connection.call(command("INFO", "cpu")).decode()
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    return float(fields["used_cpu_sys"]) + float(fields["used_cpu_user"])


def run(port, request, rate, seconds, connections):
    links = [Connection(port) for _ in range(connections)]
    probe = Connection(port)
    interval = 1.0 / rate
    before = redis_cpu(probe)
    start = time.perf_counter()
    sent = 0
    while True:
        due = start + sent * interval
        now = time.perf_counter()
        if now - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        links[sent % connections].call(request)
        sent += 1
    elapsed = time.perf_counter() - start
    used = redis_cpu(probe) - before
    for link in links + [probe]:
        link.sock.close()
    return sent, elapsed, used


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--rate", type=float, default=6000, help="calls per second (3 per job at 2 000 jobs/s)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    setup = Connection(args.port)
    sha = setup.call(command("SCRIPT", "LOAD", "return 0"))
    setup.sock.close()
    for name, request in (("PING", command("PING")), ("EVALSHA of an empty script", command("EVALSHA", sha, 0))):
        sent, elapsed, used = run(args.port, request, args.rate, args.seconds, args.connections)
        print(f"{name}: {sent} calls at {sent / elapsed:.0f}/s, Redis CPU {used * 1e6 / sent:.1f} µs per call"
              f" ({used / elapsed * 100:.1f} % of a core)")


if __name__ == "__main__":
    main()
