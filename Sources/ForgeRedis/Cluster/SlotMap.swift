/// Which node serves each hash slot of a Redis Cluster, as `CLUSTER SLOTS` reports it (Redis 7.0
/// has no `CLUSTER SHARDS`; 7.0 is what Debian ships).
///
/// A client routes a key's command to ``master(for:)`` of its ``HashSlot``, and refreshes the map
/// when a node answers `MOVED` (the slot has a new owner) or fails.
public struct SlotMap: Sendable, Equatable {
    /// A node's address as the cluster announces it.
    public struct Node: Hashable, Sendable, CustomStringConvertible {
        public var host: String
        public var port: Int
        /// The node's id in the cluster (40 hex digits).
        public var id: String

        public var description: String { "\(host):\(port)" }
    }

    /// A run of slots with the master that serves them and its replicas.
    public struct Range: Sendable, Equatable {
        public var slots: ClosedRange<UInt16>
        public var master: Node
        public var replicas: [Node]
    }

    /// In slot order, without overlaps.
    public private(set) var ranges: [Range]

    /// Reads a `CLUSTER SLOTS` reply: per range `start, end, master, replica…`, each node `host,
    /// port, id[, metadata]`. A node announced with an empty host is the one that answered:
    /// `answeredBy` stands in for it.
    public init(clusterSlots reply: RedisValue, answeredBy host: String) throws(RedisError) {
        var ranges: [Range] = []
        for entry in try reply.expectArray("CLUSTER SLOTS") {
            guard let parts = entry.array, parts.count >= 3, let start = parts[0].int, let end = parts[1].int,
                let first = HashSlot(rawValue: Int(start)), let last = HashSlot(rawValue: Int(end)), first <= last
            else { throw RedisError.unexpectedReply("CLUSTER SLOTS range", entry) }
            var nodes: [Node] = []
            for node in parts[2...] {
                guard let fields = node.array, fields.count >= 3, let address = fields[0].string, let port = fields[1].int,
                    let id = fields[2].string
                else { throw RedisError.unexpectedReply("CLUSTER SLOTS node", node) }
                nodes.append(Node(host: address.isEmpty ? host : address, port: Int(port), id: id))
            }
            ranges.append(Range(slots: first.rawValue...last.rawValue, master: nodes[0], replicas: Array(nodes.dropFirst())))
        }
        ranges.sort { $0.slots.lowerBound < $1.slots.lowerBound }
        for (earlier, later) in zip(ranges, ranges.dropFirst()) where earlier.slots.overlaps(later.slots) {
            throw RedisError.unexpectedReply("CLUSTER SLOTS: ranges overlap", reply)
        }
        self.ranges = ranges
    }

    /// The master serving `slot`; `nil` while no node serves it (a cluster being set up, or a
    /// slot lost with all its nodes).
    public func master(for slot: HashSlot) -> Node? {
        // Binary search: the last range starting at or before the slot.
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].slots.lowerBound <= slot.rawValue { low = middle + 1 } else { high = middle }
        }
        guard low > 0, ranges[low - 1].slots.contains(slot.rawValue) else { return nil }
        return ranges[low - 1].master
    }

    /// Every master, once each, in slot order.
    public var masters: [Node] {
        var seen = Set<Node>()
        return ranges.map(\.master).filter { seen.insert($0).inserted }
    }

    /// Whether every slot has a master: the cluster can serve any key.
    public var coversEverySlot: Bool {
        var next = 0
        for range in ranges {
            guard Int(range.slots.lowerBound) == next else { return false }
            next = Int(range.slots.upperBound) + 1
        }
        return next == HashSlot.count
    }
}
