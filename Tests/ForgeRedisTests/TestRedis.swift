import ForgeCore
import ForgeRedis
import ForgeTestSupport
import Foundation

func job(
    _ type: String = "noop",
    queue: String = "q",
    priority: Int? = nil,
    delayMs: Int64? = nil,
    maxAttempts: Int? = nil,
    uniqueKey: String? = nil,
    uniqueForMs: Int64? = nil,
    payload: String? = nil
) -> NewJob {
    try! NewJob(
        queue: queue,
        type: type,
        payload: payload,
        priority: priority,
        delayMs: delayMs,
        maxAttempts: maxAttempts,
        uniqueKey: uniqueKey,
        uniqueForMs: uniqueForMs
    )
}

let q = try! QueueName("q")

func sleep(ms: Int) async throws { try await Task.sleep(for: .milliseconds(ms)) }

extension TestRedis {
    /// ``TestRedis/makeDue(_:in:queue:)`` for the queue most tests use.
    func makeDue(_ id: JobID, in set: KeyPath<QueueKeys, String>) async throws {
        try await makeDue(id, in: set, queue: q)
    }
}
