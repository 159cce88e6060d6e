import AsyncHTTPClient
import FoundationEssentials
import NIOCore
import NIOHTTP1
import Synchronization

/// Runs the workers of each step as local `forge-worker` processes on loopback, each on its own
/// port, all serving the step's queues. They inherit the environment (`FORGE_REDIS_URL`,
/// `FORGE_NAMESPACE`, …); `environment` and `extraArguments` add to it.
public final class LocalWorkerFleet: WorkerFleet {
    public struct Options: Sendable {
        /// Where `forge-worker` is.
        public var binary: URL
        /// Per-worker `--concurrency`, so a step's capacity is known; nil leaves the worker's default.
        public var concurrency: Int?
        public var extraArguments: [String]
        public var environment: [String: String]
        /// Worker i listens on `portBase + i`; nil picks free ports.
        public var portBase: Int?
        public var logDirectory: URL

        public init(
            binary: URL,
            concurrency: Int?,
            extraArguments: [String],
            environment: [String: String],
            portBase: Int?,
            logDirectory: URL
        ) {
            self.binary = binary
            self.concurrency = concurrency
            self.extraArguments = extraArguments
            self.environment = environment
            self.portBase = portBase
            self.logDirectory = logDirectory
        }
    }

    private let options: Options
    private let running = Mutex<[WorkerProcess]>([])

    public init(options: Options) throws {
        guard FileManager.default.isExecutableFile(atPath: options.binary.path) else {
            throw LoadError.invalid("--bin-dir", "no forge-worker executable at \(options.binary.path)")
        }
        try? FileManager.default.createDirectory(at: options.logDirectory, withIntermediateDirectories: true)
        self.options = options
    }

    public var usesFreshQueues: Bool { true }

    /// Stops the last step's workers, starts `count` new ones on `queues`, waits for `/readyz`.
    public func scale(to count: Int, queues: [String]) async throws -> [String] {
        await shutdown()
        var started: [WorkerProcess] = []
        for index in 0..<count {
            let port: Int
            if let base = options.portBase { port = base + index } else { port = try await FreePort.find() }
            let name = "forge-load-\(queues.first ?? "default")-\(index + 1)"
            var arguments = ["--name", name, "--queues", queues.joined(separator: ",")]
            if let concurrency = options.concurrency { arguments += ["--concurrency", String(concurrency)] }
            let worker = try WorkerProcess(
                name: name,
                binary: options.binary,
                arguments: arguments + options.extraArguments,
                port: port,
                environment: options.environment,
                log: options.logDirectory.appendingPathComponent("\(name).log")
            )
            started.append(worker)
            running.withLock { $0.append(worker) }
        }
        try await waitUntilReady(started)
        return started.map { "http://127.0.0.1:\($0.port)/metrics" }
    }

    public func shutdown() async {
        let workers = running.withLock { all in
            defer { all = [] }
            return all
        }
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.stop(grace: .seconds(5)) } }
        }
    }

    private func waitUntilReady(_ workers: [WorkerProcess]) async throws {
        try await HTTPClient.withHTTPClient { http in
            let deadline = ContinuousClock.now + .seconds(30)
            for worker in workers {
                while true {
                    guard worker.isRunning else {
                        throw LoadError(.process, "\(worker.name) exited at start; see \(options.logDirectory.path)/\(worker.name).log")
                    }
                    let request = HTTPClientRequest(url: "http://127.0.0.1:\(worker.port)/readyz")
                    if let response = try? await http.execute(request, timeout: .seconds(1)) {
                        _ = try? await response.body.collect(upTo: 1 << 16)
                        if response.status.code == 200 { break }
                    }
                    guard ContinuousClock.now < deadline else {
                        throw LoadError(.process, "\(worker.name) not ready within 30 s; see \(options.logDirectory.path)/\(worker.name).log")
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }
}
