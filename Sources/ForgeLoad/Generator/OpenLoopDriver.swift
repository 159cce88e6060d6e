import Synchronization

/// Sends requests on an ``ArrivalSchedule`` (open loop): each request gets a child task when it
/// is due, however many earlier ones are still waiting for their answer, up to `maxInFlight`.
struct OpenLoopDriver: Sendable {
    let schedule: ArrivalSchedule
    let client: EnqueueClient
    let recorder: LoadRecorder
    let maxInFlight: Int

    /// Returns when every request of the schedule was answered (or cancelled).
    func run(inFlight: InFlightCount) async {
        let clock = ContinuousClock()
        await withDiscardingTaskGroup { group in
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
                group.addTask { [client, recorder] in
                    let started = clock.now
                    let outcome = await client.send()
                    recorder.record(due: due, started: started, answered: clock.now, outcome: outcome)
                    inFlight.add(-1)
                }
                index += 1
            }
        }
    }
}

/// Closed loop (`--max`): `connections` senders, each sending its next request as soon as the
/// last one is answered, until `end`. Latency runs from each request's own start.
struct ClosedLoopDriver: Sendable {
    let connections: Int
    let end: ContinuousClock.Instant
    let client: EnqueueClient
    let recorder: LoadRecorder

    func run(inFlight: InFlightCount) async {
        let clock = ContinuousClock()
        await withDiscardingTaskGroup { group in
            for _ in 0..<connections {
                group.addTask { [client, recorder, end] in
                    while clock.now < end, !Task.isCancelled {
                        let started = clock.now
                        inFlight.add(1)
                        let outcome = await client.send()
                        inFlight.add(-1)
                        recorder.record(due: started, started: started, answered: clock.now, outcome: outcome)
                    }
                }
            }
        }
    }
}

/// Requests sent and not yet answered.
final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}
