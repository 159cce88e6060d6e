import ForgeCore
import ForgeRedis
import Hummingbird

/// The forms' actions, each through the function the `/v1` route calls.
extension WebRoutes {
    func registerActions(on ui: RouterGroup<BasicRequestContext>) {
        ui.post("queues/{queue}/pause") { request, context in
            let queue = try context.parameters.require("queue")
            return await action(request, back: { _ in Self.queuePath(queue) }) { _, _ in
                _ = try await queueRoutes.setPaused(queue, paused: true)
                return .redirect(Self.queuePath(queue), .ok("Paused \(queue): workers take no new job from it until it is resumed."))
            }
        }
        ui.post("queues/{queue}/resume") { request, context in
            let queue = try context.parameters.require("queue")
            return await action(request, back: { _ in Self.queuePath(queue) }) { _, _ in
                _ = try await queueRoutes.setPaused(queue, paused: false)
                return .redirect(Self.queuePath(queue), .ok("Resumed \(queue)."))
            }
        }
        ui.post("queues/{queue}/delete") { request, context in
            let queue = try context.parameters.require("queue")
            return await action(request, back: { _ in Self.queuePath(queue) }) { _, _ in
                _ = try await queueRoutes.delete(queue)
                return .redirect("/ui/", .ok("Deleted queue \(queue)."))
            }
        }
        ui.post("jobs/{id}/cancel") { request, context in
            let id = try context.parameters.require("id")
            return await action(request, back: { _ in Self.jobPath(id) }) { _, _ in
                let response = try await jobRoutes.cancel(id)
                let message = response.status == .accepted ? "Cancel requested: the job stops at its worker's next heartbeat." : "Canceled."
                return .redirect(Self.jobPath(id), .ok(message))
            }
        }
        ui.post("dlq/{id}/retry") { request, context in
            let id = try context.parameters.require("id")
            return await action(request, back: { form in Self.returnTo(form) ?? Self.jobPath(id) }) { _, form in
                try await deadLetters.retryOne(id)
                return .redirect(Self.returnTo(form) ?? Self.jobPath(id), .ok("Retried \(id): the job is pending again, with fresh attempts."))
            }
        }
        ui.post("dlq/{id}/delete") { request, context in
            let id = try context.parameters.require("id")
            return await action(request, back: { form in Self.returnTo(form) ?? Self.jobPath(id) }) { _, form in
                let job = try? await dependencies.queues.job(JobID(id))
                try await deadLetters.removeOne(id)
                let back = Self.returnTo(form) ?? job.map { "/ui/dlq" + URLEncoding.query([("queue", $0.queue.rawValue)]) } ?? "/ui/dlq"
                return .redirect(back, .ok("Deleted dead letter \(id)."))
            }
        }
        ui.post("dlq/retry") { request, _ in await bulkDeadLetters(request, .retry) }
        ui.post("dlq/delete") { request, _ in await bulkDeadLetters(request, .delete) }
        ui.post("schedules") { request, _ in
            await action(request, back: { _ in "/ui/schedules" }) { web, form in
                let fields = ScheduleFields(form)
                do {
                    try Schedule.validateName(fields.name)
                    if fields.isNew, try await dependencies.schedules.get(fields.name) != nil {
                        throw Problem.conflict("a schedule named \(fields.name) exists already; edit it instead")
                    }
                    let tape = try JSONTape(try Self.scheduleBody(fields))
                    _ = try await scheduleRoutes.store(fields.name, try ObjectReader(tape: tape, index: 0, path: ""))
                } catch {
                    // The form again, with what the person typed and the API's message.
                    let problem = problemDetail(error, request)
                    return .page(scheduleFormPage(web, fields, error: problem.detail, status: .init(code: problem.status)))
                }
                return .redirect("/ui/schedules", .ok("Saved schedule \(fields.name)."))
            }
        }
        ui.post("schedules/{name}/delete") { request, context in
            let name = try context.parameters.require("name")
            return await action(request, back: { _ in "/ui/schedules" }) { _, _ in
                _ = try await scheduleRoutes.delete(name)
                return .redirect("/ui/schedules", .ok("Deleted schedule \(name)."))
            }
        }
    }

    /// Retry or delete dead letters in bulk: the selection (`id` fields) or every match of the
    /// filter; without `confirm=yes`, a page asking first, with the count.
    private func bulkDeadLetters(_ request: Request, _ kind: DeadLetterAction) async -> Response {
        let back: @Sendable (WebForm) -> String = { form in "/ui/dlq" + URLEncoding.query([("queue", form.value("queue"))]) }
        return await action(request, back: back) { web, form in
            let selection: DeadLetterSelection
            if form.value("scope") == "matching" {
                selection = .matching(try DeadLetterFilter(queue: form.value("queue"), type: form.value("type"), error: form.value("error")))
            } else {
                // As `POST /v1/dlq/*` takes `ids`: 1 to 1 000 job ids of one queue, each once.
                let queue = try DeadLetterFilter(queue: form.value("queue"), type: nil, error: nil).queue
                var seen = Set<String>()
                let ids = try form.values("id").filter { seen.insert($0).inserted }
                    .map { (text: String) throws(ValidationError) in try JobID(text) }
                guard (1...DeadLetters.maxSelection).contains(ids.count) else {
                    throw ValidationError(field: "ids", reason: "select 1 to \(DeadLetters.maxSelection) dead letters")
                }
                selection = .ids(queue, ids)
            }
            guard form.value("confirm") == "yes" else {
                let (count, capped): (Int, Bool) =
                    switch selection {
                    case .ids(_, let ids): (ids.count, false)
                    case .matching(let filter): try await deadLetters.count(filter)
                    }
                return .page(deadLetterConfirmation(web, action: kind, form: form, count: count, capped: capped))
            }
            let outcome = try await deadLetters.bulk(kind, selection)
            let verb = kind == .retry ? "Retried" : "Deleted"
            let more = outcome.more ? " More match: repeat to continue." : ""
            return .redirect(
                "/ui/dlq" + URLEncoding.query([("queue", selection.queue.rawValue)]),
                .ok("\(verb) \(outcome.acted) of \(outcome.matched) dead letters.\(more)")
            )
        }
    }

    static func queuePath(_ queue: String) -> String { "/ui/queues/" + URLEncoding.component(queue) }

    /// The page a row's action came from (its `back` field), when it is one of Forge Web's.
    static func returnTo(_ form: WebForm) -> String? {
        form.value("back").map { safeNext($0) }
    }
    static func jobPath(_ id: String) -> String { "/ui/jobs/" + URLEncoding.component(id) }
}
