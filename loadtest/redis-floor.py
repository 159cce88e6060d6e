#!/usr/bin/env python3
"""Redis CPU per job of the least work DESIGN.md's Redis layout allows, to compare Forge's scripts with.

Three stripped-down Lua scripts do only what the layout cannot do without, per job: enqueue
(job HASH with spec/state/created_at, one push to the ready LIST, one stream entry per call whose
text the client built), lease (pop, read the spec, HASH state/token/started_at, ZADD `leased`, one
stream entry listing the ids) and ack (token check, HASH state/finished_at/token, PEXPIRE, ZREM,
one stream entry). No priorities, unique keys, per-job sequence numbers, attempts or per-job
event records. Reports the Redis server's own CPU time (INFO cpu) per job and phase, so the
client's speed does not matter. Uses a private key prefix; run it against a scratch Redis.

    loadtest/redis-floor.py --port 6379 --jobs 200000 [--batch 100] [--round-trips [--calls-per-second 6000]]
    loadtest/redis-floor.py --port 6379 --jobs 60000 --call-cost --calls-per-second 6000
"""
import argparse, socket, time, uuid

ENQUEUE = """
local p, n = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] .. string.sub(t[2] .. '000', 1, 3)
local ids = {}
for i = 1, n do
  local id = ARGV[1 + i * 2]
  redis.call('HSET', p .. 'job:' .. id, 'spec', ARGV[2 + i * 2], 'state', 'pending', 'created_at', now)
  ids[i] = id
end
redis.call('RPUSH', p .. 'ready', unpack(ids))
redis.call('XADD', p .. 'events', '*', 'k', 'enqueued', 'at', now, 'b', ARGV[3 + n * 2])
return n
"""
LEASE = """
local p = ARGV[1]
local ids = redis.call('LPOP', p .. 'ready', tonumber(ARGV[2]))
if not ids then return {} end
local token = redis.call('INCR', p .. 'lease:seq')
local t = redis.call('TIME')
local now = t[1] .. string.sub(t[2] .. '000', 1, 3)
local out, zadd = {token}, {'ZADD', p .. 'leased'}
for i = 1, #ids do
  local jk = p .. 'job:' .. ids[i]
  local spec = redis.call('HGET', jk, 'spec')
  redis.call('HSET', jk, 'state', 'active', 'token', token, 'started_at', now)
  zadd[#zadd + 1] = now
  zadd[#zadd + 1] = ids[i]
  out[#out + 1] = ids[i]
  out[#out + 1] = spec
end
redis.call(unpack(zadd))
redis.call('XADD', p .. 'events', '*', 'k', 'started', 'at', now, 'token', token, 'ids', table.concat(ids, ','))
return out
"""
ACK = """
local p, token = ARGV[1], ARGV[2]
local t = redis.call('TIME')
local now = t[1] .. string.sub(t[2] .. '000', 1, 3)
local done, zrem = {}, {'ZREM', p .. 'leased'}
for i = 3, #ARGV do
  local jk = p .. 'job:' .. ARGV[i]
  if redis.call('HGET', jk, 'token') == token then
    redis.call('HSET', jk, 'state', 'completed', 'finished_at', now, 'token', '')
    redis.call('PEXPIRE', jk, 60000)
    zrem[#zrem + 1] = ARGV[i]
    done[#done + 1] = ARGV[i]
  end
end
if #zrem > 2 then redis.call(unpack(zrem)) end
redis.call('XADD', p .. 'events', '*', 'k', 'completed', 'at', now, 'ids', table.concat(done, ','))
return #done
"""


class Redis:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.file = self.sock.makefile("rb")

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind in (b"+", b":"):
            return rest
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self.file.read(size + 2)[:-2]
        return [self.read() for _ in range(max(int(rest), 0))]

    def call(self, *args):
        self.send(*args)
        return self.read()

    def cpu_seconds(self):
        info = dict(line.split(":", 1) for line in self.call("INFO", "cpu").decode().splitlines() if ":" in line)
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--jobs", type=int, default=200000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--round-trips", action="store_true",
                        help="every call waits for its reply before the next is sent, as single jobs arriving one by one do"
                             " (by default enqueues and acks are pipelined)")
    parser.add_argument("--calls-per-second", type=float, default=0,
                        help="with --round-trips, pace the calls (open loop): 6000 is 2 000 single jobs/s, three calls each;"
                             " a Redis that sleeps between calls pays more per call than a busy one")
    parser.add_argument("--call-cost", action="store_true",
                        help="instead: what one call costs Redis before its script does anything (PING, EVALSHA of an empty"
                             " script), --jobs calls each, one round trip per call, paced by --calls-per-second")
    args = parser.parse_args()
    if args.call_cost:
        args.round_trips = True
    interval = 1 / args.calls_per_second if args.round_trips and args.calls_per_second > 0 else 0
    paced = {"next": time.perf_counter()}

    def pace():
        if interval:
            paced["next"] += interval
            delay = paced["next"] - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    redis = Redis(args.host, args.port)
    if args.call_cost:
        empty = redis.call("SCRIPT", "LOAD", "return 0").decode()
        for name, command in (("PING", ("PING",)), ("EVALSHA of an empty script", ("EVALSHA", empty, 0))):
            start = redis.cpu_seconds()
            for _ in range(args.jobs):
                pace()
                redis.call(*command)
            print("%s: redis CPU %.1f µs per call" % (name, (redis.cpu_seconds() - start) / args.jobs * 1e6))
        return
    sha = {name: redis.call("SCRIPT", "LOAD", body).decode() for name, body in
           (("enqueue", ENQUEUE), ("lease", LEASE), ("ack", ACK))}
    prefix = "floor-%s:{bench}:" % uuid.uuid4().hex[:6]
    spec = "noop\x1f30000\x1f1000\x1f3600000\x1f\x1fnull"
    ids = [str(uuid.uuid4()) for _ in range(args.jobs)]
    batches = [ids[i:i + args.batch] for i in range(0, args.jobs, args.batch)]

    start = redis.cpu_seconds()
    for chunk in batches:
        argv = [prefix, len(chunk)]
        for id in chunk:
            argv += [id, spec]
        argv.append("\x1e".join(id + "\x1f" + spec for id in chunk))
        pace()
        redis.send("EVALSHA", sha["enqueue"], 0, *argv)
        if args.round_trips:
            redis.read()
    for _ in ([] if args.round_trips else batches):
        redis.read()
    enqueued = redis.cpu_seconds()
    leases = []
    for _ in batches:
        pace()
        reply = redis.call("EVALSHA", sha["lease"], 0, prefix, args.batch)
        leases.append((reply[0], reply[1::2]))
    leased = redis.cpu_seconds()
    for token, leased_ids in leases:
        pace()
        redis.send("EVALSHA", sha["ack"], 0, prefix, token, *leased_ids)
        if args.round_trips:
            redis.read()
    for _ in ([] if args.round_trips else leases):
        redis.read()
    acked = redis.cpu_seconds()

    per_job = lambda seconds: seconds / args.jobs * 1e6
    print("redis CPU per job (µs): enqueue %.1f, lease %.1f, ack %.1f, total %.1f" % (
        per_job(enqueued - start), per_job(leased - enqueued), per_job(acked - leased), per_job(acked - start)))
    keys = [prefix + name for name in ("ready", "leased", "events", "lease:seq")]
    redis.call("DEL", *keys)
    cursor = b"0"
    while True:
        cursor, found = redis.call("SCAN", cursor, "MATCH", prefix + "job:*", "COUNT", 10000)
        if found:
            redis.call("UNLINK", *found)
        if cursor == b"0":
            break


if __name__ == "__main__":
    main()
