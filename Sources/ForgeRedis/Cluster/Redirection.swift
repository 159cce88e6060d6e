/// A cluster node's answer that the command belongs elsewhere: `MOVED <slot> <host>:<port>` (the
/// slot has a new owner: refresh the map, send it there) or `ASK <slot> <host>:<port>` (the slot
/// is being migrated and this key already left: send it there once, preceded by `ASKING`). In
/// both cases the command did not run, so sending it again is safe.
package struct Redirection: Equatable {
    package enum Kind: Equatable { case moved, ask }

    package var kind: Kind
    package var slot: HashSlot
    package var node: NodeAddress

    /// The redirection `reply` carries, or `nil` for any other reply.
    package init?(_ reply: RedisValue) {
        guard case .error(let message) = reply else { return nil }
        let parts = message.split(separator: " ")
        guard parts.count == 3, let slotNumber = Int(parts[1]), let slot = HashSlot(rawValue: slotNumber),
            let colon = parts[2].lastIndex(of: ":"), let port = Int(parts[2][parts[2].index(after: colon)...])
        else { return nil }
        switch parts[0] {
        case "MOVED": kind = .moved
        case "ASK": kind = .ask
        default: return nil
        }
        self.slot = slot
        // A node announced without an address (`MOVED 12 :6380`) is on the host that answered;
        // the caller fills it in.
        node = NodeAddress(host: String(parts[2][..<colon]), port: port)
    }
}

/// Where a cluster node listens.
package struct NodeAddress: Hashable, Sendable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package var description: String { "\(host):\(port)" }
}
