import ForgeCore

/// Reads the per-job HASH the scripts write into a ``JobRecord``.
enum JobHash {
    static func record(from reply: RedisValue, id: JobID, queue: QueueName) -> JobRecord? {
        guard let flat = reply.array, !flat.isEmpty else { return nil }
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let key = flat[index].string { fields[key] = flat[index + 1].string }
        }
        guard let state = fields["state"].flatMap(JobState.init(rawValue:)) else { return nil }
        func int(_ key: String) -> Int64? { fields[key].flatMap { Int64($0) } }
        let spec = fields["spec"].flatMap { JobSpec(packed: $0) }
        let result = fields["result"].flatMap { $0.isEmpty ? nil : $0 }
        return JobRecord(
            id: id,
            queue: queue,
            type: spec?.type ?? "",
            state: state,
            priority: Int(int("priority") ?? 5),
            payload: spec?.payload ?? "null",
            attempts: Int(int("attempts") ?? 0),
            maxAttempts: Int(int("max_attempts") ?? 0),
            timeoutMs: spec?.timeoutMs,
            createdAtMs: int("created_at") ?? 0,
            runAtMs: int("run_at"),
            startedAtMs: int("started_at"),
            finishedAtMs: int("finished_at"),
            lastError: fields["last_error"],
            result: result,
            uniqueKey: spec?.uniqueKey,
            errors: []
        )
    }
}
