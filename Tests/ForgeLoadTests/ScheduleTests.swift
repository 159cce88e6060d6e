import ForgeCore
import ForgeLoad
import Testing

struct ArrivalScheduleTests {
    let start = ContinuousClock.now

    @Test func requestIIsDueAtStartPlusIOverRate() {
        let schedule = ArrivalSchedule(start: start, requestsPerSecond: 2000, warmup: .zero, duration: .seconds(1))
        #expect(schedule.due(0) == start)
        #expect(schedule.offset(of: 1) == .microseconds(500))
        #expect(schedule.offset(of: 2000) == .seconds(1))
        #expect(schedule.due(3) - schedule.due(2) == .microseconds(500))
    }

    @Test func dueTimesDoNotDriftOverLongRuns() {
        let schedule = ArrivalSchedule(start: start, requestsPerSecond: 3, warmup: .zero, duration: .seconds(3600))
        #expect(schedule.offset(of: 3 * 3600) == .seconds(3600))
        #expect(schedule.offset(of: 1).milliseconds == 333)
    }

    @Test func warmupRequestsComeFirstAndAreNotMeasured() {
        let schedule = ArrivalSchedule(start: start, requestsPerSecond: 1000, warmup: .seconds(2), duration: .seconds(2))
        #expect(schedule.firstMeasured == 2000)
        #expect(schedule.end == 4000)
        #expect(schedule.measuredCount == 2000)
        #expect(schedule.due(schedule.firstMeasured) == schedule.measureStart)
    }

    @Test func fractionalRatesRoundUpToTheRequestsThatFitTheWindow() {
        let schedule = ArrivalSchedule(start: start, requestsPerSecond: 2.5, warmup: .zero, duration: .seconds(1))
        // Offsets 0, 0.4, 0.8 fall in [0, 1); 1.2 does not.
        #expect(schedule.end == 3)
    }
}
