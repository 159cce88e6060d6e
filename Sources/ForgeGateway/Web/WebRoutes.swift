import ForgeCore
import ForgeRedis
import Hummingbird
import Logging

/// Forge Web: pages under `/ui/` that show queues, jobs, dead letters, history and schedules, and
/// act on them through the same code as `/v1` (the route structs' own functions), so a page can
/// never do what the API refuses, and shows the API's own problem message when it refuses.
package struct WebRoutes: Sendable {
    let configuration: GatewayConfiguration
    let dependencies: GatewayDependencies
    let gate: WebGate
    let overview: OverviewSampler
    private let problems: ProblemMiddleware<BasicRequestContext>

    init(configuration: GatewayConfiguration, dependencies: GatewayDependencies) {
        self.configuration = configuration
        self.dependencies = dependencies
        gate = WebGate(
            keys: WebSession.Keys(tokens: configuration.apiTokens, authEnabled: configuration.authEnabled),
            mode: configuration.webMode,
            signOuts: WebSignOuts(redis: dependencies.queues.redis, keys: dependencies.queues.keys),
            limiter: configuration.rateLimitPerSecond > 0
                ? RateLimiter(perSecond: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst) : nil
        )
        overview = OverviewSampler(queues: dependencies.queues)
        problems = ProblemMiddleware(metrics: dependencies.metrics, logger: dependencies.logger, maxBodyBytes: configuration.maxBodyBytes)
    }

    var queueRoutes: QueueRoutes<BasicRequestContext> { QueueRoutes(dependencies: dependencies, maxQueues: configuration.maxQueues) }
    var jobRoutes: JobRoutes<BasicRequestContext> { JobRoutes(configuration: configuration, dependencies: dependencies) }
    var scheduleRoutes: ScheduleRoutes<BasicRequestContext> { ScheduleRoutes(configuration: configuration, dependencies: dependencies) }
    var deadLetters: DeadLetters { DeadLetters(configuration: configuration, dependencies: dependencies) }

    func register(on router: Router<BasicRequestContext>) {
        let ui = router.group("ui")
        ui.get("assets/forge.css") { _, _ in WebAssets.css }
        ui.get("assets/forge.js") { _, _ in WebAssets.js }
        ui.get("assets/favicon.svg") { _, _ in WebAssets.icon }
        ui.get("login") { request, _ in loginPage(request) }
        ui.post("login") { request, _ in await signIn(request) }
        ui.post("logout") { request, _ in await signOut(request) }
        ui.get("/") { request, _ in await page(request) { try await overviewPage($0, request) } }
        ui.get("events") { request, _ in await stream(request) }
        ui.get("queues/{queue}") { request, context in
            await page(request) { try await queuePage($0, request, queue: try context.parameters.require("queue")) }
        }
        ui.get("jobs/{id}") { request, context in await page(request) { try await jobPage($0, id: try context.parameters.require("id")) } }
        ui.get("history") { request, _ in await page(request) { try await historyPage($0, request) } }
        ui.get("schedules") { request, _ in await page(request) { try await schedulesPage($0) } }
        ui.get("schedules/new") { request, _ in await page(request) { try await scheduleForm($0, editing: nil) } }
        ui.get("schedules/{name}/edit") { request, context in
            await page(request) { try await scheduleForm($0, editing: try context.parameters.require("name")) }
        }
        ui.get("dlq") { request, _ in await page(request) { try await deadLettersPage($0, request) } }
        registerActions(on: ui)
    }

    /// A page: signed in, else to the sign-in page; a failure the API would answer with a problem
    /// is shown as a page with that problem's status and message.
    func page(_ request: Request, _ render: (WebRequest) async throws -> WebPage) async -> Response {
        let web: WebRequest
        do {
            web = try await gate.page(request)
        } catch {
            return refusal(error)
        }
        do {
            return try await render(web).response()
        } catch {
            let problem = problems.problem(for: error, request: request)
            return WebPage(
                title: problem.title,
                content: "<h1>\(problem.title)</h1><div class=\"flash error\" role=\"alert\">\(problem.detail)</div>",
                section: .none,
                request: web,
                status: .init(code: problem.status)
            ).response()
        }
    }

    /// An action (a form POST): checked (origin, session, CSRF, mode), done through the API's code,
    /// then a redirect to `back` with what happened, or with the API's problem message.
    func action(
        _ request: Request,
        back: @escaping @Sendable (WebForm) -> String,
        changesState: Bool = true,
        _ perform: @Sendable (WebRequest, WebForm) async throws -> WebActionResult
    ) async -> Response {
        let form: WebForm
        do {
            try gate.sameOrigin(request)
            form = try await WebForm.read(request, limit: configuration.maxBodyBytes)
        } catch let refusal as WebGate.Refusal {
            return self.refusal(refusal)
        } catch {
            let problem = problems.problem(for: error, request: request)
            return forbidden(problem.detail, status: problem.status)
        }
        let web: WebRequest
        do {
            web = try await gate.action(request, form: form, changesState: changesState)
        } catch {
            return refusal(error)
        }
        do {
            switch try await perform(web, form) {
            case .redirect(let location, let flash): return WebPage.redirect(location, flash: flash)
            case .page(let page): return page.response()
            }
        } catch {
            let problem = problems.problem(for: error, request: request)
            return WebPage.redirect(back(form), flash: .error(problem.detail))
        }
    }

    /// The problem `/v1` would answer for `error`: what a page shows when an action fails.
    func problemDetail(_ error: any Error, _ request: Request) -> Problem {
        problems.problem(for: error, request: request)
    }

    func refusal(_ refusal: WebGate.Refusal) -> Response {
        switch refusal {
        case .signIn(let next): WebPage.redirect("/ui/login" + URLEncoding.query([("next", next)]))
        case .forbidden(let message): forbidden(message, status: 403)
        case .rateLimited(let wait, let perSecond):
            forbidden(Problem.tooManyRequests(retryAfterSeconds: wait, perSecond: perSecond).detail, status: 429, retryAfter: wait)
        case .unavailable(let message): forbidden(message, status: 503)
        }
    }

    private func forbidden(_ message: String, status: Int, retryAfter: Int? = nil) -> Response {
        var response = WebPage.html(
            """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused · Forge</title>\
            <link rel="stylesheet" href="/ui/assets/forge.css"></head><body><main><h1>Refused</h1>\
            <div class="flash error" role="alert">\(HTML.escaped(message))</div><p><a href="/ui/">Back to Forge</a></p></main></body></html>
            """,
            status: .init(code: status)
        )
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

/// What an action answers: usually a redirect with a message; sometimes a page (a confirmation, or
/// a form shown again with its error).
enum WebActionResult: Sendable {
    case redirect(String, WebFlash?)
    case page(WebPage)
}
