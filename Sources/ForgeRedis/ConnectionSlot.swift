import Synchronization

/// Holds at most one lazily made connection, dropped when it breaks so the next use reconnects.
final class ConnectionSlot: Sendable {
    private let slot = Mutex<RedisConnection?>(nil)

    func get(_ make: () throws(RedisError) -> RedisConnection) throws(RedisError) -> RedisConnection {
        if let existing = slot.withLock({ $0 }), !existing.isBroken { return existing }
        let fresh = try make()
        slot.withLock { $0 = fresh }
        return fresh
    }

    func drop() { slot.withLock { $0 = nil } }
}
