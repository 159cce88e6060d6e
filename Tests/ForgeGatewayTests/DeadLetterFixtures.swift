import ForgeCore
import ForgeRedis
import ForgeTestSupport

extension TestGateway {
    /// `count` dead letters in `queue` with payloads of `payloadBytes` (see ``DeadLetterFixture``).
    @discardableResult
    func makeDeadLetters(_ queue: QueueName, count: Int, payloadBytes: Int) async throws -> [JobID] {
        try await DeadLetterFixture.make(queues, queue: queue, count: count, payloadBytes: payloadBytes)
    }

    /// The dead set in Redis' own order (latest death first, ties by id descending).
    func deadSetOrder(_ queue: QueueName) async throws -> [String] {
        (try await redis.command(["ZREVRANGE", keys.queue(queue).dead, "0", "-1"]).array ?? []).compactMap(\.string)
    }
}
