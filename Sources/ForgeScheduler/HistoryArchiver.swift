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
/// Nothing can stall it for good: queues are written one by one, and a queue whose write failed
/// waits out a backoff while the others go on archiving (``ArchiveTroubles``), so one queue's
/// failure, whatever it is, never holds up the rest; a pass is bounded in bytes as well as
/// entries; and a batch Postgres refuses for its data, at once, or keeps failing for any reason
/// but an outage, a few times in a row, is split until the job at fault is found, whose events
/// go to `history_quarantine` with the reason (see ``HistoryIsolation``) while the rest is
/// archived.
public final class HistoryArchiver: Sendable {
    public struct Pass: Sendable {
        /// Stream entries archived (and acknowledged) in this pass.
        public var archived = 0
        /// Jobs whose events Postgres refused and that went to quarantine instead.
        public var quarantined: [QuarantinedJob] = []
        /// Queues whose batch could not be written; their entries stay pending and are replayed.
        public var failures: [QueueFailure] = []
        /// Queues whose batch was archived: their depths may have changed.
        public var queues: Set<QueueName> = []
    }

    public struct QueueFailure: Sendable {
        public var queue: QueueName
        public var error: any Error
    }

    private let queues: QueueStore
    private let isolation: HistoryIsolation
    private let batchSize: Int
    private let maxPassBytes: Int
    private let now: @Sendable () -> ContinuousClock.Instant
    private let reads: Mutex<ReadState>

    private struct ReadState {
        /// Where the next pass starts reading, so a pass cut short by its byte budget does not
        /// always leave the same queues for later.
        var start = 0
        /// Average entry size seen per queue, to ask for no more entries than the budget holds.
        var entryBytes: [QueueName: Int] = [:]
        var troubles: ArchiveTroubles
    }

    /// - Parameters:
    ///   - batchSize: stream entries per queue and pass; an entry holds the events of one script
    ///     call (at most 500 events or about 1 MiB).
    ///   - maxPassBytes: packed event bytes one pass reads at most (a queue's read may overshoot
    ///     it by one batch of average-sized entries).
    ///   - suspectTries: failures in a row, for a reason Postgres does not say is the data's (a
    ///     program limit, a timeout) nor an outage, after which a queue's batch is split to find
    ///     and quarantine the job at fault.
    ///   - now: the clock the per-queue backoff reads.
    public init(
        queues: QueueStore,
        history: HistoryStore,
        batchSize: Int = 50,
        maxPassBytes: Int = 16 << 20,
        suspectTries: Int = 3,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.queues = queues
        isolation = HistoryIsolation(history: history)
        self.batchSize = max(1, batchSize)
        self.maxPassBytes = max(1, maxPassBytes)
        self.now = now
        reads = Mutex(ReadState(troubles: ArchiveTroubles(suspectTries: suspectTries)))
    }

    /// The queues whose streams hold unarchived entries (``KeySpace/unarchived``).
    public func unarchivedQueues() async throws -> [QueueName] { try await queues.unarchivedQueues() }

    /// The queues whose last history write failed and that wait for their next try.
    public var troubledQueues: [QueueName] { reads.withLock { $0.troubles.queues } }

    /// Archives up to one batch from each of `names` (all known queues when `nil`), entries an
    /// earlier failure left unacknowledged first.
    public func archiveOnce(_ names: [QueueName]? = nil) async throws -> Pass {
        let pass = await write(try await read(names, .pendingThenNew).batches)
        if pass.archived == 0, let failure = pass.failures.first { throw failure.error }
        return pass
    }

    /// Archives until the streams are caught up: first the entries an earlier failure left
    /// unacknowledged, then new entries, reading each next batch from Redis while Postgres
    /// writes the current one (the read was about 40 % of a pass), until a read finds no queue
    /// with a full batch waiting. Stopping there, rather than when a read comes back empty, is
    /// what lets a steady trickle be archived in batches: under 1 000 jobs/s a loop that read
    /// again at once found about three new entries per read, and paid a Redis read, a Postgres
    /// transaction and an acknowledgement script for each few events. A queue whose write fails is
    /// left out of the rest of the call (its entries stay pending for a later call, after its
    /// backoff) while the other queues go on. Throws when nothing was archived because Postgres
    /// is out of reach (every write failed with an outage), so the caller backs off and reports
    /// it once. Returns the entries archived.
    @discardableResult
    public func drain(_ names: [QueueName]? = nil, onPass: (Pass) async -> Void = { _ in }) async throws -> Int {
        var total = 0
        var failed = Set<QueueName>()
        var failures: [QueueFailure] = []
        while true {
            let pending = try await read(names, .pendingOnly, skipping: failed).batches
            if pending.isEmpty { break }
            let pass = await write(pending)
            await onPass(pass)
            total += pass.archived
            failed.formUnion(pass.failures.map(\.queue))
            failures += pass.failures
        }
        var (batches, backlog) = try await read(names, .newOnly, skipping: failed)
        while !batches.isEmpty {
            let (skipping, more) = (failed, backlog)
            async let next = more ? read(names, .newOnly, skipping: skipping) : (batches: [], backlog: false)
            let pass = await write(batches)
            await onPass(pass)
            total += pass.archived
            failed.formUnion(pass.failures.map(\.queue))
            failures += pass.failures
            // What `next` read of a queue that failed meanwhile stays pending for a later call.
            let read = try await next
            batches = read.batches.filter { !failed.contains($0.queue) }
            backlog = read.backlog
        }
        if total == 0, let first = failures.first,
            failures.allSatisfy({ ArchiveTroubles.Failure($0.error) == .outage })
        {
            throw first.error
        }
        return total
    }

    /// Reads one batch per queue until the pass's byte budget is spent, leaving out `skipping`
    /// and the queues still waiting out a failure's backoff. `backlog`: some queue had at least
    /// as many entries as were asked of it, or the budget ran out before every queue was read.
    private func read(
        _ names: [QueueName]?,
        _ which: EventRead,
        skipping: Set<QueueName> = []
    ) async throws -> (batches: [EventBatch], backlog: Bool) {
        let known: [QueueName]
        if let names { known = names } else { known = try await queues.queueNames() }
        let instant = now()
        let targets = reads.withLock { state in
            known.filter { !skipping.contains($0) && state.troubles.isDue($0, at: instant) }
        }
        guard !targets.isEmpty else { return ([], false) }
        let start = reads.withLock { $0.start } % targets.count
        var budget = maxPassBytes
        var batches: [EventBatch] = []
        var backlog = false
        for offset in 0..<targets.count {
            let queue = targets[(start + offset) % targets.count]
            guard budget > 0 else {
                reads.withLock { $0.start = (start + offset) % targets.count }
                backlog = true
                break
            }
            let average = reads.withLock { $0.entryBytes[queue] } ?? 0
            let count = average > 0 ? min(batchSize, max(1, budget / average)) : batchSize
            let batch = try await queues.readEvents(queue, count: count, which)
            guard !batch.isEmpty else { continue }
            backlog = backlog || batch.entryIDs.count >= count
            budget -= batch.bytes
            reads.withLock { $0.entryBytes[queue] = max(1, batch.bytes / batch.entryIDs.count) }
            batches.append(batch)
        }
        return (batches, backlog)
    }

    /// Writes each queue's batch to Postgres, then acknowledges it: never the other way round.
    /// A queue's failure is noted (``ArchiveTroubles``) and reported in the pass.
    private func write(_ batches: [EventBatch]) async -> Pass {
        var pass = Pass()
        for batch in batches {
            let isolating = reads.withLock { $0.troubles.shouldIsolate(batch.queue) }
            do {
                pass.quarantined += try await isolation.record(batch.events, isolating: isolating)
                try await queues.acknowledgeEvents(batch)
                pass.archived += batch.entryIDs.count
                pass.queues.insert(batch.queue)
                reads.withLock { $0.troubles.succeeded(batch.queue) }
            } catch {
                let instant = now()
                reads.withLock { $0.troubles.failed(batch.queue, ArchiveTroubles.Failure(error), at: instant) }
                pass.failures.append(QueueFailure(queue: batch.queue, error: error))
            }
        }
        return pass
    }
}
