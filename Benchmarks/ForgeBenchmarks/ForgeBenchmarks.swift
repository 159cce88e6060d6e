import Benchmark
import ForgeCore
import ForgeGateway
import ForgeObservability
import ForgePostgres
import ForgeRedis
import ForgeWorker
import Foundation

/// What one job costs in Forge's own code on its way through, without the I/O around it: the
/// gateway turning a request body into a job, a script call and an answer; the worker decoding a
/// lease reply, keeping its books and building the ack; the archiver turning a job's events into
/// history rows. Counts per job (`scalingFactor: .kilo`: 1 000 jobs per sample).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.mallocCountTotal, .wallClock],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 100
    )

    Benchmark("Gateway: POST /v1/jobs body → job → enqueue call → answer") { benchmark in
        let fixture = EnqueueFixture()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try fixture.run()) }
    }

    // A yardstick measured in the same run: Foundation's JSONDecoder reading the same request body
    // into a Codable struct, so each figure above can be stated as a ratio on any machine.
    Benchmark("Reference: JSONDecoder on the same body") { benchmark in
        let body = Data(EnqueueFixture().body)
        let decoder = JSONDecoder()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode(ReferenceRequest.self, from: body)) }
    }

    Benchmark("Worker: lease reply → job") { benchmark in
        let reply = LeaseFixture.reply(jobs: 1)
        let queue = try QueueName("emails")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try LeaseScript.parseJobs(reply, queue: queue)) }
    }

    Benchmark("Worker: books per job (admit, run, ack queued, acked)") { benchmark in
        var fixture = try await BooksFixture()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { await fixture.cycle() }
    }

    Benchmark("Worker: ack call with the next lease") { benchmark in
        let keys = KeySpace().queue(try QueueName("emails"))
        let acks = [Completion(id: JobID.generate(), token: LeaseToken("1734"), result: nil)][...]
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(
                AckScript.call(keys, acks: acks, retentionMs: 3_600_000, leaseNext: 1, visibilityMs: 30_000, worker: "w-1", requestID: "r")
            )
        }
    }

    // The archiver works in batches: one sample is a pass over 1 000 jobs' entries, counted per job.
    Benchmark("Archiver: stream entries (enqueued, started, completed) → history rows") { benchmark in
        let entries = (0..<1_000).map { _ in ArchiveFixture.entry() }
        let queue = try QueueName("emails")
        benchmark.startMeasurement()
        for _ in 0..<benchmark.scaledIterations.count / 1_000 {
            var events: [JobEvent] = []
            for entry in entries { EventFields.parse(entry, streamID: "1734000000000-0", queue: queue, into: &events) }
            blackHole(try HistoryBatch(events).encoded())
        }
    }
}
