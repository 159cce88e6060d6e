import ForgeCore
import NIOPosix

/// Lets an idle worker sleep until work arrives instead of polling.
///
/// The enqueue, promote, reclaim, revive and resume scripts push tokens onto each queue's `wake`
/// list; an idle worker blocks on BLPOP over its queues' lists. BLPOP holds its connection for the
/// whole wait, so the listener owns one connection and one thread of its own and never borrows the
/// shared pool. A token may be stale (another worker took the job): the worker just leases nothing
/// and waits again.
public final class WakeListener: Sendable {
    private let thread: NIOThreadPool
    private let configuration: RedisConfiguration
    private let keys: KeySpace
    private let connection = ConnectionSlot()

    public init(configuration: RedisConfiguration, keys: KeySpace = KeySpace()) {
        self.configuration = configuration
        self.keys = keys
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    public func shutdown() async {
        try? await thread.shutdownGracefully()
    }

    /// Waits up to `timeoutMs` for a token on any of `queues`; returns the queue that has work,
    /// or `nil` on timeout.
    public func wait(for queues: [QueueName], timeoutMs: Int) async throws(RedisError) -> QueueName? {
        guard !queues.isEmpty else { return nil }
        let ms = max(timeoutMs, 1)
        let fraction = String(ms % 1000)
        let seconds = "\(ms / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        let command = ["BLPOP"] + queues.map { keys.queue($0).wake } + [seconds]
        let reply: RedisValue
        do {
            reply = try await thread.runIfActive { [connection, configuration] in
                // The socket timeout must outlast the BLPOP timeout, or hiredis gives up first.
                let conn = try connection.get { () throws(RedisError) -> RedisConnection in
                    try RedisConnection(configuration: configuration, timeoutMs: timeoutMs + configuration.timeoutMs)
                }
                do {
                    return try conn.command(command)
                } catch {
                    connection.drop()
                    throw error
                }
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .shutdown, message: "wake listener is shut down")
        }
        guard let pair = reply.array, pair.count == 2, let key = pair[0].string else { return nil }
        return queues.first { keys.queue($0).wake == key }
    }
}
