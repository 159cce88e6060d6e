import ForgeCore
import ForgePostgres
import ForgeRedis
import Foundation
import Testing

/// Dead letters filtered by job type and error text, counted, and retried or deleted in bulk:
/// pages stay bounded however large the dead set, bulk actions take only what they select, and
/// every refusal names its field.
@Suite struct DeadLetterBulkTests {
    static let unknownID = "0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f"

    /// The gateway's check agrees with the scripts': A-Z fold to a-z, every other byte compares
    /// as it is (Lua's `string.lower` in Redis' C locale).
    @Test func errorTextIgnoresTheCaseOfASCIILettersOnly() throws {
        func record(_ type: String, _ error: String?) throws -> JobRecord {
            JobRecord(
                id: JobID.generate(),
                queue: try QueueName("q"),
                type: type,
                state: .dead,
                priority: 5,
                payload: "null",
                attempts: 1,
                maxAttempts: 1,
                createdAtMs: 0,
                lastError: error
            )
        }
        let timeout = DeadLetterMatch(errorText: "TimeOut")
        #expect(timeout.matches(try record("a", "read TIMEOUT after 5 s")))
        #expect(!timeout.matches(try record("a", "read time-out")))
        #expect(!timeout.matches(try record("a", nil)))
        #expect(!DeadLetterMatch(errorText: "ÉCHEC").matches(try record("a", "échec")), "only ASCII letters fold")
        #expect(DeadLetterMatch(errorText: "Échec").matches(try record("a", "ÉCHEC total")))
        let typed = DeadLetterMatch(type: try JobType("mail.send"), errorText: "x")
        #expect(typed.matches(try record("mail.send", "X")))
        #expect(!typed.matches(try record("mail.sender", "X")))
        #expect(DeadLetterMatch.everything.matches(try record("any", nil)))
    }

    @Test func filtersTakeOneTypeAndErrorTextIgnoringCase() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("filters")
            let ids = try await gateway.makeDeadLetters(
                queue,
                [
                    ("mail.send", "SMTP Timeout after 30 s"), ("mail.send", "mailbox full"), ("sms.send", "gateway timeout"),
                    ("mail.send", "smtp timeout again"), ("sms.send", "invalid number"),
                ]
            )
            let order = try await gateway.deadSetOrder(queue)
            func listed(_ query: String) async throws -> [String] {
                let reply = try await gateway.http.get("/v1/dlq?queue=filters&\(query)")
                try #require(reply.status == 200, "\(query): \(reply.text)")
                #expect(reply.json["next_cursor"] is NSNull, "\(query)")
                return try #require(reply.json["jobs"] as? [[String: Any]]).compactMap { $0["id"] as? String }
            }
            func expected(_ picked: [Int]) -> [String] { order.filter { Set(picked.map { ids[$0].rawValue }).contains($0) } }

            #expect(try await listed("type=mail.send") == expected([0, 1, 3]))
            #expect(try await listed("error=TIMEOUT") == expected([0, 2, 3]))
            #expect(try await listed("type=mail.send&error=sMtP%20tImEoUt") == expected([0, 3]))
            #expect(try await listed("type=sms.send&error=mailbox").isEmpty)
            #expect(try await listed("type=MAIL.SEND").isEmpty, "the type matches exactly")

            for (query, count) in [("", 5), ("&type=mail.send", 3), ("&error=timeout", 3), ("&type=sms.send&error=TIMEOUT", 1)] {
                let reply = try await gateway.http.get("/v1/dlq/count?queue=filters\(query)")
                #expect(reply.status == 200, "\(query): \(reply.text)")
                #expect(reply.json["count"] as? Int == count, "\(query): \(reply.text)")
                #expect(reply.json["capped"] as? Bool == false)
                #expect(reply.json["queue"] as? String == "filters")
            }
        }
    }

    /// A filtered page examines at most ``QueueStore/deadLetterScanEntries`` dead letters: over
    /// 12 000, a rare match takes several pages, some of them short or empty, yet every match
    /// comes exactly once, in the dead set's order.
    @Test func filteredPagesCrossTheScanBoundAndListEveryMatchOnce() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("many")
            let kinds = (0..<12_000).map { index in index % 1000 == 7 ? ("rare.kind", "Disk FULL on \(index)") : ("common", "timeout") }
            let ids = try await gateway.makeDeadLetters(queue, kinds)
            let rare = Set(ids.enumerated().filter { kinds[$0.offset].0 == "rare.kind" }.map(\.element.rawValue))
            let order = try await gateway.deadSetOrder(queue)

            var pages: [[String]] = []
            var cursors: [String?] = []
            var cursor: String?
            repeat {
                let reply = try await gateway.http.get("/v1/dlq?queue=many&type=rare.kind&limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""))
                try #require(reply.status == 200, "\(reply.text)")
                pages.append(try #require(reply.json["jobs"] as? [[String: Any]]).compactMap { $0["id"] as? String })
                cursor = reply.json["next_cursor"] as? String
                cursors.append(cursor)
                try #require(pages.count < 100, "the cursor never ends")
            } while cursor != nil

            #expect(pages.flatMap { $0 } == order.filter(rare.contains), "every match once, latest death first")
            // A match every 1 000 dead letters: 5 000 examined find about five of the seven asked for.
            #expect(pages.dropLast().contains { $0.count < 7 }, "some page stopped on the scan bound")
            #expect(zip(pages, cursors).dropLast().allSatisfy { $1 != nil })

            let errorPages = try await gateway.pages("/v1/dlq?queue=many&error=disk%20full&limit=1000")
            #expect(errorPages.flatMap { $0 }.compactMap { $0["id"] as? String } == order.filter(rare.contains))

            let count = try await gateway.http.get("/v1/dlq/count?queue=many&type=rare.kind")
            #expect(count.json["count"] as? Int == rare.count, "\(count.text)")
            #expect(count.json["capped"] as? Bool == false)
            #expect(try await gateway.http.get("/v1/dlq/count?queue=many").json["count"] as? Int == 12_000)
        }
    }

    @Test func aCountStopsAtItsCapAndSaysSo() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("capped")
            try await gateway.makeDeadLetters(queue, Array(repeating: ("t", "boom"), count: 25))
            let match = DeadLetterMatch(errorText: "BOOM")
            let capped = try await gateway.queues.deadLetterCount(queue, matching: match, cap: 10)
            #expect(capped.count == 10 && capped.capped)
            let whole = try await gateway.queues.deadLetterCount(queue, matching: match, cap: 25)
            #expect(whole.count == 25 && !whole.capped)
        }
    }

    @Test func bulkRetryOfASelectionRevivesOnlyThoseAndRestoresTheirHistory() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("chosen")
            let ids = try await gateway.makeDeadLetters(queue, Array(repeating: ("mail.send", "boom"), count: 5))
            #expect(try await gateway.history.job(ids[0]) == nil, "history has no row (no archiver runs here)")
            let live = try await gateway.http.post("/v1/jobs", json: ["type": "live", "queue": "chosen"])
            let liveID = try #require(live.json["id"] as? String)

            let reply = try await gateway.http.post(
                "/v1/dlq/retry",
                json: ["queue": "chosen", "ids": [ids[0].rawValue, ids[3].rawValue.uppercased(), Self.unknownID, liveID, ids[0].rawValue]]
            )
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["matched"] as? Int == 2, "\(reply.text)")
            #expect(reply.json["retried"] as? Int == 2)
            #expect(reply.json["more"] as? Bool == false)
            #expect(reply.json["queue"] as? String == "chosen")

            let counts = try await gateway.counts("chosen")
            #expect(counts.dead == 3)
            #expect(counts.pending == 3, "the two revived and the live job")
            for id in [ids[0], ids[3]] {
                #expect(try await gateway.queues.job(id)?.state == .pending)
                let row = try #require(try await gateway.history.job(id), "history row of \(id) restored")
                #expect(row.type == "mail.send")
            }
            #expect(try await gateway.history.job(ids[1]) == nil, "a dead letter left alone keeps no new row")
            #expect(Set(try await gateway.deadSetOrder(queue)) == Set([ids[1], ids[2], ids[4]].map(\.rawValue)))
        }
    }

    @Test func bulkDeleteOfEveryMatchLeavesTheOthers() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("purge")
            // More than one script call's batch of matches.
            let kinds = (0..<450).map { $0 % 3 == 0 ? ("keep", "Bad Input") : ("drop", "bad input at \($0)") }
            let ids = try await gateway.makeDeadLetters(queue, kinds)
            let reply = try await gateway.http.post("/v1/dlq/delete", json: ["queue": "purge", "type": "drop", "error": "BAD INPUT"])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["matched"] as? Int == 300, "\(reply.text)")
            #expect(reply.json["deleted"] as? Int == 300)
            #expect(reply.json["more"] as? Bool == false)
            let kept = Set(ids.enumerated().filter { kinds[$0.offset].0 == "keep" }.map(\.element.rawValue))
            #expect(Set(try await gateway.deadSetOrder(queue)) == kept)
            let dropped = try #require(ids.enumerated().first { kinds[$0.offset].0 == "drop" }?.element)
            #expect(try await gateway.queues.job(dropped) == nil, "the job hash went with it")

            // Without filters: every dead letter of the queue.
            let rest = try await gateway.http.post("/v1/dlq/delete", json: ["queue": "purge"])
            #expect(rest.json["deleted"] as? Int == 150, "\(rest.text)")
            #expect(try await gateway.deadSetOrder(queue).isEmpty)
        }
    }

    @Test func aBulkActionStopsAtItsLimitAndSaysMoreRemain() async throws {
        try await TestGateway.with { gateway in
            let queue = try QueueName("limited")
            let ids = try await gateway.makeDeadLetters(queue, Array(repeating: ("t", "boom"), count: 7) + [("other", "fine")])
            var rounds: [(Int, Bool)] = []
            for _ in 0..<3 {
                let reply = try await gateway.http.post("/v1/dlq/retry", json: ["queue": "limited", "type": "t", "limit": 3])
                #expect(reply.status == 200, "\(reply.text)")
                rounds.append((reply.json["retried"] as? Int ?? -1, reply.json["more"] as? Bool ?? false))
            }
            #expect(rounds.map(\.0) == [3, 3, 1])
            #expect(rounds.map(\.1) == [true, true, false])
            #expect(try await gateway.counts("limited").pending == 7)

            // A selection too (in a queue of its own, so the fixture leases none of the revived
            // jobs): two of three dead letters, then the third.
            let more = try await gateway.makeDeadLetters(try QueueName("limited-2"), Array(repeating: ("t", "boom"), count: 3))
            let selected = ["queue": "limited-2", "ids": more.map(\.rawValue) + [ids[0].rawValue], "limit": 2] as [String: Any]
            let reply = try await gateway.http.post("/v1/dlq/delete", json: selected)
            #expect(reply.json["deleted"] as? Int == 2, "\(reply.text)")
            #expect(reply.json["more"] as? Bool == true)
            let last = try await gateway.http.post("/v1/dlq/delete", json: selected)
            #expect(last.json["deleted"] as? Int == 1, "\(last.text)")
            #expect(last.json["more"] as? Bool == false)
        }
    }

    @Test func refusalsNameTheirField() async throws {
        try await TestGateway.with { gateway in
            let id = Self.unknownID
            let overBytes = String(repeating: "é", count: 150)  // 150 characters, 300 bytes
            let overCharacters = String(repeating: "é", count: 201)
            let bodies: [([String: Any], String, Int)] = [
                ([:], "queue", 400),
                (["queue": "Bad Queue"], "queue", 400),
                (["queue": "q", "ids": []], "ids", 400),
                (["queue": "q", "ids": (0...1000).map { _ in id }], "ids", 400),
                (["queue": "q", "ids": ["nope"]], "ids[0]", 400),
                (["queue": "q", "ids": [id, 7]], "ids[1]", 400),
                (["queue": "q", "ids": "\(id)"], "ids", 400),
                (["queue": "q", "ids": [id], "type": "t"], "ids", 400),
                (["queue": "q", "ids": [id], "error": "e"], "ids", 400),
                (["queue": "q", "type": "bad type!"], "type", 400),
                (["queue": "q", "error": ""], "error", 400),
                (["queue": "q", "error": overCharacters], "error", 400),
                (["queue": "q", "error": overBytes], "error", 422),
                (["queue": "q", "limit": 0], "limit", 400),
                (["queue": "q", "limit": 10_001], "limit", 400),
                (["queue": "q", "colour": "red"], "colour", 400),
            ]
            for path in ["/v1/dlq/retry", "/v1/dlq/delete"] {
                for (body, field, status) in bodies {
                    let reply = try await gateway.http.post(path, json: body)
                    #expect(reply.status == status, "\(path) \(body): \(reply.text)")
                    #expect(reply.json["field"] as? String == field, "\(path) \(body): \(reply.text)")
                }
            }
            let queries: [(String, String, Int)] = [
                ("/v1/dlq?queue=q&type=bad%20type", "type", 400),
                ("/v1/dlq?queue=q&error=\(String(repeating: "x", count: 201))", "error", 400),
                ("/v1/dlq/count?type=t", "queue", 400),
                ("/v1/dlq/count?queue=q&error=\(String(repeating: "%C3%A9", count: 150))", "error", 422),
                ("/v1/dlq/count?queue=q&limit=5", "limit", 400),
            ]
            for (path, field, status) in queries {
                let reply = try await gateway.http.get(path)
                #expect(reply.status == status, "\(path): \(reply.text)")
                #expect(reply.json["field"] as? String == field, "\(path): \(reply.text)")
            }
        }
    }

    @Test func theNewPathsAnswerOtherMethodsWith405() async throws {
        try await TestGateway.with { gateway in
            for (method, path, allow) in [
                ("GET", "/v1/dlq/retry", "POST, OPTIONS"), ("DELETE", "/v1/dlq/delete", "POST, OPTIONS"),
                ("POST", "/v1/dlq/count", "GET, HEAD, OPTIONS"),
            ] {
                let reply = try await gateway.http.send(method, path)
                #expect(reply.status == 405, "\(method) \(path): \(reply.text)")
                #expect(reply.header("Allow") == allow, "\(method) \(path)")
            }
            // `{id}` still serves ids: not taken for `count`, `retry` or `delete`.
            #expect(try await gateway.http.send("DELETE", "/v1/dlq/\(Self.unknownID)").status == 404)
            #expect(try await gateway.http.send("POST", "/v1/dlq/\(Self.unknownID)/retry").status == 404)
        }
    }
}

extension TestGateway {
    /// Dead letters in `queue`, one per `(type, error)`, made through the store as a worker would
    /// (enqueue, lease, fail for good), 500 at a time with the fails concurrent: twelve thousand
    /// take seconds. Returns their ids in the order given.
    @discardableResult
    func makeDeadLetters(_ queue: QueueName, _ kinds: [(String, String)]) async throws -> [JobID] {
        var ids: [JobID] = []
        for start in stride(from: 0, to: kinds.count, by: 500) {
            let part = kinds[start..<min(start + 500, kinds.count)]
            let jobs = try part.map { try NewJob(queue: queue.rawValue, type: $0.0, payload: #"{"n": 1}"#, payloadIsJSON: true, maxAttempts: 1) }
            _ = try await queues.enqueue(jobs)
            let errors = Dictionary(uniqueKeysWithValues: zip(jobs.map(\.id), part.map(\.1)))
            let leased = try await queues.lease(queue: queue, count: jobs.count, visibilityMs: 60_000, worker: "fixture")
            try #require(leased.count == jobs.count, "leased \(leased.count) of \(jobs.count)")
            let store = queues
            try await withThrowingTaskGroup(of: FailOutcome.self) { group in
                for job in leased {
                    let error = errors[job.id] ?? ""
                    group.addTask { try await store.fail(queue: queue, LeaseRef(job), error: error, retryable: false, retryDelayMs: 0) }
                }
                for try await outcome in group { try #require(outcome == .dead) }
            }
            _ = try await redis.command(["DEL", keys.queue(queue).events])
            ids += jobs.map(\.id)
        }
        return ids
    }
}
