import ArgumentParser

/// Exit statuses, distinct per kind of failure so scripts can tell "no such job" from "the
/// gateway is down"; listed in `forge --help` and the README.
enum CLIExit: Int32, CaseIterable {
    case success = 0
    /// Anything not below: an internal server error, an unexpected answer.
    case failure = 1
    /// Bad flags or arguments, an unreadable `--payload` file, or input the gateway refused (400, 413, 422).
    case usage = 2
    /// No such job, queue, dead letter or schedule (404).
    case notFound = 3
    /// The request conflicts with the state (409), e.g. canceling a finished job.
    case conflict = 4
    /// The gateway cannot be reached, or answered 429, 502, 503 or 504 (Redis or Postgres down,
    /// back-pressure, a search that timed out): retry later.
    case unavailable = 5
    /// The token is missing or not accepted (401, 403).
    case unauthorized = 6

    static func forStatus(_ status: Int) -> CLIExit {
        switch status {
        case 400, 405, 406, 413, 415, 422: .usage
        case 401, 403: .unauthorized
        case 404: .notFound
        case 409: .conflict
        case 429, 502, 503, 504: .unavailable
        default: .failure
        }
    }

    /// The table `forge --help` prints.
    static let help = """
        Exit status:
          0  success
          1  other failure (an internal server error, an unexpected answer)
          2  usage: bad flags or arguments, or input refused (400, 413, 422)
          3  not found (404)
          4  conflict (409), e.g. canceling a finished job
          5  unavailable: gateway unreachable, or 429, 502, 503, 504; retry later
          6  unauthorized: the token is missing or not accepted (401, 403)
        """
}

/// A failure the CLI reports as one line on stderr (and, with `--json`, the gateway's problem
/// document on stdout), exiting with its ``CLIExit`` status.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var exitCode: CLIExit
    /// The gateway's answer, when there was one.
    var response: GatewayResponse?

    init(_ description: String, exitCode: CLIExit = .failure, response: GatewayResponse? = nil) {
        self.description = description
        self.exitCode = exitCode
        self.response = response
    }

    static func problem(_ response: GatewayResponse) -> CLIError {
        let problem = response.object
        var line = "gateway answered \(response.status)"
        if let title = problem["title"]?.string { line += ": \(title)" }
        if let detail = problem["detail"]?.string { line += " — \(detail)" }
        if let field = problem["field"]?.string { line += " (field: \(field))" }
        if problem.members.isEmpty, let text = String(validating: response.body, as: UTF8.self), !text.isEmpty { line += ": \(text)" }
        return CLIError(line, exitCode: .forStatus(response.status), response: response)
    }
}

/// Runs a subcommand body, turning a ``CLIError`` into its output and exit status.
func reportingErrors(json: Bool = false, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        if json, let response = error.response, !response.body.isEmpty { Output.json(response.body) }
        printError("forge: \(error)")
        throw ExitCode(error.exitCode.rawValue)
    } catch let error as ValidationError {
        // Raised while resolving settings at run time (an unreadable --token-file): a usage error.
        printError("forge: \(error.message)")
        throw ExitCode(CLIExit.usage.rawValue)
    }
}
