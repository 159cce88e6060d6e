/// Which key of a command decides the cluster node that serves it.
///
/// Redis Cluster routes by a command's keys, and a command whose keys span two slots is refused
/// (`CROSSSLOT`); so the first key decides. Where that key sits depends on the command: after the
/// key count for scripts, after `STREAMS` for stream reads, second for most of the rest.
package enum CommandRouting {
    /// Commands about the server or the connection: any node can answer them.
    private static let keyless: Set<String> = [
        "PING", "TIME", "INFO", "SCRIPT", "CLUSTER", "ASKING", "DBSIZE", "COMMAND", "CONFIG", "CLIENT", "ECHO", "HELLO",
        "AUTH", "SELECT", "READONLY", "READWRITE", "LASTSAVE", "WAIT", "FLUSHALL", "FLUSHDB", "SLOWLOG", "LATENCY",
    ]

    /// The key that routes `command`, or `nil` when any node may serve it.
    package static func key(of command: [String]) -> String? {
        guard let name = command.first?.uppercased() else { return nil }
        if keyless.contains(name) { return nil }
        switch name {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            guard command.count > 3, let count = Int(command[2]), count > 0 else { return nil }
            return command[3]
        case "XREAD", "XREADGROUP":
            guard let streams = command.firstIndex(where: { $0.uppercased() == "STREAMS" }), streams + 1 < command.count else {
                return nil
            }
            return command[streams + 1]
        case "MEMORY", "OBJECT", "XINFO", "XGROUP":
            return command.count > 2 ? command[2] : nil
        default:
            return command.count > 1 ? command[1] : nil
        }
    }
}
