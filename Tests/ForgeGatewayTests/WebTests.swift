import ForgeCore
import ForgeGateway
import ForgeRedis
import Foundation
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
            let fetchSite = try await web.request(
                "POST",
                "/ui/queues/web-guard/pause",
                form: [("csrf", WebClient.csrf(in: page) ?? "")],
                headers: ["Origin": "", "Sec-Fetch-Site": "cross-site"]
            )
            #expect(fetchSite.status == 403)
            #expect(try await gateway.queues.status(QueueName("web-guard")).paused == false)

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

    @Test func historyFiltersAreCheckedLikeTheAPIs() async throws {
        try await TestGateway.with { gateway in
            let (web, _) = try await signedIn(gateway)
            let page = try await web.get("/ui/history?queue=&state=bogus")
            #expect(page.status == 200)
            #expect(page.text.contains("state must be one of"))
        }
    }
}
