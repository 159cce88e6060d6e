import Synchronization

/// A Lua script Forge runs atomically inside Redis.
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

    func evaluate(_ calls: [ScriptCall], on connection: RedisConnection) throws(RedisError) -> [RedisValue] {
        var replies = try connection.pipeline(calls.map { command(for: $0) })
        let missing = replies.indices.filter { index in
            if case .error(let message) = replies[index] { return message.hasPrefix("NOSCRIPT") }
            return false
        }
        guard !missing.isEmpty else { return replies }
        for script in Set(missing.map { calls[$0].script }) {
            let loaded = try connection.command(["SCRIPT", "LOAD", script.source])
            guard let sha = loaded.string else { throw RedisError.unexpectedReply("SCRIPT LOAD \(script.name)", loaded) }
            hashes.withLock { $0[script.source] = sha }
        }
        let retried = try connection.pipeline(missing.map { command(for: calls[$0]) })
        for (index, reply) in zip(missing, retried) { replies[index] = reply }
        return replies
    }

    private func command(for call: ScriptCall) -> [String] {
        // Before the first load the hash is unknown; a placeholder draws NOSCRIPT and a load.
        let sha = hashes.withLock { $0[call.script.source] } ?? "0000000000000000000000000000000000000000"
        return ["EVALSHA", sha, String(call.keys.count)] + call.keys + call.arguments
    }
}
