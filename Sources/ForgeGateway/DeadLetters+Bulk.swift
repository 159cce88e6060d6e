import ForgeCore
import ForgePostgres
import ForgeRedis
import Logging

extension DeadLetters {
    /// Retries or deletes the dead letters `selection` takes, at most `limit` of them (1 to
    /// ``maxBulkLimit``), in script calls of ``batchSize``, never one long script. Named ids
    /// that are not dead letters of the queue are skipped and not counted. A retry restores each
    /// revived job's history row first where history has none (best effort, as ``retryOne(_:)``).
    ///
    /// A filtered action walks the dead set latest death first and examines at most
    /// ``scanCap`` dead letters (ten times the scheduler's default cap of a queue's dead
    /// letters); `more` says it stopped at `limit` with matches left, or at that bound. A repeat
    /// starts again from the latest death, and finds what the last one left.
    func bulk(_ action: DeadLetterAction, _ selection: DeadLetterSelection, limit: Int = maxBulkLimit) async throws -> BulkOutcome {
        guard (1...Self.maxBulkLimit).contains(limit) else {
            throw ValidationError(field: "limit", reason: "must be between 1 and \(Self.maxBulkLimit)")
        }
        switch selection {
        case .ids(let queue, let ids): return try await bulk(action, queue, ids: ids, limit: limit)
        case .matching(let filter): return try await bulk(action, filter, limit: limit)
        }
    }

    private func bulk(_ action: DeadLetterAction, _ queue: QueueName, ids: [JobID], limit: Int) async throws -> BulkOutcome {
        guard (1...Self.maxSelection).contains(ids.count) else {
            throw ValidationError(field: "ids", reason: "must hold 1 to \(Self.maxSelection) job ids")
        }
        var seen: Set<JobID> = []
        let ids = ids.filter { seen.insert($0).inserted }
        var outcome = BulkOutcome(queue: queue, matched: 0, acted: 0, more: false)
        var start = 0
        while start < ids.count {
            let batch = Array(ids[start..<min(start + Self.batchSize, ids.count)])
            start += batch.count
            let entries = try await dependencies.listQueues.deadLetterEntries(batch, queue: queue)
            let taken = Array(entries.prefix(limit - outcome.matched))
            outcome.matched += taken.count
            outcome.acted += try await act(action, queue, taken)
            guard outcome.matched < limit else {
                if entries.count > taken.count {
                    outcome.more = true
                } else {
                    outcome.more = try await anyDead(ids[start...], queue: queue)
                }
                break
            }
        }
        return outcome
    }

    private func bulk(_ action: DeadLetterAction, _ filter: DeadLetterFilter, limit: Int) async throws -> BulkOutcome {
        var outcome = BulkOutcome(queue: filter.queue, matched: 0, acted: 0, more: false)
        var cursor: PageCursor?
        var examined = 0
        while true {
            let room = limit - outcome.matched
            // At the limit, one more match (if the bounds reach it) tells whether any remain.
            let bounds = DeadLetterFilterScript.Bounds(
                matches: room == 0 ? 1 : min(Self.batchSize, room),
                bytes: .max,
                examined: min(QueueStore.deadLetterScanEntries, Self.scanCap - examined),
                read: QueueStore.deadLetterScanBytes
            )
            let walk = try await dependencies.listQueues.deadLetterWalk(filter.queue, filter.match, after: cursor, bounds: bounds)
            examined += walk.examined
            guard room > 0 else {
                outcome.more = !walk.entries.isEmpty || walk.resume != nil
                return outcome
            }
            outcome.matched += walk.entries.count
            outcome.acted += try await act(action, filter.queue, walk.entries)
            // Acted-on dead letters have left the set; the cursor's position holds regardless.
            guard let resume = walk.resume else { return outcome }
            guard examined < Self.scanCap else {
                outcome.more = true
                return outcome
            }
            cursor = resume
        }
    }

    /// Retries or deletes `entries`, one script call; returns how many it acted on.
    private func act(_ action: DeadLetterAction, _ queue: QueueName, _ entries: [DeadLetterPageScript.Entry]) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let ids = entries.map(\.id)
        switch action {
        case .delete:
            return try await dependencies.queues.removeDead(ids, queue: queue)
        case .retry:
            await restoreHistory(of: entries, queue: queue)
            return try await dependencies.queues.reviveDead(ids, queue: queue)
        }
    }

    /// Writes the history rows history no longer has for `entries`, as ``retryOne(_:)`` does for
    /// one: one query finds which, and only those jobs are read from Redis. Best effort: with
    /// Postgres out of reach the retries go ahead.
    private func restoreHistory(of entries: [DeadLetterPageScript.Entry], queue: QueueName) async {
        let missing: Set<JobID>
        do {
            missing = try await dependencies.history.idsWithoutRows(entries.map(\.id))
        } catch {
            historyTrouble(error, job: nil)
            return
        }
        guard !missing.isEmpty else { return }
        // A round trip's worth at a time: a batch's payloads are not all held at once.
        // Best effort, as for one job: a failed read leaves those rows unrestored, not the retry undone.
        for chunk in QueueStore.readChunks(entries.filter { missing.contains($0.id) }) {
            let records: [JobRecord]
            do {
                records = try await dependencies.listQueues.deadLetterRecords(Array(chunk), queue: queue)
            } catch {
                dependencies.logger.warning(
                    "could not read dead letters to restore their history rows",
                    metadata: ["queue": "\(queue)", "error": "\(error)"]
                )
                continue
            }
            for record in records where record.state == .dead {
                await restoreHistory(record)
            }
        }
    }

    /// Whether any of `ids` is a dead letter of `queue`.
    private func anyDead(_ ids: ArraySlice<JobID>, queue: QueueName) async throws -> Bool {
        var start = ids.startIndex
        while start < ids.endIndex {
            let batch = Array(ids[start..<min(start + Self.batchSize, ids.endIndex)])
            if try await !dependencies.listQueues.deadLetterEntries(batch, queue: queue).isEmpty { return true }
            start += batch.count
        }
        return false
    }
}
