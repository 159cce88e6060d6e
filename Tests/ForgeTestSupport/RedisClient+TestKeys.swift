import ForgeRedis

extension RedisClient {
    /// Every key matching `pattern`, walked with `SCAN`: `KEYS` holds the shared test Redis for as
    /// long as it takes to look at every key of every test running beside (seen at 0.8 s on a
    /// loaded machine, past other tests' command timeouts).
    /// On a cluster, every master is walked.
    public func keys(matching pattern: String) async throws -> [String] {
        var found: [String] = []
        for node in try await dataNodes() {
            var cursor = "0"
            repeat {
                let reply = try await command(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"], on: node)
                guard let parts = reply.array, parts.count == 2, let next = parts[0].string else { break }
                found += (parts[1].array ?? []).compactMap(\.string)
                cursor = next
            } while cursor != "0"
        }
        return found
    }

    /// Deletes every key of `namespace` (a test's own), a few hundred at a time (one `UNLINK` per
    /// key: on a cluster they live in many slots).
    public func deleteKeys(of namespace: String) async {
        guard let found = try? await keys(matching: "\(namespace):*") else { return }
        var start = 0
        while start < found.count {
            let end = min(start + 500, found.count)
            _ = try? await pipeline(found[start..<end].map { ["UNLINK", $0] })
            start = end
        }
    }
}
