import NIOPosix
import Synchronization

/// A connection whose calls block a thread (hiredis, libpq).
public protocol BlockingConnection: AnyObject, Sendable {
    /// Once true the connection is dropped instead of returned to the pool.
    var isBroken: Bool { get }
}

/// A pool of blocking connections whose calls run on a thread pool of their own, never on
/// Swift's cooperative executor.
///
/// Each pool thread holds at most one connection while it runs a body, so with as many threads
/// as connections a thread always finds one: the thread pool's queue is the wait queue and there
/// is no second layer of waiting. Connections are made lazily and broken ones are dropped, so the
/// pool reconnects on its own when the server comes back.
public final class BlockingConnectionPool<Connection: BlockingConnection, Failure: Error>: Sendable {
    private let threads: NIOThreadPool
    private let idle = Mutex<[Connection]>([])
    private let connect: @Sendable () throws(Failure) -> Connection
    private let shutdownError: @Sendable () -> Failure

    public init(
        size: Int,
        connect: @escaping @Sendable () throws(Failure) -> Connection,
        shutdownError: @escaping @Sendable () -> Failure
    ) {
        threads = NIOThreadPool(numberOfThreads: max(1, size))
        threads.start()
        self.connect = connect
        self.shutdownError = shutdownError
    }

    /// Stops the threads; later calls fail with the shutdown error.
    public func shutdown() async {
        try? await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    /// Runs `body` on a pool thread with a connection nobody else is using.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (Connection) throws(Failure) -> T
    ) async throws(Failure) -> T {
        do {
            return try await threads.runIfActive { [self] in
                let connection = try checkout()
                defer { checkin(connection) }
                return try body(connection)
            }
        } catch let error as Failure {
            throw error
        } catch {
            throw shutdownError()
        }
    }

    private func checkout() throws(Failure) -> Connection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        return try connect()
    }

    private func checkin(_ connection: Connection) {
        guard !connection.isBroken else { return }
        idle.withLock { $0.append(connection) }
    }
}
