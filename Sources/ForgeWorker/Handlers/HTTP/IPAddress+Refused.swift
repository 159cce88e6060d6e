extension IPAddress {
    /// Why the `http` handler refuses this address unless it is allowed, as the words of a
    /// refusal ("a loopback address"), or nil for an address on the public internet.
    ///
    /// These are the blocks a job could use to reach inside the deployment: the worker itself,
    /// its pod or host network, cloud metadata services (169.254.169.254, fd00:ec2::254 and
    /// Alibaba's 100.100.100.200 all live here) and whatever else is not on the internet. An IPv6
    /// address that carries an IPv4 one (mapped, compatible, NAT64) is judged by that IPv4 address.
    package var refusedRange: String? {
        if let v4 = embeddedIPv4 { return v4.refusedRange }
        return Self.refusedRanges.first { $0.range.contains(self) }?.kind
    }

    /// First match wins, so the broadcast address is named before the reserved block holding it.
    private static let refusedRanges: [(range: IPRange, kind: String)] = [
        ("0.0.0.0/8", "an unspecified address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("10.0.0.0/8", "a private address"),
        ("172.16.0.0/12", "a private address"),
        ("192.168.0.0/16", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("224.0.0.0/4", "a multicast address"),
        ("255.255.255.255/32", "a broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("fc00::/7", "a private address"),
        ("ff00::/8", "a multicast address"),
    ].map { (IPRange($0)!, $1) }
}
