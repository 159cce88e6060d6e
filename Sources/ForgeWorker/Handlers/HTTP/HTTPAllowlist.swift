import ForgeCore
import FoundationEssentials

/// Hosts and address blocks the `http` handler may reach although they are loopback, link-local,
/// private or otherwise inside the deployment (`FORGE_HTTP_ALLOW`, `--http-allow`).
///
/// Entries are comma-separated: a host name (`hooks.internal`), every name under a domain
/// (`*.svc.cluster.local`), an address (`127.0.0.1`, `::1`) or a CIDR block (`10.20.0.0/16`). A
/// listed name may resolve to any address; any other name is judged by what it resolves to, so a
/// public name that points inside the deployment is still refused.
public struct HTTPAllowlist: Sendable, Hashable, CustomStringConvertible {
    private var hosts: Set<String> = []
    private var domains: Set<String> = []
    private var ranges: [IPRange] = []

    /// Nothing allowed past the default rule.
    public init() {}

    /// Parses the comma-separated list; an empty string allows nothing extra.
    public init(parsing text: String) throws(ValidationError) {
        for entry in text.split(separator: ",").map({ $0.trimmingSpaces }) where !entry.isEmpty {
            if let range = IPRange(entry) {
                ranges.append(range)
            } else if entry.hasPrefix("*."), let domain = Self.hostName(entry.dropFirst(2)) {
                domains.insert(domain)
            } else if let host = Self.hostName(Substring(entry)) {
                hosts.insert(host)
            } else {
                throw ValidationError(
                    field: "http_allow",
                    reason: "'\(entry)' is not a host name, *.domain, IP address or CIDR block (e.g. 10.0.0.0/8)"
                )
            }
        }
    }

    public var isEmpty: Bool { hosts.isEmpty && domains.isEmpty && ranges.isEmpty }

    /// Whether a URL host (as it appears in the URL, any case, maybe with a trailing dot) is listed
    /// by name.
    package func allows(host: String) -> Bool {
        guard let name = Self.hostName(Substring(host)) else { return false }
        if hosts.contains(name) { return true }
        var rest = Substring(name)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            if domains.contains(String(rest)) { return true }
        }
        return false
    }

    /// Whether `address`, or the IPv4 address it carries, lies in a listed block.
    package func allows(_ address: IPAddress) -> Bool {
        let candidates = [address] + (address.embeddedIPv4.map { [$0] } ?? [])
        return candidates.contains { candidate in ranges.contains { $0.contains(candidate) } }
    }

    public var description: String {
        (hosts.sorted() + domains.sorted().map { "*.\($0)" } + ranges.map(\.description)).joined(separator: ",")
    }

    /// A DNS name in canonical form (lowercase, no trailing dot), or nil if `text` is not one.
    private static func hostName(_ text: Substring) -> String? {
        let name = (text.hasSuffix(".") ? text.dropLast() : text).lowercased()
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            name.utf8.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            }
        return valid ? name : nil
    }
}
