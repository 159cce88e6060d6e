import ForgeCore
import ForgePostgres
import ForgeRedis
import Synchronization

/// Moves job events from the queues' Redis streams into Postgres history.
///
/// A pass reads a batch from every known queue through the archiver consumer group (the queue
/// registry is read again each pass, so a queue created under load joins at once), writes each
/// queue's batch with one coalesced statement per table (`HistoryStore.record`), and only then
/// acknowledges and deletes that queue's entries. A crash between the write and the
/// acknowledgement replays the batch on the next pass, which the history store ignores because
/// rows never move backwards in `seq`: each event lands exactly once in effect.
///
/// Nothing can stall it for good: queues are written one by one, so one queue's failure leaves
/// the others archiving; a pass is bounded in bytes as well as entries; and a batch Postgres
/// refuses for its data is split until the refused job is found, whose events go to
/// `history_quarantine` with the reason (see ``HistoryIsolation``) while the rest is archived.
public final class HistoryArchiver: Sendable {
    public struct Pass: Sendable {
        /// Stream entries archived (and acknowledged) in this pass.
        public var archived = 0
        /// Jobs whose events Postgres refused and that went to quarantine instead.
        public var quarantined: [QuarantinedJob] = []
        /// Queues whose batch could not be written; their entries stay pending and are replayed.
        public var failures: [QueueFailure] = []
    }

    public struct QueueFailure: Sendable {
        public var queue: QueueName
        public var error: any Error
    }

    private let queues: QueueStore
    private let isolation: HistoryIsolation
    private let batchSize: Int
    private let maxPassBytes: Int
    private let reads = Mutex(ReadState())

    private struct ReadState {
        /// Where the next pass starts reading, so a pass cut short by its byte budget does not
        /// always leave the same queues for later.
        var start = 0
        /// Average entry size seen per queue, to ask for no more entries than the budget holds.
        var entryBytes: [QueueName: Int] = [:]
    }

    /// - Parameters:
    ///   - batchSize: stream entries per queue and pass; an entry holds the events of one script
    ///     call (at most 500 events or about 1 MiB).
    ///   - maxPassBytes: packed event bytes one pass reads at most (a queue's read may overshoot
    ///     it by one batch of average-sized entries).
    public init(queues: QueueStore, history: HistoryStore, batchSize: Int = 50, maxPassBytes: Int = 16 << 20) {
        self.queues = queues
        isolation = HistoryIsolation(history: history)
        self.batchSize = max(1, batchSize)
        self.maxPassBytes = max(1, maxPassBytes)
    }

    /// Archives up to one batch from each of `names` (all known queues when `nil`), entries an
    /// earlier failure left unacknowledged first.
    public func archiveOnce(_ names: [QueueName]? = nil) async throws -> Pass {
        try await write(try await read(names, .pendingThenNew))
    }

    /// Archives until the streams are empty: first the entries an earlier failure left
    /// unacknowledged, then new entries, reading each next batch from Redis while Postgres
    /// writes the current one (the read was about 40 % of a pass). Returns early when a queue
    /// fails, so the caller can pause before its entries are replayed; throws when every queue
    /// of a pass failed. Returns the entries archived.
    @discardableResult
    public func drain(_ names: [QueueName]? = nil, onPass: (Pass) async -> Void = { _ in }) async throws -> Int {
        var total = 0
        while true {
            let pending = try await read(names, .pendingOnly)
            if pending.isEmpty { break }
            let pass = try await write(pending)
            await onPass(pass)
            total += pass.archived
            if !pass.failures.isEmpty { return total }
        }
        var batches = try await read(names, .newOnly)
        while !batches.isEmpty {
            async let next = read(names, .newOnly)
            let pass = try await write(batches)
            await onPass(pass)
            total += pass.archived
            batches = try await next
            // What `next` read stays pending for the next call to replay.
            if !pass.failures.isEmpty { return total }
        }
        return total
    }

    /// Reads one batch per queue until the pass's byte budget is spent.
    private func read(_ names: [QueueName]?, _ which: EventRead) async throws -> [EventBatch] {
        let targets: [QueueName]
        if let names { targets = names } else { targets = try await queues.queueNames() }
        guard !targets.isEmpty else { return [] }
        let start = reads.withLock { $0.start } % targets.count
        var budget = maxPassBytes
        var batches: [EventBatch] = []
        for offset in 0..<targets.count {
            let queue = targets[(start + offset) % targets.count]
            guard budget > 0 else {
                reads.withLock { $0.start = (start + offset) % targets.count }
                break
            }
            let average = reads.withLock { $0.entryBytes[queue] } ?? 0
            let count = average > 0 ? min(batchSize, max(1, budget / average)) : batchSize
            let batch = try await queues.readEvents(queue, count: count, which)
            guard !batch.isEmpty else { continue }
            budget -= batch.bytes
            reads.withLock { $0.entryBytes[queue] = max(1, batch.bytes / batch.entryIDs.count) }
            batches.append(batch)
        }
        return batches
    }

    /// Writes each queue's batch to Postgres, then acknowledges it: never the other way round.
    private func write(_ batches: [EventBatch]) async throws -> Pass {
        var pass = Pass()
        for batch in batches {
            do {
                pass.quarantined += try await isolation.record(batch.events)
                try await queues.acknowledgeEvents(batch)
                pass.archived += batch.entryIDs.count
            } catch {
                pass.failures.append(QueueFailure(queue: batch.queue, error: error))
            }
        }
        if pass.archived == 0, let failure = pass.failures.first { throw failure.error }
        return pass
    }
}
