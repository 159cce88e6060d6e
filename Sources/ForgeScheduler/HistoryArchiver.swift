import ForgeCore
import ForgePostgres
import ForgeRedis

/// Moves job events from the queues' Redis streams into Postgres history.
///
/// Each pass reads a batch per queue through the archiver consumer group, writes all of them with
/// one coalesced statement per table (`HistoryStore.record`), and only then acknowledges and
/// deletes the entries. A crash between the write and the acknowledgement replays the batch on
/// the next pass, which the history store ignores because rows never move backwards in `seq`:
/// each event lands exactly once in effect.
public final class HistoryArchiver: Sendable {
    public struct Pass: Sendable, Hashable {
        /// Stream entries archived (and acknowledged) in this pass.
        public var archived: Int
        /// Age of the oldest event read in this pass, in milliseconds; 0 when nothing was waiting.
        public var lagMs: Int64
    }

    private let queues: QueueStore
    private let history: HistoryStore
    private let batchSize: Int

    /// `batchSize` counts stream entries per queue; an entry holds the events of one script call
    /// (up to ~150), so the default reads at most a few thousand events per queue and pass.
    public init(queues: QueueStore, history: HistoryStore, batchSize: Int = 50) {
        self.queues = queues
        self.history = history
        self.batchSize = batchSize
    }

    /// Archives up to one batch from each of `names` (all known queues when `nil`).
    public func archiveOnce(_ names: [QueueName]? = nil) async throws -> Pass {
        let targets = try await resolve(names)
        return try await write(try await read(targets, .pendingThenNew))
    }

    /// Archives until the streams of `names` are empty. First the entries an earlier failure left
    /// unacknowledged, one batch after the other; then new entries, reading each next batch from
    /// Redis while Postgres writes the current one (the read was about 40 % of a pass). A failed
    /// write throws, and the next call replays what it left. Returns the entries archived.
    @discardableResult
    public func drain(_ names: [QueueName]? = nil, onPass: (Pass) -> Void = { _ in }) async throws -> Int {
        let targets = try await resolve(names)
        var total = 0
        while true {
            let pending = try await read(targets, .pendingOnly)
            if pending.isEmpty { break }
            let pass = try await write(pending)
            onPass(pass)
            total += pass.archived
        }
        var batches = try await read(targets, .newOnly)
        while !batches.isEmpty {
            async let next = read(targets, .newOnly)
            let pass = try await write(batches)
            onPass(pass)
            total += pass.archived
            batches = try await next
        }
        return total
    }

    private func resolve(_ names: [QueueName]?) async throws -> [QueueName] {
        if let names { return names }
        return try await queues.queueNames()
    }

    private func read(_ targets: [QueueName], _ which: EventRead) async throws -> [EventBatch] {
        var batches: [EventBatch] = []
        for queue in targets {
            let batch = try await queues.readEvents(queue, count: batchSize, which)
            if !batch.isEmpty { batches.append(batch) }
        }
        return batches
    }

    /// Writes the batches to Postgres, then acknowledges them: never the other way round.
    private func write(_ batches: [EventBatch]) async throws -> Pass {
        guard !batches.isEmpty else { return Pass(archived: 0, lagMs: 0) }
        let events = batches.flatMap(\.events)
        let oldest = events.map(\.atMs).min() ?? WallClock.nowMilliseconds()
        try await history.record(events)
        for batch in batches { try await queues.acknowledgeEvents(batch) }
        return Pass(
            archived: batches.reduce(0) { $0 + $1.entryIDs.count },
            lagMs: max(0, WallClock.nowMilliseconds() - oldest)
        )
    }
}
