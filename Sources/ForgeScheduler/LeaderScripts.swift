import ForgeRedis

/// The Lua scripts behind ``LeaderLease``; each runs atomically, so checking the holder and
/// changing the lock can never interleave with another replica's attempt.
enum LeaderScripts {
    /// Takes the lock if it is free, or refreshes it if this replica already holds it (after a
    /// restart with the same id, or a renew whose reply was lost), and draws the leadership's
    /// fencing epoch in the same step: a replica that stalls between taking the lock and drawing
    /// the epoch could otherwise draw a higher epoch than the leader that took over meanwhile,
    /// and fence that leader out of every queue.
    ///
    /// The epoch is the larger of the last one plus one and Redis `TIME` in milliseconds, so it
    /// keeps growing when Redis lost the counter (it came back empty or from an older snapshot)
    /// and outranks every epoch the counter of earlier releases (`INCR`, small numbers) handed
    /// out: queues fenced by those never refuse the new leader.
    ///
    /// KEYS: 1 leader lock, 2 epoch (the lock's slot). ARGV: 1 replica id, 2 TTL ms.
    /// Returns the epoch when the caller now holds the lock, 0 when another replica does.
    static let acquire = LuaScript(
        name: "leader-acquire",
        source: """
            if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
              if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local epoch = math.max((tonumber(redis.call('GET', KEYS[2])) or 0) + 1, now)
            redis.call('SET', KEYS[2], string.format('%d', epoch))
            return epoch
            """
    )

    /// Extends the lock only while its value is still this replica's id: a leader that lost the
    /// lock (it expired and another replica took it) can never extend someone else's lease.
    ///
    /// KEYS: 1 leader lock. ARGV: 1 replica id, 2 TTL ms. Returns 1 if extended, else 0.
    static let renew = LuaScript(
        name: "leader-renew",
        source: """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0
            """
    )

    /// Deletes the lock only if this replica holds it, so a follower can take over at once.
    ///
    /// KEYS: 1 leader lock. ARGV: 1 replica id. Returns 1 if deleted, else 0.
    static let release = LuaScript(
        name: "leader-release",
        source: """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """
    )
}
