import NIOCore
import NIOPosix

/// A loopback port nobody listens on now: bind port 0, read what the kernel chose, close.
enum FreePort {
    static func find() async throws(LoadError) -> Int {
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0).get()
            let port = channel.localAddress?.port
            // Closed before the caller hands the port on, not at some later turn of the event loop.
            try await channel.close()
            guard let port else { throw LoadError(.process, "no local port after bind") }
            return port
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(.process, "cannot find a free loopback port: \(error)")
        }
    }
}
