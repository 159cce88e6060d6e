import Dispatch
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Looks up every address of a host with `getaddrinfo`, the resolver the system and the HTTP
/// client would use, so the `http` handler checks the same answers it then connects to.
///
/// `getaddrinfo` blocks and cannot be interrupted, so it runs on a Dispatch thread (as NIO's own
/// resolver does), never on Swift's cooperative pool, and a cancelled caller stops waiting at once
/// while the lookup finishes on its own.
enum HostResolver {
    struct Failure: Error, CustomStringConvertible {
        var host: String
        var reason: String
        var description: String { "cannot resolve \(host): \(reason)" }
    }

    /// The host's addresses in the system's order of preference, without repeats.
    static func addresses(of host: String) async throws -> [IPAddress] {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: [IPAddress].self)
        DispatchQueue.global().async {
            do { promise.succeed(try lookUp(host)) } catch { promise.fail(error) }
        }
        // A promise completes once; the later of the two completions is ignored.
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    private static func lookUp(_ host: String) throws(Failure) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else {
            throw Failure(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        for entry in sequence(first: list, next: { $0.pointee.ai_next }) {
            guard let address = ipAddress(of: entry.pointee), !addresses.contains(address) else { continue }
            addresses.append(address)
        }
        guard !addresses.isEmpty else { throw Failure(host: host, reason: "no IPv4 or IPv6 address") }
        return addresses
    }

    private static func ipAddress(of entry: addrinfo) -> IPAddress? {
        guard let raw = entry.ai_addr else { return nil }
        switch Int32(entry.ai_family) {
        case AF_INET:
            var address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            return IPAddress(bytes: withUnsafeBytes(of: &address) { Array($0) })
        case AF_INET6:
            var address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            return IPAddress(bytes: withUnsafeBytes(of: &address) { Array($0) })
        default:
            return nil
        }
    }
}
