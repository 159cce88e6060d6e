import ForgeCore
import ForgeGateway
import ForgeRedis
import ForgeTestSupport
import Logging
import Testing

/// Which lease API workers a gateway reports, and when: decided by the times passed in, no I/O.
@Suite struct RemoteWorkerRosterTests {
    let queue = try! QueueName("roster")
    let other = try! QueueName("roster-other")

    private func roster() -> RemoteWorkerRoster {
        let redis = RedisClient(configuration: TestRedis.configuration(url: nil, poolSize: 1))
        return RemoteWorkerRoster(registry: WorkerRegistry(redis: redis), logger: Logger(label: "test.roster"), intervalMs: 5_000)
    }

    @Test func aWorkerIsReportedAtOnceThenEveryIntervalWhileItAsksAndForgottenWhenSilent() {
        let roster = roster()
        #expect(roster.leaseStarted(worker: "py", queue: queue, count: 10, now: 1_000))
        roster.leaseEnded(worker: "py", now: 1_010)
        let first = roster.takeDue(now: 1_100)
        #expect(first.map(\.name) == ["py"])
        #expect(first.first?.remote == true)
        #expect(first.first?.concurrency == 10)
        #expect(first.first?.startedAtMs == 1_000)
        #expect(roster.takeDue(now: 2_000).isEmpty, "reported within the interval")

        #expect(roster.leaseStarted(worker: "py", queue: other, count: 4, now: 5_500))
        roster.leaseEnded(worker: "py", now: 5_600)
        let again = roster.takeDue(now: 6_200)
        #expect(again.first?.queues == ["roster", "roster-other"])
        #expect(again.first?.concurrency == 4, "what it asked for last")

        #expect(roster.takeDue(now: 12_000).isEmpty, "silent for an interval: not reported, not forgotten yet")
        #expect(roster.takeDue(now: 21_000).isEmpty, "silent for three: forgotten")
        #expect(roster.leaseStarted(worker: "py", queue: queue, count: 1, now: 30_000))
        #expect(roster.takeDue(now: 30_001).first?.startedAtMs == 30_000, "back as a new worker")
    }

    @Test func aLongPollKeepsItsWorkerReported() {
        let roster = roster()
        #expect(roster.leaseStarted(worker: "poller", queue: queue, count: 1, now: 0))
        #expect(roster.takeDue(now: 100).count == 1)
        // Waiting 30 s without a new request: reported every interval all along.
        for now in stride(from: Int64(5_100), through: 30_100, by: 5_000) {
            #expect(roster.takeDue(now: now).map(\.name) == ["poller"], "at \(now)")
        }
        roster.leaseEnded(worker: "poller", now: 30_000)
        #expect(roster.takeDue(now: 50_000).isEmpty)
    }

    @Test func madeUpNamesCannotGrowItPastItsCapacity() {
        let roster = roster()
        for index in 0..<RemoteWorkerRoster.capacity {
            #expect(roster.leaseStarted(worker: "w\(index)", queue: queue, count: 1, now: 0))
        }
        #expect(!roster.leaseStarted(worker: "one-more", queue: queue, count: 1, now: 0), "not tracked")
        #expect(roster.leaseStarted(worker: "w7", queue: queue, count: 1, now: 0), "a known one still is")
        #expect(roster.takeDue(now: 1).count == RemoteWorkerRoster.capacity)
    }
}
