import ForgeCore
import ForgeRedis

/// The lease a remote worker holds, as the token the lease API hands out and takes back.
///
/// The text carries the fencing token of the lease together with the job's queue, its type and
/// when it was leased: `<fence>:<leased_at_ms>:<queue>:<type>`. So an ack, fail or heartbeat
/// needs no lookup to find the job's queue (any gateway can serve it: nothing is remembered
/// between requests), and the run-time metrics get their labels. Only the fencing part is trusted:
/// the scripts compare it with the job's current token, so an altered token is a stale one.
/// Clients treat the text as opaque.
struct RemoteLease: Hashable, Sendable {
    var token: LeaseToken
    var leasedAtMs: Int64
    var queue: QueueName
    var type: String

    init(_ job: LeasedJob) {
        token = job.token
        leasedAtMs = job.leasedAtMs
        queue = job.queue
        type = job.type
    }

    /// `nil` for text this gateway never issued: the caller answers it as an unknown lease.
    init?(text: String) {
        // The type, last, may hold ':' itself; the fence, time and queue cannot.
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, !parts[0].isEmpty, parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let leasedAt = Int64(parts[1]), let queue = try? QueueName(String(parts[2])), let type = try? JobType(String(parts[3]))
        else { return nil }
        token = LeaseToken(String(parts[0]))
        leasedAtMs = leasedAt
        self.queue = queue
        self.type = type.rawValue
    }

    var text: String { "\(token.rawValue):\(leasedAtMs):\(queue.rawValue):\(type)" }

    func ref(_ id: JobID) -> LeaseRef { LeaseRef(id: id, token: token) }
}
