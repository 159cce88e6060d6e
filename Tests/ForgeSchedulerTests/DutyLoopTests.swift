import ForgeObservability
import ForgeScheduler
import Testing

@Suite struct DutyLoopTests {
    let loop = DutyLoop(name: "test", interval: .milliseconds(200), reporter: reporter(ForgeMetrics()))

    @Test func aPassThatKnowsWhenItsNextWorkIsDueSleepsNoLongerThanThat() {
        #expect(loop.pause(after: .more) == .zero, "more waiting: at once")
        #expect(loop.pause(after: .done(nextDueIn: nil)) == .milliseconds(200), "nothing known: the interval")
        #expect(loop.pause(after: .done(nextDueIn: .seconds(5))) == .milliseconds(200), "due later than the interval")
        #expect(loop.pause(after: .done(nextDueIn: .milliseconds(40))) == .milliseconds(40))
        #expect(loop.pause(after: .done(nextDueIn: .zero)) == DutyLoop.minimumPause, "never a busy loop")
    }
}
