import ForgeCore

/// Which queues a worker serves: a weighted list, or every queue Forge knows (`*`).
public enum QueueSelection: Sendable, Hashable {
    /// Queues with relative weights (1–1000): a queue of weight 3 is picked three times as often
    /// as one of weight 1 when both have work.
    case weighted([WeightedQueue])
    /// Every queue in the registry, re-read every ``WorkerConfiguration/queueRefreshInterval``
    /// so queues created after start are served too; all weigh 1.
    case all

    public struct WeightedQueue: Sendable, Hashable {
        public var name: QueueName
        public var weight: Int

        public init(name: QueueName, weight: Int = 1) {
            self.name = name
            self.weight = weight
        }
    }

    /// Parses `name[:weight],…` or `*`; `field` names the setting in the error.
    public init(parsing text: String, field: String = "queues") throws(ValidationError) {
        let trimmed = text.trimmingSpaces
        if trimmed == "*" {
            self = .all
            return
        }
        var queues: [WeightedQueue] = []
        for item in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            guard (1...2).contains(parts.count), !parts[0].isEmpty else {
                throw ValidationError(field: field, reason: "'\(item)' is not name[:weight]; use e.g. 'critical:5,default:1' or '*'")
            }
            let name: QueueName
            do {
                name = try QueueName(parts[0], field: field)
            } catch {
                throw ValidationError(field: field, reason: "queue '\(parts[0])' \(error.reason)")
            }
            var weight = 1
            if parts.count == 2 {
                guard let value = Int(parts[1]), (1...1000).contains(value) else {
                    throw ValidationError(field: field, reason: "weight of '\(parts[0])' must be an integer from 1 to 1000")
                }
                weight = value
            }
            guard !queues.contains(where: { $0.name == name }) else {
                throw ValidationError(field: field, reason: "queue '\(parts[0])' is listed twice")
            }
            queues.append(WeightedQueue(name: name, weight: weight))
        }
        self = .weighted(queues)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
