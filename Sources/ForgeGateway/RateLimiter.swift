import ForgeCore
import Synchronization

/// Token buckets, one per bearer token: each holds up to `burst` requests and refills at
/// `perSecond`. A request takes one; an empty bucket answers how long until one is back.
///
/// Keys are the tokens auth already accepted, so the table is bounded by the configured tokens
/// (one shared key when auth is off, ``RateLimitMiddleware``); nothing a caller sends can grow it.
package final class RateLimiter: Sendable {
    private struct Bucket {
        var available: Double
        var updated: ContinuousClock.Instant
    }

    let perSecond: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    package init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = Double(max(1, burst))
    }

    /// Takes one request from `key`'s bucket: `nil` when allowed, else the whole seconds to wait
    /// (at least 1, for `Retry-After`).
    package func take(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(available: burst, updated: now)
            bucket.available = min(burst, bucket.available + max(0, (now - bucket.updated).seconds) * perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.available >= 1 {
                bucket.available -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.available) / perSecond).rounded(.up)))
        }
    }
}
