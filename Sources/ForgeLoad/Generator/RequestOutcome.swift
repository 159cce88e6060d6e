/// What one enqueue request came to.
public enum RequestOutcome: Sendable, Equatable {
    /// A 2xx answer; `refused` items of a batch were turned down one by one (each holds an error).
    case accepted(jobs: Int, refused: Int)
    case failed(ErrorKind)
}

/// Errors by kind, as the report counts them: an HTTP status, a timeout, a connection problem.
public enum ErrorKind: Sendable, Hashable, Comparable {
    /// A non-2xx answer.
    case status(Int)
    /// No answer within `--timeout` (or no connection in time).
    case timeout
    /// Refused, reset or closed connections.
    case connection
    /// Anything else the HTTP client reported, by its description.
    case other(String)

    /// The report's key: `http_503`, `timeout`, `connection`, `other: …`.
    public var key: String {
        switch self {
        case .status(let code): "http_\(code)"
        case .timeout: "timeout"
        case .connection: "connection"
        case .other(let what): "other: \(what)"
        }
    }

    /// `4xx`, `5xx`, `timeout`, `connection` or `other`: for the progress line.
    public var kindClass: String {
        switch self {
        case .status(let code): "\(code / 100)xx"
        case .timeout: "timeout"
        case .connection: "connection"
        case .other: "other"
        }
    }
}
