import ForgeCore

/// Why a request was refused, field by field: `invalid` (400) when it does not match the OpenAPI
/// document, `unprocessable` (422) when it does but a rule the document cannot express refuses it
/// (an unknown time zone, `backoff.cap_ms` below `base_ms`, U+0000 in a payload, a reused
/// `Idempotency-Key`). Fuzzing with the document (Schemathesis) relies on the split: whatever the
/// document allows must never be a 400.
package enum RequestError: Error, Sendable {
    case invalid(ValidationError)
    case unprocessable(ValidationError)

    var validation: ValidationError {
        switch self {
        case .invalid(let error), .unprocessable(let error): error
        }
    }

    var problem: Problem {
        switch self {
        case .invalid(let error): .invalid(error)
        case .unprocessable(let error): .unprocessable(error)
        }
    }

    /// The same error for a field under `prefix` (`jobs[3]`).
    func nested(under prefix: String) -> RequestError {
        guard !prefix.isEmpty else { return self }
        return switch self {
        case .invalid(let error): .invalid(error.nested(under: prefix))
        case .unprocessable(let error): .unprocessable(error.nested(under: prefix))
        }
    }
}
