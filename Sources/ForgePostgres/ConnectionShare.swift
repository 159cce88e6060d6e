import Synchronization

/// A limit on how many callers may hold a pool connection for one kind of work at once; the
/// others wait their turn in order.
///
/// History searches may run for seconds (up to their statement timeout); without a limit a burst
/// of them would hold every connection and lookups by id and the archiver's writes would queue
/// behind them. Kept below the pool size, the pool always has a connection for the rest.
final class ConnectionShare: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(limit: Int) {
        state = Mutex(State(available: max(1, limit)))
    }

    func withPermit<T>(_ body: () async throws(PostgresError) -> T) async throws(PostgresError) -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                guard state.available > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.available += 1
                return nil
            }
            // The permit passes straight to the longest waiter.
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
