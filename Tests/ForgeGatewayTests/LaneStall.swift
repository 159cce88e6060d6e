import ForgeRedis
import Foundation
import Synchronization

/// Holds every connection of a ``RedisClient`` until ``release()``: each lane's thread waits
/// inside an exclusive body, as it waits while a round trip carrying hundreds of MiB is on the
/// wire, so whatever else is queued on that client waits too. Deterministic, unlike a large
/// reply, whose duration depends on the machine.
final class LaneStall: Sendable {
    private let held = Atomic<Int>(0)
    private let released = Atomic<Bool>(false)
    private let bodies = Mutex<[Task<Void, Never>]>([])

    private init() {}

    /// Returns once every lane of `client` is held.
    static func hold(_ client: RedisClient) async throws -> LaneStall {
        let stall = LaneStall()
        let lanes = max(1, client.configuration.poolSize)
        // A body that lands behind another on a held lane never starts, so submit until each
        // lane runs one (the client hands work to idle lanes first, so this takes `lanes` tries).
        for _ in 0..<(lanes * 10) where stall.heldLanes < lanes {
            let before = stall.heldLanes
            stall.submit(to: client)
            for _ in 0..<200 where stall.heldLanes == before { try await Task.sleep(for: .milliseconds(10)) }
        }
        guard stall.heldLanes == lanes else {
            await stall.release()
            throw StallError(description: "held \(stall.heldLanes) of \(lanes) lanes")
        }
        return stall
    }

    var heldLanes: Int { held.load(ordering: .acquiring) }

    /// Lets every lane go and waits until each held body has returned.
    func release() async {
        released.store(true, ordering: .releasing)
        for body in bodies.withLock({ $0 }) { await body.value }
    }

    private func submit(to client: RedisClient) {
        let task = Task {
            _ = try? await client.withConnection { [self] _ in
                held.add(1, ordering: .releasing)
                while !released.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.001) }
                return []
            }
        }
        bodies.withLock { $0.append(task) }
    }

    struct StallError: Error, CustomStringConvertible {
        var description: String
    }
}

/// Whether something finished, readable from another task without waiting for it.
final class DoneFlag: Sendable {
    private let done = Atomic<Bool>(false)

    func set() { done.store(true, ordering: .releasing) }
    var isSet: Bool { done.load(ordering: .acquiring) }
}
