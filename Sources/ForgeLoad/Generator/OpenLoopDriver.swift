import Synchronization

/// Sends requests on an ``ArrivalSchedule`` (open loop): each goes out when it is due, however
/// many earlier ones are still waiting for their answer, up to `maxInFlight`. Answers are
/// recorded on the event loops as they arrive.
struct OpenLoopDriver: Sendable {
    let schedule: ArrivalSchedule
    let client: EnqueueClient
    let recorder: LoadRecorder
    let maxInFlight: Int

    /// Returns when every request of the schedule was answered (or, cancelled, when those sent were).
    func run(inFlight: InFlightCount) async {
        let clock = ContinuousClock()
        var index = 0
        let end = schedule.end
        while index < end, !Task.isCancelled {
            let due = schedule.due(index)
            let now = clock.now
            if due > now {
                try? await Task.sleep(until: due, tolerance: .microseconds(50), clock: clock)
                continue
            }
            // At the cap the schedule slips: the request goes out when a slot frees, it is
            // counted late, and its latency still runs from its due time.
            guard inFlight.value < maxInFlight else {
                try? await Task.sleep(for: .microseconds(200))
                continue
            }
            inFlight.add(1)
            client.send { [recorder] outcome in
                recorder.record(due: due, started: now, answered: clock.now, outcome: outcome)
                inFlight.add(-1)
            }
            index += 1
        }
        await inFlight.waitUntilIdle()
    }
}

/// Closed loop (`--max`): `connections` chains of requests, each sending its next request from
/// the answer's callback until `end`. Latency runs from each request's own start.
struct ClosedLoopDriver: Sendable {
    let connections: Int
    let end: ContinuousClock.Instant
    let client: EnqueueClient
    let recorder: LoadRecorder

    func run(inFlight: InFlightCount) async {
        for _ in 0..<connections { sendNext(inFlight: inFlight) }
        try? await Task.sleep(until: end, clock: .continuous)
        await inFlight.waitUntilIdle()
    }

    private func sendNext(inFlight: InFlightCount) {
        let clock = ContinuousClock()
        let started = clock.now
        guard started < end else { return }
        inFlight.add(1)
        client.send { [self] outcome in
            recorder.record(due: started, started: started, answered: clock.now, outcome: outcome)
            // The next request counts before this one stops counting, so in-flight never
            // reads 0 while a chain goes on.
            sendNext(inFlight: inFlight)
            inFlight.add(-1)
        }
    }
}

/// Requests sent and not yet answered.
final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }

    /// Waits for the last answers (each bounded by the request timeout).
    func waitUntilIdle() async {
        while value > 0 { try? await Task.sleep(for: .milliseconds(2)) }
    }
}
