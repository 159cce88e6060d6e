/// A response from the gateway: status and body.
struct GatewayResponse {
    var status: Int
    var body: [UInt8]

    /// The body parsed, or nil when it is not JSON (an empty 204, a proxy's HTML error page).
    var json: JSONValue? { try? JSONValue(parsing: body) }

    /// The body when it is a JSON object; an object without members otherwise.
    var object: JSONValue {
        if let json, case .object = json { json } else { .object([]) }
    }
}
