import ForgeCore
import Testing

@Suite struct JobIDTests {
    @Test func generatedIdsAreVersion7AndStrictlyIncreasing() {
        let ids = (0..<5000).map { _ in JobID.generate() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(10) {
            let chars = Array(id.rawValue)
            #expect(chars.count == 36)
            #expect(chars[14] == "7")
            #expect("89ab".contains(chars[19]))
        }
    }

    @Test func parsingNormalisesCaseAndRejectsGarbage() throws {
        #expect(try JobID("0190B6A4-7C1E-7CC3-9A1E-3F0C2B9D4E5F").rawValue == "0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f")
        #expect(throws: ValidationError.self) { try JobID("not-a-uuid") }
        #expect(throws: ValidationError.self) { try JobID("0190b6a4+7c1e-7cc3-9a1e-3f0c2b9d4e5f") }
    }
}

@Suite struct NameTests {
    @Test(arguments: ["default", "a", "emails.high", "x-1_2", String(repeating: "q", count: 64)])
    func validQueueNames(_ name: String) throws {
        #expect(try QueueName(name).rawValue == name)
    }

    @Test(arguments: ["", "Upper", "-lead", "has space", "br{ace}", "a:b", String(repeating: "q", count: 65)])
    func invalidQueueNamesNameTheField(_ name: String) {
        #expect { try QueueName(name) } throws: { ($0 as? ValidationError)?.field == "queue" }
    }

    @Test func jobTypeAlphabet() throws {
        #expect(try JobType("Email.Send:v2-x_y").rawValue == "Email.Send:v2-x_y")
        #expect { try JobType("has space") } throws: { ($0 as? ValidationError)?.field == "type" }
        #expect { try JobType("") } throws: { ($0 as? ValidationError)?.field == "type" }
        #expect { try JobType(String(repeating: "t", count: 129)) } throws: { ($0 as? ValidationError)?.field == "type" }
    }
}

@Suite struct NewJobTests {
    @Test func defaultsFollowTheDesign() throws {
        let job = try NewJob(type: "noop")
        #expect(job.queue == .default)
        #expect(job.priority == 5)
        #expect(job.maxAttempts == 25)
        #expect(job.timeoutMs == 30_000)
        #expect(job.backoff == .standard)
        #expect(job.payload == "null")
        #expect(job.start == .now)
        #expect(job.uniqueness == nil)
    }

    @Test func eachBadFieldIsNamed() {
        func field(_ make: () throws -> NewJob) -> String? {
            do {
                _ = try make()
                return nil
            } catch { return (error as? ValidationError)?.field }
        }
        #expect(field { try NewJob(type: "t", priority: 10) } == "priority")
        #expect(field { try NewJob(type: "t", priority: -1) } == "priority")
        #expect(field { try NewJob(type: "t", maxAttempts: 0) } == "max_attempts")
        #expect(field { try NewJob(type: "t", maxAttempts: 1001) } == "max_attempts")
        #expect(field { try NewJob(type: "t", timeoutMs: 0) } == "timeout_ms")
        #expect(field { try NewJob(type: "t", delayMs: -5) } == "delay_ms")
        #expect(field { try NewJob(type: "t", runAtMs: 1, delayMs: 1) } == "run_at")
        #expect(field { try NewJob(type: "t", payload: "{bad") } == "payload")
        #expect(field { try NewJob(type: "t", uniqueForMs: 5) } == "unique_for_ms")
        #expect(field { try NewJob(type: "t", uniqueKey: "") } == "unique_key")
        #expect(field { try NewJob(queue: "Bad", type: "t") } == "queue")
        #expect(
            field { try NewJob(type: "t", payload: "\"" + String(repeating: "x", count: 100) + "\"", limits: JobLimits(maxPayloadBytes: 50)) }
                == "payload"
        )
    }

    /// Postgres `jsonb` refuses U+0000, so a payload holding it is refused at the door, escaped or
    /// raw; an escaped backslash followed by `u0000` is ordinary text and stays allowed.
    @Test func payloadWithUPlus0000IsRefused() throws {
        for payload in [#"{"a":"x\u0000"}"#, #"["\u0000"]"#, #"{"\u0000":1}"#] {
            #expect(throws: ValidationError.self) { try NewJob(type: "t", payload: payload) }
        }
        #expect(JSONText.containsNullCharacter("a\u{0}b"))
        for payload in [#"{"a":"\\u0000"}"#, #"{"a":"\u0001"}"#, #""\\\\u0000""#] {
            #expect(try NewJob(type: "t", payload: payload).payload == payload)
        }
    }

    @Test func startTimes() throws {
        #expect(try NewJob(type: "t", delayMs: 0).start == .now)
        #expect(try NewJob(type: "t", delayMs: 500).start == .after(milliseconds: 500))
        #expect(try NewJob(type: "t", runAtMs: 1_700_000_000_000).start == .at(milliseconds: 1_700_000_000_000))
    }
}

@Suite struct BackoffTests {
    @Test func ceilingDoublesUpToTheCap() throws {
        let backoff = try Backoff(baseMs: 1_000, capMs: 10_000)
        #expect((1...6).map { backoff.ceilingMs(afterAttempt: $0) } == [1_000, 2_000, 4_000, 8_000, 10_000, 10_000])
        #expect(backoff.ceilingMs(afterAttempt: 500) == 10_000)
        #expect(Backoff.standard.ceilingMs(afterAttempt: 1000) == 3_600_000)
    }

    @Test func fullJitterStaysWithinTheWindowAndSpreads() throws {
        let backoff = try Backoff(baseMs: 100, capMs: 100_000)
        let delays = (0..<2000).map { _ in backoff.delayMs(afterAttempt: 4) }
        #expect(delays.allSatisfy { (0...800).contains($0) })
        #expect(delays.min()! < 100)
        #expect(delays.max()! > 700)
    }

    @Test func invalidParametersNameTheField() {
        #expect { try Backoff(baseMs: 0, capMs: 10) } throws: { ($0 as? ValidationError)?.field == "backoff.base_ms" }
        #expect { try Backoff(baseMs: 100, capMs: 10) } throws: { ($0 as? ValidationError)?.field == "backoff.cap_ms" }
    }
}

@Suite struct StateMachineTests {
    @Test func transitions() {
        #expect(JobState.pending.canMove(to: .active))
        #expect(JobState.active.canMove(to: .retrying))
        #expect(JobState.retrying.canMove(to: .pending))
        #expect(JobState.dead.canMove(to: .pending))
        #expect(JobState.scheduled.canMove(to: .canceled))
        #expect(!JobState.completed.canMove(to: .canceled))
        #expect(!JobState.completed.canMove(to: .pending))
        #expect(JobState.allCases.filter(\.isTerminal) == [.completed, .dead, .canceled])
    }
}
