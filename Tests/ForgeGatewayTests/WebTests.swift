import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
import Synchronization
import Testing

/// Forge Web over a real gateway, Redis and Postgres: sign-in, the guards on every action, the
/// modes, escaping, and that actions answer with the API's own problem messages.
@Suite struct WebTests {
    /// A signed-in client and the overview page it landed on.
    private func signedIn(_ gateway: TestGateway) async throws -> (WebClient, String) {
        let web = WebClient(port: gateway.port)
        let reply = try await web.signIn(TestGateway.token)
        #expect(reply.status == 303)
        let page = try await web.get("/ui/")
        #expect(page.status == 200)
        return (web, page.text)
    }

    private func enqueue(_ gateway: TestGateway, queue: String, type: String = "noop", payload: Any = [String: Any]()) async throws -> String {
        let reply = try await gateway.http.post("/v1/jobs", json: ["queue": queue, "type": type, "payload": payload])
        #expect(reply.status == 201)
        return reply.json["id"] as! String
    }

    @Test func signingInSetsASignedHttpOnlyCookieThatHoldsNoToken() async throws {
        try await TestGateway.with { gateway in
            let web = WebClient(port: gateway.port)
            let away = try await web.get("/ui/queues/q1")
            #expect(away.status == 303)
            #expect(away.location == "/ui/login?next=%2Fui%2Fqueues%2Fq1")

            let wrong = try await web.signIn("not-a-token-of-this-gateway")
            #expect(wrong.status == 401)
            #expect(wrong.text.contains("not one of this gateway"))
            #expect(wrong.header("Set-Cookie") == nil)

            let right = try await web.signIn(TestGateway.token)
            #expect(right.status == 303)
            let cookie = try #require(right.header("Set-Cookie"))
            #expect(cookie.hasPrefix("forge_session=v1."))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains(TestGateway.token))
            let page = try await web.get("/ui/")
            #expect(page.status == 200)
            #expect(page.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") == true)

            // A tampered cookie is no session.
            let value = cookie.split(separator: ";")[0].dropFirst("forge_session=".count)
            web.setCookie("forge_session", value.dropLast() + (value.last == "0" ? "1" : "0"))
            #expect(try await web.get("/ui/").status == 303)
        }
    }

    @Test func anActionNeedsTheSessionsCSRFTokenAndTheSameOrigin() async throws {
        try await TestGateway.with { gateway in
            _ = try await enqueue(gateway, queue: "web-guard")
            let (web, page) = try await signedIn(gateway)

            let crossSite = try await web.post("/ui/queues/web-guard/pause", csrfFrom: page, headers: ["Origin": "http://evil.example"])
            #expect(crossSite.status == 403)
            let noToken = try await web.request("POST", "/ui/queues/web-guard/pause", form: [("csrf", "0123")])
            #expect(noToken.status == 403)
            #expect(noToken.text.contains("CSRF"))
            let csrf = [("csrf", WebClient.csrf(in: page) ?? "")]
            for site in ["cross-site", "same-site"] {
                let fetchSite = try await web.request(
                    "POST",
                    "/ui/queues/web-guard/pause",
                    form: csrf,
                    headers: ["Sec-Fetch-Site": site],
                    origin: .some(nil)
                )
                #expect(fetchSite.status == 403, "\(site)")
                #expect(fetchSite.text.contains("Sec-Fetch-Site"), "\(site)")
            }
            #expect(try await gateway.queues.status(QueueName("web-guard")).paused == false)

            // A client that sends neither header (not a browser) still needs the CSRF token.
            let headerless = try await web.request("POST", "/ui/queues/web-guard/pause", form: csrf, origin: .some(nil))
            #expect(headerless.status == 303)
            #expect(try await gateway.queues.status(QueueName("web-guard")).paused)
            _ = try await gateway.http.post("/v1/queues/web-guard/resume", json: [String: Any]())
            // Behind a proxy that rewrites Host, the browser's host comes as X-Forwarded-Host.
            let proxied = try await web.post(
                "/ui/queues/web-guard/pause",
                csrfFrom: page,
                headers: ["Origin": "https://forge.example", "X-Forwarded-Host": "forge.example"]
            )
            #expect(proxied.status == 303)
            _ = try await gateway.http.post("/v1/queues/web-guard/resume", json: [String: Any]())

            let paused = try await web.post("/ui/queues/web-guard/pause", csrfFrom: page)
            #expect(paused.status == 303)
            #expect(paused.location == "/ui/queues/web-guard")
            #expect(try await gateway.queues.status(QueueName("web-guard")).paused)
            let shown = try await web.get("/ui/queues/web-guard")
            #expect(shown.text.contains("class=\"flash ok\""))
            #expect(shown.text.contains("id=\"resume\""))

            // Another session's token is not this one's.
            let other = WebClient(port: gateway.port)
            _ = try await other.signIn("other-token")
            let stolen = try await other.post("/ui/queues/web-guard/resume", csrfFrom: page)
            #expect(stolen.status == 403)
            #expect(try await gateway.queues.status(QueueName("web-guard")).paused)
        }
    }

    @Test func aRefusedActionShowsTheAPIsProblemMessage() async throws {
        try await TestGateway.with { gateway in
            _ = try await enqueue(gateway, queue: "web-busy")
            let (web, page) = try await signedIn(gateway)
            let refused = try await web.post("/ui/queues/web-busy/delete", csrfFrom: page)
            #expect(refused.status == 303)
            let api = try await gateway.http.send("DELETE", "/v1/queues/web-busy")
            #expect(api.status == 409)
            let detail = try #require(api.json["detail"] as? String)
            let shown = try await web.get(try #require(refused.location))
            #expect(shown.text.contains("class=\"flash error\""))
            #expect(shown.text.contains(detail))
        }
    }

    @Test func readonlyShowsPagesWithoutActionsAndRefusesThem() async throws {
        try await TestGateway.with(configure: .set { $0.webMode = .readonly }) { gateway in
            _ = try await enqueue(gateway, queue: "web-readonly")
            let (web, page) = try await signedIn(gateway)
            let queue = try await web.get("/ui/queues/web-readonly")
            #expect(queue.status == 200)
            #expect(!queue.text.contains("id=\"pause\""))
            #expect(!queue.text.contains("id=\"delete-queue\""))
            let refused = try await web.post("/ui/queues/web-readonly/pause", csrfFrom: page)
            #expect(refused.status == 403)
            #expect(refused.text.contains("read-only"))
            #expect(try await gateway.queues.status(QueueName("web-readonly")).paused == false)
            // Signing out is not an action on Forge's data.
            #expect(try await web.post("/ui/logout", csrfFrom: page).status == 303)
        }
    }

    @Test func aSignedOutSessionStopsWorkingEvenFromACopiedCookie() async throws {
        try await TestGateway.with { gateway in
            let (web, page) = try await signedIn(gateway)
            let copy = WebClient(port: gateway.port)
            copy.setCookie("forge_session", try #require(web.cookie("forge_session")))
            #expect(try await copy.get("/ui/").status == 200, "the copy works while the session does")
            #expect(try await web.post("/ui/logout", csrfFrom: page).status == 303)
            #expect(web.cookie("forge_session") == nil, "cleared in the browser")

            let refused = try await copy.get("/ui/queues/anything")
            #expect(refused.status == 303)
            #expect(refused.location?.hasPrefix("/ui/login") == true, "\(refused.location ?? "no location")")
            #expect(try await copy.get("/ui/events").status == 401)
            let (_, again) = try await signedIn(gateway)
            #expect(again.contains("id=\"logout\""), "a new sign-in works")
        }
    }

    @Test func aSessionThatCannotBeCheckedIsA503NotASignIn() async throws {
        try await TestGateway.with(redisURL: "redis://127.0.0.1:1") { gateway in
            let web = WebClient(port: gateway.port)
            #expect(try await web.signIn(TestGateway.token).status == 303, "the token is checked without Redis")
            let page = try await web.get("/ui/")
            #expect(page.status == 503, "\(page.text)")
            #expect(page.text.contains("could not be checked"))
        }
    }

    @Test func offServesNoPages() async throws {
        try await TestGateway.with(configure: .set { $0.webMode = .off }) { gateway in
            let web = WebClient(port: gateway.port)
            let login = try await web.get("/ui/login")
            let overview = try await web.get("/ui/")
            #expect(login.status == 404)
            #expect(overview.status == 404)
        }
    }

    @Test func valuesCallersSuppliedAreShownAsText() async throws {
        try await TestGateway.with { gateway in
            let hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>\"'&"
            let id = try await enqueue(gateway, queue: "web-xss", payload: ["html": hostile])
            let (web, _) = try await signedIn(gateway)
            let job = try await web.get("/ui/jobs/\(id)")
            #expect(job.status == 200)
            #expect(!job.text.contains("<img src=x"))
            #expect(!job.text.contains("<script>alert"))
            // (JSONSerialization sent `/` as `\/`.)
            #expect(job.text.contains("&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;"))
            for path in ["/ui/", "/ui/queues/web-xss", "/ui/jobs/\(id)", "/ui/history", "/ui/schedules", "/ui/schedules/new", "/ui/dlq"] {
                let page = try await web.get(path)
                #expect(page.status == 200, "\(path)")
                // No inline script or style anywhere: CSP default-src 'self' would block them.
                #expect(
                    page.text.components(separatedBy: "<script").count - 1 == page.text.components(separatedBy: "<script src=").count - 1,
                    "\(path)"
                )
                #expect(page.text.range(of: #"<[^>]*\son[a-z]+="#, options: .regularExpression) == nil, "\(path)")
                #expect(!page.text.contains(" style="), "\(path)")
            }
        }
    }

    /// A dead letter of `queue` failed with `error` (through the worker's own lease and fail).
    private func deadLetter(_ gateway: TestGateway, queue: String, type: String = "noop", error: String) async throws -> String {
        let name = try QueueName(queue)
        let job = try NewJob(queue: queue, type: type, payload: "{}", maxAttempts: 1)
        _ = try await gateway.queues.enqueue([job])
        let leased = try await gateway.queues.lease(queue: name, count: 1, visibilityMs: 60_000, worker: "web-test")
        let lease = try #require(leased.first)
        #expect(try await gateway.queues.fail(queue: name, LeaseRef(lease), error: error, retryable: false, retryDelayMs: 0) == .dead)
        return job.id.rawValue
    }

    @Test func errorTextAndFiltersCallersSuppliedAreEscapedOnEveryPageThatShowsThem() async throws {
        try await TestGateway.with { gateway in
            let hostile = "<img src=x onerror=alert(1)>"
            let id = try await deadLetter(gateway, queue: "web-xss-dead", error: hostile)
            let (web, _) = try await signedIn(gateway)
            let escaped = "&lt;img src=x onerror=alert(1)&gt;"
            for path in [
                "/ui/jobs/\(id)", "/ui/queues/web-xss-dead?state=dead", "/ui/dlq?queue=web-xss-dead",
                "/ui/dlq?queue=web-xss-dead&error=\(URLEncoding.component(hostile))",
                "/ui/history?type=\(URLEncoding.component(hostile))", "/ui/login?next=\(URLEncoding.component("/ui/\"" + hostile))",
            ] {
                let page = try await web.get(path)
                #expect(!page.text.contains("<img src=x"), "\(path)")
                #expect(page.text.contains(escaped) || page.text.contains("&lt;img"), "\(path)")
            }
        }
    }

    @Test func bulkActionsConfirmTheirCountThenActThroughTheAPIsCode() async throws {
        try await TestGateway.with { gateway in
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try await deadLetter(gateway, queue: "web-bulk", type: index < 3 ? "mail" : "sms", error: "boom \(index)"))
            }
            let (web, _) = try await signedIn(gateway)
            let page = try await web.get("/ui/dlq?queue=web-bulk&type=mail")
            #expect(page.text.components(separatedBy: "<tr data-job=").count - 1 == 3)

            // Every match of the filter: first the count, and nothing done yet.
            let matching = [("queue", "web-bulk"), ("type", "mail"), ("error", ""), ("scope", "matching")]
            let confirm = try await web.post("/ui/dlq/delete", matching, csrfFrom: page.text)
            #expect(confirm.status == 200)
            #expect(confirm.text.contains("<span id=\"confirm-count\">3</span>"))
            #expect(try await gateway.counts("web-bulk").dead == 5)
            let deleted = try await web.post("/ui/dlq/delete", matching + [("confirm", "yes")], csrfFrom: page.text)
            #expect(deleted.status == 303)
            #expect(try await gateway.counts("web-bulk").dead == 2)

            // A selection: repeated ids count once; more than the API allows is refused naming `ids`.
            let selected = [("queue", "web-bulk"), ("scope", "selected"), ("id", ids[3]), ("id", ids[3]), ("id", ids[4])]
            let asked = try await web.post("/ui/dlq/retry", selected, csrfFrom: page.text)
            #expect(asked.text.contains("<span id=\"confirm-count\">2</span>"))
            let retried = try await web.post("/ui/dlq/retry", selected + [("confirm", "yes")], csrfFrom: page.text)
            #expect(retried.status == 303)
            #expect(try await gateway.counts("web-bulk").dead == 0)
            #expect(try await gateway.counts("web-bulk").pending == 2)

            // One row's own button: back to the list it was pressed on, never to another site.
            let single = try await deadLetter(gateway, queue: "web-row", error: "boom once")
            let list = try await web.get("/ui/dlq?queue=web-row")
            #expect(list.text.contains("id=\"retry-\(single)\""))
            let rowDelete = try await web.post(
                "/ui/dlq/\(single)/delete",
                [("back", "/ui/dlq?queue=web-row&type=noop")],
                csrfFrom: list.text
            )
            #expect(rowDelete.location == "/ui/dlq?queue=web-row&type=noop")
            #expect(try await gateway.counts("web-row").dead == 0)
            let elsewhere = try await deadLetter(gateway, queue: "web-row", error: "boom twice")
            let offsite = try await web.post("/ui/dlq/\(elsewhere)/retry", [("back", "https://evil.example/ui/")], csrfFrom: list.text)
            #expect(offsite.location == "/ui/")

            let tooMany = [("queue", "web-bulk"), ("scope", "selected")] + (0...1000).map { _ in ("id", UUID().uuidString.lowercased()) }
            let refused = try await web.post("/ui/dlq/retry", tooMany, csrfFrom: page.text)
            #expect(refused.status == 303)
            let shown = try await web.get(try #require(refused.location))
            #expect(shown.text.contains("ids select 1 to 1000 dead letters"))
        }
    }

    @Test func aStreamThatNeverRunsGivesItsPlaceBack() async throws {
        try await TestGateway.with { gateway in
            let (web, _) = try await signedIn(gateway)
            // HEAD answers with the head alone: the body (and its hold on a stream slot) never runs.
            for _ in 0..<(WebRoutes.maxStreams + 20) {
                let head = try await web.request("HEAD", "/ui/events")
                #expect(head.status == 200)
            }
            #expect(StreamSlot.open.load(ordering: .relaxed) < WebRoutes.maxStreams)
            let unsigned = WebClient(port: gateway.port)
            #expect(try await unsigned.request("HEAD", "/ui/events").status == 401)
        }
    }

    @Test func theScheduleFormStoresThroughTheAPIAndShowsItsMessages() async throws {
        try await TestGateway.with { gateway in
            let (web, _) = try await signedIn(gateway)
            let form = try await web.get("/ui/schedules/new")
            let fields: [(String, String)] = [
                ("mode", "new"), ("name", "web-nightly"), ("cron", "0 3 * * *"), ("time_zone", "Europe/Berlin"), ("type", "noop"),
                ("queue", "web-cron"), ("payload", "{\"report\": \"daily\"}"), ("priority", "7"),
            ]
            let badCron = try await web.post("/ui/schedules", fields.map { $0.0 == "cron" ? ($0.0, "61 * * * *") : $0 }, csrfFrom: form.text)
            #expect(badCron.status == 400 || badCron.status == 422)
            #expect(badCron.text.contains("cron"))
            #expect(badCron.text.contains("value=\"web-nightly\""))
            let badPayload = try await web.post("/ui/schedules", fields.map { $0.0 == "payload" ? ($0.0, "{nope") : $0 }, csrfFrom: form.text)
            #expect(badPayload.text.contains("job.payload"))

            let saved = try await web.post("/ui/schedules", fields, csrfFrom: form.text)
            #expect(saved.status == 303)
            let api = try await gateway.http.get("/v1/schedules/web-nightly")
            #expect(api.status == 200)
            #expect(api.json["time_zone"] as? String == "Europe/Berlin")
            #expect((api.json["job"] as? [String: Any])?["priority"] as? Int == 7)
            let list = try await web.get("/ui/schedules")
            #expect(list.text.contains("data-schedule=\"web-nightly\""))
            #expect(list.text.components(separatedBy: "<li>").count - 1 >= 5)

            let again = try await web.post("/ui/schedules", fields, csrfFrom: form.text)
            #expect(again.text.contains("exists already"))
            let deleted = try await web.post("/ui/schedules/web-nightly/delete", csrfFrom: form.text)
            #expect(deleted.status == 303)
            #expect(try await gateway.http.get("/v1/schedules/web-nightly").status == 404)
        }
    }

    @Test func theOverviewPagesAThousandQueuesAndFiltersThem() async throws {
        try await TestGateway.with { gateway in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<230 {
                    group.addTask { _ = try await gateway.http.post("/v1/queues/web-many-\(index)/pause", json: [String: Any]()) }
                }
                try await group.waitForAll()
            }
            _ = try await enqueue(gateway, queue: "web-many-busy")
            let (web, first) = try await signedIn(gateway)
            #expect(first.components(separatedBy: "<tr data-queue=").count - 1 == 200)
            #expect(first.contains("id=\"next-page\" href=\"/ui/?page=1\""))
            let second = try await web.get("/ui/?page=1")
            #expect(second.text.components(separatedBy: "<tr data-queue=").count - 1 == 31)
            let busiest = try await web.get("/ui/?sort=busiest")
            let firstRow = busiest.text.range(of: "<tr data-queue=\"").map { busiest.text[$0.upperBound...].prefix { $0 != "\"" } }
            #expect(firstRow == "web-many-busy")
            let filtered = try await web.get("/ui/?q=MANY-22")
            #expect(filtered.text.components(separatedBy: "<tr data-queue=").count - 1 == 11)
            let bad = try await web.get("/ui/?sort=size")
            #expect(bad.status == 400)
            #expect(bad.text.contains("sort must be one of"))
        }
    }

    @Test func theOverviewShowsRatesWorkersAndTheLeader() async throws {
        try await TestGateway.with { gateway in
            _ = try await enqueue(gateway, queue: "web-rates")
            let now = WallClock.nowMilliseconds()
            try await gateway.queues.workerRegistry.report(
                WorkerPresence(
                    name: "web-worker-1",
                    queues: ["web-rates"],
                    concurrency: 8,
                    busy: 3,
                    startedAtMs: now - 60_000,
                    host: "h",
                    pid: 1,
                    seenAtMs: now
                ),
                now: now
            )
            _ = try await gateway.redis.command(["SET", gateway.keys.leader, "web-scheduler-a", "PX", "30000"])
            let (web, first) = try await signedIn(gateway)
            #expect(first.contains("data-field=\"enqueue_rate\">–</td>"), "no rate from a single read")
            #expect(first.contains("<tr data-worker=\"web-worker-1\">"))
            #expect(first.contains("3 / 8"))
            #expect(first.contains("<span id=\"leader\" class=\"mono\">web-scheduler-a"))

            for _ in 0..<8 { _ = try await enqueue(gateway, queue: "web-rates") }
            // Past the 1.5 s snapshot: the next page reads again and has two reads to rate from.
            try await Task.sleep(for: .milliseconds(1700))
            let second = try await web.get("/ui/")
            let cell = second.text.range(of: "data-field=\"enqueue_rate\">").map { second.text[$0.upperBound...].prefix { $0 != "<" } }
            let rate = try #require(cell.flatMap { Double($0.dropLast(2)) }, "\(cell ?? "no cell")")
            #expect(rate > 0)
        }
    }

    @Test func workersOfTheLeaseAPIAreListedWhileTheyLeaseOrWait() async throws {
        try await TestGateway.with { gateway in
            let quick = try await gateway.http.post("/v1/queues/web-remote/lease", json: ["count": 3, "worker": "py-quick"])
            #expect(quick.status == 200, "\(quick.text)")
            // A long poll on an empty queue: its worker is alive while it waits.
            let polling = Task { try await gateway.http.post("/v1/queues/web-remote-idle/lease", json: ["worker": "py-poll", "wait_ms": 8_000]) }
            defer { polling.cancel() }
            let registry = gateway.queues.workerRegistry
            try await eventually("both lease API workers reported", seconds: 10) {
                Set(try await registry.alive(now: WallClock.nowMilliseconds()).filter(\.remote).map(\.name)) == ["py-quick", "py-poll"]
            }
            let presence = try #require(try await registry.alive(now: WallClock.nowMilliseconds()).first { $0.name == "py-quick" })
            #expect(presence.queues == ["web-remote"])
            #expect(presence.concurrency == 3)
            let (_, page) = try await signedIn(gateway)
            #expect(page.contains("<tr data-worker=\"py-poll\">"), "\(page)")
            #expect(page.contains(">lease API</td>"))
        }
    }

    @Test func historyFiltersAreCheckedLikeTheAPIs() async throws {
        try await TestGateway.with { gateway in
            let (web, _) = try await signedIn(gateway)
            let page = try await web.get("/ui/history?queue=&state=bogus")
            #expect(page.status == 200)
            #expect(page.text.contains("state must be one of"))
        }
    }
}
