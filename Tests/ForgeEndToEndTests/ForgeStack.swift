import ForgePostgres
import ForgeRedis
import ForgeTestSupport
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The real Forge processes (the built binaries) for one test, against the test Redis and
/// Postgres, isolated by a namespace of the test's own: its Redis key prefix and, as in any
/// deployment, its Postgres schema.
final class ForgeStack: @unchecked Sendable {
    let namespace: String
    /// Where the processes keep history: the schema named by the namespace.
    var schema: String { namespace }
    let token = UUID().uuidString
    let gatewayPort: Int
    let logs: URL
    /// The Redis every process of this stack uses (the shared test Redis unless a test brings its own).
    let redisURL: String
    private var processes: [String: Process] = [:]
    private let lock = NSLock()

    static var redisURL: String {
        ProcessInfo.processInfo.environment["FORGE_TEST_REDIS_URL"] ?? "redis://127.0.0.1:16379"
    }

    static var postgresURL: String {
        ProcessInfo.processInfo.environment["FORGE_TEST_POSTGRES_URL"] ?? "postgres://forge@127.0.0.1:15432/forge"
    }

    /// Where `swift build` put the executables of the configuration these tests were built in
    /// (override with FORGE_BIN_DIR).
    static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["FORGE_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        #if DEBUG
        return root.appendingPathComponent(".build/debug")
        #else
        return root.appendingPathComponent(".build/release")
        #endif
    }

    /// The database every process uses; the namespace picks the schema.
    var postgresURL: String { Self.postgresURL }

    init(redisURL: String = ForgeStack.redisURL, namespace: String? = nil) throws {
        self.namespace = namespace ?? "e2e_\(UUID().uuidString.prefix(8).lowercased())"
        self.redisURL = redisURL
        gatewayPort = try Self.freePort()
        logs = FileManager.default.temporaryDirectory.appendingPathComponent(self.namespace)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    }

    /// Runs `forge migrate` (which creates the namespace's schema), starts the gateway and waits until it is ready.
    static func start(
        schedulers: [[String]] = [[]],
        workers: [[String]] = [[]],
        redisURL: String = ForgeStack.redisURL,
        namespace: String? = nil
    ) async throws -> ForgeStack {
        let stack = try ForgeStack(redisURL: redisURL, namespace: namespace)
        let migrate = try stack.run("migrate", ["migrate", "--postgres-url", stack.postgresURL], binary: "forge")
        await migrate.exited()
        guard migrate.terminationStatus == 0 else { throw StackError("forge migrate failed: \(stack.log("migrate"))") }
        _ = try stack.run("gateway", [], binary: "forge-gateway", port: stack.gatewayPort)
        for (index, arguments) in schedulers.enumerated() {
            _ = try stack.startScheduler("scheduler-\(index + 1)", arguments)
        }
        for (index, arguments) in workers.enumerated() {
            _ = try stack.startWorker("worker-\(index + 1)", arguments)
        }
        try await stack.waitUntil("gateway ready", timeout: 30) {
            (try? await stack.request("GET", "/readyz").status) == 200
        }
        return stack
    }

    @discardableResult
    func startWorker(_ name: String, _ arguments: [String] = []) throws -> Int {
        let port = try Self.freePort()
        _ = try run(name, ["--name", name] + arguments, binary: "forge-worker", port: port)
        return port
    }

    @discardableResult
    func startScheduler(_ name: String, _ arguments: [String] = []) throws -> Int {
        let port = try Self.freePort()
        _ = try run(name, ["--id", name] + arguments, binary: "forge-scheduler", port: port)
        return port
    }

    /// Sends `signal` to a process and, for SIGTERM, waits for it to exit; returns its status.
    @discardableResult
    func stop(_ name: String, signal: Int32 = SIGTERM, wait: Bool = true) -> Int32? {
        guard let process = lock.withLock({ processes[name] }) else { return nil }
        kill(process.processIdentifier, signal)
        guard wait else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func isRunning(_ name: String) -> Bool { lock.withLock { processes[name]?.isRunning ?? false } }

    /// The process id of a running process, e.g. to read its memory from `/proc`.
    func processID(_ name: String) -> Int32? { lock.withLock { processes[name]?.processIdentifier } }

    /// Stops every process and drops the schema and keys.
    func shutdown() async {
        let all = lock.withLock { Array(processes.values) }
        for process in all where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in all { await process.exited() }
        if let client = try? PostgresClient(configuration: PostgresConfiguration(url: Self.postgresURL, poolSize: 1)) {
            _ = try? await client.query("DROP SCHEMA IF EXISTS \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
            await client.shutdown()
        }
        // Jobs the stack left (pending, or finished within their TTL) would pile up in the shared
        // Redis over a run, and every test's key walk would pay for them.
        if let configuration = try? RedisConfiguration(url: redisURL, setting: "test") {
            let redis = RedisClient(configuration: configuration)
            await redis.deleteKeys(of: namespace)
            await redis.shutdown()
        }
    }

    func log(_ name: String) -> String {
        let text = (try? String(contentsOf: logs.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
        return String(text.suffix(4000))
    }

    // MARK: HTTP

    struct Reply: @unchecked Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    func request(
        _ method: String,
        _ path: String,
        json: Any? = nil,
        raw: Data? = nil,
        token: String?? = .none,
        port: Int? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port ?? gatewayPort)\(path)")!, timeoutInterval: 10)
        request.httpMethod = method
        let bearer: String? = token ?? self.token
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let json { request.httpBody = try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]) }
        if let raw { request.httpBody = raw }
        if request.httpBody != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }

    func enqueue(_ job: [String: Any]) async throws -> String {
        let reply = try await request("POST", "/v1/jobs", json: job)
        guard reply.status == 201, let id = reply.json["id"] as? String else {
            throw StackError("enqueue answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        return id
    }

    func job(_ id: String) async throws -> [String: Any] {
        try await request("GET", "/v1/jobs/\(id)").json
    }

    /// Waits until the job reaches `state`; fails with the job and the logs if it does not in time.
    @discardableResult
    func waitForState(_ id: String, _ state: String, timeout: Double = 20) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        try await waitUntil("job \(id) \(state)", timeout: timeout) {
            last = (try? await self.job(id)) ?? [:]
            return last["state"] as? String == state
        }
        return last
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` seconds pass.
    func waitUntil(_ what: String, timeout: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let names = lock.withLock { Array(processes.keys) }.sorted()
        throw StackError("timed out waiting for \(what)\n" + names.map { "--- \($0) ---\n\(log($0))" }.joined(separator: "\n"))
    }

    /// Reads a metric value from a service's /metrics (first sample whose line starts with `prefix`).
    func metric(port: Int, _ prefix: String) async -> Double? {
        guard let reply = try? await request("GET", "/metrics", token: .some(nil), port: port) else { return nil }
        let text = String(decoding: reply.body, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    // MARK: Processes

    /// Starts a program that is not one of Forge's (a worker written in another language) with
    /// `environment` added, logged as `name` and stopped with the stack.
    func startProgram(_ name: String, _ executable: String, _ arguments: [String], environment: [String: String]) throws {
        _ = try run(name, arguments, executable: URL(fileURLWithPath: executable), extra: environment)
    }

    private func run(_ name: String, _ arguments: [String], binary: String, port: Int? = nil) throws -> Process {
        try run(name, arguments, executable: Self.binDirectory.appendingPathComponent(binary), port: port)
    }

    private func run(_ name: String, _ arguments: [String], executable: URL, port: Int? = nil, extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment["FORGE_REDIS_URL"] = redisURL
        environment["FORGE_POSTGRES_URL"] = postgresURL
        environment["FORGE_NAMESPACE"] = namespace
        environment["FORGE_API_TOKENS"] = token
        environment["FORGE_HTTP_HOST"] = "127.0.0.1"
        environment["FORGE_LOG_LEVEL"] = "info"
        if let port { environment["FORGE_HTTP_PORT"] = String(port) }
        process.environment = environment
        let logURL = logs.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { processes[name] = process }
        return process
    }

    /// A loopback port nobody listens on now.
    static func freePort() throws -> Int { try freeLoopbackPort() }
}

struct StackError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a started stack and always shuts it down.
func withStack(
    schedulers: [[String]] = [[]],
    workers: [[String]] = [[]],
    redisURL: String = ForgeStack.redisURL,
    namespace: String? = nil,
    _ body: (ForgeStack) async throws -> Void
) async throws {
    let stack = try await ForgeStack.start(schedulers: schedulers, workers: workers, redisURL: redisURL, namespace: namespace)
    do {
        try await body(stack)
    } catch {
        await stack.shutdown()
        throw error
    }
    await stack.shutdown()
}
