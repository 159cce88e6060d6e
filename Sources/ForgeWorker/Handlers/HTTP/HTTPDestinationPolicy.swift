/// Decides where one hop of an `http` job may connect.
///
/// The host is resolved here, every answer is checked, and the client is then told to connect to
/// exactly those answers (see ``HTTPHandler``'s transport), so a name that resolves to a public
/// address now and to 127.0.0.1 a moment later (DNS rebinding) cannot slip past the check.
struct HTTPDestinationPolicy: Sendable {
    var allowlist: HTTPAllowlist

    /// The addresses `host` (as the HTTP client spells it, IPv6 in brackets) may be reached at, in
    /// the resolver's order of preference; a non-retryable failure naming the rule if any of them
    /// is refused (the client could pick any of them, so one bad answer spoils the name).
    func addresses(of host: String) async throws -> [IPAddress] {
        let literal = IPAddress(host)
        let addresses: [IPAddress]
        if let literal {
            addresses = [literal]
        } else {
            do {
                addresses = try await HostResolver.addresses(of: host)
            } catch let failure as HostResolver.Failure {
                throw JobFailure(message: "http: \(failure)", retryable: true)
            }
        }
        guard !allowlist.allows(host: host) else { return addresses }
        for address in addresses where !allowlist.allows(address) {
            guard let range = address.refusedRange else { continue }
            let what = literal != nil ? "\(address) is \(range)" : "\(host) resolves to \(address), \(range)"
            throw JobFailure(message: "http: \(what); allow it with FORGE_HTTP_ALLOW", retryable: false)
        }
        return addresses
    }
}
