import Synchronization

/// A Lua script Forge runs atomically inside Redis.
///
/// `name` identifies the script in the SHA cache: hashing the source (the shared prelude makes it
/// several kilobytes) on every call was a quarter of a busy gateway's CPU. Names are unique.
public struct LuaScript: Sendable, Hashable {
    public var name: String
    public var source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}

/// One invocation of a script with its KEYS and ARGV.
public struct ScriptCall: Sendable {
    public var script: LuaScript
    public var keys: [String]
    public var arguments: [String]

    public init(_ script: LuaScript, keys: [String], arguments: [String]) {
        self.script = script
        self.keys = keys
        self.arguments = arguments
    }
}

/// Remembers each script's SHA1 as Redis reported it, so steady state costs one EVALSHA per call.
///
/// When Redis has forgotten a script (restart, `SCRIPT FLUSH`) the reply is `NOSCRIPT` and the
/// script did not run, so loading it and repeating just those calls is safe.
final class ScriptCache: Sendable {
    private let hashes = Mutex<[String: String]>([:])

    /// The EVALSHA command for `call`.
    func command(for call: ScriptCall) -> [String] {
        // Before the first load the hash is unknown; a placeholder draws NOSCRIPT and a load.
        let sha = hashes.withLock { $0[call.script.name] } ?? "0000000000000000000000000000000000000000"
        var command = ["EVALSHA", sha, String(call.keys.count)]
        command.reserveCapacity(3 + call.keys.count + call.arguments.count)
        command += call.keys
        command += call.arguments
        return command
    }

    /// `replies` to `commands` (where `calls[i]` is the script behind command `i`, if any) with
    /// every NOSCRIPT answered: the scripts are loaded and those commands sent again.
    func complete(
        _ calls: [ScriptCall?],
        commands: [[String]],
        replies: [RedisValue],
        on connection: RedisConnection
    ) throws(RedisError) -> [RedisValue] {
        let missing = replies.indices.filter { index in
            guard calls[index] != nil, case .error(let message) = replies[index] else { return false }
            return message.hasPrefix("NOSCRIPT")
        }
        guard !missing.isEmpty else { return replies }
        var loaded: Set<String> = []
        for script in missing.compactMap({ calls[$0]?.script }) where loaded.insert(script.name).inserted {
            let reply = try connection.command(["SCRIPT", "LOAD", script.source])
            guard let sha = reply.string else { throw RedisError.unexpectedReply("SCRIPT LOAD \(script.name)", reply) }
            hashes.withLock { $0[script.name] = sha }
        }
        var completed = replies
        let retried = try connection.pipeline(missing.compactMap { calls[$0].map(command(for:)) })
        for (index, reply) in zip(missing, retried) { completed[index] = reply }
        return completed
    }
}
