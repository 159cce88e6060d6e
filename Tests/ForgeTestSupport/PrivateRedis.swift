import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A redis-server of the test's own, so the test can take it away, freeze it and bring it back
/// without disturbing the shared test Redis other tests run against in parallel.
public final class PrivateRedis: @unchecked Sendable {
    public let port: Int
    private let lock = NSLock()
    private var process: Process?
    private let directory: URL
    /// Further redis-server arguments, e.g. `--requirepass` or `--user` for an ACL user.
    private let arguments: [String]

    public init(arguments: [String] = []) throws {
        self.arguments = arguments
        port = try freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(port)")
        // Fresh: a server that had this port before may have left its files, and a cluster node
        // would load the old cluster's config (`nodes.conf`: its id, slots and peers) from them.
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        lock.withLock { self.process = process }
        for _ in 0..<100 where !accepts() { usleep(20_000) }
    }

    /// Kills the server (SIGKILL): connections drop, new ones are refused.
    public func stop() {
        guard let process = lock.withLock({ self.process }) else { return }
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        lock.withLock { self.process = nil }
    }

    /// Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung
    /// host or a network partition; calls time out.
    public func freeze() {
        if let process = lock.withLock({ self.process }) { kill(process.processIdentifier, SIGSTOP) }
    }

    /// Lets a frozen server go on.
    public func thaw() {
        if let process = lock.withLock({ self.process }) { kill(process.processIdentifier, SIGCONT) }
    }

    private func accepts() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

extension PrivateRedis {
    /// A server in cluster mode, with no slots until the test gives it some, and its cluster bus
    /// port (`CLUSTER MEET` needs it): a free port of its own, since the default, the server's
    /// port + 10 000, lies past 65 535 for a high port.
    /// `nodeTimeoutMs`: how long a node may be unreachable before the cluster fails it over
    /// (Redis' default is 15 s; failover tests shorten it).
    public static func clusterNode(nodeTimeoutMs: Int = 15_000) throws -> (server: PrivateRedis, busPort: Int) {
        let busPort = try freeLoopbackPort()
        return (
            try PrivateRedis(arguments: [
                "--cluster-enabled", "yes", "--cluster-port", String(busPort), "--cluster-node-timeout", String(nodeTimeoutMs),
                "--appendonly", "no",
            ]), busPort
        )
    }
}

/// A loopback port nobody listens on now: bind port 0, read what the kernel chose, close.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw PortError("socket failed") }
    defer { close(fd) }
    var address = loopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw PortError("bind failed") }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw PortError("getsockname failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}

public struct PortError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
