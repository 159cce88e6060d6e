internal import CHiredis
import ForgeIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One hiredis connection. The only file that touches hiredis.
///
/// `@unchecked Sendable` is honest here: the `redisContext` pointer is private and every use of it
/// after `init` happens under the `broken` mutex, so two threads never touch the context at once; the pool additionally
/// hands a connection to one borrower at a time. Replies are copied into ``RedisValue``s before the
/// hiredis reply is freed, so no pointer escapes.
public final class RedisConnection: BlockingConnection, @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>
    /// Set once hiredis reports an I/O or protocol error; the context is then unusable.
    /// The mutex also serialises every use of `context`.
    private let broken = Mutex(false)

    public var isBroken: Bool { broken.withLock { $0 } }

    public init(configuration: RedisConfiguration, timeoutMs: Int? = nil) throws(RedisError) {
        let timeout = Self.makeTimeval(milliseconds: timeoutMs ?? configuration.timeoutMs)
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), timeout) else {
            throw RedisError(code: .connectionFailed, message: "out of memory allocating a context")
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            throw RedisError(
                code: .connectionFailed,
                message: "\(configuration.host):\(configuration.port): \(message)"
            )
        }
        _ = redisSetTimeout(context, timeout)
        self.context = context
        if let password = configuration.password {
            let auth = configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let message) = try command(auth) {
                throw RedisError(code: .connectionFailed, message: "AUTH refused: \(message)")
            }
        }
        if configuration.database != 0,
            case .error(let message) = try command(["SELECT", String(configuration.database)])
        {
            throw RedisError(code: .connectionFailed, message: "SELECT \(configuration.database): \(message)")
        }
    }

    deinit { redisFree(context) }

    /// Sends one command and waits for its reply. Error replies come back as `.error`, not thrown:
    /// only a broken connection throws.
    public func command(_ arguments: [String]) throws(RedisError) -> RedisValue {
        try pipeline([arguments])[0]
    }

    /// Sends all commands in one write and reads all replies: one round trip.
    public func pipeline(_ commands: [[String]]) throws(RedisError) -> [RedisValue] {
        try broken.withLock { (isBroken: inout Bool) throws(RedisError) -> [RedisValue] in
            guard !isBroken else { throw RedisError(code: .connectionBroken, message: "connection already failed") }
            do throws(RedisError) {
                return try roundTrip(commands)
            } catch {
                isBroken = true
                throw error
            }
        }
    }

    private func roundTrip(_ commands: [[String]]) throws(RedisError) -> [RedisValue] {
        for arguments in commands {
            let status = Self.withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            try check(status)
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            try check(redisGetReply(context, &raw))
            guard let raw else { throw RedisError(code: .connectionBroken, message: "no reply") }
            replies.append(Self.value(of: raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Funnels hiredis status codes into thrown errors, as NIO's `System.swift` does for syscalls.
    private func check(_ status: Int32) throws(RedisError) {
        guard status != REDIS_OK else { return }
        throw RedisError(code: .connectionBroken, message: Self.errorString(context))
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING: return .string(text(node.str, node.len))
        case REDIS_REPLY_STATUS: return .status(text(node.str, node.len))
        case REDIS_REPLY_ERROR: return .error(text(node.str, node.len))
        case REDIS_REPLY_INTEGER: return .integer(node.integer)
        case REDIS_REPLY_ARRAY:
            var values: [RedisValue] = []
            values.reserveCapacity(node.elements)
            for index in 0..<node.elements {
                if let child = node.element[index] { values.append(value(of: child)) } else { values.append(.null) }
            }
            return .array(values)
        default: return .null
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> String {
        guard let pointer, length > 0 else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Lays the arguments out in one buffer and hands hiredis pointers and lengths into it
    /// (binary safe: no format strings, no NUL termination needed).
    private static func withArgv<R>(
        _ arguments: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var storage: [UInt8] = []
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            lengths.append(argument.utf8.count)
            storage.append(contentsOf: argument.utf8)
        }
        storage.append(0)
        return storage.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            var offset = 0
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lens in
                    body(Int32(arguments.count), argv.baseAddress!, lens.baseAddress!)
                }
            }
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func makeTimeval(milliseconds: Int) -> timeval {
        timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
    }
}
