import NIOCore
import NIOPosix

/// A loopback port nobody listens on now: bind port 0, read what the kernel chose, close.
enum FreePort {
    static func find() async throws(LoadError) -> Int {
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0).get()
            defer { channel.close(promise: nil) }
            guard let port = channel.localAddress?.port else { throw LoadError(.process, "no local port after bind") }
            return port
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(.process, "cannot find a free loopback port: \(error)")
        }
    }
}
