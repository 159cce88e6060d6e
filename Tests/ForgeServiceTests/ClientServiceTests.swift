import ForgeService
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The order the bootstrap relies on: a client listed ahead of a service is closed only after
/// that service has finished draining, however long the drain takes.
@Suite struct ClientServiceTests {
    /// What happened, in order.
    final class Journal: Sendable {
        let entries = Mutex<[String]>([])
        func record(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// A service that, asked to stop, keeps using its client a while before it returns.
    struct DrainingService: Service {
        let journal: Journal
        func run() async throws {
            journal.record("service running")
            try? await gracefulShutdown()
            journal.record("service draining")
            try await Task.sleep(for: .milliseconds(50))
            journal.record("service stopped")
        }
    }

    @Test func clientClosesAfterTheServicesThatFollowIt() async throws {
        let journal = Journal()
        let client = ClientService(name: "redis") { journal.record("client closed") }
        let group = ServiceGroup(services: [client, DrainingService(journal: journal)], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while !journal.all.contains("service running") { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(journal.all == ["service running", "service draining", "service stopped", "client closed"])
    }

    @Test func clientClosesOnceWhenTheGroupIsCancelled() async throws {
        let journal = Journal()
        let client = ClientService(name: "redis") { journal.record("client closed") }
        let group = ServiceGroup(services: [client], logger: Logger(label: "test"))
        let run = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(20))
        run.cancel()
        _ = try? await run.value
        #expect(journal.all == ["client closed"])
    }
}
