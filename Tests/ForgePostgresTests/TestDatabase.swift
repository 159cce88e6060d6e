import ForgeCore
import ForgePostgres
import ForgeTestSupport
import Foundation

/// Builds events tersely; the stream id is irrelevant to the history store.
func event(
    _ id: JobID,
    _ seq: Int,
    _ kind: JobEvent.Kind,
    _ state: JobState,
    at: Int64,
    queue: String = "default",
    attempts: Int? = nil,
    type: String? = nil,
    payload: String? = nil,
    priority: Int? = nil,
    maxAttempts: Int? = nil,
    runAtMs: Int64? = nil,
    error: String? = nil,
    result: String? = nil
) throws -> JobEvent {
    JobEvent(
        streamID: "\(at)-\(seq)",
        jobID: id,
        queue: try QueueName(queue),
        seq: seq,
        kind: kind,
        state: state,
        atMs: at,
        attempts: attempts,
        type: type,
        payload: payload,
        priority: priority,
        maxAttempts: maxAttempts,
        runAtMs: runAtMs,
        error: error,
        result: result
    )
}

/// A job's whole life: enqueued, started, completed (seq 1…3).
func completedJob(_ id: JobID, at: Int64, queue: String = "default", type: String = "mail.send") throws -> [JobEvent] {
    [
        try event(
            id,
            1,
            .enqueued,
            .pending,
            at: at,
            queue: queue,
            attempts: 0,
            type: type,
            payload: #"{"to":"a@b.c"}"#,
            priority: 5,
            maxAttempts: 3
        ),
        try event(id, 2, .started, .active, at: at + 10, queue: queue, attempts: 1),
        try event(id, 3, .completed, .completed, at: at + 20, queue: queue, result: #"{"ok":true}"#),
    ]
}
