import ForgeWorkerRuntime

/// The payload of `email.send` jobs: `{"to": "…", "subject": "…"}`.
struct SendEmail: JobPayload {
    static let jobType = "email.send"
    var to: String
    var subject: String
}

/// What an `email.send` job leaves as its result.
struct Receipt: Encodable {
    var messageID: String
    var attempt: Int
}

/// `forge-worker` with one handler of its own: the same FORGE_* settings, probes, metrics and
/// drain, the built-in handlers beside it.
@main enum CustomWorker {
    static func main() async {
        await WorkerProgram.run { handlers in
            handlers.register(SendEmail.self) { email, job in
                guard email.to.contains("@") else {
                    throw JobFailure(message: "not an address: \(email.to)", retryable: false)  // dead letter
                }
                job.logger.info("sending", metadata: ["to": "\(email.to)"])
                return Receipt(messageID: "msg-\(job.id)", attempt: job.attempt)
            }
        }
    }
}
