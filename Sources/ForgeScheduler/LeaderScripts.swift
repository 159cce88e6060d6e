import ForgeRedis

/// The Lua scripts behind ``LeaderLease``; each runs atomically, so checking the holder and
/// changing the lock can never interleave with another replica's attempt.
enum LeaderScripts {
    /// Takes the lock if it is free, or refreshes it if this replica already holds it (after a
    /// restart with the same id, or a renew whose reply was lost).
    ///
    /// KEYS: 1 leader lock. ARGV: 1 replica id, 2 TTL ms.
    /// Returns 1 when the caller now holds the lock, 0 when another replica does.
    static let acquire = LuaScript(name: "leader-acquire", source: """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """)

    /// Extends the lock only while its value is still this replica's id: a leader that lost the
    /// lock (it expired and another replica took it) can never extend someone else's lease.
    ///
    /// KEYS: 1 leader lock. ARGV: 1 replica id, 2 TTL ms. Returns 1 if extended, else 0.
    static let renew = LuaScript(name: "leader-renew", source: """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """)

    /// Deletes the lock only if this replica holds it, so a follower can take over at once.
    ///
    /// KEYS: 1 leader lock. ARGV: 1 replica id. Returns 1 if deleted, else 0.
    static let release = LuaScript(name: "leader-release", source: """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)
}
